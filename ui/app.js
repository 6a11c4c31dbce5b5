// Safekeep's page. Plain ES module, no build step. All evidence work happens in the
// Rust backend; this file only shows screens and calls commands. Errors arrive as
// {code, message} and are shown as they are.

const tauri = window.__TAURI__;
const invoke = (cmd, args) => tauri.core.invoke(cmd, args);
const $ = (id) => document.getElementById(id);

const state = { status: null, caseId: null, caseTitle: "", itemId: null, blobUrls: [], escAt: 0 };

// ---------------------------------------------------------------- helpers

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
  return e;
}

function showError(err) {
  const msg = err && err.message ? err.message : String(err);
  const box = $("alert");
  box.textContent = msg;
  box.dataset.code = (err && err.code) || "error";
  box.hidden = false;
  $("notice").hidden = true;
}

function notice(text) {
  $("alert").hidden = true;
  $("notice").textContent = text;
  $("notice").hidden = false;
}

function clearMessages() {
  $("alert").hidden = true;
  $("notice").hidden = true;
}

async function call(cmd, args) {
  try {
    return await invoke(cmd, args);
  } catch (e) {
    if (e && e.code === "vault_is_locked") showLock();
    showError(e);
    throw e;
  }
}

// Two password fields must match before anything is sent.
function newPassphrase(first, second) {
  if ($(first).value !== $(second).value) {
    showError({ code: "mismatch", message: "The two passphrases are different. Type the same passphrase twice." });
    $(second).focus();
    return null;
  }
  return $(first).value;
}

function clearPasswords() {
  for (const input of document.querySelectorAll("input[type=password]")) input.value = "";
}

function when(iso) {
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleString();
}

function bytes(n) {
  if (n < 1024) return `${n} bytes`;
  const units = ["KB", "MB", "GB", "TB"];
  let v = n, i = -1;
  do { v /= 1024; i++; } while (v >= 1024 && i < units.length - 1);
  return `${v.toFixed(1)} ${units[i]}`;
}

function kindName(kind) {
  return { file: "File", note: "Written entry", screenshot: "Screenshot", web_page: "Web page" }[kind] || kind;
}

function releaseImages() {
  for (const u of state.blobUrls) URL.revokeObjectURL(u);
  state.blobUrls = [];
}

function show(screen) {
  releaseImages();
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== `screen-${screen}`;
  const h = document.querySelector(`#screen-${screen} h1`);
  if (h) { h.tabIndex = -1; h.focus(); }
}

// An image preview that stays blurred until the person chooses to look.
async function blurredImage(item, index, big) {
  const a = item.artifacts[index];
  const box = el("div", { class: `thumb blurred${big ? " big" : ""}`, "data-item": item.id });
  const img = el("img", { alt: `Image, ${bytes(a.size)}, captured ${when(item.captured_at)} (blurred)` });
  const reveal = el("button", { type: "button", class: "reveal" }, "Reveal image");
  reveal.addEventListener("click", () => {
    const blurred = box.classList.toggle("blurred");
    reveal.textContent = blurred ? "Reveal image" : "Blur again";
    img.alt = `Image, ${bytes(a.size)}, captured ${when(item.captured_at)}${blurred ? " (blurred)" : ""}`;
  });
  box.append(img);
  try {
    const buf = await invoke("artifact_bytes", { itemId: item.id, index });
    const url = URL.createObjectURL(new Blob([buf], { type: a.media_type }));
    state.blobUrls.push(url);
    img.src = url;
  } catch (e) {
    box.replaceChildren(el("p", { class: "hint" }, e.message || String(e)));
    return box;
  }
  if (!$("always-blur").checked) { box.classList.remove("blurred"); reveal.textContent = "Blur again"; }
  return el("div", {}, box, el("div", {}, reveal));
}

// ---------------------------------------------------------------- first run

async function start() {
  state.status = await call("app_status");
  $("always-blur").checked = localStorage.getItem("alwaysBlur") !== "off";
  if (state.status.ready) {
    await openCases();
  } else if (state.status.locked) {
    showLock();
  } else {
    $("setup-dir").value = state.status.vault_dir || "";
    show("setup");
    // A vault is there but could not be opened (in use by another window, damaged…).
    if (state.status.problem) showError(state.status.problem);
  }
}

// ---------------------------------------------------------------- lock

// Shows the lock screen and removes every piece of evidence from the page.
function showLock(message) {
  releaseImages();
  for (const id of ["timeline", "case-list", "item-preview", "item-machine", "item-person", "item-annotations", "case-h", "item-h", "vault-fp"]) {
    $(id).replaceChildren();
  }
  $("item-files").tBodies[0].replaceChildren();
  clearPasswords();
  state.caseId = null;
  state.itemId = null;
  if (state.status) state.status.ready = false;
  $("lock-now").hidden = true;
  show("lock");
  if (message) notice(message);
  $("unlock-pass").focus();
}

