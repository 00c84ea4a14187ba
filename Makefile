# The two commands of the contract: `make test` runs every test, `make demo` runs the main job.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# npm scripts run on the Node 24 devDependency, the runtime GitHub uses for node24 actions.
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/go/bin:$(PATH)

ACTIONLINT_VERSION := v1.7.7

.PHONY: test demo deps lint typecheck unit e2e check-dist build bench actionlint hadolint shellcheck zizmor \
        test-infra act stack-up stack-down stack-status

test: deps lint typecheck actionlint zizmor hadolint shellcheck unit e2e test-infra check-dist
	@echo "make test: every suite passed."

deps: node_modules/.deps-stamp

node_modules/.deps-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

lint: deps
	npm run lint

typecheck: deps
	npm run typecheck

unit: deps
	npm test

# The e2e suites' global setup brings the local stack up (or reuses it).
e2e: deps
	npm run test:e2e

check-dist: deps
	npm run check-dist

build: deps
	npm run build

bench: deps
	npm run bench

actionlint:
	@command -v actionlint >/dev/null || go install github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)
	actionlint

hadolint:
	scripts/hadolint.sh

# The workflows' security audit (PyPI's zizmor, offline): no finding of medium severity or above.
zizmor:
	scripts/zizmor.sh

# nektos/act, which the act e2e tests (test/e2e/act-*.test.ts) run the workflows with; built once per version.
act:
	scripts/act/install.sh

# Every tracked shell script (*.sh and bash/sh shebangs); installs Debian's shellcheck when missing.
shellcheck:
	scripts/shellcheck.sh

test-infra:
	infra/tests/run.sh

stack-up:
	scripts/stack/up.sh

stack-down:
	scripts/stack/down.sh

stack-status:
	scripts/stack/status.sh

demo: deps
	scripts/demo.sh
