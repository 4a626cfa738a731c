import factory

from accounts.models import Account, Membership, Role, User


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
