// Money in the shop's currency with its minor units, times in the shop's zone, numbers in
// the user's language. Amounts stay the API's decimal strings: Intl formats a string
// exactly (no float rounding).
import { lang, t } from "./i18n.js";

let shop = { currency: null, timezone: "UTC" };

/** Set once the settings are read (GET /admin/settings). */
export function setShop(settings) {
  shop = { currency: settings?.currency || null, timezone: settings?.timezone || "UTC" };
}

export const shopZone = () => shop.timezone;
export const shopCurrency = () => shop.currency;

export function money(amount) {
  if (amount === null || amount === undefined || amount === "") return "—";
  if (!shop.currency) return String(amount);
  try {
    return new Intl.NumberFormat(lang(), { style: "currency", currency: shop.currency }).format(
      String(amount),
    );
  } catch {
    return `${amount} ${shop.currency}`;
  }
}

export function points(n) {
  if (n === null || n === undefined) return "—";
  return new Intl.NumberFormat(lang()).format(n);
}

/** An amount of an account: points are integers, credit and value are money. */
export function amountOf(account, v) {
  return account === "points" ? points(v) : money(v);
}

export function dateTime(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(lang(), {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: shop.timezone,
  }).format(d);
}

/** A calendar date (YYYY-MM-DD) as the user reads dates; it has no zone of its own. */
export function date(ymd) {
  if (!ymd) return "—";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(ymd);
  if (!m) return ymd;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return new Intl.DateTimeFormat(lang(), { dateStyle: "medium", timeZone: "UTC" }).format(d);
}

/** A date or instant the API gave: dates as dates, instants in the shop's zone. */
export function when(v) {
  return typeof v === "string" && v.length === 10 ? date(v) : dateTime(v);
}

/** A ledger entry's reason: the words for a code the system writes, else the text as typed. */
export function reasonText(reason) {
  if (reason === null || reason === undefined || reason === "") return "—";
  const key = `ledger.reason.${reason}`;
  const s = t(key);
  return s === key ? reason : s;
}

// --- Time-zone arithmetic: what the user types is read in the shop's zone. ---

/** The calendar and clock fields of the instant `ms` in `zone` (numbers; hour 0-23). */
function partsIn(ms, zone) {
  const opts = { hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" };
  const o = {};
  for (const p of new Intl.DateTimeFormat("en-US", { timeZone: zone, ...opts }).formatToParts(new Date(ms))) {
    if (p.type !== "literal") o[p.type] = Number(p.value);
  }
  if (o.hour === 24) o.hour = 0;
  return o;
}

const two = (n) => String(n).padStart(2, "0");

/** How far `zone` is ahead of UTC at the instant `ms`, in milliseconds. */
function offsetAt(ms, zone) {
  const p = partsIn(ms, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** A datetime-local value ("YYYY-MM-DDTHH:mm") read in `zone` -> an ISO instant, or null. */
export function instantOf(local, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(local || "");
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let ms = wall - offsetAt(wall, zone);
  ms = wall - offsetAt(ms, zone);
  return new Date(ms).toISOString();
}

/** An instant as a datetime-local value in `zone`. */
export function localValue(ms, zone) {
  const p = partsIn(ms, zone);
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

/** Today in `zone` as YYYY-MM-DD (the browser's own zone when `zone` is not one). */
export function todayIn(zone) {
  let p;
  try {
    p = partsIn(Date.now(), zone);
  } catch {
    p = partsIn(Date.now(), undefined);
  }
  return `${p.year}-${two(p.month)}-${two(p.day)}`;
}

/** A Date's UTC calendar day as YYYY-MM-DD. */
export const ymd = (d) => `${d.getUTCFullYear()}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
