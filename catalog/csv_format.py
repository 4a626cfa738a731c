"""The product CSV format, shared by import and export so the two always agree.

One row per variant, as Shopify lays it out: rows are grouped into products by the product `sku` column.
Columns (header names are matched ignoring case, spaces, `_` and `-`, so `compare_at_price` and
`Option1 Name` work too): the product's own (sku, name, description, price, compareAtPrice, cost,
currency, status, category (a category *slug*), tags (comma-separated), images (space-separated URLs),
barcode, weight, attributes (a JSON object), trackInventory, allowBackorder), its options
(option1Name, option1Value … option3Name, option3Value) and the variant's (variantSku, variantPrice,
variantCompareAtPrice, variantBarcode, variantWeight, variantStatus, variantImage, variantPosition).
Only `sku` is required in the header; see docs/catalog.md for the layout and what an empty cell means.
"""

import csv
import json
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation

from django.conf import settings

from omnisales.api.parsers import JsonTooDeep, free_form_problem, load_json

from .exceptions import InvalidCsv
from .models import PRODUCT_FIELDS, Product, ProductVariant

# One column per writable field, named like the API (camelCase); `category` holds the category's slug.
FIELD_BY_COLUMN = {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name): name for name in PRODUCT_FIELDS}
PRODUCT_COLUMNS = tuple(FIELD_BY_COLUMN)
OPTION_NAME_COLUMNS = ("option1Name", "option2Name", "option3Name")
OPTION_VALUE_COLUMNS = ("option1Value", "option2Value", "option3Value")
# A variant's columns -> its fields (ProductVariant); the option values are the option columns.
VARIANT_FIELD_BY_COLUMN = {
    "variantSku": "sku",
    "variantPrice": "price",
    "variantCompareAtPrice": "compare_at_price",
    "variantBarcode": "barcode",
    "variantWeight": "weight",
    "variantStatus": "status",
    "variantImage": "image",
    "variantPosition": "position",
}
VARIANT_COLUMNS = tuple(VARIANT_FIELD_BY_COLUMN)
COLUMNS = (
    *PRODUCT_COLUMNS,
    *(column for pair in zip(OPTION_NAME_COLUMNS, OPTION_VALUE_COLUMNS, strict=True) for column in pair),
    *VARIANT_COLUMNS,
)
# The cells that make a row a variant row.
VARIANT_ROW_COLUMNS = frozenset({*OPTION_NAME_COLUMNS, *OPTION_VALUE_COLUMNS, *VARIANT_COLUMNS})
DECIMAL_COLUMNS = frozenset(
    {"price", "compareAtPrice", "cost", "weight", "variantPrice", "variantCompareAtPrice", "variantWeight"}
)
BOOLEAN_COLUMNS = frozenset({"trackInventory", "allowBackorder"})
# An empty cell in these keeps the current value (on create: the default, or "required").
KEEP_WHEN_EMPTY = frozenset(
    {"name", "price", "currency", "status", "trackInventory", "allowBackorder", "variantPrice", "variantStatus"}
    | {"variantPosition"}
)
REQUIRED_ON_CREATE = ("name", "price")
TEXT_COLUMNS = frozenset(
    {"sku", "name", "description", "barcode", "category", "variantSku", "variantBarcode"}
    | {*OPTION_NAME_COLUMNS, *OPTION_VALUE_COLUMNS}
)

MAX_ROWS = 50_000
_TRUE = frozenset({"true", "yes", "1", "y"})
_FALSE = frozenset({"false", "no", "0", "n"})
# Cells that a spreadsheet would run as a formula are written with a leading quote, which import removes.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def field_for(column: str) -> str:
    return FIELD_BY_COLUMN[column]


def variant_field_for(column: str) -> str:
    return VARIANT_FIELD_BY_COLUMN[column]


def _key(header: str) -> str:
    return re.sub(r"[\s_\-]", "", header).lower()


_COLUMN_BY_KEY = {_key(column): column for column in COLUMNS}


class CellError(ValueError):
    pass


