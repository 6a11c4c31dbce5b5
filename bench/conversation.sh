#!/usr/bin/env bash
# Conversation export benchmark (issue #19). A generated WhatsApp export of N_MSG
# messages (default 40,000) and N_MEDIA photos of 1 MiB each (default 1,000, ≈ 1 GiB),
# into an encrypted vault, median of RUNS (default 3), each run into a fresh vault:
#   import chat FOLDER   vs  import FOLDER  (the same files imported as plain files)
#   import chat ZIP      vs  import ZIP     (the same zip imported as a plain file)
#   messages --json of all N_MSG (target ≤ 300 ms), and of 200 from the middle
# Prints Markdown rows for docs/performance.md.
#   bench/conversation.sh [N_MSG] [N_MEDIA]
set -euo pipefail
cd "$(dirname "$0")/.."
n_msg="${1:-40000}"
n_media="${2:-1000}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-chat.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
python3 - "$work/export" "$n_msg" "$n_media" <<'PY'
import datetime, os, sys
out, n, media = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
start = datetime.datetime(2026, 1, 13)
os.makedirs(out)
every = max(1, n // max(1, media))
with open(os.path.join(out, "WhatsApp Chat with Sam.txt"), "w", encoding="utf-8") as f:
    for i in range(n):
        t = start + datetime.timedelta(minutes=13 * i)
        who = "Sam" if i % 3 else "Alex"
        stamp = t.strftime("%d/%m/%Y, %H:%M")
        day, month = t.day, t.month
        k = i // every
        if i % every == 0 and k < media:
            name = f"IMG-{t.year}{month:02}{day:02}-WA{k:04}.jpg"
            with open(os.path.join(out, name), "wb") as m:
                m.write(os.urandom(1 << 20))
            f.write(f"{stamp} - {who}: {name} (file attached)\ncaption {i}\n")
        else:
            f.write(f"{stamp} - {who}: message {i} about the pictures, again\n")
PY
(cd "$work/export" && zip -q -0 -r "$work/export.zip" .)
size=$(du -sm "$work/export" | cut -f1)
# One timed run: a fresh vault and case first (not timed), then the command.
timed() {
    rm -rf "$work/vault"
    SAFEKEEP_VAULT="$work/vault" "$bin" init >/dev/null 2>&1
    local case; case=$(SAFEKEEP_VAULT="$work/vault" "$bin" case new Bench)
    sync
    local t0 t1; t0=$(date +%s.%N)
    SAFEKEEP_VAULT="$work/vault" "$bin" "$@" --case "$case" >/dev/null 2>&1
    t1=$(date +%s.%N)
    python3 -c "print(f'{$t1 - $t0:.3f}')"
}
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
row() {
    local label="$1" plain_args="$2" chat_args="$3" p=() c=()
    for _ in $(seq 1 "$runs"); do
        # shellcheck disable=SC2086
        p+=("$(timed import $plain_args)")
        # shellcheck disable=SC2086
        c+=("$(timed import chat --timezone Europe/London $chat_args)")
    done
    local tp tc; tp=$(median "${p[@]}"); tc=$(median "${c[@]}")
    echo "| $label | ${tp} s | ${tc} s | $(python3 -c "print(f'{$tc/$tp:.2f}')")× |"
}
echo "| ${n_msg} messages, ${n_media} photos (${size} MiB) | import (plain files) | import chat | ratio |"
echo "|---|---|---|---|"
row "folder" "$work/export" "$work/export"
row "zip" "$work/export.zip" "$work/export.zip"
# The last vault holds the zip's conversation: print its messages.
item=$(SAFEKEEP_VAULT="$work/vault" "$bin" list --json | python3 -c "import json,sys; print([i for i in json.load(sys.stdin) if i['kind']=='conversation'][0]['id'])")
all=$(SAFEKEEP_VAULT="$work/vault" python3 bench/measure.py 5 -- "'$bin' messages $item --json")
mid=$(SAFEKEEP_VAULT="$work/vault" python3 bench/measure.py 5 -- "'$bin' messages $item --json --from $((n_msg / 2)) --to $((n_msg / 2 + 199))")
key=$(SAFEKEEP_VAULT="$work/vault" python3 bench/measure.py 5 -- "'$bin' key")
read -r t_all rss_all <<<"$all"; read -r t_mid _ <<<"$mid"; read -r t_key _ <<<"$key"
echo
echo "| messages --json | all ${n_msg} | 200 from the middle | opening the vault alone (safekeep key) | peak RSS (all) |"
echo "|---|---|---|---|---|"
echo "| wall time, median of 5 | ${t_all} s | ${t_mid} s | ${t_key} s | ${rss_all} MiB |"
