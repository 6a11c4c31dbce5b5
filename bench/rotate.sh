#!/usr/bin/env bash
# Key rotation benchmark (issue #34). An unencrypted vault of N_BIG × 25 MiB random files
# (default 80, ≈ 2 GiB), in the same run:
#   `safekeep encrypt`                          (seals every file once)
#   `safekeep passphrase change --new-keys`     of the vault just encrypted (decrypts,
#                                               hashes, re-seals, reads back and hashes
#                                               every file again; target ≤ 1.5× encrypt)
# Each run starts from a fresh copy of the unencrypted vault (not timed).
# Prints a Markdown row for docs/performance.md.
#   bench/rotate.sh [N_BIG]
set -euo pipefail
cd "$(dirname "$0")/.."
n_big="${1:-80}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-rotate.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/safekeep"
export SAFEKEEP_INSECURE_FAST_KDF=1
mkdir -p "$work/in"
for i in $(seq 1 "$n_big"); do head -c $((25 << 20)) /dev/urandom > "$work/in/$i.bin"; done
SAFEKEEP_VAULT="$work/plain" "$bin" init --no-passphrase >/dev/null 2>&1
c=$(SAFEKEEP_VAULT="$work/plain" "$bin" case new Bench)
SAFEKEEP_VAULT="$work/plain" "$bin" import --case "$c" "$work/in" >/dev/null
rm -rf "$work/in"
printf 'first passphrase, long enough\n' > "$work/pass1"
printf 'second passphrase, long enough\n' > "$work/pass2"
enc=(); rot=(); rss_enc=0; rss_rot=0
for _ in $(seq 1 "$runs"); do
  rm -rf "$work/v" && cp -r "$work/plain" "$work/v"
  read -r t r <<<"$(python3 bench/measure.py 1 -- "SAFEKEEP_VAULT='$work/v' SAFEKEEP_PASSPHRASE=\"\$(cat '$work/pass1')\" '$bin' encrypt 2>/dev/null")"
  enc+=("$t"); rss_enc=$(python3 -c "print(max($rss_enc, $r))")
  read -r t r <<<"$(python3 bench/measure.py 1 -- "SAFEKEEP_VAULT='$work/v' '$bin' --passphrase-file '$work/pass1' passphrase change --new-keys --new-passphrase-file '$work/pass2' 2>/dev/null")"
  rot+=("$t"); rss_rot=$(python3 -c "print(max($rss_rot, $r))")
  SAFEKEEP_VAULT="$work/v" "$bin" --passphrase-file "$work/pass2" check >/dev/null
done
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
t_enc=$(median "${enc[@]}"); t_rot=$(median "${rot[@]}")
size=$(du -sm "$work/plain" | cut -f1)
ratio=$(python3 -c "print(f'{$t_rot/$t_enc:.2f}')")
echo "| vault | encrypt | rotate (--new-keys) | ratio | peak RSS encrypt / rotate |"
echo "|---|---|---|---|---|"
echo "| ${size} MiB, ${n_big} items | ${t_enc} s | ${t_rot} s | ${ratio}× | ${rss_enc} / ${rss_rot} MiB |"
