from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tasks import idempotency_records_purge_task
from omnisales.api.models import IdempotencyRecord

pytestmark = pytest.mark.django_db


def test_idempotency_records_older_than_a_day_are_purged():
    def record(key, age):
        row = IdempotencyRecord.objects.create(scope="api_key:k", key=key, fingerprint="f", status_code=201)
        IdempotencyRecord.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)

    record("old", timedelta(hours=25))
    record("older", timedelta(days=3))
    record("fresh", timedelta(hours=23))

    assert idempotency_records_purge_task() == 2

    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
    assert idempotency_records_purge_task() == 0
