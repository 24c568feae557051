# Two commands on a fresh machine: `make run` and `make test`. Each installs what it needs.
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench demo clean browser

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The service with living demo cases: the HTTP API at http://127.0.0.1:8000 (docs at /docs),
# the Prefect server and UI at http://127.0.0.1:4200, the case flows and the supervision sweep.
# It prints one token per demo role; Ctrl-C stops every part.
run: $(STAMP)
	$(VENV)/bin/onething serve --demo

lint: $(STAMP)
	$(VENV)/bin/ruff check engine flows tests benchmarks
	$(VENV)/bin/ruff format --check engine flows tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy engine flows tests benchmarks

# The pages' tests drive Debian's chromium (Playwright cannot download its own browser here)
# and need the CJK fonts to render Chinese: installed with apt when missing.
browser:
	@command -v chromium >/dev/null && fc-list | grep -qi "Noto Sans CJK" || \
	  { apt-get update && apt-get install -y chromium fonts-noto-cjk; }

test: lint typecheck browser
	$(VENV)/bin/pytest

# Speed targets (figures, not assertions): see README "Measured".
bench: $(STAMP)
	$(PY) benchmarks/bench_calendar.py
	$(PY) benchmarks/bench_cases.py --cases 1000 --open-cases 1000
	$(PY) benchmarks/bench_cases.py --cases 10000 --batch 50 --processes 3
	$(PY) benchmarks/bench_sweep.py
	$(PY) benchmarks/bench_api.py --db sqlite
	$(PY) benchmarks/bench_api.py --db postgresql
	$(PY) benchmarks/bench_pages.py --cases 100000
	$(PY) benchmarks/bench_connectors.py
	$(PY) benchmarks/bench_flows.py --postgres --gap 3

clean:
	rm -rf $(VENV) .onething .pytest_cache .mypy_cache .ruff_cache .screenshots
