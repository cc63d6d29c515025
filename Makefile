# The two commands of README.md: `make run` (opens the desktop app) and
# `make test` (every test: Rust, UI, and the app end to end in a real window).
# Each installs what is missing on a fresh Debian/Ubuntu machine first.

CARGO ?= cargo
NPM ?= npm
ARGS ?= --help
# The app's window needs a display: a virtual one for the tests and the benchmark.
XVFB ?= xvfb-run -a -s "-screen 0 1280x800x24"
export CARGO_TERM_COLOR ?= never

# What building, running and testing the Tauri app needs (README "The desktop app"):
# WebKitGTK and friends to build, webkit2gtk-driver (WebKitWebDriver) and Xvfb for
# the end-to-end tests, imagemagick for whole-screen shots while developing,
# postgresql-15 for the sync server's tests (scripts/with-postgres.sh).
APT_PACKAGES := build-essential pkg-config curl wget file libxdo-dev libssl-dev \
  libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev \
  webkit2gtk-driver xvfb xauth imagemagick postgresql-15
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# The UI bundle the app embeds: rebuilt when a source of it changes (not on
# every make, so cargo does not relink the app for an identical bundle).
UI_SOURCES := $(shell find ui/src -path ui/src/lib/paraglide -prune -o -type f -print 2>/dev/null) \
  $(wildcard ui/messages/*.json crates/core/bindings/*.ts) \
  ui/index.html ui/vite.config.ts ui/svelte.config.js ui/tsconfig.json ui/project.inlang/settings.json
UI_DEPS := ui/node_modules/.installed
UI_DIST := ui/dist/index.html

.PHONY: run cli test test-rust test-sync test-ui e2e lint fmt setup setup-rust \
  bench bench-csv bench-billing bench-sync postgres bench-notify bench-routers bench-app bindings package ui

## Build the UI and the desktop app (release) and open its window.
# Built by the Tauri CLI as the packages are (release, embedded UI), so the
# window a user opens is the one `make package` ships and `make bench-app` measures.
run: setup $(UI_DIST)
	ui/node_modules/.bin/tauri build --no-bundle
	./target/release/pelanggan-desktop

## The `pelanggan` CLI: make cli ARGS="customer add --name Budi --whatsapp 0812-3456-7890"
cli: setup-rust
	$(CARGO) run --quiet --release --locked -p pelanggan-cli -- $(ARGS)

## Everything: the Rust tests (TypeScript bindings checked: the core's `ts`
## feature), the UI's type check and unit tests, then the app end to end.
test: test-rust test-ui e2e

# Beside a throwaway PostgreSQL (the sync server's tests run on it too).
test-rust: setup $(UI_DIST)
	scripts/with-postgres.sh $(CARGO) test --workspace --all-targets --locked --features pelanggan-core/ts

# PostgreSQL 15 for the sync server's tests and benchmark (a throwaway cluster each run).
postgres:
	@[ -x /usr/lib/postgresql/15/bin/initdb ] || { \
	  echo "installing postgresql-15"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends postgresql-15; }

## The sync server and its protocol alone, on SQLite and a throwaway PostgreSQL.
test-sync: setup-rust postgres
	scripts/with-postgres.sh $(CARGO) test --locked -p pelanggan-sync-server -p pelanggan-sync-protocol

test-ui: setup $(UI_DEPS)
	cd ui && $(NPM) run check && $(NPM) test

## The real app (debug build, embedded UI) in a virtual display, driven over
## WebDriver (ui/e2e). Screenshots land in artifacts/screenshots/.
e2e: setup $(UI_DIST)
	# The app, the fake RouterOS process 07-routers starts (issue 14), the real
	# sync server 08-sync pairs with and the CLI as its second desk (issue 15):
	# built exactly as `test-rust` builds the workspace (the same packages,
	# targets and features), so after it nothing is compiled again. Built with
	# -p instead, cargo resolves other features and recompiled for 10 minutes.
	$(CARGO) build --workspace --all-targets --locked --features pelanggan-core/ts
	cd ui && $(XVFB) npx wdio run e2e/wdio.conf.mjs

## What CI checks besides the tests.
lint: setup $(UI_DIST)
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked --features pelanggan-core/ts -- -D warnings
	cd ui && $(NPM) run check

## Rewrite crates/core/bindings/ (the TypeScript types of the wire) from the code.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p pelanggan-core --features ts --test bindings

fmt:
	$(CARGO) fmt --all

## The .deb and .rpm of the app (target/release/bundle/). AppImage, Windows and
## macOS are built elsewhere: README "Packaging".
package: setup $(UI_DIST)
	ui/node_modules/.bin/tauri build

ui: $(UI_DIST)

# Not `npm ci`: it refuses this lock, which names platform packages of
# @lix-js/sdk that were never published; `npm install` keeps the lock as committed.
$(UI_DEPS): ui/package.json ui/package-lock.json
	cd ui && $(NPM) install --no-audit --no-fund
	touch $@

$(UI_DIST): $(UI_DEPS) $(UI_SOURCES)
	cd ui && npx vite build

## Rust only (the CLI needs a C compiler for the bundled SQLite).
setup-rust:
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo is missing: install Rust from https://rustup.rs"; exit 1; }
	@command -v cc >/dev/null 2>&1 || { \
	  echo "installing a C compiler (build-essential)"; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq --no-install-recommends build-essential pkg-config; }

## Everything the app, its tests and its packages need, installed when missing.
setup: setup-rust
	@if command -v dpkg >/dev/null 2>&1; then \
	  missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	  if [ -n "$$missing" ]; then \
	    echo "installing:" $$missing; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	  fi; \
	else echo "not a Debian system: install WebKitGTK 4.1 (dev), WebKitWebDriver and Xvfb yourself (README)"; fi
	@command -v tauri-driver >/dev/null 2>&1 || $(CARGO) install tauri-driver --locked --version ^2
	@command -v node >/dev/null 2>&1 || { \
	  echo "node is missing: install Node.js 20.19 or newer (https://nodejs.org, or"; \
	  echo "  curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs), then run make again"; exit 1; }
	@node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' || { \
	  echo "node $$(node --version) is too old: the UI's Vite needs 20.19 or newer"; exit 1; }

## Search/statistics benchmark on a generated shop (BENCH_CUSTOMERS, default 1000000; BENCH_DIR for the temp file).
bench: setup-rust
	$(CARGO) bench -p pelanggan-core --bench search

## CSV import/export benchmark (BENCH_ROWS, default 1000000; BENCH_DIR for the temp files).
bench-csv: setup-rust
	$(CARGO) bench -p pelanggan-core --bench csv

## Billing benchmark: issue-due over a growing unpaid history (BENCH_SUBSCRIBERS, default 10000; BENCH_DIR for the temp files).
bench-billing: setup-rust
	$(CARGO) bench -p pelanggan-core --bench billing

## WhatsApp notifications: a bulk send to a tag of BENCH_CUSTOMERS (default
## 100000) queued, then the worker's overhead per message over BENCH_SENDS
## (default 10000) against a gateway that answers at once.
bench-notify: setup-rust
	$(CARGO) bench -p pelanggan-core --bench notify

## Routers (issue 14): provisioning N subscribers against the fake RouterOS
## (BENCH_SUBSCRIBERS, default 2,000): queue, worker pass, isolir check, pass.
bench-routers: setup-rust
	$(CARGO) bench -p pelanggan-routeros --bench provision

## Sync server benchmark: BENCH_DEVICES (default 50) devices pushing BENCH_CHANGES (default 10000)
## changes each at once, then pulling everything, on SQLite and a throwaway PostgreSQL.
bench-sync: setup-rust postgres
	scripts/with-postgres.sh $(CARGO) bench --locked -p pelanggan-sync-server --bench sync

## The app's speed in a real window (ui/bench): start to first page, search,
## detail, the list during a 100,000-row import, memory. BENCH_CUSTOMERS
## (default 1000000), BENCH_DIR (where the generated shop is kept between runs).
bench-app: setup $(UI_DIST)
	ui/node_modules/.bin/tauri build --no-bundle
	$(CARGO) build --release --locked -p pelanggan-cli
	cd ui && $(XVFB) npx wdio run bench/wdio.bench.mjs
