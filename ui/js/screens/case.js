// One case: its title, its guided start, its actions (each a panel of its own module;
// grouped as "Add evidence" and "Share and track", the less used behind "More…") and
// its timeline.

import { $, show } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { renderSafeguard } from "./safeguard.js";
import { clearTimelineFilters, renderTimeline } from "./timeline.js";
import { renderGuide } from "./guide.js";

export const PANELS = ["note-form", "capture-form", "capture-after", "web-form", "web-cert", "browser-panel", "chat-form", "phone-panel"];

/// Hides every action panel but `keep`.
export function onlyPanel(keep) {
  for (const id of PANELS) $(id).hidden = id !== keep;
}

/// Shows a case; `isNew` (just created) asks the guided start's questions.
export async function openCase(id, title, isNew = false) {
  clearMessages();
  // Filters stay when coming back from one of the case's items, not into another case.
  if (state.caseId !== id) clearTimelineFilters();
  state.caseId = id;
  state.caseTitle = title;
  $("case-h").textContent = title;
  $("rename-title").value = title;
  onlyPanel(null);
  $("add-more").open = false;
  $("share-more").open = false;
  show("case");
  await renderSafeguard();
  renderGuide(isNew).catch(() => {});
  await renderTimeline();
}

$("rename-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const title = $("rename-title").value;
  await call("rename_case", { caseId: state.caseId, title });
  state.caseTitle = title.trim();
  $("case-h").textContent = state.caseTitle;
  notice("case.renamed");
});

// The actions behind "More…" that open another module's panel or screen.
$("record-screen").addEventListener("click", () => {
  $("capture-what").value = "video";
  $("capture-what").dispatchEvent(new Event("change"));
  $("capture-screen").click();
});
$("go-takedown-pack").addEventListener("click", () => $("takedown-pack").click());
$("go-handover").addEventListener("click", () => $("nav-verify").click());
