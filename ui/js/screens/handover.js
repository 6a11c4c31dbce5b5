// Handing a case over: "Open it as a case" under a bundle that passed every check (an
// advocate receiving a client's bundle), and the case page's note of where a case came
// from. The vault checks the bundle in full again before it stores anything.

import { $, el } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { tNodes, when } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { ready, state } from "../shared/state.js";
import { openCase } from "./case.js";

/// Offers "Open it as a case" under a bundle nothing altered, when a vault is open to
/// hold it (a timestamp by an unrecognised authority is kept as such, never as trusted).
export function offerImport(report) {
  const unaltered = report.verdict === "intact" || report.verdict === "unrecognised_timestamp";
  $("open-case-panel").hidden = !(unaltered && ready());
}

/// Opens the bundle just checked as a case, then shows the case.
export async function importCase() {
  clearMessages();
  $("open-case-go").disabled = true;
  try {
    const r = await call("import_case", { path: $("verify-path").value.trim(), passphrase: $("verify-pass").value || null });
    $("open-case-panel").hidden = true;
    await openCase(r.case_id, r.title);
    notice("handover.opened", { count: r.items, key: el("code", { translate: "no" }, r.key_fingerprint) });
    return r;
  } finally {
    $("open-case-go").disabled = false;
  }
}
$("open-case-go").addEventListener("click", () => { importCase().catch(() => {}); });

/// Says where the case came from (the box stays hidden for a case opened here).
export async function renderHandovers() {
  const list = await call("case_handovers", { caseId: state.caseId });
  $("handover-box").hidden = list.length === 0;
  $("handover-list").replaceChildren(...list.map((h) => el("li", {}, tNodes("handover.from", {
    count: h.exhibits, events: h.events, key: el("code", { translate: "no" }, h.key_fingerprint),
    exported: when(h.exported_at), opened: when(h.imported_at),
  }))));
}