async function unlocked(status) {
  state.status = status;
  clearPasswords();
  await openCases();
}

$("unlock-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  $("unlock-go").disabled = true;
  try {
    await unlocked(await call("unlock", { passphrase: $("unlock-pass").value }));
  } catch {
    $("unlock-pass").select();
  } finally {
    $("unlock-go").disabled = false;
  }
});

$("recover-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const passphrase = newPassphrase("recover-pass", "recover-pass2");
  if (passphrase === null) return;
  await unlocked(await call("recover", { recoveryKey: $("recover-key").value, newPassphrase: passphrase }));
  $("recover-key").value = "";
  notice("Your new passphrase is set. Your recovery key still works.");
});

$("lock-now").addEventListener("click", async () => {
  await invoke("lock");
  showLock("Locked.");
});

tauri.event.listen("vault-locked", () => {
  const minutes = Math.max(1, Math.round((state.status?.auto_lock_seconds || 300) / 60));
  showLock(`Locked after ${minutes} minute${minutes === 1 ? "" : "s"} without use.`);
});

// Typing and clicking postpone the auto-lock (told to the backend at most every 15 s).
let lastTouch = 0;
for (const kind of ["keydown", "pointerdown", "pointermove", "wheel"]) {
  document.addEventListener(kind, () => {
    const now = Date.now();
    if (now - lastTouch > 15000 && state.status && state.status.ready) {
      lastTouch = now;
      invoke("touch").catch(() => {});
    }
  }, { passive: true });
}

function showRecoveryKey(key, then) {
  $("recovery-key").textContent = key;
  show("recovery");
  $("recovery-done").onclick = async () => {
    $("recovery-key").textContent = "";
    await then();
  };
}
$("recovery-print").addEventListener("click", () => window.print());

$("setup-choose").addEventListener("click", async () => {
  const dir = await tauri.dialog.open({ directory: true, title: "Where to keep the evidence" });
  if (dir) $("setup-dir").value = dir;
});

$("setup-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const dir = $("setup-dir").value.trim() || null;
  const passphrase = newPassphrase("setup-pass", "setup-pass2");
  if (passphrase === null) return;
  $("setup-start").disabled = true;
  try {
    const r = await call("setup_vault", { dir, initials: $("setup-initials").value, passphrase });
    state.status = r.status;
    clearPasswords();
    if (r.recovery_key) showRecoveryKey(r.recovery_key, openCases);
    else if (r.status.locked) showLock("That folder already holds a Safekeep vault. Type its passphrase to open it.");
    else await openCases();
  } finally {
    $("setup-start").disabled = false;
  }
});

// ---------------------------------------------------------------- settings

$("nav-settings").addEventListener("click", () => {
  if (!state.status || !state.status.ready) return state.status && state.status.locked ? showLock() : show("setup");
  clearMessages();
  const secs = String(state.status.auto_lock_seconds);
  if (![...$("autolock").options].some((o) => o.value === secs)) $("autolock").append(el("option", { value: secs }, `${secs} seconds`));
  $("autolock").value = secs;
  $("passphrase-form").hidden = !state.status.encrypted;
  show("settings");
  renderTimestamps();
});

// ---------------------------------------------------------------- trusted timestamps

function timestampState(s) {
  if (!s.enabled) return `Off. Nothing is sent.${s.waiting ? ` ${s.waiting} item(s) were queued earlier and wait until it is turned on again.` : ""}`;
  const parts = [`On. ${s.stamped} item(s) timestamped, ${s.waiting} waiting.`];
  if (s.waiting && s.last_error) parts.push(`Last try: ${s.last_error}`);
  return parts.join(" ");
}

async function renderTimestamps() {
  const s = await call("timestamp_status");
  $("ts-state").textContent = timestampState(s);
  const urls = s.authorities.length ? s.authorities.map((a) => a.url) : s.defaults;
  $("ts-urls").value = urls.join("\n");
  $("ts-on").textContent = s.enabled ? "Save authorities" : "Turn on";
  $("ts-off").hidden = !s.enabled;
  $("ts-now").hidden = !s.enabled || !s.waiting;
}

$("ts-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  $("ts-on").disabled = true;
  try {
    const s = await call("enable_timestamps", { urls: $("ts-urls").value.split("\n") });
    notice(timestampState(s));
  } finally {
    $("ts-on").disabled = false;
  }
  await renderTimestamps();
});
$("ts-off").addEventListener("click", async () => {
  clearMessages();
  await call("disable_timestamps");
  notice("Trusted timestamps are off. Nothing more will be sent.");
  await renderTimestamps();
});
$("ts-now").addEventListener("click", async () => {
  clearMessages();
  $("ts-now").disabled = true;
  try {
    const r = await call("timestamp_now");
    notice(`${r.stamped.length} item(s) timestamped${r.waiting.length ? `; ${r.waiting.length} still waiting (${r.waiting[0].why})` : ""}.`);
  } finally {
    $("ts-now").disabled = false;
  }
  await renderTimestamps();
});

