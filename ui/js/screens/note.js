// A written entry: what happened, in the person's own words, and when; and, if they
// want, the questions police and helplines ask (where, who, witnesses, impact, reports).

import { $, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { onlyPanel } from "./case.js";
import { renderTimeline } from "./timeline.js";

/// The incident log's optional questions: the record's field and the form's control.
/// Blank answers are dropped by the core, so an untouched form seals a plain note.
const FIELDS = {
  place: "note-where",
  people: "note-who",
  relationship: "note-known-as",
  witnesses: "note-witnesses",
  impact: "note-impact",
  reported_to: "note-reported-to",
  references: "note-references",
};

function incident(iso) {
  const out = { started: iso("note-incident"), ended: iso("note-ended") };
  for (const [field, id] of Object.entries(FIELDS)) out[field] = $(id).value.trim() || undefined;
  return out;
}

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
  const iso = (id) => ($(id).value ? new Date($(id).value).toISOString() : undefined);
  const context = { incident_time: iso("note-incident"), incident: incident(iso) };
  await call("add_note", { caseId: state.caseId, text: $("note-text").value, context });
  for (const id of ["note-text", "note-incident", "note-ended", ...Object.values(FIELDS)]) $(id).value = "";
  $("note-more").open = false;
  $("note-form").hidden = true;
  notice("note.saved");
  await renderTimeline();
  $("write-note").focus();
});
