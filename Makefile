# Newsroom: `make run` for a first look, `make test` for the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Tests run with debug-time conveniences (plain HTTP, no manifest static files);
# the production settings are tested separately (tests/test_settings.py).
TEST_ENV := DJANGO_DEBUG=1 DJANGO_SECRET_KEY=tests-only-not-a-secret
RUN_ENV := DJANGO_DEBUG=1
# Where `make test` runs the suite when DATABASE_URL is unset and a server
# answers on the default port (one database per checkout).
LOCAL_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/newsroom_$(notdir $(CURDIR))

# The first Python >= 3.12 on PATH or under pyenv.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: help prerequisites browser-prerequisites venv run test typecheck check lint format bench bench-scale load migrate seed clean

help:
	@echo "make run    set up and serve Newsroom on http://127.0.0.1:8000 (SQLite, demo content)"
	@echo "make test   set up, lint and run the test suite (DATABASE_URL picks the database)"
	@echo "make bench  rendering and import benchmarks (tests/bench/)"
	@echo "make bench-scale  pages and downloads on a generate_load database (DATABASE_URL)"
	@echo "make load   locust: a day's mix for LOAD_RUN_TIME (2m) on a generate_load database (DATABASE_URL)"

# System packages (Pango, HarfBuzz subset, fonts; Chromium for the tests),
# listed once in newsroom/prerequisites.py. Installed here when this is
# Debian/Ubuntu and we are root or have passwordless sudo; otherwise the
# check stops, in seconds, with the command to run. Standard library only,
# so it runs before the virtual environment exists.
PREREQUISITES := $(or $(PYTHON),python3) -m newsroom.prerequisites --install

prerequisites:
	@$(PREREQUISITES)

browser-prerequisites:
	@$(PREREQUISITES) --browser

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "Newsroom needs Python >= 3.12 (Django 6). None found on PATH or under ~/.pyenv;"; \
		echo "install one (e.g. 'pyenv install 3.12') or run 'make PYTHON=/path/to/python3.12 ...'."; \
		exit 1; fi
	@echo "Setting up $(VENV) with $(PYTHON) ($$($(PYTHON) --version)); a minute or two the first time."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --quiet --upgrade pip
	@# xstatic-bootstrap is an sdist whose setup.py needs setuptools < 81.
	@$(PY) -m pip install --quiet --quiet "setuptools>=70,<81" wheel
	@$(PY) -m pip install --quiet --quiet --no-build-isolation "xstatic-bootstrap==5.3.8.0" 2>/dev/null \
		|| $(PY) -m pip install --quiet --no-build-isolation "xstatic-bootstrap==5.3.8.0"
	@$(PY) -m pip install --quiet --quiet --no-build-isolation -e ".[dev]"
	@touch $(STAMP)

# The SQLite database, artifacts and collected static files live here.
var:
	mkdir -p var

venv: $(STAMP) | var .env

# Local development settings, so that plain `manage.py ...` works in this
# checkout. Never used in production, where the environment is set.
.env:
	@printf '# Local development settings, written by make. Not for production.\nDJANGO_DEBUG=1\nDJANGO_SECRET_KEY=%s\n' \
		"$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')" > .env
	@echo "Wrote .env (DJANGO_DEBUG=1 and a random key) for local development."

migrate: venv
	@$(RUN_ENV) $(PY) manage.py migrate --noinput -v 0

seed: migrate
	$(RUN_ENV) $(PY) manage.py seed_demo

# Quiet on purpose: the summary seed_demo prints (address and demo logins,
# in a box) is what a first run should see, then the server's own lines.
run: prerequisites migrate
	@$(RUN_ENV) $(PY) manage.py seed_demo --serving http://127.0.0.1:8000/
	@$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

typecheck: venv
	$(TEST_ENV) $(VENV)/bin/mypy newsroom issues

# Lint, types and migrations: once per run, whatever the database.
check: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy newsroom issues
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run

# The suite, each test once: on PostgreSQL when DATABASE_URL names one or one
# answers on 127.0.0.1:5432 (the SQLite tests on SQLite), else all on SQLite;
# then the clock-touching tests with the clock a year ahead and behind
# (scripts/test-suite says which run each test is in).
test: browser-prerequisites check
	@if [ -x /usr/bin/chromium ]; then echo "Browser journeys: running in /usr/bin/chromium."; \
	elif [ "$$NEWSROOM_REQUIRE_BROWSER" = 1 ]; then echo "Browser journeys: /usr/bin/chromium is missing and NEWSROOM_REQUIRE_BROWSER=1." >&2; exit 1; \
	else echo "Browser journeys: SKIPPED, /usr/bin/chromium is not installed (apt-get install chromium)."; fi
	@if command -v java >/dev/null && command -v npm >/dev/null; then scripts/install-vnu >/dev/null; \
	else echo "HTML validity: SKIPPED, the Nu Html Checker needs java and npm (apt-get install default-jre-headless npm)."; fi
	@LOCAL_POSTGRES_URL=$(LOCAL_POSTGRES_URL) PYTEST_ARGS="$(PYTEST_ARGS)" scripts/test-suite

bench: venv
	$(TEST_ENV) $(PY) -m pytest tests/bench -s -q -p no:randomly $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var

# Pages and downloads at scale, on PostgreSQL with generate_load data (README,
# "Benchmarks"): DATABASE_URL=postgres:///newsroom_big make bench-scale
# (BENCH_PARTS=downloads or BENCH_PARTS=pages runs one part)
bench-scale: venv
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL to a generate_load database (README)."; exit 1; }
	$(PY) tests/bench/scale.py $(BENCH_PARTS)

# A day's mix under locust (README, "Benchmarks"): 50 subscribers, 5 editors
# and 2 reviewers for LOAD_RUN_TIME (default 2m) against gunicorn with debug
# off on loopback; prints p50/p95 per page and the errors. Changes the data.
load: venv
	@test -n "$$DATABASE_URL" || { echo "Set DATABASE_URL to a generate_load database (README)."; exit 1; }
	$(PY) tests/bench/load.py
