#!/usr/bin/env bash
# Fuzzes `safekeep verify` for N minutes (default 10), starting from real bundles.
# Not run in CI. Needs cargo-fuzz (`cargo install cargo-fuzz`); on a stable toolchain
# RUSTC_BOOTSTRAP=1 lets it use the sanitizer flags it needs.
#   fuzz/run.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")"
minutes="${1:-10}"
mkdir -p corpus/verify
if [ -z "$(ls -A corpus/verify)" ]; then
  # Seed with a real bundle so the fuzzer starts from valid structure.
  tmp="$(mktemp -d)"
  (cd .. && cargo build -q -p safekeep-cli)
  sk=../target/debug/safekeep
  SAFEKEEP_VAULT="$tmp/v" "$sk" init >/dev/null 2>&1
  c=$(SAFEKEEP_VAULT="$tmp/v" "$sk" case new seed)
  printf 'seed note\n' | SAFEKEEP_VAULT="$tmp/v" "$sk" note --case "$c" - >/dev/null
  SAFEKEEP_VAULT="$tmp/v" "$sk" export --case "$c" --out corpus/verify/seed.zip >/dev/null
  rm -rf "$tmp"
fi
# -detect_leaks=0: LeakSanitizer reports the bookkeeping of the scoped hashing threads
# (112 bytes from __cxa_thread_atexit_impl) as leaked when a run ends mid-teardown.
RUSTC_BOOTSTRAP=1 cargo fuzz run verify corpus/verify -- -max_total_time=$((minutes * 60)) -timeout=20 -rss_limit_mb=1024 -detect_leaks=0
