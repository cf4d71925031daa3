# Two entry points for a fresh machine: `make demo` and `make test` (see README).
# .venv is rebuilt only when pyproject.toml changes, so re-runs are fast.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: venv demo test test-unit test-integration lint bench lab-up lab-down clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	@interp="$$(.ci/find-python)" && echo "Using $$interp" && \
	  { [ -x $(PY) ] || "$$interp" -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: venv
	$(VENV)/bin/netops demo

test: venv
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

test-unit: venv
	$(PY) -m pytest -n 2 -m "not integration" $(PYTEST_ARGS)

test-integration: venv
	$(PY) -m pytest -n 2 -m integration $(PYTEST_ARGS)

.PHONY: molecule
# Every role's molecule scenario (syntax, check, converge, verify) against a lab the tests start.
molecule: venv
	$(PY) -m pytest -n 2 tests/integration/molecule $(PYTEST_ARGS)

bench: venv
	@for script in tests/bench/bench_*.py; do echo "== $$script"; $(PY) "$$script" || exit 1; done

lab-up: venv
	$(VENV)/bin/netops lab up

lab-down: venv
	$(VENV)/bin/netops lab down

clean:
	rm -rf $(VENV) .netops build *.egg-info
