# Two commands: `make demo` and `make test`. Everything they need is installed here.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
OUT ?= out/demo

.PHONY: demo test install install-test lint typecheck bench clean system-deps system-test-deps web-assets

# Front-end assets for the web app (NHS.UK frontend, Vega, Vega-Lite, vega-embed): pinned in
# package-lock.json, installed with `npm ci` and copied into the package's static folder
# (git-ignored; never served from a CDN).
WEB_ASSETS := src/equalqi/web/static/vendor/versions.json
PG := scripts/postgres-test.sh

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

$(WEB_ASSETS): package.json package-lock.json scripts/build-web-assets.mjs
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	node scripts/build-web-assets.mjs

web-assets: $(WEB_ASSETS)

install: $(STAMP) $(WEB_ASSETS)

demo: $(STAMP) $(WEB_ASSETS) system-deps
	$(VENV)/bin/equalqi demo --out $(OUT)
	@echo ""
	@echo "To open the web app with the demo project already loaded and analysed, run:"
	@echo "    $(VENV)/bin/equalqi serve --demo"
	@echo "then open http://127.0.0.1:8000/ and sign in with the e-mail address and the"
	@echo "one-time password it prints (data in \$$EQUALQI_HOME, default ~/.local/share/equalqi)."

# System libraries the board pack needs: WeasyPrint (board.pdf, report.pdf) draws text with
# Debian's pango; cairosvg (the charts' PNGs) uses cairo.
system-deps:
	@if ! ldconfig -p 2>/dev/null | grep -q 'libpangoft2-1.0.so.0' || ! ldconfig -p 2>/dev/null | grep -q 'libcairo.so.2'; then \
	  echo "Installing Debian's pango and cairo for the PDF and PNG exports"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libcairo2 fonts-liberation >/dev/null; \
	fi

# System packages the tests need: Debian's chromium for the browser tests and PostgreSQL
# for the registry tests (and the board pack's libraries).
system-test-deps: system-deps
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing Debian's postgresql for the registry tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql >/dev/null; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/mypy

# A throwaway PostgreSQL server runs for the whole test session and is stopped even when
# the tests fail (the EXIT trap); pytest's exit status is the target's.
test: $(STAMP) $(WEB_ASSETS) system-test-deps lint
	@export EQUALQI_PG_STATE=/tmp/equalqi-pg-$$$$; \
	trap 'bash $(PG) stop' EXIT; \
	EQUALQI_TEST_POSTGRES_URL=$$(bash $(PG) start) || exit 1; \
	export EQUALQI_TEST_POSTGRES_URL; \
	echo "PostgreSQL for the tests: $$EQUALQI_TEST_POSTGRES_URL"; \
	$(VENV)/bin/pytest -n 2 -q

# make bench (1M, 10M, 100M rows; writes benchmarks/RESULTS.md); quick: make bench SIZES=1M
bench: $(STAMP)
	$(PY) -m benchmarks.run $(if $(SIZES),--sizes $(SIZES))

clean:
	rm -rf $(VENV) out .pytest_cache .mypy_cache .ruff_cache
