// A new coupon definition (API 1.3 "Coupons"): the kind first, then only the fields that
// kind has, its conditions, validity and limits. The terms are fixed once made (they are
// copied onto every coupon issued), so this form only ever creates.
import { call } from "../api.js";
import { t } from "../i18n.js";
import { Problem, fieldOf, html, useAction } from "../ui.js";
// Area and Check read their path as a list (["text"]); Text takes a name or a list.
import { Area, Check, Text, dec, int, list, useForm } from "../form.js";
import { KINDS, kindLabel } from "./coupons.js";

const START = {
  kind: "amount_off",
  name: "",
  text: "",
  amount: "",
  percent: "90",
  max_discount: "",
  gift: "",
  min_spend: "",
  categories: "",
  exclude_categories: "",
  member_price_lines: false,
  with_benefit: true,
  validity: "days",
  days: "30",
  from: "",
  until: "",
  stock: "",
  per_member: "1",
  claimable: false,
};

/**
 * The body POST /admin/coupons takes. Only the chosen kind's fields are sent: the server
 * refuses fields it does not know, and another kind's leftovers would be noise. Empty
 * numbers are null (unlimited); anything not a number goes as typed for the server to name.
 */
export function bodyOf(s) {
  const body = {
    name: s.name.trim(),
    kind: s.kind,
    min_spend: dec(s.min_spend) ?? "0.00",
    categories: list(s.categories).length ? list(s.categories) : null,
    exclude_categories: list(s.exclude_categories),
    member_price_lines: s.member_price_lines,
    with_benefit: s.with_benefit,
    validity: s.validity === "days" ? { kind: "days", days: int(s.days) } : { kind: "range", from: s.from, until: s.until },
    stock: int(s.stock),
    per_member: int(s.per_member),
    claimable: s.claimable,
    text: s.text.trim(),
  };
  if (s.kind === "amount_off") body.amount = dec(s.amount);
  if (s.kind === "percent_off") {
    body.percent = int(s.percent);
    if (dec(s.max_discount)) body.max_discount = dec(s.max_discount);
  }
  if (s.kind === "gift") body.gift = s.gift.trim();
  return body;
}

const PLACED = [
  "max_discount", "amount", "percent", "gift", "min_spend", "exclude_categories", "categories",
  "name", "text", "stock", "per_member", "validity",
];