// New items get their timestamp in the background (nothing happens while it is off).
function timestampSoon() {
  invoke("timestamp_now").catch(() => {});
}

function timestampText(t) {
  if (!t) return "None: trusted timestamps are off (Settings).";
  if (t.state === "stamped") return `${when(t.gen_time)} (${t.gen_time}), signed by ${t.signer} of ${t.tsa}. Anyone can check it with openssl; the exported bundle says how.`;
  return `Waiting since ${when(t.since)}${t.last_error ? `. Last try: ${t.last_error}` : ""}. It is sent when the computer is online.`;
}
$("autolock-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const seconds = Number($("autolock").value);
  await call("set_auto_lock", { seconds });
  state.status.auto_lock_seconds = seconds;
  notice("Saved.");
});
$("passphrase-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const next = newPassphrase("pass-new", "pass-new2");
  if (next === null) return;
  await call("change_passphrase", { current: $("pass-current").value, new: next });
  clearPasswords();
  notice("Passphrase changed. Your recovery key still works.");
});
$("encrypt-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const passphrase = newPassphrase("encrypt-pass", "encrypt-pass2");
  if (passphrase === null) return;
  $("encrypt-go").disabled = true;
  try {
    const r = await call("encrypt_vault", { passphrase });
    state.status = r.status;
    clearPasswords();
    showRecoveryKey(r.recovery_key, openCases);
  } finally {
    $("encrypt-go").disabled = false;
  }
});

// ---------------------------------------------------------------- cases

async function openCases() {
  clearMessages();
  const cases = await call("list_cases");
  const list = $("case-list");
  list.replaceChildren(...cases.map((c) =>
    el("li", {}, el("button", { type: "button", class: "case", "data-id": c.id, onclick: () => openCase(c.id, c.title) },
      el("strong", {}, c.title), el("span", { class: "hint" }, ` — opened ${when(c.created_at)}`)))));
  if (!cases.length) list.append(el("li", { class: "hint" }, "No cases yet. Give your first case a title below."));
  $("vault-fp").textContent = state.status.fingerprint || "";
  $("plain-warning").hidden = state.status.encrypted;
  $("lock-now").hidden = !state.status.encrypted;
  show("cases");
}

$("case-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const title = $("case-title").value;
  const id = await call("create_case", { title });
  $("case-title").value = "";
  await openCase(id, title.trim());
});

$("rename-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const title = $("rename-title").value;
  await call("rename_case", { caseId: state.caseId, title });
  state.caseTitle = title.trim();
  $("case-h").textContent = state.caseTitle;
  notice("Case renamed. The old title stays in the case's log.");
});

// ---------------------------------------------------------------- one case

async function openCase(id, title) {
  clearMessages();
  state.caseId = id;
  state.caseTitle = title;
  $("case-h").textContent = title;
  $("rename-title").value = title;
  for (const id of ["note-form", "capture-form", "capture-after", "web-form", "web-cert"]) $(id).hidden = true;
  show("case");
  await renderTimeline();
}

// Reports still waiting for an outcome, listed on the case page.
async function renderTakedown() {
  const t = await call("takedown", { caseId: state.caseId });
  const open = t.items.flatMap((i) => i.reports.filter((r) => r.open).map((r) => ({ i, r })));
  $("takedown-box").hidden = t.items.every((i) => !i.reports.length && !i.urls.length && !i.stopncii.length && !i.crime_references.length);
  $("takedown-open").replaceChildren(...(open.length ? open.map(({ i, r }) => el("li", {},
    el("button", { type: "button", class: "link", onclick: () => openItem(i.item_id) }, i.title),
    ` — reported to ${r.reported_to}${r.reported_on ? ` on ${r.reported_on}` : ""}${r.reference ? `, reference ${r.reference}` : ""}${r.outcome ? ` (${r.outcome})` : ""}`))
    : [el("li", { class: "hint" }, "None open.")]));
}

$("takedown-pack").addEventListener("click", async () => {
  clearMessages();
  const dir = await tauri.dialog.open({ directory: true, title: "Choose a folder for the takedown pack" });
  if (!dir) return;
  const paths = await call("save_takedown_pack", { caseId: state.caseId, dir });
  notice(`Saved ${paths.join(" and ")}. They hold addresses, references and fingerprints only: no pictures.`);
});

