from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        from . import credential_cache as cached
        from .jwt_storage import store_digest_not_token
        from .models import Account, ApiKey, Membership, User

        # A storage rule for a library's table, not domain flow: no refresh token is kept in clear.
        pre_save.connect(store_digest_not_token, sender=OutstandingToken, dispatch_uid="outstanding-token-digest")

        # Cache coherence, not domain flow: every ORM write to a row that authentication caches (the
        # admin, shells and cascades included, not only the services) forgets the cached credentials.
        for signal, sender, receiver in (
            (post_save, ApiKey, cached.api_key_saved),
            (post_delete, ApiKey, cached.api_key_deleted),
            (pre_save, Membership, cached.membership_saving),
            (post_save, Membership, cached.membership_saved),
            (post_delete, Membership, cached.membership_deleted),
            (post_save, Account, cached.account_saved),
            (post_delete, Account, cached.account_deleted),
            (post_save, User, cached.user_saved),
            (post_delete, User, cached.user_deleted),
        ):
            signal.connect(receiver, sender=sender, dispatch_uid=f"credential-cache-{receiver.__name__}")
