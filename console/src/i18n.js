// Two languages, every string in both (a console test compares the catalogs' keys).
// `?lang=en` / `?lang=zh-CN` chooses; the switch in the header changes it and remembers it
// for the tab. Strings take {name} placeholders.
import en from "./i18n/en.js";
import zh from "./i18n/zh-CN.js";

export const CATALOGS = { en, "zh-CN": zh };
export const LANGS = [
  ["en", "English"],
  ["zh-CN", "简体中文"],
];
const PREF = "loyalty.console.lang";
const listeners = new Set();

function initial() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (asked && CATALOGS[asked]) return asked;
  const kept = sessionStorage.getItem(PREF);
  if (kept && CATALOGS[kept]) return kept;
  return (navigator.language || "").toLowerCase().startsWith("zh") ? "zh-CN" : "en";
}

let current = initial();
document.documentElement.lang = current;

export function lang() {
  return current;
}

export function setLang(next) {
  if (!CATALOGS[next] || next === current) return;
  current = next;
  sessionStorage.setItem(PREF, next);
  document.documentElement.lang = next;
  const url = new URL(location.href);
  url.searchParams.set("lang", next);
  history.replaceState(null, "", url);
  listeners.forEach((f) => f(next));
}

export function onLang(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

/** The string for `key` in the current language, {placeholders} filled from `vars`. */
export function t(key, vars) {
  const s = CATALOGS[current][key] ?? CATALOGS.en[key] ?? key;
  return vars ? s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m)) : s;
}