async function renderTimeline() {
  releaseImages();
  timestampSoon();
  renderTakedown().catch(() => {});
  const items = await call("list_items", { caseId: state.caseId });
  const list = $("timeline");
  list.replaceChildren();
  if (!items.length) list.append(el("li", { class: "hint" }, "Nothing here yet. Add files, or write what happened."));
  for (const item of items) {
    const c = item.context || {};
    const who = [c.platform, c.poster_account].filter(Boolean).join(" / ");
    const a = item.artifacts[0];
    const li = el("li", { "data-item": item.id, class: item.withdrawn ? "withdrawn" : "" },
      el("div", { class: "meta" },
        el("div", {}, when(item.captured_at)),
        c.incident_time ? el("div", {}, `happened ${when(c.incident_time)}`) : null),
      el("div", {},
        el("div", {}, el("span", { class: "kind" }, kindName(item.kind)),
          el("button", { type: "button", class: "link title", onclick: () => openItem(item.id) }, item.title),
          item.withdrawn ? el("span", { class: "hint" }, " (withdrawn)") : null),
        who ? el("div", { class: "hint" }, who) : null,
        a ? el("div", { class: "hint" }, `SHA-256 `, el("code", {}, a.sha256.slice(0, 16) + "…"), ` · ${bytes(a.size)}`) : null));
    list.append(li);
    const picture = item.artifacts.findIndex((f) => f.media_type.startsWith("image/"));
    if (picture >= 0 && !item.withdrawn) {
      li.lastChild.append(await blurredImage(item, picture, false));
    }
  }
}

$("always-blur").addEventListener("change", () => {
  localStorage.setItem("alwaysBlur", $("always-blur").checked ? "on" : "off");
  renderTimeline();
});

// Used by the file dialog and by drag-and-drop alike.
async function importPaths(paths) {
  if (!paths || !paths.length) return [];
  clearMessages();
  const bar = $("import-bar");
  $("import-progress").hidden = false;
  const channel = new tauri.core.Channel();
  channel.onmessage = (p) => {
    bar.max = p.total || 1;
    bar.value = p.done;
    $("import-label").textContent = `File ${p.file + 1} of ${p.files}`;
  };
  let results = [];
  try {
    results = await call("import_files", { caseId: state.caseId, paths, context: {}, onProgress: channel });
  } finally {
    $("import-progress").hidden = true;
  }
  const failed = results.filter((r) => r.error);
  if (failed.length) showError({ code: failed[0].error.code, message: failed.map((r) => r.error.message).join("\n") });
  else notice(`${results.length} file(s) added and sealed.`);
  await renderTimeline();
  return results;
}

$("add-files").addEventListener("click", async () => {
  const picked = await tauri.dialog.open({ multiple: true, title: "Add files to this case" });
  if (picked) await importPaths(Array.isArray(picked) ? picked : [picked]);
});
$("import-cancel").addEventListener("click", () => invoke("cancel_import"));

$("write-note").addEventListener("click", () => {
  $("note-form").hidden = false;
  $("note-text").focus();
});
$("note-cancel").addEventListener("click", () => { $("note-form").hidden = true; });
$("note-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const local = $("note-incident").value;
  const context = local ? { incident_time: new Date(local).toISOString() } : {};
  await call("add_note", { caseId: state.caseId, text: $("note-text").value, context });
  $("note-text").value = "";
  $("note-incident").value = "";
  $("note-form").hidden = true;
  notice("Your entry was saved and sealed.");
  await renderTimeline();
});

// ---------------------------------------------------------------- web capture

$("capture-web").addEventListener("click", () => {
  clearMessages();
  $("capture-after").hidden = true;
  $("capture-form").hidden = true;
  $("web-form").hidden = false;
  $("web-url").focus();
});
$("web-cancel").addEventListener("click", () => { $("web-form").hidden = true; });
$("web-cert-cancel").addEventListener("click", () => { $("web-cert").hidden = true; });
$("web-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await captureUrl(false);
});
$("web-cert-anyway").addEventListener("click", () => captureUrl(true));

// Fetches the address in the form; `acceptInvalid` after the person confirmed a bad certificate.
async function captureUrl(acceptInvalid) {
  clearMessages();
  $("web-cert").hidden = true;
  $("web-form").hidden = true;
  $("web-progress").hidden = false;
  let r;
  try {
    r = await invoke("capture_url", { caseId: state.caseId, url: $("web-url").value, render: $("web-render").checked, acceptInvalidCertificate: acceptInvalid, checkAgain: null });
  } catch (e) {
    if (e && e.code === "vault_is_locked") { showLock(); return; }
    if (e && e.code === "certificate_invalid") {
      $("web-cert-msg").textContent = e.message;
      $("web-cert").hidden = false;
      $("web-cert-anyway").focus();
    } else {
      showError(e);
      $("web-form").hidden = false;
    }
    return;
  } finally {
    $("web-progress").hidden = true;
  }
  const s = r.summary;
  const notes = [
    `Sealed at ${when(r.item.captured_at)}: ${s.final_url} (status ${s.status}).`,
    s.certificate_verified === false ? "The site's certificate did not verify; the record says so and why." : null,
    s.render_skipped ? `How the page looks was not kept: ${s.render_skipped}.` : null,
    s.login_suspected ? "This looks like a login page. If what you need is only visible when logged in, open it in your browser and use Capture screen." : null,
    r.item.artifacts.map((a) => `${a.original_name}: SHA-256 ${a.sha256}`).join("; "),
  ];
  showAfterCapture(r, null, notes.filter(Boolean).join(" "));
  $("web-url").value = "";
}

