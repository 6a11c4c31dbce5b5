// After a capture: what was sealed, and what it shows (added beside it, never into it).

import { $, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { onlyPanel } from "./case.js";
import { renderTimeline } from "./timeline.js";

/// Shows what was sealed (`summary`: nodes) and asks what it shows. `target` is set for
/// screen captures, which can continue as a series.
export async function showAfterCapture(r, target, summary) {
  state.capture = { target, itemId: r.item.id };
  $("capture-after-h").textContent = r.item.title;
  $("capture-summary").replaceChildren(summary);
  $("capture-again").hidden = !target;
  for (const id of ["ctx-description", "ctx-platform", "ctx-account", "ctx-url"]) $(id).value = "";
  onlyPanel("capture-after");
  focus($("capture-after-h"));
  await renderTimeline();
}

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
  notice("capture.ctx_saved");
});
