"""The /api/webhooks endpoints: happy paths, bad input, tenancy, scopes and query counts."""

from collections import deque
from datetime import timedelta

import pytest
from django.utils import timezone

from webhooks import services
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint

pytestmark = pytest.mark.django_db

PUBLIC = "https://93.184.215.14/hooks/omnisales"  # literal public address: no DNS needed


def _create(api, **body):
    return api.post("/api/webhooks", {"url": PUBLIC, "events": ["order.created"], **body}, format="json")


def _assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "details", "code"}
    assert body["code"] == code
    return body


# --- create --------------------------------------------------------------------------------------


def test_create_returns_the_secret_once(api):
    response = _create(api, description="ERP sync", events=["order.created", "order.created", "payment.failed"])

    assert response.status_code == 201
    body = response.json()
    assert body["id"].startswith("whk_")
    assert body["url"] == PUBLIC
    assert body["events"] == ["order.created", "payment.failed"]
    assert body["description"] == "ERP sync"
    assert body["active"] is True
    assert body["secret"].startswith("whsec_")
    assert body["createdAt"].endswith("Z")
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]

    shown = api.get(f"/api/webhooks/{body['id']}").json()
    assert "secret" not in shown
    assert shown["events"] == ["order.created", "payment.failed"]


def test_create_with_star_subscribes_to_everything(api):
    body = _create(api, events=["order.created", "*"]).json()
    assert body["events"] == ["*"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": None}, "url"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://93.184.215.14/hook"}, "url"),
        ({"url": "https://93.184.215.14/" + "a" * 2030}, "url"),
        ({"url": 42}, "url"),
        ({"events": None}, "events"),
        ({"events": "order.created"}, "events"),
        ({"events": []}, "events"),
        ({"events": ["order.shipped"]}, "events"),
        ({"events": [7]}, "events"),
        ({"description": "d" * 501}, "description"),
        ({"active": "perhaps"}, "active"),
    ],
)
def test_create_rejects_bad_input(api, body, field):
    payload = {"url": PUBLIC, "events": ["order.created"], **body}
    payload = {key: value for key, value in payload.items() if value is not None}
    response = api.post("/api/webhooks", payload, format="json")
    body = _assert_error(response, 422, "VALIDATION_ERROR")
    assert list(body["details"]) == [field]
    assert not WebhookEndpoint.objects.exists()


def test_create_rejects_a_body_that_is_not_json(api):
    response = api.post("/api/webhooks", "{not json", content_type="application/json")
    _assert_error(response, 400, "MALFORMED_REQUEST")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://10.1.2.3/hook",
        "http://172.16.0.9/hook",
        "http://192.168.1.10/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::1]:8000/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://localhost:8000/hook",
        "https://224.0.0.1/hook",
    ],
)
def test_create_refuses_private_addresses(api, url):
    response = _create(api, url=url)
    body = _assert_error(response, 422, "WEBHOOK_URL_NOT_ALLOWED")
    assert "url" in body["details"]
    assert not WebhookEndpoint.objects.exists()


def test_create_refuses_a_host_that_does_not_resolve(api):
    body = _assert_error(_create(api, url="https://no-such-host.invalid/hook"), 422, "WEBHOOK_URL_NOT_ALLOWED")
    assert "could not be resolved" in body["details"]["url"][0]


def test_private_addresses_are_allowed_with_the_development_flag(api, private_urls_allowed):
    assert _create(api, url="http://127.0.0.1:8080/hook").status_code == 201


def test_create_refuses_a_duplicate_url(api):
    assert _create(api).status_code == 201
    _assert_error(_create(api), 409, "DUPLICATE_WEBHOOK_URL")
    assert WebhookEndpoint.objects.count() == 1


def test_the_same_url_may_be_used_by_another_account(api, other_api):
    assert _create(api).status_code == 201
    assert _create(other_api).status_code == 201


def test_create_refuses_beyond_the_account_limit(api, settings):
    settings.WEBHOOKS_MAX_ENDPOINTS_PER_ACCOUNT = 1
    assert _create(api).status_code == 201
    _assert_error(_create(api, url=PUBLIC + "/2"), 409, "WEBHOOK_LIMIT_REACHED")
    assert WebhookEndpoint.objects.count() == 1


