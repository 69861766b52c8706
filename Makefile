# The two commands: `make run` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test openapi bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## run: install, migrate the database, load the demo data when empty, serve on 127.0.0.1:$(PORT)
run: $(VENV)/.installed
	$(BIN)/registry db upgrade
	$(BIN)/registry demo --if-empty
	PORT=$(PORT) $(BIN)/registry serve

## test: install the test dependencies and run the whole suite
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

## openapi: regenerate openapi/openapi.json from the code
openapi: $(VENV)/.installed
	$(BIN)/registry openapi

## bench: speed and memory benchmarks (not part of the test suite); BENCH=public_list make bench runs one
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y -qq wrk >/dev/null; } \
		|| echo "bench: wrk is not installed (apt-get install wrk): bench_public_list is skipped"
	$(BIN)/python -m pytest tests/benchmarks -o python_files='bench_*.py' -p no:cacheprovider -s \
		$(if $(BENCH),-k '$(BENCH)')

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
