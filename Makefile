# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo campaign ran in 2020: pin the campaign clock inside it unless told otherwise.
DEMO_TODAY ?= 2020-07-15

.PHONY: run test install install-test serve migrate demo clean bench bench-data

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

migrate: install
	$(BIN)/bangfu migrate

demo: migrate
	$(BIN)/bangfu demo --if-empty

run: demo
	BANGFU_TODAY=$${BANGFU_TODAY-$(DEMO_TODAY)} $(BIN)/bangfu serve --host $(HOST) --port $(PORT)

test: install-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) data/*.db data/*.db-wal data/*.db-shm

BENCH_URL ?= postgresql+psycopg://root@127.0.0.1:5432/bangfu_bench

bench-data: install
	$(BIN)/python bench/generate.py --url $(BENCH_URL)

bench: install
	$(BIN)/python bench/tables.py --url $(BENCH_URL)

# bench/imports.py: 50,000 weekly reports imported through the import service (scratch database bangfu_bench_imports).
.PHONY: bench-imports
bench-imports: install
	$(BIN)/python bench/imports.py
