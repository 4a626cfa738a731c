"""Production settings: `check --deploy` is clean with the documented environment; HTTPS everywhere
except /healthz; a strict Content-Security-Policy on the API explorer."""

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

PROJECT_DIR = Path(__file__).resolve().parents[2]


def production_environment(**overrides) -> dict:
    """The variables README "Production" says to set, and nothing that turns a safeguard off."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "api.example.com",
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        "DATABASE_URL": "postgres://omnisales@db.internal:5432/omnisales",
        "REDIS_URL": "redis://cache.internal:6379/1",
        "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
        "BEHIND_TLS_PROXY": "true",
        **overrides,
    }
    return {name: value for name, value in environment.items() if value is not None}


def manage(*args, environment) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env={**environment, "OMNISALES_IGNORE_DOTENV": "true"},  # never the developer's .env
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_environment():
    result = manage("check", "--deploy", "--fail-level", "WARNING", environment=production_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_field_encryption_key():
    result = manage("check", environment=production_environment(FIELD_ENCRYPTION_KEY=None))
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEY is required" in result.stderr


@pytest.fixture
def https_only(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000


def test_plain_http_is_redirected_but_healthz_still_answers(https_only, client, db):
    redirected = client.get("/api/auth/me")
    assert redirected.status_code == 301
    assert redirected["Location"] == "https://testserver/api/auth/me"
    assert client.get("/healthz").status_code == 200


def test_production_defaults_are_secure_and_each_can_be_set():
    names = [
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SECURE_HSTS_PRELOAD",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_REDIRECT_EXEMPT",
    ]
    show = f"from django.conf import settings; print([getattr(settings, name) for name in {names!r}])"
    defaults = manage("shell", "--no-imports", "-c", show, environment=production_environment())
    assert defaults.stdout.strip() == str(
        [True, 31_536_000, True, True, True, True, ("HTTP_X_FORWARDED_PROTO", "https"), ["^healthz$"]]
    ), defaults.stderr
    overridden = manage(
        "shell",
        "--no-imports",
        "-c",
        show,
        environment=production_environment(
            SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="60", BEHIND_TLS_PROXY=None
        ),
    )
    assert overridden.stdout.strip().startswith("[False, 60, True, True, True, True, None,"), overridden.stderr


@pytest.mark.django_db
class TestApiDocsContentSecurityPolicy:
    def _policy(self, response) -> dict[str, list[str]]:
        return {
            directive.split()[0]: directive.split()[1:]
            for directive in response["Content-Security-Policy"].split(";")
            if directive.strip()
        }

    def test_page_has_a_strict_policy_and_only_local_scripts(self, anonymous_client):
        response = anonymous_client.get("/api-docs")
        assert response.status_code == 200
        policy = self._policy(response)
        assert policy["default-src"] == ["'none'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["frame-ancestors"] == ["'none'"]
        html = response.content.decode()
        scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
        assert scripts and all('src="/' in attributes and not body.strip() for attributes, body in scripts)
        stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
        assert stylesheets and all(href.startswith("/static/") for href in stylesheets)

    def test_inline_style_is_allowed_by_its_hash_and_nothing_else_inline(self, anonymous_client):
        response = anonymous_client.get("/api-docs")
        policy = self._policy(response)
        blocks = re.findall(rb"<style>(.*?)</style>", response.content, re.DOTALL)
        expected = [f"'sha256-{base64.b64encode(hashlib.sha256(block).digest()).decode()}'" for block in blocks]
        assert policy["style-src"] == ["'self'", *expected]
        assert "'unsafe-inline'" not in response["Content-Security-Policy"]

    def test_init_script_is_served_as_a_file(self, anonymous_client):
        page = anonymous_client.get("/api-docs").content.decode()
        init_src = re.search(r'<script src="(/api-docs\?[^"]*)"', page).group(1)
        script = anonymous_client.get(init_src.replace("&amp;", "&"))
        assert script.status_code == 200
        assert script["Content-Type"].startswith("application/javascript")
        assert b"SwaggerUIBundle" in script.content and b"/swagger.json" in script.content
