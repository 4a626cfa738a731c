"""Reads compiled to SQL once and run many times with new parameter values.

Turning a queryset into SQL (building it, resolving every column, compiling the WHERE, the ORDER BY and
each expression) costs more than running it: for an order's row it is about four fifths of the read. A
hot read whose shape never changes — an order by id in an account, the lines of N orders — is compiled
once per process and database, and each later call only substitutes its parameter values.

    ORDER_LINES = CompiledRead(
        lambda order_ids: OrderItem.objects.filter(order_id__in=order_ids).values("id", "sku")
    )
    ORDER_LINES.rows(order_ids=["ord_1", "ord_2"])  # [{"id": ..., "sku": ...}, ...]

- `build(**params)` returns a `values()` queryset (no select_related or prefetch) whose SQL depends only
  on the parameters' names and, for lists, their lengths. It is called once per shape with placeholder
  text values, so the parameters must be text compared as they are given (`=`, `IN`); compilation checks
  that each placeholder reached the SQL exactly once and refuses the read otherwise.
- The rows are what the queryset would have given: the same column names, the same converters (JSON,
  Decimal and date-time values as the ORM returns them). A queryset whose iterable class defines
  `complete(rows, using)` (see orders.selectors) has its rows completed the same way.
- Statements go through Django's cursor, so they are logged and counted like any other query.
- A list parameter compiles one statement per length: at most `MAX_SHAPES` shapes are kept per read.

Values that are not text (an amount, a time, a number) reach the SQL through `Param(placeholder, field)`,
an expression the build function puts where the value goes; each run prepares the value with `field`
exactly as the ORM prepares a value of that type for the database.

`CompiledUpdate` is the same for an UPDATE: its build returns `(queryset, {field: value or expression})`,
what `queryset.update(**values)` would take, and `run(**params)` returns the number of rows changed.

    MARK = CompiledUpdate(
        lambda pk, amount: (Customer.objects.filter(pk=pk), {"total_spent": F("total_spent") + Param(amount, SPENT)})
    )
    MARK.run(pk="cus_1", amount=Decimal("10.79"))

`instance(model, row)` turns a row read with `model_columns(model)` into the model instance the ORM would
have loaded, so a hot read that needs instances (with a related one under a prefix) can be compiled too.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Expression, Field, Model, QuerySet
from django.db.models.query import ValuesIterable
from django.db.models.sql import UpdateQuery
from django.dispatch import receiver

MAX_SHAPES = 300
_reads: "list[CompiledRead]" = []


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple  # the compiled parameters, placeholders included
    slots: tuple[tuple[int, str, int | None, Field | None], ...]  # (position, parameter, list index, Param field)
    names: tuple[str, ...]
    converters: tuple  # (column position, converter functions, expression), as the ORM applies them
    complete: Callable | None


class CompiledRead:
    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self._statements: OrderedDict[tuple, _Statement | None] = OrderedDict()
        self._lock = threading.Lock()
        _reads.append(self)

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **params) -> list[dict]:
        return self._run("rows", using, params, ())

    def page(self, *, limit: int, offset: int, using: str = DEFAULT_DB_ALIAS, **params) -> list[dict]:
        """`rows()` of the slice [offset:offset + limit]: LIMIT and OFFSET are parameters of the one statement
        (Django writes them into the SQL, which would compile a statement per page)."""
        return self._run("page", using, params, (limit, offset))

    def count(self, *, using: str = DEFAULT_DB_ALIAS, **params) -> int:
        """How many rows `rows()` would give, counted by the database (the read as a subquery, unordered)."""
        rows = self._run("count", using, params, ())
        return rows[0]["count"] if rows else 0

    def _run(self, kind: str, using: str, params: dict, extra: tuple) -> list[dict]:
        shape = (kind, using, *((name, _length(value)) for name, value in sorted(params.items())))
        statement = self._statements.get(shape, False)
        if statement is False:
            statement = self._compile(shape, using, params)
        if statement is None:  # the read can match nothing whatever the values (`__in=[]`)
            return []
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, [*_values(statement, params, connection), *extra])
            fetched = cursor.fetchall()
        names = statement.names
        if statement.converters:
            rows = []
            for row in fetched:
                row = list(row)
                for position, functions, expression in statement.converters:
                    value = row[position]
                    for convert in functions:
                        value = convert(value, expression, connection)
                    row[position] = value
                rows.append(dict(zip(names, row, strict=True)))
        else:
            rows = [dict(zip(names, row, strict=True)) for row in fetched]
        return statement.complete(rows, using) if statement.complete else rows

    def _compile(self, shape: tuple, using: str, params: dict) -> "_Statement | None":
        kind = shape[0]
        placeholders = _placeholders(params)
        queryset = self.build(**placeholders)
        if not issubclass(queryset._iterable_class, ValuesIterable):
            raise TypeError("CompiledRead needs a values() queryset")
        query = queryset.query
        if query.select_related or queryset._prefetch_related_lookups:
            raise TypeError("CompiledRead cannot follow select_related or prefetch_related")
        if kind != "rows" and (query.is_sliced or query.select_for_update):
            raise TypeError("A compiled page or count is of an unsliced read that locks nothing")
        if kind == "count":
            query = queryset.order_by().values("pk").query
        compiler = query.get_compiler(using)
        try:
            sql, compiled_params = compiler.as_sql()
        except EmptyResultSet:
            statement = None
        else:
            if kind == "page":
                sql = f"{sql} LIMIT %s OFFSET %s"
            statement = _Statement(
                sql=f"SELECT COUNT(*) FROM ({sql}) counted" if kind == "count" else sql,  # noqa: S608 - compiled SQL
                params=tuple(compiled_params),
                slots=_slots(compiled_params, placeholders, params),
                names=("count",)
                if kind == "count"
                else (*query.extra_select, *query.values_select, *query.annotation_select),
                converters=()
                if kind == "count"
                else tuple(
                    (position, tuple(functions), expression)
                    for position, (functions, expression) in compiler.get_converters(
                        [column[0] for column in compiler.select[: compiler.col_count]]
                    ).items()
                ),
                complete=None if kind == "count" else getattr(queryset._iterable_class, "complete", None),
            )
        _keep(self, shape, statement)
        return statement

    def clear(self) -> None:
        with self._lock:
            self._statements.clear()


def _values(statement: "_Statement", params: dict, connection) -> list:
    """The statement's parameters with this run's values in their slots."""
    values = list(statement.params)
    for position, name, index, field in statement.slots:
        value = params[name] if index is None else params[name][index]
        if field is not None:
            value = field.get_db_prep_value(value, connection, prepared=False)
        elif not isinstance(value, str):
            raise TypeError(f"Compiled parameter {name!r} is text (or a Param), not {type(value).__name__}")
        values[position] = value
    return values


def _length(value) -> int | None:
    if isinstance(value, str) or not isinstance(value, Sequence):
        return None
    return len(value)


class _TypedPlaceholder(str):
    """A placeholder that `Param` puts in the compiled parameters: the field prepares each run's value."""

    field: Field


