# The two commands: `make run` (start the hotline) and `make test` (set up and pass the tests).
# Both set up whatever is missing first: host packages, the private Asterisk, the venv.

VENV    ?= .venv
PYTHON  ?= python3
BIN      = $(VENV)/bin
STAMP    = $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test setup host lint typecheck unit integration bench faults cluster day screenshots clean help

help:
	@echo "make run    set up what is missing and run the whole hotline (Ctrl-C stops it)"
	@echo "make test   set up what is missing and run lint, types, unit and integration tests"
	@echo "make bench  the benchmarks of bench/README.md (about 10 minutes; not part of make test)"
	@echo "make faults the fault suite's full form (about 13 minutes; make test runs a short one)"
	@echo "make cluster the two-node cluster test's longer form (20 + 20 calls; README Cluster)"
	@echo "make day    the full simulated day: 24 h in 10 minutes (bench/results/day.md; make test runs a short one)"
	@echo "make screenshots  the README's screenshots from the live stack (docs/screenshots)"

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
	$(BIN)/pytest -q -n auto tests/unit

# Integration: two at a time (each test module on one worker, its own ports and stacks), then
# the `solo` ones alone: their service-level timings and the cluster's bridge need the machine.
INTEGRATION = $(BIN)/pytest -q --durations=15 -n 2 --dist loadfile -m "not solo" tests/integration \
	&& $(BIN)/pytest -q --durations=5 -m solo tests/integration

integration: setup
	$(INTEGRATION)

test: setup
	$(BIN)/ruff check ivr tests agi_scripts
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto tests/unit
	$(INTEGRATION)

# Benchmarks (bench/README.md): not part of `make test`; about 10 minutes. Each prints Markdown
# tables and keeps its figures in bench/results/*.json. SPEECH=1 adds the vosk speech bench.
BENCH_STAMP = $(VENV)/.bench-$(shell sha1sum pyproject.toml | cut -c1-12)

$(BENCH_STAMP): $(STAMP)
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[dev,speech,bench]'
	@rm -f $(VENV)/.bench-* && touch $@

bench: setup $(BENCH_STAMP)
	@mkdir -p bench/results
	$(BIN)/python bench/fastagi_bench.py > bench/results/fastagi.md && cat bench/results/fastagi.md
	$(BIN)/python bench/tickets_bench.py > bench/results/tickets.md && cat bench/results/tickets.md
	$(BIN)/python bench/e2e_bench.py > bench/results/e2e.md && cat bench/results/e2e.md
	$(BIN)/python bench/queue_join_bench.py > bench/results/queue_join.md && cat bench/results/queue_join.md
	@if [ -n "$(SPEECH)" ]; then $(BIN)/python bench/speech_bench.py > bench/results/speech.md \
		&& cat bench/results/speech.md; fi

screenshots: setup
	$(BIN)/python scripts/screenshots.py

# The fault suite's full form: 60 calls per fault; every Python service killed in turn, the
# AMI link cut, redis stopped, SQLite locked, PostgreSQL stopped, Asterisk restarted; its table
# goes to bench/results/faults.md. `make test` runs the short form (16 calls, 3 faults).
faults: setup
	FAULTS_FULL=1 $(BIN)/pytest -q -s tests/integration/test_faults_under_load.py

# Two nodes behind Kamailio (README "Cluster"), 20 callers before a node is killed and 20
# after; `make test` runs the short form (4 and 4).
cluster: setup
	CLUSTER_FULL=1 $(BIN)/pytest -q -s --durations=0 tests/integration/test_cluster.py

# The simulated day (issue 18, bench/README.md section 8): 24 hours in 10 minutes against the
# real stack, SIPp callers and operators; our figures beside SIPp's in bench/results/day.md.
# `make test` runs a 2-minute day (tests/integration/test_simulated_day.py).
day: setup
	$(BIN)/python bench/simulated_day.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
