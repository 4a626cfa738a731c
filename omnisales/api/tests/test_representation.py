"""Compiled representations render exactly what DRF renders, value for value, and hand DRF whatever they do
not know: unusual values, missing attributes and keys, fields with their own behaviour."""

import datetime
import decimal
import enum
import zoneinfo

import pytest
from django.db import models
from django.test import override_settings
from django.utils import timezone
from drf_spectacular.plumbing import get_doc
from rest_framework import serializers

from omnisales.api import renderers
from omnisales.api.renderers import CamelCaseJSONRenderer, CamelizedDict, CamelizedList
from omnisales.api.representation import CompiledRepresentation, camel_representation, drf_only, plan_for, plans
from omnisales.api.secrets import SecretField, SecretValue
from omnisales.api.serializers import MoneyField, TenantRelatedField

UTC = datetime.UTC
PLUS_FIVE = datetime.timezone(datetime.timedelta(hours=5))


class Colour(models.TextChoices):
    NAVY = "navy"
    TEAL = "teal", "Teal blue"


class Size(enum.Enum):
    SMALL = "s"


class Line(serializers.Serializer):
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    price = MoneyField()


class Address(serializers.Serializer):
    city = serializers.CharField(default="")
    country = serializers.CharField(allow_null=True, required=False)


