// A benefit card's settings (000, 002): a new card of any kind, or an existing one's (its
// kind, price and rule stay as made): basics, validity, sale, rule, benefits, gift pack.
import { useState } from "preact/hooks";
import { call, seg } from "../api.js";
import { t } from "../i18n.js";
import { Field, Problem, fieldOf, html, useAction } from "../ui.js";
import { useForm } from "../form.js";
import { CouponCounts, fromCounts, toCounts, useCouponDefs } from "./coupon-counts.js";

export const kindLabel = (kind) => t(`cards.kind.${kind}`);
export const ZERO = /^0*(\.0*)?$/;
const lines = (s) =>
  s
    .split("\n")
    .map((x) => x.trim())
    .filter(Boolean);
/** A whole number as typed: a number when it is one, else the text for the server to refuse. */
const whole = (s) => {
  const v = String(s ?? "").trim();
  if (v === "") return undefined;
  return /^\d+$/.test(v) ? Number(v) : v;
};

function initial(card) {
  const v = card?.validity || { kind: "permanent" };
  const g = card?.gift_pack || {};
  const r = card?.rule || {};
  const ruleKind = Object.keys(r)[0] || "cumulative_spend";
  return {
    kind: card?.kind || "free",
    name: card?.name || "",
    description: card?.description || "",
    service_phone: card?.service_phone || "",
    validity: v.kind,
    days: v.days ? String(v.days) : "365",
    from: v.from || "",
    until: v.until || "",
    benefits: (card?.benefits || []).map((b) => ({ ...b })),
    gift_points: g.points ? String(g.points) : "",
    gift_credit: g.credit && !ZERO.test(g.credit) ? g.credit : "",
    coupons: toCounts(g.coupons),
    gifts: (g.gifts || []).join("\n"),
    require_phone: !!card?.require_phone,
    price: card?.price || "",
    stock: card?.stock != null ? String(card.stock) : "",
    stock_shards: String(card?.stock_shards || 1),
    rule_kind: ruleKind,
    rule_value: r[ruleKind] != null ? String(r[ruleKind]) : "",
  };
}

function bodyOf(s, start) {
  const validity =
    s.validity === "days"
      ? { kind: "days", days: whole(s.days) }
      : s.validity === "range"
        ? { kind: "range", from: s.from, until: s.until }
        : { kind: "permanent" };
  const gift_pack = { points: whole(s.gift_points) ?? 0, coupons: fromCounts(s.coupons), gifts: lines(s.gifts) };
  if (s.gift_credit.trim()) gift_pack.credit = s.gift_credit.trim();
  const benefits = s.benefits.map((b) =>
    b.kind === "discount"
      ? { kind: b.kind, percent: whole(b.percent) }
      : b.kind === "points_multiplier"
        ? { kind: b.kind, factor: String(b.factor ?? "").trim() }
        : b.kind === "custom"
          ? { kind: b.kind, text: b.text || "" }
          : { kind: b.kind },
  );
  const body = {
    name: s.name,
    description: s.description,
    service_phone: s.service_phone,
    validity,
    benefits,
    gift_pack,
  };
  if (s.kind === "free") body.require_phone = s.require_phone;
  if (!start) {
    // A new card: its kind, and what only that kind has.
    body.kind = s.kind;
    if (s.kind === "paid") {
      body.price = s.price.trim();
      body.stock = whole(s.stock);
      body.stock_shards = whole(s.stock_shards);
    }
    if (s.kind === "rule") {
      body.rule = { [s.rule_kind]: s.rule_kind === "cumulative_spend" ? s.rule_value.trim() : whole(s.rule_value) };
    }
  } else if (s.kind === "paid") {
    // Stock is what is left to sell: sent only when changed, so sales meanwhile stay counted.
    if (s.stock !== start.stock) body.stock = whole(s.stock);
    if (s.stock_shards !== start.stock_shards) body.stock_shards = whole(s.stock_shards);
  }
  return body;
}

const BENEFIT_KINDS = ["discount", "free_shipping", "points_multiplier", "trial", "custom"];

