"""The merchant API (mounted under /api). Recipients' and providers' endpoints are in public_urls."""

from django.urls import path

from . import views

templates = views.TemplateViewSet
campaigns = views.CampaignViewSet

urlpatterns = [
    path("email/send", views.EmailSendView.as_view(), name="email-send"),
    path("email/settings", views.MessagingSettingsView.as_view(), name="email-settings"),
    path("email/messages", views.EmailMessageViewSet.as_view({"get": "list"}), name="email-message-list"),
    path(
        "email/messages/<str:messageId>",
        views.EmailMessageViewSet.as_view({"get": "retrieve"}),
        name="email-message-detail",
    ),
    path("email/templates", templates.as_view({"get": "list", "post": "create"}), name="email-template-list"),
    path(
        "email/templates/<str:templateId>",
        templates.as_view({"get": "retrieve", "put": "update", "patch": "partial_update", "delete": "destroy"}),
        name="email-template-detail",
    ),
    path(
        "email/templates/<str:templateId>/preview",
        templates.as_view({"post": "preview"}),
        name="email-template-preview",
    ),
    path("email/campaigns", campaigns.as_view({"get": "list", "post": "create"}), name="email-campaign-list"),
    path(
        "email/campaigns/<str:campaignId>",
        campaigns.as_view({"get": "retrieve", "patch": "partial_update", "delete": "destroy"}),
        name="email-campaign-detail",
    ),
    path("email/campaigns/<str:campaignId>/send", campaigns.as_view({"post": "send"}), name="email-campaign-send"),
    path(
        "email/campaigns/<str:campaignId>/cancel", campaigns.as_view({"post": "cancel"}), name="email-campaign-cancel"
    ),
    path("sms/send", views.SmsSendView.as_view(), name="sms-send"),
    path("sms/messages", views.SmsMessageViewSet.as_view({"get": "list"}), name="sms-message-list"),
    path(
        "sms/messages/<str:messageId>", views.SmsMessageViewSet.as_view({"get": "retrieve"}), name="sms-message-detail"
    ),
]
