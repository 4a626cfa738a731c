"""The JSON renderer of every API response: camelCase keys, serialized by orjson.

The same output as djangorestframework-camel-case's CamelCaseJSONRenderer on DRF's JSONRenderer (same
keys, same values; only insignificant whitespace differs), for less work per response:

- keys are camelCased in one walk over the data that builds plain dicts and lists, and each distinct
  key's camelCase form is computed once per process (`camel_key` is memoized);
- the JSON_CAMEL_CASE settings apply as before: the values of `ignore_fields` (free-form objects such
  as `attributes` and `metadata`) keep the keys the client sent, `ignore_keys` keep their own name;
- orjson writes the bytes. Values it does not know natively go through DRF's encoder, so they come out
  as before: Decimal as a JSON number (COERCE_DECIMAL_TO_STRING is off), datetimes in DRF's format
  (`...Z`), lazy translation strings as text. `str` subclasses (SecretValue) are plain strings, UUIDs
  their canonical text. Whatever orjson refuses outright (integers beyond 64 bits, non-string keys) is
  written by DRF's JSONRenderer instead, so nothing that rendered before fails now.
"""

import decimal
from functools import lru_cache

import orjson
from django.utils.encoding import force_str
from django.utils.functional import Promise
from djangorestframework_camel_case.settings import api_settings as camel_settings
from djangorestframework_camel_case.util import camelize_re, underscore_to_camel
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.encoders import JSONEncoder

# Values returned as they are: orjson writes them natively (bool is an int).
_PLAIN = frozenset({str, int, float, bool, type(None)})
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # datetimes, dates and times in DRF's format, via _default
_LINE_SEPARATORS = ("\u2028".encode(), "\u2029".encode())

_default = JSONEncoder().default


@lru_cache(maxsize=4096)
def camel_key(key: str) -> str:
    """`order_id` -> `orderId`, exactly as djangorestframework-camel-case spells it."""
    return camelize_re.sub(underscore_to_camel, key) if "_" in key else key


class CamelizedDict(dict):
    """Data whose keys are already what `camelize` would make them (representation.camel_representation):
    written as it is."""


class CamelizedList(list):
    """A list of rows whose keys are already camelCase: written as it is."""


_CAMELIZED = (CamelizedDict, CamelizedList)


@lru_cache(maxsize=1)
def camel_options() -> tuple[frozenset, frozenset]:
    """(ignore_fields, ignore_keys) of JSON_CAMEL_CASE, read once: the library itself reads the setting when
    it is imported, and camelize() runs for every JSON value a list renders."""
    options = camel_settings.JSON_UNDERSCOREIZE
    return frozenset(options.get("ignore_fields") or ()), frozenset(options.get("ignore_keys") or ())


def camelize(data, ignore_fields: frozenset | None = None, ignore_keys: frozenset | None = None):
    """`data` with camelCase keys, as plain dicts and lists (Decimals already as floats)."""
    if ignore_fields is None or ignore_keys is None:
        ignore_fields, ignore_keys = camel_options()

    def walk(value):
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is decimal.Decimal:
            return float(value)
        if isinstance(value, dict):
            result = {}
            for key, item in value.items():
                if isinstance(key, Promise):
                    key = force_str(key)
                new_key = camel_key(key) if isinstance(key, str) else key
                kind = type(item)
                if kind in _PLAIN:  # most values: no call
                    pass
                elif kind is decimal.Decimal:
                    item = float(item)
                elif key not in ignore_fields and new_key not in ignore_fields:
                    item = walk(item)
                if ignore_keys and (key in ignore_keys or new_key in ignore_keys):
                    new_key = key
                result[new_key] = item
            return result
        if isinstance(value, (list, tuple)):
            return [walk(item) for item in value]
        if isinstance(value, Promise):
            return force_str(value)
        if isinstance(value, (str, bytes, bytearray)):
            return value
        try:
            items = iter(value)
        except TypeError:
            return value  # a scalar orjson or DRF's encoder writes (UUID, datetime, ...)
        return [walk(item) for item in items]

    return walk(data)


class CamelCaseJSONRenderer(JSONRenderer):
    """camelCase JSON written by orjson. `indent=n` in the Accept header pretty-prints (2 spaces)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        if type(data) not in _CAMELIZED:
            data = camelize(data)
        option = _OPTIONS
        if self.get_indent(accepted_media_type, renderer_context or {}):
            option |= orjson.OPT_INDENT_2
        try:
            content = orjson.dumps(data, default=_default, option=option)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # Like DRF: U+2028/U+2029 escaped, so the JSON is also a strict JavaScript subset.
        for separator in _LINE_SEPARATORS:
            if separator in content:
                content = content.replace(separator, separator.decode().encode("unicode_escape"))
        return content
