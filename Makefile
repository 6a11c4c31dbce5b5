# Two entry points for a fresh Debian 12 / Ubuntu machine:
#   make run   — install what is missing, build, and start Safekeep
#   make test  — install what is missing, then run every check CI runs
.PHONY: run test deps-run deps-test build lint unit demo bench

CARGO ?= cargo

run: deps-run
	$(CARGO) build --release -p safekeep-cli
	scripts/demo target/release/safekeep

test: deps-test lint unit

deps-run:
	scripts/install-deps run

deps-test:
	scripts/install-deps test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	PATH="$(CURDIR)/target/tools-venv/bin:$$PATH" $(CARGO) test --workspace --locked

bench:
	bench/import.sh
