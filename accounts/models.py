"""Tenancy and identity: users log in by email and belong to merchant accounts with a role."""

import zoneinfo
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from rest_framework_api_key.models import AbstractAPIKey

from omnisales.api.fields import JSONField
from omnisales.api.ids import PrefixedIdField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("Users need an email address")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    id = PrefixedIdField(kind="user")
    username = None
    email = models.EmailField(unique=True)
    name = models.CharField(max_length=150, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    def __str__(self):
        return self.email


class Account(models.Model):
    """A merchant store. Every merchant row in every app belongs to exactly one account."""

    id = PrefixedIdField(kind="account")
    name = models.CharField(max_length=200)
    currency = models.CharField(max_length=3, default="USD", help_text="ISO 4217 code")
    timezone = models.CharField(max_length=64, default="UTC")
    tax_rate = models.DecimalField(
        max_digits=6,
        decimal_places=3,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="Percent applied to the order subtotal.",
    )
    prices_include_tax = models.BooleanField(default=False)
    tax_shipping = models.BooleanField(default=False)
    product_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Written by billing from the plan; empty means the default."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """The account's time zone (UTC when unset or unknown): its days start at midnight there."""
        try:
            return zoneinfo.ZoneInfo(self.timezone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo("UTC")


class Role(models.TextChoices):
    OWNER = "owner"
    ADMIN = "admin"
    STAFF = "staff"
    VIEWER = "viewer"


class Membership(models.Model):
    id = PrefixedIdField(kind="membership")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "account"], name="membership_unique_user_account")]
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.user} @ {self.account} ({self.role})"


class ApiKey(AbstractAPIKey):
    """An account's API key: stored hashed (only the 8-character prefix is kept in clear)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="api_keys")
    scopes = JSONField(default=list)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "API key"
        verbose_name_plural = "API keys"

    @property
    def public_id(self) -> str:
        return f"key_{self.prefix}"

    @property
    def is_usable(self) -> bool:
        return not self.revoked and not self.has_expired

    def touch(self) -> None:
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() > 60:
            ApiKey.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now


class OAuthClient(models.Model):
    """Ties a django-oauth-toolkit Application to the account that registered it."""

    id = PrefixedIdField(kind="oauth_application")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="oauth_clients")
    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="omnisales_client"
    )
    allowed_scopes = JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "OAuth application"

    def __str__(self):
        return f"{self.application.name} ({self.account})"

    @property
    def redirect_uris(self) -> list[str]:
        """The application's redirect URIs (the toolkit keeps them space-separated)."""
        return self.application.redirect_uris.split()


class TenantModel(models.Model):
    """Base for every merchant row in every app: owned by an account, timestamped."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
