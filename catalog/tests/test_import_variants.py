"""CSV one row per variant: grouping by the product SKU, variant rows created and updated by their SKU,
per-row errors, the cap and SKU rules, and an export that re-imports byte for byte."""

import csv
import io
from decimal import Decimal

import pytest

from catalog import services
from catalog.models import Product, ProductVariant, VariantStatus

from .test_import_export import upload
from .test_products_api import events

pytestmark = pytest.mark.django_db

HEADER = "sku,name,price,option1Name,option1Value,option2Name,option2Value,variantSku,variantPrice,variantStatus\n"
TEE = (
    "TEE,Pocket tee,25,Size,S,Colour,Black,TEE,25,\n"
    "TEE,,,,M,,Black,TEE-M-BLK,26,\n"
    "TEE,Pocket tee,,Size,L,Colour,White,TEE-L-WHT,27.50,archived\n"
)


def variants(product):
    return list(product.variants.order_by("position", "id").values_list("sku", "title", "price", "status", "position"))


def test_a_product_with_variants_is_created_from_its_rows(api, account):
    response = upload(api, HEADER + TEE)
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 3, "updated": 0, "unchanged": 0, "failed": 0, "errors": [], "dryRun": False}
    tee = Product.objects.get(account=account, sku="TEE")
    assert tee.options == [
        {"name": "Size", "values": ["S", "M", "L"]},
        {"name": "Colour", "values": ["Black", "White"]},
    ]
    assert variants(tee) == [
        ("TEE", "S / Black", Decimal("25.00"), "active", 0),
        ("TEE-M-BLK", "M / Black", Decimal("26.00"), "active", 1),
        ("TEE-L-WHT", "L / White", Decimal("27.50"), "archived", 2),
    ]
    first = tee.variants.get(sku="TEE")
    assert first.pk == f"var_{tee.pk.partition('_')[2]}", "the first row's variant is the one stock refers to"
    assert not tee.variants.filter(is_default=True).exists()
    assert [event.event_type for event in events(account)] == ["product.created"]


def test_variant_rows_update_by_variant_sku_and_report_per_row(api, account):
    upload(api, HEADER + TEE)
    response = upload(
        api,
        HEADER + "TEE,Pocket tee,25,Size,S,Colour,Black,TEE,25,\n"
        "TEE,,,,M,,Black,TEE-M-BLK,30,\n"
        "TEE,,,,XL,,Black,TEE-XL-BLK,31,\n",
    )
    assert response.json() == {"created": 1, "updated": 1, "unchanged": 1, "failed": 0, "errors": [], "dryRun": False}
    tee = Product.objects.get(account=account, sku="TEE")
    assert tee.variants.get(sku="TEE-M-BLK").price == Decimal("30")
    assert tee.variants.get(sku="TEE-XL-BLK").title == "XL / Black"
    assert tee.variants.get(sku="TEE-L-WHT").status == VariantStatus.ARCHIVED, "variants not in the file stay"
    assert tee.options[0]["values"] == ["S", "M", "L", "XL"]
    updated = events(account, "product.updated")[-1].payload["data"]
    assert updated["changedFields"] == ["options", "variants"]


def test_reimporting_variant_rows_changes_nothing(api, account):
    upload(api, HEADER + TEE)
    before = len(events(account))
    assert upload(api, HEADER + TEE).json()["unchanged"] == 3
    assert len(events(account)) == before


BAD_VARIANT_ROWS = [
    ("TEE,,,,M,,,TEE-M,26,", {"option2Value"}),
    ("TEE,,,,M,,Black,,26,", {"variantSku"}),
    ("TEE,,,,M,,Black,TEE-M,-1,", {"variantPrice"}),
    ("TEE,,,,M,,Black,TEE-M,abc,", {"variantPrice"}),
    ("TEE,,,,M,,Black,TEE-M,26,gone", {"variantStatus"}),
    ("TEE,,,,S,,Black,TEE-M,26,", {"option1Value"}),
    ("TEE,Other name,,,M,,Black,TEE-M,26,", {"name"}),
    ("TEE,,,Colour,M,,Black,TEE-M,26,", {"option1Name"}),
    ("TEE,,,,M,,Black,TEE,26,", {"variantSku"}),
]


