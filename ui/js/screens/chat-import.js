// "Add a conversation export": a zip, a folder or the loose files of one export, sealed
// as one item; when every date could be day or month first, the person is asked.

import { $, focus } from "../shared/dom.js";
import { call, channel } from "../shared/calls.js";
import { t } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";
import { state } from "../shared/state.js";
import { onlyPanel, openCase } from "./case.js";
import { openItem } from "./item.js";
import { openDialog } from "../shared/dialog.js";

/// What was being read when the person was asked the date order: { paths } or { itemId }.
let pending = null;

/// Seals the export at `paths` into the open case and opens the new item.
export async function importChat(paths, order = null) {
  if (!paths || !paths.length) return null;
  return readChat({ paths }, order);
}

/// Reads the export kept as item `itemId` (a chat received from a phone) into a
/// conversation item of its case, and opens it.
export async function importChatFromItem(itemId, order = null) {
  return readChat({ itemId }, order);
}

async function readChat(source, order) {
  clearMessages();
  pending = source;
  // The form's format and zone only when the person has the form in front of them: read
  // from the phone's log or an item, nothing is sent as if they had chosen it (the
  // reading then says the zone is this computer's, not "given by the person").
  const asked = !$("chat-form").hidden;
  const options = asked
    ? { format: $("chat-format").value || null, zone: $("chat-zone").value.trim() || null, dateOrder: order }
    : { format: null, zone: null, dateOrder: order };
  $("chat-progress").hidden = false;
  const bar = $("import-bar");
  $("import-progress").hidden = false;
  const onProgress = channel((p) => { bar.max = p.bytes_total || 1; bar.value = p.bytes_done; });
  let id;
  try {
    id = source.itemId
      ? await call("import_conversation_from_item", { itemId: source.itemId, options })
      : await call("import_conversation", { caseId: state.caseId, paths: source.paths, options, onProgress });
  } catch (e) {
    if (e && e.code === "date_order_needed") {
      // A question, not a failure: asked in the form, nothing recorded yet.
      clearMessages();
      if ($("chat-form").hidden) {
        // Asked from an item's page: the question is on the case's page.
        if ($("screen-case").hidden) await openCase(state.caseId, state.caseTitle);
        onlyPanel("chat-form");
        $("chat-format").value = "";
        $("chat-zone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
      }
      $("chat-order").hidden = false;
      $("chat-order").scrollIntoView({ block: "center" });
      focus($("chat-day-first"));
    }
    return null;
  } finally {
    $("chat-progress").hidden = true;
    $("import-progress").hidden = true;
  }
  pending = null;
  $("chat-order").hidden = true;
  onlyPanel(null);
  await openItem(id);
  const item = await call("get_item", { itemId: id });
  notice("chat.done", { count: item.capture.reading.messages });
  return id;
}

$("add-chat").addEventListener("click", () => {
  onlyPanel("chat-form");
  $("chat-order").hidden = true;
  if (!$("chat-zone").value) $("chat-zone").value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  focus($("chat-h"));
});
$("chat-file").addEventListener("click", async () => {
  const picked = await openDialog({ multiple: true, title: t("chat.dialog") });
  if (picked) await importChat(Array.isArray(picked) ? picked : [picked]);
});
$("chat-folder").addEventListener("click", async () => {
  const picked = await openDialog({ directory: true, title: t("chat.folder_dialog") });
  if (picked) await importChat([picked]);
});
$("chat-again").addEventListener("click", async () => {
  const chosen = document.querySelector("input[name=chat-order]:checked");
  if (chosen && pending) await readChat(pending, chosen.value);
});
$("chat-cancel").addEventListener("click", () => onlyPanel(null));
