"""CompiledRead: a values() read compiled once per shape, run with new values, rows as the ORM gives them;
CompiledUpdate and Param: an UPDATE the same way, with typed values prepared as the ORM prepares them;
`instance`: the model instance the ORM would have loaded."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, F, When
from django.test.utils import CaptureQueriesContext, override_settings

from accounts.models import Account
from catalog.models import Product
from omnisales.api.compiled import MAX_SHAPES, CompiledRead, CompiledUpdate, Param, instance, model_columns
from omnisales.testing.factories import ProductFactory

pytestmark = pytest.mark.django_db

COLUMNS = ("id", "name", "price", "created_at", "attributes", "tags")


def by_ids(ids):
    return Product.objects.filter(pk__in=ids).order_by("name").values(*COLUMNS)


@pytest.fixture
def accounts():
    """Three products (the reads below are of products), each of its own account."""
    made = [
        ProductFactory(name=f"Thing {n}", price=Decimal(f"{n}.15"), attributes={"n": n, "size": "M"}, tags=[f"t{n}"])
        for n in range(3)
    ]
    Product.objects.filter(pk=made[0].pk).update(created_at=datetime.datetime(2024, 2, 29, tzinfo=datetime.UTC))
    return made


def test_rows_are_what_the_orm_gives_for_the_same_values(accounts):
    read = CompiledRead(by_ids)
    for ids in ([a.pk for a in accounts], [accounts[2].pk], [accounts[1].pk, "prd_missing"]):
        rows = read.rows(ids=ids)
        assert rows == list(by_ids(ids))
    row = read.rows(ids=[accounts[0].pk])[0]
    assert row["attributes"] == {"n": 0, "size": "M"} and row["tags"] == ["t0"] and row["price"] == Decimal("0.15")
    assert row["created_at"] == datetime.datetime(2024, 2, 29, tzinfo=datetime.UTC)


def test_each_shape_is_built_once_and_run_as_one_counted_statement(accounts):
    builds = []

    def build(account, name):
        builds.append((account, name))
        return Account.objects.filter(pk=account, name=name).values("id")

    read = CompiledRead(build)
    for product in accounts * 3:
        account = product.account
        with CaptureQueriesContext(connection) as queries:
            assert read.rows(account=account.pk, name=account.name) == [{"id": account.pk}]
        assert len(queries) == 1 and account.pk in queries[0]["sql"]
    assert read.rows(account=accounts[0].account.pk, name="another") == []
    assert len(builds) == 1 and all(value.startswith("\x1fcompiled:") for value in builds[0])


def test_a_list_compiles_one_statement_per_length_and_keeps_at_most_max_shapes(accounts):
    builds = []

    def build(ids):
        builds.append(len(ids))
        return by_ids(ids)

    read = CompiledRead(build)
    read.rows(ids=[accounts[0].pk])
    read.rows(ids=[accounts[1].pk])
    read.rows(ids=[a.pk for a in accounts[:2]])
    assert builds == [1, 2]
    with CaptureQueriesContext(connection) as queries:
        assert read.rows(ids=[]) == []  # `IN ()` matches nothing: no statement at all
    assert len(queries) == 0
    for length in range(3, MAX_SHAPES + 5):
        read._statements[("rows", "default", ("ids", length))] = None
    assert len(read._statements) > MAX_SHAPES
    read.rows(ids=[accounts[0].pk, accounts[1].pk, accounts[2].pk, "x"] + ["y"] * (MAX_SHAPES + 10))
    assert len(read._statements) <= MAX_SHAPES


def test_reads_the_ORM_cannot_compile_exactly_are_refused():
    with pytest.raises(ValueError, match="do not reach the SQL"):
        CompiledRead(lambda account: Account.objects.values("id")).rows(account="acc_1")
    with pytest.raises(ValueError, match="do not reach the SQL"):  # the value is changed on its way
        CompiledRead(lambda name: Account.objects.filter(name__icontains=name).values("id")).rows(name="x")
    with pytest.raises(ValueError, match="appears twice"):
        CompiledRead(
            lambda account: Account.objects.filter(pk=account)
            .order_by()
            .values("id")
            .union(Account.objects.filter(pk=account).order_by().values("id"))
        ).rows(account="acc_1")
    with pytest.raises(TypeError, match="values"):
        CompiledRead(lambda account: Account.objects.filter(pk=account)).rows(account="acc_1")
    with pytest.raises(TypeError, match="text"):
        CompiledRead(by_ids).rows(ids=7)


def test_a_settings_change_compiles_again(accounts):
    builds = []

    def build(ids):
        builds.append(ids)
        return by_ids(ids)

    read = CompiledRead(build)
    read.rows(ids=[accounts[0].pk])
    with override_settings(USE_THOUSAND_SEPARATOR=True):
        read.rows(ids=[accounts[0].pk])
    assert len(builds) >= 2


def _price_change(ids, amount, at):
    price, updated_at = Product._meta.get_field("price"), Product._meta.get_field("updated_at")
    at = Param(at, updated_at)
    changes = {
        "price": F("price") + Param(amount, price),
        "updated_at": Case(When(updated_at__gte=at, then=F("updated_at")), default=at),
    }
    return Product.objects.filter(pk__in=ids), changes


def test_an_update_is_compiled_once_and_changes_what_the_orm_would(accounts):
    builds = []
    update = CompiledUpdate(lambda **params: builds.append(params) or _price_change(**params))
    later = datetime.datetime(2099, 1, 1, 12, 30, tzinfo=datetime.UTC)
    target = [accounts[0].pk, accounts[1].pk]
    with CaptureQueriesContext(connection) as queries:
        assert update.run(ids=target, amount=Decimal("1.10"), at=later) == 2
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE")
    assert update.run(ids=[accounts[2].pk, "prd_missing"], amount=Decimal("-0.05"), at=later) == 1
    assert len(builds) == 1, "one shape (two ids): built once"
    rows = {p.pk: p for p in Product.objects.filter(pk__in=[a.pk for a in accounts])}
    assert [rows[a.pk].price for a in accounts] == [Decimal("1.25"), Decimal("2.25"), Decimal("2.10")]
    assert all(rows[a.pk].updated_at == later for a in accounts), "the Param is used twice in the CASE"
    earlier = later - datetime.timedelta(days=1)
    update.run(ids=target, amount=Decimal("0"), at=earlier)
    assert Product.objects.get(pk=accounts[0].pk).updated_at == later


def test_a_value_that_is_not_text_must_go_through_a_param(accounts):
    untyped = CompiledUpdate(lambda pk, price: (Product.objects.filter(pk=pk), {"name": price}))
    with pytest.raises(TypeError, match="Param"):
        untyped.run(pk=accounts[0].pk, price=Decimal("1.00"))
    named = CompiledUpdate(lambda pk, name: (Product.objects.filter(pk=pk), {"name": name}))
    assert named.run(pk=accounts[0].pk, name="Renamed") == 1
    with pytest.raises(TypeError, match="text"):
        named.run(pk=accounts[0].pk, name=5)
    assert Product.objects.get(pk=accounts[0].pk).name == "Renamed"


def test_instances_from_rows_are_what_the_orm_loads(accounts):
    read = CompiledRead(
        lambda id: Product.objects.filter(pk=id).values(*model_columns(Product), *model_columns(Account, "account__"))
    )
    (row,) = read.rows(id=accounts[0].pk)
    product, account = instance(Product, row), instance(Account, row, prefix="account__")
    loaded = Product.objects.select_related("account").get(pk=accounts[0].pk)
    for field in Product._meta.concrete_fields:
        assert getattr(product, field.attname) == getattr(loaded, field.attname), field.name
    assert account == loaded.account and account.name == loaded.account.name
    assert not product._state.adding and product._state.db == "default"


def test_a_page_and_a_count_are_one_statement_each_whatever_the_slice(accounts):
    read = CompiledRead(lambda ids: by_ids(ids))
    ids = [product.pk for product in accounts]
    everything = list(by_ids(ids))
    for limit, offset in ((1, 0), (2, 1), (5, 2), (0, 0), (2, 7)):
        assert read.page(ids=ids, limit=limit, offset=offset) == everything[offset : offset + limit]
    assert read.count(ids=ids) == 3 and read.count(ids=ids[:1]) == 1 and read.count(ids=[]) == 0
    kinds = sorted(shape[0] for shape in read._statements)
    assert kinds == ["count", "count", "count", "page"], "one page statement for every slice"
    with pytest.raises(TypeError, match="unsliced"):
        CompiledRead(lambda ids: by_ids(ids)[:2]).page(ids=ids, limit=1, offset=0)
