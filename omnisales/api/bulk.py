"""Bulk writes with PostgreSQL's COPY: what imports and other bulk work write by the thousand.

`bulk_create()` on PostgreSQL prepares every value through its field (`pre_save`, `get_db_prep_save`) and
sends each column as an array for `UNNEST`, which psycopg quotes on the client one element at a time (a
regular expression per text value). For 10,000 products that is about half the import. `COPY … FROM
STDIN` sends the rows as they are and psycopg writes them in C:

    copy_insert(Product, products)                       # new rows: INSERT
    copy_upsert(Product, products, conflict=["account", "sku"], update=["price", "updated_at"])

Both write exactly what `bulk_create()` would (`auto_now` timestamps set, each field's own database
preparation kept wherever it does more than pass the value through: encrypted fields; JSON, whose text
orjson writes, the same values in the jsonb column) and mark the instances as saved. Database errors (a
unique constraint another transaction won) are Django's, as from any query. Elsewhere than on PostgreSQL
they are `bulk_create()` itself. The statements bypass Django's cursor wrapper, so they are not in
`connection.queries` or `CaptureQueriesContext`.
"""

import datetime
import functools
import operator
from collections.abc import Iterable, Iterator, Sequence

import orjson
from django.db import connections, models, router, transaction
from django.utils import timezone

from .fields import JSONField
from .ids import PrefixedIdField

BATCH = 1000  # bulk_create's batch size where COPY is not used

# Fields whose database value is the attribute as it is (on PostgreSQL): their get_db_prep_save only
# passes it through, or turns a value of the right type into itself. Exact types: a subclass may prepare.
_AS_IS = frozenset(
    {
        models.CharField,
        models.TextField,
        models.URLField,
        models.SlugField,
        models.EmailField,
        models.BooleanField,
        models.IntegerField,
        models.BigIntegerField,
        models.SmallIntegerField,
        models.PositiveIntegerField,
        models.PositiveSmallIntegerField,
        models.PositiveBigIntegerField,
        models.DecimalField,
        models.DateTimeField,
        PrefixedIdField,
    }
)


def _as_is(field: models.Field) -> bool:
    target = field.target_field if field.is_relation else field
    return type(target) in _AS_IS


def _json_text(field: models.Field, connection):
    """How a JSONField without an encoder of its own is written by COPY on PostgreSQL: the JSON text made by
    orjson, which the jsonb column parses and stores as it would json.dumps' text (Django's own
    preparation, a tenth of the speed: imports write a JSON payload per event, order and address). A value
    orjson refuses goes Django's way, with Django's error."""

    def text(value):
        try:
            return orjson.dumps(value, option=_JSON_OPTIONS).decode()
        except TypeError:
            return field.get_db_prep_save(value, connection)

    return text


# What orjson would write and json.dumps would refuse stays json.dumps' (a datetime, a dataclass: an error).
_JSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


_PLAIN_JSON = (models.JSONField, JSONField)  # Django's, and ours (which only reads differently)


def _preparer(field: models.Field, connection, copying: bool):
    if copying and type(field) in _PLAIN_JSON and field.encoder is None:
        return _json_text(field, connection)
    return functools.partial(field.get_db_prep_save, connection=connection)


def _timestamped(field: models.Field) -> bool:
    return isinstance(field, models.DateField) and (field.auto_now or field.auto_now_add)


def _rows(
    fields: Sequence[models.Field], objs: Iterable[models.Model], connection, copying: bool = False
) -> Iterable[Sequence]:
    """Each instance's values for `fields`, as the database takes them (`copying`: as COPY, on PostgreSQL)."""
    postgresql = connection.vendor == "postgresql"
    attnames = [field.attname for field in fields]
    # Each value read from the instance's __dict__ (a foreign key's attribute is a descriptor: a Python call
    # per read), all of a row's at once; only the fields that prepare their value go through their field.
    values = operator.itemgetter(*attnames)
    prepared = [
        (index, _preparer(field, connection, copying))
        for index, field in enumerate(fields)
        if not (postgresql and _as_is(field))
    ]
    # What pre_save(add=True) gives an auto_now(_add) field, worked out once for the batch.
    now = timezone.now()
    stamps = {
        field.attname: now if isinstance(field, models.DateTimeField) else datetime.date.today()
        for field in fields
        if _timestamped(field)
    }
    for obj in objs:
        state = obj.__dict__
        state.update(stamps)
        try:
            row = values(state)
        except KeyError:  # a deferred field: read (and loaded) as Django reads it
            row = tuple(getattr(obj, attname) for attname in attnames)
        if prepared:
            row = list(row)
            for index, prepare in prepared:
                value = row[index]
                if value is not None:
                    row[index] = prepare(value)
        yield row


