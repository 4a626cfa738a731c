from django.contrib import admin

from .models import IdempotencyRecord


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "scope", "status_code", "created_at"]
    list_filter = ["status_code", "created_at"]
    search_fields = ["key", "scope"]
    readonly_fields = ["scope", "key", "fingerprint", "status_code", "body", "created_at"]

    def has_add_permission(self, request):
        return False
