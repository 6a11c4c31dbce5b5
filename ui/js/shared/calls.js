// Calls into the Rust backend. Errors arrive as {code, message}; call() shows them and
// sends the page to the lock screen when the vault locked meanwhile.

import { showError } from "./messages.js";

export const tauri = window.__TAURI__;
export const invoke = (cmd, args) => tauri.core.invoke(cmd, args);

let onLocked = () => {};

/// Set by the lock screen: what to do when the backend says the vault is locked.
export function whenLocked(fn) {
  onLocked = fn;
}

export async function call(cmd, args) {
  try {
    return await invoke(cmd, args);
  } catch (e) {
    if (e && e.code === "vault_is_locked") onLocked();
    showError(e);
    throw e;
  }
}

/// A progress channel for long commands (import, export).
export function channel(onMessage) {
  const c = new tauri.core.Channel();
  c.onmessage = onMessage;
  return c;
}
