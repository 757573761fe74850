# Two commands do all set-up: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip

.PHONY: run test lint format frontend clean-demo help

help:
	@echo "make run    - install, migrate, seed demo data, serve on http://127.0.0.1:8000 (with localstripe)"
	@echo "make test   - install dev requirements and run the whole test suite"
	@echo "make lint   - ruff check and format check"

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

# A local .env with a fresh secret key; never committed.
.env:
	@printf 'DEBUG=true\nSECRET_KEY=%s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env (DEBUG=true, a random SECRET_KEY)."

# The dev requirements bring localstripe, the demo's Stripe (see README.md).
run: $(VENV)/.installed-dev .env
	@mkdir -p var
	$(PY) manage.py rundemo

test: $(VENV)/.installed-dev .env
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Rebuild static/css/app.css and the vendored front-end files (needs Node).
frontend:
	bash scripts/build_frontend.sh

clean-demo:
	rm -f var/db.sqlite3 var/db.sqlite3-* var/demo-seeded var/localstripe.pickle
