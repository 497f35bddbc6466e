# Developer and CI entry points. `make test` is what CI runs: lint, type-check, then the
# whole suite against a real Neo4j that this Makefile starts and always stops again.

SHELL := /bin/bash
.DEFAULT_GOAL := test

VENV := .venv
BIN := $(VENV)/bin
# Rebuilt whenever pyproject.toml changes, so new dependencies arrive without a `clean`.
# `make test` needs the dev tools (STAMP); `make serve` only the project (SERVE_STAMP).
STAMP := $(VENV)/.installed
SERVE_STAMP := $(VENV)/.installed-serve
PYTHON ?= $(shell command -v python3.11 || command -v python3)
# `make serve PORT=8080` (or HOST=0.0.0.0); unset means TECHSOV_PORT / TECHSOV_HOST, else 8000.
PORT ?=
HOST ?=
PYTEST_ARGS ?=
# The test server's own entry point (`techsov neo4j ...` minus the rest of the CLI), so that
# a broken import elsewhere in the CLI shows up as failing tests, not as no server at all.
NEO4J := $(BIN)/python -m techsov.neo4j_cli

.PHONY: venv test lint serve neo4j-start neo4j-stop clean

venv: $(STAMP)

# Output goes to stderr so that `eval "$$(make -s neo4j-start)"` sees only the exports.
# uv (from PyPI) installs several times faster than pip; if it cannot be had or fails,
# pip does the same install. A uv already on the PATH is used as it is. Bytecode: the dev
# install compiles it all, as pip does (with PYTHONDONTWRITEBYTECODE set, every test run
# would compile it again); the serve-only install leaves it to `make serve`, whose server
# writes the bytecode of what it imports on its first start (a fraction of what is
# installed), so the first answer comes sooner and later starts are as fast.
UV := $(shell command -v uv 2>/dev/null)
define install
	@test -n "$(PYTHON)" || { echo "python3.11 or python3 is required" >&2; exit 1; }
	@test -x $(BIN)/python || { echo "→ creating $(VENV)" >&2; $(PYTHON) -m venv $(VENV) >&2; }
	@echo "→ installing $(2) into $(VENV) (first run only; about a minute)" >&2
	@{ { [ -n "$(UV)" ] || $(BIN)/python -m pip install --quiet --disable-pip-version-check uv >&2; } && \
	   $(or $(UV),$(BIN)/python -m uv) pip install --quiet $(3) \
	     --python $(BIN)/python -e '$(1)' >&2; } || \
	 { echo "→ uv unavailable, installing with pip" >&2; \
	   $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '$(1)' >&2; }
endef

$(STAMP): pyproject.toml
	$(call install,.[dev],the project with its test and lint tools,--compile-bytecode)
	@touch $@ $(SERVE_STAMP)

# The serve-only install: the project and its runtime dependencies, no test tools. A full
# (dev) install that is up to date serves as well.
$(SERVE_STAMP): pyproject.toml
	@if [ $(STAMP) -nt pyproject.toml ]; then touch $@; exit 0; fi; \
	$(MAKE) --no-print-directory _serve-install
	@touch $@

.PHONY: _serve-install
_serve-install:
	$(call install,.,the project and its runtime dependencies)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

# With TECHSOV_NEO4J_URI already set, that server is used and nothing is started.
# Otherwise a throw-away server is started, and the EXIT trap stops it (deleting its data)
# whether pytest passes, fails or is interrupted; the recipe exits with pytest's status.
test: lint
	@if [ -n "$${TECHSOV_NEO4J_URI:-}" ]; then \
	  echo "Using the Neo4j server at $${TECHSOV_NEO4J_URI}" >&2; \
	  exec $(BIN)/pytest $(PYTEST_ARGS); \
	fi; \
	trap '$(NEO4J) stop' EXIT; \
	trap 'exit 130' INT; \
	trap 'exit 143' TERM; \
	exports="$$($(NEO4J) start)" || exit $$?; \
	eval "$$exports"; \
	$(BIN)/pytest $(PYTEST_ARGS)

serve: $(SERVE_STAMP)
	@echo "→ starting techsov serve" >&2
	@env -u PYTHONDONTWRITEBYTECODE $(BIN)/techsov serve $(if $(PORT),--port $(PORT)) \
	  $(if $(HOST),--host $(HOST))

# Usage: eval "$$(make -s neo4j-start)"
neo4j-start: venv
	@$(NEO4J) start

neo4j-stop: venv
	@$(NEO4J) stop

clean:
	@if [ -x $(BIN)/python ]; then $(NEO4J) stop || true; fi
	rm -rf $(VENV) build dist *.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Benchmarks (see bench/README.md): they start a Neo4j server of their own, never the shared
# test server, since every load replaces the whole graph. Results go to bench/results/.
BENCH_ARGS ?= --sizes S,M
.PHONY: bench
bench: venv
	$(BIN)/python -m bench $(BENCH_ARGS)

# The web explorer's script (api/explore/static/explore.js), built with npm from
# api/explore/web; the built file is committed, so `make serve` needs no Node.
.PHONY: explore
explore:
	cd api/explore/web && npm ci --no-audit --no-fund && npm run build
