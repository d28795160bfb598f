# leadpath: `make run` serves the tool with its demo platform; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: the server's own dependencies (all `make run` needs), and the test tools
# (pytest, playwright, ruff, vulture, lti1p3platform …) that only `make test` and `make lint` add.
STAMP := $(VENV)/.installed-server
TEST_STAMP := $(VENV)/.installed-test
NODE_STAMP := tests/node/node_modules/.installed
export LEADPATH_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgresql bootstrap lint bench clean frontend

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	@touch $(STAMP)

$(TEST_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(TEST_STAMP)

# Node packages used by tests (xAPI validator, axe-core); skipped when npm is absent.
$(NODE_STAMP): tests/node/package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --silent --no-audit --no-fund --prefix tests/node && touch $(NODE_STAMP); \
	else echo "npm not found: xAPI validator and accessibility tests will skip"; fi

bootstrap: $(STAMP)
	@mkdir -p "$(LEADPATH_DATA_DIR)"
	$(VENV)/bin/leadpath db upgrade
	$(VENV)/bin/leadpath keys ensure

# `leadpath serve` creates the keys and the database itself (and says so).
run: $(STAMP)
	LEADPATH_DEMO=$${LEADPATH_DEMO:-true} \
	LEADPATH_REGISTRATION_PRIVATE_ADDRESSES=$${LEADPATH_REGISTRATION_PRIVATE_ADDRESSES:-true} \
	$(VENV)/bin/leadpath serve --host 127.0.0.1 --port 8000

# Each pass runs in TEST_WORKERS processes (pytest-xdist), each with its own database; an idle
# worker takes tests queued for a busy one. `make test TEST_WORKERS=0` runs in one process.
# Each pass ends by naming its 15 slowest tests.
TEST_WORKERS ?= 2
PYTEST_OPTIONS := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist worksteal) --durations=15

test: $(TEST_STAMP) $(NODE_STAMP)
	$(MAKE) test-sqlite
	$(MAKE) test-postgresql

test-sqlite: $(TEST_STAMP)
	$(PY) -m pytest -q --db=sqlite $(PYTEST_OPTIONS)

# Runs the suite again on PostgreSQL; without a server it skips visibly (fails under CI=true).
# Tests that never touch the suite's database ran in the SQLite pass and are not repeated.
test-postgresql: $(TEST_STAMP)
	$(PY) -m pytest -q --db=postgresql --database-tests-only $(PYTEST_OPTIONS)

# Style, formatting and dead code (vulture's settings are in pyproject.toml).
lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/vulture

# Re-vendor the NHS.UK design system (needs npm); the result is committed under lti_tool/static.
frontend:
	config/frontend/vendor.sh

clean:
	rm -rf $(VENV) var .pytest_cache
