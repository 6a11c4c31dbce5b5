// Capture the screen: one monitor, all of them, or one window, after a countdown.
// Safekeep hides its own window while it captures.

import { $, el, focus } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { readsEnglish, t, tNodes, when } from "../shared/i18n.js";
import { clearMessages } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { showAfterCapture } from "./capture-after.js";
import { onlyPanel } from "./case.js";

const DELAYS = [0, 3, 5, 10];
/// Recording lengths offered, seconds; "" records until stopped from the tray.
const LENGTHS = [5, 10, 30, 60, 300, 900];

function delayOptions() {
  $("capture-delay").replaceChildren(...DELAYS.map((s) =>
    el("option", { value: String(s), selected: s === 3 }, s ? t("capture.seconds", { count: s }) : t("capture.no_delay"))));
  $("capture-length").replaceChildren(
    ...LENGTHS.map((s) => el("option", { value: String(s), selected: s === 30 }, s < 60 ? t("capture.seconds", { count: s }) : t("capture.minutes", { count: s / 60 }))),
    el("option", { value: "" }, t("capture.until_stopped")));
}

$("capture-what").addEventListener("change", () => {
  $("capture-video-opts").hidden = $("capture-what").value !== "video";
});

$("capture-screen").addEventListener("click", async () => {
  clearMessages();
  const tg = await call("capture_targets");
  const options = [el("option", { value: JSON.stringify({ kind: "all" }) }, t(tg.monitors.length > 1 ? "capture.all_monitors" : "capture.whole_screen"))];
  if (tg.monitors.length > 1) {
    for (const m of tg.monitors) options.push(el("option", { value: JSON.stringify({ kind: "monitor", number: m.number }) }, t("capture.monitor", { number: m.number, name: m.name, width: String(m.width), height: String(m.height) })));
  }
  for (const w of tg.windows) {
    if (w.title) options.push(el("option", { value: JSON.stringify({ kind: "window", title: w.title }) }, t(w.app_name ? "capture.window_app" : "capture.window", { title: w.title, app: w.app_name })));
  }
  $("capture-target").replaceChildren(...options);
  // The backend's note about windows is in English: a tooltip only for English readers.
  if (readsEnglish() && tg.windows_note) $("capture-target").title = tg.windows_note;
  else $("capture-target").removeAttribute("title");
  $("capture-wayland").hidden = tg.display_server !== "wayland";
  if (!$("capture-delay").options.length) delayOptions();
  onlyPanel("capture-form");
  focus($("capture-target"));
});
$("capture-cancel").addEventListener("click", () => {
  $("capture-form").hidden = true;
  $("capture-screen").focus();
});

async function countdown(seconds) {
  const box = $("capture-countdown");
  box.hidden = false;
  for (let left = seconds; left > 0; left--) {
    box.replaceChildren(tNodes("capture.countdown", { count: left }));
    await new Promise((r) => setTimeout(r, 1000));
  }
  box.hidden = true;
}

/// Captures `target` after the countdown; `again` continues a series.
export async function captureScreen(target, again) {
  clearMessages();
  onlyPanel(null);
  await countdown(Number($("capture-delay").value || 0));
  let r;
  try {
    r = await call("capture_screen", { caseId: state.caseId, target, again, noImagesUnderstood: $("capture-no-images-ok").checked });
  } finally {
    $("capture-countdown").hidden = true;
  }
  const files = el("span", {}, ...r.item.artifacts.map((a) => el("span", { class: "file" }, tNodes("capture.file_sha", { name: a.original_name, sha: a.sha256 }))));
  await showAfterCapture(r, target, el("span", {}, tNodes("capture.sealed_at", { time: when(r.item.captured_at) }), " ", files));
  return r;
}

/// Records `target` after the countdown, for the length chosen (or until stopped).
export async function recordScreen(target) {
  clearMessages();
  onlyPanel(null);
  await countdown(Number($("capture-delay").value || 0));
  const length = $("capture-length").value;
  $("capture-countdown").replaceChildren(tNodes("capture.recording"));
  $("capture-countdown").hidden = false;
  let r;
  try {
    r = await call("record_screen", { caseId: state.caseId, target, seconds: length ? Number(length) : null, noImagesUnderstood: $("capture-no-images-ok").checked });
  } finally {
    $("capture-countdown").hidden = true;
  }
  const seconds = String(Math.round((r.item.capture.recorded_ms || 0) / 1000));
  const files = el("span", {}, ...r.item.artifacts.map((a) => el("span", { class: "file" }, tNodes("capture.file_sha", { name: a.original_name, sha: a.sha256 }))));
  await showAfterCapture(r, null, el("span", {}, tNodes("capture.recorded", { seconds, time: when(r.item.captured_at) }), " ", files));
  return r;
}

$("capture-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const target = JSON.parse($("capture-target").value);
  if ($("capture-what").value === "video") await recordScreen(target);
  else await captureScreen(target, null);
});
$("capture-again").addEventListener("click", () => captureScreen(state.capture.target, state.capture.itemId));

