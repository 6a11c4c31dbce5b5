// Safekeep's page: plain ES modules, no build step, no framework. All evidence work
// happens in the Rust backend; the modules under screens/ show one screen (or one
// panel of the case screen) each, and shared/ holds elements, words, messages and calls.

import { $, visibleScreen } from "./shared/dom.js";
import { call, invoke, tauri } from "./shared/calls.js";
import { applyTo, loadLocale } from "./shared/i18n.js";
import { state } from "./shared/state.js";
import { openCases } from "./screens/cases.js";
import { openCase } from "./screens/case.js";
import { captureScreen } from "./screens/capture-screen.js";
import { captureUrl } from "./screens/capture-web.js";
import { captureBrowserTab } from "./screens/capture-browser.js";
import { showExport } from "./screens/export.js";
import { importPaths } from "./screens/import.js";
import { importChat } from "./screens/chat-import.js";
import { addReceipt } from "./screens/receipts.js";
import { importCase } from "./screens/handover.js";
import { annotateLabel, openItem } from "./screens/item.js";
import { showLock } from "./screens/lock.js";
import { backupTo, showSettings } from "./screens/settings.js";
import { restoreFrom, showSetup } from "./screens/setup.js";
import { showVerify, signReceipt, verifyPath } from "./screens/verify.js";
import { loadLook } from "./screens/neutral-look.js";
import "./screens/note.js";
import { openRemoval } from "./screens/removal.js";
import "./screens/phone.js";
import { showHelp } from "./screens/help.js";
import "./screens/recovery.js";

// ---------------------------------------------------------------- navigation

function home() {
  if (state.status && state.status.ready) openCases();
  else if (state.status && state.status.locked) showLock();
  else showSetup();
}
$("nav-cases").addEventListener("click", home);
$("home-link").addEventListener("click", (ev) => { ev.preventDefault(); home(); });

// ---------------------------------------------------------------- quick exit

// Hides the window at once and locks the vault. Reachable at every moment: the button
// stays in the top bar at every scroll position, and Escape twice works from anywhere.
function quickExit() {
  document.body.replaceChildren();
  invoke("quick_exit");
}
$("quick-exit").addEventListener("click", quickExit);
let escAt = 0;
document.addEventListener("keydown", (ev) => {
  if (ev.key !== "Escape") return;
  const now = Date.now();
  if (now - escAt < 800) quickExit();
  escAt = now;
});

// ---------------------------------------------------------------- drag and drop

tauri.webview.getCurrentWebview().onDragDropEvent(async (event) => {
  const p = event.payload;
  const onVerify = visibleScreen() === "verify";
  const zone = onVerify ? $("verify-drop") : $("drop-zone");
  if (p.type === "enter" || p.type === "over") zone.classList.add("over");
  else zone.classList.remove("over");
  if (p.type !== "drop") return;
  if (onVerify && p.paths.length) await verifyPath(p.paths[0]).catch(() => {});
  else if (visibleScreen() === "case") {
    // One .json dropped may be a recipient's receipt; anything else is evidence.
    const one = p.paths.length === 1 && /\.json$/i.test(p.paths[0]);
    if (!(one && await addReceipt(p.paths[0]).catch(() => true))) await importPaths(p.paths);
  }
});

// The page's own actions, for keyboard users' scripts and for the end-to-end tests,
// which cannot drive native file dialogs: the same functions the dialogs call.
window.safekeep = { importPaths, importChat, addReceipt, importCase, restoreFrom, signReceipt, verifyPath, openItem, openCase, captureScreen, captureUrl, captureBrowserTab, showExport, showSettings, showVerify, showHelp, backupTo, openRemoval };

// ---------------------------------------------------------------- start

async function start() {
  const languages = await invoke("ui_languages").catch(() => ["en-GB"]);
  await loadLocale(languages);
  applyTo(document);
  annotateLabel();
  await loadLook();
  state.status = await call("app_status");
  if (state.status.ready) await openCases();
  else if (state.status.locked) showLock();
  else showSetup();
  document.body.dataset.ready = "true";
}

start().catch(() => {});