@pytest.mark.parametrize(("row", "columns"), BAD_VARIANT_ROWS)
def test_a_bad_variant_row_is_reported_by_column_and_the_others_are_written(api, account, row, columns):
    text = HEADER + "TEE,Pocket tee,25,Size,S,Colour,Black,TEE,25,\n" + row + "\nTEE,,,,L,,Black,TEE-L,27,\n"
    report = upload(api, text).json()
    assert (report["created"], report["failed"]) == (2, 1), report
    [error] = report["errors"]
    assert error["row"] == 3 and error["sku"] == "TEE"
    assert set(error["errors"]) == columns
    tee = Product.objects.get(account=account, sku="TEE")
    assert {variant.sku for variant in tee.variants.all()} == {"TEE", "TEE-L"}


def test_a_bad_first_row_fails_every_row_of_a_new_product(api, account):
    report = upload(api, HEADER + "TEE,Pocket tee,-5,Size,S,,,TEE,25,\nTEE,,,,M,,,TEE-M,26,\n").json()
    assert [(error["row"], sorted(error["errors"])) for error in report["errors"]] == [(2, ["price"]), (3, ["sku"])]
    assert not Product.objects.filter(account=account).exists()
    assert not ProductVariant.objects.filter(account=account).exists()


def test_variant_skus_are_unique_across_products_and_variants(api, account, make_product):
    make_product(sku="TAKEN")
    upload(api, HEADER + TEE)
    report = upload(
        api,
        HEADER + "CAP,Cap,10,Size,S,,,CAP-S,10,\n"
        "CAP,,,,M,,,TAKEN,10,\n"
        "CAP,,,,L,,,TEE-M-BLK,10,\n"
        "CAP,,,,XL,,,CAP-S,10,\n",
    ).json()
    assert {error["row"]: error["errors"] for error in report["errors"]} == {
        3: {"variantSku": ["'TAKEN' is the SKU of another product or of its variant."]},
        4: {"variantSku": ["'TEE-M-BLK' is the SKU of another product or of its variant."]},
        5: {"variantSku": ["Appears more than once in the file (first on row 2)."]},
    }
    assert report["created"] == 1
    report = upload(api, "sku,name,price\nTEE-M-BLK,Clash,1\n").json()
    assert report["errors"][0]["errors"] == {"sku": ["'TEE-M-BLK' is the SKU of a variant of another product."]}


def test_the_per_product_variant_cap_is_a_row_error(api, account, settings):
    settings.PRODUCT_VARIANT_LIMIT = 2
    report = upload(
        api, HEADER + "TEE,Pocket tee,25,Size,S,,,TEE,25,\nTEE,,,,M,,,TEE-M,25,\nTEE,,,,L,,,TEE-L,25,\n"
    ).json()
    assert report["created"] == 2
    assert report["errors"] == [
        {"row": 4, "sku": "TEE", "errors": {"variants": ["A product has at most 2 variants that are not archived."]}}
    ]


def test_option_names_must_match_the_products(api, account):
    upload(api, HEADER + TEE)
    report = upload(api, HEADER + "TEE,,,Colour,Black,Size,S,TEE,25,\n").json()
    assert report["errors"][0]["errors"] == {
        "option1Name": ["The product's options are Size, Colour; rename or remove options through the API."]
    }


def test_a_product_without_options_gains_them_from_the_file(api, account, make_product):
    product = make_product(sku="MUG", price=Decimal("9.00"))
    report = upload(api, "sku,option1Name,option1Value,variantSku,variantPrice\nMUG,Size,S,MUG,9\nMUG,,L,MUG-L,11\n")
    assert report.json()["failed"] == 0, report.json()
    product.refresh_from_db()
    assert product.options == [{"name": "Size", "values": ["S", "L"]}]
    assert variants(product) == [
        ("MUG", "S", Decimal("9.00"), "active", 0),
        ("MUG-L", "L", Decimal("11.00"), "active", 1),
    ]
    assert not product.variants.filter(is_default=True).exists()


