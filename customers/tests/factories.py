import factory

from accounts.tests.factories import AccountFactory
from customers.models import Customer, CustomerSegment


class CustomerFactory(factory.django.DjangoModelFactory):
    """A customer row as stored (bypasses services: no event). Stats default to zero."""

    class Meta:
        model = Customer

    account = factory.SubFactory(AccountFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    phone = None
    tags = factory.LazyFunction(list)


class CustomerSegmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerSegment

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Segment {n}")
    rules = factory.LazyFunction(lambda: {"tags": {"any": ["vip"]}})
