// One case: its title, its actions (each a panel of its own module) and its timeline.

import { $, show } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { renderSafeguard } from "./safeguard.js";
import { clearTimelineFilters, renderTimeline } from "./timeline.js";

export const PANELS = ["note-form", "capture-form", "capture-after", "web-form", "web-cert", "browser-panel", "chat-form"];

/// Hides every action panel but `keep`.
export function onlyPanel(keep) {
  for (const id of PANELS) $(id).hidden = id !== keep;
}

export async function openCase(id, title) {
  clearMessages();
  // Filters stay when coming back from one of the case's items, not into another case.
  if (state.caseId !== id) clearTimelineFilters();
  state.caseId = id;
  state.caseTitle = title;
  $("case-h").textContent = title;
  $("rename-title").value = title;
  onlyPanel(null);
  show("case");
  await renderSafeguard();
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
