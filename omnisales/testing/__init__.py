"""The shared test kit: what the tests of every app use, loaded by the root conftest.py.

- `fixtures`: the pytest plugin (accounts, API clients, admin and schema fixtures, the local Stripe and a
  card payment through it, the webhook receiver), registered with `pytest_plugins`.
- `factories`: test data that means the same in every app (accounts, products, customers, stock, orders).
- `assertions`: `assert_error`, the JSON error envelope check.
- `concurrency`: `run_together` and `race`, threads released at one barrier, each on its own connection.
- `stripe_server`, `webhook_receiver`, `celery_worker`: real local servers and processes for tests
  and benchmarks; `smtp_server` (an SMTP server) and `twilio_server` (Twilio's Messages API) too;
  `shopee_server`, `lazada_server` and `meta_server` (the marketplaces' APIs, signatures checked as the
  platforms check them), all on the HTTP plumbing of `fake_http`.
- `representations`: checks of compiled representations against DRF's rendering.
- `openapi`: reading the served OpenAPI document (`parameters`).

Production code never imports this package (`.importlinter`); an app's tests import it, never another
app's `tests` package.
"""
