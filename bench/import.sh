#!/usr/bin/env bash
# Import benchmark (issue: vault core). Imports one random file (default 1 GiB) into a
# fresh vault and compares with `cp` + `openssl dgst -sha256` of the same file, in the
# same run. Prints a Markdown table row set for docs/performance.md.
#   bench/import.sh [SIZE_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli
bin="$PWD/target/release/safekeep"
src="$work/random.bin"
head -c "$((size_mib << 20))" /dev/urandom > "$src"
cat "$src" > /dev/null   # the same warm page cache for every contender

m() { python3 bench/measure.py "$runs" -- "$1"; }
cp_dgst=$(m "cp '$src' '$work/copy' && openssl dgst -sha256 '$src' && rm -f '$work/copy'")
cp_sync_dgst=$(m "cp '$src' '$work/copy' && sync '$work/copy' && openssl dgst -sha256 '$src' && rm -f '$work/copy'")
imp=$(m "rm -rf '$work/v' && SAFEKEEP_VAULT='$work/v' '$bin' init >/dev/null 2>&1 && c=\$(SAFEKEEP_VAULT='$work/v' '$bin' case new bench) && SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$src'")
small=$(m "rm -rf '$work/v' && SAFEKEEP_VAULT='$work/v' '$bin' init >/dev/null 2>&1 && c=\$(SAFEKEEP_VAULT='$work/v' '$bin' case new bench) && head -c 1048576 '$src' > '$work/small' && SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$work/small'")

read -r t_ref _ <<<"$cp_dgst"; read -r t_ref_sync _ <<<"$cp_sync_dgst"
read -r t_imp rss_imp <<<"$imp"; read -r _ rss_small <<<"$small"
ratio=$(python3 -c "print(f'{$t_imp/$t_ref:.2f}')"); ratio_sync=$(python3 -c "print(f'{$t_imp/$t_ref_sync:.2f}')")
echo "| file | cp + openssl dgst | cp + sync + openssl dgst | safekeep import (fsync'd, re-read) | ratio | ratio vs synced | peak RSS (import) | peak RSS (1 MiB import) |"
echo "|---|---|---|---|---|---|---|---|"
echo "| ${size_mib} MiB | ${t_ref} s | ${t_ref_sync} s | ${t_imp} s | ${ratio}× | ${ratio_sync}× | ${rss_imp} MiB | ${rss_small} MiB |"
