// The one-time recovery key, shown once after first run, encryption, new keys or
// "Make a new recovery key".

import { $, show } from "../shared/dom.js";

export function showRecoveryKey(key, then) {
  $("recovery-key").textContent = key;
  show("recovery");
  $("recovery-done").onclick = async () => {
    $("recovery-key").textContent = "";
    await then();
  };
}

$("recovery-print").addEventListener("click", () => window.print());
