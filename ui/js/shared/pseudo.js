// Pseudo-locales, generated from English (UK) when the page starts, for testing:
//   en-XA  every letter accented, each string about 40 % longer, wrapped in ⟦ ⟧;
//   ar-XB  the same letters shown right to left in a right-to-left page.
// A word the page shows that does not come from the catalogue stays plain ASCII and
// stands out (the end-to-end test fails on it); a layout that cannot take longer words
// or right-to-left text shows it. Placeholders and inline tags are kept as they are.

export const PSEUDO = { "en-XA": { dir: "ltr", format: "en-GB" }, "ar-XB": { dir: "rtl", format: "ar" } };

const ACCENTED = {
  a: "å", b: "ƀ", c: "ç", d: "ð", e: "é", f: "ƒ", g: "ĝ", h: "ĥ", i: "î", j: "ĵ", k: "ķ", l: "ļ", m: "ɱ",
  n: "ñ", o: "ö", p: "þ", q: "ǫ", r: "ŕ", s: "š", t: "ţ", u: "û", v: "ṽ", w: "ŵ", x: "ẋ", y: "ý", z: "ž",
  A: "Å", B: "Ɓ", C: "Ç", D: "Ð", E: "É", F: "Ƒ", G: "Ĝ", H: "Ĥ", I: "Î", J: "Ĵ", K: "Ķ", L: "Ļ", M: "Ṁ",
  N: "Ñ", O: "Ö", P: "Þ", Q: "Ǫ", R: "Ŕ", S: "Š", T: "Ţ", U: "Û", V: "Ṽ", W: "Ŵ", X: "Ẋ", Y: "Ý", Z: "Ž",
};
const FILLER = ["ļöŕéɱ", "îþšûɱ", "ðöļöŕ", "šîţ", "åɱéţ", "çöñšéçţéţûŕ"];

function accent(text) {
  return text.replace(/[A-Za-z]/g, (c) => ACCENTED[c]);
}

function pseudoString(s, rtl) {
  const parts = s.split(/(\{\{\w+\}\}|<\/?(?:strong|em|kbd|code)>)/);
  const plain = parts.filter((_, i) => i % 2 === 0).join("");
  const out = parts.map((p, i) => (i % 2 ? p : rtl && p.trim() ? `\u202E${accent(p)}\u202C` : accent(p))).join("");
  // About 40 % more letters, as German or Finnish often need.
  let pad = "", n = 0;
  while (pad.length < Math.ceil(plain.length * 0.4)) pad += (pad ? " " : "") + FILLER[n++ % FILLER.length];
  return `⟦${out}${pad ? ` ${pad}` : ""}⟧`;
}

function walk(v, rtl) {
  if (typeof v === "string") return pseudoString(v, rtl);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, rtl)]));
  return v;
}

export function pseudoCatalogue(english, name) {
  const p = PSEUDO[name];
  const { meta, ...rest } = english;
  return { ...walk(rest, p.dir === "rtl"), meta: { name, lang: name, dir: p.dir, format_locale: p.format } };
}
