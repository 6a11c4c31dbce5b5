#!/usr/bin/env python3
"""Inlines the verifier's WebAssembly, worker, script and style into page.html, and writes
a Content-Security-Policy that allows exactly those: the page's one script and one style
by hash, WebAssembly, a worker made from the page itself, and nothing else — no request
of any kind, to anywhere.

    assemble.py VERIFIER.wasm VERSION OUT.html
"""
import base64
import hashlib
import pathlib
import sys

here = pathlib.Path(__file__).parent
wasm_path, version, out = sys.argv[1], sys.argv[2], sys.argv[3]


def digest(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


css = (here / "page.css").read_text()
script = (here / "page.js").read_text()
worker = (here / "worker.js").read_text()
for name, text in (("page.js", script), ("worker.js", worker), ("page.css", css)):
    if "</script" in text.lower() or "</style" in text.lower():
        sys.exit(f"{name} must not contain a closing script or style tag")
csp = "; ".join([
    "default-src 'none'",
    f"script-src {digest(script)} 'wasm-unsafe-eval'",
    f"style-src {digest(css)}",
    "worker-src blob:",
    "img-src 'none'",
    "connect-src 'none'",
    "form-action 'none'",
    "base-uri 'none'",
])
page = (here / "page.html").read_text()
wasm = base64.b64encode(pathlib.Path(wasm_path).read_bytes()).decode()
# Placeholders are replaced once each, in an order where no inserted text can hold a
# later placeholder.
for key, value in (("{{CSP}}", csp), ("{{VERSION}}", version), ("{{CSS}}", css),
                   ("{{WASM}}", wasm), ("{{WORKER}}", worker), ("{{SCRIPT}}", script)):
    if page.count(key) != 1:
        sys.exit(f"page.html must hold {key} exactly once")
    page = page.replace(key, value)
pathlib.Path(out).write_text(page)
