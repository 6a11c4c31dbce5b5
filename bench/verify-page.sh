#!/usr/bin/env bash
# The in-browser verifier (issue: check a bundle anywhere): safekeep-verify.html in
# headless Chromium vs `safekeep verify`, on the same bundle in the same run: a case of
# N_BIG × 25 MiB incompressible files (default 80, ≈ 2 GiB) exported as a zip. Reports
# both times, their ratio (target ≤ 2×), and the tab's peak memory (target < 512 MiB):
# the renderer process's anonymous resident memory (RssAnon), sampled every 100 ms; and,
# as a baseline, the same for a page that only streams the same file (Blob.stream()), to
# tell the browser's own cost of reading a file from the verifier's.
#   bench/verify-page.sh [N_BIG]
set -euo pipefail
cd "$(dirname "$0")/.."
n_big="${1:-80}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-verify-page.XXXXXX")"
trap 'rm -rf "$work"' EXIT
scripts/build-verify-page > /dev/null
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
cargo build -q -p safekeep-e2e --example verify_page_bench
bin="$PWD/target/release/safekeep"
driver="$PWD/target/debug/examples/verify_page_bench"
export SAFEKEEP_VAULT="$work/vault"
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1

mkdir -p "$work/in"
for i in $(seq 1 "$n_big"); do head -c $((25 << 20)) /dev/urandom > "$work/in/$i.bin"; done
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
"$bin" import --case "$case_id" "$work"/in/*.bin > /dev/null
"$bin" export --case "$case_id" --exhibit-prefix BN --out "$work/b.zip" > /dev/null 2>&1
rm -rf "$work/in"
cat "$work/b.zip" > /dev/null

verify_t=$(python3 bench/measure.py "$runs" -- "'$bin' verify '$work/b.zip'")
read -r t_cli rss_cli <<<"$verify_t"
best=""
peak=0
for _ in $(seq 1 "$runs"); do
  read -r t rss verdict <<<"$("$driver" "$work/b.zip" 2>/dev/null)"
  [ "$verdict" = intact ] || { echo "the page said: $verdict" >&2; exit 1; }
  if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $t < $best else 1)"; then best=$t; fi
  [ "$rss" -gt "$peak" ] && peak=$rss
done
read -r t_base base_rss _ <<<"$("$driver" "$work/b.zip" bench/stream-file.html '#f' 2>/dev/null)"
size=$(stat -c %s "$work/b.zip")
python3 - "$size" "$t_cli" "$rss_cli" "$best" "$peak" "$t_base" "$base_rss" <<'PY'
import sys
size, t_cli, rss_cli, t_page, peak, t_base, base = sys.argv[1:]
size, t_cli, t_page = int(size), float(t_cli), float(t_page)
print("| bundle | safekeep verify | RSS | page (Chromium) | ratio | tab peak RssAnon | only streaming the file: time, RssAnon |")
print("|---|---|---|---|---|---|---|")
print(f"| {size/2**30:.2f} GiB zip | {t_cli:.2f} s | {float(rss_cli):.0f} MiB | {t_page:.2f} s | {t_page/t_cli:.2f}× | {int(peak)/1024:.0f} MiB | {float(t_base):.2f} s, {int(base)/1024:.0f} MiB |")
PY
