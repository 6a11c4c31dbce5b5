// Open takedown requests on the case page, and the takedown pack.

import { $, data, el } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, tNodes } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { openItem } from "./item.js";
import { openDialog } from "../shared/dialog.js";

function reportText(r) {
  const key = r.reported_on ? (r.reference ? "takedown.reported_on_ref" : "takedown.reported_on") : r.reference ? "takedown.reported_ref" : "takedown.reported";
  return tNodes(key, { to: r.reported_to, on: r.reported_on, reference: r.reference });
}

export async function renderTakedown() {
  const tk = await call("takedown", { caseId: state.caseId });
  const open = tk.items.flatMap((i) => i.reports.filter((r) => r.open).map((r) => ({ i, r })));
  $("takedown-box").hidden = tk.items.every((i) => !i.reports.length && !i.urls.length && !i.stopncii.length && !i.crime_references.length);
  $("takedown-open").replaceChildren(...(open.length ? open.map(({ i, r }) => el("li", {},
    el("button", { type: "button", class: "link", translate: "no", onclick: () => openItem(i.item_id) }, i.title),
    " — ", reportText(r), r.outcome ? el("span", {}, " (", data(r.outcome), ")") : null))
    : [el("li", { class: "hint" }, tNodes("takedown.none"))]));
}

$("takedown-pack").addEventListener("click", async () => {
  clearMessages();
  const dir = await openDialog({ directory: true, title: t("takedown.pack_dialog") });
  if (!dir) return;
  const paths = await call("save_takedown_pack", { caseId: state.caseId, dir });
  notice("takedown.saved", { paths: paths.join(" · ") });
});