# --- read ----------------------------------------------------------------------------------------


def test_list_shows_only_the_accounts_webhooks(api, other_api):
    mine = _create(api).json()["id"]
    _create(other_api)
    response = api.get("/api/webhooks")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == [mine]
    assert response["X-Total-Count"] == "1"


def test_list_filters_by_active(api):
    on = _create(api).json()["id"]
    off = _create(api, url=PUBLIC + "/off", active=False).json()["id"]
    assert [w["id"] for w in api.get("/api/webhooks?active=false").json()] == [off]
    assert [w["id"] for w in api.get("/api/webhooks?active=true").json()] == [on]
    _assert_error(api.get("/api/webhooks?active=perhaps"), 400, "INVALID_PARAMETER")
    _assert_error(api.get("/api/webhooks?limit=-1"), 400, "INVALID_PARAMETER")


def test_list_query_count_is_fixed(api, django_assert_max_num_queries):
    _create(api)
    with django_assert_max_num_queries(8) as one:
        assert len(api.get("/api/webhooks").json()) == 1
    with_one_row = len(one.captured_queries)
    for index in range(10):
        _create(api, url=f"{PUBLIC}/{index}")
    with django_assert_max_num_queries(with_one_row):
        assert len(api.get("/api/webhooks").json()) == 11


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_another_accounts_webhook_is_not_found(api, other_api, method):
    webhook_id = _create(other_api).json()["id"]
    body = {"url": PUBLIC + "/mine", "events": ["*"]}
    response = getattr(api, method)(f"/api/webhooks/{webhook_id}", body, format="json")
    _assert_error(response, 404, "WEBHOOK_NOT_FOUND")
    assert WebhookEndpoint.objects.get(pk=webhook_id).url == PUBLIC


def test_unknown_webhook_is_not_found(api):
    _assert_error(api.get("/api/webhooks/whk_nope"), 404, "WEBHOOK_NOT_FOUND")


# --- update / delete -----------------------------------------------------------------------------


def test_put_replaces_the_writable_fields(api):
    webhook = _create(api, description="old", active=False).json()
    response = api.put(f"/api/webhooks/{webhook['id']}", {"url": PUBLIC + "/v2", "events": ["*"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["url"], body["events"], body["description"], body["active"]) == (PUBLIC + "/v2", ["*"], "", True)


def test_put_needs_url_and_events(api):
    webhook_id = _create(api).json()["id"]
    body = _assert_error(
        api.put(f"/api/webhooks/{webhook_id}", {"url": PUBLIC}, format="json"), 422, "VALIDATION_ERROR"
    )
    assert list(body["details"]) == ["events"]


def test_patch_changes_some_fields(api):
    webhook_id = _create(api, description="keep me").json()["id"]
    response = api.patch(f"/api/webhooks/{webhook_id}", {"events": ["payment.failed"]}, format="json")
    assert response.status_code == 200
    assert response.json()["events"] == ["payment.failed"]
    assert response.json()["description"] == "keep me"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"events": ["order.shipped"]}, 422, "VALIDATION_ERROR"),
        ({"events": []}, 422, "VALIDATION_ERROR"),
        ({"url": "http://10.0.0.1/hook"}, 422, "WEBHOOK_URL_NOT_ALLOWED"),
        ({"url": "nope"}, 422, "VALIDATION_ERROR"),
        ({"description": "x" * 501}, 422, "VALIDATION_ERROR"),
    ],
)
def test_patch_rejects_bad_input_and_changes_nothing(api, body, status, code):
    webhook_id = _create(api).json()["id"]
    before = WebhookEndpoint.objects.get(pk=webhook_id)
    _assert_error(api.patch(f"/api/webhooks/{webhook_id}", body, format="json"), status, code)
    after = WebhookEndpoint.objects.get(pk=webhook_id)
    assert (after.url, after.events, after.description, after.updated_at) == (
        before.url,
        before.events,
        before.description,
        before.updated_at,
    )


