// Receipts on the case page: what recipients signed back, checked by the vault against
// the bundle the case exported. Added by "Add a receipt…" or by dropping the file.

import { $, el } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, tNodes, when } from "../shared/i18n.js";
import { notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { openDialog } from "../shared/dialog.js";

function who(r) {
  return r.recipient.organisation ? `${r.recipient.name}, ${r.recipient.organisation}` : r.recipient.name;
}

/// Lists the case's receipts (the box stays hidden while there are none).
export async function renderReceipts() {
  const list = await call("case_receipts", { caseId: state.caseId });
  $("receipts-box").hidden = list.length === 0;
  $("receipts-list").replaceChildren(...list.map(({ receipt: r }) => el("li", {},
    tNodes(r.verdict === "intact" ? "receipts.intact" : "receipts.altered", {
      who: who(r), when: when(r.received_at), key: el("code", { translate: "no" }, r.recipient.key_fingerprint), file: r.bundle.file,
    }))));
}

/// Adds the receipt at `path`; resolves to false when the file is not a receipt at all.
export async function addReceipt(path) {
  const added = await call("add_receipt", { caseId: state.caseId, path });
  if (!added) return false;
  await renderReceipts();
  notice("receipts.added", { who: who(added.receipt) });
  return true;
}

$("add-receipt").addEventListener("click", async () => {
  const picked = await openDialog({ multiple: false, title: t("receipts.dialog"), filters: [{ name: "RECEIPT.json", extensions: ["json"] }] });
  if (picked) await addReceipt(picked);
});
