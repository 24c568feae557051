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

# The service (Prefect server, case flows, supervision sweep) with the demo cases through it;
# Ctrl-C stops it. The Prefect UI is at http://127.0.0.1:4200.
run: $(STAMP)
	$(VENV)/bin/onething serve & serve=$$!; trap 'kill $$serve 2>/dev/null' INT TERM EXIT; \
	$(VENV)/bin/onething demo --prefect && \
	echo "onething serve is running; the Prefect UI is at http://127.0.0.1:4200 (Ctrl-C stops)" && \
	wait $$serve

lint: $(STAMP)
	$(VENV)/bin/ruff check engine flows tests benchmarks
	$(VENV)/bin/ruff format --check engine flows tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy engine flows tests benchmarks

test: lint typecheck
	$(VENV)/bin/pytest

# Speed targets (figures, not assertions): see README "Measured".
bench: $(STAMP)
	$(PY) benchmarks/bench_calendar.py
	$(PY) benchmarks/bench_cases.py --cases 1000 --open-cases 1000
	$(PY) benchmarks/bench_cases.py --cases 10000 --batch 50 --processes 3
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_connectors.py
	$(PY) benchmarks/bench_flows.py --postgres --gap 3

clean:
	rm -rf $(VENV) .onething .pytest_cache .mypy_cache .ruff_cache
