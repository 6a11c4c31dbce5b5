#!/usr/bin/env bash
# Export at scale (issue #17): cases of 1,000, 10,000 and 50,000 small items (1–4 KiB
# files in nested folders) in an encrypted vault; `safekeep export` against `zip -q -0 -r`
# of the same files, in the same run; peak RSS of the export beside that of an unlock
# alone (`safekeep key`), so the figure "beyond the unlock" can be read off.
# Prints Markdown rows for docs/performance.md.
#   bench/export-scale.sh [SIZES…]   (default: 1000 10000 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-1000 10000 50000}")
[ $# -eq 0 ] && sizes=(1000 10000 50000)
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-export.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
command -v zip >/dev/null || { echo "zip not found: apt-get install zip" >&2; exit 1; }
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
m() { python3 bench/measure.py 1 -- "$1"; }
echo "| items | zip -0 -r | export | ratio | peak RSS export | peak RSS unlock only | beyond the unlock | bundle |"
echo "|---|---|---|---|---|---|---|---|"
for n in "${sizes[@]}"; do
  rm -rf "$work/in" "$work/v" "$work"/*.zip
  python3 - "$work/in" "$n" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(n)
for i in range(n):
    d = os.path.join(root, f"{i % 100:02d}", f"{i % 7}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"msg-{i:06d}.txt"), "w") as f:
        f.write(f"message {i}\n" * rng.randint(60, 250))
PY
  export SAFEKEEP_VAULT="$work/v"
  "$bin" init >/dev/null 2>&1
  c=$("$bin" case new "Scale $n")
  "$bin" import --case "$c" "$work/in" >/dev/null
  zip_t=$(m "cd '$work/in' && zip -q -0 -r '$work/ref.zip' .")
  exp=$(m "'$bin' export --case '$c' --out '$work/case.zip' --exhibit-prefix AB")
  unlock=$(m "'$bin' key")
  read -r t_zip _ <<<"$zip_t"; read -r t_exp rss_exp <<<"$exp"; read -r _ rss_unlock <<<"$unlock"
  ratio=$(python3 -c "print(f'{$t_exp/$t_zip:.2f}')")
  beyond=$(python3 -c "print(f'{$rss_exp-$rss_unlock:.1f}')")
  size=$(du -m "$work/case.zip" | cut -f1)
  echo "| $n | ${t_zip} s | ${t_exp} s | ${ratio}× | ${rss_exp} MiB | ${rss_unlock} MiB | ${beyond} MiB | ${size} MiB |"
done