class Thing(CompiledRepresentation, serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField(allow_null=True)
    count = serializers.IntegerField()
    active = serializers.BooleanField()
    price = MoneyField()
    weight = serializers.DecimalField(max_digits=10, decimal_places=3, coerce_to_string=False, allow_null=True)
    amount_text = serializers.DecimalField(source="price", max_digits=14, decimal_places=2, coerce_to_string=True)
    at = serializers.DateTimeField(allow_null=True)
    colour = serializers.ChoiceField(choices=Colour.choices, allow_null=True, allow_blank=True)
    level = serializers.ChoiceField(choices=[(1, "one"), (2, "two")], help_text="Integer choices, sent as text.")
    rounded = serializers.DecimalField(
        source="weight", max_digits=10, decimal_places=1, rounding=decimal.ROUND_UP, coerce_to_string=False
    )
    tags = serializers.ListField(child=serializers.CharField(), allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField())
    attributes = serializers.DictField()
    data = serializers.JSONField()
    address = Address(allow_null=True)
    lines = Line(many=True)
    owner_name = serializers.CharField(source="owner.name", default="nobody")
    owner_city = serializers.CharField(source="owner.city", allow_null=True)
    owner_phone = serializers.CharField(source="owner.phone", required=False)
    label = serializers.CharField(source="make_label")
    category_id = TenantRelatedField(source="category", queryset=models.QuerySet(), allow_null=True)


class Owner:
    def __init__(self, name, city=None):
        self.name = name
        self.city = city


class Row:
    """An object with the attributes Thing reads: `make_label` is a method DRF calls, and the category is
    read through `serializable_value`, as on a model instance."""

    def __init__(self, *, category, **values):
        self.__dict__.update(values)
        self._category = category

    def make_label(self):
        return f"label of {self.id}"

    def serializable_value(self, name):
        assert name == "category"
        return self._category


def row(**changes):
    values = {
        "id": "thing_1",
        "name": "Plain",
        "count": 3,
        "active": True,
        "price": decimal.Decimal("19.99"),
        "weight": decimal.Decimal("1.250"),
        "at": datetime.datetime(2024, 1, 15, 10, 30, 0, 123456, tzinfo=UTC),
        "colour": "navy",
        "level": "2",
        "tags": ["a", "b"],
        "counts": {"x": 1},
        "attributes": {"shoe_size": "42", "care": {"wash_temp": 30}},
        "data": {"nested": [1, 2, {"k": None}]},
        "address": {"city": "Lyon", "country": "FR"},
        "lines": [{"sku": "A-1", "quantity": 2, "price": decimal.Decimal("5.10")}],
        "owner": Owner("Ada", "Paris"),
        "category": "cat_1",
    }
    values.update(changes)
    return Row(**values)


UNUSUAL = {
    "nulls": {
        "name": None,
        "weight": None,
        "at": None,
        "colour": None,
        "tags": None,
        "address": None,
        "category": None,
        "owner": Owner("Bo"),
    },
    "decimals_to_round": {"price": decimal.Decimal("1.005"), "weight": decimal.Decimal("2.0004999")},
    "decimal_from_other_types": {"price": 7, "weight": 1.5},
    "decimal_short_scale": {"price": decimal.Decimal("3"), "weight": decimal.Decimal("0.1")},
    "datetime_in_another_zone": {"at": datetime.datetime(2024, 1, 15, 23, 30, tzinfo=PLUS_FIVE)},
    "naive_datetime": {"at": datetime.datetime(2024, 1, 15, 10, 30)},
    "datetime_as_text": {"at": "2024-01-15"},
    "datetime_without_micros": {"at": datetime.datetime(2024, 1, 15, 10, 30, tzinfo=UTC)},
    "enum_choices": {"colour": Colour.TEAL},
    "plain_enum_and_unknown_choice": {"colour": Size.SMALL},
    "unknown_choice": {"colour": "purple", "level": "3"},
    "choice_as_its_value": {"level": 1},
    "blank_choice": {"colour": ""},
    "not_text": {"id": 42, "name": decimal.Decimal("1.5")},
    "booleans_as_other_values": {"active": "false", "count": "12"},
    "lists_with_nulls": {"tags": ["a", None, 3], "lines": []},
    "dicts_with_other_keys": {"counts": {1: "2", "y": None}, "attributes": {2: None}},
    "partial_address": {"address": {"country": None}},
    "empty_address": {"address": {}},
    "no_owner": {"owner": None},
    "unicode": {"name": "Zoë \u2028 \U0001f600", "tags": ["\u2029"]},
}


@pytest.mark.parametrize("changes", UNUSUAL.values(), ids=UNUSUAL.keys())
def test_rows_render_exactly_as_drf_renders_them(changes):
    assert plan_for(Thing) is not None
    instance = row(**changes)
    with drf_only():
        expected = Thing(instance).data
    compiled = Thing(instance).data
    assert compiled == expected
    assert list(compiled) == list(expected)
    renderer = CamelCaseJSONRenderer()
    assert renderer.render(compiled) == renderer.render(expected)
    assert Thing([instance, instance], many=True).data == [expected, expected]
    assert_camel_representation_renders_like_drf(Thing, instance, expected)


def assert_camel_representation_renders_like_drf(serializer_class, instance, expected):
    """camel_representation, written as it is, gives the bytes the renderer makes of DRF's data."""
    renderer = CamelCaseJSONRenderer()
    camel = camel_representation(serializer_class, instance)
    assert isinstance(camel, CamelizedDict)
    assert renderer.render(camel) == renderer.render(expected)
    rows = camel_representation(serializer_class, [instance, instance], many=True)
    assert isinstance(rows, CamelizedList)
    assert renderer.render(rows) == renderer.render([expected, expected])


class Mapped(CompiledRepresentation, serializers.Serializer):
    """A serializer without pk-only fields, for rows that are dicts."""

    id = serializers.CharField()
    price = MoneyField()
    at = serializers.DateTimeField()
    colour = serializers.ChoiceField(choices=Colour.choices)
    address = Address(allow_null=True)
    lines = Line(many=True)
    owner_name = serializers.CharField(source="owner.name", default="nobody")
    owner_city = serializers.CharField(source="owner.city", allow_null=True)
    owner_phone = serializers.CharField(source="owner.phone", required=False)


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"owner": {"name": "Ada"}},
        {"owner": None},
        {"owner": Owner("Obj", "Rome")},
        {"address": {}, "lines": []},
        {"lines": [{"sku": "x", "quantity": "4", "price": 2}]},
        {"id": lambda: "called"},  # DRF calls a callable value: the generated renderer leaves the row to DRF
        {"colour": Colour.TEAL},  # a str subclass: not one of the types rendered as they are
        {"lines": [{"sku": "A", "quantity": None, "price": None}]},  # nulls in a nested row
    ],
)
def test_dict_rows_render_exactly_as_drf_renders_them(changes):
    instance = {
        "id": "m_1",
        "price": decimal.Decimal("4.50"),
        "at": datetime.datetime(2024, 5, 1, tzinfo=UTC),
        "colour": "teal",
        "address": {"city": "Oslo"},
        "lines": [{"sku": "A", "quantity": 1, "price": decimal.Decimal("4.50")}],
        "owner": {"name": "Bo", "city": "Bergen", "phone": "+47"},
        **changes,
    }
    with drf_only():
        expected = Mapped(instance).data
    assert Mapped(instance).data == expected
    assert list(Mapped(instance).data) == list(expected)
    assert Mapped([instance, instance], many=True).data == [expected, expected]
    assert_camel_representation_renders_like_drf(Mapped, instance, expected)


