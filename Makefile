# Two commands on a fresh machine: `make run` and `make test`. Each installs what it needs.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench demo clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/onething calendar add 2026-09-30 5
	$(VENV)/bin/onething calendar show 2026 --calendar gx

lint: $(STAMP)
	$(VENV)/bin/ruff check engine flows tests benchmarks
	$(VENV)/bin/ruff format --check engine flows tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy engine

test: lint typecheck
	$(VENV)/bin/pytest

bench: $(STAMP)
	$(PY) benchmarks/bench_calendar.py

clean:
	rm -rf $(VENV) .onething .pytest_cache .mypy_cache .ruff_cache