def test_export_streams_variant_rows_and_round_trips_byte_for_byte(api, other_api, account, other_account):
    for client in (api, other_api):
        client.post("/api/categories", {"name": "Tops", "slug": "tops"}, format="json")
    category = api.get("/api/categories").json()[0]["id"]
    api.post("/api/products", {"sku": "PLAIN", "name": "Plain", "price": 5, "categoryId": category}, format="json")
    tee = api.post(
        "/api/products",
        {
            "sku": "TEE",
            "name": "Tee, pocket",
            "price": 25,
            "status": "active",
            "tags": ["-sale"],
            "options": [{"name": "Size", "values": ["S", "M"]}, {"name": "Colour", "values": ["Black", "White"]}],
        },
        format="json",
    ).json()
    for sku, values, price in [("TEE-M-W", ["M", "White"], 27), ("TEE-S-W", ["S", "White"], 26)]:
        body = {"sku": sku, "optionValues": values, "price": price, "compareAtPrice": 30, "barcode": "=1"}
        assert api.post(f"/api/products/{tee['id']}/variants", body, format="json").status_code == 201
    response = api.get("/api/products/export?ordering=sku")
    assert response.streaming
    text = b"".join(response.streaming_content)
    rows = list(csv.DictReader(io.StringIO(text.decode())))
    assert [(row["sku"], row["variantSku"], row["option1Name"], row["option1Value"]) for row in rows] == [
        ("PLAIN", "", "", ""),
        ("TEE", "TEE", "Size", "S"),
        ("TEE", "TEE-M-W", "", "M"),
        ("TEE", "TEE-S-W", "", "S"),
    ]
    assert rows[2]["name"] == "" and rows[2]["variantBarcode"] == "'=1"

    report = upload(other_api, text).json()
    assert (report["created"], report["failed"]) == (4, 0), report
    again = b"".join(other_api.get("/api/products/export?ordering=sku").streaming_content)
    assert again == text
    mine, theirs = ({row["sku"]: row for row in client.get("/api/products").json()} for client in (api, other_api))
    shown = ("options", "price", "tags", "status")
    assert {key: mine["TEE"][key] for key in shown} == {key: theirs["TEE"][key] for key in shown}
    ignored = {"id", "productId", "createdAt", "updatedAt"}
    assert [{k: v for k, v in variant.items() if k not in ignored} for variant in mine["TEE"]["variants"]] == [
        {k: v for k, v in variant.items() if k not in ignored} for variant in theirs["TEE"]["variants"]
    ]
    assert upload(api, text).json()["unchanged"] == 4


def test_export_statements_do_not_grow_with_products_or_variants(api, account, django_assert_max_num_queries, settings):
    settings.DEFAULT_PRODUCT_LIMIT = 1000
    lines = "".join(f"P-{i},Product {i},10,Size,S,,,P-{i},10,\nP-{i},,,,M,,,P-{i}-M,11,\n" for i in range(150))
    lines += "".join(f"Q-{i},Plain {i},10,,,,,,,\n" for i in range(150))
    assert upload(api, HEADER + lines).json()["failed"] == 0
    api.get("/api/products")
    with django_assert_max_num_queries(6):
        response = api.get("/api/products/export")
        assert response.streaming
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1 + 300 + 150


def test_batches_keep_the_rows_of_a_product_together(account):
    lines = "".join(f"B-{i},Product {i},10,Size,S,,,B-{i},10,\nB-{i},,,,M,,,B-{i}-M,11,\n" for i in range(15))
    report = services.product_import(account=account, file=io.BytesIO((HEADER + lines).encode()), batch_size=3)
    assert (report.created, report.failed) == (30, 0)
    assert ProductVariant.objects.filter(account=account).count() == 30