def test_patch_to_a_url_another_webhook_uses_is_a_conflict(api):
    _create(api)
    webhook_id = _create(api, url=PUBLIC + "/2").json()["id"]
    _assert_error(
        api.patch(f"/api/webhooks/{webhook_id}", {"url": PUBLIC}, format="json"), 409, "DUPLICATE_WEBHOOK_URL"
    )


def test_turning_a_disabled_webhook_back_on_clears_its_failure_record(api):
    webhook_id = _create(api).json()["id"]
    endpoint = WebhookEndpoint.objects.get(pk=webhook_id)
    services.endpoint_disable(endpoint=endpoint, reason="Every attempt failed.")
    WebhookEndpoint.objects.filter(pk=webhook_id).update(
        failing_since=timezone.now() - timedelta(days=1), consecutive_failed_deliveries=5
    )
    shown = api.get(f"/api/webhooks/{webhook_id}").json()
    assert shown["active"] is False
    assert shown["disabledReason"] == "Every attempt failed."

    body = api.patch(f"/api/webhooks/{webhook_id}", {"active": True}, format="json").json()

    assert (body["active"], body["disabledAt"], body["disabledReason"], body["failingSince"]) == (True, None, "", None)
    assert WebhookEndpoint.objects.get(pk=webhook_id).consecutive_failed_deliveries == 0


