# The whole set-up: `make run` starts the server, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The server's data directory for `make run` (database, signing secret, initial admin password).
DATA_DIR ?= data

.PHONY: install run test soak lint typecheck bench images clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/mlprep serve --host 127.0.0.1 --port 8080 --data-dir $(DATA_DIR)

lint: install
	$(BIN)/ruff check src tests bench scripts examples
	$(BIN)/ruff format --check src tests bench scripts examples

typecheck: install
	$(BIN)/mypy src

# The suite runs on TEST_WORKERS processes (pytest-xdist), a test file to each at a time: most
# of its time is spent waiting on real servers, browsers and databases.
TEST_WORKERS ?= 3
test: install lint typecheck
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# The long variants: ten minutes of mixed load with faults, the crash suite at every point on
# PostgreSQL too, Schemathesis with ten times the examples (see docs/reliability.md), and the
# server's memory over 2 x 100,000 mixed requests from wrk (bench/README.md).
soak: install
	MLPREP_SOAK=1 $(BIN)/pytest tests/reliability tests/contract -p no:cacheprovider
	$(BIN)/python -m tests.reliability.soak --minutes 10
	$(BIN)/python -m tests.reliability.memory

bench: install
	$(BIN)/python -m bench

images: install
	$(BIN)/python scripts/draw_images.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