def test_camel_keys_follow_the_renderers_settings_and_leave_free_form_values_alone(monkeypatch):
    camel = camel_representation(Thing, row())
    assert {"amountText", "ownerName", "categoryId", "attributes"} <= set(camel)
    assert camel["attributes"] == {"shoe_size": "42", "care": {"wash_temp": 30}}  # ignore_fields: as sent
    assert camel["lines"] == [{"sku": "A-1", "quantity": 2, "price": 5.1}]  # as the renderer writes it
    assert camel["price"] == 19.99 and type(camel["price"]) is float
    ignore_fields, _ = renderers.camel_options()
    monkeypatch.setattr(renderers, "camel_options", lambda: (ignore_fields, frozenset({"owner_name"})))
    monkeypatch.setattr(plans, "_plans", {})
    assert "owner_name" in camel_representation(Thing, row())  # ignore_keys keep their own name
    with drf_only():
        assert camel_representation(Thing, row()) is None  # then the view renders DRF's data
    assert camel_representation(OwnRepresentation, row()) is None


def test_a_missing_value_is_drfs_error():
    instance = {"id": "m_1", "at": datetime.datetime(2024, 5, 1, tzinfo=UTC), "colour": "navy", "lines": []}
    with drf_only(), pytest.raises(KeyError) as drf_error:
        _ = Mapped(instance).data
    with pytest.raises(KeyError) as compiled_error:
        _ = Mapped(instance).data
    assert str(compiled_error.value) == str(drf_error.value)


def test_a_null_row_in_a_nested_list_is_drfs_error():
    instance = row(lines=[None])
    with drf_only(), pytest.raises(AttributeError) as drf_error:
        _ = Thing(instance).data
    with pytest.raises(AttributeError) as compiled_error:
        _ = Thing(instance).data
    assert str(compiled_error.value) == str(drf_error.value)


class Price(CompiledRepresentation, serializers.Serializer):
    price = MoneyField()


@pytest.mark.parametrize("price", ["123456789012345.00", "-123456789012345", "999999999999.995", "Infinity"])
def test_a_value_beyond_max_digits_is_drfs_error(price):
    instance = {"price": decimal.Decimal(price)}
    with drf_only(), pytest.raises(decimal.InvalidOperation):
        _ = Price(instance).data
    with pytest.raises(decimal.InvalidOperation):
        _ = Price(instance).data


@pytest.mark.parametrize("price", ["999999999999.99", "-999999999999.994", "0.005", "NaN"])
def test_values_up_to_max_digits_render_like_drf(price):
    instance = {"price": decimal.Decimal(price)}
    with drf_only():
        expected = Price(instance).data
    assert str(Price(instance).data) == str(expected)


def test_datetimes_follow_the_current_time_zone_like_drf():
    instance = row()
    with timezone.override(zoneinfo.ZoneInfo("America/New_York")):
        with drf_only():
            expected = Thing(instance).data
        assert Thing(instance).data == expected
    assert expected["at"] == "2024-01-15T05:30:00.123456-05:00"


def test_settings_changes_recompile_plans():
    instance = row()
    with override_settings(REST_FRAMEWORK={"DATETIME_FORMAT": "%d/%m/%Y", "COERCE_DECIMAL_TO_STRING": False}):
        with drf_only():
            expected = Thing(instance).data
        assert expected["at"] == "15/01/2024"
        assert Thing(instance).data == expected
    assert Thing(instance).data["at"] == "2024-01-15T10:30:00.123456Z"


class WithMethodField(CompiledRepresentation, serializers.Serializer):
    id = serializers.CharField()
    shout = serializers.SerializerMethodField()

    def get_shout(self, instance) -> str:
        return f"{instance['id']}!{self.context['suffix']}"


class OwnRepresentation(serializers.Serializer):
    name = serializers.CharField()

    def to_representation(self, instance):
        return {"name": instance["name"].upper()}


class WithOwnNested(CompiledRepresentation, serializers.Serializer):
    id = serializers.CharField()
    owner = OwnRepresentation()


class WithOwnNestedList(CompiledRepresentation, serializers.Serializer):
    owners = OwnRepresentation(many=True)


class Secretive(CompiledRepresentation, serializers.Serializer):
    key = SecretField()


@pytest.mark.parametrize(
    ("serializer_class", "instance"),
    [
        (WithMethodField, {"id": "a"}),
        (WithOwnNested, {"id": "a", "owner": {"name": "ada"}}),
        (WithOwnNestedList, {"owners": [{"name": "ada"}, {"name": "bo"}]}),
        (Secretive, {"key": "shh"}),
    ],
)
def test_serializers_with_fields_of_their_own_render_through_drf(serializer_class, instance):
    assert plan_for(serializer_class) is None
    with drf_only():
        expected = serializer_class(instance, context={"suffix": "?"}).data
    assert serializer_class(instance, context={"suffix": "?"}).data == expected


def test_fields_of_their_own_see_the_serializers_context():
    assert WithMethodField({"id": "a"}, context={"suffix": "?"}).data == {"id": "a", "shout": "a!?"}


