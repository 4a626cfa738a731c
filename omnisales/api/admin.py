"""Building blocks of the admin (Omni Sales' staff back office). Idempotency records are deliberately not
registered: they hold request fingerprints and stored response bodies, which staff have no use for."""

from django.contrib import admin


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For rows only services write (ledgers, payments, events): staff can look, never edit."""

    def get_readonly_fields(self, request, obj=None):
        return list(dict.fromkeys([*(field.name for field in self.model._meta.fields), *self.readonly_fields]))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown on their parent's page that the admin never adds, changes or deletes."""

    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
