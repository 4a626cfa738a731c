"""The rule format of merchant-defined segments: validation into a canonical stored form.

    {
      "tags":          {"any": ["vip", "wholesale"], "all": ["newsletter"]},
      "totalSpent":    {"min": 100.00, "max": 5000},
      "totalOrders":   {"min": 2, "max": 10},
      "lastOrderDate": {"after": "2024-01-01", "before": "2024-07-01"},
      "rfmSegment":    ["champions", "loyal"]
    }

Every key is optional but at least one is required; all given conditions must hold. Bounds of
`totalSpent`/`totalOrders` are inclusive; `lastOrderDate` dates are whole days in the account's
time zone, both exclusive ("after 2024-01-01" starts on 2024-01-02). Evaluation lives in
`selectors.segment_q`.
"""

import datetime
from decimal import Decimal, InvalidOperation

from .normalize import InvalidValue, normalize_tag
from .rfm import RfmSegment

MAX_RULE_VALUES = 50
MAX_MONEY = Decimal("999999999999.99")
MAX_COUNT = 2_147_483_647
RULE_KEYS = ("tags", "totalSpent", "totalOrders", "lastOrderDate", "rfmSegment")


class InvalidRules(ValueError):
    """`errors` maps each offending rule key to its messages (nested for sub-keys)."""

    def __init__(self, errors: dict):
        super().__init__("Invalid segment rules")
        self.errors = errors


def _object(value, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise InvalidValue(f"Expected an object with {', '.join(allowed)}.")
    if not value:
        raise InvalidValue(f"Give at least one of {', '.join(allowed)}.")
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise InvalidValue(f"Unknown key(s) {', '.join(unknown)}; expected {', '.join(allowed)}.")
    return value


def _string_list(value) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InvalidValue("Expected a non-empty list of strings.")
    if len(value) > MAX_RULE_VALUES:
        raise InvalidValue(f"At most {MAX_RULE_VALUES} values.")
    if not all(isinstance(item, str) for item in value):
        raise InvalidValue("Expected a non-empty list of strings.")
    return value


def _money(value) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidValue("Expected a number.")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidValue("Expected a number.") from exc
    if not amount.is_finite() or amount < 0 or amount > MAX_MONEY:
        raise InvalidValue(f"Expected an amount between 0 and {MAX_MONEY}.")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidValue("At most two decimal places.")
    return amount.quantize(Decimal("0.01"))


def _count(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise InvalidValue("Expected a whole number of at least 0.")
    return value


def _date(value) -> datetime.date:
    if isinstance(value, str) and len(value) == len("YYYY-MM-DD"):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidValue("Expected a date, YYYY-MM-DD.")


def _parse_tags(value) -> dict:
    rule = _object(value, ("any", "all"))
    return {key: list(dict.fromkeys(normalize_tag(tag) for tag in _string_list(rule[key]))) for key in rule}


def _parse_range(value, parse) -> dict:
    rule = _object(value, ("min", "max"))
    parsed = {key: parse(rule[key]) for key in ("min", "max") if key in rule}
    if "min" in parsed and "max" in parsed and parsed["min"] > parsed["max"]:
        raise InvalidValue("min cannot be greater than max.")
    return parsed


def _parse_dates(value) -> dict:
    rule = _object(value, ("after", "before"))
    parsed = {key: _date(rule[key]) for key in ("after", "before") if key in rule}
    if "after" in parsed and "before" in parsed and parsed["after"] >= parsed["before"]:
        raise InvalidValue("before must be later than after.")
    return {key: day.isoformat() for key, day in parsed.items()}


def _parse_rfm(value) -> list[str]:
    names = list(dict.fromkeys(_string_list(value)))
    unknown = [name for name in names if name not in RfmSegment.values]
    if unknown:
        raise InvalidValue(f"Unknown RFM segment(s) {', '.join(unknown)}; expected {', '.join(RfmSegment.values)}.")
    return names


_PARSERS = {
    "tags": _parse_tags,
    "totalSpent": lambda value: {key: str(amount) for key, amount in _parse_range(value, _money).items()},
    "totalOrders": lambda value: _parse_range(value, _count),
    "lastOrderDate": _parse_dates,
    "rfmSegment": _parse_rfm,
}


def parse_rules(raw) -> dict:
    """Validates `raw` and returns the canonical form that is stored (money as strings, tags normalized).

    Raises InvalidRules with every problem found. Parsing a canonical form returns it unchanged.
    """
    if not isinstance(raw, dict):
        raise InvalidRules({"nonFieldErrors": ["Expected an object of rules."]})
    if not raw:
        raise InvalidRules({"nonFieldErrors": [f"Give at least one rule: {', '.join(RULE_KEYS)}."]})
    errors, parsed = {}, {}
    for key, value in raw.items():
        if key not in _PARSERS:
            errors[key] = [f"Unknown rule; expected one of {', '.join(RULE_KEYS)}."]
            continue
        try:
            parsed[key] = _PARSERS[key](value)
        except InvalidValue as exc:
            errors[key] = [str(exc)]
    if errors:
        raise InvalidRules(errors)
    return {key: parsed[key] for key in RULE_KEYS if key in parsed}


def rules_for_display(rules: dict) -> dict:
    """The stored form with money back as numbers, for API responses."""
    shown = dict(rules)
    if "totalSpent" in shown:
        shown["totalSpent"] = {key: Decimal(amount) for key, amount in shown["totalSpent"].items()}
    return shown