// ---------------------------------------------------------------- screen capture

$("capture-screen").addEventListener("click", async () => {
  clearMessages();
  $("capture-after").hidden = true;
  const t = await call("capture_targets");
  const options = [el("option", { value: JSON.stringify({ kind: "all" }) }, t.monitors.length > 1 ? "All monitors" : "The whole screen")];
  if (t.monitors.length > 1) {
    for (const m of t.monitors) options.push(el("option", { value: JSON.stringify({ kind: "monitor", number: m.number }) }, `Monitor ${m.number}: ${m.name} (${m.width}×${m.height})`));
  }
  for (const w of t.windows) {
    if (w.title) options.push(el("option", { value: JSON.stringify({ kind: "window", title: w.title }) }, `Window: ${w.title}${w.app_name ? ` — ${w.app_name}` : ""}`));
  }
  $("capture-target").replaceChildren(...options);
  $("capture-target").title = t.windows_note || "";
  $("capture-wayland").hidden = t.display_server !== "wayland";
  $("capture-form").hidden = false;
  $("capture-target").focus();
});
$("capture-cancel").addEventListener("click", () => { $("capture-form").hidden = true; });

async function countdown(seconds) {
  const box = $("capture-countdown");
  box.hidden = false;
  for (let left = seconds; left > 0; left--) {
    box.textContent = `Capturing in ${left}…`;
    await new Promise((r) => setTimeout(r, 1000));
  }
  box.hidden = true;
}

// Captures `target` after the countdown; `again` continues a series.
async function captureScreen(target, again) {
  clearMessages();
  $("capture-form").hidden = true;
  $("capture-after").hidden = true;
  await countdown(Number($("capture-delay").value));
  let r;
  try {
    r = await call("capture_screen", { caseId: state.caseId, target, again });
  } finally {
    $("capture-countdown").hidden = true;
  }
  const files = r.item.artifacts.map((a) => `${a.original_name}: SHA-256 ${a.sha256}`).join("; ");
  await showAfterCapture(r, target, `Sealed at ${when(r.item.captured_at)}. ${files}`);
  return r;
}

// Shows what was sealed and asks what it shows. `target` is set for screen captures
// (which can continue as a series).
async function showAfterCapture(r, target, summary) {
  state.capture = { target, itemId: r.item.id };
  $("capture-after-h").textContent = r.item.title;
  $("capture-summary").textContent = summary;
  $("capture-again").hidden = !target;
  for (const id of ["ctx-description", "ctx-platform", "ctx-account", "ctx-url"]) $(id).value = "";
  $("capture-after").hidden = false;
  $("ctx-description").focus();
  await renderTimeline();
}

$("capture-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await captureScreen(JSON.parse($("capture-target").value), null);
});
$("capture-again").addEventListener("click", () => captureScreen(state.capture.target, state.capture.itemId));
$("capture-done").addEventListener("click", () => { $("capture-after").hidden = true; });
$("capture-after").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const context = {};
  for (const [id, key] of [["ctx-description", "description"], ["ctx-platform", "platform"], ["ctx-account", "poster_account"], ["ctx-url", "source_url"]]) {
    const v = $(id).value.trim();
    if (v) context[key] = v;
  }
  await call("annotate", { itemId: state.capture.itemId, body: { kind: "context", context } });
  $("capture-after").hidden = true;
  notice("Saved beside the capture. The capture itself was not changed.");
});

// ---------------------------------------------------------------- item detail

