// Safekeep's browser: a separate window with its own profile, for pages behind a login
// and pages that load as they scroll. "Capture this page" seals the tab the person is
// looking at, as it is now, with everything it loaded — never a reload.

import { $, el, focus } from "../shared/dom.js";
import { call, invoke } from "../shared/calls.js";
import { bytes, t, tNodes, when } from "../shared/i18n.js";
import { clearMessages, notice, showError } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { showAfterCapture } from "./capture-after.js";
import { accountNote } from "./capture-web.js";
import { onlyPanel } from "./case.js";
import { showLock } from "./lock.js";
import { renderTimeline } from "./timeline.js";

/// Shows the panel: the explanation and "Open" when the browser is not open for this
/// case, the capture controls when it is.
async function showPanel() {
  clearMessages();
  onlyPanel("browser-panel");
  const s = await call("browser_state");
  const here = s.open && s.case_id === state.caseId;
  $("browser-start").hidden = here;
  $("browser-controls").hidden = !here;
  showDownloads(s);
  if (here) watchDownloads();
  if (here) {
    $("browser-status").replaceChildren(tNodes("browser.opened"));
    focus($("browser-capture"));
  } else {
    if (s.open) $("browser-status").replaceChildren(tNodes("browser.other_case"));
    focus($("browser-url"));
  }
}

/// The finished downloads waiting for the person's choice, each with a tick box (never
/// ticked for them: a page can start a download by itself), and "Keep the ticked files".
function showDownloads(s) {
  const waiting = s.open && s.case_id === state.caseId ? s.downloads_waiting : [];
  $("browser-downloads").hidden = waiting.length === 0;
  if (waiting.length === 0) return;
  const ticked = new Set(
    [...document.querySelectorAll("#browser-downloads-list input:checked")].map((i) => i.value),
  );
  const known = [...document.querySelectorAll("#browser-downloads-list input")].map((i) => i.value);
  if (known.join("\n") === waiting.map((d) => d.id).join("\n")) return;
  $("browser-downloads-waiting").replaceChildren(tNodes("browser.downloads_waiting", { count: waiting.length }));
  $("browser-downloads-list").replaceChildren(
    ...waiting.map((d) =>
      el(
        "li",
        {},
        el(
          "label",
          { class: "check" },
          el("input", { type: "checkbox", value: d.id, checked: ticked.has(d.id) }),
          " ",
          // Name and address as separate, isolated runs of text: a name cannot pass
          // itself off as the address (bidi controls, its own ", from https://…").
          el("bdi", { translate: "no" }, d.name),
          ` (${bytes(d.size)}) `,
          el("span", {}, t("browser.download_from")),
          " ",
          el("bdi", { translate: "no", class: "address" }, d.url),
        ),
      ),
    ),
  );
}

/// While the panel shows the capture controls, asks every 2 s whether downloads wait
/// (the person downloads in the browser window, not here).
let watching = null;
function watchDownloads() {
  if (watching) return;
  let asking = false;
  watching = setInterval(async () => {
    if ($("browser-panel").hidden || $("browser-controls").hidden) {
      clearInterval(watching);
      watching = null;
      return;
    }
    if (asking) return;
    asking = true;
    try {
      showDownloads(await invoke("browser_state"));
    } catch {
      // The next tick asks again; errors are shown by the actions themselves.
    } finally {
      asking = false;
    }
  }, 2000);
}

$("capture-browser").addEventListener("click", showPanel);
$("browser-cancel").addEventListener("click", () => {
  $("browser-panel").hidden = true;
  $("capture-browser").focus();
});

$("browser-start").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  $("browser-progress").hidden = true;
  await call("browser_open", { caseId: state.caseId, url: $("browser-url").value || null });
  $("browser-url").value = "";
  await showPanel();
});

/// "Capture this page" (also Ctrl+Shift+S while the panel is open).
export async function captureBrowserTab() {
  clearMessages();
  $("browser-progress").hidden = false;
  let r;
  try {
    r = await invoke("browser_capture", { scroll: $("browser-scroll").checked, alsoFetch: $("browser-also-fetch").checked });
  } catch (e) {
    if (e && e.code === "vault_is_locked") { showLock(); return; }
    showError(e);
    await showPanel().catch(() => {});
    return;
  } finally {
    $("browser-progress").hidden = true;
  }
  const s = r.summary;
  const notes = [
    tNodes("browser.sealed", { time: when(r.item.captured_at), url: s.final_url, browser: s.browser || "", status: String(s.status), requests: String(s.requests) }),
    r.item.artifacts.some((a) => a.original_name.startsWith("direct-fetch-")) ? tNodes("browser.also_fetched") : null,
    accountNote(s.account),
    ...r.item.artifacts.map((a) => el("span", { class: "file" }, tNodes("capture.file_sha", { name: a.original_name, sha: a.sha256 }))),
  ].filter(Boolean);
  await showAfterCapture(r, null, el("span", {}, ...notes.flatMap((n) => [n, " "])));
}
$("browser-capture").addEventListener("click", captureBrowserTab);
document.addEventListener("keydown", (ev) => {
  if (!(ev.ctrlKey && ev.shiftKey && (ev.key === "S" || ev.key === "s"))) return;
  if ($("browser-panel").hidden || $("browser-controls").hidden) return;
  ev.preventDefault();
  captureBrowserTab();
});

$("browser-keep-downloads").addEventListener("click", async () => {
  clearMessages();
  const chosen = [...document.querySelectorAll("#browser-downloads-list input:checked")].map((i) => i.value);
  if (chosen.length === 0) {
    focus(document.querySelector("#browser-downloads-list input"));
    return;
  }
  const kept = await call("browser_keep_downloads", { chosen });
  await showPanel();
  await renderTimeline();
  notice("browser.downloads_kept", { count: kept.length });
});

$("browser-close").addEventListener("click", async () => {
  clearMessages();
  await call("browser_close");
  await renderTimeline();
  $("browser-panel").hidden = true;
  notice(state.status && state.status.encrypted ? "browser.closed" : "browser.closed_plain");
  $("capture-browser").focus();
});

$("browser-forget").addEventListener("click", async () => {
  clearMessages();
  const had = await call("browser_forget");
  $("browser-panel").hidden = true;
  notice(had ? "browser.forgot" : "browser.forgot_none");
  $("capture-browser").focus();
});

