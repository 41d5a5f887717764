// 优惠券 (000, 002, 003; API 1.3): the shop's coupon definitions at a glance, and the words
// every coupon screen uses for a coupon's benefit, validity and status. Every staff role
// reads them (the till hands gift coupons over); only the owner and admins create them.
import { get } from "../api.js";
import { date, money, points, when } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Loaded, html, useLoad } from "../ui.js";

export const KINDS = ["amount_off", "percent_off", "free_shipping", "gift"];
export const ZERO = /^0*(\.0*)?$/;

export const kindLabel = (kind) => (KINDS.includes(kind) ? t(`coupons.kind.${kind}`) : kind);

/**
 * What the coupon gives, in words: a definition and a member's coupon carry the same terms
 * (they are copied at issue), so one function reads both.
 */
export function benefitText(c) {
  let s;
  if (c.kind === "amount_off") s = t("coupons.benefit.amount_off", { amount: money(c.amount) });
  else if (c.kind === "percent_off") {
    s = t("coupons.benefit.percent_off", { percent: c.percent, off: 100 - c.percent });
    if (c.max_discount) s = `${s}, ${t("coupons.benefit.max", { amount: money(c.max_discount) })}`;
  } else if (c.kind === "gift") s = t("coupons.benefit.gift", { gift: c.gift });
  else s = kindLabel(c.kind);
  // A minimum spend is part of the offer members read, so it sits with it.
  return c.min_spend && !ZERO.test(c.min_spend)
    ? `${s} · ${t("coupons.benefit.min_spend", { amount: money(c.min_spend) })}`
    : s;
}

export function validityText(v) {
  if (!v) return "—";
  if (v.kind === "days") return t("coupons.validity.days_text", { n: points(v.days) });
  if (v.kind === "range") return t("coupons.validity.range_text", { from: date(v.from), until: date(v.until) });
  return t("coupons.validity.permanent");
}

/** A count that may be unlimited (stock, stock left, per member: null). */
export const countOrUnlimited = (n) => (n === null || n === undefined ? t("coupons.unlimited") : points(n));

export function DefinitionStatus({ status }) {
  return html`<${Badge} kind=${status === "enabled" ? "ok" : "bad"}>
    ${status === "enabled" ? t("common.enabled") : t("common.disabled")}
  <//>`;
}

export const MEMBER_STATUSES = ["available", "used", "expired", "void"];

/** A member's coupon's status: available, used, expired or void (erased member). */
export function CouponStatus({ status }) {
  const text = MEMBER_STATUSES.includes(status) ? t(`coupons.status.${status}`) : status;
  return html`<${Badge} kind=${status === "available" ? "ok" : status === "used" ? "neutral" : "bad"}>${text}<//>`;
}

/** Until when a member's coupon can be used (an instant in the shop's zone). */
export const validUntil = (c) => (c.valid_until ? when(c.valid_until) : "—");

export function Coupons({ session }) {
  const load = useLoad(() => get("/admin/coupons"), []);
  const manager = session.can("manage");
  return html`<div class="cards-screen">
    <div class="cards-head">
      <hgroup>
        <h1>${t("coupons.title")}</h1>
        <p>${t("coupons.intro")}</p>
      </hgroup>
      ${manager ? html`<a href="#/coupons/new" role="button">${t("coupons.new")}</a>` : null}
    </div>
    <${Loaded} load=${load} empty=${t("coupons.empty")} isEmpty=${(d) => !d.items.length}>
      ${(data) => html`
        <div class="overflow-auto">
          <table class="striped">
            <caption class="visually-hidden">${t("coupons.title")}</caption>
            <thead>
              <tr>
                <th scope="col">${t("common.name")}</th>
                <th scope="col">${t("coupons.kind")}</th>
                <th scope="col">${t("coupons.benefit")}</th>
                <th scope="col">${t("coupons.validity")}</th>
                <th scope="col" class="num">${t("coupons.issued")}</th>
                <th scope="col" class="num">${t("coupons.used")}</th>
                <th scope="col" class="num">${t("coupons.stock_left")}</th>
                <th scope="col">${t("common.status")}</th>
              </tr>
            </thead>
            <tbody>
              ${data.items.map(
                (c) => html`<tr key=${c.coupon_id}>
                  <td><a href=${`#/coupons/${encodeURIComponent(c.coupon_id)}`}>${c.name}</a></td>
                  <td>${kindLabel(c.kind)}</td>
                  <td>${benefitText(c)}</td>
                  <td>${validityText(c.validity)}</td>
                  <td class="num">${points(c.issued)}</td>
                  <td class="num">${points(c.used)}</td>
                  <td class="num">${countOrUnlimited(c.stock_left)}</td>
                  <td><${DefinitionStatus} status=${c.status} /></td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <p><small>${t("coupons.limit_hint")}</small></p>
      `}
    <//>
  </div>`;
}
