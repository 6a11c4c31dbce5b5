// Settings: language, auto-lock, trusted timestamps, passphrase and keys, backups.

import { $, el, english, show } from "../shared/dom.js";
import { call, channel, invoke } from "../shared/calls.js";
import { bytes, chooseLocale, currentLocale, languageName, t, tNodes, when } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { ready, state } from "../shared/state.js";
import { clearPasswords, newPassphrase, showLock } from "./lock.js";
import { showRecoveryKey } from "./recovery.js";
import { showSetup } from "./setup.js";
import { renderLook } from "./neutral-look.js";
import { openDialog } from "../shared/dialog.js";

const AUTOLOCK = [60, 300, 900, 1800, 3600];

function lockLabel(seconds) {
  if (seconds % 3600 === 0) return t("settings.hours", { count: seconds / 3600 });
  if (seconds % 60 === 0) return t("settings.minutes", { count: seconds / 60 });
  return t("settings.seconds", { count: seconds });
}

async function renderLanguages() {
  const codes = await invoke("ui_languages").catch(() => ["en-GB"]);
  const current = currentLocale();
  if (!codes.includes(current)) codes.push(current);
  const names = await Promise.all(codes.map((c) => languageName(c)));
  $("language").replaceChildren(...codes.map((c, i) => el("option", { value: c, selected: c === current, lang: c, translate: "no" }, names[i])));
}

export function showSettings() {
  if (!ready()) return state.status && state.status.locked ? showLock() : showSetup();
  clearMessages();
  const secs = state.status.auto_lock_seconds;
  const choices = AUTOLOCK.includes(secs) ? AUTOLOCK : [...AUTOLOCK, secs].sort((a, b) => a - b);
  $("autolock").replaceChildren(...choices.map((s) => el("option", { value: String(s), selected: s === secs }, lockLabel(s))));
  $("passphrase-form").hidden = $("recovery-form").hidden = $("recovery-new-h").hidden = !state.status.encrypted;
  $("record-host").checked = state.status.records_host_name;
  show("settings");
  renderLanguages();
  renderLook();
  renderTimestamps();
  renderBackup().catch(() => {});
}
$("nav-settings").addEventListener("click", showSettings);

$("language-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  chooseLocale($("language").value);
  // The page reloads in the new language; the vault stays open in the backend.
  window.location.reload();
});

function timestampState(s) {
  if (!s.enabled) return tNodes(s.waiting ? "settings.ts_state_off_waiting" : "settings.ts_state_off", { count: s.waiting });
  const f = document.createDocumentFragment();
  f.append(tNodes("settings.ts_state_on", { count: s.stamped, waiting: s.waiting }));
  if (s.waiting && s.last_error) f.append(" ", tNodes("settings.ts_last_error", { error: english(s.last_error) }));
  return f;
}

async function renderTimestamps() {
  const s = await call("timestamp_status");
  $("ts-state").replaceChildren(timestampState(s));
  const urls = s.authorities.length ? s.authorities.map((a) => a.url) : s.defaults;
  $("ts-urls").value = urls.join("\n");
  $("ts-on").textContent = t(s.enabled ? "settings.ts_save" : "settings.ts_on");
  $("ts-off").hidden = !s.enabled;
  $("ts-now").hidden = !s.enabled || !s.waiting;
}

$("ts-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  $("ts-on").disabled = true;
  try {
    await call("enable_timestamps", { urls: $("ts-urls").value.split("\n") });
    notice("settings.ts_enabled");
  } finally {
    $("ts-on").disabled = false;
  }
  await renderTimestamps();
});
$("ts-off").addEventListener("click", async () => {
  clearMessages();
  await call("disable_timestamps");
  notice("settings.ts_disabled");
  await renderTimestamps();
  $("ts-on").focus();
});
$("ts-now").addEventListener("click", async () => {
  clearMessages();
  $("ts-now").disabled = true;
  try {
    const r = await call("timestamp_now");
    if (r.waiting.length) notice("settings.ts_now_waiting", { count: r.stamped.length, waiting: r.waiting.length, why: english(r.waiting[0].why) });
    else notice("settings.ts_now_done", { count: r.stamped.length });
  } finally {
    $("ts-now").disabled = false;
  }
  await renderTimestamps();
});