def _copy(cursor, table: str, columns: str, rows: Iterable[list]) -> None:
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _saved(objs: Sequence[models.Model], using: str) -> None:
    for obj in objs:
        obj._state.adding = False
        obj._state.db = using


_new_plans: dict[tuple, tuple] = {}


def _new_plan(model: type[models.Model], given: tuple[str, ...]) -> tuple:
    """How `new(model, **values)` fills an instance for these keyword names: the related instances given
    by name, and the defaults of the other fields, those that are one constant value (Django's own
    `_get_default` returns the same object every time) apart from those to call for each instance."""
    related, constants, factories, known = [], {}, [], set()
    for field in model._meta.concrete_fields:
        name = field.name if field.is_relation else None
        known.update((field.attname, name))
        if field.attname in given:
            continue
        if name is not None and name in given:
            related.append((name, field.attname, field, field.target_field.attname))
        elif (field.has_default() and callable(field.default)) or field.has_db_default():
            factories.append((field.attname, field._get_default))
        else:
            constants[field.attname] = field._get_default()
    unknown = set(given) - known
    if unknown:
        raise TypeError(f"{model.__name__} has no fields {sorted(unknown)}")
    return related, constants, factories


def new(model: type[models.Model], /, **values) -> models.Model:
    """`model(**values)` for rows written by the hundred (imports): the same instance, unsaved, every
    concrete field set to its value or its default, without `Model.__init__`'s work per field (a tenth of
    the time for a model of twenty fields). A foreign key is given by its attname (`order_id=`) or an
    instance under its name (`order=`), which is cached as `Model.__init__` caches it. Only concrete fields
    are accepted: anything else is a TypeError, as from `Model(...)`."""
    key = (model, *values)
    plan = _new_plans.get(key)
    if plan is None:
        plan = _new_plans[key] = _new_plan(model, key[1:])
    related, constants, factories = plan
    obj = model.__new__(model)
    obj._state = models.base.ModelState()
    state = obj.__dict__
    state.update(constants)
    for attname, default in factories:
        state[attname] = default()
    for name, attname, field, target_attname in related:
        instance = values.pop(name)
        state[attname] = None if instance is None else getattr(instance, target_attname)
        field.set_cached_value(obj, instance)
    state.update(values)
    return obj


def copy_insert(model: type[models.Model], objs: Iterable[models.Model]) -> list[models.Model]:
    """INSERTs `objs` (new instances with their primary keys set) as `bulk_create(objs)` would, and returns
    them (a list given is returned as it is). `objs` may be a generator: each instance is then made while the
    rows before it are on their way, and the server, which works on a COPY's rows as they arrive, is busy
    with those meanwhile; building thousands of instances first would leave it idle that long."""
    written = objs if isinstance(objs, list) else []
    if written is objs and not objs:
        return written
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        if written is not objs:
            written.extend(objs)
        model.objects.bulk_create(written, batch_size=BATCH)
        return written
    fields = model._meta.concrete_fields
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    rows = _rows(fields, objs if written is objs else _kept(objs, written), connection, copying=True)
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy(cursor.cursor, connection.ops.quote_name(model._meta.db_table), columns, rows)
    _saved(written, using)
    return written


_value_columns: dict[tuple, str] = {}


