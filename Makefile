# Omni Sales. `make run` sets everything up and serves on :3000; `make test` runs lint and the suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 3000
PYTEST_ARGS ?= -n 2
STAMP := $(VENV)/.installed

.PHONY: run install migrate demo serve test lint format pytest clean worker beat postman-check

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

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	@echo "Serving on http://localhost:$(PORT)  (API explorer: http://localhost:$(PORT)/api-docs)"
	$(BIN)/python manage.py runserver 0.0.0.0:$(PORT)

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
	rm -rf $(VENV) db.sqlite3 staticfiles node_modules
