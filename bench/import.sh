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
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
src="$work/random.bin"
head -c "$((size_mib << 20))" /dev/urandom > "$src"
cat "$src" > /dev/null   # the same warm page cache for every contender

m() { python3 bench/measure.py "$runs" -- "$1"; }
# The data path is measured with the test-only cheap KDF, so that the figures are about
# bytes; the real unlock (Argon2id tuned to ~0.5 s) is measured on its own below.
export SAFEKEEP_PASSPHRASE="benchmark passphrase"
fast="SAFEKEEP_INSECURE_FAST_KDF=1"
new_vault() { echo "rm -rf '$work/v' && $fast SAFEKEEP_VAULT='$work/v' '$bin' init $1 >/dev/null 2>&1 && c=\$($fast SAFEKEEP_VAULT='$work/v' '$bin' case new bench)"; }
cp_dgst=$(m "cp '$src' '$work/copy' && openssl dgst -sha256 '$src' && rm -f '$work/copy'")
cp_sync_dgst=$(m "cp '$src' '$work/copy' && sync '$work/copy' && openssl dgst -sha256 '$src' && rm -f '$work/copy'")
imp=$(m "$(new_vault '') && $fast SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$src'")
plain=$(m "$(new_vault --no-passphrase) && SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$src'")
small=$(m "$(new_vault '') && head -c 1048576 '$src' > '$work/small' && $fast SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$work/small'")
rm -rf "$work/real" && SAFEKEEP_VAULT="$work/real" "$bin" init >/dev/null 2>&1
unlock=$(m "SAFEKEEP_VAULT='$work/real' '$bin' key")

read -r t_ref _ <<<"$cp_dgst"; read -r t_ref_sync _ <<<"$cp_sync_dgst"
read -r t_imp rss_imp <<<"$imp"; read -r t_plain _ <<<"$plain"; read -r _ rss_small <<<"$small"
read -r t_unlock rss_unlock <<<"$unlock"
ratio=$(python3 -c "print(f'{$t_imp/$t_ref:.2f}')"); ratio_sync=$(python3 -c "print(f'{$t_imp/$t_ref_sync:.2f}')")
echo "| file | cp + openssl dgst | cp + sync + openssl dgst | import, encrypted vault | ratio | ratio vs synced | import, unencrypted vault | peak RSS (import) | peak RSS (1 MiB import) | unlock (Argon2id, tuned) |"
echo "|---|---|---|---|---|---|---|---|---|---|"
echo "| ${size_mib} MiB | ${t_ref} s | ${t_ref_sync} s | ${t_imp} s | ${ratio}× | ${ratio_sync}× | ${t_plain} s | ${rss_imp} MiB | ${rss_small} MiB | ${t_unlock} s, ${rss_unlock} MiB |"
