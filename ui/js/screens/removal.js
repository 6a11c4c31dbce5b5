// "Ask for removal" on the case page (docs/removal.md): the helpline's advice and the
// addresses not captured yet, the person's details (kept in the vault), drafting a
// request (Safekeep sends nothing), recording when it was sent, and each request's
// deadline, with "capture again" offered once it has passed.

import { $, data, el, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, tNodes, when } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { saveDialog } from "../shared/dialog.js";
import { openItem } from "./item.js";

let drafted = null;

/// Opens the panel for the current case.
export async function openRemoval() {
  clearMessages();
  drafted = null;
  $("removal-drafted").hidden = true;
  $("removal-box").hidden = false;
  const [before, person, page] = await Promise.all([
    call("removal_before", { caseId: state.caseId }),
    call("removal_person"),
    call("timeline_page", { caseId: state.caseId, query: { limit: 500 } }),
  ]);
  $("removal-all-captured").hidden = before.not_captured.length > 0;
  $("removal-not-captured-box").hidden = before.not_captured.length === 0;
  $("removal-not-captured").replaceChildren(...before.not_captured.map((u) => el("li", {}, data(u))));
  $("removal-name").value = person ? person.name : "";
  $("removal-contact").value = person ? person.contact : "";
  $("removal-signature").value = person && person.signature ? person.signature : "";
  $("removal-item").replaceChildren(...page.items.filter((i) => !i.withdrawn).map((i) => el("option", { value: i.id, translate: "no" }, i.title)));
  await renderRequests();
  focus($("removal-h"));
}

$("go-removal").addEventListener("click", () => openRemoval());
$("removal-close").addEventListener("click", () => { $("removal-box").hidden = true; });

$("removal-me").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const signature = $("removal-signature").value.trim();
  await call("set_removal_person", { person: { name: $("removal-name").value, contact: $("removal-contact").value, signature: signature || null } });
  notice("removal.me_saved");
});

$("removal-draft-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  $("removal-draft").disabled = true;
  try {
    drafted = await call("draft_removal", { request: {
      itemId: $("removal-item").value,
      kind: $("removal-kind").value,
      address: $("removal-address").value.trim() || null,
      onBehalfOf: $("removal-on-behalf").value.trim() || null,
      rdap: $("removal-rdap").checked,
    } });
  } finally {
    $("removal-draft").disabled = false;
  }
  showDrafted(drafted);
  await renderRequests();
});

function showDrafted(d) {
  const p = d.platform;
  $("removal-recipient").replaceChildren(p
    ? tNodes(p.report_page ? "removal.to" : "removal.to_no_page", { to: data(p.name), page: p.report_page ? data(p.report_page) : "" })
    : tNodes("removal.to_generic", { to: data(d.recipient) }));
  $("removal-text").value = d.text;
  const form = p && p.report_page;
  $("removal-open-form").hidden = !form;
  $("removal-open-form-hint").hidden = !form;
  $("removal-sent-at").value = "";
  $("removal-reference").value = "";
  $("removal-drafted").hidden = false;
  focus($("removal-drafted-h"));
}

$("removal-copy").addEventListener("click", async () => {
  const text = $("removal-text");
  try {
    await navigator.clipboard.writeText(text.value);
  } catch {
    text.select();
    document.execCommand("copy");
  }
  notice("removal.copied");
});

// The platform's form in Safekeep's browser: after sending, "Capture this page" keeps its
// confirmation page as evidence of when the report was made.
$("removal-open-form").addEventListener("click", () => {
  if (!drafted || !drafted.platform || !drafted.platform.report_page) return;
  $("browser-url").value = drafted.platform.report_page;
  $("browser-start").requestSubmit();
});

$("removal-pdf").addEventListener("click", async () => {
  if (!drafted) return;
  clearMessages();
  const path = await saveDialog({ title: t("removal.pdf_dialog"), filters: [{ name: t("removal.pdf_filter"), extensions: ["pdf"] }] });
  if (!path) return;
  await call("save_removal_pdf", { requestId: drafted.request_id, path });
  notice("removal.pdf_saved", { path });
});

$("removal-mark-sent").addEventListener("click", async () => {
  if (!drafted) return;
  clearMessages();
  await call("mark_removal_sent", { requestId: drafted.request_id, at: $("removal-sent-at").value || null, reference: $("removal-reference").value.trim() || null });
  notice("removal.marked_sent");
  $("removal-drafted").hidden = true;
  await renderRequests();
});

function stateOf(r) {
  if (!r.open) return tNodes("removal.state_closed", { outcome: data(r.outcome || "") });
  if (!r.sent_at) return tNodes("removal.state_drafted");
  return tNodes(r.overdue ? "removal.state_overdue" : "removal.state_waiting");
}

async function followUp(r) {
  clearMessages();
  drafted = await call("removal_follow_up", { requestId: r.request_id });
  showDrafted(drafted);
  await renderRequests();
}

async function checkAgain(r) {
  clearMessages();
  await call("capture_url", { caseId: state.caseId, url: "", render: true, acceptInvalidCertificate: false, checkAgain: r.item_id });
  await renderRequests();
}

async function removed(r) {
  clearMessages();
  await call("removal_outcome", { requestId: r.request_id, outcome: t("removal.outcome_removed") });
  await renderRequests();
}

/// Lists the case's requests, overdue first, with their deadlines and re-captures.
export async function renderRequests() {
  const all = await call("removal_requests", { caseId: state.caseId });
  $("removal-list").replaceChildren(...(all.length ? all.map((r) => el("li", { class: r.overdue ? "overdue" : "", "data-request": r.request_id },
    el("strong", { translate: "no" }, r.title), " — ", data(r.item_title), " — ", el("span", { class: "state" }, stateOf(r)),
    r.sent_at ? el("div", {}, tNodes("removal.sent", { when: when(r.sent_at) }), r.reference ? el("span", {}, " · ", data(r.reference)) : null) : null,
    r.sent_at ? el("div", { class: "deadline" }, r.deadline ? tNodes("removal.deadline", { when: when(r.deadline) }) : tNodes("removal.no_deadline")) : null,
    ...r.recaptures.map((c) => el("div", { class: "recapture" },
      tNodes(c.at_or_after_deadline ? "removal.recapture_after" : "removal.recapture_before", { when: when(c.captured_at) }), " ",
      el("button", { type: "button", class: "link", onclick: () => openItem(c.item_id) }, t("removal.open_recapture")))),
    r.check_again_offered ? el("div", {}, el("p", { class: "hint" }, t("removal.check_again_hint")),
      el("button", { type: "button", class: "check-again", onclick: () => checkAgain(r) }, t("removal.check_again"))) : null,
    r.sent_at && r.open ? el("div", { class: "row" },
      el("button", { type: "button", class: "follow-up", onclick: () => followUp(r) }, t("removal.follow_up")),
      el("button", { type: "button", class: "removed", onclick: () => removed(r) }, t("removal.mark_removed"))) : null))
    : [el("li", { class: "hint" }, tNodes("removal.none"))]));
}
