"""Test data that means the same in every app. Rows are stored directly by factory_boy; stock and
orders go through the services, as they do in production."""

from decimal import Decimal

import factory

from accounts.models import Account, Membership, Role, User
from billing.models import Plan, Subscription, SubscriptionStatus
from catalog.models import Category, Product, ProductStatus, ProductVariant
from catalog.services import first_variant
from customers.models import Customer
from inventory import services as inventory_services
from inventory.models import AdjustmentReason, Warehouse
from orders import services as order_services


def for_account(factory_class, account):
    """build(**fields) -> factory_class(**fields), for `account` unless fields name another one."""

    def build(**fields):
        fields.setdefault("account", account)
        return factory_class(**fields)

    return build


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Store {n}")
    currency = "USD"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Role.OWNER


def oauth_client(account, *, name: str = "Partner app"):
    """(OAuthClient, its plain client secret): an account's OAuth application made through the service."""
    from accounts.services import oauth_application_create
    from omnisales.api import scopes

    return oauth_application_create(
        account=account,
        name=name,
        redirect_uris=["https://example.com/callback"],
        scopes=["read:orders"],
        grantor_scopes=scopes.expand(["admin"]),
    )


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Product {n}")
    price = Decimal("19.99")
    currency = "USD"
    status = ProductStatus.ACTIVE

    @factory.post_generation
    def variants(product, create, extracted, **kwargs):
        """Every product has its first variant (the implicit one without options), as the services make it."""
        if create:
            ProductVariant.objects.bulk_create([first_variant(product)])


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer row as stored (bypasses services: no event). Stats default to zero."""

    class Meta:
        model = Customer

    account = factory.SubFactory(AccountFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = None
    tags = factory.LazyFunction(list)


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Warehouse {n}")
    code = factory.Sequence(lambda n: f"WH{n:03d}")
    priority = factory.Sequence(lambda n: n)


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    account = factory.SubFactory(AccountFactory)
    plan = factory.LazyFunction(lambda: Plan.objects.get(pk="plan_starter"))
    status = SubscriptionStatus.ACTIVE
    stripe_subscription_id = factory.Sequence(lambda n: f"sub_factory{n:06d}")
    stripe_customer_id = factory.Sequence(lambda n: f"cus_factory{n:06d}")


def receive(product, warehouse, quantity: int, **kwargs):
    """Stock arrives through the service: a receipt of `quantity` units. Returns the movement."""
    return inventory_services.stock_adjust(
        account=product.account,
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        reason=AdjustmentReason.RECEIVED,
        **kwargs,
    )


IN_STOCK = 1000  # units of every product_in_stock, unless a test says otherwise


def receive_stock(product, quantity: int = IN_STOCK):
    """Receives `quantity` units of `product` into its account's MAIN warehouse (made on first use)."""
    warehouse = Warehouse.objects.filter(account=product.account, code="MAIN", archived_at__isnull=True).first()
    if warehouse is None:
        warehouse = inventory_services.warehouse_create(account=product.account, name="Main", code="MAIN")
    receive(product, warehouse, quantity)
    return product


def product_in_stock(account, *, stock: int = IN_STOCK, **fields):
    """A product of `account` (active, 19.99 by default) with `stock` units on hand."""
    product = ProductFactory(account=account, **fields)
    if stock and product.track_inventory:
        receive_stock(product, stock)
    return product


def place_order(account, *, customer=None, products=None, quantities=None, prices=None, **options):
    """An order of `account` through the service: by default one new customer and one product (19.99)."""
    customer = customer or CustomerFactory(account=account)
    products = products or [product_in_stock(account)]
    quantities = quantities or [1] * len(products)
    prices = prices or [None] * len(products)
    items = [
        {"product_id": product.pk, "quantity": quantity, "price": None if price is None else Decimal(price)}
        for product, quantity, price in zip(products, quantities, prices, strict=True)
    ]
    return order_services.order_create(account=account, customer=customer, items=items, **options)


_variant_products = iter(range(1, 1_000_000))


def product_with_variants(account, *, sizes=("S", "M", "L"), price: str = "20.00", **fields):
    """(product, [variant per size]): an active product with a Size option and one variant per size, made
    through the catalog services; variant i costs `price` + i."""
    from catalog import services as catalog_services

    number = next(_variant_products)
    product = catalog_services.product_create(
        account=account,
        sku=f"VAR-{number:05d}",
        name=f"Variant product {number}",
        price=Decimal(price),
        status=ProductStatus.ACTIVE,
        options=[{"name": "Size", "values": list(sizes)}],
        **fields,
    )
    variants = [ProductVariant.objects.get(product=product)]
    for index, size in enumerate(sizes[1:], start=1):
        variants.append(
            catalog_services.variant_create(
                product=product, sku=f"VAR-{number:05d}-{size}", option_values=[size], price=Decimal(price) + index
            )
        )
    return product, variants
