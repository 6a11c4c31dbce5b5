// The two message areas under the top bar: #alert (role=alert) for problems and
// #notice (role=status) for results. Both are live regions: a screen reader reads them.

import { $, english } from "./dom.js";
import { readsEnglish, t, tNodes } from "./i18n.js";

/// Shows an error from the backend ({code, message}) or from the page ({key, params}).
/// The backend writes its messages in English: they are shown as they are to people who
/// read English, and under a translated summary of the code to everyone else.
export function showError(err) {
  const box = $("alert");
  if (err && err.key) {
    box.replaceChildren(tNodes(err.key, err.params || {}));
  } else {
    const message = err && err.message ? err.message : String(err);
    const code = (err && err.code) || "error";
    if (readsEnglish()) box.replaceChildren(english(message));
    else {
      const summary = t(`error.${code}`) === `⚠error.${code}` ? "error.unknown" : `error.${code}`;
      box.replaceChildren(tNodes(summary), " ", english(message, "small"));
    }
  }
  box.dataset.code = (err && (err.code || err.key)) || "error";
  box.hidden = false;
  $("notice").hidden = true;
}

/// Shows a result: a catalogue key and its placeholders.
export function notice(key, params = {}) {
  $("alert").hidden = true;
  $("notice").replaceChildren(tNodes(key, params));
  $("notice").hidden = false;
}

export function clearMessages() {
  $("alert").hidden = true;
  $("notice").hidden = true;
}