class Param(Expression):
    """Where a compiled statement takes a value that is not text: `Param(placeholder, output_field)`, with
    the placeholder the build function received for that parameter."""

    def __init__(self, placeholder: str, output_field: Field):
        super().__init__(output_field=output_field)
        self.placeholder = placeholder

    def as_sql(self, compiler, connection):
        typed = _TypedPlaceholder(self.placeholder)
        typed.field = self.output_field
        return "%s", [typed]

    def __repr__(self) -> str:
        return f"Param({self.placeholder!r})"


class CompiledUpdate:
    """An UPDATE compiled once per shape (see the module's docstring). Like `QuerySet.update()`, it runs in
    the caller's transaction and sets nothing the build does not name (`updated_at` included)."""

    def __init__(self, build: Callable[..., tuple[QuerySet, dict]]):
        self.build = build
        self._statements: OrderedDict[tuple, _Statement | None] = OrderedDict()
        self._lock = threading.Lock()
        _reads.append(self)

    def run(self, *, using: str = DEFAULT_DB_ALIAS, **params) -> int:
        shape = (using, *((name, _length(value)) for name, value in sorted(params.items())))
        statement = self._statements.get(shape, False)
        if statement is False:
            statement = self._compile(shape, using, params)
        if statement is None:
            return 0
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, _values(statement, params, connection))
            return cursor.rowcount

    def _compile(self, shape: tuple, using: str, params: dict) -> "_Statement | None":
        placeholders = _placeholders(params)
        queryset, values = self.build(**placeholders)
        query = queryset.query.chain(UpdateQuery)
        query.add_update_values(values)
        query.clear_select_clause()
        if query.related_updates or not connections[using].features.update_can_self_select:
            raise TypeError("CompiledUpdate cannot update a parent model's fields or pre-select the rows")
        try:
            sql, compiled_params = query.get_compiler(using).as_sql()
        except EmptyResultSet:
            statement = None
        else:
            statement = _Statement(
                sql=sql,
                params=tuple(compiled_params),
                slots=_slots(compiled_params, placeholders, params),
                names=(),
                converters=(),
                complete=None,
            )
        _keep(self, shape, statement)
        return statement

    def clear(self) -> None:
        with self._lock:
            self._statements.clear()


