"""CSV import (API and management command) and export: the report, batching, bad files, limits, round trips."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from catalog import services
from catalog.csv_format import COLUMNS
from catalog.exceptions import InvalidCsv
from catalog.models import Product, ProductStatus

from .test_products_api import assert_error, events

pytestmark = pytest.mark.django_db

HEADER = "sku,name,price,compareAtPrice,category,tags,status\n"


def upload(client, text, **form):
    content = text.encode() if isinstance(text, str) else text
    file = SimpleUploadedFile("products.csv", content, content_type="text/csv")
    return client.post("/api/products/import", {"file": file, **form}, format="multipart")


def export(client, query=""):
    response = client.get(f"/api/products/export{query}")
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


# --- import: the happy path ---------------------------------------------------------------------


def test_import_creates_and_updates_by_sku_and_reports(api, account, make_category, make_product):
    make_category(slug="tops")
    existing = make_product(sku="OLD-1", name="Old name", price=Decimal("5.00"), tags=["keep"])
    response = upload(
        api,
        HEADER + 'NEW-1,Oxford Shirt,49.00,59.00,tops,"cotton, office",active\n'
        "OLD-1,New name,6.50,,,,\n"
        "NEW-2,Tee,25,,,,\n",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "created": 2,
        "updated": 1,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
        "dryRun": False,
    }
    shirt = Product.objects.get(account=account, sku="NEW-1")
    assert shirt.name == "Oxford Shirt" and shirt.price == Decimal("49.00") and shirt.compare_at_price == Decimal("59")
    assert shirt.category.slug == "tops" and shirt.tags == ["cotton", "office"] and shirt.status == "active"
    assert shirt.currency == account.currency
    tee = Product.objects.get(account=account, sku="NEW-2")
    assert tee.status == ProductStatus.DRAFT and tee.track_inventory is True
    existing.refresh_from_db()
    assert existing.name == "New name" and existing.price == Decimal("6.50")
    assert existing.tags == [], "an empty tags cell clears the tags"
    kinds = sorted(event.event_type for event in events(account))
    assert kinds == ["product.created", "product.created", "product.updated"]
    updated = events(account, "product.updated")[0].payload["data"]
    assert updated["id"] == existing.id and updated["changedFields"] == ["name", "price", "tags"]


def test_reimporting_the_same_file_changes_nothing(api, account):
    text = HEADER + "A-1,Alpha,10,,,x,active\n"
    upload(api, text)
    before = len(events(account))
    assert upload(api, text).json()["unchanged"] == 1
    assert len(events(account)) == before


def test_columns_not_in_the_file_are_left_alone_and_header_names_are_forgiving(api, make_product):
    product = make_product(sku="P-1", name="Keep", description="Keep too", tags=["t"])
    response = upload(api, "SKU, Compare_At_Price ,PRICE\nP-1,30,20\n")
    assert response.json()["updated"] == 1
    product.refresh_from_db()
    assert (product.name, product.description, product.tags) == ("Keep", "Keep too", ["t"])
    assert (product.price, product.compare_at_price) == (Decimal("20"), Decimal("30"))


def test_empty_cells_keep_required_values_and_clear_optional_ones(api, make_product):
    product = make_product(sku="P-1", name="Keep", compare_at_price=Decimal("30"), barcode="123", status="active")
    upload(api, "sku,name,price,compareAtPrice,barcode,status\nP-1,,,,,\n")
    product.refresh_from_db()
    assert (product.name, product.price, product.status) == ("Keep", Decimal("19.99"), "active")
    assert (product.compare_at_price, product.barcode) == (None, "")


# --- import: bad rows -------------------------------------------------------------------------


BAD_ROWS = [
    ("B-1,Neg,-1,,,,", {"price"}),
    ("B-2,Compare,20,10,,,", {"compareAtPrice"}),
    ("B-3,Cat,20,,no-such-category,,", {"category"}),
    ("B-4,Status,20,,,,published", {"status"}),
    ("B-5,,20,,,,", {"name"}),
    ("B-6,Price missing,,,,,", {"price"}),
    ("B-7,Bad number,12.3.4,,,,", {"price"}),
    ("B-8,Too precise,1.234,,,,", {"price"}),
    (f"B-9,{'n' * 256},20,,,,", {"name"}),
    ("B-10,Too many cells,20,,,,,extra", {"row"}),
    (",No sku,20,,,,", {"sku"}),
    (f"{'S' * 65},Long sku,20,,,,", {"sku"}),
    ("B-11,Long tag,20,,," + "t" * 65 + ",", {"tags"}),
]


@pytest.mark.parametrize(("row", "fields"), BAD_ROWS)
def test_a_bad_row_is_reported_and_the_good_rows_are_written(api, account, row, fields):
    response = upload(api, HEADER + "GOOD-1,Good,10,,,,\n" + row + "\n" + "GOOD-2,Good,10,,,,\n")
    assert response.status_code == 200, response.content
    report = response.json()
    assert (report["created"], report["failed"]) == (2, 1)
    [error] = report["errors"]
    assert error["row"] == 3
    assert set(error["errors"]) == fields
    assert error["sku"] == (row.split(",")[0] or None)
    assert set(Product.objects.filter(account=account).values_list("sku", flat=True)) == {"GOOD-1", "GOOD-2"}


def test_other_column_errors(api, account):
    text = (
        "sku,name,price,trackInventory,attributes,images,weight\n"
        "C-1,Bool,1,perhaps,,,\n"
        'C-2,Json,1,true,"[1,2]",,\n'
        "C-3,Json,1,true,{broken,,\n"
        "C-4,Image,1,true,,not-a-url,\n"
        "C-5,Weight,1,true,,,-2\n"
        'C-6,Fine,1,no,"{""size"": ""M""}",https://cdn.example.com/a.jpg https://cdn.example.com/b.jpg,0.25\n'
    )
    report = upload(api, text).json()
    assert {error["sku"]: sorted(error["errors"]) for error in report["errors"]} == {
        "C-1": ["trackInventory"],
        "C-2": ["attributes"],
        "C-3": ["attributes"],
        "C-4": ["images"],
        "C-5": ["weight"],
    }
    fine = Product.objects.get(account=account, sku="C-6")
    assert fine.attributes == {"size": "M"} and fine.track_inventory is False and fine.weight == Decimal("0.25")
    assert fine.images == ["https://cdn.example.com/a.jpg", "https://cdn.example.com/b.jpg"]


def test_a_sku_twice_in_the_file_fails_the_second_row(api, account):
    report = upload(api, HEADER + "D-1,First,10,,,,\nD-1,Second,10,,,,\n").json()
    assert report["created"] == 1
    assert report["errors"] == [
        {"row": 3, "sku": "D-1", "errors": {"sku": ["Appears more than once in the file (first on row 2)."]}}
    ]
    assert Product.objects.get(account=account, sku="D-1").name == "First"


def test_another_accounts_category_slug_is_unknown(api, other_account, make_category):
    make_category(account=other_account, slug="theirs")
    report = upload(api, HEADER + "E-1,X,10,,theirs,,\n").json()
    assert report["errors"][0]["errors"] == {"category": ["No category with slug 'theirs'."]}


def test_an_update_that_breaks_a_rule_with_stored_values_fails(api, make_product):
    product = make_product(sku="F-1", price=Decimal("10"), compare_at_price=Decimal("15"))
    report = upload(api, "sku,price\nF-1,20\n").json()
    assert report["errors"][0]["errors"] == {"compareAtPrice": ["Must not be below the price."]}
    product.refresh_from_db()
    assert product.price == Decimal("10")


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(api, account):
    response = upload(api, HEADER + "G-1,Good,10,,,,\nG-2,Bad,-1,,,,\n", allOrNothing="true")
    body = assert_error(response, 422, "IMPORT_ROWS_INVALID")
    assert body["details"]["failed"] == 1 and body["details"]["created"] == 0
    assert body["details"]["errors"][0]["row"] == 3
    assert not Product.objects.exists()
    assert events(account) == []


def test_all_or_nothing_writes_everything_when_all_rows_are_good(api, account):
    assert upload(api, HEADER + "G-1,Good,10,,,,\n", allOrNothing="true").json()["created"] == 1


def test_dry_run_reports_and_writes_nothing(api, account, make_product):
    make_product(sku="H-1")
    report = upload(api, HEADER + "H-1,Renamed,10,,,,\nH-2,New,10,,,,\nH-3,Bad,-1,,,,\n", dryRun="true").json()
    assert (report["created"], report["updated"], report["failed"], report["dryRun"]) == (1, 1, 1, True)
    assert list(Product.objects.values_list("sku", flat=True)) == ["H-1"]
    assert events(account) == []


# --- import: bad files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\n\n", "no 'sku' column"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not UTF-8"),
        (b"name,price\nShirt,10\n", "no 'sku' column"),
        (b"sku,name,pirce\nA,Shirt,10\n", "Unknown columns: 'pirce'"),
        (b"sku,name,Name\nA,B,C\n", "Columns given twice: name"),
        (b"sku,name\nA-1,Fine\nA-2,\xff\xfe broken\n", "Line 3: it is not UTF-8"),
        (b"sku,name\nA-1,with\x00nul\n", "Line 2: it contains a NUL character"),
        (b'sku,name\nA-1,"bad"quote\n', "Line 2: "),
    ],
)
def test_a_file_that_is_not_usable_csv_is_422_invalid_csv_and_writes_nothing(api, account, content, message):
    body = assert_error(upload(api, content), 422, "INVALID_CSV")
    assert message in str(body["details"]), body
    assert not Product.objects.exists()
    assert events(account) == []


def test_an_empty_upload_is_422(api):
    body = assert_error(upload(api, b""), 422, "VALIDATION_ERROR")
    assert body["details"] == {"file": ["The submitted file is empty."]}


def test_missing_file_field_is_422(api):
    body = assert_error(api.post("/api/products/import", {}, format="multipart"), 422, "VALIDATION_ERROR")
    assert "file" in body["details"]


def test_a_json_body_is_415(api):
    response = api.post("/api/products/import", {"file": "sku,name"}, format="json")
    assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_bad_all_or_nothing_value_is_422(api):
    body = assert_error(upload(api, HEADER, allOrNothing="perhaps"), 422, "VALIDATION_ERROR")
    assert "allOrNothing" in body["details"]


def test_too_many_rows_is_invalid_csv(api, monkeypatch):
    monkeypatch.setattr("catalog.csv_format.MAX_ROWS", 2)
    body = assert_error(upload(api, HEADER + "A,a,1,,,,\nB,b,1,,,,\nC,c,1,,,,\n"), 422, "INVALID_CSV")
    assert "more than 2 rows" in body["error"]
    assert not Product.objects.exists()


def test_import_needs_write_products(account, make_client):
    reader = make_client(account, scopes=["read:products"])
    assert_error(upload(reader, HEADER + "A,a,1,,,,\n"), 403, "INSUFFICIENT_SCOPE")
    assert not Product.objects.exists()


# --- import: plan limit, batching -------------------------------------------------------------


def test_import_beyond_the_plan_limit_is_refused_whole(api, account, make_product):
    account.product_limit = 3
    account.save()
    make_product()
    response = upload(api, HEADER + "L-1,a,1,,,,\nL-2,b,1,,,,\nL-3,c,1,,,,\n")
    body = assert_error(response, 403, "PLAN_LIMIT_REACHED")
    assert body["details"] == {"limit": 3, "current": 1, "requested": 3}
    assert Product.objects.count() == 1
    assert events(account) == []


def test_import_of_archived_products_and_updates_is_fine_at_the_limit(api, account, make_product):
    account.product_limit = 1
    account.save()
    make_product(sku="AT-LIMIT")
    report = upload(api, HEADER + "AT-LIMIT,Renamed,1,,,,\nARCH-1,Old,1,,,,archived\n").json()
    assert (report["created"], report["updated"], report["failed"]) == (1, 1, 0)


@pytest.mark.parametrize("rows", [10, 300])
def test_import_runs_a_bounded_number_of_queries(api, account, django_assert_max_num_queries, rows):
    """Batches of 1000: the number of queries does not depend on the number of rows (per batch: the locked
    products, the SKUs of variants, the inserts of products and of their variants, the upsert, the variants
    mirroring the updates, the events)."""
    account.product_limit = 1000
    account.save()
    Product.objects.bulk_create(
        Product(account=account, sku=f"U-{i}", name="x", price=1, currency="USD") for i in range(rows // 2)
    )
    lines = "".join(f"U-{i},Name {i},{i + 1},,,,\n" for i in range(rows))
    with django_assert_max_num_queries(28):
        response = upload(api, HEADER + lines)
    report = response.json()
    assert response.status_code == 200, report
    assert (report["created"], report["updated"]) == (rows - rows // 2, rows // 2)


def test_an_empty_file_has_no_header(account):
    with pytest.raises(InvalidCsv) as raised:
        services.product_import(account=account, file=io.BytesIO(b""))
    assert raised.value.details == {"file": ["The file has no header row."]}


def test_batches_split_the_file(account):
    lines = "".join(f"V-{i},Name {i},{i + 1},,,,\n" for i in range(25))
    report = services.product_import(account=account, file=io.BytesIO((HEADER + lines).encode()), batch_size=10)
    assert report.created == 25
    assert Product.objects.filter(account=account).count() == 25


# --- export -----------------------------------------------------------------------------------


def test_export_writes_the_import_columns_and_respects_filters(api, make_category, make_product):
    tops = make_category(slug="tops")
    make_product(
        sku="X-1",
        name="Shirt",
        price=Decimal("49.00"),
        category=tops,
        tags=["cotton", "office"],
        attributes={"size": "M"},
        images=["https://cdn.example.com/a.jpg"],
    )
    make_product(sku="X-2", name="Hat", price=Decimal("9.00"))
    response = api.get("/api/products/export", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert list(rows[0]) == list(COLUMNS)
    shirt = next(row for row in rows if row["sku"] == "X-1")
    assert shirt["price"] == "49.00" and shirt["category"] == "tops" and shirt["tags"] == "cotton, office"
    assert shirt["attributes"] == '{"size": "M"}' and shirt["images"] == "https://cdn.example.com/a.jpg"
    assert [row["sku"] for row in export(api, "?minPrice=10")] == ["X-1"]
    assert [row["sku"] for row in export(api, "?ordering=sku")] == ["X-1", "X-2"]


def test_export_of_a_bad_filter_is_a_json_400(api):
    response = api.get("/api/products/export?status=bogus", HTTP_ACCEPT="text/csv")
    assert_error(response, 400, "INVALID_PARAMETER")
    assert response["Content-Type"] == "application/json"


def test_export_needs_read_products_and_shows_only_the_account(account, other_account, make_client, make_product):
    make_product(account=other_account, sku="THEIRS")
    make_product(sku="MINE")
    assert_error(make_client(account, scopes=["read:orders"]).get("/api/products/export"), 403, "INSUFFICIENT_SCOPE")
    assert [row["sku"] for row in export(make_client(account, scopes=["read:products"]))] == ["MINE"]


def test_export_query_count_does_not_grow_with_rows(api, account, make_category, django_assert_max_num_queries):
    category = make_category()
    Product.objects.bulk_create(
        Product(account=account, sku=f"E-{i}", name="x", price=1, currency="USD", category=category) for i in range(300)
    )
    api.get("/api/products")
    with django_assert_max_num_queries(5):
        assert len(export(api)) == 300


def test_export_then_import_into_another_account_round_trips(api, other_api, account, other_account, make_category):
    for client in (api, other_api):
        client.post("/api/categories", {"name": "Tops", "slug": "tops"}, format="json")
    created = api.post(
        "/api/products",
        {
            "sku": "RT-1",
            "name": '=HYPERLINK("http://evil")',
            "description": 'Line one\nline two, with "quotes"',
            "price": 49,
            "compareAtPrice": 59.5,
            "cost": 20,
            "status": "active",
            "categoryId": api.get("/api/categories").json()[0]["id"],
            "tags": ["-sale", "cotton"],
            "images": ["https://cdn.example.com/a.jpg"],
            "barcode": "4006381333931",
            "weight": 0.25,
            "attributes": {"size": "M", "nested": {"a": [1, 2]}},
            "trackInventory": False,
            "allowBackorder": True,
        },
        format="json",
    ).json()
    text = b"".join(api.get("/api/products/export").streaming_content)
    assert b"'=HYPERLINK" in text and b"'-sale, cotton" in text, "formula-like cells are escaped for spreadsheets"
    assert upload(other_api, text).json()["created"] == 1
    copied = other_api.get("/api/products").json()[0]
    ignored = {"id", "categoryId", "createdAt", "updatedAt"}
    assert {k: v for k, v in copied.items() if k not in ignored} == {
        k: v for k, v in created.items() if k not in ignored
    }
    assert upload(api, text).json()["unchanged"] == 1, "re-importing an export into the same account changes nothing"


# --- management command -----------------------------------------------------------------------


def test_import_products_command_uses_the_same_import(account, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(HEADER + "CMD-1,From file,10,,,,active\n")
    out = io.StringIO()
    call_command("import_products", str(path), account=account.id, stdout=out)
    assert "created 1" in out.getvalue()
    assert Product.objects.get(account=account, sku="CMD-1").status == "active"


def test_import_products_command_fails_loudly(account, tmp_path):
    path = tmp_path / "products.csv"
    path.write_text(HEADER + "CMD-1,Good,10,,,,\nCMD-2,Bad,-1,,,,\n")
    with pytest.raises(CommandError, match="failed 1"):
        call_command("import_products", str(path), account=account.id, stdout=io.StringIO())
    with pytest.raises(CommandError, match="IMPORT_ROWS_INVALID"):
        call_command("import_products", str(path), "--all-or-nothing", account=account.id, stdout=io.StringIO())
    with pytest.raises(CommandError, match="No account"):
        call_command("import_products", str(path), account="acc_missing")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_products", str(tmp_path / "missing.csv"), account=account.id)
    assert list(Product.objects.values_list("sku", flat=True)) == ["CMD-1"]


def test_a_body_too_large_to_hold_in_memory_is_413_not_500(api, settings):
    """An Idempotency-Key makes the whole body be read into memory, which Django caps."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    text = HEADER + "".join(f"BIG-{i},Name {i},1,,,,\n" for i in range(100))
    file = SimpleUploadedFile("products.csv", text.encode(), content_type="text/csv")
    response = api.post("/api/products/import", {"file": file}, format="multipart", HTTP_IDEMPOTENCY_KEY="import-1")
    body = assert_error(response, 413, "REQUEST_TOO_LARGE")
    assert body["details"] == {"maxBytes": 1000}
    assert not Product.objects.exists()
