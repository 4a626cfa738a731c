from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "omnisales.api"
    label = "api"
    verbose_name = "API plumbing"

    def ready(self):
        from . import db  # noqa: F401 - connects the timestamp loader to new PostgreSQL connections
        from .serializers import install_strict_input

        install_strict_input()