async function openItem(id) {
  clearMessages();
  const item = await call("get_item", { itemId: id });
  state.itemId = item.id;
  show("item");
  $("item-h").textContent = item.title;
  const dl = (target, rows) => $(target).replaceChildren(...rows.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  dl("item-machine", [
    ["Kind", kindName(item.kind)],
    ["Captured", `${when(item.captured_at)} (${item.captured_at} UTC, offset ${item.utc_offset})`],
    ["Clock", item.clock_source],
    ["Captured with", `${item.app_version} on ${item.host}`],
    ["Item id", item.id],
    ...captureRows(item.capture),
    ["Trusted timestamp", timestampText(item.timestamp)],
    ["Withdrawn", item.withdrawn ? `${when(item.withdrawn.at)}: ${item.withdrawn.reason}` : null],
  ]);
  const c = item.context || {};
  dl("item-person", [
    ["Description", c.description], ["Happened", c.incident_time && when(c.incident_time)], ["Seen at", c.source_url],
    ["Platform", c.platform], ["Posted by", c.poster_account],
  ]);
  if (!$("item-person").children.length) $("item-person").append(el("dd", { class: "hint" }, "Nothing yet — add a note below."));
  $("item-files").tBodies[0].replaceChildren(...item.artifacts.map((a) =>
    el("tr", {},
      el("td", {}, a.original_name || a.role),
      el("td", {}, a.media_type),
      el("td", {}, bytes(a.size)),
      el("td", {}, el("code", { class: "sha" }, a.sha256), a.pdq ? el("div", { class: "hint" }, "PDQ ", el("code", { class: "sha" }, a.pdq), ` (quality ${a.pdq_quality})`) : ""),
      el("td", {}, el("button", { type: "button", class: "copy", onclick: async () => {
        await navigator.clipboard.writeText(a.sha256).catch(() => {});
        notice("Fingerprint copied.");
      } }, "Copy")))));
  const similar = item.similar || [];
  $("item-similar").hidden = similar.length === 0;
  $("item-similar-list").replaceChildren(...similar.map((m) => el("li", {},
    el("button", { type: "button", class: "link", onclick: () => openItem(m.item_id) }, m.title),
    ` — ${m.case_id === item.case_id ? "this case" : "another case"}, ${m.distance} of 256 bits apart`)));
  $("item-annotations").replaceChildren(...(item.annotations.length ? item.annotations.map((n) =>
    el("li", {}, `${when(n.created_at)} — ${describe(n)}`)) : [el("li", { class: "hint" }, "Nothing added yet.")]));
  $("item-preview").replaceChildren();
  const first = item.artifacts.findIndex((a) => a.media_type.startsWith("image/"));
  if (first >= 0 && !item.withdrawn) $("item-preview").append(await blurredImage(item, first, true));
  $("withdraw-box").hidden = Boolean(item.withdrawn);
  $("check-again").hidden = item.kind !== "web_page";
}

// "Check again": the same address, later, as a new item linked to this one.
$("check-again").addEventListener("click", async () => {
  clearMessages();
  $("check-again").disabled = true;
  $("check-again-progress").hidden = false;
  let r;
  try {
    r = await call("capture_url", { caseId: state.caseId, url: "", render: true, acceptInvalidCertificate: false, checkAgain: state.itemId });
  } finally {
    $("check-again").disabled = false;
    $("check-again-progress").hidden = true;
  }
  await openItem(r.item.id);
  notice(`Checked again: ${r.summary.compared ? r.summary.compared.verdict : `status ${r.summary.status}`}. Saved as a new item, linked to the first.`);
});

// What the computer recorded about a capture, in words.
function captureRows(cap) {
  if (!cap) return [];
  if (cap.source === "web") return webRows(cap);
  const shot = (s) => [
    `${s.file}: ${s.width}×${s.height} pixels`,
    s.window_title ? `window “${s.window_title}”${s.app_name ? ` of ${s.app_name}` : ""}` : null,
    s.monitor_name ? `monitor ${s.monitor_name}` : null,
    s.scale_percent && s.scale_percent !== 100 ? `scale ${s.scale_percent}%` : null,
  ].filter(Boolean).join(", ");
  return [
    ["Capture", `${cap.target}, ${cap.display_server} on ${cap.os}`],
    ["Method", cap.method],
    ["Started / ended", `${cap.started_at} / ${cap.ended_at} (UTC)`],
    ["Pictures", (cap.shots || []).map(shot).join("; ")],
    ["Series", cap.series ? `part ${cap.series.index} of a series started by item ${cap.series.id}` : null],
  ];
}

// What was recorded about a web capture, in words.
function webRows(cap) {
  const hops = cap.exchanges || [];
  const last = hops[hops.length - 1] || {};
  const tls = last.tls;
  const leaf = tls && tls.chain && tls.chain[0];
  const r = cap.render || {};
  return [
    ["Address", cap.url],
    ["Final address", hops.length > 1 ? `${cap.final_url} (after ${hops.length - 1} redirect${hops.length > 2 ? "s" : ""}: ${hops.map((h) => h.status).join(" → ")})` : null],
    ["Status", `${last.status} ${last.reason || ""}`],
    ["Server", last.remote_ip ? `${last.remote_ip} port ${last.remote_port}${last.dns ? ` (the name resolved to ${last.dns.join(", ")})` : ""}` : null],
    ["Certificate", tls ? (tls.verification.verified ? `verified; issued to ${leaf ? leaf.subject : "?"} by ${leaf ? leaf.issuer : "?"}, ${tls.chain.length} certificate(s) presented` : `did NOT verify: ${tls.verification.reason}`) : "none (not https)"],
    ["Connection", tls ? `${tls.version}, ${tls.cipher}` : null],
    ["How it looked", r.skipped ? `not kept: ${r.skipped}` : `${r.browser}, window ${r.viewport.width}×${r.viewport.height}, whole page ${r.full_page.width}×${r.full_page.height} pixels, load ${r.load}`],
    ["Method", cap.method],
    ["Checks again", cap.check_again_of ? `item ${cap.check_again_of.item_id}, captured ${when(cap.check_again_of.captured_at)}` : null],
    ["Started / ended", `${cap.started} / ${cap.finished}`],
  ];
}

function describe(n) {
  switch (n.kind) {
    case "tag": return `tag: ${n.tag}`;
    case "note": return `note: ${n.text}`;
    case "description_correction": return `corrected description: ${n.description}`;
    case "context": return `details: ${[["shows", n.context.description], ["platform", n.context.platform], ["posted by", n.context.poster_account], ["address", n.context.source_url]].filter(([, v]) => v).map(([k, v]) => `${k} ${v}`).join("; ")}`;
    case "report": return `reported to ${n.reported_to}${n.reported_on ? ` on ${n.reported_on}` : ""}${n.reference ? `, reference ${n.reference}` : ""}${n.outcome ? `, outcome: ${n.outcome}` : ""}`;
    case "appears_at": return `also appears at ${n.url}`;
    case "stopncii": return `StopNCII case number ${n.case_number}`;
    case "crime_reference": return `police crime reference ${n.reference}${n.force ? ` (${n.force})` : ""}`;
    default: return JSON.stringify(n);
  }
}

$("back-to-case").addEventListener("click", () => openCase(state.caseId, state.caseTitle));
const ANNOTATE_LABELS = {
  report: "Reported to (platform, police, helpline…)",
  appears_at: "The full web address (https://…)",
  stopncii: "StopNCII case number",
  crime_reference: "Crime reference number",
};
$("annotate-kind").addEventListener("change", () => {
  const kind = $("annotate-kind").value;
  $("report-fields").hidden = kind !== "report";
  $("force-fields").hidden = kind !== "crime_reference";
  $("annotate-text-label").textContent = ANNOTATE_LABELS[kind] || "Text";
});
$("annotate-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const kind = $("annotate-kind").value;
  const text = $("annotate-text").value;
  const body = kind === "tag" ? { kind, tag: text }
    : kind === "note" ? { kind, text }
    : kind === "description_correction" ? { kind, description: text }
    : kind === "appears_at" ? { kind, url: text.trim() }
    : kind === "stopncii" ? { kind, case_number: text }
    : kind === "crime_reference" ? { kind, reference: text, force: $("crime-force").value || null }
    : { kind, reported_to: text, reported_on: $("report-on").value || null, reference: $("report-ref").value || null, outcome: $("report-outcome").value || null };
  await call("annotate", { itemId: state.itemId, body });
  for (const id of ["annotate-text", "report-ref", "report-outcome", "crime-force"]) $(id).value = "";
  await openItem(state.itemId);
  notice("Added. The item itself was not changed.");
});
$("withdraw-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await call("withdraw", { itemId: state.itemId, reason: $("withdraw-reason").value });
  await openItem(state.itemId);
  notice("Withdrawn. The case's log keeps a record of it and your reason.");
});

