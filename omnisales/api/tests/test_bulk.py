"""omnisales.api.bulk: COPY and the request-sized `insert` write the same rows as bulk_create, keep each
field's own preparation, upsert only the named columns, and fail as Django's errors, leaving nothing
written."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.models import PRODUCT_FIELDS, Category, Product, ProductStatus
from inventory.models import StockMovement
from omnisales.api import bulk
from omnisales.api.bulk import INSERT_MAX_ROWS, copy_insert, copy_upsert, insert
from omnisales.testing.factories import AccountFactory
from webhooks.models import WebhookEndpoint, WebhookEvent

pytestmark = pytest.mark.django_db

# What merchants write, the category aside (none here) and the SKU (each account's own), and the counters.
COMPARED = [*(name for name in PRODUCT_FIELDS if name not in ("sku", "category")), "options", "order_count"]


def products(account, prefix: str) -> list[Product]:
    """Products with every kind of value: nulls, decimals, nested JSON with quotes and backslashes, text with
    tabs, newlines and a COPY end-of-data marker."""
    return [
        Product(account=account, sku=f"{prefix}-PLAIN", name="Plain", price=Decimal("0.00"), currency="USD"),
        Product(
            account=account,
            sku=f"{prefix}-FULL",
            name='Tab\there, "quoted", back\\slash',
            description="Line one\nLine two\n\\.\nafter the marker",
            price=Decimal("1234.56"),
            compare_at_price=Decimal("1500.00"),
            cost=Decimal("0.01"),
            currency="EUR",
            status=ProductStatus.ACTIVE,
            tags=["a,b", 'say "hi"', "back\\slash"],
            images=["https://cdn.example.com/a.png"],
            barcode="4006381333931",
            weight=Decimal("0.125"),
            attributes={"care": {"wash_temp": 30, "dry": None}, "note": 'a "b" \\ c', "list": [1, 2.5, True]},
            track_inventory=False,
            allow_backorder=True,
            options=[{"name": "Size", "values": ["S", "M"]}],
            order_count=7,
        ),
    ]


def stored(account) -> list[dict]:
    return list(Product.objects.filter(account=account).order_by("sku").values(*COMPARED))


def assert_secret_encrypted(account, write) -> None:
    endpoint = WebhookEndpoint(account=account, url="https://example.com/h", events=["*"], secret="whsec_plain")
    write(WebhookEndpoint, [endpoint])
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM webhooks_webhookendpoint WHERE id = %s", [endpoint.pk])
        (raw,) = cursor.fetchone()
    assert raw and "whsec_plain" not in raw
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == "whsec_plain"


def test_copy_insert_writes_what_bulk_create_writes():
    copied, created = AccountFactory(), AccountFactory()
    rows = products(copied, "C")
    copy_insert(Product, rows)
    Product.objects.bulk_create(products(created, "B"))
    assert stored(copied) == stored(created)
    assert all(not row._state.adding for row in rows), "the instances are saved ones now"
    first = Product.objects.get(pk=rows[0].pk)
    assert first.created_at == rows[0].created_at and first.created_at.tzinfo is not None


def test_json_is_stored_as_bulk_create_stores_it_and_refused_as_it_refuses_it(monkeypatch):
    """COPY writes JSON through orjson (on PostgreSQL): the same stored values (non-ASCII, big and float
    numbers, nesting), and a value json.dumps cannot write (a Decimal, a datetime) fails as bulk_create fails,
    with nothing written."""
    copied, created = AccountFactory(), AccountFactory()
    attributes = {"name": "Kopi ☕ café", "big": 2**62, "ratio": 0.1, "nested": [{"a": [None, False, "é\t"]}]}
    written = []
    dumps = bulk.orjson.dumps
    monkeypatch.setattr(bulk.orjson, "dumps", lambda value, **kwargs: written.append(value) or dumps(value, **kwargs))
    copy_insert(Product, [Product(account=copied, sku="J", name="J", price=Decimal("1"), attributes=attributes)])
    if connection.vendor == "postgresql":  # COPY (elsewhere copy_insert is bulk_create itself)
        assert attributes in written, "the JSON went through orjson"
    Product.objects.bulk_create(
        [Product(account=created, sku="J", name="J", price=Decimal("1"), attributes=attributes)]
    )
    assert stored(copied) == stored(created)
    assert Product.objects.get(account=copied).attributes == attributes
    for refused in ({"price": Decimal("1.50")}, {"at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)}):
        product = Product(account=copied, sku="R", name="R", price=Decimal("1"), attributes=refused)
        with pytest.raises(TypeError) as from_django, transaction.atomic():
            Product.objects.bulk_create(
                [Product(account=copied, sku="R", name="R", price=Decimal("1"), attributes=refused)]
            )
        with pytest.raises(TypeError) as from_copy, transaction.atomic():
            copy_insert(Product, [product])
        assert str(from_copy.value) == str(from_django.value)
    assert not Product.objects.filter(account=copied, sku="R").exists()


def test_each_fields_own_preparation_is_kept(account):
    """An encrypted field is encrypted on the way in, exactly as when saved."""
    assert_secret_encrypted(account, copy_insert)


def test_a_unique_violation_is_djangos_integrity_error_and_nothing_is_written(account):
    copy_insert(Product, products(account, "DUP")[:1])
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_insert(Product, products(account, "NEW") + products(account, "DUP")[:1])
    assert sorted(Product.objects.filter(account=account).values_list("sku", flat=True)) == ["DUP-PLAIN"]


def test_copy_upsert_inserts_new_rows_and_updates_only_the_named_columns(account):
    plain, full = products(account, "U")
    copy_insert(Product, [plain, full])
    created_at = Product.objects.get(pk=plain.pk).created_at
    changed = Product(account=account, sku="U-PLAIN", name="Renamed", price=Decimal("9.99"), currency="GBP")
    changed.created_at = created_at + datetime.timedelta(days=1)
    new = Product(account=account, sku="U-NEW", name="New", price=Decimal("5.00"), currency="USD")
    with transaction.atomic():  # twice in one transaction: the staging table is reused
        copy_upsert(Product, [changed], conflict=["account", "sku"], update=["name", "price"])
        copy_upsert(Product, [new], conflict=["account", "sku"], update=["name", "price"])
    row = Product.objects.get(account=account, sku="U-PLAIN")
    assert (row.pk, row.name, row.price) == (plain.pk, "Renamed", Decimal("9.99"))
    assert (row.currency, row.created_at) == ("USD", created_at), "columns not named stay as they were"
    assert Product.objects.filter(account=account).count() == 3
    assert Product.objects.get(account=account, sku="U-FULL").name == full.name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_copy_upsert_works_without_a_transaction_of_the_callers():
    """In autocommit the staging table would be dropped after its own CREATE: the upsert opens a transaction."""
    account = AccountFactory()
    plain, _full = products(account, "AUTO")
    copy_insert(Product, [plain])
    changed = Product(account=account, sku="AUTO-PLAIN", name="Renamed", price=Decimal("1.00"), currency="USD")
    assert connection.get_autocommit()
    copy_upsert(Product, [changed], conflict=["account", "sku"], update=["name"])
    assert Product.objects.get(pk=plain.pk).name == "Renamed"


def test_insert_writes_what_bulk_create_writes_in_one_counted_statement():
    inserted, created = AccountFactory(), AccountFactory()
    rows = products(inserted, "C")
    with CaptureQueriesContext(connection) as queries:
        insert(Product, rows)
    assert len(queries) == 1 and queries[0]["sql"].startswith('INSERT INTO "catalog_product"')
    Product.objects.bulk_create(products(created, "B"))
    assert stored(inserted) == stored(created)
    assert all(not row._state.adding for row in rows)
    insert(Product, products(inserted, "D"))  # the same shape again: the statement is reused
    assert Product.objects.filter(account=inserted).count() == 4


def test_insert_keeps_each_fields_preparation_and_many_rows_go_to_bulk_create(account):
    assert_secret_encrypted(account, insert)
    many = [
        Product(account=account, sku=f"M-{n}", name=f"M {n}", price=Decimal("1.00"), currency="USD")
        for n in range(INSERT_MAX_ROWS + 1)
    ]
    insert(Product, many)
    assert Product.objects.filter(account=account, sku__startswith="M-").count() == INSERT_MAX_ROWS + 1


def test_an_insert_unique_violation_is_djangos_integrity_error_and_nothing_is_written(account):
    insert(Product, products(account, "DUP")[:1])
    with pytest.raises(IntegrityError), transaction.atomic():
        insert(Product, products(account, "NEW") + products(account, "DUP")[:1])
    assert sorted(Product.objects.filter(account=account).values_list("sku", flat=True)) == ["DUP-PLAIN"]


def test_copy_values_writes_tuples_as_given_and_refuses_an_incomplete_or_prepared_row(account):
    columns = ("id", "created_at", "updated_at", "account_id", "event_type", "payload")
    with pytest.raises(TypeError, match="preparation"):  # JSON needs its field: no row goes
        bulk.copy_values(WebhookEvent, columns, [("wevt_x", None, None, account.pk, "order.created", {})])
    with pytest.raises(TypeError, match=r"missing .*'note'"):
        bulk.copy_values(StockMovement, ("id", "account_id", "reason"), [])
    assert not WebhookEvent.objects.filter(account=account).exists()

    names = [field.attname for field in Category._meta.concrete_fields]
    made = Category(account=account, name="Shoes", slug="shoes")
    template = {name: getattr(made, name) for name in names}
    when = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    rows = [
        tuple(
            {
                **template,
                "id": f"cat_values{index}",
                "name": f"N{index}",
                "slug": f"n{index}",
                "created_at": when,
                "updated_at": when,
            }[name]
            for name in names
        )
        for index in range(3)
    ]
    bulk.copy_values(Category, names, iter(rows))  # a generator, as imports stream them
    stored_rows = list(Category.objects.filter(account=account).order_by("id").values_list("id", "name", "slug"))
    assert stored_rows == [(f"cat_values{index}", f"N{index}", f"n{index}") for index in range(3)]
    instances = bulk.saved_instances(Category, names, rows[:1])
    assert instances[0].pk == "cat_values0" and not instances[0]._state.adding
