// The list of cases, a new case, and the warning for an unencrypted vault.

import { $, data, el, show } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { tNodes, when } from "../shared/i18n.js";
import { clearMessages } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { openCase } from "./case.js";
import { chosenAnswer } from "./safeguard.js";
import { clearPasswords, newPassphrase } from "./lock.js";
import { showRecoveryKey } from "./recovery.js";
import { showSettings } from "./settings.js";

export async function openCases() {
  state.opened = true;
  clearMessages();
  const cases = await call("list_cases");
  const list = $("case-list");
  list.replaceChildren(...cases.map((c) =>
    el("li", {}, el("button", { type: "button", class: "case", "data-id": c.id, onclick: () => openCase(c.id, c.title) },
      data(c.title, "strong"), " ", el("span", { class: "hint" }, tNodes("cases.opened", { time: when(c.created_at) }))))));
  if (!cases.length) list.append(el("li", { class: "hint" }, tNodes("cases.none")));
  $("vault-fp").textContent = state.status.fingerprint || "";
  const last = state.status.last_opened;
  $("last-opened").hidden = !last;
  $("last-opened").dataset.at = last || "";
  $("last-opened").replaceChildren(last ? tNodes("cases.last_opened", { time: when(last) }) : "");
  $("plain-warning").hidden = state.status.encrypted;
  $("lock-now").hidden = !state.status.encrypted;
  show("cases");
  await remindBackup();
}

/// A gentle reminder when the last backup is old (or there is none), unless turned off
/// in Settings or put off for this session.
let putOff = false;
async function remindBackup() {
  const due = putOff ? null : await call("backup_reminder").catch(() => null);
  $("backup-reminder").hidden = !due;
  if (!due) return;
  $("backup-reminder-text").replaceChildren(due.last
    ? tNodes("cases.backup_old", { days: due.days_since })
    : tNodes("cases.backup_never"));
}
$("backup-reminder-later").addEventListener("click", () => { putOff = true; $("backup-reminder").hidden = true; });
$("backup-reminder-go").addEventListener("click", () => showSettings());

$("case-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const title = $("case-title").value;
  const under18 = chosenAnswer("case-under18");
  const id = await call("create_case_answering", { title, under18 });
  $("case-title").value = "";
  for (const input of document.querySelectorAll('input[name="case-under18"]')) input.checked = false;
  await openCase(id, title.trim(), true);
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
