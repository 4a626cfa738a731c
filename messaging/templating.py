"""Email templates in Django's template language, in a sandbox that reaches nothing but its context.

The sandbox is a parser with a short list of tags (no `load`, `include`, `extends`, `debug`, `url`,
`csrf_token`, ...; an unknown tag is a syntax error) and every variable checked at save time against
`VARIABLES`, the only data a template is ever given: plain dicts, lists, strings and numbers built by
`context_*` below, never model instances. A path outside `VARIABLES` (`customer.delete`,
`order.total.as_tuple`, `settings`) is refused with the field it is in, so nothing fails at send time.
"""

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.template import Context, Engine, Library, Template, TemplateSyntaxError, defaultfilters, defaulttags
from django.template.base import FilterExpression, Lexer, Node, Parser, TextNode, Variable, VariableNode

ALLOWED_TAGS = (
    "autoescape",
    "comment",
    "cycle",
    "firstof",
    "for",
    "if",
    "ifchanged",
    "now",
    "spaceless",
    "templatetag",
    "verbatim",
    "widthratio",
    "with",
)
_LIBRARY = Library()
_LIBRARY.tags.update({name: defaulttags.register.tags[name] for name in ALLOWED_TAGS})
_LIBRARY.filters.update(defaultfilters.register.filters)
_ENGINE = Engine(loaders=[], libraries={}, string_if_invalid="", autoescape=True)

TEXT = "text"
ITEM = {
    "product_name": TEXT,
    "sku": TEXT,
    "quantity": TEXT,
    "price": TEXT,
    "line_total": TEXT,
}
CUSTOMER = {"name": TEXT, "first_name": TEXT, "email": TEXT, "phone": TEXT}
ORDER = {
    "id": TEXT,
    "status": TEXT,
    "currency": TEXT,
    "subtotal": TEXT,
    "tax": TEXT,
    "shipping": TEXT,
    "total": TEXT,
    "amount_refunded": TEXT,
    "refund_amount": TEXT,
    "tracking_number": TEXT,
    "carrier": TEXT,
    "created_at": TEXT,
    "items": [ITEM],
}
ACCOUNT = {"name": TEXT}
VARIABLES = {"customer": CUSTOMER, "order": ORDER, "account": ACCOUNT, "unsubscribe_url": TEXT}
FORLOOP = {
    "counter": TEXT,
    "counter0": TEXT,
    "revcounter": TEXT,
    "revcounter0": TEXT,
    "first": TEXT,
    "last": TEXT,
}

SAMPLE = {
    "customer": {"name": "Jane Smith", "first_name": "Jane", "email": "jane@example.com", "phone": "+14155550123"},
    "order": {
        "id": "ord_0355tcK7XxD9yFv1Ek8zXh",
        "status": "shipped",
        "currency": "USD",
        "subtotal": Decimal("999.99"),
        "tax": Decimal("79.99"),
        "shipping": Decimal("20.00"),
        "total": Decimal("1099.98"),
        "amount_refunded": Decimal("0.00"),
        "refund_amount": Decimal("0.00"),
        "tracking_number": "1Z999AA10123456784",
        "carrier": "UPS",
        "created_at": datetime.datetime(2024, 1, 15, 10, 30, tzinfo=datetime.UTC),
        "items": [
            {
                "product_name": "Laptop",
                "sku": "LAP-001",
                "quantity": 1,
                "price": Decimal("999.99"),
                "line_total": Decimal("999.99"),
            }
        ],
    },
    "account": {"name": "Acme Store"},
    "unsubscribe_url": "https://shop.example.com/messaging/unsubscribe/sample",
}


class TemplateInvalid(ValueError):
    """`message` explains what is wrong; raised for a syntax error, a refused tag or an unknown variable."""


class _SandboxTemplate(Template):
    def compile_nodelist(self):
        parser = Parser(Lexer(self.source).tokenize(), libraries={}, builtins=[_LIBRARY], origin=self.origin)
        try:
            return parser.parse()
        except Exception as exc:
            if isinstance(exc, TemplateSyntaxError) and "Invalid block tag" in str(exc):
                raise TemplateSyntaxError(f"{exc} Allowed tags: {', '.join(ALLOWED_TAGS)}.") from exc
            raise


@dataclass(frozen=True)
class Compiled:
    template: Template
    paths: frozenset[str]  # every variable path the template reads from its context (outside loops' own names)


def _expressions(node: Node) -> Iterable:
    """The filter expressions a node evaluates (its own, not its children's)."""
    if isinstance(node, VariableNode):
        yield node.filter_expression
    for name in ("sequence", "val_expr", "max_expr", "max_width"):
        value = getattr(node, name, None)
        if isinstance(value, FilterExpression):
            yield value
    for name in ("vars", "cyclevars", "_varlist"):
        for value in getattr(node, name, None) or ():
            if isinstance(value, FilterExpression):
                yield value
    for _, value in (getattr(node, "extra_context", None) or {}).items():
        yield value
    for condition, _ in getattr(node, "conditions_nodelists", ()):
        yield from _condition_expressions(condition)


