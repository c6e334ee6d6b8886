# Two commands: `make run` and `make test`. Every target creates .venv when missing.
# `make token ROLE=...` prints a token for the local server; `make package STAGE=...` checks the
# stage's sign-in settings, then builds the deployment package under build/<stage>.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
STAGE ?= dev

.PHONY: run test bench token package snapshot import-benchmarks clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# Take this month's scorecard snapshots now (the daily scheduled function does it on AWS).
snapshot: $(STAMP)
	@PORT=$(PORT) $(BIN)/python -m devserver.snapshot

# Import one benchmark set from a CSV (docs/benchmarks.md, section 2) into the running local
# server, as a platform admin (for a deployed API: python -m devserver.import_benchmarks --help).
import-benchmarks: $(STAMP)
	@test -n '$(FILE)' || { echo 'usage: make import-benchmarks FILE=path/to/set.csv [PORT=8000]' >&2; exit 2; }
	@PORT='$(PORT)' $(BIN)/python -m devserver.import_benchmarks '$(FILE)'

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m devserver

test: $(STAMP)
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m devserver.bench

# Prints only the token (also without -s), so that TOKEN=$$(make -s token ROLE=admin) works.
token: $(STAMP)
	@ROLE='$(ROLE)' ORG='$(ORG)' EMAIL='$(EMAIL)' HOURS='$(HOURS)' PORT='$(PORT)' $(BIN)/python -m devserver.token

package: $(STAMP)
	$(BIN)/python -m devserver.check_stage $(STAGE)
	$(BIN)/chalice package --stage $(STAGE) build/$(STAGE)

clean:
	rm -rf $(VENV) .pytest_cache build
