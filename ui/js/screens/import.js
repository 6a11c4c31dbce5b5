// Adding files: by the file dialog or by dropping them on the window, with progress a
// screen reader announces, and cancel between files.

import { $ } from "../shared/dom.js";
import { call, channel, invoke } from "../shared/calls.js";
import { number, t } from "../shared/i18n.js";
import { clearMessages, notice, showError } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { renderTimeline } from "./timeline.js";
import { openDialog } from "../shared/dialog.js";

/// Imports `paths` into the open case; used by the dialog and drag-and-drop alike.
export async function importPaths(paths) {
  if (!paths || !paths.length) return [];
  clearMessages();
  const bar = $("import-bar");
  $("import-progress").hidden = false;
  let shown = -1;
  const progress = channel((p) => {
    bar.max = p.bytes_total || 1;
    bar.value = p.bytes_done;
    // Announced at most once a second, not once per chunk or per small file.
    const now = Date.now();
    if (now - shown > 1000 || p.files_done === p.files) {
      shown = now;
      $("import-label").textContent = t("import.file_of", { file: number(Math.min(p.files_done + 1, p.files)), files: number(p.files) });
    }
  });
  let results = [];
  try {
    results = await call("import_files", { caseId: state.caseId, paths, context: {}, onProgress: progress });
  } finally {
    $("import-progress").hidden = true;
    $("import-label").textContent = "";
  }
  const failed = results.filter((r) => r.error);
  const already = results.filter((r) => r.already).length;
  const added = results.length - failed.length - already;
  if (failed.length) showError({ code: failed[0].error.code, message: failed.map((r) => r.error.message).join("\n") });
  else if (already) notice("import.done_already", { count: added, already: number(already) });
  else notice("import.done", { count: added });
  await renderTimeline();
  return results;
}

$("add-files").addEventListener("click", async () => {
  const picked = await openDialog({ multiple: true, title: t("import.dialog") });
  if (picked) await importPaths(Array.isArray(picked) ? picked : [picked]);
});
$("add-folder").addEventListener("click", async () => {
  const picked = await openDialog({ directory: true, title: t("import.folder_dialog") });
  if (picked) await importPaths([picked]);
});
$("import-cancel").addEventListener("click", () => invoke("cancel_import"));
