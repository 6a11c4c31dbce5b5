#!/usr/bin/env bash
# Bundle benchmark (issue: verifiable evidence bundle). Builds a case of N_BIG × 25 MiB
# incompressible files + 2,000 small text items (default N_BIG=80, ≈ 2 GiB), then in the
# same run on the same files measures:
#   safekeep export  vs  zip -0 -r of the same input files
#   safekeep verify (the zip, all checks)  vs  bagit.py --validate on the unzipped bag
# and peak RSS of export and verify. Prints a Markdown table row.
#   bench/bundle.sh [N_BIG]
set -euo pipefail
cd "$(dirname "$0")/.."
n_big="${1:-80}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-bundle.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
bagit="${BAGIT:-$PWD/target/tools-venv/bin/bagit.py}"
[ -x "$bagit" ] || { echo "bagit.py not found: run 'scripts/install-deps test' first" >&2; exit 1; }
command -v zip >/dev/null || { echo "zip not found: apt-get install zip" >&2; exit 1; }
export SAFEKEEP_VAULT="$work/vault"
# The data path is what is measured: the test-only cheap KDF keeps unlocks out of it.
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1

mkdir -p "$work/in/big" "$work/in/small"
for i in $(seq 1 "$n_big"); do head -c $((25 << 20)) /dev/urandom > "$work/in/big/$i.bin"; done
python3 - "$work/in/small" <<'PY'
import sys, os
d = sys.argv[1]
for i in range(2000):
    with open(os.path.join(d, f"note-{i:04}.txt"), "w") as f:
        f.write(f"Incident {i}: a message was received and saved.\n" * (1 + i % 20))
PY
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
"$bin" import --case "$case_id" "$work"/in/big/*.bin > /dev/null
"$bin" import --case "$case_id" "$work"/in/small/*.txt > /dev/null
cat "$work"/in/big/*.bin > /dev/null

m() { python3 bench/measure.py "$runs" -- "$1"; }
zip_ref=$(m "rm -f '$work/ref.zip' && cd '$work/in' && zip -q -0 -r '$work/ref.zip' .")
export_t=$(m "rm -f '$work/b.zip' && '$bin' export --case $case_id --exhibit-prefix BN --out '$work/b.zip'")
rm -rf "$work/bag" && mkdir "$work/bag" && (cd "$work/bag" && unzip -q "$work/b.zip")
bag_dir=$(ls -d "$work"/bag/*/)
cat "$work/b.zip" > /dev/null
verify_t=$(m "'$bin' verify '$work/b.zip'")
bagit_t=$(m "'$bagit' --quiet --validate '$bag_dir'")
bagit2_t=$(m "'$bagit' --quiet --processes 2 --validate '$bag_dir'")
size=$(stat -c %s "$work/b.zip")
# Encrypted for sending (an age X25519 recipient, so scrypt's fixed cost stays out), and
# verified in place through the age stream.
age-keygen -o "$work/id.key" 2>/dev/null
recipient=$(sed -n 's/^# public key: //p' "$work/id.key")
export_age_t=$(m "rm -f '$work/b.zip.age' && '$bin' export --case $case_id --exhibit-prefix BN --recipient $recipient --out '$work/b.zip.age'")
verify_age_t=$(m "'$bin' verify --identity '$work/id.key' '$work/b.zip.age'")

read -r t_zip _ <<<"$zip_ref"; read -r t_exp rss_exp <<<"$export_t"
read -r t_ver rss_ver <<<"$verify_t"; read -r t_bag _ <<<"$bagit_t"; read -r t_bag2 _ <<<"$bagit2_t"
r() { python3 -c "print(f'{$1/$2:.2f}')"; }
echo "| bundle | zip -0 -r | export | ratio | bagit.py (1 proc / 2 procs) | verify | ratio vs 1 / 2 procs | RSS export | RSS verify |"
echo "|---|---|---|---|---|---|---|---|---|"
echo "| $((size >> 20)) MiB, $((n_big + 2000)) items | ${t_zip} s | ${t_exp} s | $(r "$t_exp" "$t_zip")× | ${t_bag} s / ${t_bag2} s | ${t_ver} s | $(r "$t_ver" "$t_bag")× / $(r "$t_ver" "$t_bag2")× | ${rss_exp} MiB | ${rss_ver} MiB |"
read -r t_exp_age rss_exp_age <<<"$export_age_t"; read -r t_ver_age rss_ver_age <<<"$verify_age_t"
echo
echo "| encrypted bundle (age, X25519) | export | ratio vs zip -0 -r | verify in place | ratio vs bagit.py 1 proc | RSS export | RSS verify |"
echo "|---|---|---|---|---|---|---|"
echo "| $((size >> 20)) MiB | ${t_exp_age} s | $(r "$t_exp_age" "$t_zip")× | ${t_ver_age} s | $(r "$t_ver_age" "$t_bag")× | ${rss_exp_age} MiB | ${rss_ver_age} MiB |"
