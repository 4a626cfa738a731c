"""Reads of the marketplace app that are more than a filter."""

from django.db.models import QuerySet

from .models import SyncJob


def sync_jobs(queryset: QuerySet[SyncJob]) -> QuerySet[SyncJob]:
    """Jobs with their connection's platform (one statement per page)."""
    return queryset.select_related("connection")