def test_delete_removes_the_webhook_and_its_log(api):
    webhook_id = _create(api, events=["*"]).json()["id"]
    services.event_emit(account=WebhookEndpoint.objects.get(pk=webhook_id).account, event="order.created", data={})
    assert api.delete(f"/api/webhooks/{webhook_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()
    _assert_error(api.get(f"/api/webhooks/{webhook_id}"), 404, "WEBHOOK_NOT_FOUND")


# --- rotate-secret -------------------------------------------------------------------------------


def test_rotate_secret_issues_a_new_one_and_keeps_the_old_one_for_the_overlap(api):
    created = _create(api).json()
    response = api.post(f"/api/webhooks/{created['id']}/rotate-secret", {}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.signing_secrets(timezone.now()) == [body["secret"], created["secret"]]
    expires = endpoint.previous_secret_expires_at - timezone.now()
    assert timedelta(hours=23, minutes=59) < expires <= timedelta(hours=24)


def test_rotate_secret_with_no_overlap_retires_the_old_one(api):
    created = _create(api).json()
    body = api.post(f"/api/webhooks/{created['id']}/rotate-secret", {"overlapHours": 0}, format="json").json()
    assert body["previousSecretExpiresAt"] is None
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.signing_secrets(timezone.now()) == [body["secret"]]


@pytest.mark.parametrize("overlap", [-1, 169, "soon", 2.5])
def test_rotate_secret_rejects_a_bad_overlap(api, overlap):
    created = _create(api).json()
    response = api.post(f"/api/webhooks/{created['id']}/rotate-secret", {"overlapHours": overlap}, format="json")
    body = _assert_error(response, 422, "VALIDATION_ERROR")
    assert list(body["details"]) == ["overlapHours"]
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == created["secret"]


def test_rotate_secret_of_another_accounts_webhook_is_not_found(api, other_api):
    created = _create(other_api).json()
    _assert_error(api.post(f"/api/webhooks/{created['id']}/rotate-secret", {}, format="json"), 404, "WEBHOOK_NOT_FOUND")
    assert WebhookEndpoint.objects.get(pk=created["id"]).secret == created["secret"]


# --- test (ping) ---------------------------------------------------------------------------------


def test_ping_is_delivered_now_and_reported(api, receiver, private_urls_allowed, verify_signature):
    created = _create(api, url=receiver.url, events=["order.created"], active=False).json()

    response = api.post(f"/api/webhooks/{created['id']}/test")

    assert response.status_code == 200
    delivery = response.json()
    assert delivery["eventType"] == "webhook.ping"
    assert delivery["status"] == "succeeded"
    assert delivery["webhookId"] == created["id"]
    [attempt] = delivery["attempts"]
    assert attempt["attemptNumber"] == 1
    assert attempt["statusCode"] == 200
    assert isinstance(attempt["latencyMs"], int)
    assert attempt["responseExcerpt"] == '{"received": true}'
    [request] = receiver.requests
    assert request.json()["event"] == "webhook.ping"
    assert request.json()["data"]["webhookId"] == created["id"]
    assert verify_signature(request.body, request.headers["Omni-Signature"], created["secret"])


def test_a_failed_ping_is_reported_and_neither_retried_nor_held_against_the_webhook(
    api, receiver, private_urls_allowed
):
    created = _create(api, url=receiver.url).json()
    receiver.statuses = deque([503])

    delivery = api.post(f"/api/webhooks/{created['id']}/test").json()

    assert (delivery["status"], delivery["attemptCount"], delivery["nextAttemptAt"]) == ("failed", 1, None)
    assert delivery["attempts"][0]["statusCode"] == 503
    assert delivery["lastError"] == "HTTP 503"
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.failing_since is None


def test_ping_to_an_address_that_became_private_is_refused(api, receiver, settings, private_urls_allowed):
    created = _create(api, url=f"http://localhost:{receiver.port}/hook").json()
    settings.WEBHOOKS_ALLOW_PRIVATE_URLS = False
    delivery = api.post(f"/api/webhooks/{created['id']}/test").json()
    assert delivery["status"] == "failed"
    assert delivery["attempts"][0]["error"].startswith("Refused:")
    assert receiver.requests == []


def test_ping_another_accounts_webhook_is_not_found(api, other_api):
    created = _create(other_api).json()
    _assert_error(api.post(f"/api/webhooks/{created['id']}/test"), 404, "WEBHOOK_NOT_FOUND")
    assert not WebhookDelivery.objects.exists()


# --- deliveries ------------------------------------------------------------------------------------


@pytest.fixture
def webhook_with_log(api, receiver, private_urls_allowed, django_capture_on_commit_callbacks, account):
    """A webhook with one succeeded and one pending (after a 500) delivery."""
    created = _create(api, url=receiver.url, events=["*"]).json()
    receiver.statuses = deque([200, 500])
    with django_capture_on_commit_callbacks(execute=True):
        services.event_emit(account=account, event="order.created", data={"order_id": "ord_1"})
    with django_capture_on_commit_callbacks(execute=True):
        services.event_emit(account=account, event="payment.failed", data={"payment_id": "pay_1"})
    return created


def test_deliveries_list_each_attempt_newest_first(api, webhook_with_log):
    response = api.get(f"/api/webhooks/{webhook_with_log['id']}/deliveries")
    assert response.status_code == 200
    assert response["X-Total-Count"] == "2"
    newest, oldest = response.json()
    assert (newest["eventType"], newest["status"], newest["lastStatusCode"]) == ("payment.failed", "pending", 500)
    assert newest["nextAttemptAt"] is not None
    assert newest["attempts"][0]["nextRetryAt"] == newest["nextAttemptAt"]
    assert newest["payload"]["data"] == {"paymentId": "pay_1"}
    assert (oldest["eventType"], oldest["status"], oldest["deliveredAt"] is not None) == (
        "order.created",
        "succeeded",
        True,
    )
    assert set(oldest["attempts"][0]) == {
        "attemptNumber",
        "attemptedAt",
        "finishedAt",
        "statusCode",
        "latencyMs",
        "responseExcerpt",
        "error",
        "nextRetryAt",
    }


def test_deliveries_filters(api, webhook_with_log):
    url = f"/api/webhooks/{webhook_with_log['id']}/deliveries"
    assert [d["eventType"] for d in api.get(url + "?status=succeeded").json()] == ["order.created"]
    assert [d["status"] for d in api.get(url + "?eventType=payment.failed").json()] == ["pending"]
    assert api.get(url + "?createdAfter=2999-01-01T00:00:00Z").json() == []
    assert len(api.get(url + "?createdBefore=2999-01-01T00:00:00Z").json()) == 2
    assert len(api.get(url + "?limit=1").json()) == 1


@pytest.mark.parametrize("query", ["status=lost", "createdAfter=yesterday", "limit=abc", "offset=-3"])
def test_deliveries_reject_bad_filters(api, webhook_with_log, query):
    _assert_error(api.get(f"/api/webhooks/{webhook_with_log['id']}/deliveries?{query}"), 400, "INVALID_PARAMETER")


def test_deliveries_of_another_accounts_webhook_are_not_found(api, other_api):
    created = _create(other_api).json()
    _assert_error(api.get(f"/api/webhooks/{created['id']}/deliveries"), 404, "WEBHOOK_NOT_FOUND")


def test_deliveries_list_query_count_is_fixed(
    api, account, receiver, private_urls_allowed, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    created = _create(api, url=receiver.url, events=["*"]).json()
    url = f"/api/webhooks/{created['id']}/deliveries"
    with django_capture_on_commit_callbacks(execute=True):
        services.event_emit(account=account, event="order.created", data={})
    with django_assert_max_num_queries(10) as one:
        assert len(api.get(url).json()) == 1
    with_one_row = len(one.captured_queries)
    receiver.statuses = deque([500, 500, 500, 500])
    for _ in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            services.event_emit(account=account, event="order.created", data={})
    for delivery in WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        services.delivery_attempt(delivery_id=delivery.pk)  # second attempt each
    assert WebhookDeliveryAttempt.objects.count() == 9
    with django_assert_max_num_queries(with_one_row):
        assert len(api.get(url).json()) == 5


def test_delivery_detail(api, webhook_with_log, other_api):
    delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).get()
    response = api.get(f"/api/webhooks/deliveries/{delivery.pk}")
    assert response.status_code == 200
    assert response.json()["id"] == delivery.pk
    _assert_error(other_api.get(f"/api/webhooks/deliveries/{delivery.pk}"), 404, "WEBHOOK_DELIVERY_NOT_FOUND")
    _assert_error(api.get("/api/webhooks/deliveries/dlv_nope"), 404, "WEBHOOK_DELIVERY_NOT_FOUND")


# --- redeliver -------------------------------------------------------------------------------------


def test_redeliver_sends_a_succeeded_delivery_again(
    api, webhook_with_log, receiver, django_capture_on_commit_callbacks, verify_signature
):
    delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).get()
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/webhooks/deliveries/{delivery.pk}/redeliver")
    assert response.status_code == 202
    assert response.json()["status"] == "pending"

    first, resent = [r for r in receiver.wait_for(3) if r.headers["Omni-Delivery-Id"] == delivery.pk]
    assert resent.body == first.body
    assert resent.headers["Omni-Event-Id"] == first.headers["Omni-Event-Id"]
    assert verify_signature(resent.body, resent.headers["Omni-Signature"], webhook_with_log["secret"])
    shown = api.get(f"/api/webhooks/deliveries/{delivery.pk}").json()
    assert (shown["status"], shown["attemptCount"]) == ("succeeded", 2)
    assert [a["attemptNumber"] for a in shown["attempts"]] == [1, 2]


def test_redeliver_restarts_the_retry_schedule_of_a_failed_delivery(
    api, webhook_with_log, receiver, django_capture_on_commit_callbacks, settings
):
    delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, next_attempt_at=None)
    receiver.statuses = deque([500])
    with django_capture_on_commit_callbacks(execute=True):
        assert api.post(f"/api/webhooks/deliveries/{delivery.pk}/redeliver").status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempt_count, delivery.attempt_offset) == (DeliveryStatus.PENDING, 2, 1)
    wait = delivery.next_attempt_at - delivery.last_attempt_at
    assert wait <= timedelta(seconds=settings.WEBHOOKS_RETRY_DELAYS_SECONDS[0] + 1)  # back to the first delay


