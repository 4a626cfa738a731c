"""Delivery against a real HTTP receiver on 127.0.0.1 (tasks run in-process, as without a broker)."""

import json
import re
import socket
from collections import deque
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from omnisales.testing.concurrency import run_together
from omnisales.testing.factories import MembershipFactory, UserFactory
from omnisales.testing.webhook_receiver import Receiver, serve
from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.tasks import deliveries_enqueue_due_task, delivery_attempt_task

pytestmark = pytest.mark.django_db

SEED_DATA = {"order_id": "ord_123", "customer_id": "cus_456", "total": Decimal("199.99")}
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _delivery(event) -> WebhookDelivery:
    return WebhookDelivery.objects.get(event=event)


def _make_due(delivery: WebhookDelivery) -> None:
    """What the passing of time does to a scheduled retry."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_is_signed_and_verifies_with_the_documented_code(
    account, make_webhook, receiver, emit, verify_signature
):
    _, secret = make_webhook(receiver.url, events=["order.created"])
    event = emit(account, "order.created", SEED_DATA)

    [request] = receiver.wait_for(1)
    header = request.headers["Omni-Signature"]
    assert re.fullmatch(r"t=\d+,v1=[0-9a-f]{64}", header)
    assert verify_signature(request.body, header, secret)
    assert not verify_signature(request.body, header, "whsec_someone-elses-secret")
    assert not verify_signature(request.body.replace(b"199.99", b"1.99"), header, secret)
    assert not verify_signature(request.body, header.replace("t=", "t=1"), secret)  # other timestamp

    delivery = _delivery(event)
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Omni-Event-Id"] == event.id
    assert request.headers["Omni-Event-Type"] == "order.created"
    assert request.headers["Omni-Delivery-Id"] == delivery.id
    assert request.headers["User-Agent"].startswith("OmniSales-Webhooks/")
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.delivered_at is not None


def test_signature_rejects_a_stale_timestamp(verify_signature):
    from webhooks.signing import signature_header

    body = b'{"event":"order.created"}'
    old = int(timezone.now().timestamp()) - 3600
    assert not verify_signature(body, signature_header(["whsec_x"], old, body), "whsec_x")
    assert verify_signature(body, signature_header(["whsec_x"], old + 3400, body), "whsec_x")
    assert not verify_signature(body, "garbage", "whsec_x")


def test_payload_shape_matches_the_seed(account, make_webhook, receiver, emit):
    make_webhook(receiver.url, events=["order.created"])
    event = emit(account, "order.created", SEED_DATA)

    [request] = receiver.wait_for(1)
    body = request.json()
    assert list(body) == ["event", "timestamp", "data"]
    assert body["event"] == "order.created"
    assert TIMESTAMP.match(body["timestamp"])
    assert body["data"] == {"orderId": "ord_123", "customerId": "cus_456", "total": 199.99}
    assert isinstance(body["data"]["total"], float)  # a JSON number, as in the seed
    event.refresh_from_db()
    assert body == event.payload
    assert request.body == services.payload_body(event.payload)


def test_payload_datetimes_are_utc_with_z(account, make_webhook, receiver, emit):
    make_webhook(receiver.url)
    moment = timezone.now().replace(microsecond=0)
    emit(account, "order.updated", {"shipped_at": moment})
    [request] = receiver.wait_for(1)
    assert request.json()["data"]["shippedAt"] == moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_retries_after_server_errors_then_succeeds(settings, account, make_webhook, receiver, emit, verify_signature):
    settings.WEBHOOKS_RETRY_DELAYS_SECONDS = [0, 0, 0]
    endpoint, secret = make_webhook(receiver.url)
    receiver.statuses = deque([500, 503])

    event = emit(account)

    requests = receiver.wait_for(3)
    assert len(requests) == 3
    assert {r.headers["Omni-Event-Id"] for r in requests} == {event.id}
    assert all(verify_signature(r.body, r.headers["Omni-Signature"], secret) for r in requests)
    delivery = _delivery(event)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempt_count == 3
    attempts = list(delivery.attempts.all())
    assert [a.attempt_number for a in attempts] == [1, 2, 3]
    assert [a.status_code for a in attempts] == [500, 503, 200]
    assert [a.next_retry_at is not None for a in attempts] == [True, True, False]
    assert all(a.latency_ms is not None and a.finished_at for a in attempts)
    assert attempts[0].response_excerpt == '{"received": false}'
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.consecutive_failed_deliveries == 0


def test_retries_follow_the_backoff_schedule(account, make_webhook, receiver, emit):
    make_webhook(receiver.url)
    receiver.default_status = 500
    event = emit(account)
    delivery = _delivery(event)
    assert delivery.status == DeliveryStatus.PENDING
    first_retry = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=59) < first_retry <= timedelta(seconds=61)

    assert delivery_attempt_task(delivery.id) is False  # not due yet: nothing is sent
    assert len(receiver.requests) == 1

    _make_due(delivery)
    assert delivery_attempt_task(delivery.id) is True
    delivery.refresh_from_db()
    assert delivery.attempt_count == 2
    second_retry = delivery.next_attempt_at - delivery.last_attempt_at
    assert timedelta(seconds=299) < second_retry <= timedelta(seconds=301)
    assert len(receiver.requests) == 2


def test_delivery_fails_for_good_after_the_last_attempt(settings, account, make_webhook, receiver, emit):
    settings.WEBHOOKS_RETRY_DELAYS_SECONDS = [0, 0]
    endpoint, _ = make_webhook(receiver.url)
    receiver.default_status = 500

    event = emit(account)

    assert len(receiver.wait_for(3)) == 3
    delivery = _delivery(event)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.next_attempt_at is None
    assert delivery.last_status_code == 500
    assert delivery.last_error == "HTTP 500"
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failed_deliveries == 1
    assert endpoint.is_active  # one failed delivery is not enough to disable
    assert delivery_attempt_task(delivery.id) is False
    assert len(receiver.requests) == 3


@pytest.mark.parametrize("status_code", [301, 400, 404, 410, 429])
def test_any_non_2xx_answer_is_retried_and_redirects_are_not_followed(
    status_code, account, make_webhook, receiver, emit
):
    make_webhook(receiver.url)
    receiver.statuses = deque([status_code])
    event = emit(account)
    delivery = _delivery(event)
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_status_code == status_code
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_connection_refused_is_recorded_and_retried(account, make_webhook, emit):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    make_webhook(f"http://127.0.0.1:{port}/hook")  # nothing listens there any more
    event = emit(account)
    delivery = _delivery(event)
    attempt = delivery.attempts.get()
    assert attempt.status_code is None
    assert "ConnectionError" in attempt.error
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.last_error == attempt.error


def test_a_slow_receiver_times_out(settings, account, make_webhook, receiver, emit):
    settings.WEBHOOKS_READ_TIMEOUT_SECONDS = 0.2
    receiver.delay = 1.0
    make_webhook(receiver.url)
    event = emit(account)
    attempt = _delivery(event).attempts.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("Timed out")
    assert 200 <= attempt.latency_ms < 1000


def test_endpoint_is_disabled_after_consecutive_failed_deliveries(
    settings, account, make_webhook, receiver, emit, verify_signature
):
    settings.WEBHOOKS_RETRY_DELAYS_SECONDS = [0]
    settings.WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES = 2
    owner = MembershipFactory(account=account, role=Role.OWNER, user=UserFactory(email="owner@example.com"))
    MembershipFactory(account=account, role=Role.STAFF, user=UserFactory(email="staff@example.com"))
    failing, _ = make_webhook(receiver.url)
    watcher_receiver = Receiver()
    watcher_server = serve(watcher_receiver)
    try:
        _, watcher_secret = make_webhook(watcher_receiver.url, events=["webhook.disabled"])
        receiver.default_status = 500

        emit(account)
        failing.refresh_from_db()
        assert failing.is_active
        emit(account)

        failing.refresh_from_db()
        assert not failing.is_active
        assert failing.disabled_at is not None
        assert "2 deliveries" in failing.disabled_reason
        assert len(receiver.requests) == 4

        disabled_event = WebhookEvent.objects.get(account=account, event_type="webhook.disabled")
        assert disabled_event.payload["data"]["webhookId"] == failing.id
        assert disabled_event.payload["data"]["reason"] == failing.disabled_reason
        [notice] = watcher_receiver.wait_for(1)
        assert notice.json()["event"] == "webhook.disabled"
        assert verify_signature(notice.body, notice.headers["Omni-Signature"], watcher_secret)

        [message] = mail.outbox
        assert message.to == [owner.user.email]
        assert failing.url in message.subject
        assert failing.disabled_reason in message.body

        emit(account)  # a disabled endpoint gets no more deliveries
        assert len(receiver.requests) == 4
        assert WebhookDelivery.objects.filter(endpoint=failing).count() == 2
    finally:
        watcher_server.shutdown()
        watcher_server.server_close()


def test_endpoint_is_disabled_after_failing_continuously_for_a_day(account, make_webhook, receiver, emit):
    endpoint, _ = make_webhook(receiver.url)
    since = timezone.now() - timedelta(hours=25)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=since)
    receiver.default_status = 502

    emit(account)

    endpoint.refresh_from_db()
    assert not endpoint.is_active
    assert since.strftime("%Y-%m-%dT%H:%M:%SZ") in endpoint.disabled_reason
    assert WebhookEvent.objects.filter(event_type="webhook.disabled").count() == 1


def test_failing_for_less_than_a_day_does_not_disable(account, make_webhook, receiver, emit):
    endpoint, _ = make_webhook(receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(failing_since=timezone.now() - timedelta(hours=23))
    receiver.default_status = 502
    emit(account)
    endpoint.refresh_from_db()
    assert endpoint.is_active


def test_a_success_clears_the_failure_record(account, make_webhook, receiver, emit):
    endpoint, _ = make_webhook(receiver.url)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
        failing_since=timezone.now() - timedelta(hours=3), consecutive_failed_deliveries=3
    )
    emit(account)
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert endpoint.consecutive_failed_deliveries == 0


def test_pending_deliveries_of_a_disabled_endpoint_fail_without_being_sent(account, make_webhook, receiver, emit):
    endpoint, _ = make_webhook(receiver.url)
    receiver.default_status = 500
    delivery = _delivery(emit(account))
    services.endpoint_update(endpoint=endpoint, data={"is_active": False})
    _make_due(delivery)

    assert delivery_attempt_task(delivery.id) is False

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert "disabled" in delivery.last_error
    assert len(receiver.requests) == 1


def test_a_rolled_back_transaction_emits_nothing(account, make_webhook, receiver, django_capture_on_commit_callbacks):
    make_webhook(receiver.url)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.event_emit(account=account, event="order.created", data={"order_id": "ord_1"})
        raise RuntimeError("the order could not be saved")
    assert callbacks == []
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_only_committed_transactions_deliver(account, make_webhook, receiver):
    """Real commits and rollbacks (no test transaction around them)."""
    make_webhook(receiver.url)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.event_emit(account=account, event="order.created", data={"order_id": "ord_rolled_back"})
        raise RuntimeError("rolled back")
    with transaction.atomic():
        committed = services.event_emit(account=account, event="order.created", data={"order_id": "ord_kept"})
        assert receiver.requests == []  # nothing leaves before the commit

    [request] = receiver.wait_for(1)
    assert request.json()["data"] == {"orderId": "ord_kept"}
    assert list(WebhookEvent.objects.values_list("id", flat=True)) == [committed.id]
    assert _delivery(committed).status == DeliveryStatus.SUCCEEDED


def test_emit_fans_out_to_subscribed_active_endpoints_of_the_account_only(
    account, other_account, make_webhook, receiver, emit
):
    everything, _ = make_webhook(receiver.url + "/all", events=["*"])
    orders, _ = make_webhook(receiver.url + "/orders", events=["order.created", "order.updated"])
    make_webhook(receiver.url + "/payments", events=["payment.succeeded"])
    make_webhook(receiver.url + "/off", events=["*"], is_active=False)
    make_webhook(receiver.url + "/other", events=["*"], owner=other_account)

    event = emit(account, "order.created")

    assert set(WebhookDelivery.objects.filter(event=event).values_list("endpoint_id", flat=True)) == {
        everything.id,
        orders.id,
    }
    assert sorted(r.path for r in receiver.wait_for(2)) == ["/hook/all", "/hook/orders"]


def test_emit_without_subscribers_records_the_event_only(account, emit):
    event = emit(account, "customer.created", {"customer_id": "cus_1"})
    assert WebhookEvent.objects.filter(pk=event.pk).exists()
    assert not WebhookDelivery.objects.exists()


def test_emit_refuses_an_unregistered_event_type(account):
    with pytest.raises(ValueError, match=r"order\.shipped"):
        services.event_emit(account=account, event="order.shipped", data={})
    assert not WebhookEvent.objects.exists()


def test_emit_query_count_does_not_grow_with_endpoints(
    account, make_webhook, django_assert_num_queries, django_capture_on_commit_callbacks
):
    make_webhook("https://93.184.215.14/a")
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(5):
        services.event_emit(account=account, event="order.created", data={})
    for index in range(5):
        make_webhook(f"https://93.184.215.14/many/{index}")
    with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(5):
        services.event_emit(account=account, event="order.created", data={})


def test_a_delivery_that_succeeded_is_never_sent_again(account, make_webhook, receiver, emit):
    make_webhook(receiver.url)
    delivery = _delivery(emit(account))
    _make_due(delivery)  # even if it looked due

    assert delivery_attempt_task(delivery.id) is False
    assert delivery_attempt_task("dlv_does_not_exist") is False
    assert len(receiver.requests) == 1


def test_sweep_enqueues_deliveries_whose_message_was_lost(account, make_webhook, receiver):
    make_webhook(receiver.url)
    # Emitted but never enqueued: the test transaction never commits, like a publish lost in a broker outage.
    lost = services.event_emit(account=account, event="order.created", data={"order_id": "ord_lost"})
    recent = services.event_emit(account=account, event="order.created", data={"order_id": "ord_recent"})
    WebhookDelivery.objects.filter(event=lost).update(next_attempt_at=timezone.now() - timedelta(minutes=10))

    assert deliveries_enqueue_due_task() == 1  # the recent one is inside the grace period

    [request] = receiver.wait_for(1)
    assert request.json()["data"]["orderId"] == "ord_lost"
    assert _delivery(lost).status == DeliveryStatus.SUCCEEDED
    assert _delivery(recent).status == DeliveryStatus.PENDING


def test_sweep_recovers_an_attempt_abandoned_by_a_dead_worker(account, make_webhook, receiver):
    make_webhook(receiver.url)
    event = services.event_emit(account=account, event="order.created", data={})
    delivery = _delivery(event)
    assert services.deliveries._attempt_claim(delivery.id) is not None  # a worker claims it, then dies before sending

    assert deliveries_enqueue_due_task(grace_seconds=0) == 0  # its lease still holds
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )  # lease over
    assert deliveries_enqueue_due_task(grace_seconds=0) == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    first, second = delivery.attempts.all()
    assert first.error.startswith("Abandoned") and first.status_code is None
    assert second.status_code == 200
    assert len(receiver.requests) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_tasks_for_one_delivery_send_it_once(account, make_webhook, receiver):
    make_webhook(receiver.url)
    receiver.delay = 0.3
    event = services.event_emit(account=account, event="order.created", data={})  # autocommit: sent now
    delivery = _delivery(event)
    receiver.wait_for(1)
    services.delivery_redeliver(delivery=delivery)  # sent again (runs in-process at once)
    assert len(receiver.wait_for(2)) == 2
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING, next_attempt_at=timezone.now())

    results = run_together(*[lambda: services.delivery_attempt(delivery_id=delivery.id)] * 4)
    assert sorted(results) == [False, False, False, True]
    assert len(receiver.requests) == 3
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 3


def test_purge_deletes_old_events_with_their_deliveries(settings, account, make_webhook, receiver, emit):
    from webhooks.tasks import events_purge_task

    make_webhook(receiver.url)
    old = emit(account)
    old_pending = services.event_emit(account=account, event="order.created", data={})  # never sent
    recent = emit(account)
    long_ago = timezone.now() - timedelta(days=settings.WEBHOOKS_RETENTION_DAYS + 1)
    WebhookEvent.objects.filter(pk__in=[old.pk, old_pending.pk]).update(created_at=long_ago)

    assert events_purge_task() == 1

    assert set(WebhookEvent.objects.values_list("pk", flat=True)) == {old_pending.pk, recent.pk}
    assert not WebhookDelivery.objects.filter(event_id=old.pk).exists()


def test_deliver_due_webhooks_command_sends_what_is_due(account, make_webhook, receiver):
    from django.core.management import call_command

    make_webhook(receiver.url)
    services.event_emit(account=account, event="order.created", data={})  # never enqueued
    call_command("deliver_due_webhooks")
    assert len(receiver.wait_for(1)) == 1


def test_private_addresses_are_refused_at_delivery_time(settings, account, make_webhook, receiver, emit):
    """The URL was accepted earlier; now its host resolves to loopback (as after DNS rebinding)."""
    make_webhook(f"http://localhost:{receiver.port}/hook")
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False

    delivery = _delivery(emit(account))

    attempt = delivery.attempts.get()
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused:")
    assert "not a public address" in attempt.error
    assert delivery.status == DeliveryStatus.PENDING
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_broker_outage_leaves_deliveries_pending_for_the_sweep(account, make_webhook, receiver):
    from omnisales.testing.celery_worker import producing_to

    make_webhook(receiver.url)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with producing_to(f"redis://127.0.0.1:{port}/0", "outage:"):  # nothing listens: every publish fails
        with transaction.atomic():
            event = services.event_emit(account=account, event="order.created", data={"order_id": "ord_1"})
        assert WebhookEvent.objects.filter(pk=event.pk).exists()  # the commit stood

    delivery = _delivery(event)
    assert delivery.status == DeliveryStatus.PENDING
    assert receiver.requests == []

    assert deliveries_enqueue_due_task(grace_seconds=0) == 1  # the broker is back
    assert _delivery(event).status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1


def test_sweep_does_not_enqueue_a_delivery_again_while_its_message_may_still_be_queued(account, make_webhook, receiver):
    from omnisales.testing.celery_worker import producing_to

    make_webhook(receiver.url)
    event = services.event_emit(account=account, event="order.created", data={})
    WebhookDelivery.objects.filter(event=event).update(next_attempt_at=timezone.now() - timedelta(minutes=10))
    with producing_to("memory://", "") as app:  # messages wait in an in-process queue no worker reads
        app.control.purge()
        assert services.deliveries_enqueue_due(grace=timedelta(minutes=5)) == 1
        assert services.deliveries_enqueue_due(grace=timedelta(minutes=5)) == 0  # it may still be queued
        assert services.deliveries_enqueue_due(grace=timedelta(0)) == 1  # once another grace period has passed
    assert receiver.requests == []


def test_the_documented_example_is_a_true_test_vector(verify_signature):
    from webhooks.signing import signature_header
    from webhooks.tests.conftest import DOCS

    example = DOCS.read_text().split("```http\n", 1)[1].split("```", 1)[0]
    header = re.search(r"^Omni-Signature: (.+)$", example, flags=re.M).group(1)
    body = example.rstrip("\n").rsplit("\n", 1)[1].encode()
    timestamp = int(re.match(r"t=(\d+)", header).group(1))

    assert signature_header(["whsec_example"], timestamp, body) == header
    assert verify_signature(body, header, "whsec_example", tolerance=10**10)
    assert json.loads(body) == {
        "event": "order.created",
        "timestamp": "2024-01-15T10:30:00Z",
        "data": {"orderId": "ord_123", "customerId": "cus_456", "total": 199.99},
    }


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on 127.0.0.1 with a self-signed certificate (which nobody trusts)."""
    import datetime as dt
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "cert.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    receiver = Receiver()
    server = serve(receiver, ssl_context=context)
    yield receiver
    server.shutdown()
    server.server_close()


def test_https_certificates_are_verified(account, make_webhook, tls_receiver, emit):
    make_webhook(f"https://localhost:{tls_receiver.port}/hook")
    attempt = _delivery(emit(account)).attempts.get()
    assert attempt.status_code is None
    assert "CERTIFICATE_VERIFY_FAILED" in attempt.error
    assert tls_receiver.requests == []


def test_https_urls_are_checked_at_delivery_time_too(settings, account, make_webhook, tls_receiver, emit):
    make_webhook(f"https://localhost:{tls_receiver.port}/hook")
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    attempt = _delivery(emit(account)).attempts.get()
    assert attempt.error.startswith("Refused:")
