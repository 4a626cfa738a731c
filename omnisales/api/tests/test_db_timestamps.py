"""PostgreSQL timestamps read with datetime.fromisoformat give exactly what Django's own loader gives."""

import datetime

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader

from omnisales.api.db import iso_timestamp_loader

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# Values as PostgreSQL writes them, in the session's zone and other zones, with and without fractions, at
# the edges of what fromisoformat reads, and what only Django's loader reads (BC, past year 9999).
TEXTS = [
    "2024-02-29 12:34:56.789012+00",
    "2024-02-29 12:34:56+00",
    "2024-02-29 12:34:56.5+05:30",
    "1999-12-31 23:59:59.999999-08",
    "0001-01-01 00:00:00+00",
    "0001-01-01 00:00:00+05",
    "9999-12-31 23:59:59.999999+00",
    "2024-06-01 00:00:00+00:00:00",
    "0044-03-15 12:00:00+00 BC",
    "10000-01-01 00:00:00+00",
]


def django_loader(zone):
    class DjangoTz(BaseTzLoader):
        timezone = zone

    return DjangoTz


@pytest.mark.parametrize("zone", [datetime.UTC, None])
def test_every_value_loads_as_djangos_loader_loads_it(zone):
    ours, theirs = iso_timestamp_loader(zone)(0), django_loader(zone)(0)
    for text in TEXTS:
        try:
            expected = theirs.load(text.encode())
        except Exception as exc:  # whatever Django's loader raises, ours must raise too
            with pytest.raises(type(exc)):
                ours.load(text.encode())
            continue
        loaded = ours.load(text.encode())
        assert loaded == expected or (loaded.tzinfo is None and expected.tzinfo is None and loaded == expected)
        assert loaded.tzinfo is expected.tzinfo and loaded.isoformat() == expected.isoformat(), text


def test_connections_read_timestamps_with_it_and_django_keeps_it():
    with connection.cursor() as cursor:
        loader = connection.connection.adapters.get_loader(connection.connection.adapters.types["timestamptz"].oid, 0)
        assert loader.__name__ == "IsoTzLoader" and loader.timezone is connection.timezone
        cursor.execute("SELECT %s::timestamptz, %s::timestamptz", ["2024-02-29 12:34:56.789012+05:30", "infinity"])
        with pytest.raises(DataError, match="year"):  # infinity: Django's loader's own error, as before
            cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", ["2024-02-29 12:34:56.789012+05:30"])
        (value,) = cursor.fetchone()
    assert value == datetime.datetime(2024, 2, 29, 7, 4, 56, 789012, tzinfo=datetime.UTC)
    assert value.tzinfo is connection.timezone
