"""Refresh tokens are never kept in clear: simplejwt's outstanding-token table holds digests only."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.jwt_storage import token_digest
from accounts.models import Role
from omnisales.testing.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def stored_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {OutstandingToken._meta.db_table}")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def member():
    return MembershipFactory(role=Role.OWNER)


def login(member) -> dict:
    response = APIClient().post("/api/auth/token", {"email": member.user.email, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    return response.json()


def refresh(token: str):
    return APIClient().post("/api/auth/token/refresh", {"refresh": token}, format="json")


def test_login_register_and_refresh_store_digests_not_tokens(member):
    first = login(member)
    rotated = refresh(first["refresh"])
    assert rotated.status_code == 200
    registered = APIClient().post(
        "/api/auth/register",
        {"email": "new@example.com", "password": PASSWORD, "name": "New", "storeName": "New Store"},
        format="json",
    )
    assert registered.status_code == 201

    issued = [first["refresh"], rotated.json()["refresh"], registered.json()["tokens"]["refresh"]]
    stored = stored_tokens()
    assert len(stored) == 3
    assert all(row.startswith("sha256:") and len(row) == len("sha256:") + 64 for row in stored)
    assert token_digest(issued[1]) in stored  # the rotated token, recorded as issued
    assert not any(token in row for token in issued for row in stored)
    assert not any("." in row for row in stored)  # nothing JWT-shaped at all


def test_rotation_and_blacklisting_still_work_on_digests(member):
    first = login(member)
    second = refresh(first["refresh"])
    assert second.status_code == 200
    assert refresh(first["refresh"]).status_code == 401  # blacklisted by jti
    assert refresh(second.json()["refresh"]).status_code == 200


def test_the_migration_digests_tokens_stored_in_clear(member):
    first = login(member)
    OutstandingToken.objects.update(token=first["refresh"])  # a row from before digests (update skips save)
    assert stored_tokens() == [first["refresh"]]

    migration = importlib.import_module("accounts.migrations.0004_digest_outstanding_refresh_tokens")
    migration.digest_stored_tokens(apps, SimpleNamespace(connection=connection))

    assert stored_tokens() == [token_digest(first["refresh"])]
    assert refresh(first["refresh"]).status_code == 200