def test_a_secret_stays_a_secret_value():
    assert isinstance(Secretive({"key": "shh"}).data["key"], SecretValue)


def test_a_callable_source_is_called_like_drf_calls_it():
    instance = row()
    assert Thing(instance).data["label"] == "label of thing_1"
    instance.make_label = "a plain value"
    assert Thing(instance).data["label"] == "a plain value"


class Crate(CompiledRepresentation, serializers.Serializer):
    label = serializers.CharField()
    at = serializers.DateTimeField()


class Shipment(CompiledRepresentation, serializers.Serializer):
    id = serializers.CharField()
    at = serializers.DateTimeField()
    crates = Crate(many=True)


def shipments(count: int) -> list[dict]:
    at = datetime.datetime(2024, 3, 1, 8, 0, tzinfo=UTC)
    crates = [{"label": f"c{number}", "at": at} for number in range(3)]
    return [{"id": f"s{number}", "at": at, "crates": crates} for number in range(count)]


def test_compiled_serializers_nest_compiled_lists():
    assert plan_for(Shipment) is not None
    assert isinstance(Shipment(many=True), CompiledRepresentation.List)
    with drf_only():
        expected = Shipment(shipments(4), many=True).data
    assert Shipment(shipments(4), many=True).data == expected
    assert Shipment(shipments(1)[0]).data == expected[0]


def test_the_time_zone_is_read_once_per_rendering(monkeypatch):
    lookups = []
    monkeypatch.setattr(timezone, "get_current_timezone", lambda: lookups.append(1) or zoneinfo.ZoneInfo("UTC"))
    Shipment(shipments(5), many=True).data  # noqa: B018
    assert len(lookups) == 1
    Shipment(shipments(1)[0]).data  # noqa: B018
    assert len(lookups) == 2
    with pytest.raises(KeyError):
        Shipment({"id": "s", "at": None}).data  # noqa: B018
    assert getattr(plans._state, "zone", None) is None


class NeedsArguments(CompiledRepresentation, serializers.Serializer):
    id = serializers.CharField()

    def __init__(self, instance, *, prefix, **kwargs):
        super().__init__(instance, **kwargs)
        self.prefix = prefix


def test_a_serializer_that_cannot_be_built_bare_renders_through_drf():
    assert plan_for(NeedsArguments) is None
    assert NeedsArguments({"id": 1}, prefix="x").data == {"id": "1"}


def test_the_mixin_leaves_the_schema_as_it_was():
    """drf-spectacular describes a serializer by the first docstring in its classes: the mixin has none."""

    class Plain(serializers.Serializer):
        id = serializers.CharField()

    class Compiled(CompiledRepresentation, Plain):
        pass

    assert get_doc(Compiled) == get_doc(Plain) == ""
    assert get_doc(CompiledRepresentation.List) == get_doc(serializers.ListSerializer)


def test_plans_are_compiled_once_per_class():
    first = plan_for(Thing)
    assert plan_for(Thing) is first
    assert plans._plans[Thing] is first


def test_camel_amounts_repeated_or_equal_in_another_form_render_like_drf():
    """In camelCase output, amounts written differently, repeated, rounding to zero, a negative zero and a NaN
    come out as the renderer writes DRF's data."""
    values = ["1.5", "1.50", "1.005", "1.005", "0.004999", "0", "-0.00", "NaN", "1.5"]
    rows = [{"price": decimal.Decimal(value)} for value in values]
    with drf_only():
        expected = Price(rows, many=True).data
    renderer = renderers.CamelCaseJSONRenderer()
    assert renderer.render(camel_representation(Price, rows, many=True)) == renderer.render(expected)
    with pytest.raises(decimal.InvalidOperation):  # beyond max_digits: DRF's error
        camel_representation(Price, [{"price": decimal.Decimal("123456789012345.00")}], many=True)


def test_dict_rows_take_the_generated_renderer_and_it_gives_the_loop_s_output():
    plan = plan_for(Mapped)
    assert plan._camel_rows.__code__.co_filename.startswith("<plan rows renderer")
    instance = {
        "id": "m_2",
        "price": decimal.Decimal("0.10"),
        "at": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        "colour": "teal",
        "address": None,
        "lines": [],
        "owner": {"name": "Bo", "city": None, "phone": "+47"},
    }
    generated = plan.render_camel(instance)
    assert generated == plan._render(instance, plan.camel_mapping_steps)
    assert list(generated) == [
        "id",
        "price",
        "at",
        "colour",
        "address",
        "lines",
        "ownerName",
        "ownerCity",
        "ownerPhone",
    ]
    assert generated["price"] == 0.1 and type(generated["price"]) is float
