# Two commands: `make run` and `make test`. Every target creates .venv when missing.
# `make token ROLE=...` prints a token for the local server; `make package STAGE=...` checks the
# stage's sign-in settings, then builds the deployment package under build/<stage>.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000
STAGE ?= dev

.PHONY: run test unit-test browser-test bench token package deploy cost snapshot import-benchmarks export import repair-rollup frontend clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is required")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

# GOV.UK Frontend (and, for the browser tests, playwright-core and axe-core) from the npm
# registry at the versions pinned in package-lock.json; Node.js 20 or newer is a prerequisite.
# node_modules/ is never committed.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo 'Node.js 20 or newer (with npm) is required: https://nodejs.org' >&2; exit 1; }
	@node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || { echo "Node.js 20 or newer is required (found $$(node --version))" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

frontend: $(NODE_STAMP)

# Take this month's scorecard snapshots now (the daily scheduled function does it on AWS), as a
# platform admin: a development-key token, or TOKEN=<a platform admin's token> for a server that
# trusts another provider (OIDC_ISSUER set where it runs).
snapshot: $(STAMP)
	@PORT=$(PORT) $(BIN)/python -m devserver.snapshot

# Import one benchmark set from a CSV (docs/benchmarks.md, section 2) into the running local
# server, as a platform admin (for a deployed API: python -m tools.import_benchmarks --help).
import-benchmarks: $(STAMP)
	@test -n '$(FILE)' || { echo 'usage: make import-benchmarks FILE=path/to/set.csv [PORT=8000]' >&2; exit 2; }
	@PORT='$(PORT)' $(BIN)/python -m tools.import_benchmarks '$(FILE)'

# An organisation's records, ids, dates and audit trail kept, out of a store into a file and into
# another store (tools/transfer.py): the local one (LDD_LOCAL_DIR), or with TABLE=<name> a deployed
# stage's table, with AWS credentials for it (REGION=..., default AWS_REGION, else eu-west-2).
# The local server may be running. Both resume when run again after an interruption.
# MOTO_FOLDER=.local exports from a folder saved by the previous local store (dynamodb.json).
TRANSFER_TO = $(if $(TABLE),--table '$(TABLE)') $(if $(REGION),--region '$(REGION)')
export: $(STAMP)
	@test -n '$(ORG)' -a -n '$(FILE)' || { echo 'usage: make export ORG=<org_id> FILE=path/to/org.jsonl [TABLE=<deployed table> REGION=... | MOTO_FOLDER=<old local folder>]' >&2; exit 2; }
	@$(BIN)/python -m tools.transfer export '$(ORG)' '$(FILE)' $(TRANSFER_TO) $(if $(MOTO_FOLDER),--moto-folder '$(MOTO_FOLDER)')

import: $(STAMP)
	@test -n '$(FILE)' || { echo 'usage: make import FILE=path/to/org.jsonl [TABLE=<deployed table> REGION=...]' >&2; exit 2; }
	@$(BIN)/python -m tools.transfer import '$(FILE)' $(TRANSFER_TO)

# Recompute the organisations' roll-ups (tools/repair_rollup.py): after upgrading a stage whose
# organisations predate them, or changing the lock-in policy. ORG=... for one; TABLE=... REGION=...
# for a deployed stage (AWS credentials for it), else the local store.
repair-rollup: $(STAMP)
	@$(BIN)/python -m tools.repair_rollup $(if $(ORG),'$(ORG)') $(TRANSFER_TO)

run: $(STAMP) $(NODE_STAMP)
	PORT=$(PORT) $(BIN)/python -m devserver

test: unit-test browser-test

unit-test: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m pytest

# The pages in Debian's Chromium (tests/browser): screenshots and the accessibility report go to
# build/browser/. Skipped without /usr/bin/chromium (apt-get install chromium), except in CI.
browser-test: $(STAMP) $(NODE_STAMP)
	node --test --test-reporter=spec tests/browser/

# The local server's part of the bench serves the pages' assets too, hence node_modules. Then the
# local store at council size (tools/local_bench.py: SQLite at 1,000 and 20,000 items, moto at
# 1,000; LOCAL_BENCH="--store sqlite --sizes 1000" for a shorter run).
LOCAL_BENCH ?=
bench: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m tools.bench
	$(BIN)/python -m tools.local_bench $(LOCAL_BENCH)
	$(BIN)/python -m tools.scale_bench

# Prints only the token (also without -s), so that TOKEN=$$(make -s token ROLE=admin) works.
token: $(STAMP)
	@ROLE='$(ROLE)' ORG='$(ORG)' EMAIL='$(EMAIL)' HOURS='$(HOURS)' PORT='$(PORT)' $(BIN)/python -m devserver.token

# `make package STAGE=prod`: check the stage's settings, build Chalice's SAM template merged with
# infra/template.json, the function zip (deployment.zip: the app) and its Lambda layer
# (layer-deployment.zip: requirements.txt; automatic_layer in .chalice/config.json) under
# build/<stage>, then check what was built (sign-in settings as deployed, cfn-lint, the zips' sizes
# and contents, printed one line per zip). PARAMS: stack parameters as NAME=VALUE, given to the
# check and to `make deploy` (e.g. an Entra ID issuer).
INFRA := infra/template.json
AWS_REGION_DEFAULT := $(or $(AWS_REGION),$(AWS_DEFAULT_REGION),eu-west-2)
PARAMS ?=
STACK ?= ldd-tracker-$(STAGE)

package: $(STAMP) $(NODE_STAMP)
	$(BIN)/python -m tools.check_stage $(STAGE) --merge-template $(INFRA)
	rm -rf build/$(STAGE)
	AWS_DEFAULT_REGION=$(AWS_REGION_DEFAULT) $(BIN)/chalice package --stage $(STAGE) --merge-template $(INFRA) build/$(STAGE)
	$(BIN)/python -m tools.check_stage $(STAGE) --template build/$(STAGE)/sam.json --zip build/$(STAGE)/deployment.zip --layer build/$(STAGE)/layer-deployment.zip $(foreach p,$(PARAMS),--parameter $(p))
	$(BIN)/cfn-lint build/$(STAGE)/sam.json
	@echo "build/$(STAGE): sam.json, deployment.zip and layer-deployment.zip are ready; next: make deploy STAGE=$(STAGE) BUCKET=<an S3 bucket for the code>"

# Needs the AWS CLI, credentials for the account and an S3 bucket for the code (not run in CI).
# `aws cloudformation package` uploads both zips, as the template names them (the functions'
# CodeUri, the layer's ContentUri), and writes packaged.yaml with their S3 locations.
# A confidential client's secret (Entra ID web app) comes from the environment variable
# OIDC_CLIENT_SECRET, so that it is not in the command line make prints; it becomes the NoEcho
# parameter OidcClientSecret (a later deploy without it keeps the stack's value).
# Then GOV.UK Frontend's files go to the stack's assets bucket under assets/, with the content
# types the local server sends (devserver.assets), and files no longer shipped are deleted.
deploy: package
	@test -n '$(BUCKET)' || { echo 'usage: make deploy STAGE=dev|prod BUCKET=<s3 bucket> [PARAMS="OidcIssuer=... OidcAudience=... AppBaseUrl=https://..."]' >&2; exit 2; }
	aws cloudformation package --template-file build/$(STAGE)/sam.json --s3-bucket '$(BUCKET)' --output-template-file build/$(STAGE)/packaged.yaml
	aws cloudformation deploy --template-file build/$(STAGE)/packaged.yaml --stack-name $(STACK) --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset --parameter-overrides Stage=$(STAGE) $(PARAMS) $${OIDC_CLIENT_SECRET:+"OidcClientSecret=$$OIDC_CLIENT_SECRET"}
	$(BIN)/python -m devserver.assets stage build/$(STAGE)/static
	@set -e; \
	assets_bucket=$$(aws cloudformation describe-stacks --stack-name $(STACK) --query "Stacks[0].Outputs[?OutputKey=='AssetsBucketName'].OutputValue" --output text); \
	case "$$assets_bucket" in ""|None) echo "The stack $(STACK) has no AssetsBucketName output" >&2; exit 1;; esac; \
	echo "aws s3 sync build/$(STAGE)/static/assets s3://$$assets_bucket/assets (per content type, then --delete)"; \
	$(BIN)/python -m devserver.assets types | while read -r extension content_type; do \
	  aws s3 sync build/$(STAGE)/static/assets "s3://$$assets_bucket/assets" --only-show-errors \
	    --exclude '*' --include "*.$$extension" --content-type "$$content_type"; \
	done; \
	aws s3 sync build/$(STAGE)/static/assets "s3://$$assets_bucket/assets" --delete --only-show-errors
	aws cloudformation describe-stacks --stack-name $(STACK) --query 'Stacks[0].Outputs' --output table

# What 1,000 assessments and 1,000 scorecard reads cost at on-demand prices (prices to be checked).
cost: $(STAMP)
	@$(BIN)/python infra/cost.py

clean:
	rm -rf $(VENV) .pytest_cache build node_modules
