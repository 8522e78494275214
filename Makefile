# Plenary: `make run` starts the embedded stack, `make test` runs every check and test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test check lint format vendor install install-dev clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-dev: $(VENV)/.installed-dev

## run: install, migrate, load the demo and start web + worker + beat (+ embedded Redis)
run: $(VENV)/.installed-run
	$(BIN)/python scripts/run.py

## test: install, find (or get) Chromium, run the quality gates, then the whole suite
test: $(VENV)/.installed-dev browser check
	PLENARY_CHROMIUM="$$(cat .run/chromium)" $(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

## browser: PLENARY_CHROMIUM, the system's Chromium, Playwright's, or Debian's (scripts/ensure_chromium.py)
browser: $(VENV)/.installed-dev
	@mkdir -p .run
	@$(BIN)/python scripts/ensure_chromium.py > .run/chromium.new && mv .run/chromium.new .run/chromium
	@echo "Chromium for the browser tests: $$(cat .run/chromium)"

## check: ruff, ruff format, mypy, missing migrations, deploy checks
check: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy apps config
	DATABASE_URL= DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python scripts/check_deploy.py

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## vendor: re-fetch htmx, its websocket extension and Pico from the npm registry
vendor:
	bash scripts/vendor.sh

clean:
	rm -rf .run db.sqlite3 db.sqlite3-* staticfiles
