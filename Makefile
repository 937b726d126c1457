# One entry point for the toolchain: `make run` and `make test` set everything up themselves.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test lint typecheck pytest pytest-future bench install system clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Debian packages the suite drives for real: PostgreSQL (the test run starts its own throwaway
# cluster from these binaries), libfaketime (the suite runs again with the clock moved ahead) and
# Chromium (the web app's browser tests drive it through Playwright; no browser is downloaded).
system:
	@missing=""; \
	  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	  command -v faketime >/dev/null 2>&1 || missing="$$missing faketime"; \
	  test -x /usr/bin/chromium || missing="$$missing chromium"; \
	  if [ -n "$$missing" ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  fi

# The main job: migrate the embedded SQLite record store and serve the API (no terminal needed).
run: install
	$(BIN)/commsgov serve

lint: install
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts

typecheck: install
	$(BIN)/mypy

pytest: install system
	$(BIN)/pytest -n 2 --dist loadgroup

# No test may take its expectation from the real clock: the same suite passes a year and ten
# years from now (libfaketime moves every clock the processes read). The reruns leave out what
# the first run covers with the clock where it is: the browser tests (marked slow) and the
# PostgreSQL twins of the storage and API tests, half the suite's time. tests/test_clock.py
# proves what that rests on: no test reads the clock, and no SQL in the product reads the
# database's clock, so a PostgreSQL test reaches the clock through the same Python as its twin.
pytest-future: install system
	faketime -f '+365d' $(BIN)/pytest -n 2 --dist loadgroup -q -p no:cacheprovider -m "not slow" -k "not postgresql"
	faketime -f '+3650d' $(BIN)/pytest -n 2 --dist loadgroup -q -p no:cacheprovider -m "not slow" -k "not postgresql"

test: lint typecheck pytest pytest-future

bench: install
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
