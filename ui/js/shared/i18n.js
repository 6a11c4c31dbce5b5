// The page's words. Every string comes from a catalogue, one file per language in
// ui/locales/<code>.json, in the i18next JSON v4 format (which Weblate reads):
// nested keys, {{name}} placeholders, plural forms as key_one / key_other / key_few …
// chosen with Intl.PluralRules, and the inline tags <strong> <em> <kbd> <code>.
// Strings are turned into DOM nodes, never parsed as HTML. A value put into a
// placeholder is data, not words: it is wrapped in <bdi translate="no"> so that
// right-to-left text keeps file names and addresses intact and the pseudo-locale test
// can tell data from untranslated words. docs/translating.md says how to add a language.

import { pseudoCatalogue, PSEUDO } from "./pseudo.js";

const FALLBACK = "en-GB";
const STORE_KEY = "safekeep.locale";
const TAGS = new Set(["strong", "em", "kbd", "code"]);

let fallback = {};
let catalogue = {};
let code = FALLBACK;
let plurals = new Intl.PluralRules(FALLBACK);
let formatLocale = FALLBACK;

async function fetchCatalogue(name) {
  const r = await fetch(`locales/${name}.json`);
  if (!r.ok) throw new Error(`no catalogue for ${name}`);
  return r.json();
}

function lookup(cat, key) {
  let v = cat;
  for (const part of key.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = v[part];
  }
  return typeof v === "string" ? v : undefined;
}

/// The locale chosen in Settings, else the first of the system's languages we ship,
/// else English (UK). Pseudo-locales (for testing layouts) are only used when chosen.
export async function loadLocale(available) {
  fallback = await fetchCatalogue(FALLBACK);
  const wanted = localStorage.getItem(STORE_KEY);
  const system = (navigator.languages || [navigator.language]).filter(Boolean);
  const pick = [wanted, ...system, ...system.map((l) => l.split("-")[0])]
    .filter(Boolean)
    .find((l) => PSEUDO[l] || available.some((a) => a.toLowerCase() === l.toLowerCase()) || available.some((a) => a.split("-")[0] === l));
  let chosen = FALLBACK;
  if (pick && PSEUDO[pick]) chosen = pick;
  else if (pick) chosen = available.find((a) => a.toLowerCase() === pick.toLowerCase()) || available.find((a) => a.split("-")[0] === pick) || FALLBACK;
  await useLocale(chosen);
}

async function useLocale(name) {
  if (PSEUDO[name]) catalogue = pseudoCatalogue(fallback, name);
  else if (name === FALLBACK) catalogue = fallback;
  else catalogue = await fetchCatalogue(name).catch(() => fallback);
  code = name;
  const meta = catalogue.meta || {};
  formatLocale = meta.format_locale || name;
  try { plurals = new Intl.PluralRules(formatLocale); } catch { plurals = new Intl.PluralRules(FALLBACK); }
  document.documentElement.lang = meta.lang || name;
  document.documentElement.dir = meta.dir === "rtl" ? "rtl" : "ltr";
}

/// Remembers the person's choice; the page reloads to show it.
export function chooseLocale(name) {
  localStorage.setItem(STORE_KEY, name);
}

export function currentLocale() {
  return code;
}

/// Whether the backend's own messages (written in English) can be shown as they are.
export function readsEnglish() {
  return code.startsWith("en") && !PSEUDO[code];
}

/// The display name a catalogue gives itself.
export async function languageName(name) {
  const cat = name === code ? catalogue : name === FALLBACK ? fallback : await fetchCatalogue(name).catch(() => ({}));
  return (cat.meta && cat.meta.name) || name;
}

function resolve(key, params) {
  const count = params && typeof params.count === "number" ? params.count : null;
  const keys = count === null ? [key] : [`${key}_${count === 0 ? "zero" : plurals.select(count)}`, `${key}_${plurals.select(count)}`, `${key}_other`, key];
  for (const cat of [catalogue, fallback]) {
    for (const k of keys) {
      const v = lookup(cat, k);
      if (v !== undefined) return v;
    }
  }
  return `⚠${key}`;
}

function formatValue(v) {
  return typeof v === "number" ? number(v) : String(v ?? "");
}

/// A plain string, for attributes and <option>s. Placeholders are filled as text.
export function t(key, params = {}) {
  return resolve(key, params)
    .replace(/<\/?(strong|em|kbd|code)>/g, "")
    .replace(/\{\{(\w+)\}\}/g, (_, name) => formatValue(params[name]));
}

/// DOM nodes for a string: inline tags become elements, placeholders become
/// <bdi translate="no"> holding the value (a string, number or a Node).
export function tNodes(key, params = {}) {
  const text = resolve(key, params);
  const root = document.createDocumentFragment();
  const stack = [root];
  const re = /<(\/?)(strong|em|kbd|code)>|\{\{(\w+)\}\}/g;
  let last = 0;
  for (let m; (m = re.exec(text)); ) {
    const top = stack[stack.length - 1];
    if (m.index > last) top.append(text.slice(last, m.index));
    last = re.lastIndex;
    if (m[3]) {
      const v = params[m[3]];
      const bdi = document.createElement("bdi");
      bdi.setAttribute("translate", "no");
      bdi.append(v && v.nodeType ? v : formatValue(v));
      top.append(bdi);
    } else if (m[1] && stack.length > 1) {
      stack.pop();
    } else if (!m[1] && TAGS.has(m[2])) {
      const e = document.createElement(m[2]);
      top.append(e);
      stack.push(e);
    }
  }
  if (last < text.length) stack[stack.length - 1].append(text.slice(last));
  return root;
}

/// Fills every [data-i18n] and [data-i18n-attr] under `root` from the catalogue.
export function applyTo(root = document) {
  for (const e of root.querySelectorAll("[data-i18n]")) e.replaceChildren(tNodes(e.dataset.i18n));
  for (const e of root.querySelectorAll("[data-i18n-attr]")) {
    for (const pair of e.dataset.i18nAttr.split(";")) {
      const [attr, key] = pair.split(":");
      e.setAttribute(attr.trim(), t(key.trim()));
    }
  }
}

/// A date and time as the person's locale writes it; the ISO text if it cannot be read.
export function when(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  return new Intl.DateTimeFormat(formatLocale, { dateStyle: "medium", timeStyle: "short" }).format(d);
}

export function number(n) {
  return new Intl.NumberFormat(formatLocale).format(n);
}

/// A size in the locale's own units (bytes, kB, MB…).
export function bytes(n) {
  const units = ["byte", "kilobyte", "megabyte", "gigabyte", "terabyte"];
  let v = n, i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return new Intl.NumberFormat(formatLocale, { style: "unit", unit: units[i], unitDisplay: i ? "short" : "long", maximumFractionDigits: i ? 1 : 0 }).format(v);
}
