#!/usr/bin/env bash
# Screen-recording benchmark (issue #20). On its own 1920×1080 Xvfb with a moving picture
# (ffplay playing a pre-made 1080p30 clip, so the picture changes every frame without
# generating it live), records SECONDS (default 60) twice in the same run:
#   1. FFmpeg alone, with Safekeep's exact arguments, writing the MP4 to a file;
#   2. `safekeep capture video --duration SECONDS` into an encrypted vault (FFmpeg's
#      output streamed into the vault: hashed, sealed, fsynced).
# Prints a Markdown table: frames, dropped and duplicated frames (FFmpeg's own -progress
# counts), CPU seconds used (user + system, FFmpeg and Safekeep together) and cores used
# over the wall time. Targets: ≤ 1 % dropped, ≤ 1 core, sealing ≤ 10 % over FFmpeg alone.
#   bench/video.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-video.XXXXXX")"
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
n=183
while [ -e "/tmp/.X11-unix/X$n" ] || [ -e "/tmp/.X$n-lock" ]; do n=$((n + 1)); done
Xvfb ":$n" -noreset -screen 0 1920x1080x24 -nolisten tcp >/dev/null 2>&1 &
xpid=$!
trap 'kill $xpid $ppid 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -e "/tmp/.X11-unix/X$n" ]; do sleep 0.1; done
export DISPLAY=":$n"
ffmpeg -v error -f lavfi -i "testsrc2=size=1920x1080:rate=30" -t 20 -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$work/clip.mp4"
SDL_AUDIODRIVER=dummy ffplay -v quiet -an -loop 0 -left 0 -top 0 -noborder "$work/clip.mp4" &
ppid=$!
sleep 3
export SAFEKEEP_VAULT="$work/vault" SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
"$bin" init >/dev/null 2>&1
case_id=$("$bin" case new bench)
python3 - "$bin" "$case_id" "$secs" "$work" "$ppid" <<'PY'
import json, os, resource, subprocess, sys, time
bin, case, secs, work, player = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4], int(sys.argv[5])

def player_cpu():
    with open(f"/proc/{player}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def run(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p0, t0 = player_cpu(), time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if out.returncode != 0:
        sys.exit(f"failed: {cmd}\n{out.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return out, wall, cpu, player_cpu() - p0

# 1. FFmpeg alone, Safekeep's arguments, to a file.
first = subprocess.run([bin, "capture", "video", "--case", case, "--duration", "1", "--json"], capture_output=True, text=True)
args = json.loads(first.stdout)["capture"]["ffmpeg"]["arguments"]
args = [a if a != "pipe:1" else f"{work}/alone.mp4" for a in args]
args = [a if a != str(1.0) and a != "1.000" else f"{secs:.3f}" for a in args]
alone, wall_a, cpu_a, play_a = run(["ffmpeg", "-y"] + args)
prog = {}
for line in alone.stderr.splitlines():
    if "=" in line:
        k, v = line.split("=", 1)
        prog[k.strip()] = v.strip()
frames_a, drop_a, dup_a = int(prog.get("frame", 0)), int(prog.get("drop_frames", 0)), int(prog.get("dup_frames", 0))

# 2. Safekeep.
sk, wall_s, cpu_s, play_s = run([bin, "capture", "video", "--case", case, "--duration", str(secs), "--json"])
cap = json.loads(sk.stdout)["capture"]
frames_s, drop_s, dup_s = cap["frames"], cap["dropped_frames"] or 0, cap["duplicated_frames"] or 0
size = json.loads(sk.stdout)["artifacts"][0]["size"]

print(f"| {secs:.0f} s of 1920×1080 at 30 fps | FFmpeg alone, to a file | `safekeep capture video`, encrypted vault |")
print("|---|---|---|")
print(f"| frames written | {frames_a} | {frames_s} |")
print(f"| dropped / duplicated (FFmpeg's counts) | {drop_a} / {dup_a} ({100 * drop_a / max(frames_a, 1):.2f} % dropped) | {drop_s} / {dup_s} ({100 * drop_s / max(frames_s, 1):.2f} % dropped) |")
print(f"| CPU used (user + system) | {cpu_a:.1f} s | {cpu_s:.1f} s ({100 * (cpu_s / cpu_a - 1):+.1f} %) |")
print(f"| cores used over the wall time | {cpu_a / wall_a:.2f} | {cpu_s / wall_s:.2f} |")
print(f"| wall time | {wall_a:.1f} s | {wall_s:.1f} s (includes the poster frame and sealing) |")
print(f"| file | {os.path.getsize(work + '/alone.mp4') >> 20} MiB | {size >> 20} MiB |")
print(f"\nThe player making the moving picture used {play_a / wall_a:.2f} / {play_s / wall_s:.2f} cores meanwhile (not counted above).")
PY
