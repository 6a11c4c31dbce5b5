// The under-18 safeguard on a case's page (docs/safeguarding.md): the answer (never
// required), and for a no-images case what Report Remove and Take It Down do, with a
// place for their reference numbers. Nothing is sent anywhere from here.

import { $, data, el } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, tNodes, when } from "../shared/i18n.js";
import { notice } from "../shared/messages.js";
import { state } from "../shared/state.js";

const CURRENT = { yes: "safeguard.answered_yes", no: "safeguard.answered_no", not_sure: "safeguard.answered_not_sure" };
const SERVICE = { report_remove: "safeguard.service_report_remove", take_it_down: "safeguard.service_take_it_down" };

/// The answer chosen in a group of radio buttons called `name`, or null.
export function chosenAnswer(name) {
  const checked = document.querySelector(`input[name="${name}"]:checked`);
  return checked ? checked.value : null;
}

/// Shows the case's safeguard; remembers whether the case keeps pictures (state.noImages).
export async function renderSafeguard() {
  const s = await call("case_safeguard", { caseId: state.caseId });
  state.noImages = s.no_images;
  $("safeguard-current").replaceChildren(tNodes(s.under_18 ? CURRENT[s.under_18] : "safeguard.unanswered"));
  for (const input of document.querySelectorAll('input[name="safeguard-answer"]')) input.checked = input.value === s.under_18;
  $("safeguard-no-images").hidden = !s.no_images;
  $("safeguard-withdraw-label").hidden = true;
  $("safeguard-change").open = false;
  $("capture-no-images").hidden = !s.no_images;
  $("capture-no-images-ok").checked = false;
  $("safeguard-refs").replaceChildren(...s.references.map((r) =>
    el("li", {}, tNodes("safeguard.reference_line", { service: t(SERVICE[r.service]), reference: data(r.reference), time: when(r.recorded_at) }))));
}

for (const input of document.querySelectorAll('input[name="safeguard-answer"]')) {
  input.addEventListener("change", () => {
    $("safeguard-withdraw-label").hidden = !(input.checked && input.value !== "no" && !state.noImages);
  });
}

$("safeguard-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const answer = chosenAnswer("safeguard-answer");
  if (!answer) return;
  const withdraw = !$("safeguard-withdraw-label").hidden && $("safeguard-withdraw").checked;
  const change = await call("answer_under_18", { caseId: state.caseId, answer, withdraw });
  await renderSafeguard();
  if (change.withdrawn.length) notice("safeguard.withdrawn", { count: change.withdrawn.length });
  else if (change.kept.length) notice("safeguard.kept", { count: change.kept.length });
  else notice("safeguard.saved");
  // Withdrawn items change the timeline.
  if (change.withdrawn.length) (await import("./timeline.js")).renderTimeline();
});

$("safeguard-ref-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await call("record_service_reference", { caseId: state.caseId, service: $("safeguard-service").value, reference: $("safeguard-ref").value });
  $("safeguard-ref").value = "";
  await renderSafeguard();
  notice("safeguard.reference_saved");
});
