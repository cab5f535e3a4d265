# Two commands: `make run` and `make test`. Each sets up everything it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint install bytecode browser pgbouncer valgrind node-client cli-client bench clean coverage-doc

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The package's bytecode, written ahead: an editable install leaves it to the first import, which writes
# none where PYTHONDONTWRITEBYTECODE is set (as on these machines), so every start compiled every module
# again (~0.1 s of each `connectapps serve`). Only what changed is compiled again.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q src

# The demo lets deauthorize callbacks reach this machine (an app under development on localhost);
# a server without the flag sends them to public addresses only (docs/deployment.md).
run: bytecode
	$(BIN)/connectapps serve --demo --callback-allowed-hosts loopback

lint: $(STAMP)
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy

# $(call debian,CHECK,PACKAGES): Debian's PACKAGES, installed unless the shell test CHECK passes already
# (the package lists are updated only if the first try fails); CHECK must pass afterwards.
define debian
@$(1) || { apt-get install -y $(2) >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y $(2) >/dev/null; }; }
@$(1) || { echo "make: could not install Debian's $(2)" >&2; exit 1; }
endef

# The browser tests drive Debian's Chromium (Playwright cannot download its own here).
browser:
	$(call debian,test -x /usr/bin/chromium,chromium)

# The PostgreSQL half also runs through a PgBouncer in transaction mode, which the tests start
# themselves (tests/pgbouncer.py) from Debian's package: only the binary is needed.
PGBOUNCER_BIN = command -v pgbouncer >/dev/null || test -x /usr/sbin/pgbouncer
pgbouncer:
	$(call debian,$(PGBOUNCER_BIN),pgbouncer)

# `python -m bench instructions` counts instructions under Valgrind (tests/test_bench_instructions.py).
valgrind:
	$(call debian,command -v valgrind >/dev/null,valgrind)

# The official twilio-node client, pinned by tests/node/package-lock.json.
NODE_CLIENT := tests/node/node_modules/.package-lock.json
$(NODE_CLIENT): tests/node/package.json tests/node/package-lock.json
	$(call debian,command -v npm >/dev/null,nodejs npm)
	cd tests/node && npm ci --no-audit --no-fund --silent
node-client: $(NODE_CLIENT)

# The official twilio-cli, pinned by tests/cli_twilio/package-lock.json (tests/cli_twilio/test_twilio_cli.py).
CLI_CLIENT := tests/cli_twilio/node_modules/.package-lock.json
$(CLI_CLIENT): tests/cli_twilio/package.json tests/cli_twilio/package-lock.json $(NODE_CLIENT)
	cd tests/cli_twilio && npm ci --no-audit --no-fund --silent
cli-client: $(CLI_CLIENT)

test: lint bytecode browser pgbouncer valgrind node-client cli-client
	$(BIN)/python -m pytest

# docs/coverage.md from the enumeration the coverage test walks (a test fails when it is stale).
coverage-doc: $(STAMP)
	$(BIN)/python -m tests.api.resources.coverage_doc

bench: bytecode
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache tests/node/node_modules tests/cli_twilio/node_modules
