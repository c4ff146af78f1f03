# The two set-up commands (`make run`, `make test`) do every install step themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PIP_NO_INPUT := 1
export DEBIAN_FRONTEND := noninteractive
# Root installs apt packages directly; everyone else through sudo.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test test-fast lint bench install install-test browser bench-tools clean

# Where `make run` serves (`make run BIND=127.0.0.1:8080`); the login it prints and the links
# in mails follow, unless WAGTAILADMIN_BASE_URL is set to the site's public address.
BIND ?= 127.0.0.1:8000

## run: install, migrate, load the demo once, print the login, serve on $(BIND) with the worker
run: export WAGTAILADMIN_BASE_URL ?= http://$(BIND)
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v 0
	$(PY) manage.py load_initial_data
	$(PY) manage.py demo_editor --bind $(BIND)
	$(PY) manage.py serve --bind $(BIND)

## test: install everything the suite needs (Chromium included), then run all of it
test: install-test browser
	$(PY) -m pytest $(PYTEST_ARGS)

## test-fast: the everyday loop, under a minute: no browser, no server processes (-m), two
## workers (-n 2), the migrated SQLite test database kept between runs (--reuse-migrated-db)
test-fast: install-test
	$(PY) -m pytest -m "not browser and not slow" -n 2 --reuse-migrated-db $(PYTEST_ARGS)

## lint: ruff over the whole tree, and the import contracts in pyproject.toml (app layers,
## no import cycle inside an app)
lint: install-test
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

## bench: every figure the project promises, measured in one run, as one table
bench: install-test browser bench-tools
	$(PY) -m tests.bench

# The stamp files make a second run skip pip when the pinned files have not changed.
$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt pyproject.toml | $(VENV)/bin/python
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements-test.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's Chromium for the browser tests; Playwright's own browser download is not used.
browser:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

# wrk for the page throughput figures; Node and npm for Lighthouse, which tests/bench installs
# itself (pinned) under var/bench/node/.
bench-tools:
	@missing="$$(command -v wrk >/dev/null || echo wrk) $$(command -v npm >/dev/null || echo nodejs npm)"; \
	if [ -n "$${missing// /}" ]; then $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $$missing; fi

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
