"""The tags column: a JSON array of lower-case strings, filtered in SQL with the shared array lookup."""

from django.db import models

from omnisales.api.filters import JSONArrayContains


class TagsField(models.JSONField):
    """A JSON array of lower-case strings; `tags__json_array_contains="vip"` tests membership."""


TagsField.register_lookup(JSONArrayContains)