def test_redeliver_refuses_while_an_attempt_is_in_flight(api, webhook_with_log):
    delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
    assert services.deliveries._attempt_claim(delivery.pk) is not None  # a worker is sending it right now
    before = WebhookDelivery.objects.get(pk=delivery.pk)
    _assert_error(api.post(f"/api/webhooks/deliveries/{delivery.pk}/redeliver"), 409, "DELIVERY_IN_PROGRESS")
    assert WebhookDelivery.objects.get(pk=delivery.pk).next_attempt_at == before.next_attempt_at


def test_redeliver_refuses_for_a_disabled_webhook(api, webhook_with_log):
    delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).get()
    api.patch(f"/api/webhooks/{webhook_with_log['id']}", {"active": False}, format="json")
    _assert_error(api.post(f"/api/webhooks/deliveries/{delivery.pk}/redeliver"), 409, "WEBHOOK_DISABLED")
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SUCCEEDED


def test_redeliver_another_accounts_delivery_is_not_found(api, other_api, webhook_with_log):
    delivery = WebhookDelivery.objects.filter(status=DeliveryStatus.SUCCEEDED).get()
    _assert_error(
        other_api.post(f"/api/webhooks/deliveries/{delivery.pk}/redeliver"), 404, "WEBHOOK_DELIVERY_NOT_FOUND"
    )
    _assert_error(api.post("/api/webhooks/deliveries/dlv_nope/redeliver"), 404, "WEBHOOK_DELIVERY_NOT_FOUND")
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 1


