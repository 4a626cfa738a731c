from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_api_key.models import APIKey

from . import credential_cache, services
from .models import Account, ApiKey, Membership, OAuthClient, User

# djangorestframework-api-key registers its own concrete APIKey model, which nothing uses (our keys are
# accounts.ApiKey, built on its abstract base): it showed up as a second "API keys" in the index.
admin.site.unregister(APIKey)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "name", "password1", "password2")}),)


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "currency", "tax_rate", "product_limit", "is_active", "created_at"]
    list_filter = ["is_active", "currency", "created_at"]
    search_fields = ["name", "id", "memberships__user__email"]
    readonly_fields = ["id", "created_at", "updated_at"]
    inlines = [MembershipInline]
    actions = ["deactivate", "activate"]

    def has_delete_permission(self, request, obj=None):
        return False  # deleting an account would delete a merchant's whole history: deactivate it instead

    @admin.action(description="Deactivate selected accounts (their credentials stop working)")
    def deactivate(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))  # before the update: a list filter may hide them after
        updated = queryset.update(is_active=False)
        credential_cache.forget_accounts(ids)  # update() sends no signal
        self.message_user(request, f"{updated} account(s) deactivated.", messages.SUCCESS)

    @admin.action(description="Reactivate selected accounts")
    def activate(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        updated = queryset.update(is_active=True)
        credential_cache.forget_accounts(ids)
        self.message_user(request, f"{updated} account(s) reactivated.", messages.SUCCESS)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "account", "role", "created_at"]
    list_filter = ["role", "account"]
    list_select_related = ["user", "account"]
    search_fields = ["user__email", "account__name"]
    autocomplete_fields = ["user", "account"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Never shows secrets: only the prefix is stored in clear. A key never moves to another account and its
    scopes stay what its creator could grant; a revoked key stays revoked."""

    list_display = ["name", "prefix", "account", "revoked", "expiry_date", "last_used_at", "created"]
    list_filter = ["revoked", "created", "account"]
    list_select_related = ["account"]
    search_fields = ["name", "prefix", "account__name"]
    readonly_fields = ["account", "prefix", "scopes", "created", "last_used_at", "created_by"]
    fields = ["name", "account", "prefix", "scopes", "revoked", "expiry_date", "last_used_at", "created_by", "created"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "revoked"] if obj is not None and obj.revoked else self.readonly_fields

    def has_add_permission(self, request):
        return False  # keys are created through the API or `manage.py create_api_key`, which show the secret

    @admin.action(description="Revoke selected keys")
    def revoke(self, request, queryset):
        prefixes = list(queryset.values_list("prefix", flat=True))  # before the update: a list filter may hide them
        updated = queryset.update(revoked=True)
        credential_cache.forget_api_keys(prefixes)  # update() sends no signal
        self.message_user(request, f"{updated} key(s) revoked.", messages.SUCCESS)


@admin.register(OAuthClient)
class OAuthClientAdmin(admin.ModelAdmin):
    """Registered through the API, which checks redirect URIs and scopes and shows the secret once. Staff can
    look, and delete one through the service (its toolkit application and tokens go with it)."""

    list_display = ["application", "id", "account", "created_at"]
    search_fields = ["application__name", "application__client_id", "account__name"]
    list_filter = ["created_at", "account"]
    list_select_related = ["application", "account"]
    fields = readonly_fields = ["id", "application", "account", "allowed_scopes", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        services.oauth_application_delete(client=obj)  # the toolkit's application too, with its tokens

    def delete_queryset(self, request, queryset):
        for client in queryset.select_related("application"):
            services.oauth_application_delete(client=client)