def _condition_expressions(condition) -> Iterable:
    if condition is None:
        return
    value = getattr(condition, "value", None)
    if isinstance(value, FilterExpression):
        yield value
    for name in ("first", "second"):
        yield from _condition_expressions(getattr(condition, name, None))


def _variables(expression: FilterExpression) -> Iterable[Variable]:
    if isinstance(expression.var, Variable):
        yield expression.var
    for _, arguments in expression.filters:
        for is_lookup, argument in arguments:
            if is_lookup and isinstance(argument, Variable):
                yield argument


def _child_scopes(node: Node, scope: dict) -> Iterable[tuple[Iterable[Node], dict]]:
    """Each child node list with the names it sees: loops bind their variables, `with` its names."""
    if node.__class__.__name__ == "ForNode":
        element = _schema_of(node.sequence.var, scope) if isinstance(node.sequence.var, Variable) else None
        element = element[0] if isinstance(element, list) else TEXT
        inner = {**scope, "forloop": FORLOOP}
        if len(node.loopvars) == 1:
            inner[node.loopvars[0]] = element
        else:
            inner.update(dict.fromkeys(node.loopvars, TEXT))
        yield node.nodelist_loop, inner
        yield node.nodelist_empty, scope
        return
    if node.__class__.__name__ == "WithNode":
        inner = dict(scope)
        for name, expression in node.extra_context.items():
            schema = _schema_of(expression.var, scope) if isinstance(expression.var, Variable) else TEXT
            inner[name] = schema if not expression.filters else TEXT
        yield node.nodelist, inner
        return
    for attribute in node.child_nodelists:
        yield getattr(node, attribute, None) or (), scope
    for _, nodelist in getattr(node, "conditions_nodelists", ()):
        yield nodelist, scope


def _schema_of(variable: Variable, scope: dict):
    """The schema at the variable's path, or raises TemplateInvalid naming the path."""
    if variable.lookups is None:
        return TEXT
    schema = scope
    for depth, part in enumerate(variable.lookups):
        if isinstance(schema, dict) and part in schema:
            schema = schema[part]
        elif isinstance(schema, list) and part.isdigit():
            schema = schema[0]
        else:
            raise TemplateInvalid(f"Unknown variable: {'.'.join(variable.lookups[: depth + 1])}")
    return schema


def _check(nodes: Iterable[Node], scope: dict, paths: set[str]) -> None:
    for node in nodes:
        if isinstance(node, TextNode):
            continue
        for expression in _expressions(node):
            for variable in _variables(expression):
                _schema_of(variable, scope)
                if (
                    variable.lookups
                    and variable.lookups[0] in VARIABLES
                    and scope.get(variable.lookups[0]) is (VARIABLES[variable.lookups[0]])
                ):
                    paths.add(".".join(part for part in variable.lookups if not part.isdigit()))
        for children, inner in _child_scopes(node, scope):
            _check(children, inner, paths)


@functools.lru_cache(maxsize=256)
def compile_template(source: str) -> Compiled:
    """Parses and checks a template; TemplateInvalid with the reason if it cannot be saved. Compiled once
    per source text and process: a campaign renders the same template for every recipient."""
    try:
        template = _SandboxTemplate(source, engine=_ENGINE)
    except TemplateSyntaxError as exc:
        raise TemplateInvalid(f"Template syntax error: {exc}") from exc
    paths: set[str] = set()
    _check(template.nodelist, VARIABLES, paths)
    return Compiled(template=template, paths=frozenset(paths))


def render(source: str, context: dict, *, autoescape: bool = True) -> str:
    return compile_template(source).template.render(Context(context, autoescape=autoescape))


def render_subject(source: str, context: dict) -> str:
    """A subject line: no HTML escaping, one line."""
    return re.sub(r"\s+", " ", render(source, context, autoescape=False)).strip()


def missing_paths(paths: Iterable[str], context: dict) -> list[str]:
    """The paths the template reads that `context` does not provide (lists: each element is checked)."""
    missing = []
    for path in sorted(paths):
        if not _present(path.split("."), context):
            missing.append(path)
    return missing


def _present(parts: list[str], value) -> bool:
    if not parts:
        return True
    if isinstance(value, list):
        return all(_present(parts, item) for item in value)
    if not isinstance(value, dict) or parts[0] not in value or value[parts[0]] is None:
        return False
    return _present(parts[1:], value[parts[0]])


def plain(value):
    """Context data as the sandbox takes it: dicts, lists, strings, numbers, dates; nothing callable."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool | Decimal | datetime.date):
        return value
    return str(value)
