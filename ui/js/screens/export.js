// Export a case as a signed bundle (optionally encrypted), or only its PDF report.

import { $, focus, show } from "../shared/dom.js";
import { call, channel, tauri } from "../shared/calls.js";
import { number, t, tNodes } from "../shared/i18n.js";
import { clearMessages } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { saveDialog } from "../shared/dialog.js";

export async function showExport() {
  clearMessages();
  $("export-initials").value = state.status.initials || "";
  // A neutral name (a date and a plain word), never the case title: file names show in
  // shared mailboxes, download lists and the bag folder inside the bundle.
  const stem = await call("neutral_file_stem");
  const docs = await tauri.path.documentDir().catch(() => tauri.path.homeDir()).catch(() => "");
  $("export-out").value = docs ? await tauri.path.join(docs, `${stem}.zip`) : `${stem}.zip`;
  $("export-name-warning").hidden = true;
  warnedFor = null;
  $("export-encrypt").checked = false;
  $("export-annex").checked = false;
  $("export-pass-box").hidden = true;
  $("export-result").hidden = true;
  $("report-result").hidden = true;
  show("export");
}
$("go-export").addEventListener("click", showExport);

$("export-choose").addEventListener("click", async () => {
  const out = await saveDialog({ title: t("export.dialog"), defaultPath: $("export-out").value, filters: [{ name: t("export.filter"), extensions: ["zip"] }] });
  if (out) $("export-out").value = out;
});

// The name the person was last warned about; using it again means they chose it.
let warnedFor = null;

/// Whether `out` may be used: a name that gives the case away is used only after the
/// warning was shown for that very name.
async function nameChosen(out) {
  const names = out !== warnedFor && (await call("file_name_names_case", { caseId: state.caseId, path: out }));
  $("export-name-warning").hidden = !names;
  if (!names) return true;
  warnedFor = out;
  focus($("export-name-warning"));
  return false;
}
$("export-encrypt").addEventListener("change", () => {
  $("export-pass-box").hidden = !$("export-encrypt").checked;
});

function timestampsText(s) {
  const items = tNodes("export.ts_items", { count: s.items, stamped: number(s.timestamped_items) });
  if (!s.timestamp) return items;
  const f = document.createDocumentFragment();
  f.append(items, " ", s.timestamp.state === "stamped" ? tNodes("export.ts_bundle", { time: s.timestamp.gen_time }) : tNodes("export.ts_bundle_failed", { why: s.timestamp.why }));
  return f;
}

$("export-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  if (!(await nameChosen($("export-out").value))) return;
  const passphrase = $("export-encrypt").checked ? $("export-pass").value : null;
  const bar = $("export-bar");
  bar.hidden = false;
  bar.value = 0;
  const progress = channel((p) => { bar.max = p.total || 1; bar.value = p.done; });
  $("export-go").disabled = true;
  try {
    const s = await call("export_case", { caseId: state.caseId, exhibitPrefix: $("export-initials").value, out: $("export-out").value, passphrase, unblurredAnnex: $("export-annex").checked, onProgress: progress });
    $("export-pass").value = "";
    $("export-encrypted-note").hidden = passphrase === null;
    $("export-path").textContent = s.path;
    $("export-sha").textContent = s.sha256;
    $("export-fp").textContent = s.key_fingerprint;
    $("export-ts").replaceChildren(timestampsText(s));
    $("export-result").hidden = false;
    focus($("export-result-h"));
  } finally {
    bar.hidden = true;
    $("export-go").disabled = false;
  }
});

$("report-save").addEventListener("click", async () => {
  clearMessages();
  // Saved beside where the bundle would go (case.zip → case-report.pdf); never over a file.
  const out = $("export-out").value.replace(/(\.zip)?(\.age)?$/i, "") + "-report.pdf";
  if (!(await nameChosen($("export-out").value))) return;
  const r = await call("save_report", { caseId: state.caseId, exhibitPrefix: $("export-initials").value, out, unblurredAnnex: $("export-annex").checked });
  $("report-result").replaceChildren(tNodes("export.report_saved", { path: r.path, count: r.exhibits }));
  $("report-result").hidden = false;
});
$("export-reveal").addEventListener("click", () => tauri.opener.revealItemInDir($("export-path").textContent).catch(() => {}));
