# Two entry points for a fresh Debian 12 / Ubuntu machine:
#   make run   — install what is missing, build, and start the Safekeep app
#   make test  — install what is missing, then run every check CI runs
.PHONY: run test deps-run deps-test lint unit e2e demo bench package

CARGO ?= cargo
XVFB := xvfb-run -a -s "-screen 0 1280x900x24"

run: deps-run
	$(CARGO) build --release -p safekeep-cli
	$(CARGO) build --release -p safekeep-app --features custom-protocol
	target/release/safekeep-app

# The CLI's guided demo in a throw-away vault.
demo: deps-run
	$(CARGO) build --release -p safekeep-cli
	scripts/demo target/release/safekeep

test: deps-test lint unit e2e

deps-run:
	scripts/install-deps run

deps-test:
	scripts/install-deps test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	PATH="$(CURDIR)/target/tools-venv/bin:$$PATH" $(CARGO) test --workspace --locked --exclude safekeep-e2e

# The real app in WebKit over WebDriver, under a virtual X server.
e2e:
	$(CARGO) build --locked -p safekeep-app
	PATH="$$HOME/.cargo/bin:$$PATH" $(XVFB) $(CARGO) test --locked -p safekeep-e2e

bench:
	bench/import.sh
	bench/bundle.sh

# Installable packages (.deb and AppImage) with the Tauri CLI from npm.
package: deps-run
	npx --yes @tauri-apps/cli@2 build --bundles deb,appimage
