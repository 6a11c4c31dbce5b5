// Elements and screens. Pages are built with el(), never from HTML strings.

export const $ = (id) => document.getElementById(id);

/// An element with attributes (on* become listeners) and children (strings become text).
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c.nodeType ? c : String(c));
  return e;
}

/// Text that is data (a title, a hash, an address the person typed): never translated.
export function data(text, tag = "span") {
  return el(tag, { translate: "no" }, text);
}

/// English text written by the backend (a check's name, a reason): marked as English so
/// screen readers pronounce it right in any language, and never mistaken for page words.
export function english(text, tag = "span") {
  return el(tag, { lang: "en", translate: "no", class: "from-backend" }, text);
}

const leaving = [];

/// Runs `fn` whenever the page leaves a screen (to release image memory, for instance).
export function onLeave(fn) {
  leaving.push(fn);
}

/// Shows one screen and moves focus to its heading, so a screen reader announces it
/// and the next Tab starts from the top of the new screen.
export function show(screen) {
  for (const fn of leaving) fn();
  for (const s of document.querySelectorAll("main > section")) s.hidden = s.id !== `screen-${screen}`;
  window.scrollTo(0, 0);
  const h = document.querySelector(`#screen-${screen} h1`);
  if (h) { h.tabIndex = -1; h.focus(); }
}

/// Moves focus to an element that appeared (a panel's heading or first field).
export function focus(e) {
  if (!e) return;
  if (!e.matches("input, select, textarea, button, [tabindex]")) e.tabIndex = -1;
  e.focus();
}

export function visibleScreen() {
  const s = document.querySelector("main > section:not([hidden])");
  return s ? s.id.replace(/^screen-/, "") : null;
}
