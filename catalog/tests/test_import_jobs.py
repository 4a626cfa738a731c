"""Imports larger than PRODUCT_IMPORT_SYNC_ROWS become jobs: 202 with the job, run by a task after the
commit (in-process here; a real worker below), progress per batch, failures recorded on the job."""

import os
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog import services
from catalog.models import ImportJobStatus, Product, ProductImportJob
from catalog.services import import_jobs
from omnisales.testing.assertions import assert_error
from omnisales.testing.celery_worker import WorkerProcess, database_url

from .test_import_export import HEADER, upload
from .test_products_api import events

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_sync_limit(settings):
    settings.PRODUCT_IMPORT_SYNC_ROWS = 3


def rows(count: int, start: int = 0, price: str = "10") -> str:
    return "".join(f"J-{i},Name {i},{price},,,,active\n" for i in range(start, start + count))


def submit(api, text, capture, **form):
    with capture(execute=True) as callbacks:
        response = upload(api, HEADER + text, **form)
    return response, callbacks


def test_a_small_file_is_still_imported_in_the_request(api, account, django_capture_on_commit_callbacks):
    response, _ = submit(api, rows(3), django_capture_on_commit_callbacks)
    assert response.status_code == 200 and response.json()["created"] == 3
    assert not ProductImportJob.objects.exists()


def test_a_large_file_is_a_job_run_after_the_commit(api, account, django_capture_on_commit_callbacks):
    response, callbacks = submit(api, rows(5), django_capture_on_commit_callbacks)
    assert response.status_code == 202, response.content
    job = response.json()
    assert job["id"].startswith("pimp_") and response["Location"] == f"/api/products/imports/{job['id']}"
    assert (job["status"], job["totalRows"], job["processedRows"], job["progress"]) == ("queued", 5, 0, 0)
    assert job["fileName"] == "products.csv" and job["finishedAt"] is None
    assert len(callbacks) >= 1

    done = api.get(response["Location"]).json()
    assert (done["status"], done["processedRows"], done["progress"]) == ("succeeded", 5, 100)
    assert done["counts"] == {"created": 5, "updated": 0, "unchanged": 0, "failed": 0}
    assert done["errors"] == [] and done["failure"] is None
    assert done["startedAt"] and done["finishedAt"]
    assert Product.objects.filter(account=account).count() == 5
    assert len(events(account, "product.created")) == 5
    assert ProductImportJob.objects.get(pk=job["id"]).content == "", "the file is dropped once the job ends"


def test_the_job_reports_bad_rows(api, account, django_capture_on_commit_callbacks):
    response, _ = submit(api, rows(4) + "BAD,Bad,-1,,,,\n", django_capture_on_commit_callbacks)
    done = api.get(response["Location"]).json()
    assert done["status"] == "succeeded"
    assert done["counts"] == {"created": 4, "updated": 0, "unchanged": 0, "failed": 1}
    assert done["errors"] == [{"row": 6, "sku": "BAD", "errors": {"price": ["Must be zero or more."]}}]


def test_progress_is_visible_after_each_batch(api, account, monkeypatch, django_capture_on_commit_callbacks):
    seen = []
    original = import_jobs.product_import

    def in_batches_of_two(**kwargs):
        report_progress = kwargs.pop("on_progress")

        def on_progress(done):
            report_progress(done)
            job = api.get("/api/products/imports").json()[0]
            seen.append((job["status"], job["processedRows"], job["progress"]))

        return original(**kwargs, batch_size=2, on_progress=on_progress)

    monkeypatch.setattr(import_jobs, "product_import", in_batches_of_two)
    response, _ = submit(api, rows(5), django_capture_on_commit_callbacks)
    assert seen == [("running", 2, 40), ("running", 4, 80), ("running", 5, 100)]
    assert api.get(response["Location"]).json()["status"] == "succeeded"


def test_an_all_or_nothing_job_with_a_bad_row_fails_and_writes_nothing(
    api, account, django_capture_on_commit_callbacks
):
    response, _ = submit(api, rows(4) + "BAD,Bad,-1,,,,\n", django_capture_on_commit_callbacks, allOrNothing="true")
    done = api.get(response["Location"]).json()
    assert done["status"] == "failed"
    assert done["failure"]["code"] == "IMPORT_ROWS_INVALID"
    assert done["counts"]["failed"] == 1 and done["errors"][0]["row"] == 6
    assert not Product.objects.filter(account=account).exists()
    assert events(account) == []


