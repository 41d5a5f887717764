// Money in the shop's currency with its minor units, times in the shop's zone, numbers in
// the user's language. Amounts stay the API's decimal strings: Intl formats a string
// exactly (no float rounding).
import { lang } from "./i18n.js";

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
