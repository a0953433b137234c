# The two commands: `make run` (start the hotline) and `make test` (set up and pass the tests).
# Both set up whatever is missing first: host packages, the private Asterisk, the venv.

VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test setup host lint typecheck unit integration bench clean help

help:
	@echo "make run    set up what is missing and run the whole hotline (Ctrl-C stops it)"
	@echo "make test   set up what is missing and run lint, types, unit and integration tests"

setup: host $(STAMP)

host:
	@bash scripts/setup-host.sh >/dev/null

$(STAMP): pyproject.toml
	@echo "[setup] Python environment in $(VENV)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev,speech]'
	@rm -f $(VENV)/.installed-* && touch $@

run: setup
	@$(BIN)/ivr run

lint: setup
	$(BIN)/ruff check ivr tests agi_scripts

typecheck: setup
	$(BIN)/mypy

unit: setup
	$(BIN)/pytest -q tests/unit

integration: setup
	$(BIN)/pytest -q tests/integration

test: setup
	$(BIN)/ruff check ivr tests agi_scripts
	$(BIN)/mypy
	$(BIN)/pytest -q tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
