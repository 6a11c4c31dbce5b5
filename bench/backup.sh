#!/usr/bin/env bash
# Backup benchmark (issue #21). An encrypted vault of N_BIG × 25 MiB random files
# (default 80, ≈ 2 GiB), in the same run:
#   full backup into an empty folder  vs  cp -r of the vault folder + sync, then reading
#                                         every copied file back through sha256sum
#   incremental backup after adding one 10 MiB file (target ≤ 2 s)
# Prints Markdown rows for docs/performance.md.
#   bench/backup.sh [N_BIG]
set -euo pipefail
cd "$(dirname "$0")/.."
n_big="${1:-80}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-backup.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
mkdir -p "$work/in"
for i in $(seq 1 "$n_big"); do head -c $((25 << 20)) /dev/urandom > "$work/in/$i.bin"; done
"$bin" init >/dev/null 2>&1
c=$("$bin" case new Bench)
"$bin" import --case "$c" "$work/in" >/dev/null
m() { python3 bench/measure.py "$runs" -- "$1"; }
ref=$(m "rm -rf '$work/copy' && cp -r '$work/vault' '$work/copy' && sync && find '$work/copy' -type f -print0 | xargs -0 sha256sum >/dev/null")
full=$(m "rm -rf '$work/b' && '$bin' backup '$work/b' 2>/dev/null")
head -c $((10 << 20)) /dev/urandom > "$work/new.bin"
"$bin" import --case "$c" "$work/new.bin" >/dev/null
incr=$(python3 bench/measure.py 1 -- "'$bin' backup '$work/b' 2>/dev/null")
read -r t_ref _ <<<"$ref"; read -r t_full rss_full <<<"$full"; read -r t_incr rss_incr <<<"$incr"
size=$(du -sm "$work/vault" | cut -f1)
ratio=$(python3 -c "print(f'{$t_full/$t_ref:.2f}')")
echo "| vault | cp -r + sync + sha256sum | full backup | ratio | incremental (+10 MiB) | RSS full / incremental |"
echo "|---|---|---|---|---|---|"
echo "| ${size} MiB, $((n_big + 1)) items | ${t_ref} s | ${t_full} s | ${ratio}× | ${t_incr} s | ${rss_full} / ${rss_incr} MiB |"
