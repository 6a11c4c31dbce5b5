# Two entry points for a fresh Debian 12 / Ubuntu machine:
#   make run   — install what is missing, build, and start the Safekeep app
#   make test  — install what is missing, then run every check CI runs
.PHONY: run test deps-run deps-test lint verify-page tests e2e screenshots demo bench package windows test-windows

CARGO ?= cargo
XVFB := xvfb-run -a -s "-screen 0 1280x900x24"
# The CLI's tests open vaults hundreds of times: they use the test-only fast key
# derivation, which only a build with this feature honours (release builds refuse it).
TEST_FEATURES := --features safekeep-cli/insecure-test-kdf

# One cargo call for both binaries: their features are unified, so each crate they share
# is compiled once (two calls with different feature sets compiled most of them twice).
run: deps-run
	$(CARGO) build --release -p safekeep-cli -p safekeep-app --features safekeep-app/custom-protocol
	target/release/safekeep-app

# The CLI's guided demo in a throw-away vault.
demo: deps-run
	$(CARGO) build --release -p safekeep-cli
	scripts/demo target/release/safekeep

test: deps-test lint verify-page tests

deps-run:
	scripts/install-deps run

deps-test:
	scripts/install-deps test

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --locked $(TEST_FEATURES) -- -D warnings
	@# The bundle format is readable without the vault: no SQLite below it.
	@! $(CARGO) tree --locked -p safekeep-bundle -e normal,build | grep -q rusqlite || { echo "safekeep-bundle must not depend on rusqlite" >&2; exit 1; }
	@# The writer knows no Vault: vault → bundle, never the reverse (crates/safekeep-core/src/bundle/source.rs).
	@! grep -rnE 'crate::(vault|db)\b' crates/safekeep-core/src/bundle crates/safekeep-core/src/item_view.rs || { echo "the bundle writer must not import the vault or its tables: read through bundle::ExhibitSource" >&2; exit 1; }

# safekeep-verify.html: the bundle verifier as one offline page (WebAssembly, built with
# Debian's rustc-web and lld); its test in `tests` checks it against `safekeep verify`.
verify-page:
	scripts/build-verify-page

# Every test in one cargo invocation, under a virtual X server: unit and integration
# tests, the CLI and third-party validator tests, and the end-to-end tests of the real
# app over WebDriver (cargo builds the app binary for src-tauri's own test first).
tests:
	PATH="$(CURDIR)/target/tools-venv/bin:$$HOME/.cargo/bin:$$PATH" $(XVFB) $(CARGO) test --workspace --locked $(TEST_FEATURES)

# Only the end-to-end tests.
e2e:
	$(CARGO) build --locked -p safekeep-app
	PATH="$$HOME/.cargo/bin:$$PATH" $(XVFB) $(CARGO) test --locked -p safekeep-e2e

# Refreshes the screenshots committed in docs/screenshots/ (the tests write theirs under
# target/screenshots/, so testing leaves the tree clean). Look at them before committing.
screenshots: deps-test
	$(CARGO) build --locked -p safekeep-app
	SAFEKEEP_SCREENSHOTS="$(CURDIR)/docs/screenshots" PATH="$$HOME/.cargo/bin:$$PATH" $(XVFB) $(CARGO) test --locked -p safekeep-e2e

bench:
	bench/import.sh
	bench/batch-import.sh
	$(CARGO) bench --locked -p safekeep-core --bench timeline
	$(CARGO) bench --locked -p safekeep-capture --bench browser
	bench/bundle.sh
	bench/backup.sh
	bench/rotate.sh
	bench/conversation.sh
	bench/sms.sh
	bench/capture.sh
	bench/web.sh
	bench/video.sh
	bench/receive.sh
	bench/verify-page.sh
	bench/vpdq.sh
	bench/timestamp.sh

# An installable .deb with the Tauri CLI from npm (target/release/bundle/deb/).
# `--bundles appimage` also works where the Tauri CLI may download AppRun from GitHub.
package: deps-run
	npx --yes @tauri-apps/cli@2 build --bundles deb

# Windows (x86_64), cross-built here with MinGW: safekeep.exe and its zip for solicitors
# (docs/windows.md). Not part of `make test`.
windows:
	scripts/build-windows

# The GUI-free crates' tests for Windows, under Wine, and bundles crossing both ways.
test-windows:
	scripts/test-windows
