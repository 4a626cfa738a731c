"""`tags__has_tag="vip"`: membership test on a JSON array of strings, in SQL on PostgreSQL and SQLite.

Django's JSONField `contains` lookup is not available on SQLite, so the tag filter brings its own:
`tags @> '["vip"]'` on PostgreSQL and `EXISTS (SELECT 1 FROM json_each(tags) ...)` on SQLite.
"""

import json

from django.db import NotSupportedError, models


class TagsField(models.JSONField):
    """A JSON array of lower-case strings."""


@TagsField.register_lookup
class HasTag(models.Lookup):
    lookup_name = "has_tag"
    prepare_rhs = False

    def _tag(self) -> str:
        if not isinstance(self.rhs, str):
            raise TypeError("has_tag takes a tag string")
        return self.rhs

    def as_sql(self, compiler, connection):
        raise NotSupportedError(f"has_tag is not implemented for {connection.vendor}")

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        return f"({lhs} @> %s::jsonb)", [*lhs_params, json.dumps([self._tag()])]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = compiler.compile(self.lhs)
        # `lhs` is the compiled column reference; the tag itself is a bound parameter.
        sql = f"EXISTS (SELECT 1 FROM json_each({lhs}) AS tag WHERE tag.value = %s)"  # noqa: S608
        return sql, [*lhs_params, self._tag()]
