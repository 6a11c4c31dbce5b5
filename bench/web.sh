#!/usr/bin/env bash
# Web-capture benchmark (issue: web page capture). Serves a long page with a stylesheet
# and an image from tests' loopback server (plain HTTP, so the figures are Safekeep's,
# not a network's), then runs `safekeep capture url` RUNS times (default 10) fetch-only
# and RUNS times with the Chromium render, into an encrypted vault. Prints the median of
# each phase as a Markdown table: fetch, render (launch, load, full-page PNG, PDF +
# MHTML + DOM), store (hash + encrypt + write + fsync + commit), total.
#   bench/web.sh
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${RUNS:-10}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-web.XXXXXX")"
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
mkdir -p "$work/site"
python3 -c 'import sys, zlib, struct
w, h = 64, 64
raw = zlib.compress(b"".join(b"\0" + bytes([200, 40, 40]) * w for _ in range(h)))
c = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + c(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + c(b"IDAT", raw) + c(b"IEND", b""))' "$work/site/pic.png"
echo "body { font-family: sans-serif }" > "$work/site/style.css"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" -days 2 >/dev/null 2>&1
coproc SERVER { exec python3 crates/safekeep-cli/tests/fixtures/web_server.py "$work/site" "$work/cert.pem" "$work/key.pem" "$work/requests.log"; }
trap 'kill $SERVER_PID 2>/dev/null; rm -rf "$work"' EXIT
read -r _ port <&"${SERVER[0]}"
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
url="http://127.0.0.1:$port/page"
for _ in $(seq "$runs"); do "$bin" capture url "$url" --case "$case_id" --no-render --json; echo; done > "$work/fetch.json"
for _ in $(seq "$runs"); do "$bin" capture url "$url" --case "$case_id" --json; echo; done > "$work/render.json"
python3 - "$work/fetch.json" "$work/render.json" <<'PY'
import json, statistics, sys
def runs(path):
    text = open(path).read()
    dec, i, out = json.JSONDecoder(), 0, []
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        obj, i = dec.raw_decode(text, i)
        out.append(obj)
    return out
med = lambda xs: statistics.median(xs)
print("| phase (median, ms) | fetch only | fetch + render |")
print("|---|---|---|")
f, r = runs(sys.argv[1]), runs(sys.argv[2])
for key in ["fetch", "render", "store", "total"]:
    print(f"| {key} | {med([x['summary']['millis'][key] for x in f])} | {med([x['summary']['millis'][key] for x in r])} |")
for key in ["launch", "load", "png", "documents"]:
    print(f"| render: {key} | – | {med([x['item']['capture']['render']['millis'][key] for x in r])} |")
size = lambda x, name: next(a['size'] for a in x['item']['artifacts'] if a['original_name'] == name)
print(f"\nruns: {len(f)} + {len(r)}; WARC {size(f[0], 'page.warc.gz')} B, full-page PNG {size(r[0], 'render.png')} B "
      f"({r[0]['item']['capture']['render']['full_page']['width']}×{r[0]['item']['capture']['render']['full_page']['height']}), "
      f"PDF {size(r[0], 'render.pdf')} B; browser {r[0]['item']['capture']['render']['browser']}")
PY
