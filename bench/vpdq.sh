#!/usr/bin/env bash
# Video fingerprint (vPDQ) benchmark (issue #20). Makes a MINUTES-long (default 10)
# 1920×1080 30 fps H.264 video with FFmpeg (a moving test pattern), then in the same run:
#   1. FFmpeg alone decoding one frame a second at full size (`-vf fps=1 -f null`), the
#      floor for any tool that decodes with FFmpeg;
#   2. `safekeep import` of the video into an encrypted vault (returns before hashing);
#   3. `safekeep list --json`, which makes the waiting fingerprint: FFmpeg decodes one
#      frame a second from the stored (sealed) original, handed over in memory, and each
#      frame is PDQ-hashed at 1920×1080.
# Prints a Markdown table. Target: fingerprint ≤ 0.5× the video's duration.
#   bench/vpdq.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-vpdq.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
secs=$((minutes * 60))
ffmpeg -v error -f lavfi -i "testsrc2=size=1920x1080:rate=30" -t "$secs" \
  -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$work/video.mp4"
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
python3 - "$bin" "$case_id" "$work/video.mp4" "$secs" <<'PY'
import json, os, resource, subprocess, sys, time
bin, case, video, secs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit(f"failed: {cmd}\n{out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu, after.ru_maxrss / 1024

size = os.path.getsize(video) / 2**20
_, w_alone, c_alone, _ = run(["ffmpeg", "-v", "error", "-nostdin", "-i", video, "-map", "0:v:0",
                              "-vf", "fps=1", "-pix_fmt", "rgb24", "-f", "null", "-"])
_, w_import, _, _ = run([bin, "import", "--case", case, video])
out, w_hash, c_hash, rss = run([bin, "list", "--case", case, "--json"])
frames = json.loads(out.stdout)[0]["artifacts"][0].get("vpdq", [])
print(f"| {secs // 60}-minute 1080p30 video ({size:.0f} MiB) | wall time | CPU time | × duration |")
print("|---|---|---|---|")
print(f"| FFmpeg alone, one frame a second to nothing | {w_alone:.1f} s | {c_alone:.1f} s | {w_alone / secs:.3f}× |")
print(f"| `safekeep import` (returns before fingerprinting) | {w_import:.1f} s | | |")
print(f"| fingerprint: {len(frames)} frames hashed (`safekeep list`) | {w_hash:.1f} s | {c_hash:.1f} s | {w_hash / secs:.3f}× |")
print(f"\nPeak RSS of the processes above (largest): {rss:.0f} MiB")
PY