def test_a_job_beyond_the_plan_limit_fails_with_the_limit(api, account, django_capture_on_commit_callbacks):
    account.product_limit = 4
    account.save()
    response, _ = submit(api, rows(5), django_capture_on_commit_callbacks)
    done = api.get(response["Location"]).json()
    assert done["status"] == "failed"
    assert done["failure"] == {
        "error": "Importing these products would exceed your plan's product limit; nothing was imported",
        "code": "PLAN_LIMIT_REACHED",
        "details": {"limit": 4, "current": 0, "requested": 5},
    }
    assert not Product.objects.filter(account=account).exists()


def test_an_unexpected_error_fails_the_job_not_the_request(
    api, account, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(**kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(import_jobs, "product_import", broken)
    response, _ = submit(api, rows(5), django_capture_on_commit_callbacks)
    assert response.status_code == 202
    done = api.get(response["Location"]).json()
    assert done["status"] == "failed" and done["failure"]["code"] == "IMPORT_FAILED"
    assert "disk" not in str(done), "internal errors are logged, not shown"


def test_a_finished_job_is_not_run_again(account):
    job = ProductImportJob.objects.create(account=account, content=HEADER + rows(5), total_rows=5)
    assert services.product_import_run(job_id=job.pk) == ImportJobStatus.SUCCEEDED
    before = len(events(account))
    assert services.product_import_run(job_id=job.pk) == ImportJobStatus.SUCCEEDED
    assert len(events(account)) == before


def test_an_unreadable_large_file_is_refused_at_once(api, account):
    text = HEADER + rows(5) + 'X,"bad"quote,1,,,,\n'
    body = assert_error(upload(api, text), 422, "INVALID_CSV")
    assert "Line 7" in str(body["details"])
    assert not ProductImportJob.objects.exists()


def test_the_same_idempotency_key_gives_the_same_job(api, account, django_capture_on_commit_callbacks):
    def send():
        file = SimpleUploadedFile("products.csv", (HEADER + rows(5)).encode(), content_type="text/csv")
        with django_capture_on_commit_callbacks(execute=True):
            return api.post("/api/products/import", {"file": file}, format="multipart", HTTP_IDEMPOTENCY_KEY="imp-1")

    first, second = send(), send()
    assert first.status_code == second.status_code == 202
    assert first.json()["id"] == second.json()["id"]
    assert second["Idempotent-Replayed"] == "true"
    assert ProductImportJob.objects.count() == 1


def test_jobs_are_listed_per_account_and_another_accounts_is_404(
    api, other_api, account, make_client, django_capture_on_commit_callbacks
):
    response, _ = submit(api, rows(5), django_capture_on_commit_callbacks)
    job_id = response.json()["id"]
    assert [job["id"] for job in api.get("/api/products/imports").json()] == [job_id]
    assert other_api.get("/api/products/imports").json() == []
    assert_error(other_api.get(f"/api/products/imports/{job_id}"), 404, "PRODUCT_IMPORT_JOB_NOT_FOUND")
    reader = make_client(account, scopes=["read:products"])
    assert reader.get(f"/api/products/imports/{job_id}").status_code == 200
    assert_error(make_client(account, scopes=["read:orders"]).get("/api/products/imports"), 403, "INSUFFICIENT_SCOPE")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_runs_the_job(api, account):
    database = database_url()
    if database is None:
        pytest.skip("the test database is in-memory SQLite, which a worker process cannot open; use PostgreSQL")
    account.product_limit = 5000
    account.save()
    broker = os.environ["CELERY_TEST_BROKER_URL"]
    with WorkerProcess(broker_url=broker, database=database, queues=("default",)) as worker:
        with worker.producer():
            response = upload(api, HEADER + rows(2500))
        assert response.status_code == 202, response.content
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            job = api.get(response["Location"]).json()
            if job["status"] in ("succeeded", "failed"):
                break
            time.sleep(0.2)
        assert job["status"] == "succeeded", (job, worker.output())
    assert job["counts"] == {"created": 2500, "updated": 0, "unchanged": 0, "failed": 0}
    assert Product.objects.filter(account=account).count() == 2500
