"""Strict strings: a number or boolean is never read as text, in a declared field or one a ModelSerializer
makes of a model's column. Every endpoint at once: omnisales/tests/test_route_sweep.py."""

import pytest
from rest_framework import serializers

from catalog.models import Product
from omnisales.api.serializers import StrictCharField, StrictChoiceField

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [42, 4.2, True, ["a"], {"a": "b"}])
def test_a_string_field_takes_only_strings(value):
    with pytest.raises(serializers.ValidationError) as refused:
        StrictCharField().run_validation(value)
    assert refused.value.detail == ["Expected a string."]
    assert StrictCharField().run_validation(" tee ") == "tee"


def test_a_choice_of_strings_takes_only_strings_and_other_choices_stay_as_drf_has_them():
    with pytest.raises(serializers.ValidationError):
        StrictChoiceField(choices=["1", "2"]).run_validation(1)
    assert StrictChoiceField(choices=["1", "2"]).run_validation("1") == "1"
    assert StrictChoiceField(choices=[(1, "one"), (2, "two")]).run_validation(1) == 1


def test_a_model_serializer_makes_text_and_choice_columns_strict():
    class ProductInput(serializers.ModelSerializer):
        class Meta:
            model = Product
            fields = ["sku", "name", "status", "description"]

    fields = ProductInput().fields
    assert type(fields["sku"]) is StrictCharField and type(fields["description"]) is StrictCharField
    assert type(fields["status"]) is StrictChoiceField
    payload = ProductInput(data={"sku": 42, "name": "Tee", "status": 1, "description": ""})
    assert not payload.is_valid()
    assert set(payload.errors) == {"sku", "status"}
