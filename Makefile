# Two commands: `make run` and `make test`. Every target creates .venv when missing.
# `make token ROLE=...` prints a token for the local server; `make package STAGE=...` checks the
# stage's sign-in settings, then builds the deployment package under build/<stage>.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
STAGE ?= dev

.PHONY: run test bench token package deploy cost snapshot import-benchmarks clean

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

# `make package STAGE=prod`: check the stage's settings, build Chalice's SAM template merged with
# infra/template.json and the Lambda zip under build/<stage>, then check what was built (sign-in
# settings as deployed, cfn-lint, the zip's size and contents). PARAMS: stack parameters as
# NAME=VALUE, given to the check and to `make deploy` (e.g. an Entra ID issuer).
INFRA := infra/template.json
AWS_REGION_DEFAULT := $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),eu-west-2)
PARAMS ?=
STACK ?= ldd-tracker-$(STAGE)

package: $(STAMP)
	$(BIN)/python -m devserver.check_stage $(STAGE) --merge-template $(INFRA)
	rm -rf build/$(STAGE)
	AWS_DEFAULT_REGION=$(AWS_REGION_DEFAULT) $(BIN)/chalice package --stage $(STAGE) --merge-template $(INFRA) build/$(STAGE)
	$(BIN)/python -m devserver.check_stage $(STAGE) --template build/$(STAGE)/sam.json --zip build/$(STAGE)/deployment.zip $(foreach p,$(PARAMS),--parameter $(p))
	$(BIN)/cfn-lint build/$(STAGE)/sam.json
	@echo "build/$(STAGE): sam.json and deployment.zip ($$(du -h build/$(STAGE)/deployment.zip | cut -f1)) are ready; next: make deploy STAGE=$(STAGE) BUCKET=<an S3 bucket for the code>"

# Needs the AWS CLI, credentials for the account and an S3 bucket for the code (not run in CI).
deploy: package
	@test -n '$(BUCKET)' || { echo 'usage: make deploy STAGE=dev|prod BUCKET=<s3 bucket> [PARAMS="OidcIssuer=... OidcAudience=..."]' >&2; exit 2; }
	aws cloudformation package --template-file build/$(STAGE)/sam.json --s3-bucket '$(BUCKET)' --output-template-file build/$(STAGE)/packaged.yaml
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.yaml --stack-name $(STACK) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --parameter-overrides Stage=$(STAGE) $(PARAMS)
	aws cloudformation describe-stacks --stack-name $(STACK) --query 'Stacks[0].Outputs' --output table

# What 1,000 assessments and 1,000 scorecard reads cost at on-demand prices (prices to be checked).
cost: $(STAMP)
	@$(BIN)/python infra/cost.py

clean:
	rm -rf $(VENV) .pytest_cache build
