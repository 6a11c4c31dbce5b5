#!/usr/bin/env bash
# Trusted-timestamp benchmark (issue: RFC 3161 timestamps). Runs the tests' loopback
# authority (`openssl ts -reply` behind Python's http.server: the figures are Safekeep's
# plus one openssl process per token, not a network's), writes N notes (default 50) with
# timestamping off, then times `safekeep timestamp enable`, which queues and stamps all
# N (request, verify against the authority's root, verify again in the vault, store +
# audit event), and RUNS single notes with and without timestamping on. Medians, as a
# Markdown table.
#   bench/timestamp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
n="${N:-50}"
runs="${RUNS:-10}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-ts.XXXXXX")"
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
mkdir -p "$work/tsa"
coproc TSA { exec python3 crates/safekeep-cli/tests/fixtures/tsa_server.py "$work/tsa" 0 "$work/tsa/requests.log"; }
trap 'kill $TSA_PID 2>/dev/null; rm -rf "$work"' EXIT
read -r _ port <&"${TSA[0]}"
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1; echo $(( ($(date +%s%N) - s) / 1000000 )); }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
off=$(for i in $(seq "$runs"); do ms "$bin" note --case "$case_id" "off $i"; done | median)
for i in $(seq "$n"); do "$bin" note --case "$case_id" "note $i" >/dev/null; done
enable=$(ms "$bin" timestamp enable --tsa "http://127.0.0.1:$port/tsa" --tsa-certs "$work/tsa/root.pem")
on=$(for i in $(seq "$runs"); do ms "$bin" note --case "$case_id" "on $i"; done | median)
stamped=$("$bin" timestamp status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["stamped"])')
echo "| what | median |"
echo "|---|---|"
echo "| note, timestamping off | $off ms |"
echo "| note + its token, timestamping on | $on ms |"
echo "| enable: queue and stamp $(( n + runs )) existing items | $enable ms ($(( enable / (n + runs) )) ms per token; $stamped stamped in all) |"
echo "| requests the authority received | $(wc -l < "$work/tsa/requests.log") |"
