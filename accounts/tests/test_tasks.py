from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tasks import idempotency_records_purge_task, login_logs_purge_task
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


def test_login_logs_older_than_the_retention_are_purged(settings):
    from axes.models import AccessFailureLog, AccessLog

    settings.LOGIN_LOG_RETENTION_DAYS = 90
    now = timezone.now()
    for model in (AccessLog, AccessFailureLog):
        for name, age in (("old", timedelta(days=91)), ("fresh", timedelta(days=89))):
            row = model.objects.create(username=name, ip_address="10.0.0.1", user_agent="test", path_info="/")
            model.objects.filter(pk=row.pk).update(attempt_time=now - age)

    assert login_logs_purge_task() == 2

    assert list(AccessLog.objects.values_list("username", flat=True)) == ["fresh"]
    assert list(AccessFailureLog.objects.values_list("username", flat=True)) == ["fresh"]
    assert login_logs_purge_task() == 0
