// First run: where the vault lives, its passphrase and the producer's initials.

import { $, show } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, when } from "../shared/i18n.js";
import { clearMessages, notice, showError } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { openCases } from "./cases.js";
import { clearPasswords, newPassphrase, showLock } from "./lock.js";
import { showRecoveryKey } from "./recovery.js";
import { openDialog } from "../shared/dialog.js";

export function showSetup() {
  $("setup-dir").value = (state.status && state.status.vault_dir) || "";
  show("setup");
  // A vault is there but could not be opened (in use by another window, damaged…).
  if (state.status && state.status.problem) showError(state.status.problem);
}

$("setup-choose").addEventListener("click", async () => {
  const dir = await openDialog({ directory: true, title: t("setup.dir") });
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
    else if (r.status.locked) showLock("setup.existing_vault");
    else await openCases();
  } finally {
    $("setup-start").disabled = false;
  }
});

// Restore from a backup: the vault is made where the first-run form says, from the backup.
$("restore-choose").addEventListener("click", async () => {
  const dir = await openDialog({ directory: true, title: t("setup.restore_from") });
  if (dir) $("restore-from").value = dir;
});

/// Restores the backup in `backup` into the vault folder; the page function the form calls.
export async function restoreFrom(backup, secret, recovery) {
  clearMessages();
  $("restore-go").disabled = true;
  $("restore-progress").hidden = false;
  try {
    const r = await call("restore_vault", { backup, dir: $("setup-dir").value.trim() || null, secret, recovery });
    state.status = r.status;
    $("restore-secret").value = "";
    await openCases();
    notice("setup.restored", { count: r.summary.items, cases: r.summary.cases, when: when(r.summary.backed_up_at) });
  } finally {
    $("restore-go").disabled = false;
    $("restore-progress").hidden = true;
  }
}

$("restore-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await restoreFrom($("restore-from").value.trim(), $("restore-secret").value, $("restore-recovery").checked).catch(() => {});
});
