// safekeep-verify.html: the page around the verifier. It gathers what the person chose
// (a bundle file, or an unzipped folder, and for an encrypted bundle its passphrase),
// hands the File objects to a worker that runs the checks (worker.js), and shows the
// answer: the same verdict, checks and fingerprint as `safekeep verify`. Nothing here
// reads the bundle itself, and nothing is sent anywhere.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const AGE_MAGIC = "age-encryption.org/v1\n";
  const VERDICTS = {
    intact: "Intact: every check passed. Nothing in the bundle changed since it was exported.",
    altered: "Altered or inconsistent: see the failed checks below. Do not rely on this bundle as it is.",
    not_a_bundle: "Not a Safekeep bundle, or it cannot be read: see below why.",
    unrecognised_timestamp:
      "Intact, but a timestamp is by an authority this page does not recognise (the check marked “not recognised” below): nothing changed since export, but that timestamp proves nothing until you recognise its authority (compare its root certificate's SHA-256 with the one the authority publishes, then give that certificate under “More options”).",
  };

  /** What was chosen: { kind: "zip" | "folder", files: [{ file, path }] }. */
  let chosen = null;
  let worker = null;

  function wasmBytes() {
    const text = $("verifier").textContent.trim();
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sizeWords(n) {
    const units = ["bytes", "KB", "MB", "GB", "TB"];
    let u = 0;
    while (n >= 1000 && u < units.length - 1) {
      n /= 1000;
      u++;
    }
    return (u === 0 ? n : n.toFixed(1)) + " " + units[u];
  }

  async function startsAsAge(file) {
    const head = await file.slice(0, AGE_MAGIC.length).text();
    return head === AGE_MAGIC;
  }

  async function choose(kind, files) {
    if (files.length === 0) {
      say("Nothing was chosen. Choose the bundle file, or the folder it was unzipped into.");
      return;
    }
    if (kind === "zip" && files.length !== 1) {
      say("Drop one bundle file at a time.");
      return;
    }
    chosen = { kind, files };
    const total = files.reduce((a, f) => a + f.file.size, 0);
    $("chosen").textContent =
      kind === "zip"
        ? "Chosen: " + files[0].path + " (" + sizeWords(total) + ")."
        : "Chosen: a folder of " + files.length + " files (" + sizeWords(total) + ").";
    const encrypted = kind === "zip" && (await startsAsAge(files[0].file));
    $("encrypted").hidden = !encrypted;
    $("check").disabled = false;
    $("result").hidden = true;
    say("");
    if (encrypted) {
      $("passphrase").focus();
    } else {
      check();
    }
  }

  function say(text) {
    $("status").textContent = text;
  }

  async function readText(input) {
    const f = input.files && input.files[0];
    return f ? await f.text() : null;
  }

  /** Each check's number: answers of a check that was replaced are ignored. */
  let run = 0;

  async function check() {
    if (!chosen) return;
    if (worker) worker.terminate();
    worker = null;
    const mine = ++run;
    // What is checked is what was chosen when the check began, whatever is chosen meanwhile.
    const subject = chosen;
    const request = {
      kind: subject.kind,
      files: subject.files.map((f) => ({ path: f.path, size: f.file.size })),
      passphrase: $("encrypted").hidden ? null : $("passphrase").value || null,
      identity: $("encrypted").hidden ? null : await readText($("identity")),
      expect_key: $("expect-key").value.trim() || null,
      trust_pem: await readText($("trust-roots")),
    };
    if (mine !== run) return;
    // The passphrase is not kept on the page once it has been handed to the check.
    $("passphrase").value = "";
    const total = subject.files.reduce((a, f) => a + f.file.size, 0);
    document.body.dataset.state = "checking";
    $("result").hidden = true;
    $("working").hidden = false;
    $("progress").max = Math.max(total, 1);
    $("progress").value = 0;
    $("progress-words").textContent = "";
    $("check").disabled = true;
    say("Checking the bundle…");
    const source = $("worker").textContent;
    worker = new Worker(URL.createObjectURL(new Blob([source], { type: "text/javascript" })));
    worker.onmessage = (event) => {
      if (mine !== run) return;
      const m = event.data;
      if (m.kind === "progress") {
        $("progress").value = Math.min(m.bytes, total);
        $("progress-words").textContent = sizeWords(m.bytes) + " of " + sizeWords(total) + " read";
      } else if (m.kind === "answer") {
        // The verifier's memory at the end and how it read, for the benchmark and tests.
        window.safekeepVerifierMemory = m.memory;
        window.safekeepReads = m.reads;
        finish(subject, m.answer);
      } else {
        finish(subject, { error: "The verifier stopped before it finished (" + m.why + "). Nothing was decided: try again, or use safekeep verify." });
      }
    };
    worker.onerror = (e) => {
      e.preventDefault();
      if (mine !== run) return;
      finish(subject, { error: "The verifier could not run in this browser (" + (e.message || "unknown error") + "). Nothing was decided: try another browser, or use safekeep verify." });
    };
    worker.postMessage({ wasm: wasmBytes(), files: subject.files.map((f) => f.file), request });
  }

  function finish(subject, answer) {
    if (worker) {
      worker.terminate();
      worker = null;
    }
    window.safekeepAnswer = answer;
    $("working").hidden = true;
    $("check").disabled = false;
    if (answer.error) {
      document.body.dataset.state = "error";
      say(answer.error);
      return;
    }
    const r = answer.report;
    const verdict = $("verdict");
    verdict.className = r.verdict;
    verdict.textContent = VERDICTS[r.verdict] || r.verdict;
    const facts = $("facts");
    facts.replaceChildren();
    const fact = (term, value) => {
      if (value === null || value === undefined) return;
      const dt = document.createElement("dt");
      dt.textContent = term;
      const dd = document.createElement("dd");
      dd.textContent = value;
      facts.append(dt, dd);
    };
    fact("Bundle", subject.kind === "zip" ? subject.files[0].path : r.bag);
    fact("Signing key fingerprint (compare it with the one the sender told you)", r.key_fingerprint);
    fact("SHA-256 of the tag manifest (what the signature covers)", r.tagmanifest_sha256);
    fact("Files and bytes read", r.files + " files, " + sizeWords(r.bytes));
    fact("Checked on", new Date().toString());
    const list = $("checks");
    list.replaceChildren();
    for (const c of r.checks) {
      const li = document.createElement("li");
      const state = !c.ok ? "failed" : c.unrecognised ? "unrecognised" : "passed";
      li.className = state;
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = { passed: "✔ Passed: ", failed: "✘ Failed: ", unrecognised: "? Passed, authority not recognised: " }[state];
      li.append(mark, document.createTextNode(c.check));
      const details = c.details.filter((d) => d);
      if (details.length) {
        const ul = document.createElement("ul");
        for (const d of details) {
          const item = document.createElement("li");
          item.textContent = d;
          ul.append(item);
        }
        li.append(ul);
      }
      list.append(li);
    }
    $("result").hidden = false;
    document.body.dataset.state = "done";
    say(VERDICTS[r.verdict] || r.verdict);
  }

  // A folder dropped on the page arrives as entries to walk. What the browser cannot read
  // is counted in `failed`: the check must not run on part of a folder.
  function walk(entry, path, out, failed) {
    return new Promise((resolve) => {
      if (entry.isFile) {
        entry.file(
          (file) => {
            out.push({ file, path });
            resolve();
          },
          () => {
            failed.push(path);
            resolve();
          },
        );
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        const next = () =>
          reader.readEntries(async (batch) => {
            if (batch.length === 0) return resolve();
            for (const e of batch) await walk(e, path + "/" + e.name, out, failed);
            next();
          }, () => {
            failed.push(path);
            resolve();
          });
        next();
      } else {
        failed.push(path);
        resolve();
      }
    });
  }

  const drop = $("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const entries = [...e.dataTransfer.items].map((i) => i.webkitGetAsEntry && i.webkitGetAsEntry()).filter(Boolean);
    if (entries.length === 1 && entries[0].isDirectory) {
      const out = [];
      const failed = [];
      await walk(entries[0], entries[0].name, out, failed);
      if (failed.length) {
        say("The browser could not read " + failed.length + " of the folder's entries (" + failed.slice(0, 3).join(", ") + "), so nothing was checked. Check the bundle's .zip instead, or use safekeep verify.");
        return;
      }
      choose("folder", out);
    } else {
      choose("zip", [...e.dataTransfer.files].map((file) => ({ file, path: file.name })));
    }
  });
  // Files dropped elsewhere must not make the browser open them in place of the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  $("bundle-file").addEventListener("change", (e) =>
    choose("zip", [...e.target.files].map((file) => ({ file, path: file.name }))),
  );
  $("bundle-folder").addEventListener("change", (e) =>
    choose("folder", [...e.target.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }))),
  );
  $("check").addEventListener("click", check);
  $("passphrase").addEventListener("keydown", (e) => {
    if (e.key === "Enter") check();
  });
  $("print").addEventListener("click", () => window.print());
})();
