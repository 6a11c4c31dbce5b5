// "Get help": support services and what to do about threats to share pictures, one
// step away from every screen (the top bar's button), locked or not, and offline.
//
// The services are data (ui/help/services.json, docs/help.md): names, phone numbers and
// addresses are shown as written and never translated; what each does and its hours
// come from the catalogue. It opens as a modal dialog over the current screen, so a
// half-written entry or an unlock in progress is never lost; Close or Escape returns
// focus to the button that opened it. Addresses are text, never links: opening them
// would leave them in a browser's history on a computer someone else may check.

import { $, data, el } from "../shared/dom.js";
import { t, tNodes } from "../shared/i18n.js";

let services = null;

async function load() {
  if (!services) {
    const r = await fetch("help/services.json");
    services = await r.json();
  }
  return services;
}

/// The numbers to show: all of them when every fact is confirmed on the service's own
/// page, otherwise only those marked widely published (999, 101, 116 123, 0800 1111).
function phoneRows(s) {
  return s.phones
    .filter((p) => s.verified || p.widely_published)
    .flatMap((p) => [el("dt", {}, t(p.label)), el("dd", {}, data(p.number, "strong"))]);
}

function service(s) {
  const rows = phoneRows(s);
  if (s.hours && s.verified) rows.push(el("dt", {}, t("help.hours")), el("dd", {}, t(s.hours)));
  if (s.web) rows.push(el("dt", {}, t("help.web")), el("dd", {}, data(s.web, "code")));
  const sources = s.sources.map((src) =>
    el("li", {}, tNodes("help.source", { url: src.url, date: src.checked })));
  return el("li", { class: "help-service", "data-service": s.id },
    el("h4", {}, data(s.name)),
    el("p", {}, t(s.what)),
    rows.length ? el("dl", {}, ...rows) : null,
    s.verified ? null : el("p", { class: "hint" }, t("help.unverified")),
    sources.length ? el("ul", { class: "help-sources small" }, ...sources) : null);
}

async function render() {
  const { groups } = await load();
  $("help-services").replaceChildren(...groups.map((g) =>
    el("section", { "aria-labelledby": `help-group-${g.id}` },
      el("h3", { id: `help-group-${g.id}` }, t(g.title)),
      el("ul", { class: "help-list" }, ...g.services.map(service)))));
}

/// Opens the help dialog over whatever screen is showing.
export async function showHelp() {
  await render().catch(() => {});
  const d = $("help");
  if (!d.open) d.showModal();
  $("help-h").focus();
}

$("help-h").tabIndex = -1;
$("nav-help").addEventListener("click", showHelp);
$("help-close").addEventListener("click", () => $("help").close());
$("help").addEventListener("close", () => $("nav-help").focus());
