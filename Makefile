# leadpath: `make run` serves the tool with its demo platform; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := tests/node/node_modules/.installed
export LEADPATH_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgresql bootstrap lint bench clean frontend

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Node packages used by tests (xAPI validator, axe-core); skipped when npm is absent.
$(NODE_STAMP): tests/node/package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix tests/node && touch $(NODE_STAMP); \
	else echo "npm not found: xAPI validator and accessibility tests will skip"; fi

bootstrap: $(STAMP)
	@mkdir -p var
	$(VENV)/bin/leadpath db upgrade
	$(VENV)/bin/leadpath keys ensure

run: bootstrap
	LEADPATH_DEMO=$${LEADPATH_DEMO:-true} \
	LEADPATH_REGISTRATION_PRIVATE_ADDRESSES=$${LEADPATH_REGISTRATION_PRIVATE_ADDRESSES:-true} \
	$(VENV)/bin/leadpath serve --host 127.0.0.1 --port 8000

test: bootstrap $(NODE_STAMP)
	$(MAKE) test-sqlite
	$(MAKE) test-postgresql

test-sqlite:
	$(PY) -m pytest -q --db=sqlite

# Runs the suite again on PostgreSQL; without a server it skips visibly (fails under CI=true).
test-postgresql:
	$(PY) -m pytest -q --db=postgresql

# Style, formatting and dead code (vulture's settings are in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/vulture

# Re-vendor the NHS.UK design system (needs npm); the result is committed under lti_tool/static.
frontend:
	config/frontend/vendor.sh

clean:
	rm -rf $(VENV) var .pytest_cache
