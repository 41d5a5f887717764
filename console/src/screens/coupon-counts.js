// The coupons a card's gift pack, a paid level's reward or a recharge rule's gifts give (API
// 1.3): ids of defined coupons, one id per coupon given, chosen here as a count per coupon.
// Words saved before 1.3 ("WELCOME10") are still accepted and kept, so the form carries them
// through untouched instead of dropping them on the next save.
import { get } from "../api.js";
import { t } from "../i18n.js";
import { Field, Loading, Problem, html, useLoad } from "../ui.js";
import { getIn } from "../form.js";
import { benefitText } from "./coupons.js";

const ID = /^cpn_/;
/** The most of one coupon a form gives (the input's max); the API takes a plain list of ids. */
export const MAX_EACH = 20;
export const NO_COUPONS = { counts: {}, words: [] };

/** A stored list -> the form's {counts: {id: "n"}, words}: ids counted, earlier words kept in order. */
export function toCounts(stored) {
  const counts = {};
  const words = [];
  for (const c of stored || []) {
    if (ID.test(c)) counts[c] = String((Number(counts[c]) || 0) + 1);
    else words.push(c);
  }
  return { counts, words };
}

// The API has no count to refuse, so what is typed is read here: a whole number, at most
// MAX_EACH; anything else (empty, negative) gives none of that coupon.
const howMany = (n) => {
  const k = Number.parseInt(String(n ?? "").trim(), 10);
  return Number.isFinite(k) && k > 0 ? Math.min(k, MAX_EACH) : 0;
};

/** The form's counts -> the list the API takes: each id as many times as chosen, then the words. */
export function fromCounts(v) {
  const { counts = {}, words = [] } = v || NO_COUPONS;
  const ids = Object.entries(counts).flatMap(([id, n]) => Array(howMany(n)).fill(id));
  return [...ids, ...words];
}

/**
 * A stored list in words a person reads: each defined coupon by its name, "2 × name" when
 * given more than once, words saved before 1.3 as they are. `defs` is `useCouponDefs()`;
 * while it loads (or for a coupon no longer defined) the id stands in for the name.
 */
export function couponWords(stored, defs) {
  const { counts, words } = toCounts(stored);
  const names = new Map(((defs && defs.data && defs.data.items) || []).map((c) => [c.coupon_id, c.name]));
  return [
    ...Object.entries(counts).map(([id, n]) => (Number(n) > 1 ? `${n} × ${names.get(id) || id}` : names.get(id) || id)),
    ...words,
  ];
}

/** The shop's coupon definitions, read once by the form that holds one or more pickers. */
export const useCouponDefs = () => useLoad(() => get("/admin/coupons"), []);

/**
 * A count for each enabled coupon, inside a group named "Coupons". A coupon already on the
 * record stays shown even when disabled (or no longer defined), so the merchant sees what the
 * record gives and can set it to 0. `defs` is `useCouponDefs()`.
 */
export function CouponCounts({ f, path, defs, disabled }) {
  const v = getIn(f.doc, path) || NO_COUPONS;
  const items = (defs.data && defs.data.items) || [];
  const held = Object.keys(v.counts || {});
  const known = new Set(items.map((c) => c.coupon_id));
  const shown = [
    ...items.filter((c) => c.status === "enabled" || held.includes(c.coupon_id)),
    ...held.filter((id) => !known.has(id)).map((id) => ({ coupon_id: id, name: id, missing: true })),
  ];
  const hintOf = (c) =>
    c.missing
      ? t("coupons.pick.missing")
      : c.status === "enabled"
        ? benefitText(c)
        : `${benefitText(c)} · ${t("common.disabled")}`;
  let body;
  if (defs.loading && defs.data === undefined) body = html`<${Loading} />`;
  // The record's counts stay in the form meanwhile, so saving without the list keeps them.
  else if (defs.error) body = html`<${Problem} error=${defs.error} onRetry=${defs.reload} />`;
  else if (!shown.length) body = html`<p class="hint"><a href="#/coupons">${t("coupons.pick.define_first")}</a></p>`;
  else
    body = html`<div class="coupon-counts">
      ${shown.map(
        (c) => html`<${Field} key=${c.coupon_id} label=${c.name} hint=${hintOf(c)}>
          <input type="number" min="0" max=${MAX_EACH} step="1" inputmode="numeric" disabled=${disabled}
            value=${(v.counts || {})[c.coupon_id] ?? "0"}
            onInput=${(e) => f.set([...path, "counts", c.coupon_id], e.currentTarget.value)} />
        <//>`,
      )}
    </div>`;
  return html`<fieldset class="coupon-pick">
    <legend>${t("coupons.pick.legend")}</legend>
    ${body}
    ${v.words && v.words.length
      ? html`<p class="hint">${t("coupons.pick.earlier", { names: v.words.join(", ") })}</p>`
      : null}
  </fieldset>`;
}
