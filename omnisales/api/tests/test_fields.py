"""omnisales.api.fields.JSONField reads back exactly what Django's JSONField reads, faster, and is invisible
to migrations."""

import json

import pytest
from django.db import connection, models

from catalog.models import Product
from omnisales.api.fields import JSONField
from omnisales.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db

VALUES = [
    {"nested": {"list": [1, 2.5, 0.0, 1e-7, True, False, None], "text": 'quotes " and \\ and \u2028 é 𝄞'}},
    {"big": 2**70, "bigger": -(2**80), "max": 2**64 - 1, "min": -(2**63)},  # around and past 64 bits
    {"pi": 3.141592653589793238462643, "digits": "1234567890123456789012"},
    [],
    "just text",
    12345678901234567890,
]


IDS = ["nested", "big-integers", "long-digits", "empty-list", "string", "big-scalar"]


@pytest.mark.parametrize("value", VALUES, ids=IDS)
def test_values_read_back_as_djangos_json_field_reads_them(account, value):
    product = ProductFactory(account=account, attributes=value)
    with connection.cursor() as cursor:
        cursor.execute("SELECT attributes::text FROM catalog_product WHERE id = %s", [product.pk])
        (text,) = cursor.fetchone()
    read = Product.objects.values_list("attributes", flat=True).get(pk=product.pk)
    assert read == json.loads(text) == value
    same_types = json.dumps(read, sort_keys=True) == json.dumps(value, sort_keys=True)
    assert same_types, "an integer stays an integer"


def test_key_transforms_and_nulls_still_work(account):
    ProductFactory(account=account, attributes={"size": "M", "n": 3})
    assert list(Product.objects.filter(account=account).values_list("attributes__size", "attributes__n")) == [("M", 3)]
    field = Product._meta.get_field("attributes")
    assert field.from_db_value(None, None, connection) is None


def test_it_deconstructs_as_djangos_field():
    field = JSONField(default=list, blank=True)
    _name, path, _args, kwargs = field.deconstruct()
    assert path == "django.db.models.JSONField"
    assert kwargs == models.JSONField(default=list, blank=True).deconstruct()[3]
