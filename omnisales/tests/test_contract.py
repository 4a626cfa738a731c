"""Contract fuzzing: Schemathesis generates requests from /swagger.json for every operation and checks
that the live API never answers 5xx, only uses documented status codes and content types, and that
every response body matches its documented schema. New endpoints are covered as soon as they exist."""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.django_db, pytest.mark.schemathesis]


@pytest.fixture
def live_schema(db):
    # Like Django's test client: keep the test's transaction open across in-process requests.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/swagger.json", get_wsgi_application())
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("live_schema")
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "25"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def api_key(account, make_client):
    return make_client(account).api_key


@pytest.fixture(autouse=True)
def _local_stripe(settings, db):
    """Payments run against the local Stripe, so their operations are exercised, not just "not configured";
    the plans have their prices there, so the checkout example (plan_starter) opens a session."""
    from billing.models import Plan
    from billing.services import plan_sync_to_stripe
    from omnisales.testing.stripe_server import FakeStripe

    with FakeStripe() as stripe:
        stripe.configure(settings)
        for plan in Plan.objects.all():
            plan_sync_to_stripe(plan=plan)
        yield


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_schema(case, api_key):
    # A path parameter deliberately generated outside its schema (`productId=export`) can land on a
    # sibling route, whose answer is documented there, not here: such cases must only never 5xx.
    path_is_invalid = case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH)
    checks = [not_a_server_error] if path_is_invalid else CHECKS
    case.call_and_validate(headers={"X-API-Key": api_key}, checks=checks)
