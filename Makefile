# Everyday tasks. Each runs inside .venv, created on first use.
.PHONY: install test test-slow lint typecheck bench check

VENV := .venv
PY := $(VENV)/bin/python

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q -e ".[test]"

install: $(PY)

test: $(PY)  ## the fast tier (what the README's test command runs)
	$(PY) -m pytest -q

test-slow: $(PY)  ## SIGKILL fault injection, whole-corpus scans, subprocess runs
	$(PY) -m pytest -q -m slow -n 0

lint: $(PY)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(PY)
	$(VENV)/bin/mypy

bench: $(PY)  ## figures, not tests: see bench/README.md
	$(PY) bench/analysis.py
	$(PY) bench/queries.py --sizes 10000
	$(PY) bench/ingest.py --skip-reader
	$(PY) bench/bot.py --feeds 50 --idle 30

check: lint typecheck test test-slow