$("record-host").addEventListener("change", async () => {
  const on = $("record-host").checked;
  await call("set_record_host_name", { on });
  state.status.records_host_name = on;
  notice("common.saved");
});

$("autolock-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const seconds = Number($("autolock").value);
  await call("set_auto_lock", { seconds });
  state.status.auto_lock_seconds = seconds;
  notice("common.saved");
});

$("passphrase-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const next = newPassphrase("pass-new", "pass-new2");
  if (next === null) return;
  if (ev.submitter && ev.submitter.id === "pass-rotate") return rotateKeys($("pass-current").value, next);
  await call("change_passphrase", { current: $("pass-current").value, new: next });
  clearPasswords();
  notice("settings.pass_changed");
});

const ROTATE_STEP = { sealing: "settings.rotate_sealing", database: "settings.rotate_database", finishing: "settings.rotate_finishing" };

/// "Lock out old copies": new keys for everything, with progress; then the new recovery
/// key, shown once, and what copies made before (the last backup) still open with.
async function rotateKeys(current, next) {
  const progress = $("pass-progress");
  let shown = 0;
  const onProgress = channel(([step, done, total]) => {
    if (Date.now() - shown < 500 && done < total) return;
    shown = Date.now();
    progress.replaceChildren(tNodes(ROTATE_STEP[step], { done, total }));
  });
  $("pass-change").disabled = $("pass-rotate").disabled = true;
  try {
    const r = await call("rotate_keys", { current, new: next, onProgress });
    clearPasswords();
    showRecoveryKey(r.recovery_key, async () => {
      showSettings();
      if (r.old_backup) notice("settings.rotated_backup", { dir: el("code", {}, r.old_backup.dir) });
      else notice("settings.rotated");
    });
  } finally {
    $("pass-change").disabled = $("pass-rotate").disabled = false;
    progress.textContent = "";
  }
}

// "Make a new recovery key": the old sheet stops opening this vault (not old copies).
$("recovery-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const key = await call("new_recovery_key", { current: $("recovery-current").value });
  clearPasswords();
  showRecoveryKey(key, async () => {
    showSettings();
    notice("settings.recovery_replaced");
  });
});

// Backups: into a folder the person chooses, then "Back up now" into the same one.
async function renderBackup() {
  const last = await call("last_backup");
  $("backup-state").replaceChildren(last
    ? tNodes("settings.backup_last", { when: when(last.at), dir: el("code", {}, last.dir) })
    : tNodes("settings.backup_never"));
  $("backup-again").hidden = !last;
  $("backup-remind").checked = await call("backup_reminder_on");
}
$("backup-remind").addEventListener("change", () => call("set_backup_reminder", { on: $("backup-remind").checked }));

/// Backs up into `dir` (null: the last backup's folder). The page function the folder
/// dialog calls, and the tests.
export async function backupTo(dir) {
  clearMessages();
  const progress = $("backup-progress");
  progress.textContent = "";
  let shown = 0;
  const onProgress = channel(([done, total]) => {
    if (Date.now() - shown < 1000 && done < total) return;
    shown = Date.now();
    progress.replaceChildren(done < total
      ? tNodes("settings.backup_copying", { done: bytes(done), total: bytes(total) })
      : tNodes("settings.backup_checking"));
  });
  $("backup-again").disabled = $("backup-choose").disabled = true;
  try {
    const s = await call("backup_vault", { dir, onProgress });
    progress.textContent = "";
    notice("settings.backup_done", { count: s.copied });
  } finally {
    $("backup-again").disabled = $("backup-choose").disabled = false;
    progress.textContent = "";
    await renderBackup();
  }
}

$("backup-choose").addEventListener("click", async () => {
  const dir = await openDialog({ directory: true, title: t("settings.backup_dialog") });
  if (dir) await backupTo(dir);
});
$("backup-again").addEventListener("click", () => backupTo(null));
