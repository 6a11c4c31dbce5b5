#!/usr/bin/env bash
# "Receive from a phone" benchmark (issue #37), in the same run on loopback, encrypted
# vault, the phone being PyPI localsendd (the tools venv):
#   one 1 GiB file received  vs  `safekeep import` of the same file  (target ≤ 1.3×)
#   500 screenshots (PNG) in one transfer  vs  `safekeep import` of the folder  (≤ 1.5×)
# Prints Markdown rows for docs/performance.md.
#   bench/receive.sh [SIZE_MIB] [SCREENSHOTS]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib="${1:-1024}"
shots="${2:-500}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-receive.XXXXXX")"
trap 'rm -rf "$work"' EXIT
target="${CARGO_TARGET_DIR:-$PWD/target}"
export TOOLS_VENV="${TOOLS_VENV:-$target/tools-venv}"
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$target/release/safekeep"
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
head -c "$((size_mib << 20))" /dev/urandom > "$work/big.bin"
mkdir -p "$work/shots"
"$TOOLS_VENV/bin/python" - "$work/shots" "$shots" <<'PY'
# Phone-sized screenshots: a 1080×2340 screen of message bubbles and one photo (noise,
# which PNG cannot compress: ≈ 0.7 MB a screenshot, as real ones with pictures are).
import os, random, sys
from PIL import Image, ImageDraw
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(37)
for i in range(n):
    im = Image.new("RGB", (1080, 2340), (245, 245, 245))
    d = ImageDraw.Draw(im)
    y = 60
    while y < 2250:
        h = rng.randint(80, 260); left = rng.random() < 0.5
        x0 = 40 if left else rng.randint(200, 500)
        d.rounded_rectangle([x0, y, x0 + rng.randint(380, 540), y + h], 28, fill=(255, 255, 255) if left else (220, 248, 198))
        for ly in range(y + 24, y + h - 20, 34):
            d.line([x0 + 24, ly, x0 + 24 + rng.randint(150, 480), ly], fill=(40, 40, 40), width=12)
        y += h + 40
    im.paste(Image.frombytes("RGB", (540, 400), os.urandom(540 * 400 * 3)), (270, rng.randint(100, 1800)))
    im.save(f"{out}/Screenshot_{i:04d}.png", optimize=False, compress_level=1)
PY
shots_mib=$(du -sm "$work/shots" | cut -f1)
cat "$work/big.bin" "$work/shots"/* > /dev/null   # the same warm page cache for each
new_vault() { rm -rf "$work/v"; SAFEKEEP_VAULT="$work/v" "$bin" init >/dev/null 2>&1; SAFEKEEP_VAULT="$work/v" "$bin" case new bench; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.2f}')" "$@"; }
timed_import() {
  local c t0; c=$(new_vault); sync; t0=$(date +%s.%N)
  SAFEKEEP_VAULT="$work/v" "$bin" import --case "$c" "$1" >/dev/null 2>&1
  python3 -c "import sys; print(f'{$(date +%s.%N) - $t0:.3f}')"
}
timed_receive() {
  local c; c=$(new_vault); sync
  SAFEKEEP_VAULT="$work/v" python3 bench/receive_once.py "$bin" "$work/v" "$c" "$1"
}
row() {
  local what="$1" label="$2" imp=() rec=()
  for _ in $(seq 1 "$runs"); do imp+=("$(timed_import "$what")"); rec+=("$(timed_receive "$what")"); done
  local i r; i=$(median "${imp[@]}"); r=$(median "${rec[@]}")
  echo "| $label | $i s | $r s | $(python3 -c "print(f'{$r/$i:.2f}')")× |"
}
echo "| what | \`safekeep import\` | received from localsendd | ratio |"
echo "|---|---|---|---|"
row "$work/big.bin" "one file, ${size_mib} MiB"
row "$work/shots" "${shots} screenshots (PNG, ${shots_mib} MiB)"
