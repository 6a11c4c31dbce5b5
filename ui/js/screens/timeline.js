// A case's timeline, a page at a time: the vault searches, filters and pages in SQLite
// (timeline_page), so a case of 50,000 items never sits in this page whole. The next
// page loads when the end of the list comes into view, or with "Show more"; pictures
// are fetched only when they come near the screen, and stay blurred.

import { $, data, el } from "../shared/dom.js";
import { call, invoke } from "../shared/calls.js";
import { bytes, number, t, tNodes, when } from "../shared/i18n.js";
import { blurredImage, releaseImages } from "../shared/picture.js";
import { state } from "../shared/state.js";
import { openItem } from "./item.js";
import { renderTakedown } from "./takedown.js";
import { renderGuideTicks } from "./guide.js";
import { renderHandovers } from "./handover.js";
import { renderReceipts } from "./receipts.js";

const PAGE = 100;

/// New items get their timestamp in the background (nothing happens while it is off).
export function timestampSoon() {
  invoke("timestamp_now").catch(() => {});
}

export function kindName(kind) {
  const key = `kind.${kind}`;
  const name = t(key);
  return name.startsWith("⚠") ? kind : name;
}

// Which load is current: a new search or filter makes older pages' answers stale.
let generation = 0;
let next = null;
let shown = 0;
let total = 0;
let loading = false;

/// The local day `value` (YYYY-MM-DD) starts, plus `days`, as an RFC 3339 instant.
function dayStart(value, days = 0) {
  if (!value) return null;
  const [y, m, d] = value.split("-").map(Number);
  return new Date(y, m - 1, d + days).toISOString();
}

function query() {
  return {
    search: $("tl-search").value,
    kind: $("tl-kind").value || null,
    platform: $("tl-platform").value || null,
    tag: $("tl-tag").value || null,
    from: dayStart($("tl-from").value),
    // "To" includes the whole day chosen.
    until: dayStart($("tl-to").value, 1),
    limit: PAGE,
  };
}

function filtering() {
  return ["tl-search", "tl-kind", "tl-platform", "tl-tag", "tl-from", "tl-to"].some((id) => $(id).value);
}

function fillSelect(select, values, label) {
  const keep = select.value;
  select.replaceChildren(el("option", { value: "" }, t("timeline.any")));
  for (const [value, count] of values) {
    select.append(el("option", { value, translate: "no" }, `${label(value)} (${number(count)})`));
  }
  select.value = values.some(([v]) => v === keep) ? keep : "";
  select.closest("label").hidden = values.length === 0;
}

async function loadFacets() {
  const f = await call("timeline_facets", { caseId: state.caseId });
  fillSelect($("tl-kind"), f.kinds, kindName);
  fillSelect($("tl-platform"), f.platforms, (p) => p);
  fillSelect($("tl-tag"), f.tags, (p) => p);
}

// Pictures are fetched when they come within a screen of view, never all at once.
const pictures = new IntersectionObserver((entries) => {
  for (const entry of entries) {
    if (!entry.isIntersecting) continue;
    pictures.unobserve(entry.target);
    const { item, index } = entry.target._picture;
    blurredImage(item, index, false).then((img) => entry.target.replaceWith(img));
  }
}, { rootMargin: "100% 0px" });

// The next page loads when "Show more" comes within half a screen of view.
const more = new IntersectionObserver((entries) => {
  if (entries.some((e) => e.isIntersecting)) loadMore();
}, { rootMargin: "50% 0px" });

