// The guided start: what is happening and where, then a short checklist of what to
// capture, in order, each line a button that opens that capture, ticked as items
// arrive. The checklist is data (guide/checklists.json, docs/guide.md); its words are
// catalogue keys under "guide". The answers are kept in the vault (case_guide), never
// in evidence.

import { $, data, el, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, tNodes } from "../shared/i18n.js";
import { clearMessages } from "../shared/messages.js";
import { state } from "../shared/state.js";

let lists = null;
let answers = null;

async function checklists() {
  if (!lists) lists = await (await fetch("guide/checklists.json")).json();
  return lists;
}

const platformLabel = (p) => (p.name ? data(p.name) : tNodes("guide.platform_website"));

/// The checklist's lines for the answers, in order (docs/guide.md § "How a checklist
/// is built"): per-platform steps once for each platform chosen (once, unnamed, when
/// none is), a page step skipped for a platform without web pages, a conversation step
/// turned into a screen capture for a platform without an export.
export function planLines(data, given) {
  const sit = data.situations.find((s) => s.id === given.situation) || data.situations.find((s) => s.id === "other");
  const chosen = given.platforms.map((id) => data.platforms.find((p) => p.id === id)).filter(Boolean);
  const lines = [];
  for (const id of sit.steps) {
    const step = data.steps[id];
    if (!step.per_platform) { lines.push({ id, step, platform: null }); continue; }
    for (const p of chosen.length ? chosen : [null]) {
      if (p && step.needs_web && !p.web) continue;
      if (p && step.without_export && !p.export) lines.push({ id: step.without_export, step: data.steps[step.without_export], platform: p });
      else lines.push({ id, step, platform: p });
    }
  }
  return lines;
}

/// Whether an item fits a line: one of the line's kinds, and (for a line about a
/// platform with match words) one of them in its platform, address, account, title or
/// capture record. Withdrawn items do not count.
function fits(item, line) {
  if (item.withdrawn || !line.step.kinds.includes(item.kind)) return false;
  const p = line.platform;
  if (!p || !p.match.length) return true;
  const c = item.context || {};
  const text = [item.title, c.platform, c.source_url, c.poster_account, JSON.stringify(item.capture || {})].join(" ").toLowerCase();
  return p.match.some((m) => text.includes(m));
}

function label(line) {
  if (!line.step.per_platform) return tNodes(`guide.step.${line.id}`);
  if (!line.platform) return tNodes(`guide.step.${line.id}_any`);
  return tNodes(`guide.step.${line.id}`, { platform: line.platform.name || t("guide.platform_website") });
}

/// Opens the capture a line asks for, prepared for its platform.
function start(line) {
  clearMessages();
  const p = line.platform;
  if (line.step.action === "browser") {
    if (p && p.web && !$("browser-url").value) $("browser-url").value = p.web;
    $("capture-browser").click();
  } else if (line.step.action === "conversation") {
    $("add-chat").click();
    $("chat-format").value = (p && p.export) || "";
    $("chat-howto").hidden = !(p && p.export);
    if (p && p.export) $("chat-howto").replaceChildren(tNodes(`guide.howto.${p.export}`));
  } else if (line.step.action === "screen") {
    $("capture-screen").click();
  } else {
    $("write-note").click();
  }
}
// Opened without the checklist, the conversation panel shows no platform's how-to.
$("add-chat").addEventListener("click", () => { $("chat-howto").hidden = true; });

/// Ticks the lines the case's items already fulfil (the first 500 items: a guide for a
/// new case, not an audit of a large one).
export async function renderGuideTicks() {
  if (!answers || $("guide-plan").hidden) return;
  const caseId = state.caseId;
  const [data, page] = await Promise.all([checklists(), call("timeline_page", { caseId, query: { limit: 500 } })]);
  if (caseId !== state.caseId) return;
  $("guide-list").replaceChildren(...planLines(data, answers).map((line) => {
    const done = page.items.some((i) => fits(i, line));
    return el("li", { class: done ? "done" : "", "data-step": line.id, "data-platform": line.platform ? line.platform.id : "" },
      el("span", { class: "mark", "aria-hidden": "true" }, done ? "✔" : "○"), " ",
      el("button", { type: "button", class: "link", onclick: () => start(line) }, label(line)), " ",
      el("span", { class: "state" }, tNodes(done ? "guide.done" : "guide.to_do")));
  }));
}

async function showPlan() {
  const data = await checklists();
  const sit = data.situations.find((s) => s.id === answers.situation);
  $("guide-form").hidden = true;
  $("guide-start").hidden = true;
  $("guide-plan").hidden = false;
  $("guide-advice").hidden = !(sit && sit.advice);
  if (sit && sit.advice) $("guide-advice").replaceChildren(tNodes(sit.advice));
  await renderGuideTicks();
}

async function showForm() {
  const data = await checklists();
  const given = answers || { situation: null, platforms: [] };
  const legend = (id) => $(id).querySelector("legend");
  $("guide-situations").replaceChildren(legend("guide-situations"), ...data.situations.map((s) => el("label", { class: "check" },
    el("input", { type: "radio", name: "guide-situation", value: s.id, id: `guide-s-${s.id}`, checked: given.situation === s.id }), " ",
    el("span", {}, tNodes(`guide.situation.${s.id}`)))));
  $("guide-platforms").replaceChildren(legend("guide-platforms"), ...data.platforms.map((p) => el("label", { class: "check" },
    el("input", { type: "checkbox", value: p.id, id: `guide-p-${p.id}`, checked: given.platforms.includes(p.id) }), " ",
    platformLabel(p))));
  $("guide-box").hidden = false;
  $("guide-plan").hidden = true;
  $("guide-start").hidden = true;
  $("guide-form").hidden = false;
}

/// Shows the case's guide: its checklist once answered; the questions for a new case;
/// otherwise only a small button under "Add evidence" to ask them.
export async function renderGuide(isNew) {
  const caseId = state.caseId;
  const given = await call("case_guide", { caseId }).catch(() => null);
  if (caseId !== state.caseId) return;
  answers = given;
  $("guide-box").hidden = !(answers || isNew);
  $("guide-form").hidden = true;
  $("guide-plan").hidden = true;
  $("guide-start").hidden = Boolean(answers || isNew);
  if (answers) await showPlan();
  else if (isNew) await showForm();
}

$("guide-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const chosen = document.querySelector("input[name=guide-situation]:checked");
  const guide = {
    situation: chosen ? chosen.value : "other",
    platforms: [...$("guide-platforms").querySelectorAll("input:checked")].map((i) => i.value),
  };
  await call("set_case_guide", { caseId: state.caseId, guide });
  answers = guide;
  await showPlan();
  focus($("guide-h"));
});
$("guide-later").addEventListener("click", () => {
  $("guide-box").hidden = true;
  $("guide-start").hidden = false;
  focus($("guide-start"));
});
$("guide-start").addEventListener("click", async () => {
  await showForm();
  focus($("guide-situations").querySelector("input"));
});
$("guide-change").addEventListener("click", async () => {
  await showForm();
  focus($("guide-situations").querySelector("input"));
});
