// A conversation item's messages: paged by the backend (a conversation can hold tens of
// thousands), searched and jumped to by date there too; pictures only when asked for,
// blurred like every picture; a run of messages marked as an exhibit (an annotation:
// the conversation itself never changes).

import { $, el, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { number, t, tNodes } from "../shared/i18n.js";
import { notice } from "../shared/messages.js";
import { blurredImage } from "../shared/picture.js";

/// Platforms' own names (data, not words to translate).
export const PLATFORMS = { whatsapp: "WhatsApp", telegram: "Telegram", instagram: "Instagram", facebook: "Facebook", x: "X", android_sms: "Android text messages", snapchat: "Snapchat", discord: "Discord", tiktok: "TikTok", email: "E-mail" };

/// Messages fetched at a time.
const PAGE = 200;

let item = null;
let total = 0;
let first = 0; // the first and last message shown
let last = 0;
let found = [];
let foundAt = 0;
let picking = "from";

/// Shows the conversation of `it` (an item view), or hides the panel for other kinds.
export async function showConversation(it) {
  const box = $("conversation");
  box.hidden = it.kind !== "conversation";
  if (box.hidden) return;
  item = it;
  found = [];
  $("conv-found").textContent = "";
  $("conv-next").hidden = true;
  $("conv-words").value = "";
  picking = "from";
  const r = (it.capture || {}).reading || {};
  $("conv-summary").replaceChildren(tNodes("conversation.summary", {
    messages: r.messages ?? 0, format: PLATFORMS[r.format] || r.format || "", parser: r.parser || "", times: r.timezone_basis || "",
  }));
  await openAt(1);
}

/// Shows the page of messages around message `n` and puts it in view.
export async function openAt(n, highlight = false) {
  const from = Math.max(1, n - 20);
  const page = await call("message_page", { itemId: item.id, from, limit: PAGE });
  total = page.total;
  first = from;
  last = from + page.messages.length - 1;
  $("conv-list").replaceChildren(...page.messages.map(row));
  buttons();
  const li = $(`msg-${n}`);
  if (li) {
    // Scrolls the list only, not the page around it.
    const list = $("conv-list");
    list.scrollTop = li.offsetTop - list.clientHeight / 2;
    if (highlight) { li.classList.add("hit"); li.focus({ preventScroll: true }); }
  }
}

async function more(earlier) {
  const from = earlier ? Math.max(1, first - PAGE) : last + 1;
  const limit = earlier ? first - from : PAGE;
  if (limit <= 0) return;
  const page = await call("message_page", { itemId: item.id, from, limit });
  const rows = page.messages.map(row);
  if (earlier) { $("conv-list").prepend(...rows); first = from; }
  else { $("conv-list").append(...rows); last = from + page.messages.length - 1; }
  buttons();
  if (rows.length) focus(earlier ? rows[rows.length - 1] : rows[0]);
}

function buttons() {
  $("conv-earlier").hidden = first <= 1;
  $("conv-later").hidden = last >= total;
}

/// One message: its number (a button that picks it as the start or end of a run),
/// time as the export gives it, sender, text, attachments.
function row(m) {
  const local = m.sent_at_local || m.sent_at || "";
  const shown = local ? `${local.slice(0, 10)} ${local.slice(11, 16)} (${local.slice(19) || "UTC"})` : "";
  const kind = m.kind === "system" ? t("conversation.system") : m.kind === "deleted" ? t("conversation.deleted") : "";
  const li = el("li", { id: `msg-${m.index}`, class: `msg ${m.kind}`, "data-index": m.index, tabindex: "-1" },
    el("div", { class: "meta" },
      el("button", { type: "button", class: "link", onclick: () => pick(m.index), "aria-label": t("conversation.choose_hint", { index: m.index }) }, t("conversation.choose", { index: m.index })),
      " · ", el("time", { datetime: m.sent_at || "", translate: "no" }, shown),
      " · ", el("span", { class: "who", translate: "no" }, m.sender || t("conversation.no_sender")),
      kind ? ` · ${kind}` : "", m.edited !== undefined ? ` · ${t("conversation.edited")}` : "",
      m.chat ? el("span", { translate: "no" }, ` · ${m.chat}`) : ""),
    el("p", { class: "text", translate: "no" }, m.text));
  for (const a of m.attachments || []) li.append(attachment(a));
  return li;
}

function attachment(a) {
  const name = a.name || t("conversation.media");
  const line = el("div", { class: "att" },
    a.sha256 ? tNodes("conversation.attachment", { name }) : tNodes("conversation.attachment_missing", { name, why: a.missing || "" }),
    a.sha256 ? [" ", el("code", { class: "sha", translate: "no" }, a.sha256)] : "");
  const index = a.path ? item.artifacts.findIndex((x) => (x.source_path || x.original_name) === a.path) : -1;
  if (index >= 0 && item.artifacts[index].media_type.startsWith("image/")) {
    const btn = el("button", { type: "button", onclick: async () => btn.replaceWith(await blurredImage(item, index, false)) }, t("conversation.show_picture"));
    line.append(" ", btn);
  }
  return line;
}

function pick(n) {
  $(picking === "from" ? "conv-from" : "conv-to").value = String(n);
  if (picking === "from" && !$("conv-to").value) $("conv-to").value = String(n);
  picking = picking === "from" ? "to" : "from";
  for (const li of $("conv-list").children) {
    const i = Number(li.dataset.index);
    li.classList.toggle("chosen", i >= Number($("conv-from").value) && i <= Number($("conv-to").value));
  }
}

async function showFound() {
  if (!found.length) { $("conv-found").textContent = t("conversation.found_none"); $("conv-next").hidden = true; return; }
  $("conv-found").textContent = t("conversation.found", { count: found.length, at: number(foundAt + 1) });
  $("conv-next").hidden = found.length < 2;
  await openAt(found[foundAt], true);
}

$("conv-search").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  found = await call("find_messages", { itemId: item.id, words: $("conv-words").value });
  foundAt = 0;
  await showFound();
});
$("conv-next").addEventListener("click", async () => {
  foundAt = (foundAt + 1) % found.length;
  await showFound();
});
$("conv-go").addEventListener("click", async () => {
  const date = $("conv-date").value;
  if (!date) return;
  const n = await call("message_on", { itemId: item.id, date });
  if (n) await openAt(n, true);
  else $("conv-found").textContent = t("conversation.no_date");
});
$("conv-earlier").addEventListener("click", () => more(true));
$("conv-later").addEventListener("click", () => more(false));

/// Set by the item screen: re-reads the item after a run was marked.
let reopen = async () => {};
export function afterMark(fn) { reopen = fn; }

$("conv-mark").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const from = Number($("conv-from").value);
  const to = Number($("conv-to").value);
  await call("mark_messages", { itemId: item.id, from, to, note: $("conv-note").value || null });
  for (const id of ["conv-from", "conv-to", "conv-note"]) $(id).value = "";
  await reopen(item.id);
  notice("conversation.marked", { from, to });
});


