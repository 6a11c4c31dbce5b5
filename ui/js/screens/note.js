// A written entry: what happened, in the person's own words, and when.

import { $, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { onlyPanel } from "./case.js";
import { renderTimeline } from "./timeline.js";

$("write-note").addEventListener("click", () => {
  clearMessages();
  onlyPanel("note-form");
  focus($("note-text"));
});
$("note-cancel").addEventListener("click", () => {
  $("note-form").hidden = true;
  $("write-note").focus();
});
$("note-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const local = $("note-incident").value;
  const context = local ? { incident_time: new Date(local).toISOString() } : {};
  await call("add_note", { caseId: state.caseId, text: $("note-text").value, context });
  $("note-text").value = "";
  $("note-incident").value = "";
  $("note-form").hidden = true;
  notice("note.saved");
  await renderTimeline();
  $("write-note").focus();
});