// ---------------------------------------------------------------- export

$("go-export").addEventListener("click", async () => {
  clearMessages();
  $("export-initials").value = state.status.initials || "";
  const safe = state.caseTitle.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^-+|-+$/g, "") || "bundle";
  const docs = await tauri.path.documentDir().catch(() => tauri.path.homeDir()).catch(() => "");
  $("export-out").value = docs ? await tauri.path.join(docs, `${safe}.zip`) : `${safe}.zip`;
  $("export-encrypt").checked = false;
  $("export-annex").checked = false;
  $("export-pass-box").hidden = true;
  $("export-result").hidden = true;
  $("report-result").hidden = true;
  show("export");
});
$("export-choose").addEventListener("click", async () => {
  const out = await tauri.dialog.save({ defaultPath: $("export-out").value, filters: [{ name: "Evidence bundle", extensions: ["zip"] }] });
  if (out) $("export-out").value = out;
});
$("export-encrypt").addEventListener("change", () => {
  $("export-pass-box").hidden = !$("export-encrypt").checked;
  if ($("export-encrypt").checked) $("export-pass").focus();
});
$("export-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const passphrase = $("export-encrypt").checked ? $("export-pass").value : null;
  const bar = $("export-bar");
  bar.hidden = false;
  const channel = new tauri.core.Channel();
  channel.onmessage = (p) => { bar.max = p.total || 1; bar.value = p.done; };
  $("export-go").disabled = true;
  try {
    const s = await call("export_case", { caseId: state.caseId, exhibitPrefix: $("export-initials").value, out: $("export-out").value, passphrase, unblurredAnnex: $("export-annex").checked, onProgress: channel });
    $("export-pass").value = "";
    $("export-encrypted-note").hidden = passphrase === null;
    $("export-path").textContent = s.path;
    $("export-sha").textContent = s.sha256;
    $("export-fp").textContent = s.key_fingerprint;
    const bundleTs = !s.timestamp ? "" : s.timestamp.state === "stamped" ? ` The bundle itself was timestamped at ${s.timestamp.gen_time}.` : ` The bundle itself could not be timestamped (${s.timestamp.why}); it is complete without it.`;
    $("export-ts").textContent = `${s.timestamped_items} of ${s.items} exhibit(s) carry one.${bundleTs}`;
    $("export-result").hidden = false;
    $("export-result").querySelector("h2").focus?.();
  } finally {
    bar.hidden = true;
    $("export-go").disabled = false;
  }
});
$("report-save").addEventListener("click", async () => {
  clearMessages();
  // Saved beside where the bundle would go ("case.zip" → "case-report.pdf"); never over a file.
  const out = $("export-out").value.replace(/(\.zip)?(\.age)?$/i, "") + "-report.pdf";
  const r = await call("save_report", { caseId: state.caseId, exhibitPrefix: $("export-initials").value, out, unblurredAnnex: $("export-annex").checked });
  $("report-result").textContent = `✔ Report saved: ${r.path} (${r.exhibits} exhibit(s)). On its own it is not signed; the copy inside an exported bundle is.`;
  $("report-result").hidden = false;
});
$("export-reveal").addEventListener("click", () => tauri.opener.revealItemInDir($("export-path").textContent).catch(showError));

