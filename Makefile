# The two commands of README.md: `make run` and `make test`.
# Each installs what is missing on a fresh machine, then does its job.

CARGO ?= cargo
ARGS ?= --help
export CARGO_TERM_COLOR ?= never

.PHONY: run test lint fmt setup build release bench bench-csv bench-billing bindings

## Build and run the `pelanggan` CLI: make run ARGS="customer add --name Budi --whatsapp 0812-3456-7890"
run: setup
	$(CARGO) run --quiet --release -p pelanggan-cli -- $(ARGS)

## Every test of the workspace (unit, integration, property, CLI), with the
## TypeScript bindings checked against the code (the core's `ts` feature).
test: setup
	$(CARGO) test --workspace --all-targets --locked --features pelanggan-core/ts

## What CI checks besides the tests.
lint: setup
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked --features pelanggan-core/ts -- -D warnings

## Rewrite crates/core/bindings/ (the TypeScript types of the wire) from the code.
bindings:
	UPDATE_BINDINGS=1 $(CARGO) test -p pelanggan-core --features ts --test bindings

fmt:
	$(CARGO) fmt --all

## A C compiler for SQLite (bundled) is all the Rust side needs.
setup:
	@command -v cc >/dev/null 2>&1 || { \
	  echo "installing a C compiler (build-essential)"; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends build-essential pkg-config; }
	@command -v $(CARGO) >/dev/null 2>&1 || { echo "cargo is missing: install Rust from https://rustup.rs"; exit 1; }

## Search/statistics benchmark on a generated shop (BENCH_CUSTOMERS, default 1000000; BENCH_DIR for the temp file).
bench: setup
	$(CARGO) bench -p pelanggan-core --bench search

## CSV import/export benchmark (BENCH_ROWS, default 1000000; BENCH_DIR for the temp files).
bench-csv: setup
	$(CARGO) bench -p pelanggan-core --bench csv

## Billing benchmark: issue-due over a growing unpaid history (BENCH_SUBSCRIBERS, default 10000; BENCH_DIR for the temp files).
bench-billing: setup
	$(CARGO) bench -p pelanggan-core --bench billing
