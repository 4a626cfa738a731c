"""Mounted at /messaging/ (omnisales/urls.py): recipients' and providers' endpoints, not the merchant API."""

from django.urls import path

from . import public_views

urlpatterns = [
    path("unsubscribe/<str:token>", public_views.unsubscribe, name="messaging-unsubscribe"),
    path("sms/status", public_views.sms_status, name="messaging-sms-status"),
]
