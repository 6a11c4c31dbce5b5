// The neutral look on the page (Settings → "How this app appears"). The backend gives
// the window its title and icon and writes the desktop's menu entry; the page, while
// locked under a neutral look, shows nothing of Safekeep: the look's name as heading
// and brand, no navigation, no word naming Safekeep until the passphrase is typed.

import { $, el } from "../shared/dom.js";
import { call, invoke } from "../shared/calls.js";
import { t } from "../shared/i18n.js";
import { clearMessages, notice } from "../shared/messages.js";

let look = null;
let choices = [];
let locked = false;

/// Asks the backend which look is in force (before the first screen is shown).
export async function loadLook() {
  const s = await invoke("neutral_look").catch(() => null);
  look = s ? s.look : null;
  choices = s ? s.choices : [];
  lookWhileLocked(locked);
}

/// Shows the lock screen neutral (`isLocked`) or, once unlocked, Safekeep's own words.
export function lookWhileLocked(isLocked) {
  locked = isLocked;
  const neutral = Boolean(isLocked && look);
  document.body.classList.toggle("neutral-locked", neutral);
  document.title = look ? t(`look.${look}`) : "Safekeep";
  $("home-link").textContent = neutral ? t(`look.${look}`) : "Safekeep";
  $("lock-h").textContent = t(neutral ? `look.${look}` : "lock.title");
  $("recover-hint").textContent = t(neutral ? "lock.recover_hint_neutral" : "lock.recover_hint");
  $("quick-exit").title = t(neutral ? "app.quick_exit_hint_neutral" : "app.quick_exit_hint");
}

/// Fills Settings' choice of look.
export function renderLook() {
  $("look").replaceChildren(
    el("option", { value: "", selected: !look }, t("settings.look_own")),
    ...choices.map((c) => el("option", { value: c, selected: c === look }, t(`look.${c}`))));
}

$("look-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  clearMessages();
  const chosen = $("look").value || null;
  await call("set_neutral_look", { look: chosen });
  await loadLook();
  if (chosen) notice("settings.look_on", { name: t(`look.${chosen}`) });
  else notice("settings.look_off");
});
