"""Every operation of /swagger.json has a summary and an example of every body it takes and answers, and the
examples are true: request examples pass the operation's own parser and serializer (with their ids present in
the account), every example matches its documented schema (no undocumented keys), and the envelopes shown
for 401, 403 and 404 are exactly what the API answers."""

import copy
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import force_instance, is_serializer
from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator, oas30_format_checker
from rest_framework.test import APIRequestFactory

from accounts.models import Account
from billing import examples as billing_examples
from billing.stripe_event_schema import event_shape_error
from catalog import examples as catalog_examples
from catalog import services as catalog_services
from catalog.models import Product, ProductVariant
from customers.models import Customer
from inventory import examples as inventory_examples
from marketplace import examples as marketplace_examples
from marketplace.models import MarketplaceConnection
from omnisales.api.auth import AuthContext
from omnisales.testing.factories import CategoryFactory, CustomerFactory, ProductFactory, WarehouseFactory
from orders.models import Order, OrderStatus
from returns import examples as returns_examples
from returns.models import ReturnRequest

pytestmark = pytest.mark.django_db

SAMPLE_CSV = Path(settings.BASE_DIR) / "docs" / "examples" / "products.csv"
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema):
    return [
        (path, method, operation)
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
        if method in METHODS
    ]


def examples_of(content: dict) -> dict:
    return {name: example["value"] for name, example in content.get("examples", {}).items()}


def strict_document(schema: dict) -> dict:
    """The components with every object closed (`additionalProperties: false` unless it says otherwise), so an
    example key the schema does not document is an error."""
    components = copy.deepcopy(schema["components"])
    for component in components["schemas"].values():
        if "properties" in component:
            component.setdefault("additionalProperties", False)
    return {"components": components}


def validate(document: dict, media_schema: dict, value, validator_class) -> None:
    validator_class({**media_schema, **document}, format_checker=oas30_format_checker).validate(value)


def test_every_operation_has_a_summary(schema):
    missing = [f"{method} {path}" for path, method, operation in operations(schema) if not operation.get("summary")]
    assert missing == []


def test_every_body_in_and_out_has_an_example(schema):
    missing = []
    for path, method, operation in operations(schema):
        for media_type, content in operation.get("requestBody", {}).get("content", {}).items():
            if not content.get("examples"):
                missing.append(f"{method.upper()} {path} request {media_type}")
        for status_code, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if not content.get("examples"):
                    missing.append(f"{method.upper()} {path} {status_code} {media_type}")
    assert missing == []


def test_every_success_and_error_response_example_matches_its_schema(schema):
    document = strict_document(schema)
    checked = 0
    for path, method, operation in operations(schema):
        for status_code, response in operation["responses"].items():
            for content in response.get("content", {}).values():
                for name, value in examples_of(content).items():
                    try:
                        validate(document, content["schema"], value, OAS30ReadValidator)
                    except Exception as exc:
                        pytest.fail(f"{method.upper()} {path} {status_code} example {name!r}: {exc}")
                    checked += 1
    assert checked > 500


def test_every_request_example_matches_its_schema(schema):
    document = strict_document(schema)
    for path, method, operation in operations(schema):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            for name, value in examples_of(content).items():
                try:
                    validate(document, content["schema"], value, OAS30WriteValidator)
                except Exception as exc:
                    pytest.fail(f"{method.upper()} {path} request example {name!r}: {exc}")


@pytest.fixture
def example_account(account):
    """The account holding every object the request examples name by id."""
    category = CategoryFactory(account=account, id=catalog_examples.CATEGORY_ID, slug="laptops-example")
    ProductFactory(account=account, id=catalog_examples.PRODUCT_ID, category=category)
    for customer_id in ("cus_123", "cus_789"):
        CustomerFactory(account=account, id=customer_id)
    tee = catalog_services.product_create(
        account=account, sku="TEE-ORG", name="Organic T-shirt", price=Decimal("25.00"), options=catalog_examples.OPTIONS
    )
    variant = catalog_services.variant_create(
        product=tee, sku="TEE-ORG-M-BLK", option_values=["M", "Black"], price=Decimal("25.00")
    )
    # the ids the examples name (FK checks are deferred to a commit these test transactions never reach)
    ProductVariant.objects.filter(pk=variant.pk).update(id=catalog_examples.VARIANT_ID)
    Product.objects.filter(pk=tee.pk).update(id=catalog_examples.TEE_ID)
    ProductVariant.objects.filter(product_id=tee.pk).update(product_id=catalog_examples.TEE_ID)
    WarehouseFactory(account=account, id=inventory_examples.WAREHOUSE_ID, code="EX1")
    WarehouseFactory(account=account, id=inventory_examples.OTHER_WAREHOUSE_ID, code="EX2")
    order = Order.objects.create(
        account=account,
        id=returns_examples.ORDER_ID,
        customer=Customer.objects.get(pk=returns_examples.CUSTOMER_ID),
        status=OrderStatus.DELIVERED,
        currency="USD",
        subtotal=Decimal("999.99"),
        tax=Decimal("0.00"),
        total=Decimal("999.99"),
        tax_rate=Decimal("0.000"),
    )
    ReturnRequest.objects.create(
        account=account, id=returns_examples.RETURN_ID, order=order, customer=order.customer, currency="USD"
    )
    MarketplaceConnection.objects.create(
        account=account, id=marketplace_examples.CONNECTION_ID, platform="shopee", api_key="1", api_secret="2"
    )
    return account