def copy_values(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    """INSERTs rows given as tuples of values in `columns` order, which names every concrete field of `model`
    by its attname (`account_id`): the rows of a bulk write that nothing reads back as instances (an
    import's stock movements), without an instance per row. The values are written as they are, so the
    fields must be ones whose value needs no preparation (text, numbers, booleans, datetimes, ids), and the
    caller sets every one, the id (`new_id`) and the timestamps included. Anything else is a TypeError at
    the call, before a row is written. Elsewhere than on PostgreSQL the rows become instances (`new`) for
    `bulk_create`, which sets `auto_now` timestamps itself."""
    key = (model, *columns)
    quoted = _value_columns.get(key)
    using = router.db_for_write(model)
    connection = connections[using]
    if quoted is None:
        fields = model._meta.concrete_fields
        missing = {field.attname for field in fields} - set(columns)
        unknown = set(columns) - {field.attname for field in fields}
        if missing or unknown or len(set(columns)) != len(columns):
            raise TypeError(
                f"copy_values({model.__name__}) needs each field once: missing {sorted(missing)}, "
                f"unknown {sorted(unknown)}"
            )
        prepared = [field.attname for field in fields if not _as_is(field)]
        if prepared:
            raise TypeError(f"copy_values({model.__name__}): {prepared} need their field's preparation")
        by_attname = {field.attname: field for field in fields}
        quoted = _value_columns[key] = ", ".join(connection.ops.quote_name(by_attname[name].column) for name in columns)
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [new(model, **dict(zip(columns, row, strict=True))) for row in rows], batch_size=BATCH
        )
        return
    with connection.cursor() as cursor, connection.wrap_database_errors:
        _copy(cursor.cursor, connection.ops.quote_name(model._meta.db_table), quoted, rows)


def saved_instances(model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence]) -> list:
    """The instances of rows given as `copy_values` takes them (`new`), marked as saved: what a caller of
    `copy_values` returns, or `insert`s (which marks them saved again)."""
    objs = [new(model, **dict(zip(columns, row, strict=True))) for row in rows]
    _saved(objs, router.db_for_write(model))
    return objs


def _kept(objs: Iterable[models.Model], written: list[models.Model]) -> Iterator[models.Model]:
    for obj in objs:
        written.append(obj)
        yield obj


INSERT_MAX_ROWS = 100  # `insert` writes up to this many rows in one statement; more go to bulk_create
_insert_statements: dict[tuple, str] = {}


def insert(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """INSERTs the few new instances a request writes (primary keys set) as `bulk_create(objs)` would, in
    one statement whose SQL is built once per model and number of rows, through Django's cursor (logged
    and counted like any query). Saves building the INSERT each time; `copy_insert` is for thousands.
    Like `bulk_create`, it sends no `pre_save`/`post_save` signals: use it for models nothing listens to."""
    if not objs:
        return
    if len(objs) > INSERT_MAX_ROWS or any(obj.pk is None for obj in objs):
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        return
    using = router.db_for_write(model)
    connection = connections[using]
    fields = model._meta.concrete_fields
    key = (model, len(objs), using)
    sql = _insert_statements.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = _insert_statements.setdefault(
            key,
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - quoted names and placeholders
            f"VALUES {', '.join([row] * len(objs))}",
        )
    params = [value for row in _rows(fields, objs, connection) for value in row]
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(sql, params)
    _saved(objs, using)


def copy_upsert(
    model: type[models.Model], objs: Sequence[models.Model], *, conflict: Sequence[str], update: Iterable[str]
) -> None:
    """`bulk_create(objs, update_conflicts=True, unique_fields=conflict, update_fields=update)`: the rows go
    into a temporary table by COPY, then one `INSERT … SELECT … ON CONFLICT (conflict) DO UPDATE` of the
    `update` columns. The temporary table lives until the end of the transaction (`ON COMMIT DROP`); without
    a transaction of the caller's, the call runs in one of its own."""
    if not objs:
        return
    update = sorted(set(update))
    using = router.db_for_write(model)
    connection = connections[using]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            objs, batch_size=BATCH, update_conflicts=True, unique_fields=conflict, update_fields=update
        )
        return
    quote = connection.ops.quote_name
    meta = model._meta
    fields = meta.concrete_fields
    columns = ", ".join(quote(field.column) for field in fields)
    staging = quote(f"bulk_{meta.db_table}")
    conflict_columns = ", ".join(quote(meta.get_field(name).column) for name in conflict)
    assignments = ", ".join(
        f"{quote(meta.get_field(name).column)} = EXCLUDED.{quote(meta.get_field(name).column)}" for name in update
    )
    # One transaction of its own if the caller has none: the staging table lives until the commit.
    with transaction.atomic(using=using), connection.cursor() as cursor, connection.wrap_database_errors:
        raw = cursor.cursor
        raw.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"(LIKE {quote(meta.db_table)} INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        raw.execute(f"TRUNCATE {staging}")
        _copy(raw, staging, columns, _rows(fields, objs, connection, copying=True))
        raw.execute(
            f"INSERT INTO {quote(meta.db_table)} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608 - names
            f"ON CONFLICT ({conflict_columns}) DO UPDATE SET {assignments}"
        )
    _saved(objs, using)
