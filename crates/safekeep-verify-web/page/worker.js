// The verifier's worker: runs safekeep-verify-web's WebAssembly and reads the bundle's
// files for it, a slice at a time. Where the browser has JavaScript Promise Integration
// (WebAssembly.Suspending: Chrome and Edge since 137), each read awaits Blob.arrayBuffer()
// and the check is suspended meanwhile, so the worker's event loop runs and the memory of
// slices already read is given back; elsewhere FileReaderSync (workers only, which is why
// the checks run here and not on the page) reads synchronously, and that memory comes back
// only when the check ends. It receives the module's bytes, the File objects
// and the request; it sends progress and the answer. It opens no connection: the page's
// Content-Security-Policy, which this worker inherits, forbids every one.
"use strict";

self.onmessage = async (event) => {
  const { wasm, files, request } = event.data;
  try {
    const { answer, memory, reads } = await verify(wasm, files, request);
    self.postMessage({ kind: "answer", answer, memory, reads });
  } catch (err) {
    self.postMessage({
      kind: "failed",
      why: String((err && err.message) || err),
    });
  }
};

async function verify(wasmBytes, files, request) {
  const suspending = typeof WebAssembly.Suspending === "function" && typeof WebAssembly.promising === "function";
  const reader = suspending ? null : new FileReaderSync();
  let memory = null;
  let lastProgress = 0;
  const readAsync = async (file, offset, dst, len) => {
    const f = files[file];
    if (!f) return -1;
    const end = Math.min(f.size, offset + len);
    if (offset >= end) return 0;
    let bytes;
    try {
      bytes = new Uint8Array(await f.slice(offset, end).arrayBuffer());
    } catch (e) {
      return -1;
    }
    new Uint8Array(memory.buffer, dst, bytes.length).set(bytes);
    return bytes.length;
  };
  const safekeep = {
    read_at: suspending ? new WebAssembly.Suspending(readAsync) : function (file, offset, dst, len) {
      const f = files[file];
      if (!f) return -1;
      const end = Math.min(f.size, offset + len);
      if (offset >= end) return 0;
      let bytes;
      try {
        bytes = new Uint8Array(reader.readAsArrayBuffer(f.slice(offset, end)));
      } catch (e) {
        return -1;
      }
      new Uint8Array(memory.buffer, dst, bytes.length).set(bytes);
      return bytes.length;
    },
    progress(bytes) {
      const now = Date.now();
      if (now - lastProgress > 200) {
        lastProgress = now;
        self.postMessage({ kind: "progress", bytes });
      }
    },
    random(dst, len) {
      crypto.getRandomValues(new Uint8Array(memory.buffer, dst, len));
    },
  };
  const module = new WebAssembly.Module(wasmBytes);
  // Any other import belongs to code the checks never reach (a dependency's browser
  // glue): it stops the check, loudly, rather than pretending.
  const imports = { safekeep };
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.module === "safekeep") continue;
    imports[imp.module] = imports[imp.module] || {};
    imports[imp.module][imp.name] = () => {
      throw new Error("the verifier reached code it does not support in a browser (" + imp.name + ")");
    };
  }
  const instance = new WebAssembly.Instance(module, imports);
  const ex = instance.exports;
  memory = ex.memory;
  const req = new TextEncoder().encode(JSON.stringify(request));
  const at = ex.sk_alloc(req.length);
  new Uint8Array(memory.buffer, at, req.length).set(req);
  req.fill(0);
  const run = suspending ? WebAssembly.promising(ex.sk_verify) : ex.sk_verify;
  const out = await run(at, req.length);
  const len = ex.sk_answer_len();
  const text = new TextDecoder().decode(new Uint8Array(memory.buffer, out, len).slice());
  ex.sk_free(out, len);
  return {
    answer: JSON.parse(text),
    memory: memory.buffer.byteLength,
    reads: suspending ? "promise-integration" : "file-reader-sync",
  };
}