# --- replay ----------------------------------------------------------------------------------------


def test_replay_sends_failed_deliveries_in_the_range_again(
    api, account, receiver, private_urls_allowed, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOKS_RETRY_DELAYS_SECONDS = []  # one attempt each: they fail at once
    created = _create(api, url=receiver.url, events=["*"]).json()
    receiver.default_status = 500
    events = []
    for number in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            events.append(services.event_emit(account=account, event="order.created", data={"n": number}))
    earlier = timezone.now() - timedelta(hours=2)
    WebhookDelivery.objects.filter(event=events[0]).update(created_at=earlier)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    receiver.default_status = 200
    since = (timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    until = (timezone.now() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/webhooks/{created['id']}/replay", {"since": since, "until": until}, format="json")

    assert response.status_code == 202
    assert response.json() == {"replayed": 2}
    statuses = dict(WebhookDelivery.objects.values_list("event_id", "status"))
    assert statuses == {
        events[0].id: DeliveryStatus.FAILED,
        events[1].id: DeliveryStatus.SUCCEEDED,
        events[2].id: DeliveryStatus.SUCCEEDED,
    }
    assert [r.json()["data"]["n"] for r in receiver.requests[3:]] == [1, 2]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"until": "2024-01-02T00:00:00Z"}, "since"),
        ({"since": "2024-01-01T00:00:00Z"}, "until"),
        ({"since": "yesterday", "until": "2024-01-02T00:00:00Z"}, "since"),
        ({"since": "2024-01-02T00:00:00Z", "until": "2024-01-01T00:00:00Z"}, "until"),
        ({"since": "2024-01-02T00:00:00Z", "until": "2024-01-02T00:00:00Z"}, "until"),
    ],
)
def test_replay_rejects_a_bad_range(api, body, field):
    created = _create(api).json()
    response = api.post(f"/api/webhooks/{created['id']}/replay", body, format="json")
    assert field in _assert_error(response, 422, "VALIDATION_ERROR")["details"]


def test_replay_refuses_for_a_disabled_webhook(api):
    created = _create(api, active=False).json()
    body = {"since": "2024-01-01T00:00:00Z", "until": "2024-01-02T00:00:00Z"}
    _assert_error(api.post(f"/api/webhooks/{created['id']}/replay", body, format="json"), 409, "WEBHOOK_DISABLED")


def test_replay_another_accounts_webhook_is_not_found(api, other_api):
    created = _create(other_api).json()
    body = {"since": "2024-01-01T00:00:00Z", "until": "2024-01-02T00:00:00Z"}
    _assert_error(api.post(f"/api/webhooks/{created['id']}/replay", body, format="json"), 404, "WEBHOOK_NOT_FOUND")


# --- scopes ----------------------------------------------------------------------------------------


