// Check a bundle: needs no vault and changes nothing. Every check is shown with ✔ or ✘
// and the word for it, never colour alone; the verdict is announced.

import { $, el, english, show } from "../shared/dom.js";
import { call } from "../shared/calls.js";
import { t, tNodes } from "../shared/i18n.js";
import { clearMessages } from "../shared/messages.js";
import { offerImport } from "./handover.js";
import { openDialog } from "../shared/dialog.js";

export function showVerify() {
  clearMessages();
  $("verify-result").hidden = true;
  show("verify");
}

export async function verifyPath(path) {
  clearMessages();
  $("verify-path").value = path;
  $("verify-result").hidden = true;
  $("verify-progress").classList.remove("sr-only");
  $("verify-progress").replaceChildren(tNodes("verify.checking"));
  let report;
  try {
    report = await call("verify_bundle", { path, expectKey: $("verify-key").value || null, passphrase: $("verify-pass").value || null });
  } finally {
    $("verify-progress").replaceChildren();
  }
  const verdict = $("verify-verdict");
  verdict.className = `verdict ${report.verdict}`;
  verdict.replaceChildren(tNodes(`verify.verdict_${report.verdict}`));
  $("verify-fp").textContent = report.key_fingerprint || "—";
  // A check that passed but names an authority this computer does not recognise is
  // shown apart, with its own mark and word.
  const look = (c) => (!c.ok ? ["bad", "✘ ", "verify.failed"] : c.unrecognised ? ["unrecognised", "? ", "verify.unrecognised"] : ["ok", "✔ ", "verify.passed"]);
  $("verify-checks").replaceChildren(...report.checks.map((c) =>
    el("li", { class: look(c)[0] },
      el("span", { class: "mark", "aria-hidden": "true" }, look(c)[1]),
      el("strong", {}, t(look(c)[2])), " ", english(c.check),
      ...c.details.filter(Boolean).map((d) => english(d, "span")).map((d) => { d.classList.add("detail"); return d; }))));
  $("receipt-result").hidden = true;
  offerImport(report);
  $("verify-result").hidden = false;
  // Announced by the status region; shown once, in the verdict box.
  $("verify-progress").classList.add("sr-only");
  $("verify-progress").replaceChildren(tNodes(`verify.verdict_${report.verdict}`));
  return report;
}

$("verify-form").addEventListener("submit", (ev) => { ev.preventDefault(); verifyPath($("verify-path").value.trim()).catch(() => {}); });
$("verify-choose").addEventListener("click", async () => {
  const p = await openDialog({ title: t("verify.dialog"), filters: [{ name: t("verify.filter"), extensions: ["zip", "age"] }] });
  if (p) await verifyPath(p);
});
$("nav-verify").addEventListener("click", showVerify);

/// Signs a receipt for the bundle just checked; the page function the form calls.
export async function signReceipt(name, organisation, keyPassphrase) {
  clearMessages();
  $("receipt-go").disabled = true;
  try {
    const r = await call("sign_receipt", { path: $("verify-path").value.trim(), bundlePassphrase: $("verify-pass").value || null, name, organisation, keyPassphrase });
    $("receipt-pass").value = "";
    $("receipt-result").replaceChildren(tNodes(r.new_key ? "receipt.done_new" : "receipt.done", { fingerprint: el("code", {}, r.fingerprint), path: el("code", {}, r.path) }));
    $("receipt-result").hidden = false;
    return r;
  } finally {
    $("receipt-go").disabled = false;
  }
}
$("receipt-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  signReceipt($("receipt-name").value, $("receipt-org").value, $("receipt-pass").value).catch(() => {});
});
