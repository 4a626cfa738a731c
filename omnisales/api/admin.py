from django.contrib import admin

from .models import IdempotencyRecord


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For rows only services write (ledgers, payments, events): staff can look, never edit."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "scope", "status_code", "created_at"]
    list_filter = ["status_code", "created_at"]
    search_fields = ["key", "scope"]
    readonly_fields = ["scope", "key", "fingerprint", "status_code", "body", "secrets_omitted", "created_at"]

    def has_add_permission(self, request):
        return False
