// A case's timeline: every item with its time, kind, title and first fingerprint;
// pictures blurred.

import { $, data, el } from "../shared/dom.js";
import { call, invoke } from "../shared/calls.js";
import { bytes, t, tNodes, when } from "../shared/i18n.js";
import { blurredImage, releaseImages } from "../shared/picture.js";
import { state } from "../shared/state.js";
import { openItem } from "./item.js";
import { renderTakedown } from "./takedown.js";

/// New items get their timestamp in the background (nothing happens while it is off).
export function timestampSoon() {
  invoke("timestamp_now").catch(() => {});
}

export function kindName(kind) {
  const key = `kind.${kind}`;
  const name = t(key);
  return name.startsWith("⚠") ? kind : name;
}

export async function renderTimeline() {
  releaseImages();
  timestampSoon();
  renderTakedown().catch(() => {});
  const items = await call("list_items", { caseId: state.caseId });
  const list = $("timeline");
  list.replaceChildren();
  if (!items.length) list.append(el("li", { class: "hint" }, tNodes("timeline.empty")));
  for (const item of items) {
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
    list.append(li);
    const picture = item.artifacts.findIndex((f) => f.media_type.startsWith("image/"));
    if (picture >= 0 && !item.withdrawn) li.lastChild.append(await blurredImage(item, picture, false));
  }
}

$("always-blur").checked = localStorage.getItem("alwaysBlur") !== "off";
$("always-blur").addEventListener("change", () => {
  localStorage.setItem("alwaysBlur", $("always-blur").checked ? "on" : "off");
  renderTimeline();
});