function row(item) {
  const c = item.context || {};
  const who = [c.platform, c.poster_account].filter(Boolean).join(" / ");
  const a = item.artifacts[0];
  const li = el("li", { "data-item": item.id, class: item.withdrawn ? "withdrawn" : "" },
    el("div", { class: "meta" },
      el("div", {}, data(when(item.captured_at))),
      c.incident_time ? el("div", {}, tNodes("timeline.happened", { time: when(c.incident_time) })) : null),
    el("div", {},
      el("div", {}, el("span", { class: "kind" }, kindName(item.kind)), " ",
        el("button", { type: "button", class: "link title", translate: "no", onclick: () => openItem(item.id) }, item.title),
        item.withdrawn ? el("span", { class: "hint" }, " ", tNodes("timeline.withdrawn")) : null),
      who ? el("div", { class: "hint" }, data(who)) : null,
      a ? el("div", { class: "hint" }, tNodes("timeline.fingerprint", { sha: el("code", {}, a.sha256.slice(0, 16) + "…"), size: bytes(a.size) })) : null));
  const picture = item.artifacts.findIndex((f) => f.media_type.startsWith("image/"));
  if (picture >= 0 && !item.withdrawn) {
    const slot = el("div", { class: "thumb blurred placeholder", "aria-hidden": "true" });
    slot._picture = { item, index: picture };
    li.lastChild.append(slot);
    pictures.observe(slot);
  }
  return li;
}

function showCount() {
  const count = $("tl-count");
  if (total === 0) count.replaceChildren(tNodes(filtering() ? "timeline.none_match" : "timeline.empty"));
  else if (shown < total) count.replaceChildren(tNodes("timeline.showing", { shown: number(shown), count: total, total: number(total) }));
  else count.replaceChildren(tNodes(filtering() ? "timeline.matching" : "timeline.all", { count: total, total: number(total) }));
  $("tl-more").hidden = !next;
  $("tl-clear").hidden = !filtering();
}

async function loadPage(first) {
  const mine = generation;
  loading = true;
  try {
    const page = await call("timeline_page", { caseId: state.caseId, query: { ...query(), after: first ? null : next } });
    if (mine !== generation) return;
    const list = $("timeline");
    if (first) {
      list.replaceChildren();
      total = page.total ?? 0;
      shown = 0;
    }
    list.append(...page.items.map(row));
    shown += page.items.length;
    next = page.next ?? null;
    showCount();
    // On a tall window "Show more" can still be in view after a page: the observer
    // reports only changes, so ask for the next page here.
    const r = $("tl-more").getBoundingClientRect();
    if (next && r.top < innerHeight * 1.5) setTimeout(loadMore, 0);
  } finally {
    if (mine === generation) loading = false;
  }
}

function loadMore() {
  if (!next || loading) return;
  loadPage(false).catch(() => {});
}

/// Shows the first page of the case's timeline with the filters as they are.
export async function renderTimeline() {
  generation += 1;
  releaseImages();
  timestampSoon();
  renderTakedown().catch(() => {});
  renderReceipts().catch(() => {});
  renderHandovers().catch(() => {});
  await loadFacets();
  await loadPage(true);
  renderGuideTicks().catch(() => {});
}

/// Empties the filters (when another case is opened).
export function clearTimelineFilters() {
  $("timeline-filter").reset();
}

let typing = null;
$("tl-search").addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => { generation += 1; loadPage(true).catch(() => {}); }, 250);
});
for (const id of ["tl-kind", "tl-platform", "tl-tag", "tl-from", "tl-to"]) {
  $(id).addEventListener("change", () => { generation += 1; loadPage(true).catch(() => {}); });
}
$("timeline-filter").addEventListener("submit", (e) => e.preventDefault());
$("tl-clear").addEventListener("click", () => {
  clearTimelineFilters();
  generation += 1;
  loadPage(true).catch(() => {});
  $("tl-search").focus();
});
$("tl-more").addEventListener("click", loadMore);
more.observe($("tl-more"));
// The observer reports only changes it sees at a frame: a scroll that brings "Show more"
// into view before the frame that would have seen it leave (a fast scroll on a busy
// machine) is never reported, and the list would stop growing. Each scroll checks too.
addEventListener("scroll", () => {
  const m = $("tl-more");
  if (!next || loading || m.hidden || !m.offsetParent) return;
  if (m.getBoundingClientRect().top < innerHeight * 1.5) loadMore();
}, { capture: true, passive: true });

$("always-blur").checked = localStorage.getItem("alwaysBlur") !== "off";
$("always-blur").addEventListener("change", () => {
  localStorage.setItem("alwaysBlur", $("always-blur").checked ? "on" : "off");
  renderTimeline();
});
