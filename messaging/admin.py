from django.contrib import admin, messages
from django.utils.html import format_html

from omnisales.api.admin import ReadOnlyModelAdmin
from omnisales.api.errors import ApplicationError

from . import selectors, services
from .models import Campaign, CampaignRecipient, ConsentChange, EmailTemplate, Message, MessagingSettings


@admin.register(MessagingSettings)
class MessagingSettingsAdmin(admin.ModelAdmin):
    list_display = ["account", "sender_name", "reply_to", "updated_at"]
    list_filter = ["account"]
    search_fields = ["account__name", "sender_name", "reply_to"]
    list_select_related = ["account"]

    def has_delete_permission(self, request, obj=None):
        return False  # the account's sender: change it, never leave the account without one


@admin.register(EmailTemplate)
class EmailTemplateAdmin(ReadOnlyModelAdmin):
    """Read-only here (the API checks templates in the sandbox when saved); the page shows a preview."""

    list_display = ["name", "kind", "is_active", "account", "updated_at"]
    list_filter = ["account", "kind", "is_active"]
    search_fields = ["id", "name", "subject"]
    list_select_related = ["account"]
    readonly_fields = ["preview"]

    @admin.display(description="Preview (sample data)")
    def preview(self, obj):
        rendered = services.template_preview(template=obj)
        return format_html(
            '<p><strong>{}</strong></p><iframe sandbox="" srcdoc="{}" style="width: 100%; height: 20rem; '
            'border: 1px solid #ccc"></iframe>',
            rendered["subject"],
            rendered["html"] or rendered["text"],
        )


@admin.register(Message)
class MessageAdmin(ReadOnlyModelAdmin):
    list_display = ["to", "channel", "subject", "status", "source", "sent_at", "account", "created_at"]
    list_filter = ["account", "channel", "status", "source", "created_at"]
    search_fields = ["id", "to", "subject", "provider_message_id"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"


@admin.register(Campaign)
class CampaignAdmin(ReadOnlyModelAdmin):
    """Campaigns with their live counts; the actions send drafts and cancel, as the API does."""

    list_display = ["name", "channel", "status", "scheduled_at", "started_at", "completed_at", "account"]
    list_filter = ["account", "channel", "status", "created_at"]
    search_fields = ["id", "name", "subject"]
    list_select_related = ["account"]
    readonly_fields = ["live_counts"]
    actions = ["send_now", "cancel"]

    def has_change_permission(self, request, obj=None):
        return obj is None and request.user.has_perm("messaging.change_campaign")  # the actions, not the form

    @admin.display(description="Recipients")
    def live_counts(self, obj):
        stats = selectors.campaign_stats(obj.pk)
        return format_html(
            "{} recipients: {} sent, {} pending, {} failed, {} skipped ({} no consent, {} no address), {} cancelled",
            stats["recipients_count"],
            stats["sent_count"],
            stats["pending_count"],
            stats["failed_count"],
            stats["skipped_count"],
            stats["skipped_no_consent_count"],
            stats["skipped_no_address_count"],
            stats["cancelled_count"],
        )

    def _each(self, request, queryset, service, verb: str):
        done = 0
        for campaign in queryset:
            try:
                service(campaign=campaign)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"{campaign.name}: {exc.message}", messages.WARNING)
        self.message_user(request, f"{done} campaign(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Send selected draft campaigns now", permissions=["change"])
    def send_now(self, request, queryset):
        self._each(request, queryset, services.campaign_send, "sent")

    @admin.action(description="Cancel selected campaigns", permissions=["change"])
    def cancel(self, request, queryset):
        self._each(request, queryset, services.campaign_cancel, "cancelled")


@admin.register(CampaignRecipient)
class CampaignRecipientAdmin(ReadOnlyModelAdmin):
    list_display = ["campaign", "customer", "address", "status", "skip_reason", "sent_at"]
    list_filter = ["campaign__account", "status", "skip_reason"]
    search_fields = ["=campaign__id", "=customer__id", "address"]
    list_select_related = ["campaign", "customer"]
    show_full_result_count = False  # campaigns reach tens of thousands of rows


@admin.register(ConsentChange)
class ConsentChangeAdmin(ReadOnlyModelAdmin):
    list_display = ["customer", "channel", "subscribed", "source", "campaign", "account", "created_at"]
    list_filter = ["account", "channel", "source", "created_at"]
    search_fields = ["id", "=customer__id", "customer__email"]
    list_select_related = ["customer", "campaign", "account"]
