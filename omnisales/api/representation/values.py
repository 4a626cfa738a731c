"""What compiled plans share: the value kinds they render as they are, their two ways of handing over to
DRF (`Unsupported` for a whole serializer, `Fallback` for one value), and the getters that read a field's
value from a model instance or a `values()` row exactly as DRF's `get_attribute` would."""

import datetime
import decimal
import functools
import types
from collections.abc import Mapping
from operator import attrgetter, itemgetter

from django.core.exceptions import ObjectDoesNotExist
from rest_framework import relations
from rest_framework.relations import PKOnlyObject

from ..serializers import TenantRelatedField

# Values DRF would call (`is_simple_callable`) or refuse (built-ins): handed to DRF. Other values are data.
CALLABLE_TYPES = (
    types.FunctionType,
    types.MethodType,
    functools.partial,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
)
# Types that are never callable: no isinstance check for them.
DATA_TYPES = frozenset(
    {str, int, float, bool, decimal.Decimal, datetime.datetime, datetime.date, list, dict, type(None)}
)


class Unsupported(Exception):
    """A field the plan cannot render exactly like DRF: the serializer renders through DRF."""


class Fallback(Exception):
    """A value the fast getter leaves to DRF's `get_attribute`."""


def uses_base(field, base, method: str = "to_representation") -> bool:
    """True when `field` uses `base`'s implementation of `method` (not an override)."""
    return getattr(type(field), method) is getattr(base, method)


# --- getters ------------------------------------------------------------------------------------------


def object_getter(attrs: list[str]):
    if len(attrs) == 1:
        return attrgetter(attrs[0])

    def get(instance):
        for attr in attrs:
            if isinstance(instance, Mapping):
                raise Fallback
            instance = getattr(instance, attr)
            if type(instance) not in DATA_TYPES and isinstance(instance, CALLABLE_TYPES):
                raise Fallback
        return instance

    return get


def mapping_getter(attrs: list[str]):
    if len(attrs) == 1:
        return itemgetter(attrs[0])

    def get(instance):
        for attr in attrs:
            if not isinstance(instance, Mapping):
                raise Fallback
            instance = instance[attr]
            if type(instance) not in DATA_TYPES and isinstance(instance, CALLABLE_TYPES):
                raise Fallback
        return instance

    return get


def pk_getter(attrs: list[str]):
    """RelatedField.get_attribute's pk-only case: the related object's pk without loading it."""
    owner = object_getter(attrs[:-1]) if len(attrs) > 1 else None
    name = attrs[-1]

    def get(instance):
        if owner is not None:
            instance = owner(instance)
        if isinstance(instance, Mapping):
            raise Fallback
        value = instance.serializable_value(name)
        if type(value) not in DATA_TYPES:
            if isinstance(value, CALLABLE_TYPES):
                raise Fallback
            value = getattr(value, "pk", value)
        return value

    return get


def pk_mapping_getter(attrs: list[str]):
    """A pk-only related field of a `values()` row: the foreign key's column (`category_id` for `category`).
    Deeper sources are DRF's."""
    if len(attrs) != 1:
        return _always_drf
    return itemgetter(attrs[0] + "_id")


def _always_drf(instance):
    raise Fallback


# What DRF's get_attribute turns into a default, a null or a skipped field (or its own error message).
DRF_DECIDES = (Fallback, AttributeError, KeyError, ObjectDoesNotExist)


def drf_value(field, instance):
    """One field exactly as Serializer.to_representation renders it (may raise SkipField)."""
    attribute = field.get_attribute(instance)
    check_for_none = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
    return None if check_for_none is None else field.to_representation(attribute)


# Related fields' to_representation methods that return `value.pk` as it is.
_PK_REPRESENTATIONS = frozenset(
    {relations.PrimaryKeyRelatedField.to_representation, TenantRelatedField.to_representation}
)


def pk_only_related(field) -> bool:
    if not isinstance(field, relations.RelatedField) or isinstance(field, relations.ManyRelatedField):
        return False
    if not field.use_pk_only_optimization() or not uses_base(field, relations.RelatedField, "get_attribute"):
        return False
    if isinstance(field, relations.PrimaryKeyRelatedField) and field.pk_field is not None:
        return False
    return type(field).to_representation in _PK_REPRESENTATIONS
