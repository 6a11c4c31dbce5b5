// File dialogs that leave the desktop's "Recent files" as they were
// (src-tauri/src/file_dialog.rs). Same options and results as Tauri's dialog: null when
// cancelled, else a path (or, with `multiple`, a list of paths).

import { call } from "./calls.js";

export async function openDialog(options) {
  const paths = await call("choose_paths", { request: options });
  if (!paths.length) return null;
  return options.multiple ? paths : paths[0];
}

export async function saveDialog(options) {
  return openDialog({ ...options, save: true, multiple: false });
}
