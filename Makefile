# custnotes: the front door. `make run` and `make test` do all the set-up on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
MANAGE := $(BIN)/python manage.py

.PHONY: run test test-dates lint fmt worker beat migrate messages install demo benchmark lock

install: $(STAMP) $(NPM_STAMP) locale/zh_Hans/LC_MESSAGES/django.mo

# The exact versions CI tested, from the lock (requirements/dev.txt: runtime + development), every
# download checked against its hash. A changed lock builds the environment afresh, so nothing that
# the lock does not name stays installed.
$(STAMP): requirements/dev.txt
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
		-r requirements/dev.txt
	touch $(STAMP)

## lock: re-resolve requirements/*.txt from pyproject.toml's ranges (after editing them);
##       `make lock UPGRADE=1` moves every package to the newest version the ranges allow
LOCK_VENV := .venv-lock
PIP_COMPILE := $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe \
	--no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || { $(PYTHON) -m venv $(LOCK_VENV) \
		&& $(LOCK_VENV)/bin/python -m pip install --quiet pip-tools==7.6.2; }
	$(PIP_COMPILE) -o requirements/base.txt pyproject.toml
	$(PIP_COMPILE) --extra dev -c requirements/base.txt -o requirements/dev.txt pyproject.toml

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NPM_STAMP)

locale/zh_Hans/LC_MESSAGES/django.mo: locale/zh_Hans/LC_MESSAGES/django.po $(STAMP)
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0

migrate: install
	mkdir -p var
	$(MANAGE) migrate --no-input
	$(MANAGE) ensure_schedules

demo: migrate
	$(MANAGE) load_demo --if-empty

## run: install, migrate, demo data into an empty database, then web + worker + scheduler (Ctrl-C stops all)
run: demo
	@echo "custnotes on http://127.0.0.1:8000  (admin / custnotes-demo)"
	$(BIN)/honcho -f Procfile.dev start

worker: migrate
	$(BIN)/celery -A custnotes worker --loglevel=INFO

beat: migrate
	$(BIN)/celery -A custnotes beat --loglevel=INFO --pidfile=

## test: install, then Django's checks, missing migrations, ruff, and the whole pytest suite
test: install
	mkdir -p var
	DJANGO_SETTINGS_MODULE=custnotes.settings.test $(MANAGE) check
	DJANGO_SETTINGS_MODULE=custnotes.settings.test $(MANAGE) makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n auto --durations=15 $(PYTEST_ARGS)

## test-dates: the date-sensitive tests again with the suite's clock on a year end (also a month end) and 29 February
CLOCK_DAYS ?= 2026-12-31 2028-02-29
test-dates: install
	mkdir -p var
	set -e; for day in $(CLOCK_DAYS); do echo "== the suite's clock on $$day"; \
		CUSTNOTES_TEST_TODAY=$$day $(BIN)/pytest -n auto -q -m "dates and not browser" $(PYTEST_ARGS); done

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: refresh the translation catalogue after adding strings (then translate the new entries)
messages: install
	$(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=node_modules --ignore=var --no-obsolete --no-location

## benchmark: time and peak memory of the model fits (1,000,000 customers, side by side with lifetimes), a 100k-row import and a large export
benchmark: migrate
	$(MANAGE) benchmark
