"""Model fields every app shares.

`JSONField`: Django's, read with orjson. Django's `JSONField.from_db_value` parses each value with the
standard library's `json.loads`; a page of 50 products holds 200 JSON values (tags, images, attributes,
options), a seventh of the request's time in the profile. orjson gives the same Python values several times
faster. orjson reads an integer past 64 bits (which jsonb holds) as a float, so a value with a run of 19
digits goes through Django's code as before, as does any value orjson refuses and any field with its own
`decoder`. It deconstructs as `django.db.models.JSONField`, so migrations do not see it.
"""

import re

import orjson
from django.db import models

_LONG_NUMBER = re.compile(r"\d{19}")  # might be an integer orjson would turn into a float


class JSONField(models.JSONField):
    def from_db_value(self, value, expression, connection):
        if type(value) is str and self.decoder is None and not _LONG_NUMBER.search(value):
            try:
                return orjson.loads(value)
            except orjson.JSONDecodeError:
                pass
        return super().from_db_value(value, expression, connection)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs
