# make run: set everything up and start the chat (builds the index on first run).
# make test: set everything up and run the whole test suite, then the evaluation gate.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False
export GRADIO_ANALYTICS_ENABLED := False

.PHONY: install run test lint index eval bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) ui.py

index: install
	$(VENV)/bin/assistant ingest

test: install
	$(VENV)/bin/ruff check .
	$(PY) -m pytest
	$(VENV)/bin/assistant eval --gate

eval: install
	$(VENV)/bin/assistant eval

bench: install
	$(VENV)/bin/assistant bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) index/*/ index/*.json index/*.sqlite3
