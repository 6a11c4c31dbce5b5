#!/usr/bin/env bash
# PDF report benchmark (issue: court-ready report). Builds a case of P phone-sized photos
# (4000×3000 JPEG, default 20) and N incident-log entries (default 100), then times, in
# release builds: `safekeep report` (blurred thumbnails), `safekeep report --unblurred-annex`,
# and a whole `safekeep export` (which writes the same report into the bundle). Medians of
# RUNS (default 3), as a Markdown table, with page counts and sizes from poppler's pdfinfo.
#   bench/report.sh
set -euo pipefail
cd "$(dirname "$0")/.."
p="${P:-20}"
n="${N:-100}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-report.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
for i in $(seq 5); do convert -size 4000x3000 "plasma:fractal" -quality 88 "$work/photo$i.jpg"; done
for i in $(seq "$p"); do "$bin" import --case "$case_id" "$work/photo$(( (i - 1) % 5 + 1 )).jpg" >/dev/null 2>&1; done
for i in $(seq "$n"); do
  "$bin" note --case "$case_id" --incident-time "2026-0$(( i % 9 + 1 ))-1${i: -1}T10:00:00Z" \
    "Entry $i: what happened, in my own words. He messaged again at night and said he would post the pictures where my family would see them." >/dev/null
done
ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
plain=$(for i in $(seq "$runs"); do ms "$bin" report --case "$case_id" --out "$work/plain$i.pdf"; done | median)
annex=$(for i in $(seq "$runs"); do ms "$bin" report --case "$case_id" --out "$work/annex$i.pdf" --unblurred-annex; done | median)
export=$(for i in $(seq "$runs"); do ms "$bin" export --case "$case_id" --out "$work/b$i.zip"; done | median)
pages() { pdfinfo "$1" | awk '/^Pages:/ {print $2}'; }
kib() { echo $(( $(stat -c %s "$1") / 1024 )); }
echo "| what ($p photos of 12 MP, $n log entries) | median | pages | size |"
echo "|---|---|---|---|"
echo "| safekeep report | $plain ms | $(pages "$work/plain1.pdf") | $(kib "$work/plain1.pdf") KiB |"
echo "| safekeep report --unblurred-annex | $annex ms | $(pages "$work/annex1.pdf") | $(kib "$work/annex1.pdf") KiB |"
echo "| safekeep export (bundle incl. the report) | $export ms | | $(kib "$work/b1.zip") KiB |"
