// One item: what the computer recorded, apart from what people said; every file's
// fingerprint; what was added later; "check again" for web pages; withdraw.

import { $, data, el, show } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { bytes, t, tNodes, when } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { blurredImage, videoPlayer } from "../shared/picture.js";
import { state } from "../shared/state.js";
import { openCase } from "./case.js";
import { importChatFromItem } from "./chat-import.js";
import { afterMark, showConversation } from "./conversation.js";
import { captureRows, describe, timestampText } from "./item-rows.js";
import { kindName } from "./timeline.js";


/// The incident log's answers (docs/vault.md), in the order reports show them. A date
/// the person gave is shown in their locale when it is a full time, as written otherwise.
function incidentRows(i) {
  const day = (v) => data(/T/.test(v) ? when(v) : v);
  return [
    ["item.row_incident_started", i.started && day(i.started)],
    ["item.row_incident_ended", i.ended && day(i.ended)],
    ["item.row_incident_where", i.place && data(i.place)],
    ["item.row_incident_who", i.people && data(i.people)],
    ["item.row_incident_known_as", i.relationship && data(i.relationship)],
    ["item.row_incident_witnesses", i.witnesses && data(i.witnesses)],
    ["item.row_incident_impact", i.impact && data(i.impact)],
    ["item.row_incident_reported_to", i.reported_to && data(i.reported_to)],
    ["item.row_incident_references", i.references && data(i.references)],
  ];
}
function rows(target, list) {
  $(target).replaceChildren(...list.filter(([, v]) => v).flatMap(([k, v]) => [el("dt", {}, t(k)), el("dd", {}, v)]));
}

export async function openItem(id) {
  clearMessages();
  const item = await call("get_item", { itemId: id });
  state.itemId = item.id;
  show("item");
  $("item-h").textContent = item.title;
  rows("item-machine", [
    ["item.row_kind", kindName(item.kind)],
    ["item.row_captured", tNodes("item.captured", { time: when(item.captured_at), iso: item.captured_at, offset: item.utc_offset })],
    ["item.row_clock", data(item.clock_source)],
    ["item.row_captured_with", tNodes("item.captured_with", { version: item.app_version, host: item.host })],
    ["item.row_id", data(item.id, "code")],
    ...captureRows(item.capture),
    ["item.row_timestamp", timestampText(item.timestamp)],
    ["item.row_withdrawn", item.withdrawn ? tNodes("item.withdrawn", { time: when(item.withdrawn.at), reason: item.withdrawn.reason }) : null],
  ]);
  const c = item.context || {};
  rows("item-person", [
    ["item.row_description", c.description && data(c.description)],
    ["item.row_happened", c.incident_time && data(when(c.incident_time))],
    ["item.row_seen_at", c.source_url && data(c.source_url)],
    ["item.row_platform", c.platform && data(c.platform)],
    ["item.row_posted_by", c.poster_account && data(c.poster_account)],
    ...incidentRows(c.incident || {}),
  ]);
  $("item-person-none").hidden = $("item-person").children.length > 0;
  $("item-files").tBodies[0].replaceChildren(...item.artifacts.map((a) =>
    el("tr", {},
      el("td", {}, data(a.source_path || a.original_name || a.role)),
      el("td", {}, data(a.media_type)),
      el("td", {}, data(bytes(a.size))),
      el("td", {}, el("code", { class: "sha", translate: "no" }, a.sha256),
        a.pdq ? el("div", { class: "hint" }, tNodes("item.pdq", { pdq: el("code", { class: "sha" }, a.pdq), quality: a.pdq_quality }))
          : a.vpdq ? el("div", { class: "hint" }, tNodes("item.vpdq", { count: a.vpdq.length }))
          : a.pdq_pending ? el("div", { class: "hint" }, tNodes("item.pdq_pending")) : ""),
      // The visible word starts the accessible name (WCAG 2.5.3); the rest is for screen readers.
      el("td", {}, el("button", { type: "button", class: "copy", onclick: async () => {
        await navigator.clipboard.writeText(a.sha256).catch(() => {});
        notice("item.copied");
      } }, t("item.copy"), " ", el("span", { class: "sr-only" }, tNodes("item.copy_what", { name: a.original_name || a.role })))))));
  const similar = item.similar || [];
  $("item-similar").hidden = similar.length === 0;
  $("item-similar-list").replaceChildren(...similar.map((m) => el("li", {},
    el("button", { type: "button", class: "link", translate: "no", onclick: () => openItem(m.item_id) }, m.title), " — ",
    tNodes(m.case_id === item.case_id ? "item.similar_here" : "item.similar_elsewhere", { distance: m.distance }),
    m.second != null ? [" ", tNodes("item.similar_my_frame", { second: m.second })]
      : m.other_second != null ? [" ", tNodes("item.similar_their_frame", { second: m.other_second })] : "")));
  const videos = item.similar_videos || [];
  $("item-similar-videos").hidden = videos.length === 0;
  $("item-similar-videos-list").replaceChildren(...videos.map((m) => el("li", {},
    el("button", { type: "button", class: "link", translate: "no", onclick: () => openItem(m.item_id) }, m.title), " — ",
    tNodes(m.case_id === item.case_id ? "item.similar_video_here" : "item.similar_video_elsewhere",
      { mine: m.this_in_other, theirs: m.other_in_this }))));
  $("item-annotations").replaceChildren(...(item.annotations.length ? item.annotations.map((n) =>
    el("li", {}, data(when(n.created_at)), " — ", describe(n))) : [el("li", { class: "hint" }, tNodes("item.nothing_added"))]));
  $("item-preview").replaceChildren();
  const first = item.artifacts.findIndex((a) => a.media_type.startsWith("image/"));
  if (first >= 0 && !item.withdrawn) $("item-preview").append(await blurredImage(item, first, true));
  const video = item.artifacts.findIndex((a) => VIDEO_TYPES.includes(a.media_type));
  if (video >= 0 && !item.withdrawn) $("item-preview").append(videoPlayer(item, video));
  $("withdraw-box").hidden = Boolean(item.withdrawn);
  $("check-again").hidden = item.kind !== "web_page";
  // A chat export kept as a plain file (received from a phone, imported as a file) can be
  // read as a conversation; the core says plainly when it is not one.
  const one = item.artifacts.length === 1 ? item.artifacts[0].media_type : "";
  $("read-chat-box").hidden = item.kind !== "file" || Boolean(item.withdrawn) || !(one === "application/zip" || one.startsWith("text/") || one === "application/json" || one === "message/rfc822");
  await showConversation(item);
}
afterMark(openItem);