// ---------------------------------------------------------------- verify

async function verifyPath(path) {
  clearMessages();
  $("verify-path").value = path;
  const report = await call("verify_bundle", { path, expectKey: $("verify-key").value || null, passphrase: $("verify-pass").value || null });
  const verdict = $("verify-verdict");
  verdict.className = `verdict ${report.verdict}`;
  verdict.textContent = {
    intact: "✔ Intact: every check passed. Nothing in the bundle changed since it was exported.",
    altered: "✘ Altered or inconsistent: see the checks marked ✘ below.",
    not_a_bundle: "✘ This is not a Safekeep bundle, or it cannot be read.",
  }[report.verdict];
  $("verify-fp").textContent = report.key_fingerprint || "—";
  $("verify-checks").replaceChildren(...report.checks.map((c) =>
    el("li", { class: c.ok ? "ok" : "bad" }, c.check, ...c.details.filter(Boolean).map((d) => el("span", { class: "detail" }, d)))));
  $("verify-result").hidden = false;
  return report;
}

$("verify-form").addEventListener("submit", (ev) => { ev.preventDefault(); verifyPath($("verify-path").value.trim()); });
$("verify-choose").addEventListener("click", async () => {
  const p = await tauri.dialog.open({ title: "Choose a bundle", filters: [{ name: "Bundle", extensions: ["zip", "age"] }] });
  if (p) await verifyPath(p);
});

// ---------------------------------------------------------------- drag and drop, navigation, quick exit

tauri.webview.getCurrentWebview().onDragDropEvent(async (event) => {
  const p = event.payload;
  const zone = !$("screen-verify").hidden ? $("verify-drop") : $("drop-zone");
  if (p.type === "enter" || p.type === "over") zone.classList.add("over");
  else zone.classList.remove("over");
  if (p.type !== "drop") return;
  if (!$("screen-verify").hidden && p.paths.length) await verifyPath(p.paths[0]);
  else if (!$("screen-case").hidden) await importPaths(p.paths);
});

$("nav-cases").addEventListener("click", () => {
  if (state.status && state.status.ready) openCases();
  else if (state.status && state.status.locked) showLock();
  else show("setup");
});
$("home-link").addEventListener("click", (ev) => { ev.preventDefault(); $("nav-cases").click(); });
$("nav-verify").addEventListener("click", () => { clearMessages(); $("verify-result").hidden = true; show("verify"); });

function quickExit() {
  document.body.replaceChildren();
  invoke("quick_exit");
}
$("quick-exit").addEventListener("click", quickExit);
document.addEventListener("keydown", (ev) => {
  if (ev.key !== "Escape") return;
  const now = Date.now();
  if (now - state.escAt < 800) quickExit();
  state.escAt = now;
});

// The page's own actions, for keyboard users' scripts and for the end-to-end tests,
// which cannot drive native file dialogs: the same functions the dialogs call.
window.safekeep = { importPaths, verifyPath, openItem, openCase, captureScreen, captureUrl };

start().catch(() => {});
