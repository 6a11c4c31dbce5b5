#!/usr/bin/env bash
# SMS backup benchmark (issue #39). A generated "SMS Backup & Restore" XML of N_SMS texts
# (default 200,000) and N_MMS MMS with one 0.5 MiB picture each (default 2,000; ≈ 1.3 GiB
# with base64), into an encrypted vault, median of RUNS (default 3), each into a fresh vault:
#   import chat FILE  vs  import FILE  (the same file imported as a plain file)
# with the peak memory (RSS) of each. An .mbox of N_MAIL mails (default 20,000) the same.
# Prints Markdown rows for docs/performance.md.
#   bench/sms.sh [N_SMS] [N_MMS] [N_MAIL]
set -euo pipefail
cd "$(dirname "$0")/.."
n_sms="${1:-200000}"
n_mms="${2:-2000}"
n_mail="${3:-20000}"
runs="${RUNS:-3}"
work="$(mktemp -d "${BENCH_DIR:-/var/tmp}/safekeep-sms.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cargo build --release -q -p safekeep-cli --features insecure-test-kdf
bin="$PWD/target/release/safekeep"
export SAFEKEEP_PASSPHRASE="benchmark passphrase" SAFEKEEP_INSECURE_FAST_KDF=1
python3 - "$work" "$n_sms" "$n_mms" "$n_mail" <<'PY'
import base64, os, sys
out, n_sms, n_mms, n_mail = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
picture = base64.b64encode(os.urandom(512 * 1024)).decode()
every = max(1, n_sms // max(1, n_mms))
t0 = 1_767_225_600_000
with open(os.path.join(out, "sms-20260101000000.xml"), "w", encoding="utf-8") as f:
    f.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n<smses count=\"%d\">\n" % (n_sms + n_mms))
    k = 0
    for i in range(n_sms):
        who = i % 40
        f.write(f'  <sms protocol="0" address="+4477009{who:05}" date="{t0 + i * 60_000}" type="{1 + i % 2}" subject="null" body="message {i} about the pictures &#55357;&#56832; again" toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" contact_name="Contact {who}" />\n')
        if i % every == 0 and k < n_mms:
            k += 1
            f.write(f'  <mms date="{t0 + i * 60_000 + 1}" msg_box="1" address="+4477009{who:05}" contact_name="Contact {who}"><parts>'
                    f'<part seq="0" ct="text/plain" text="look {i}" />'
                    f'<part seq="1" ct="image/jpeg" cl="IMG_{k:05}.jpg" data="{picture}" /></parts>'
                    f'<addrs><addr address="+4477009{who:05}" type="137" charset="106" /></addrs></mms>\n')
    f.write("</smses>\n")
with open(os.path.join(out, "All mail.mbox"), "w", encoding="utf-8") as f:
    for i in range(n_mail):
        f.write(f"From sam@example.net Thu Jan  1 00:00:00 2026\nFrom: Sam <sam@example.net>\nTo: Alex <alex@example.org>\n"
                f"Subject: message {i % 500}\nDate: Thu, 1 Jan 2026 {i % 24:02}:{i % 60:02}:00 +0000\nMessage-ID: <m{i}@example.net>\n\n"
                + f"Line {i} of a message about the pictures.\n" * 20 + "\n")
PY
sms="$work/sms-20260101000000.xml"
mbox="$work/All mail.mbox"
# One timed run: a fresh vault and case first (not timed), then the command; prints
# "seconds peak-MiB".
timed() {
    rm -rf "$work/vault"
    SAFEKEEP_VAULT="$work/vault" "$bin" init >/dev/null 2>&1
    local case; case=$(SAFEKEEP_VAULT="$work/vault" "$bin" case new Bench)
    SAFEKEEP_VAULT="$work/vault" python3 bench/measure.py 1 -- "$bin" "$@" --case "$case"
}
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
row() {
    local label="$1" file="$2" p=() c=() pm=0 cm=0
    for _ in $(seq 1 "$runs"); do
        read -r t m < <(timed import "$file"); p+=("$t"); pm=$(python3 -c "print(max($pm, $m))")
        read -r t m < <(timed import chat "$file"); c+=("$t"); cm=$(python3 -c "print(max($cm, $m))")
    done
    local pt ct; pt=$(median "${p[@]}"); ct=$(median "${c[@]}")
    local mib; mib=$(du -m "$file" | cut -f1)
    echo "| $label ($mib MiB) | $pt s, $pm MiB | $ct s, $cm MiB | $(python3 -c "print(f'{$ct / $pt:.2f}')")× |"
}
echo "| input | import (plain file) | import chat | ratio |"
echo "|---|---|---|---|"
row "SMS Backup & Restore XML, $n_sms SMS + $n_mms MMS" "$sms"
row ".mbox, $n_mail mails" "$mbox"
