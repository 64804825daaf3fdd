# The whole set-up: `make run` starts the server, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What each target needs installed, each with its own stamp: `make run` installs the server
# only; `make install` (and so `make test`) the development tools too, which include the server.
SERVER_STAMP := $(VENV)/.installed-server
DEV_STAMP := $(VENV)/.installed-dev
# `make run` serves on 127.0.0.1:8080 with its data in ./data. Each can be changed on the command
# line (`make run PORT=8090`) or by the server's own variables (`MLPREP_PORT=8090 make run`;
# likewise MLPREP_HOST and MLPREP_DATA_DIR): a flag is passed only for what is given here.
HOST ?=
PORT ?=
DATA_DIR ?= $(if $(MLPREP_DATA_DIR),,data)
SERVE_FLAGS = $(if $(HOST),--host $(HOST)) $(if $(PORT),--port $(PORT)) \
	$(if $(DATA_DIR),--data-dir $(DATA_DIR))

.PHONY: install install-server run test soak lint typecheck bench images clean

install: $(DEV_STAMP)

install-server: $(SERVER_STAMP)

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(SERVER_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[server]'
	touch $(SERVER_STAMP)

# The development extra includes the server's: its stamp counts for both.
$(DEV_STAMP): pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP) $(SERVER_STAMP)

run: install-server
	$(BIN)/mlprep serve $(SERVE_FLAGS)

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
