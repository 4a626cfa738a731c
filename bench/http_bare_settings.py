"""The project's settings and middleware, with only the URLconf swapped for the one bare view."""

from omnisales.settings import *  # noqa: F403

ROOT_URLCONF = "bench.http_bare_urls"
