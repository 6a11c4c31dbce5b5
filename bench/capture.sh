#!/usr/bin/env bash
# Screen-capture benchmark (issue: screen capture). On its own 1920×1080 Xvfb showing a
# screenshot-like picture, runs `safekeep capture screen` RUNS times (default 15) into an
# encrypted vault and prints the median of each phase, from the capture's start to the
# item sealed in the vault: grab, PNG encode, store (hash + encrypt + write + fsync),
# commit (rename + transaction). Target: total ≤ 250 ms. Prints a Markdown table.
#   bench/capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-15}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-capture.XXXXXX")"
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
n=173
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -noreset -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -e "/tmp/.X11-unix/X$n" ]; do sleep 0.1; done
export DISPLAY=":$n"
# A screen-like picture (flat background, a title bar, rows of "text") in a window that
# fills the display.
python3 - "$work/screen.png" <<'PY'
import random, struct, sys, zlib
w, h = 1920, 1080
rnd = random.Random(7)
rows = []
for y in range(h):
    if y < 56:
        row = bytes([31, 78, 121]) * w
    elif (y // 22) % 2 == 0 and y % 22 < 14:
        cells = bytearray([251, 250, 247]) * w
        x = 80
        while x < w - 200:
            word = rnd.randint(20, 90)
            if rnd.random() < 0.85:
                shade = rnd.choice([(21, 24, 28), (74, 80, 88), (31, 78, 121)])
                for i in range(x, min(x + word, w)):
                    if rnd.random() < 0.6:
                        cells[3 * i:3 * i + 3] = bytes(shade)
            x += word + 9
        row = bytes(cells)
    else:
        row = bytes([251, 250, 247]) * w
    rows.append(b"\0" + row)
raw = zlib.compress(b"".join(rows), 6)
chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
display -geometry +0+0 "$work/screen.png" >/dev/null 2>&1 &
dpid=$!
trap 'kill $dpid $xpid 2>/dev/null; rm -rf "$work"' EXIT
until xdotool search --onlyvisible --class display >/dev/null 2>&1; do sleep 0.2; done
sleep 1
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
for _ in $(seq "$runs"); do "$bin" capture screen --case "$case_id" --json; echo; done > "$work/runs.json"
python3 - "$work/runs.json" <<'PY'
import json, statistics, sys
text = open(sys.argv[1]).read()
dec, i, runs = json.JSONDecoder(), 0, []
while i < len(text):
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    obj, i = dec.raw_decode(text, i)
    runs.append(obj)
med = lambda k: statistics.median(r["timings"][k] for r in runs)
size = statistics.median(r["item"]["artifacts"][0]["size"] for r in runs)
shot = runs[0]["item"]["capture"]["shots"][0]
print("| screen | runs | grab | encode | store | commit | total (median) | PNG size |")
print("|---|---|---|---|---|---|---|---|")
print(f"| {shot['width']}×{shot['height']} | {len(runs)} | {med('grab_ms'):.1f} ms | {med('encode_ms'):.1f} ms | {med('store_ms'):.1f} ms | {med('commit_ms'):.1f} ms | **{med('total_ms'):.1f} ms** | {size/1048576:.2f} MiB |")
PY
