# erpmail: `make test` and `make demo` do all their own set-up (virtualenv, services).
SHELL := /bin/bash
PYTHON ?= python3
# Another interpreter gets a virtualenv of its own (PYTHON=python3.13: .venv-3.13).
PYTHON_BIN = $(shell bash infra/python.sh $(PYTHON))
PYTHON_VERSION = $(shell $(PYTHON_BIN) -c 'import sys; print("%d.%d" % sys.version_info[:2])')
VENV ?= $(if $(filter python3,$(PYTHON)),.venv,.venv-$(PYTHON_VERSION))
BIN := $(VENV)/bin
PYTEST_ARGS ?=
BENCH_ARGS ?=

.PHONY: help venv node-deps services test lint format demo bench bench-dsn dsn-compiled score-dsn holdout-dsn bench-sender bench-sender-sink bench-dlq schema clean

help:
	@echo "make test      set up everything and run the whole test suite"
	@echo "make demo      set up everything and run erpmail end to end"
	@echo "make services  start RabbitMQ, PostgreSQL and Dovecot and wait until they answer"
	@echo "make lint      ruff and mypy"
	@echo "make bench     the benchmarks (tables on screen, JSON under bench-results/)"
	@echo "make score-dsn the bounce parser's agreement with the corpus (dev/ + dev-more/)"

venv: $(VENV)/.installed

# -qq: errors only. Warnings were all noise a newcomer read first: a package index of the
# machine's pip configuration without a package ("Location ... is ignored", one per package)
# and setuptools' notice on editable installs.
$(VENV)/.installed: pyproject.toml
	$(PYTHON_BIN) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -e '.[dev]'
	$(BIN)/python -m bench.dsn build --if-compiler || echo "the bounce parser runs as pure Python"
	touch $@

# The Node.js examples and the ajv side of the job table (package-lock.json pins them).
node-deps: examples/node/node_modules/.installed

examples/node/node_modules/.installed: examples/node/package.json examples/node/package-lock.json
	bash infra/install.sh node=nodejs npm=npm
	npm ci --prefix examples/node --no-audit --no-fund --loglevel=error
	touch $@

services:
	bash infra/services.sh

# Where the compiled bounce parser is loaded, the whole suite runs on it and the parser's own
# tests (tests/dsn) run again on the pure-Python one: both builds are tested.
test: venv node-deps services
	$(BIN)/pytest $(PYTEST_ARGS)
	@if [ -n "$(PYTEST_ARGS)" ]; then :; \
	elif $(BIN)/python -c 'import sys, workers.dsn.accelerator as a; sys.exit(not a.running_compiled())'; then \
		echo "tests/dsn again on the pure-Python parser (the suite ran the compiled one)"; \
		ERPMAIL_DSN_BUILD=pure $(BIN)/pytest tests/dsn; \
	else \
		echo "the suite ran the pure-Python parser only: no compiled build of these sources (make dsn-compiled)"; \
	fi

lint: venv
	$(BIN)/ruff check workers schemas tests bench examples
	$(BIN)/ruff format --check workers schemas tests bench examples
	$(BIN)/mypy workers schemas tests bench examples/python

format: venv
	$(BIN)/ruff check --fix workers schemas tests bench examples
	$(BIN)/ruff format workers schemas tests bench examples

schema: venv
	$(BIN)/python -m schemas.export

demo: venv services
	$(BIN)/erpmail demo

bench: bench-dsn bench-sender bench-dlq

# The pure-Python parser and, where a C compiler builds it, the compiled one, side by side.
bench-dsn: venv
	bash infra/install.sh Sisimai=libsisimai-perl
	$(BIN)/python -m bench.dsn build --if-compiler
	$(BIN)/python -m bench.dsn speed

# The bounce parser compiled with mypyc, outside the source tree, loaded by erpmail only while
# the sources match it (nothing to do when they still do).
dsn-compiled: venv
	$(BIN)/python -m bench.dsn build

# The parser's agreement with the corpus (dev/ and dev-more/), and on unseen bounces.
score-dsn: venv
	$(BIN)/python -m bench.dsn score --leave-one-out
	$(BIN)/python -m bench.mta score

holdout-dsn: venv
	bash infra/install.sh Sisimai=libsisimai-perl
	$(BIN)/python -m bench.dsn holdout

# The sender benchmark refuses to run while mail.send holds messages or has consumers: on a
# shared broker, point RABBITMQ_URL at a vhost of its own.
bench-sender: venv services
	$(BIN)/python -m bench.sender $(BENCH_ARGS)

bench-sender-sink: venv services
	bash infra/install.sh smtp-sink=postfix
	$(BIN)/python -m bench.sender_sink

# Replays 20,000 dead letters beside a plain pipelined-confirm publisher, and times
# `erpmail dlq list`; like bench-sender it needs mail.send and mail.dead to itself.
bench-dlq: venv services
	$(BIN)/python -m bench.dlq

clean:
	rm -rf .venv .venv-* examples/node/node_modules var bench-results .pytest_cache .mypy_cache .ruff_cache erpmail.db
