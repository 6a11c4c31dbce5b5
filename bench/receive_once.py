#!/usr/bin/env python3
"""One timed "receive from a phone": starts `safekeep receive --yes --once` on loopback
(untimed), a localsendd daemon as the phone (untimed), then times from the moment the
phone is told to send until `safekeep receive` has sealed every file and exited. The
time includes what the phone does first (localsendd hashes each file before offering
it), as a person would wait for it. Prints the seconds.

Usage: receive_once.py SAFEKEEP VAULT CASE FILE_OR_FOLDER   (environment: the vault's)
"""
import json, os, shutil, subprocess, sys, tempfile, time

safekeep, vault, case, what = sys.argv[1:5]
root = os.path.dirname(os.path.abspath(__file__))
venv = os.environ.get("TOOLS_VENV") or os.path.join(root, "..", "target", "tools-venv")
send = os.path.join(root, "..", "crates", "safekeep-cli", "tests", "fixtures", "localsend", "send.py")
files = [what] if os.path.isfile(what) else sorted(os.path.join(what, f) for f in os.listdir(what))

rx = subprocess.Popen([safekeep, "receive", "--case", case, "--yes", "--once", "--json", "--bind", "127.0.0.1",
                       "--port", "0", "--no-announce", "--max-files", "10000"],
                      env=dict(os.environ, SAFEKEEP_VAULT=vault), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                      text=True)
start = json.loads(rx.stdout.readline())
home = tempfile.mkdtemp(prefix="ls", dir="/tmp")
sock = os.path.join(home, "s")
env = dict(os.environ, XDG_STATE_HOME=home + "/state", XDG_CONFIG_HOME=home + "/config", XDG_RUNTIME_DIR=home)
daemon = subprocess.Popen([os.path.join(venv, "bin", "localsendd"), "--port", "0", "--socket", sock,
                           "--alias", "Bench Phone", "--download-dir", home + "/dl"],
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while not os.path.exists(sock):
    time.sleep(0.05)
t0 = time.perf_counter()
out = subprocess.run([os.path.join(venv, "bin", "python"), send, sock, "127.0.0.1", str(start["port"]), start["pin"],
                      *files], capture_output=True, text=True, check=True)
rx.stdout.read()
rx.wait()
dt = time.perf_counter() - t0
daemon.terminate()
daemon.wait()
shutil.rmtree(home, ignore_errors=True)
result = json.loads(out.stdout)
if result.get("kind") != "sent" or rx.returncode != 0:
    sys.exit(f"receiving failed: {result}")
print(f"{dt:.3f}")