def endpoints():
    """(path, method, view) of every operation, as the schema generator sees them."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        view.schema.path, view.schema.method = path, method
        view.schema.view = view
        yield path, method.lower(), view


def parsed_body(view, media_type: str, value):
    """The example as the view reads it: JSON through its parser (camelCase in, snake_case out); the form's
    file is the sample CSV."""
    if media_type == "multipart/form-data":
        upload = SimpleUploadedFile("products.csv", SAMPLE_CSV.read_bytes(), content_type="text/csv")
        return {"file": upload, "all_or_nothing": value["allOrNothing"], "dry_run": value["dryRun"]}
    parser = next(parser() for parser in view.parser_classes if parser.media_type == "application/json")
    return parser.parse(io.BytesIO(json.dumps(value).encode()), "application/json", {})


def test_every_request_example_passes_its_serializer(schema, example_account):
    request = APIRequestFactory().post("/api/")
    request.auth = AuthContext(
        account=Account.objects.get(pk=example_account.pk), principal=None, method="api_key", credential_id="key_test"
    )
    validated = 0
    for path, method, view in endpoints():
        request_body = schema["paths"].get(path, {}).get(method, {}).get("requestBody")
        if not request_body:
            continue
        serializer = force_instance(view.schema.get_request_serializer())
        for media_type, content in request_body["content"].items():
            serializer_class = serializer.get(media_type) if isinstance(serializer, dict) else serializer
            for name, value in examples_of(content).items():
                where = f"{method.upper()} {path} example {name!r}"
                if not is_serializer(force_instance(serializer_class)):
                    assert event_shape_error(value) is None, where  # the Stripe webhook takes a Stripe event
                    continue
                body = parsed_body(view, media_type, value)
                checked = type(force_instance(serializer_class))(
                    data=body, partial=method == "patch", context={"request": request, "view": view}
                )
                assert checked.is_valid(), (where, checked.errors)
                validated += 1
    assert validated >= 35


def test_the_stripe_event_example_is_one_the_webhook_reads():
    assert event_shape_error(billing_examples.STRIPE_EVENT) is None


def error_examples(schema, status_code: str):
    for path, method, operation in operations(schema):
        content = operation["responses"].get(status_code, {}).get("content", {}).get("application/json", {})
        for value in examples_of(content).values():
            yield path, method, operation, value


def concrete(path: str, value: dict) -> str:
    """The path with its (last) id replaced by the one the 404 example names."""
    made_up_id = value["details"].rsplit(" ", 1)[-1]
    head, _, rest = path.rpartition("{")
    return head + made_up_id + rest.partition("}")[2]


def test_not_found_examples_are_what_a_made_up_id_answers(schema, api):
    compared = 0
    for path, method, _operation, value in error_examples(schema, "404"):
        if method != "get" or "{" not in path:
            continue
        response = api.get(concrete(path, value))
        assert (response.status_code, response.json()) == (404, value), path
        compared += 1
    assert compared >= 15


def test_authentication_and_scope_examples_are_what_the_api_answers(schema, anonymous_client, account, make_client):
    outsider = make_client(account, scopes=["read:analytics"])
    analytics_outsider = make_client(account, scopes=["read:orders"])  # for the reads that need read:analytics
    for path, method, operation, value in error_examples(schema, "401"):
        if method != "get" or "{" in path or not operation.get("security"):
            continue
        assert anonymous_client.get(path).json() == value, path
    for path, method, operation, value in error_examples(schema, "403"):
        if method != "get" or "{" in path or "x-required-scope" not in operation:
            continue
        client = analytics_outsider if operation["x-required-scope"] == "read:analytics" else outsider
        response = client.get(path)
        assert (response.status_code, response.json()) == (403, value), path
