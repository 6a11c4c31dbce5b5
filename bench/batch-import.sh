#!/usr/bin/env bash
# Batch import benchmark (issue: a phone's worth of evidence). In the same run:
#  1. N small files (1–50 KiB, default 10,000) in nested folders: `safekeep import DIR`
#     into an encrypted vault against `cp -r` + `openssl dgst -sha256` + `sync` of the
#     same files (targets: ≤ 1.5× and ≤ 1.5 ms a file);
#  2. P phone screenshots (1170×2532 PNG, default 2,000): the import returns before
#     their perceptual fingerprints, which are then made on every core (target: ≤ 0.2 s
#     a picture on 2 cores).
# Prints Markdown rows for docs/performance.md.
#   bench/batch-import.sh [FILES] [PICTURES]
set -euo pipefail
cd "$(dirname "$0")/.."
files="${1:-10000}"
pictures="${2:-2000}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"

python3 - "$work/phone" "$files" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
for i in range(n):
    d = os.path.join(root, "DCIM", f"{i % 40:03d}", f"{i % 7}")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"IMG_{i:05d}.bin"), "wb") as f:
        f.write(os.urandom(rng.randint(1024, 50 * 1024)))
PY
python3 - "$work/shots" "$pictures" <<'PY'
# One phone-sized screenshot, then copies made distinct by a text chunk (valid PNGs,
# different bytes and hashes, the same decoding work).
import os, struct, sys, zlib
root, n = sys.argv[1], int(sys.argv[2])
os.makedirs(root, exist_ok=True)
w, h = 1170, 2532
rows = []
for y in range(h):
    band = (y // 120) % 6
    row = bytearray([0])
    for x in range(w):
        v = (x * 7 + y * 3) % 256 if band % 2 else 240 - band * 20
        row += bytes((v, (v + 80) % 256, 255 - v))
    rows.append(bytes(row))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
head = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
body = chunk(b"IDAT", zlib.compress(b"".join(rows), 6)) + chunk(b"IEND", b"")
for i in range(n):
    with open(os.path.join(root, f"Screenshot_{i:05d}.png"), "wb") as f:
        f.write(head + chunk(b"tEXt", b"Comment\x00" + str(i).encode()) + body)
PY
cat "$work"/phone/DCIM/*/*/* "$work"/shots/* > /dev/null   # the same warm page cache for all

m() { python3 bench/measure.py "$runs" -- "$1"; }
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
new_vault() { echo "rm -rf '$work/v' && SAFEKEEP_VAULT='$work/v' '$bin' init >/dev/null 2>&1 && c=\$(SAFEKEEP_VAULT='$work/v' '$bin' case new bench)"; }
ref=$(m "rm -rf '$work/copy' && cp -r '$work/phone' '$work/copy' && find '$work/copy' -type f -print0 | xargs -0 openssl dgst -sha256 >/dev/null && sync")
imp=$(m "$(new_vault) && SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$work/phone' >/dev/null")
read -r t_ref _ <<<"$ref"; read -r t_imp rss_imp <<<"$imp"

# Pictures: import (returns before the fingerprints), then `list` makes them all.
shots_imp=$(m "$(new_vault) && SAFEKEEP_VAULT='$work/v' '$bin' import --case \$c '$work/shots' >/dev/null 2>&1")
rm -rf "$work/v" && SAFEKEEP_VAULT="$work/v" "$bin" init >/dev/null 2>&1
c=$(SAFEKEEP_VAULT="$work/v" "$bin" case new bench)
SAFEKEEP_VAULT="$work/v" "$bin" import --case "$c" "$work/shots" >/dev/null 2>&1
pdq=$(python3 bench/measure.py 1 -- "SAFEKEEP_VAULT='$work/v' '$bin' list --json >/dev/null 2>&1")
empty=$(python3 bench/measure.py 1 -- "SAFEKEEP_VAULT='$work/v' '$bin' list --json >/dev/null 2>&1")
read -r t_shots _ <<<"$shots_imp"; read -r t_pdq rss_pdq <<<"$pdq"; read -r t_empty _ <<<"$empty"

python3 - "$files" "$t_ref" "$t_imp" "$rss_imp" "$pictures" "$t_shots" "$t_pdq" "$t_empty" "$rss_pdq" "$(nproc)" <<'PY'
import sys
files, t_ref, t_imp, rss, pics, t_shots, t_pdq, t_empty, rss_pdq, cores = sys.argv[1:]
files, pics = int(files), int(pics)
t_ref, t_imp, t_shots, t_pdq, t_empty = map(float, (t_ref, t_imp, t_shots, t_pdq, t_empty))
print("| files | cp -r + openssl dgst + sync | safekeep import DIR (encrypted) | ratio | per file | peak RSS |")
print("|---|---|---|---|---|---|")
print(f"| {files:,} small (1–50 KiB) | {t_ref:.2f} s | {t_imp:.2f} s | {t_imp / t_ref:.2f}× | {1000 * t_imp / files:.2f} ms | {rss} MiB |")
print()
print(f"| pictures (1170×2532 PNG) | import returns | fingerprints (PDQ), {cores} cores | per picture | peak RSS |")
print("|---|---|---|---|---|")
print(f"| {pics:,} | {t_shots:.2f} s ({1000 * t_shots / pics:.1f} ms a picture) | {t_pdq - t_empty:.2f} s | {(t_pdq - t_empty) / pics:.3f} s | {rss_pdq} MiB |")
PY