@pytest.fixture
def webhook_id(api):
    return _create(api).json()["id"]


WRITES = [
    ("post", "/api/webhooks"),
    ("put", "/api/webhooks/{id}"),
    ("patch", "/api/webhooks/{id}"),
    ("delete", "/api/webhooks/{id}"),
    ("post", "/api/webhooks/{id}/rotate-secret"),
    ("post", "/api/webhooks/{id}/test"),
    ("post", "/api/webhooks/{id}/replay"),
    ("post", "/api/webhooks/deliveries/{delivery}/redeliver"),
]
READS = [
    ("get", "/api/webhooks"),
    ("get", "/api/webhooks/{id}"),
    ("get", "/api/webhooks/{id}/deliveries"),
    ("get", "/api/webhooks/deliveries/{delivery}"),
]


def _path(template, webhook_id):
    delivery = WebhookDelivery.objects.filter(endpoint_id=webhook_id).values_list("pk", flat=True).first()
    return template.format(id=webhook_id, delivery=delivery)


@pytest.fixture
def logged_webhook_id(account, webhook_id):
    services.event_emit(account=account, event="order.created", data={})
    return webhook_id


@pytest.mark.parametrize(("method", "template"), WRITES)
def test_writes_need_write_webhooks(account, make_client, logged_webhook_id, method, template):
    client = make_client(account, scopes=["read:webhooks", "write:orders"])
    response = getattr(client, method)(_path(template, logged_webhook_id), {}, format="json")
    body = _assert_error(response, 403, "INSUFFICIENT_SCOPE")
    assert body["details"] == {"requiredScope": "write:webhooks"}
    assert WebhookEndpoint.objects.count() == 1
    assert WebhookDelivery.objects.get().attempt_count == 0


@pytest.mark.parametrize(("method", "template"), READS)
def test_reads_need_read_webhooks(account, make_client, logged_webhook_id, method, template):
    denied = make_client(account, scopes=["read:orders"])
    body = _assert_error(getattr(denied, method)(_path(template, logged_webhook_id)), 403, "INSUFFICIENT_SCOPE")
    assert body["details"] == {"requiredScope": "read:webhooks"}
    allowed = make_client(account, scopes=["read:webhooks"])
    assert getattr(allowed, method)(_path(template, logged_webhook_id)).status_code == 200


def test_write_webhooks_is_enough_to_create(account, make_client):
    client = make_client(account, scopes=["write:webhooks"])
    assert _create(client).status_code == 201


def test_anonymous_requests_are_refused(anonymous_client):
    _assert_error(anonymous_client.get("/api/webhooks"), 401, "AUTHENTICATION_REQUIRED")


def test_trailing_slash_is_not_found(api):
    assert api.get("/api/webhooks/").status_code == 404


def test_openapi_schema_describes_the_webhook_endpoints(api):
    schema = api.get("/swagger.json").json()
    paths = schema["paths"]
    for path in [
        "/api/webhooks",
        "/api/webhooks/{webhookId}",
        "/api/webhooks/{webhookId}/rotate-secret",
        "/api/webhooks/{webhookId}/test",
        "/api/webhooks/{webhookId}/deliveries",
        "/api/webhooks/{webhookId}/replay",
        "/api/webhooks/deliveries/{deliveryId}",
        "/api/webhooks/deliveries/{deliveryId}/redeliver",
    ]:
        assert path in paths, path
    assert paths["/api/webhooks"]["post"]["x-required-scope"] == "write:webhooks"
    assert paths["/api/webhooks/{webhookId}/deliveries"]["get"]["x-required-scope"] == "read:webhooks"
    parameters = {p["name"] for p in paths["/api/webhooks/{webhookId}/deliveries"]["get"]["parameters"]}
    assert {"status", "eventType", "createdAfter", "createdBefore", "limit", "offset"} <= parameters
    created = paths["/api/webhooks"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["$ref"].endswith("WebhookWithSecret")
    properties = schema["components"]["schemas"]["WebhookWithSecret"]["properties"]
    assert {"secret", "previousSecretExpiresAt", "active"} <= set(properties)