def _decoded_lines(binary_file) -> Iterator[str]:
    """UTF-8 text line by line (a leading BOM dropped), so a bad byte is reported with its line number."""
    for number, raw in enumerate(binary_file, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise _unreadable(number, "it is not UTF-8 text") from None
        if "\x00" in line:
            raise _unreadable(number, "it contains a NUL character")
        yield line


def read_rows(binary_file) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Checks the header and returns (columns, rows); rows yields (spreadsheet row number, cells).

    Raises InvalidCsv for a file that is not UTF-8 CSV with a usable header, also while iterating.
    """
    reader = csv.reader(_decoded_lines(binary_file), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidCsv("The file is empty", details={"file": ["The file has no header row."]}) from None
    except csv.Error as exc:
        raise _unreadable(reader.line_num, str(exc)) from None

    columns, unknown = [], []
    for raw in header:
        column = _COLUMN_BY_KEY.get(_key(raw))
        if column is None:
            unknown.append(raw)
        columns.append(column)
    problems = []
    if "sku" not in columns:
        problems.append("The header has no 'sku' column.")
    if unknown:
        problems.append(f"Unknown columns: {', '.join(repr(name[:40]) for name in unknown[:10])}.")
    duplicated = sorted({column for column in columns if column and columns.count(column) > 1})
    if duplicated:
        problems.append(f"Columns given twice: {', '.join(duplicated)}.")
    if problems:
        raise InvalidCsv("The CSV header is not usable", details={"header": problems, "expectedColumns": list(COLUMNS)})

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for number, cells in enumerate(reader, start=2):
                if number - 1 > MAX_ROWS:
                    raise InvalidCsv(
                        f"The file has more than {MAX_ROWS} rows", details={"file": [f"At most {MAX_ROWS} rows."]}
                    )
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as exc:
            raise _unreadable(reader.line_num, str(exc)) from None

    return columns, rows()


def _unreadable(line: int, reason: str) -> InvalidCsv:
    return InvalidCsv("The file is not a readable CSV file", details={"file": [f"Line {line}: {reason}."]})


def _unescape(text: str) -> str:
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


def _escape(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_START) else text


def parse_cell(column: str, cell: str):
    """A cell's text -> the model field's value. Empty means 'cleared'; KEEP_WHEN_EMPTY is handled by the caller."""
    text = _unescape(cell.strip())
    if column in DECIMAL_COLUMNS:
        if not text:
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise CellError("A valid number is required.") from None
        if not value.is_finite():
            raise CellError("A valid number is required.")
        return value
    if column == "variantPosition":
        if not text.isascii() or not text.isdigit() or int(text) > 2_147_483_647:
            raise CellError("A whole number of zero or more is required.")
        return int(text)
    if column == "variantImage":
        return text or None
    if column in BOOLEAN_COLUMNS:
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise CellError("Must be true or false.")
    if column == "tags":
        return list(dict.fromkeys(tag.strip() for tag in text.split(",") if tag.strip()))
    if column == "images":
        return text.split()
    if column == "attributes":
        if not text:
            return {}
        try:
            value = load_json(text, max_depth=settings.API_MAX_FREE_FORM_JSON_DEPTH)
        except JsonTooDeep as exc:
            raise CellError(f"Nested deeper than {exc.max_depth} levels.") from None
        except ValueError:
            raise CellError("Must be a JSON object.") from None
        problem = free_form_problem(value)
        if problem:
            raise CellError(problem)
        return value
    if column == "currency":
        return text.upper()
    if column in ("status", "variantStatus"):
        return text.lower()
    return text


def _format(column: str, value) -> str:
    if value is None:
        return ""
    if column in BOOLEAN_COLUMNS:
        return "true" if value else "false"
    if column == "tags":
        return _escape(", ".join(value))
    if column == "images":
        return " ".join(value)
    if column == "attributes":
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""
    if column in TEXT_COLUMNS:
        return _escape(value)
    return str(value)


def product_cells(product: Product) -> list[str]:
    values = {name: getattr(product, name) for name in PRODUCT_FIELDS if name != "category"}
    values["category"] = product.category.slug if product.category_id else None
    return [_format(column, values[field_for(column)]) for column in PRODUCT_COLUMNS]


def _variant_cells(variant: ProductVariant, names: list[str], *, first: bool) -> list[str]:
    cells = []
    for index, (name_column, value_column) in enumerate(zip(OPTION_NAME_COLUMNS, OPTION_VALUE_COLUMNS, strict=True)):
        has_option = index < len(names)
        cells.append(_format(name_column, names[index]) if has_option and first else "")
        cells.append(_format(value_column, variant.option_values[index]) if has_option else "")
    return cells + [_format(column, getattr(variant, variant_field_for(column))) for column in VARIANT_COLUMNS]


def product_rows(product: Product) -> Iterator[list[str]]:
    """The rows of one product: one without options is one row; one with options is a row per variant
    (`product.variants` prefetched, by position), the first carrying the product's columns and option
    names, the following ones only the product's SKU (the key grouping them) and the variant."""
    cells = product_cells(product)
    if not product.options:
        yield cells + [""] * (len(COLUMNS) - len(cells))
        return
    names = [option["name"] for option in product.options]
    blank = [""] * len(PRODUCT_COLUMNS)
    blank[PRODUCT_COLUMNS.index("sku")] = cells[PRODUCT_COLUMNS.index("sku")]
    for index, variant in enumerate(product.variants.all()):
        variant_cells = _variant_cells(variant, names, first=index == 0)
        yield (cells if index == 0 else blank) + variant_cells


class _Echo:
    def write(self, value: str) -> str:
        return value


def write_rows(products: Iterable[Product]) -> Iterator[str]:
    """CSV text, one line at a time (header first): for streaming responses and files alike."""
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for product in products:
        for cells in product_rows(product):
            yield writer.writerow(cells)


def count_rows(binary_file) -> int:
    """The data rows of a file (blank lines aside), reading it whole: InvalidCsv as read_rows raises it."""
    _, rows = read_rows(binary_file)
    return sum(1 for _ in rows)
