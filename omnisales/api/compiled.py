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
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet
from django.db.models.query import ValuesIterable
from django.dispatch import receiver

MAX_SHAPES = 300
_reads: "list[CompiledRead]" = []


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple  # the compiled parameters, placeholders included
    slots: tuple[tuple[int, str, int | None], ...]  # (position in params, parameter name, list index)
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
        shape = (using, *((name, _length(value)) for name, value in sorted(params.items())))
        statement = self._statements.get(shape, False)
        if statement is False:
            statement = self._compile(shape, using, params)
        if statement is None:  # the read can match nothing whatever the values (`__in=[]`)
            return []
        values = list(statement.params)
        for position, name, index in statement.slots:
            value = params[name]
            values[position] = value if index is None else value[index]
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, values)
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
        placeholders = {
            name: _placeholder(name) if _length(value) is None else [_placeholder(name, i) for i in range(len(value))]
            for name, value in params.items()
        }
        queryset = self.build(**placeholders)
        if not issubclass(queryset._iterable_class, ValuesIterable):
            raise TypeError("CompiledRead needs a values() queryset")
        query = queryset.query
        if query.select_related or queryset._prefetch_related_lookups:
            raise TypeError("CompiledRead cannot follow select_related or prefetch_related")
        compiler = query.get_compiler(using)
        try:
            sql, compiled_params = compiler.as_sql()
        except EmptyResultSet:
            statement = None
        else:
            statement = _Statement(
                sql=sql,
                params=tuple(compiled_params),
                slots=_slots(compiled_params, placeholders),
                names=(*query.extra_select, *query.values_select, *query.annotation_select),
                converters=tuple(
                    (position, tuple(functions), expression)
                    for position, (functions, expression) in compiler.get_converters(
                        [column[0] for column in compiler.select[: compiler.col_count]]
                    ).items()
                ),
                complete=getattr(queryset._iterable_class, "complete", None),
            )
        with self._lock:
            self._statements[shape] = statement
            while len(self._statements) > MAX_SHAPES:
                self._statements.popitem(last=False)
        return statement

    def clear(self) -> None:
        with self._lock:
            self._statements.clear()


def _length(value) -> int | None:
    if isinstance(value, str):
        return None
    if isinstance(value, Sequence):
        return len(value)
    raise TypeError(f"CompiledRead parameters are text or lists of text, not {type(value).__name__}")


def _placeholder(name: str, index: int | None = None) -> str:
    return f"\x1fcompiled:{name}{'' if index is None else f':{index}'}\x1f"


def _slots(compiled_params, placeholders: dict) -> tuple:
    wanted = {}
    for name, value in placeholders.items():
        if isinstance(value, list):
            wanted.update({text: (name, index) for index, text in enumerate(value)})
        else:
            wanted[value] = (name, None)
    slots, seen = [], set()
    for position, value in enumerate(compiled_params):
        if isinstance(value, str) and value in wanted:
            if value in seen:
                raise ValueError(f"CompiledRead parameter {wanted[value][0]!r} appears twice in the SQL")
            seen.add(value)
            slots.append((position, *wanted[value]))
    missing = sorted({wanted[value][0] for value in wanted.keys() - seen})
    if missing:
        raise ValueError(f"CompiledRead parameters {missing} do not reach the SQL as given")
    return tuple(slots)


@receiver(setting_changed)
def _settings_changed(**kwargs) -> None:
    """Converters and SQL can depend on settings (USE_TZ, DATABASES): compiled again after a change."""
    for read in _reads:
        read.clear()
