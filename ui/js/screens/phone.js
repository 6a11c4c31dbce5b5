// "Receive from a phone": a LocalSend receiver that runs only while this panel is open.
// Closing the panel, leaving the case, locking and quick exit all stop it (the backend
// stops it before every lock; this module stops it whenever the panel goes away).

import { $, data, el, focus, onLeave } from "../shared/dom.js";
import { call, channel, invoke } from "../shared/calls.js";
import { bytes, number, t } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { onlyPanel } from "./case.js";
import { importChatFromItem } from "./chat-import.js";
import { PLATFORMS } from "./conversation.js";
import { renderTimeline } from "./timeline.js";

let running = false;
/// Starting (the command not yet answered), and whether Stop was asked meanwhile.
let starting = false;
let stopAsked = false;
let qrUrl = null;
/// Incoming transfers waiting for an answer, oldest first.
const waiting = [];

function showForm() {
  clearMessages();
  onlyPanel("phone-panel");
  $("phone-start").hidden = false;
  $("phone-running").hidden = true;
  focus($("phone-alias"));
}

async function start() {
  clearMessages();
  starting = true;
  stopAsked = false;
  let r;
  try {
    r = await call("phone_receive_start", {
      caseId: state.caseId,
      alias: $("phone-alias").value.trim() || null,
      onEvent: channel(onEvent),
    });
  } finally {
    starting = false;
  }
  running = true;
  // Closed while it was starting: nothing may go on listening without its screen.
  if (stopAsked || $("phone-panel").hidden) {
    await stop();
    return;
  }
  $("phone-name").replaceChildren(data(r.alias));
  $("phone-pin").replaceChildren(data(r.pin));
  $("phone-address").replaceChildren(data(r.url));
  $("phone-fingerprint").replaceChildren(data(r.fingerprint));
  if (qrUrl) URL.revokeObjectURL(qrUrl);
  qrUrl = r.qr_svg ? URL.createObjectURL(new Blob([r.qr_svg], { type: "image/svg+xml" })) : null;
  $("phone-qr").hidden = !qrUrl;
  if (qrUrl) $("phone-qr").src = qrUrl;
  $("phone-log").replaceChildren();
  $("phone-status").textContent = "";
  $("phone-start").hidden = true;
  $("phone-running").hidden = false;
  focus($("phone-pin"));
}

/// Stops receiving (if it runs) and hides the running view.
async function stop() {
  if (starting) {
    stopAsked = true;
    return;
  }
  if (!running) return;
  running = false;
  waiting.length = 0;
  $("phone-incoming").hidden = true;
  $("phone-bar").hidden = true;
  await invoke("phone_receive_stop").catch(() => {});
  if (qrUrl) URL.revokeObjectURL(qrUrl);
  qrUrl = null;
}

function log(text) {
  $("phone-log").append(el("li", {}, text));
}

function status(text) {
  $("phone-status").textContent = text;
}

function askNext() {
  const e = waiting[0];
  $("phone-incoming").hidden = !e;
  if (!e) return;
  const size = bytes(e.bytes);
  const key = e.message ? "phone.incoming_message" : e.device_model ? "phone.incoming_model" : "phone.incoming";
  $("phone-incoming-msg").textContent = t(key, { sender: e.sender, model: e.device_model, files: number(e.files), size });
  $("phone-this-phone").checked = false;
  focus($("phone-accept"));
}

async function answer(accept) {
  const e = waiting.shift();
  if (e) await invoke("phone_receive_decide", { transfer: e.transfer, accept, thisPhone: accept && $("phone-this-phone").checked });
  askNext();
}

let lastAnnounced = 0;

function onEvent(e) {
  switch (e.event) {
    case "incoming":
      waiting.push(e);
      if (waiting.length === 1) askNext();
      break;
    case "accepted":
      status(t("phone.accepted"));
      break;
    case "declined":
      status(t("phone.declined"));
      break;
    case "pin_refused":
      status(e.attempts_left ? t("phone.pin_refused", { left: number(e.attempts_left) }) : t("phone.locked_out"));
      break;
    case "transfer_refused":
      status(t("phone.refused_transfer", { reason: e.reason }));
      break;
    case "progress": {
      $("phone-bar").hidden = false;
      $("phone-bar").max = e.total || 1;
      $("phone-bar").value = e.done;
      // Announced at most once a second.
      const now = Date.now();
      if (now - lastAnnounced > 1000) {
        lastAnnounced = now;
        status(`${e.file_name}: ${bytes(e.file_done)} / ${bytes(e.file_size)}`);
      }
      break;
    }
    case "kept":
      if (e.conversation) {
        // A chat export (a WhatsApp chat sent as a zip): offered, never read unasked.
        // Usable once the transfer is over: reading closes this panel, which stops
        // receiving, and files still on their way would be lost.
        $("phone-log").append(el("li", {},
          t("phone.kept_chat", { name: e.file_name, platform: PLATFORMS[e.conversation] || e.conversation }), " ",
          el("button", { type: "button", class: "read-chat", "data-transfer": e.transfer, disabled: true, onclick: () => importChatFromItem(e.item_id) }, t("phone.read_chat"))));
      } else {
        log(t("phone.kept", { name: e.file_name }));
      }
      break;
    case "refused":
      log(t("phone.refused", { name: e.file_name, reason: e.reason }));
      break;
    case "message_kept":
      log(t("phone.message_kept"));
      renderTimeline().catch(() => {});
      break;
    case "finished":
      for (const b of $("phone-log").querySelectorAll("button.read-chat")) {
        if (b.dataset.transfer === e.transfer) b.disabled = false;
      }
      $("phone-bar").hidden = true;
      status(t("phone.finished", { kept: number(e.kept), refused: number(e.refused) }));
      renderTimeline().catch(() => {});
      break;
    case "notice":
      log(t("phone.notice", { message: e.message }));
      break;
  }
}

$("receive-phone").addEventListener("click", showForm);
$("phone-start").addEventListener("submit", (ev) => {
  ev.preventDefault();
  start().catch(() => {});
});
$("phone-cancel").addEventListener("click", () => {
  $("phone-panel").hidden = true;
  $("receive-phone").focus();
});
$("phone-stop").addEventListener("click", async () => {
  await stop();
  $("phone-panel").hidden = true;
  notice("phone.stopped");
  $("receive-phone").focus();
});
$("phone-accept").addEventListener("click", () => answer(true));
$("phone-decline").addEventListener("click", () => answer(false));

// The panel closing (another action chosen) or the page leaving the case stops it.
new MutationObserver(() => {
  if ($("phone-panel").hidden) stop();
}).observe($("phone-panel"), { attributes: true, attributeFilter: ["hidden"] });
onLeave(() => stop());
