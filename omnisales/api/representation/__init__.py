"""Compiled read representations: DRF's output for a serializer, without DRF's per-row machinery.

DRF renders a row by building the serializer's field objects (per serializer instance, so per request),
then calling each field's `get_attribute` and `to_representation`. For the hot reads (lists and details
of orders, products, customers) that is most of the request. `CompiledRepresentation` is a serializer
mixin that, once per serializer class, compiles the declared fields into a plan of
(output key, value getter, converter) and renders every row from it.

The serializer class stays the one definition of the shape: the schema, input validation and this plan
all come from the same fields. The plan reproduces DRF's output exactly, and whatever it does not
understand goes through DRF itself:

- a field type the plan does not know (a method field, a secret field, a custom `to_representation`,
  anything that could depend on the serializer's context) makes the whole serializer render through DRF;
- a value the fast path does not expect (a missing attribute or key, a callable, a string where a
  datetime was expected, a naive datetime, ...) is handed to the field's own `get_attribute` or
  `to_representation`, so defaults, nulls, skipped fields and errors are DRF's.

A `values()` row (a dict) rendered to camelCase goes through a function generated from the plan once, its
steps unrolled into straight-line code; a row with anything the loop would treat specially (a missing key,
a value DRF decides) is rendered by the loop instead, so both give the same output.

Tests compare both paths on varied rows (`drf_only()` turns the plans off).
"""

from .plans import CompiledRepresentation, Plan, camel_representation, drf_only, plan_for

__all__ = ["CompiledRepresentation", "Plan", "camel_representation", "drf_only", "plan_for"]