def _placeholders(params: dict) -> dict:
    return {
        name: _placeholder(name) if _length(value) is None else [_placeholder(name, i) for i in range(len(value))]
        for name, value in params.items()
    }


def _keep(compiled, shape: tuple, statement) -> None:
    with compiled._lock:
        compiled._statements[shape] = statement
        while len(compiled._statements) > MAX_SHAPES:
            compiled._statements.popitem(last=False)


def model_columns(model: type[Model], prefix: str = "") -> list[str]:
    """The `values()` names of every concrete column of `model` (reached through `prefix`, e.g. "product__")."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


def instance(model: type[Model], row: dict, *, prefix: str = "", using: str = DEFAULT_DB_ALIAS) -> Model:
    """The instance the ORM would load from a row read with `model_columns(model, prefix)`."""
    names = [field.attname for field in model._meta.concrete_fields]
    return model.from_db(using, names, [row[f"{prefix}{name}"] for name in names])


def _placeholder(name: str, index: int | None = None) -> str:
    return f"\x1fcompiled:{name}{'' if index is None else f':{index}'}\x1f"


def _slots(compiled_params, placeholders: dict, params: dict) -> tuple:
    """Where each parameter's value goes in the compiled parameters (with the Param field that prepares
    it). Refuses a parameter that is missing, repeated, or not text without going through a Param."""
    wanted = {}
    for name, value in placeholders.items():
        if isinstance(value, list):
            wanted.update({text: (name, index) for index, text in enumerate(value)})
        else:
            wanted[value] = (name, None)
    slots, seen = [], set()
    for position, value in enumerate(compiled_params):
        if isinstance(value, str) and value in wanted:
            if value in seen and not hasattr(value, "field"):  # a Param may be used more than once
                raise ValueError(f"Compiled parameter {wanted[value][0]!r} appears twice in the SQL")
            seen.add(value)
            slots.append((position, *wanted[value], getattr(value, "field", None)))
    typed = {name for _, name, _, field in slots if field is not None}
    for name, value in params.items():
        values = [value] if _length(value) is None else value
        if name not in typed and not all(isinstance(item, str) for item in values):
            raise TypeError(f"Compiled parameter {name!r} must be text or a list of text unless it goes through Param")
    missing = sorted({wanted[value][0] for value in wanted.keys() - seen})
    if missing:
        raise ValueError(f"Compiled parameters {missing} do not reach the SQL as given")
    return tuple(slots)


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    """Converters and SQL can depend on settings (USE_TZ, DATABASES): compiled again after a change."""
    for read in _reads:
        read.clear()
