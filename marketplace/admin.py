"""The staff back office for marketplaces: connections (credentials and tokens never shown, only their hints),
sync jobs with their per-order errors, and what the sync remembers (order links, buyers, listings), all
read-only and filtered by account first. Actions run the same services as the API: "Sync now" queues a
sync job per selected connection, "Push stock now" queues a stock push, "Retry" queues a failed job again."""

from django.contrib import admin, messages
from django.utils.html import format_html_join

from omnisales.api.admin import ReadOnlyModelAdmin
from omnisales.api.errors import ApplicationError

from . import services, tasks
from .models import (
    MarketplaceBuyer,
    MarketplaceConnection,
    MarketplaceListing,
    MarketplaceOrder,
    SyncJob,
    SyncStatus,
    SyncTrigger,
)

SHOWN_CONNECTION_FIELDS = [
    "id",
    "account",
    "platform",
    "name",
    "shop_id",
    "status",
    "api_key_hint",
    "api_secret_hint",
    "token_expires_at",
    "refresh_expires_at",
    "token_refreshed_at",
    "details",
    "push_stock",
    "stock_buffer",
    "auto_sync",
    "synced_until",
    "last_sync_at",
    "last_error",
    "last_error_at",
    "created_at",
    "updated_at",
]


@admin.register(MarketplaceConnection)
class MarketplaceConnectionAdmin(ReadOnlyModelAdmin):
    list_display = ["id", "platform", "name", "shop_id", "status", "auto_sync", "last_sync_at", "account"]
    list_filter = ["account", "platform", "status", "auto_sync", "push_stock"]
    search_fields = ["id", "name", "shop_id", "account__name"]
    list_select_related = ["account"]
    fields = SHOWN_CONNECTION_FIELDS  # never the encrypted credentials or tokens
    actions = ["sync_now", "push_stock_now"]

    @admin.action(description="Sync now (orders since the last sync)")
    def sync_now(self, request, queryset):
        queued, refused = [], []
        for connection in queryset.select_related("account").order_by("pk"):
            try:
                job = services.sync_job_create(
                    account=connection.account,
                    connection=connection,
                    trigger=SyncTrigger.ADMIN,
                    enqueue=tasks.enqueue_sync,
                )
            except ApplicationError as exc:
                refused.append(f"{connection.pk}: {exc.message}")
            else:
                queued.append(job.pk)
        if queued:
            self.message_user(request, f"Queued {len(queued)} sync job(s): {', '.join(queued)}", messages.SUCCESS)
        if refused:
            self.message_user(request, "Not synced — " + "; ".join(refused), messages.WARNING)

    @admin.action(description="Push stock now")
    def push_stock_now(self, request, queryset):
        ids = list(queryset.filter(push_stock=True).values_list("pk", flat=True))
        for connection_id in ids:
            tasks.stock_push_task.apply_async(args=[connection_id])
        self.message_user(request, f"Queued a stock push for {len(ids)} connection(s)", messages.SUCCESS)


@admin.register(SyncJob)
class SyncJobAdmin(ReadOnlyModelAdmin):
    list_display = [
        "id",
        "connection",
        "status",
        "trigger",
        "fetched",
        "created",
        "updated",
        "unchanged",
        "failed",
        "started_at",
        "finished_at",
        "account",
    ]
    list_filter = ["account", "status", "trigger", "connection__platform", "created_at"]
    search_fields = ["id", "connection__id", "connection__name", "error"]
    list_select_related = ["account", "connection"]
    date_hierarchy = "created_at"
    exclude = ["errors"]
    readonly_fields = ["error_list"]
    actions = ["retry"]

    @admin.display(description="Per-order errors")
    def error_list(self, job):
        if not job.errors:
            return "—"
        return format_html_join(
            "\n", "<div><code>{}</code> {}: {}</div>", ((e["external_id"], e["code"], e["message"]) for e in job.errors)
        )

    @admin.action(description="Retry (queue the job again from where it stopped)")
    def retry(self, request, queryset):
        ids = list(queryset.filter(status__in=[SyncStatus.FAILED, SyncStatus.QUEUED]).values_list("pk", flat=True))
        SyncJob.objects.filter(pk__in=ids, status=SyncStatus.FAILED).update(status=SyncStatus.QUEUED, error="")
        for job_id in ids:
            tasks.sync_job_run_task.apply_async(args=[job_id])
        self.message_user(request, f"Queued {len(ids)} job(s) again", messages.SUCCESS)


@admin.register(MarketplaceOrder)
class MarketplaceOrderAdmin(ReadOnlyModelAdmin):
    list_display = ["external_id", "connection", "order", "platform_status", "platform_updated_at", "account"]
    list_filter = ["account", "connection__platform", "platform_status"]
    search_fields = ["external_id", "order__id"]
    list_select_related = ["account", "connection", "order"]


@admin.register(MarketplaceBuyer)
class MarketplaceBuyerAdmin(ReadOnlyModelAdmin):
    list_display = ["buyer_id", "platform", "customer", "account", "created_at"]
    list_filter = ["account", "platform"]
    search_fields = ["buyer_id", "customer__name", "customer__email"]
    list_select_related = ["account", "customer"]


@admin.register(MarketplaceListing)
class MarketplaceListingAdmin(ReadOnlyModelAdmin):
    list_display = ["sku", "connection", "variant", "pushed_quantity", "pushed_at", "push_error", "account"]
    list_filter = ["account", "connection__platform"]
    search_fields = ["sku", "item_id", "model_id"]
    list_select_related = ["account", "connection", "variant"]
