# The two commands of the README: `make run` and `make test`. Everything installs from uv.lock.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo campaign ran in 2020: pin the campaign clock inside it unless told otherwise.
DEMO_TODAY ?= 2020-07-15

# uv itself is pinned and installed into a tools venv of its own, so a fresh machine needs only Python.
UV_VERSION ?= 0.13.9
TOOLS ?= .tools
UV := $(TOOLS)/bin/uv
SYNC := UV_PROJECT_ENVIRONMENT=$(VENV) UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --quiet --python $(PYTHON)

.PHONY: run test lint install install-test migrate demo clean bench bench-data bench-imports lock

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

# The runtime alone; a development install (tests, lint, benchmarks) includes it, so `make run`
# after `make test` keeps the development tools.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	$(SYNC) --no-default-groups
	@rm -f $(VENV)/.installed-dev
	touch $@

$(VENV)/.installed-dev: pyproject.toml uv.lock | $(UV)
	$(SYNC) --all-groups
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-dev

# After changing a dependency in pyproject.toml: write uv.lock anew, then commit both.
lock: | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) lock --python $(PYTHON)

migrate: install
	$(BIN)/bangfu migrate

demo: migrate
	$(BIN)/bangfu demo --if-empty

# The server and, beside it, the worker that runs background jobs (imports, scheduled tasks); the
# worker stops with the server (Ctrl-C stops both).
run: demo
	@export BANGFU_TODAY=$${BANGFU_TODAY-$(DEMO_TODAY)}; \
	$(BIN)/bangfu worker & worker=$$!; \
	trap 'kill -INT $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/bangfu serve --host $(HOST) --port $(PORT)

# One test process per core (pytest-xdist), each with databases of its own; a file's tests stay
# together so that its module fixtures (live servers, browsers) start once.
TEST_WORKERS ?= auto
test: install-test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The lock agrees with pyproject.toml; the architecture (import-linter contracts in pyproject.toml),
# strict types and lint.
lint: install-test
	UV_PYTHON_DOWNLOADS=never $(UV) lock --check --quiet --python $(PYTHON)
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/ruff check app tests bench migrations

clean:
	rm -rf $(VENV) $(TOOLS) data/*.db data/*.db-wal data/*.db-shm

BENCH_URL ?= postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench

PAIRINGS ?= 140000
bench-data: $(VENV)/.installed-dev
	$(BIN)/python bench/generate.py --url $(BENCH_URL) --pairings $(PAIRINGS)

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/tables.py --url $(BENCH_URL)

# bench/imports.py: 5,000 weekly reports imported in bulk and row by row, side by side (scratch database bangfu_bench_imports;
# BENCH_IMPORTS_URL=sqlite:///data/bench-imports.db for SQLite).
BENCH_IMPORTS_URL ?= postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench_imports
bench-imports: $(VENV)/.installed-dev
	$(BIN)/python bench/imports.py --url $(BENCH_IMPORTS_URL)