/// The video types the app plays (those the vault fingerprints; see safekeep_core::vpdq::is_video).
const VIDEO_TYPES = ["video/mp4", "video/webm", "video/quicktime", "video/x-matroska", "video/x-msvideo", "video/mpeg", "video/3gpp", "video/x-m4v", "video/mp2t"];

$("back-to-case").addEventListener("click", () => openCase(state.caseId, state.caseTitle));

$("read-chat").addEventListener("click", () => importChatFromItem(state.itemId));

// "Check again": the same address, later, as a new item linked to this one.
$("check-again").addEventListener("click", async () => {
  clearMessages();
  $("check-again").disabled = true;
  $("check-again-progress").hidden = false;
  let r;
  try {
    r = await call("capture_url", { caseId: state.caseId, url: "", render: true, acceptInvalidCertificate: false, checkAgain: state.itemId });
  } finally {
    $("check-again").disabled = false;
    $("check-again-progress").hidden = true;
  }
  await openItem(r.item.id);
  const s = r.summary;
  const c = s.compared;
  const up = c && c.status_now >= 200 && c.status_now < 300;
  notice(!c ? "item.checked_status" : up ? (c.same_body ? "item.checked_unchanged" : "item.checked_changed") : "item.checked_gone", { status: String(c ? c.status_now : s.status) });
});

const TEXT_LABELS = {
  report: "annotate.label_report",
  appears_at: "annotate.label_appears_at",
  stopncii: "annotate.label_stopncii",
  crime_reference: "annotate.label_crime_reference",
};
function annotateLabel() {
  const kind = $("annotate-kind").value;
  $("report-fields").hidden = kind !== "report";
  $("force-fields").hidden = kind !== "crime_reference";
  $("annotate-text-label").textContent = t(TEXT_LABELS[kind] || "annotate.label_text");
}
$("annotate-kind").addEventListener("change", annotateLabel);
export { annotateLabel };

$("annotate-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const kind = $("annotate-kind").value;
  const text = $("annotate-text").value;
  const body = kind === "tag" ? { kind, tag: text }
    : kind === "note" ? { kind, text }
    : kind === "description_correction" ? { kind, description: text }
    : kind === "appears_at" ? { kind, url: text.trim() }
    : kind === "stopncii" ? { kind, case_number: text }
    : kind === "crime_reference" ? { kind, reference: text, force: $("crime-force").value || null }
    : { kind, reported_to: text, reported_on: $("report-on").value || null, reference: $("report-ref").value || null, outcome: $("report-outcome").value || null };
  await call("annotate", { itemId: state.itemId, body });
  for (const id of ["annotate-text", "report-ref", "report-outcome", "crime-force"]) $(id).value = "";
  await openItem(state.itemId);
  notice("annotate.added");
});

$("withdraw-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const keptFor = await call("withdraw", { itemId: state.itemId, reason: $("withdraw-reason").value });
  await openItem(state.itemId);
  // A file another item holds too (a conversation read from this file) stays for it.
  if (keptFor && keptFor.length) notice("withdraw.done_kept", { items: keptFor.join(", ") });
  else notice("withdraw.done");
});