/** The card's settings: new (every kind) or editing (kind, price and rule stay as made). */
export function CardForm({ card, editable, onSaved, justSaved }) {
  const [start] = useState(() => initial(card));
  const f = useForm(start);
  const s = f.doc;
  const setS = f.reset;
  const set = f.on;
  const [adding, setAdding] = useState("discount");
  const a = useAction();
  const defs = useCouponDefs();
  const isNew = !card;
  const where = fieldOf(a.error, [
    "stock_shards", "stock", "price", "name", "gift pack", "coupons", "credit",
    "percent", "factor", "benefit", "benefits", "validity", "rule", "phone",
  ]);
  const at = (...names) => (where && names.includes(where) ? a.error : null);
  const submit = async (e) => {
    e.preventDefault();
    const body = bodyOf(s, isNew ? null : start);
    const done = await a.run((key) =>
      isNew
        ? call("POST", "/admin/cards", { body, key })
        : call("PATCH", `/admin/cards/${seg(card.card_id)}`, { body }),
    );
    if (done !== undefined) onSaved(done);
  };
  const setBenefit = (i, k) => f.on(["benefits", i, k]);
  const removeBenefit = (i) => setS((p) => ({ ...p, benefits: p.benefits.filter((_, j) => j !== i) }));
  const present = new Set(s.benefits.map((b) => b.kind));
  const addable = BENEFIT_KINDS.filter((k) => k === "custom" || !present.has(k));
  const adds = addable.includes(adding) ? adding : addable[0];
  const addBenefit = () =>
    setS((p) => ({
      ...p,
      benefits: [...p.benefits, adds === "discount" ? { kind: adds, percent: "90" } : adds === "points_multiplier" ? { kind: adds, factor: "2" } : adds === "custom" ? { kind: adds, text: "" } : { kind: adds }],
    }));
  const dis = !editable || a.busy;
  return html`<form onSubmit=${submit} class="card-form" novalidate>
    ${where ? null : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
    <fieldset>
      <legend>${t("card.kind_legend")}</legend>
      ${["free", "paid", "rule"].map(
        (k) => html`<label>
          <input type="radio" name="kind" value=${k} checked=${s.kind === k} disabled=${dis || !isNew} onChange=${set("kind")} />
          <strong>${kindLabel(k)}</strong> — <small>${t(`card.kind_hint.${k}`)}</small>
        </label>`,
      )}
      ${!isNew ? html`<small>${t("card.kind_fixed")}</small>` : null}
    </fieldset>

    <fieldset>
      <legend>${t("card.basics")}</legend>
      <${Field} label=${t("card.field.name")} error=${at("name")} hint=${t("card.field.name_hint")}>
        <input value=${s.name} onInput=${set("name")} disabled=${dis} required maxlength="100" />
      <//>
      <${Field} label=${t("card.field.description")} hint=${t("card.field.description_hint")}>
        <textarea rows="3" value=${s.description} onInput=${set("description")} disabled=${dis}></textarea>
      <//>
      <${Field} label=${t("card.field.service_phone")}>
        <input type="tel" value=${s.service_phone} onInput=${set("service_phone")} disabled=${dis} autocomplete="off" />
      <//>
    </fieldset>

    <fieldset>
      <legend>${t("card.validity")}</legend>
      ${["permanent", "days", "range"].map(
        (k) => html`<label>
          <input type="radio" name="validity" value=${k} checked=${s.validity === k} disabled=${dis} onChange=${set("validity")} />
          ${t(`card.validity.${k}`)}
        </label>`,
      )}
      ${s.validity === "days"
        ? html`<${Field} label=${t("card.field.days")} error=${at("validity")} hint=${s.kind === "paid" ? t("card.field.days_hint_paid") : t("card.field.days_hint")}>
            <input type="number" min="1" inputmode="numeric" value=${s.days} onInput=${set("days")} disabled=${dis} />
          <//>`
        : null}
      ${s.validity === "range"
        ? html`<div class="grid">
            <${Field} label=${t("card.field.from")} error=${at("validity")}>
              <input type="date" value=${s.from} onInput=${set("from")} disabled=${dis} />
            <//>
            <${Field} label=${t("card.field.until")}>
              <input type="date" value=${s.until} onInput=${set("until")} disabled=${dis} />
            <//>
          </div>`
        : s.validity === "permanent" && at("validity")
          ? html`<${Problem} error=${a.error} />`
          : null}
      ${!isNew ? html`<small>${t("card.validity_edit_hint")}</small>` : null}
    </fieldset>

    ${s.kind === "paid"
      ? html`<fieldset>
          <legend>${t("card.sale")}</legend>
          <div class="grid">
            <${Field} label=${t("card.field.price")} error=${at("price")} hint=${isNew ? t("card.field.price_hint") : t("card.field.price_fixed")}>
              <input inputmode="decimal" value=${s.price} onInput=${set("price")} disabled=${dis || !isNew} autocomplete="off" />
            <//>
            <${Field} label=${t("card.field.stock")} error=${at("stock")} hint=${t("card.field.stock_hint")}>
              <input type="number" min="0" inputmode="numeric" value=${s.stock} onInput=${set("stock")} disabled=${dis} />
            <//>
            <${Field} label=${t("card.field.stock_shards")} error=${at("stock_shards")} hint=${t("card.field.stock_shards_hint")}>
              <input type="number" min="1" max="64" inputmode="numeric" value=${s.stock_shards} onInput=${set("stock_shards")} disabled=${dis} />
            <//>
          </div>
        </fieldset>`
      : null}

    ${s.kind === "rule"
      ? html`<fieldset>
          <legend>${t("card.rule")}</legend>
          <p><small>${t("card.rule_hint")}</small></p>
          <div class="grid">
            <${Field} label=${t("card.field.rule_kind")}>
              <select value=${s.rule_kind} onChange=${set("rule_kind")} disabled=${dis || !isNew}>
                ${["cumulative_spend", "orders", "points", ...(s.rule_kind === "level" ? ["level"] : [])].map(
                  (k) => html`<option value=${k}>${t(`card.rule.${k}`)}</option>`,
                )}
              </select>
            <//>
            <${Field}
              label=${t(`card.rule.${s.rule_kind}_value`)}
              error=${at("rule")}
              hint=${isNew ? null : t("card.rule_fixed")}
            >
              <input inputmode=${s.rule_kind === "cumulative_spend" ? "decimal" : "numeric"} value=${s.rule_value} onInput=${set("rule_value")} disabled=${dis || !isNew} autocomplete="off" />
            <//>
          </div>
        </fieldset>`
      : null}

    <fieldset>
      <legend>${t("card.benefits")}</legend>
      <p><small>${t("card.benefits_hint")}</small></p>
      ${at("percent", "factor", "benefit", "benefits") ? html`<${Problem} error=${a.error} />` : null}
      ${s.benefits.length
        ? html`<ul class="benefit-list">
            ${s.benefits.map(
              (b, i) => html`<li key=${i} class="benefit-row">
                <div class="benefit-main">
                  ${b.kind === "discount"
                    ? html`<${Field} label=${t("card.benefit.discount_percent")} hint=${t("card.benefit.discount_hint")}>
                        <input type="number" min="1" max="99" inputmode="numeric" value=${b.percent} onInput=${setBenefit(i, "percent")} disabled=${dis} />
                      <//>`
                    : b.kind === "points_multiplier"
                      ? html`<${Field} label=${t("card.benefit.multiplier_factor")} hint=${t("card.benefit.multiplier_hint")}>
                          <input inputmode="decimal" value=${b.factor} onInput=${setBenefit(i, "factor")} disabled=${dis} autocomplete="off" />
                        <//>`
                      : b.kind === "custom"
                        ? html`<${Field} label=${t("card.benefit.custom_text")}>
                            <input value=${b.text} onInput=${setBenefit(i, "text")} disabled=${dis} />
                          <//>`
                        : html`<p><strong>${t(`card.benefit.${b.kind}`)}</strong></p>`}
                </div>
                ${editable
                  ? html`<button type="button" class="secondary outline" disabled=${a.busy} onClick=${() => removeBenefit(i)}>
                      ${t("common.remove")}<span class="visually-hidden">: ${t(`card.benefit.${b.kind}`)}</span>
                    </button>`
                  : null}
              </li>`,
            )}
          </ul>`
        : html`<p class="empty">${t("card.benefits_none")}</p>`}
      ${editable && addable.length
        ? html`<div class="row benefit-add">
            <${Field} label=${t("card.benefit.add_label")}>
              <select value=${adds} onChange=${(e) => setAdding(e.currentTarget.value)} disabled=${a.busy}>
                ${addable.map((k) => html`<option value=${k}>${t(`card.benefit.${k}`)}</option>`)}
              </select>
            <//>
            <button type="button" class="secondary" disabled=${a.busy} onClick=${addBenefit}>${t("card.benefit.add")}</button>
          </div>`
        : null}
    </fieldset>

    <fieldset>
      <legend>${t("card.gift_pack")}</legend>
      <p><small>${t("card.gift_pack_hint")}</small></p>
      ${at("gift pack", "coupons", "credit") ? html`<${Problem} error=${a.error} />` : null}
      <div class="grid">
        <${Field} label=${t("card.gift.points")}>
          <input type="number" min="0" inputmode="numeric" value=${s.gift_points} onInput=${set("gift_points")} disabled=${dis} placeholder="0" />
        <//>
        <${Field} label=${t("card.gift.credit")}>
          <input inputmode="decimal" value=${s.gift_credit} onInput=${set("gift_credit")} disabled=${dis} placeholder="0.00" autocomplete="off" />
        <//>
      </div>
      <${CouponCounts} f=${f} path=${["coupons"]} defs=${defs} disabled=${dis} />
      <${Field} label=${t("card.gift.gifts")} hint=${t("card.gift.one_per_line")}>
        <textarea rows="3" value=${s.gifts} onInput=${set("gifts")} disabled=${dis}></textarea>
      <//>
    </fieldset>

    ${s.kind === "free"
      ? html`<fieldset>
          <legend>${t("card.advanced")}</legend>
          <label>
            <input type="checkbox" role="switch" checked=${s.require_phone} onChange=${set("require_phone")} disabled=${dis} />
            ${t("card.field.require_phone")}
          </label>
          ${at("phone") ? html`<${Problem} error=${a.error} />` : html`<small>${t("card.field.require_phone_hint")}</small>`}
        </fieldset>`
      : null}

    ${editable
      ? html`<div class="row">
          <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>
            ${isNew ? t("card.create") : t("common.save")}
          </button>
          ${isNew ? html`<a href="#/cards" class="secondary">${t("common.cancel")}</a>` : null}
          ${justSaved && !a.error ? html`<span role="status">${t("common.saved")}</span>` : null}
        </div>`
      : null}
  </form>`;
}
