from django.apps import AppConfig
from django.db.models.signals import pre_save


class AccountsConfig(AppConfig):
    name = "accounts"

    def ready(self):
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        from .jwt_storage import store_digest_not_token

        # A storage rule for a library's table, not domain flow: no refresh token is kept in clear.
        pre_save.connect(store_digest_not_token, sender=OutstandingToken, dispatch_uid="outstanding-token-digest")
