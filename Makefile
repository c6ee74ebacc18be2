# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
INSTALLED := $(VENV)/.installed
# `make run` is local development: embedded defaults, demo data and the development login.
# Without APP_CONFIG the app is production and refuses to start without its services.
DEVELOPMENT := APP_CONFIG=development
FLASK := $(DEVELOPMENT) $(BIN)/flask --app wsgi
# The PostgreSQL pass of the suite; CI requires it, elsewhere it runs when the server answers.
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/kuntatutor_test

.PHONY: install lock translations run test migrate seed clean

# Every package, pip and the build backend included, comes from requirements.lock with its hashes:
# a new release elsewhere cannot change what a fresh clone installs. pyproject.toml keeps the ranges.
$(INSTALLED): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(INSTALLED)

install: $(INSTALLED)

# Re-resolve pyproject.toml's ranges into requirements.lock (pip-tools comes from the lock itself).
lock: install
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --build-deps-for editable \
		--extra dev --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements.lock pyproject.toml

# The Finnish and Swedish catalogues compiled to the .mo files Flask-Babel reads; the .mo files
# are build products (not committed), so `run` and `test` build them first.
translations: install
	$(BIN)/pybabel compile -d app/translations

migrate: install
	$(FLASK) db upgrade

seed: migrate
	$(FLASK) seed-demo

run: translations seed
	@echo
	@echo "  Kuntatutor is starting on http://127.0.0.1:5000"
	@echo "  Organizer login: admin@example.org / kuntatutor-demo"
	@echo "  Mail it sends:   http://127.0.0.1:5000/dev/mail/"
	@echo "  Ctrl-C stops the web app, the worker and the scheduler."
	@echo
	$(DEVELOPMENT) PATH="$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start

test: install translations
	$(BIN)/pytest
	@if [ "$$CI" = "true" ] || $(BIN)/python -c "import psycopg; psycopg.connect('host=127.0.0.1 user=postgres dbname=postgres', connect_timeout=2)" 2>/dev/null; then \
		echo "== The suite again on PostgreSQL =="; \
		TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/pytest; \
	else \
		echo "PostgreSQL is not reachable: the PostgreSQL pass was left out."; \
	fi

clean:
	rm -rf $(VENV) instance .pytest_cache
