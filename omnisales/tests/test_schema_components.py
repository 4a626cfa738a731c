"""Every component of the OpenAPI schema stands for one serializer.

drf-spectacular names a component after its serializer class (`PaymentSerializer` -> `Payment`). Two
different serializers with the same name share one component, so one of them is documented with the
other's fields. The generator's own warning about this is switched off in settings (it prints for
every import), so the test records which serializers claim each component name while the schema is
generated.
"""

import inspect
from collections import defaultdict

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.plumbing import ComponentIdentity, ComponentRegistry, ResolvedComponent


def _identity(obj):
    return obj if inspect.isclass(obj) or isinstance(obj, ComponentIdentity) else type(obj)


@pytest.fixture
def generated(monkeypatch):
    """(schema, {component name: identities that claimed it}) of a freshly generated schema."""
    claims = defaultdict(set)
    contains = ComponentRegistry.__contains__

    def recording_contains(self, component):
        if component.type == ResolvedComponent.SCHEMA:
            claims[component.name].add(_identity(component.object))
        return contains(self, component)

    monkeypatch.setattr(ComponentRegistry, "__contains__", recording_contains)
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return schema, claims


def test_no_two_serializers_share_a_component_name(generated):
    _, claims = generated
    assert claims, "no component was recorded: the generator no longer checks its registry this way"
    shared = {
        name: sorted(f"{identity.__module__}.{identity.__qualname__}" for identity in identities)
        for name, identities in claims.items()
        if len(identities) > 1
    }
    assert shared == {}


def _response_component(schema, path, method="get", status="200"):
    """The component a response's items (or the response itself) refer to, through any list component."""
    node = schema["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]
    while "$ref" in node or "items" in node:
        node = node.get("items") or schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def test_card_payments_and_order_payments_are_documented_with_their_own_fields(generated):
    schema, _ = generated
    card_payment = _response_component(schema, "/api/payments")
    assert {"amountCents", "stripePaymentIntentId"} <= set(card_payment["properties"])
    assert "amount" not in card_payment["properties"]
    order_payment = _response_component(schema, "/api/orders/{orderId}/payments")
    assert {"amount", "kind", "method"} <= set(order_payment["properties"])
    assert "amountCents" not in order_payment["properties"]
