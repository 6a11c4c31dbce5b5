#!/usr/bin/env python3
"""Runs a command N times; prints median wall time (s) and peak RSS (MiB) of the slowest run.

Usage: measure.py N -- CMD...   (CMD runs through bash -c when it is one string)
Each run is preceded by `sync` so earlier writeback does not bleed into it.
"""
import os, subprocess, sys, time, statistics

def run_once(cmd):
    subprocess.run(["sync"], check=True)
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None,
                         stdout=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"command failed: {cmd}")
    return dt, ru.ru_maxrss / 1024.0

def main():
    n = int(sys.argv[1]); cmd = sys.argv[3:]
    if len(cmd) == 1: cmd = cmd[0]
    runs = [run_once(cmd) for _ in range(n)]
    print(f"{statistics.median(r[0] for r in runs):.3f} {max(r[1] for r in runs):.1f}")

main()