export function CouponForm({ onSaved }) {
  const a = useAction();
  const f = useForm(START, true, () => a.error && !a.busy && a.clear());
  const s = f.doc;
  const where = fieldOf(a.error, PLACED);
  const at = (name) => (where === name ? a.error : null);
  const submit = async (e) => {
    e.preventDefault();
    const body = bodyOf(s);
    const done = await a.run((key) => call("POST", "/admin/coupons", { body, key }));
    if (done !== undefined) onSaved(done);
  };
  const dis = a.busy;
  return html`<form onSubmit=${submit} class="card-form" novalidate>
    <fieldset>
      <legend>${t("coupon.kind_legend")}</legend>
      ${KINDS.map(
        (k) => html`<label>
          <input type="radio" name="kind" value=${k} checked=${s.kind === k} disabled=${dis} onChange=${f.on("kind")} />
          <strong>${kindLabel(k)}</strong> — <small>${t(`coupon.kind_hint.${k}`)}</small>
        </label>`,
      )}
    </fieldset>

    <fieldset>
      <legend>${t("coupon.basics")}</legend>
      <${Text} f=${f} path="name" label=${t("coupon.field.name")} hint=${t("coupon.field.name_hint")}
        error=${at("name")} disabled=${dis} required maxlength="100" autocomplete="off" />
      ${s.kind === "amount_off"
        ? html`<${Text} f=${f} path="amount" label=${t("coupon.field.amount")} error=${at("amount")}
            disabled=${dis} inputmode="decimal" autocomplete="off" placeholder="10.00" required />`
        : null}
      ${s.kind === "percent_off"
        ? html`<div class="grid">
            <${Text} f=${f} path="percent" label=${t("coupon.field.percent")} hint=${t("coupon.field.percent_hint")}
              error=${at("percent")} disabled=${dis} type="number" min="1" max="99" inputmode="numeric" required />
            <${Text} f=${f} path="max_discount" label=${t("coupon.field.max_discount")} hint=${t("coupon.field.max_discount_hint")}
              error=${at("max_discount")} disabled=${dis} inputmode="decimal" autocomplete="off" />
          </div>`
        : null}
      ${s.kind === "gift"
        ? html`<${Text} f=${f} path="gift" label=${t("coupon.field.gift")} hint=${t("coupon.field.gift_hint")}
            error=${at("gift")} disabled=${dis} maxlength="100" autocomplete="off" required />`
        : null}
      ${s.kind === "free_shipping" ? html`<p><small>${t("coupon.free_shipping_hint")}</small></p>` : null}
      <${Area} f=${f} path=${["text"]} label=${t("coupon.field.text")} hint=${t("coupon.field.text_hint")} error=${at("text")} />
    </fieldset>

    ${s.kind === "gift"
      ? null
      : html`<fieldset>
          <legend>${t("coupon.conditions")}</legend>
          <${Text} f=${f} path="min_spend" label=${t("coupon.field.min_spend")} hint=${t("coupon.field.min_spend_hint")}
            error=${at("min_spend")} disabled=${dis} inputmode="decimal" autocomplete="off" placeholder="0.00" />
          <div class="grid">
            <${Text} f=${f} path="categories" label=${t("coupon.field.categories")} hint=${t("coupon.field.categories_hint")}
              error=${at("categories")} disabled=${dis} autocomplete="off" />
            <${Text} f=${f} path="exclude_categories" label=${t("coupon.field.exclude_categories")}
              hint=${t("coupon.field.exclude_categories_hint")} error=${at("exclude_categories")} disabled=${dis} autocomplete="off" />
          </div>
          <${Check} f=${f} path=${["member_price_lines"]} label=${t("coupon.field.member_price_lines")} />
          <${Check} f=${f} path=${["with_benefit"]} label=${t("coupon.field.with_benefit")} hint=${t("coupon.field.with_benefit_hint")} />
        </fieldset>`}

    <fieldset>
      <legend>${t("coupons.validity")}</legend>
      ${["days", "range"].map(
        (k) => html`<label>
          <input type="radio" name="validity" value=${k} checked=${s.validity === k} disabled=${dis} onChange=${f.on("validity")} />
          ${t(`coupon.validity.${k}`)}
        </label>`,
      )}
      ${s.validity === "days"
        ? html`<${Text} f=${f} path="days" label=${t("coupon.field.days")} hint=${t("coupon.field.days_hint")}
            error=${at("validity")} disabled=${dis} type="number" min="1" inputmode="numeric" />`
        : html`<div class="grid">
            <${Text} f=${f} path="from" label=${t("coupon.field.from")} error=${at("validity")} disabled=${dis} type="date" />
            <${Text} f=${f} path="until" label=${t("coupon.field.until")} hint=${t("coupon.field.until_hint")} disabled=${dis} type="date" />
          </div>`}
    </fieldset>

    <fieldset>
      <legend>${t("coupon.limits")}</legend>
      <div class="grid">
        <${Text} f=${f} path="stock" label=${t("coupon.field.stock")} hint=${t("coupon.field.stock_hint")}
          error=${at("stock")} disabled=${dis} type="number" min="0" inputmode="numeric" />
        <${Text} f=${f} path="per_member" label=${t("coupon.field.per_member")} hint=${t("coupon.field.per_member_hint")}
          error=${at("per_member")} disabled=${dis} type="number" min="1" inputmode="numeric" />
      </div>
      <${Check} f=${f} path=${["claimable"]} label=${t("coupon.field.claimable")} hint=${t("coupon.field.claimable_hint")} sw=${true} />
    </fieldset>

    ${where ? null : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
    <div class="row">
      <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("coupon.create")}</button>
      <a href="#/coupons" class="secondary">${t("common.cancel")}</a>
    </div>
  </form>`;
}
