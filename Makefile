# Omni Sales. `make run` sets everything up and serves on :$(PORT) (3000); `make test` runs lint and the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
export PORT  # manage.py prints and serves the same port
PYTEST_ARGS ?= -n 2
STAMP := $(VENV)/.installed

.PHONY: run install migrate demo demo-reset serve test lint format pytest clean worker beat prod-local postman-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

.env:
	@echo "DEBUG=true" > .env
	@echo "SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" >> .env
	@echo "WEBHOOKS_ALLOW_PRIVATE_URLS=true" >> .env
	@echo "Wrote .env for local development (DEBUG on, SQLite, in-process tasks)."

migrate: install .env
	$(BIN)/python manage.py migrate --noinput

demo: migrate  # loads the demo store into a new database only; prints the logins and the demo API key
	$(BIN)/python manage.py seed_demo

demo-reset: migrate  # deletes the demo store with everything in it and loads it anew
	$(BIN)/python manage.py seed_demo --reset

run: demo
	@echo "Serving on http://localhost:$(PORT)  (API explorer: http://localhost:$(PORT)/api-docs)"
	$(BIN)/python manage.py runserver 0.0.0.0:$(PORT)

# Production settings on this machine: DEBUG off, PostgreSQL, Redis, gunicorn, a Celery worker and beat
# (Procfile), under honcho. Settings come from .env.prod-local (written once; edit it) and the environment.
.env.prod-local: | $(BIN)/python
	@$(BIN)/python -c 'import secrets; from cryptography.fernet import Fernet; print(open("deploy/prod-local.env").read().format(secret_key=secrets.token_urlsafe(50), field_encryption_key=Fernet.generate_key().decode()), end="")' > $@
	@chmod 600 $@
	@echo "Wrote $@ (DEBUG off, PostgreSQL, Redis): check DATABASE_URL, REDIS_URL and CELERY_BROKER_URL in it."

prod-local: export ENV_FILE = .env.prod-local
prod-local: install .env.prod-local
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://localhost:$(PORT) with gunicorn, a Celery worker and beat (Ctrl-C stops all three)"
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/honcho start --procfile Procfile --env /dev/null --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache  # the layer contracts in .importlinter
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run  # models and migrations agree

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

pytest: install
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

# newman, pinned in package-lock.json, installed under node_modules/ (git-ignored)
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

# Runs the Postman collection against a freshly seeded local server (scripts/postman_check.py)
postman-check: install node_modules/.package-lock.json
	$(BIN)/python scripts/postman_check.py

worker: install
	$(BIN)/celery -A omnisales worker -Q default,webhooks,marketplace,messaging --loglevel=INFO

beat: install
	$(BIN)/celery -A omnisales beat --loglevel=INFO

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles node_modules
