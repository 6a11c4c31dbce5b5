// The lock screen: unlock with the passphrase or the recovery key. Locking removes
// every piece of evidence from the page: once a vault was open in this page, the page is
// reloaded, so no screen keeps anything (a message naming an item, an unsaved note, a
// path typed, a result list, the page's own state).

import { $, show } from "../shared/dom.js";
import { call, invoke, tauri, whenLocked } from "../shared/calls.js";
import { clearMessages, notice, showError } from "../shared/messages.js";
import { releaseImages } from "../shared/picture.js";
import { state } from "../shared/state.js";
import { openCases } from "./cases.js";
import { lookWhileLocked } from "./neutral-look.js";

const EVIDENCE = ["timeline", "case-list", "item-preview", "item-machine", "item-person", "item-annotations", "case-h", "item-h", "vault-fp", "takedown-open", "item-similar-list", "item-similar-videos-list"];

/// Two password fields must match before anything is sent.
export function newPassphrase(first, second) {
  if ($(first).value !== $(second).value) {
    showError({ key: "error.mismatch" });
    $(second).focus();
    return null;
  }
  return $(first).value;
}

export function clearPasswords() {
  for (const input of document.querySelectorAll("input[type=password]")) input.value = "";
}

const LOCK_NOTICE = "safekeep.lockNotice";

/// Shows the lock screen; `key` is a notice to show with it.
export function showLock(key, params) {
  if (state.opened) {
    // Only which notice to show survives the reload, in this window's session storage.
    sessionStorage.setItem(LOCK_NOTICE, JSON.stringify({ key: key || null, params: params || {} }));
    document.body.replaceChildren();
    location.reload();
    return;
  }
  const left = sessionStorage.getItem(LOCK_NOTICE);
  sessionStorage.removeItem(LOCK_NOTICE);
  if (!key && left) ({ key, params } = JSON.parse(left));
  releaseImages();
  for (const id of EVIDENCE) $(id).replaceChildren();
  $("item-files").tBodies[0].replaceChildren();
  clearPasswords();
  state.caseId = null;
  state.itemId = null;
  if (state.status) state.status.ready = false;
  $("lock-now").hidden = true;
  lookWhileLocked(true);
  show("lock");
  if (key) notice(key, params);
}
whenLocked(() => showLock());

export async function unlocked(status) {
  state.status = status;
  clearPasswords();
  lookWhileLocked(false);
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
    $("unlock-pass").focus();
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
  notice("lock.recovered");
});

$("lock-now").addEventListener("click", async () => {
  await invoke("lock");
  showLock("lock.locked");
});

tauri.event.listen("vault-locked", () => {
  const minutes = Math.max(1, Math.round((state.status?.auto_lock_seconds || 300) / 60));
  showLock("lock.auto_locked", { count: minutes });
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
