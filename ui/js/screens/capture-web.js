// Capture a web page by its address: what the server sent and how it looked. A
// certificate that does not verify is explained; capturing anyway is the person's choice.

import { $, el, english, focus } from "../shared/dom.js";
import { invoke } from "../shared/calls.js";
import { readsEnglish, tNodes, when } from "../shared/i18n.js";
import { clearMessages, showError } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { showAfterCapture } from "./capture-after.js";
import { onlyPanel } from "./case.js";
import { showLock } from "./lock.js";

$("capture-web").addEventListener("click", () => {
  clearMessages();
  onlyPanel("web-form");
  focus($("web-url"));
});
$("web-cancel").addEventListener("click", () => {
  $("web-form").hidden = true;
  $("capture-web").focus();
});
$("web-cert-cancel").addEventListener("click", () => {
  $("web-cert").hidden = true;
  $("capture-web").focus();
});
$("web-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await captureUrl(false);
});
$("web-cert-anyway").addEventListener("click", () => captureUrl(true));

/// Fetches the address in the form; `acceptInvalid` after the person confirmed a bad certificate.
export async function captureUrl(acceptInvalid) {
  clearMessages();
  onlyPanel(null);
  const media = $("web-media").checked;
  const progress = media ? "web.media_progress" : "web.progress";
  $("web-progress").dataset.i18n = progress;
  $("web-progress").replaceChildren(tNodes(progress));
  $("web-progress").hidden = false;
  let r;
  try {
    r = await invoke("capture_url", { caseId: state.caseId, url: $("web-url").value, render: $("web-render").checked, media, acceptInvalidCertificate: acceptInvalid, checkAgain: null });
  } catch (e) {
    if (e && e.code === "vault_is_locked") { showLock(); return; }
    if (e && e.code === "certificate_invalid") {
      $("web-cert-msg").replaceChildren(readsEnglish() ? english(e.message) : el("span", {}, tNodes("error.certificate_invalid"), " ", english(e.message, "small")));
      $("web-cert").hidden = false;
      $("web-cert-anyway").focus();
    } else {
      showError(e);
      $("web-form").hidden = false;
    }
    return;
  } finally {
    $("web-progress").hidden = true;
  }
  const s = r.summary;
  const notes = [
    tNodes("web.sealed", { time: when(r.item.captured_at), url: s.final_url, status: String(s.status) }),
    s.certificate_verified === false ? tNodes("web.cert_not_verified") : null,
    s.render_skipped ? tNodes("web.render_skipped", { why: english(s.render_skipped) }) : null,
    s.login_suspected ? tNodes("web.login_suspected") : null,
    accountNote(s.account),
    ...videoNotes(s.media),
    ...r.item.artifacts.map((a) => el("span", { class: "file" }, tNodes("capture.file_sha", { name: a.original_name, sha: a.sha256 }))),
  ].filter(Boolean);
  await showAfterCapture(r, null, el("span", {}, ...notes.flatMap((n) => [n, " "])));
  $("web-url").value = "";
}

/// The account the page is about, as the page said it (nothing for other sites).
export function accountNote(a) {
  if (!a) return null;
  const vars = { platform: a.platform, handle: a.handle || "", id: a.permanent_id || "" };
  if (a.permanent_id) return tNodes(a.handle ? "web.account_id" : "web.account_id_only", vars);
  return tNodes("web.account_no_id", vars);
}

/// What became of the page's videos, one note each (nothing when it shows none and none were asked for).
function videoNotes(m) {
  if (!m) return [];
  if (!m.asked) return [tNodes("web.media_seen", { count: String(m.found.length) })];
  const notes = [];
  if (!m.yt_dlp && m.yt_dlp_note) notes.push(tNodes("web.media_own_fetch", { why: english(m.yt_dlp_note) }));
  for (const k of m.kept) notes.push(tNodes("web.media_kept", { file: k.file, url: k.url }));
  for (const n of m.not_kept) notes.push(tNodes("web.media_not_kept", { url: n.url, why: english(n.reason) }));
  if (!m.kept.length && !m.not_kept.length) notes.push(tNodes("web.media_none"));
  return notes;
}
