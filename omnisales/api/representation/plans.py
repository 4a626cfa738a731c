"""Plans: each serializer class compiled once into (output key, getter, converter) steps, rendering rows
as DRF would, or straight to the API's camelCase JSON (see the package's docstring)."""

import contextlib
import datetime
import decimal
import threading
from collections.abc import Mapping

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models.manager import BaseManager
from django.dispatch import receiver
from django.utils import timezone
from rest_framework import fields, serializers
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

from .. import renderers
from .values import (
    CALLABLE_TYPES,
    DATA_TYPES,
    DRF_DECIDES,
    Fallback,
    Unsupported,
    drf_value,
    mapping_getter,
    object_getter,
    pk_getter,
    pk_mapping_getter,
    pk_only_related,
    uses_base,
)

ISO_8601 = "iso-8601"

# What _render does to a value after converting it (see Plan.__init__): nothing (DRF's output), or for
# camelCase output a Decimal as a float and, for the last two, other non-scalar values camelized.
_SNAKE, _CAMEL_AS_IS, _CAMEL_DRF_VALUES, _CAMEL_VALUES = 0, 1, 2, 3
# Values the renderer writes as they are (camelize would return them unchanged).
_RENDERED_AS_IS = frozenset({str, int, float, bool, type(None)})
# --- converters: DRF's to_representation for the usual values, the field's own for anything else -------


def _text(field):
    return str


def _integer(field):
    return int


def _boolean(field):
    slow = field.to_representation

    def convert(value):
        if value is True or value is False:
            return value
        return slow(value)

    return convert


def _decimal(field):
    slow = field.to_representation
    # As DRF reads it: a field built without coerce_to_string follows COERCE_DECIMAL_TO_STRING.
    coerce = getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
    if coerce or field.normalize_output or field.decimal_places is None:
        return slow
    exponent = decimal.Decimal(".1") ** field.decimal_places
    rounding = field.rounding
    # DRF quantizes in a copy of the context with `max_digits` as the precision, so a result that needs more
    # digits is an InvalidOperation there: the same quantize here, and DRF's own call for anything it raises.
    context = decimal.Context(prec=field.max_digits) if field.max_digits is not None else decimal.getcontext().copy()

    def convert(value):
        if type(value) is not decimal.Decimal:
            return slow(value)
        try:
            return value.quantize(exponent, rounding=rounding, context=context)
        except decimal.DecimalException:
            return slow(value)

    return convert


def _datetime(field):
    slow = field.to_representation
    output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
    if not isinstance(output_format, str) or output_format.lower() != ISO_8601:
        return slow
    if hasattr(field, "timezone"):
        fixed = field.timezone
        if fixed is None:
            return slow

        def zone():
            return fixed

    elif settings.USE_TZ:
        zone = _current_zone
    else:
        return slow

    def convert(value):
        if type(value) is not datetime.datetime or value.utcoffset() is None:
            return slow(value)
        try:
            text = value.astimezone(zone()).isoformat()
        except OverflowError:
            return slow(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _choice(field):
    slow = field.to_representation
    mapping = field.choice_strings_to_values

    def convert(value):
        if type(value) is str:
            return mapping.get(value, value)
        return slow(value)

    return convert


def _identity(field):
    return None


def _json(field):
    if field.binary:
        return field.to_representation
    return None


def _list(field):
    child = _converter(field.child)
    if child is None:
        return list
    return lambda value: [None if item is None else child(item) for item in value]


def _dict(field):
    child = _converter(field.child)
    if child is None:
        return lambda value: {str(key): item for key, item in value.items()}
    return lambda value: {str(key): None if item is None else child(item) for key, item in value.items()}


def _serializer_plan(serializer) -> "Plan":
    if type(serializer).to_representation not in _PLAIN_SERIALIZER_METHODS:
        raise Unsupported(f"{type(serializer).__name__} has its own to_representation")
    return Plan(serializer)


def _nested(field, camel=False):
    plan = _serializer_plan(field)
    return plan.render_camel if camel else plan.render


def _nested_list(field, camel=False):
    plan = _serializer_plan(field.child)
    render = plan.render_camel if camel else plan.render

    def convert(value):
        rows = value.all() if isinstance(value, BaseManager) else value
        return [render(row) for row in rows]

    return convert


# (field class, converter factory), most specific first. A subclass with a to_representation of its own is
# not compiled; nested serializers are checked by `_serializer_plan`.
_CONVERTERS = (
    (serializers.ListSerializer, _nested_list),
    (serializers.Serializer, _nested),
    (fields.ChoiceField, _choice),
    (fields.BooleanField, _boolean),
    (fields.CharField, _text),
    (fields.IntegerField, _integer),
    (fields.DecimalField, _decimal),
    (fields.DateTimeField, _datetime),
    (fields.ListField, _list),
    (fields.DictField, _dict),
    (fields.JSONField, _json),
    (fields.ReadOnlyField, _identity),
    (fields._UnvalidatedField, _identity),
)


def _converter(field, camel: bool = False):
    own = getattr(field, "compiled_converter", None)
    if own is not None:  # a field that knows its own fast path (its output the same, camelCased or not)
        return own()
    for base, factory in _CONVERTERS:
        if isinstance(field, base):
            if base is serializers.ListSerializer:
                plain = type(field).to_representation in _PLAIN_LIST_METHODS
            else:
                plain = base is serializers.Serializer or uses_base(field, base)
            if not plain:
                raise Unsupported(f"{type(field).__name__} has its own to_representation")
            return factory(field, camel) if camel else factory(field)
    raise Unsupported(f"{type(field).__name__} is not compiled")


# --- plans --------------------------------------------------------------------------------------------


class Plan:
    """The compiled readable fields of one serializer instance (a prototype: no data, no context).

    `render` gives what DRF's `to_representation` gives. `render_camel` gives what the renderer would make
    of it: keys camelCased as CamelCaseJSONRenderer spells them, the values of `ignore_fields` left as they
    are, nested rows camelCased by their own plans, in one pass instead of a render and a walk.
    """

    __slots__ = ("_camel_rows", "camel_mapping_steps", "camel_object_steps", "mapping_steps", "object_steps")

    def __init__(self, serializer):
        ignore_fields, ignore_keys = renderers.camel_options()
        steps = {"object": [], "mapping": [], "camel_object": [], "camel_mapping": []}
        for field in serializer._readable_fields:
            attrs = list(field.source_attrs)
            if field.source == "*" or not attrs:
                raise Unsupported(f"{field.field_name}: source='*'")
            name = field.field_name
            camel_name = renderers.camel_key(name)
            if name in ignore_keys or camel_name in ignore_keys:
                camel_name = name
            if pk_only_related(field):
                object_get, mapping_get = pk_getter(attrs), pk_mapping_getter(attrs)
                convert = camel_convert = None
            else:
                if not uses_base(field, fields.Field, "get_attribute"):
                    raise Unsupported(f"{name}: its own get_attribute")
                object_get, mapping_get = object_getter(attrs), mapping_getter(attrs)
                convert = camel_convert = _converter(field)
                if isinstance(field, serializers.BaseSerializer):
                    camel_convert = _converter(field, camel=True)
            # What render_camel walks like the renderer: nothing of ignore_fields, nested rows only when DRF
            # rendered them (a plan camelCases its own), any other value that is not a scalar.
            if name in ignore_fields or camel_name in ignore_fields:
                walk = _CAMEL_AS_IS
            elif isinstance(field, serializers.BaseSerializer):
                walk = _CAMEL_DRF_VALUES
            else:
                walk = _CAMEL_VALUES
            steps["object"].append((name, object_get, convert, field, _SNAKE))
            steps["mapping"].append((name, mapping_get, convert, field, _SNAKE))
            steps["camel_object"].append((camel_name, object_get, camel_convert, field, walk))
            steps["camel_mapping"].append((camel_name, mapping_get, camel_convert, field, walk))
        for kind, kind_steps in steps.items():
            setattr(self, f"{kind}_steps", tuple(kind_steps))
        self._camel_rows = _rows_renderer(self.camel_mapping_steps, self._render)

    def render(self, instance) -> dict:
        mapping = type(instance) is dict or isinstance(instance, Mapping)
        return self._render(instance, self.mapping_steps if mapping else self.object_steps)

    def render_camel(self, instance) -> dict:
        if type(instance) is dict:  # a values() row: the generated renderer (see _rows_renderer)
            return self._camel_rows(instance)
        mapping = isinstance(instance, Mapping)
        return self._render(instance, self.camel_mapping_steps if mapping else self.camel_object_steps)

    @staticmethod
    def _render(instance, steps) -> dict:
        result = {}
        for name, get, convert, field, walk in steps:
            fell_back = False
            try:
                value = get(instance)
                if type(value) not in DATA_TYPES and isinstance(value, CALLABLE_TYPES):
                    raise Fallback
            except DRF_DECIDES:  # a default, a null, a skipped field, or DRF's own error
                try:
                    value = drf_value(field, instance)
                except SkipField:
                    continue
                fell_back = True
            else:
                if value is not None and convert is not None:
                    value = convert(value)
            if walk:  # camelCase output: the value as the renderer's walk would leave it
                kind = type(value)
                if kind is decimal.Decimal:
                    value = float(value)
                elif kind not in _RENDERED_AS_IS and (
                    walk is _CAMEL_VALUES or (walk is _CAMEL_DRF_VALUES and fell_back)
                ):
                    value = renderers.camelize(value)
            result[name] = value
        return result


def _rows_renderer(steps: tuple, generic):
    """`generic(row, steps)` for a dict row, as one generated function: the steps unrolled, without the
    loop, the per-step unpacking and the checks a row's usual values never need. Anything unusual — a key
    missing, a value DRF would decide (a callable, a type outside DATA_TYPES) — renders the whole row
    through `generic` instead, so the output is always exactly `generic`'s."""
    namespace = {"DATA_TYPES": DATA_TYPES, "DRF_DECIDES": DRF_DECIDES, "generic": generic, "steps": steps}
    namespace.update({"Decimal": decimal.Decimal, "AS_IS": _RENDERED_AS_IS, "camelize": renderers.camelize})
    fetch, check, build = [], [], []
    for index, (_name, get, convert, _field, walk) in enumerate(steps):
        value = f"v{index}"
        namespace[f"get{index}"] = get
        fetch.append(f"        {value} = get{index}(row)")
        check.append(f"type({value}) in DATA_TYPES")
        if convert is not None:
            namespace[f"convert{index}"] = convert
            build.append(f"    if {value} is not None:\n        {value} = convert{index}({value})")
        if walk == _CAMEL_VALUES:
            build.append(
                f"    kind = type({value})\n    if kind is Decimal:\n        {value} = float({value})\n"
                f"    elif kind not in AS_IS:\n        {value} = camelize({value})"
            )
        elif walk != _SNAKE:  # as-is or nested rows a plan rendered: only a Decimal becomes a float
            build.append(f"    if type({value}) is Decimal:\n        {value} = float({value})")
    result = ", ".join(f"{name!r}: v{index}" for index, (name, *_rest) in enumerate(steps))
    source = "\n".join(
        [
            "def render(row):",
            "    try:",
            *(fetch or ["        pass"]),
            "    except DRF_DECIDES:",
            "        return generic(row, steps)",
            f"    if not ({' and '.join(check) or 'True'}):",
            "        return generic(row, steps)",
            *build,
            f"    return {{{result}}}",
        ]
    )
    exec(compile(source, f"<plan rows renderer: {len(steps)} fields>", "exec"), namespace)  # noqa: S102 - our code
    return namespace["render"]


_plans: dict[type, Plan | None] = {}
_plans_lock = threading.Lock()
# drf_only: the plans are off (tests); zone: the current time zone, read once per render (Django's lookup
# goes through asgiref's Local, which costs more than rendering a datetime).
_state = threading.local()


def _current_zone():
    zone = getattr(_state, "zone", None)
    return timezone.get_current_timezone() if zone is None else zone


def _with_zone(render, value):
    """`render(value)` with the current time zone read once for every datetime it renders."""
    if getattr(_state, "zone", None) is not None or not settings.USE_TZ:
        return render(value)
    _state.zone = timezone.get_current_timezone()
    try:
        return render(value)
    finally:
        _state.zone = None


def plan_for(serializer_class) -> Plan | None:
    """The class's compiled plan, or None when it renders through DRF (compiled once per process)."""
    try:
        return _plans[serializer_class]
    except KeyError:
        pass
    with _plans_lock:
        if serializer_class not in _plans:
            try:
                plan = Plan(serializer_class())
            except (Unsupported, TypeError):  # a field it does not know, or a serializer that needs arguments
                plan = None
            _plans[serializer_class] = plan
    return _plans[serializer_class]


def camel_representation(serializer_class, value, *, many: bool = False):
    """`value` (rows with many=True) as `serializer_class` shows it, with the keys the renderer would give
    it, marked so the renderer writes it as it is; None when the class renders through DRF."""
    if getattr(_state, "drf_only", False) or not issubclass(serializer_class, CompiledRepresentation):
        return None
    plan = plan_for(serializer_class)
    if plan is None:
        return None
    if many:
        rows = value.all() if isinstance(value, BaseManager) else value
        return _with_zone(lambda rows: renderers.CamelizedList(map(plan.render_camel, rows)), rows)
    return renderers.CamelizedDict(_with_zone(plan.render_camel, value))


@contextlib.contextmanager
def drf_only():
    """Inside this block every CompiledRepresentation serializer renders through DRF (for tests)."""
    previous = getattr(_state, "drf_only", False)
    _state.drf_only = True
    try:
        yield
    finally:
        _state.drf_only = previous


# Serializer mixin: rows render from a plan compiled once per class (see the module docstring). Only for
# serializers whose shape does not depend on the instance or the context: the plan is built from `cls()`, a
# serializer with neither. No docstrings here: drf-spectacular would show them as the description of every
# serializer without one of its own.
class CompiledRepresentation:
    # DRF's ListSerializer, rendering all its rows with the current time zone read once.
    class List(serializers.ListSerializer):
        def to_representation(self, data):
            return _with_zone(super().to_representation, data)

    def to_representation(self, instance):
        plan = None if getattr(_state, "drf_only", False) else plan_for(type(self))
        if plan is None:
            return super().to_representation(instance)
        return _with_zone(plan.render, instance)

    @classmethod
    def many_init(cls, *args, **kwargs):
        serializer = super().many_init(*args, **kwargs)
        if type(serializer) is serializers.ListSerializer:  # not a list class of the serializer's own
            serializer.__class__ = CompiledRepresentation.List  # the same state, rows rendered in one zone lookup
        return serializer


_PLAIN_SERIALIZER_METHODS = frozenset(
    {serializers.Serializer.to_representation, CompiledRepresentation.to_representation}
)
_PLAIN_LIST_METHODS = frozenset(
    {serializers.ListSerializer.to_representation, CompiledRepresentation.List.to_representation}
)


@receiver(setting_changed)
def _forget_plans(*, setting, **kwargs):
    """Converters read USE_TZ and DRF's formats when compiled: recompile after a settings change."""
    if setting in {"REST_FRAMEWORK", "USE_TZ", "TIME_ZONE"}:
        with _plans_lock:
            _plans.clear()


__all__ = ["CompiledRepresentation", "camel_representation", "drf_only", "plan_for"]
