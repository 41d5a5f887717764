// One benefit card (000, 002): its figures, the claim link and QR code handed out at the
// till or printed, its settings (managers edit, everyone else reads), enable/disable,
// list/delist, delete, and its claim and return records with the refund of a paid card.
import { useEffect, useState } from "preact/hooks";
import { call, get, imageUrl, seg, withQuery } from "../api.js";
import { dateTime, money, points } from "../format.js";
import { t } from "../i18n.js";
import {
  Badge,
  Dialog,
  Field,
  Loaded,
  Pager,
  Problem,
  fieldOf,
  html,
  useAction,
  useLoad,
  usePages,
} from "../ui.js";

const kindLabel = (kind) => t(`cards.kind.${kind}`);
const ZERO = /^0*(\.0*)?$/;
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

export function Card({ session, params, navigate }) {
  const id = params[0];
  if (id === "new") {
    if (!session.can("manage")) {
      return html`<div class="cards-screen">
        <h1>${t("common.not_allowed_title")}</h1>
        <p>${t("common.forbidden")}</p>
        <p><a href="#/cards">${t("card.back")}</a></p>
      </div>`;
    }
    return html`<div class="cards-screen">
      <${Crumbs} />
      <hgroup>
        <h1>${t("card.new_title")}</h1>
        <p>${t("card.new_intro")}</p>
      </hgroup>
      <${CardForm} editable=${true} onSaved=${(c) => navigate(`/cards/${c.card_id}`)} />
    </div>`;
  }
  return html`<${CardPage} id=${id} session=${session} />`;
}

function Crumbs() {
  return html`<nav aria-label=${t("card.breadcrumb")} class="no-print">
    <ul>
      <li><a href="#/cards">${t("cards.title")}</a></li>
    </ul>
  </nav>`;
}

function validityText(v) {
  if (!v || v.kind === "permanent") return t("card.validity.permanent");
  if (v.kind === "days") return t("card.validity.days_n", { n: points(v.days) });
  return t("card.validity.range_text", { from: v.from, until: v.until });
}

function ruleText(rule) {
  if (!rule) return "—";
  if (rule.cumulative_spend != null) return t("card.rule.spend_text", { amount: money(rule.cumulative_spend) });
  if (rule.orders != null) return t("card.rule.orders_text", { n: points(rule.orders) });
  if (rule.points != null) return t("card.rule.points_text", { n: points(rule.points) });
  if (rule.level != null) return t("card.rule.level_text", { level: rule.level });
  return "—";
}

function benefitText(b) {
  if (b.kind === "discount") return t("card.benefit.discount_text", { percent: b.percent, off: 100 - b.percent });
  if (b.kind === "points_multiplier") return t("card.benefit.multiplier_text", { factor: b.factor });
  if (b.kind === "custom") return b.text;
  return t(`card.benefit.${b.kind}`);
}

function CardPage({ id, session }) {
  const load = useLoad(() => get(`/admin/cards/${seg(id)}`), [id]);
  const [rev, setRev] = useState(0);
  const [saved, setSaved] = useState(0);
  const manager = session.can("manage");
  const changed = () => {
    load.reload();
    setRev((r) => r + 1);
  };
  return html`<div class="cards-screen">
    <${Crumbs} />
    <${Loaded} load=${load}>
      ${(card) => html`
        <hgroup>
          <h1>${card.name}</h1>
          <p class="row no-print">
            <span>${kindLabel(card.kind)}</span>
            <${Badge} kind=${card.status === "enabled" ? "ok" : "bad"}>
              ${card.status === "enabled" ? t("common.enabled") : t("common.disabled")}
            <//>
            ${card.kind === "paid"
              ? html`<${Badge} kind=${card.listed ? "ok" : "bad"}>
                  ${card.listed ? t("cards.on_sale") : t("cards.off_sale")}
                <//>`
              : null}
          </p>
        </hgroup>
        <${Figures} card=${card} />
        ${manager ? html`<${Actions} card=${card} onChanged=${changed} />` : null}
        <${ClaimLink} card=${card} />
        <${Claims} card=${card} manager=${manager} rev=${rev} onChanged=${changed} />
        <${Returns} card=${card} rev=${rev} />
        ${manager
          ? html`<article class="no-print">
              <h2>${t("card.settings")}</h2>
              <${CardForm}
                key=${saved}
                card=${card}
                editable=${true}
                justSaved=${saved > 0}
                onSaved=${() => {
                  setSaved((s) => s + 1);
                  load.reload();
                }}
              />
            </article>`
          : html`<${Summary} card=${card} />`}
      `}
    <//>
  </div>`;
}

function Figures({ card }) {
  return html`<div class="grid cards-figures no-print">
    <article>
      <small>${t("cards.holders")}</small>
      <div class="figure">${points(card.holders)}</div>
    </article>
    ${card.kind === "paid"
      ? html`<article>
            <small>${t("cards.price")}</small>
            <div class="figure">${money(card.price)}</div>
          </article>
          <article>
            <small>${t("card.stock_left")}</small>
            <div class="figure">${points(card.stock)}</div>
            <small>${t("cards.shards_n", { n: card.stock_shards })}</small>
          </article>`
      : null}
    ${card.kind === "rule"
      ? html`<article>
          <small>${t("card.rule")}</small>
          <div class="figure-text">${ruleText(card.rule)}</div>
        </article>`
      : null}
    <article>
      <small>${t("card.validity")}</small>
      <div class="figure-text">${validityText(card.validity)}</div>
    </article>
  </div>`;
}

/** Enable/disable, list/delist (paid) and delete; the steps members notice are confirmed. */
function Actions({ card, onChanged }) {
  const a = useAction();
  const [confirm, setConfirm] = useState(null);
  const path = `/admin/cards/${seg(card.card_id)}`;
  const patch = (body) =>
    a.run(() => call("PATCH", path, { body })).then((done) => done !== undefined && onChanged());
  const remove = () =>
    a.run(() => call("DELETE", path)).then((done) => {
      if (done !== undefined) location.hash = "#/cards";
    });
  const steps = {
    disable: { title: t("card.confirm.disable_title"), text: t("card.confirm.disable_text"), label: t("card.disable"), go: () => patch({ status: "disabled" }) },
    delist: { title: t("card.confirm.delist_title"), text: t("card.confirm.delist_text"), label: t("card.delist"), go: () => patch({ listed: false }) },
    delete: { title: t("card.confirm.delete_title"), text: t("card.confirm.delete_text"), label: t("common.delete"), go: remove },
  };
  const step = confirm && steps[confirm];
  return html`<section class="no-print" aria-label=${t("common.actions")}>
    <div class="row card-actions">
      ${card.status === "enabled"
        ? html`<button type="button" class="secondary" disabled=${a.busy} onClick=${() => setConfirm("disable")}>${t("card.disable")}</button>`
        : html`<button type="button" disabled=${a.busy} onClick=${() => patch({ status: "enabled" })}>${t("card.enable")}</button>`}
      ${card.kind === "paid"
        ? card.listed
          ? html`<button type="button" class="secondary" disabled=${a.busy} onClick=${() => setConfirm("delist")}>${t("card.delist")}</button>`
          : html`<button type="button" disabled=${a.busy} onClick=${() => patch({ listed: true })}>${t("card.list")}</button>`
        : null}
      <button type="button" class="secondary outline danger" disabled=${a.busy} onClick=${() => setConfirm("delete")}>
        ${t("common.delete")}
      </button>
    </div>
    ${a.error && a.error.code === "card_in_use"
      ? html`<div class="problem" role="alert">
          <span>${a.error.detail} ${t("card.in_use_hint")}</span>
          ${card.status === "enabled"
            ? html`<button type="button" class="secondary" onClick=${() => setConfirm("disable")}>${t("card.disable")}</button>`
            : null}
        </div>`
      : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
    <${Dialog} open=${!!step} title=${step?.title} onClose=${() => setConfirm(null)}>
      ${step
        ? html`<p>${step.text}</p>
            <footer>
              <button type="button" class="secondary" onClick=${() => setConfirm(null)}>${t("common.cancel")}</button>
              <button
                type="button"
                onClick=${() => {
                  setConfirm(null);
                  step.go();
                }}
              >
                ${step.label}
              </button>
            </footer>`
        : null}
    <//>
  </section>`;
}

/** The claim link and its QR code (000: free and paid cards by link or QR; rule cards never). */
function ClaimLink({ card }) {
  const url = card.kind === "rule" ? null : card.claim_url;
  const qr = useLoad(
    () => (url ? imageUrl(`/admin/cards/${seg(card.card_id)}/qr`) : null),
    [card.card_id, url],
  );
  useEffect(() => () => qr.data && URL.revokeObjectURL(qr.data), [qr.data]);
  if (card.kind === "rule") {
    return html`<article class="no-print">
      <h2>${t("card.claim.title")}</h2>
      <p class="notice">${t("card.claim.rule")}</p>
    </article>`;
  }
  return html`<article class="card-claim">
    <h2 class="no-print">${t("card.claim.title")}</h2>
    ${url
      ? html`<div class="card-claim-body">
          <div class="qr">
            ${qr.loading && !qr.data
              ? html`<p aria-busy="true">${t("common.loading")}</p>`
              : qr.error
                ? html`<${Problem} error=${qr.error} onRetry=${qr.reload} />`
                : html`<img src=${qr.data} alt=${t("card.claim.qr_alt", { name: card.name, url })} width="256" height="256" />`}
          </div>
          <div>
            <p class="no-print">${card.kind === "paid" ? t("card.claim.paid_hint") : t("card.claim.free_hint")}</p>
            <p class="print-only">${t("card.claim.scan")}</p>
            <p><small>${t("card.claim.link")}</small><br /><a href=${url} target="_blank" rel="noopener noreferrer" class="claim-url">${url}</a></p>
            ${card.status !== "enabled" ? html`<p class="notice no-print">${t("card.claim.disabled")}</p>` : null}
            <button type="button" class="no-print" onClick=${() => window.print()}>${t("common.print")}</button>
          </div>
        </div>`
      : html`<p class="notice">
          ${t("card.claim.not_set")} <a href="#/settings">${t("card.claim.to_settings")}</a>
        </p>`}
  </article>`;
}

/** What a non-manager sees of the card's settings. */
function Summary({ card }) {
  const g = card.gift_pack || {};
  const gifts = [
    g.points ? t("card.gift.points_text", { n: points(g.points) }) : null,
    g.credit && !ZERO.test(g.credit) ? t("card.gift.credit_text", { amount: money(g.credit) }) : null,
    ...(g.coupons || []).map((c) => t("card.gift.coupon_text", { name: c })),
    ...(g.gifts || []).map((c) => t("card.gift.gift_text", { name: c })),
  ].filter(Boolean);
  return html`<article class="no-print">
    <h2>${t("card.settings")}</h2>
    <dl class="card-summary">
      <dt>${t("card.field.description")}</dt>
      <dd>${card.description || "—"}</dd>
      <dt>${t("card.field.service_phone")}</dt>
      <dd>${card.service_phone || "—"}</dd>
      <dt>${t("card.validity")}</dt>
      <dd>${validityText(card.validity)}</dd>
      <dt>${t("card.benefits")}</dt>
      <dd>${card.benefits?.length ? html`<ul>${card.benefits.map((b) => html`<li>${benefitText(b)}</li>`)}</ul>` : t("common.none")}</dd>
      <dt>${t("card.gift_pack")}</dt>
      <dd>${gifts.length ? html`<ul>${gifts.map((x) => html`<li>${x}</li>`)}</ul>` : t("common.none")}</dd>
      ${card.kind === "free"
        ? html`<dt>${t("card.field.require_phone")}</dt><dd>${card.require_phone ? t("common.yes") : t("common.no")}</dd>`
        : null}
      ${card.kind === "rule" ? html`<dt>${t("card.rule")}</dt><dd>${ruleText(card.rule)}</dd>` : null}
    </dl>
  </article>`;
}

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
    coupons: (g.coupons || []).join("\n"),
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
  const gift_pack = { points: whole(s.gift_points) ?? 0, coupons: lines(s.coupons), gifts: lines(s.gifts) };
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
  const [s, setS] = useState(start);
  const [adding, setAdding] = useState("discount");
  const a = useAction();
  const isNew = !card;
  const set = (k) => (e) => {
    const el = e.currentTarget;
    setS((p) => ({ ...p, [k]: el.type === "checkbox" ? el.checked : el.value }));
  };
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
  const setBenefit = (i, k) => (e) => {
    const value = e.currentTarget.value;
    setS((p) => ({ ...p, benefits: p.benefits.map((b, j) => (j === i ? { ...b, [k]: value } : b)) }));
  };
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
      <div class="grid">
        <${Field} label=${t("card.gift.coupons")} hint=${t("card.gift.one_per_line")}>
          <textarea rows="3" value=${s.coupons} onInput=${set("coupons")} disabled=${dis}></textarea>
        <//>
        <${Field} label=${t("card.gift.gifts")} hint=${t("card.gift.one_per_line")}>
          <textarea rows="3" value=${s.gifts} onInput=${set("gifts")} disabled=${dis}></textarea>
        <//>
      </div>
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

/** 领卡记录: who got the card, newest first; a paid card's holder can be refunded (000). */
function Claims({ card, manager, rev, onChanged }) {
  const pages = usePages(
    (cursor) => get(withQuery(`/admin/cards/${seg(card.card_id)}/claims`, { cursor, limit: 20 })),
    [card.card_id, rev],
  );
  const [refunding, setRefunding] = useState(null);
  const canRefund = manager && card.kind === "paid";
  return html`<article class="no-print">
    <h2>${t("card.claims.title")}</h2>
    <${Loaded} load=${pages.load} empty=${t("card.claims.empty")} isEmpty=${(d) => !d.items.length}>
      ${(data) => html`<div class="overflow-auto">
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">${t("card.rec.at")}</th>
              <th scope="col">${t("card.rec.member")}</th>
              <th scope="col">${t("card.rec.card_no")}</th>
              <th scope="col">${t("card.rec.how")}</th>
              <th scope="col" class="num">${t("card.rec.paid")}</th>
              <th scope="col">${t("card.rec.gift_pack")}</th>
              ${canRefund ? html`<th scope="col">${t("common.actions")}</th>` : null}
            </tr>
          </thead>
          <tbody>
            ${data.items.map(
              (r) => html`<tr key=${r.card_no + r.at}>
                <td>${dateTime(r.at)}</td>
                <td><a href=${`#/members/${encodeURIComponent(r.member_id)}`}>${r.member_id}</a></td>
                <td><code>${r.card_no}</code></td>
                <td>${r.renewal ? t("card.rec.renewal") : r.kind === "paid" ? t("card.rec.bought") : r.kind === "rule" ? t("card.rec.by_rule") : t("card.rec.claimed")}</td>
                <td class="num">${r.paid ? money(r.paid) : "—"}</td>
                <td>${r.gift_pack_issued ? t("card.rec.issued") : "—"}</td>
                ${canRefund
                  ? html`<td>
                      ${r.kind === "paid"
                        ? html`<button type="button" class="secondary outline small" onClick=${() => setRefunding(r)}>
                            ${t("card.refund.open")}<span class="visually-hidden"> ${r.card_no}</span>
                          </button>`
                        : null}
                    </td>`
                  : null}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`}
    <//>
    <${Pager} ...${pages} />
    ${canRefund
      ? html`<${RefundDialog}
          record=${refunding}
          onClose=${() => setRefunding(null)}
          onDone=${() => {
            setRefunding(null);
            onChanged();
          }}
        />`
      : null}
  </article>`;
}

/** 退卡: money back (at most what was paid, empty = none), the unused gift pack optionally. */
function RefundDialog({ record, onClose, onDone }) {
  const [amount, setAmount] = useState("");
  const [reclaim, setReclaim] = useState(true);
  const [reason, setReason] = useState("");
  const a = useAction();
  useEffect(() => {
    setAmount("");
    setReclaim(true);
    setReason("");
    a.clear();
  }, [record?.card_no]);
  const submit = async (e) => {
    e.preventDefault();
    const body = { refund_amount: amount.trim() || null, reclaim_gifts: reclaim, reason: reason.trim() };
    const done = await a.run((key) =>
      call("POST", `/admin/member-cards/${seg(record.card_no)}/refund`, { body, key }),
    );
    if (done !== undefined) onDone(done);
  };
  const amountError = a.error && (a.error.code === "refund_exceeds_paid" || fieldOf(a.error, ["refund_amount"])) ? a.error : null;
  return html`<${Dialog} open=${!!record} title=${t("card.refund.title")} onClose=${onClose}>
    ${record
      ? html`<form onSubmit=${submit}>
          <p>${t("card.refund.who", { card_no: record.card_no, member: record.member_id })}
            ${record.paid ? html`<br />${t("card.refund.paid", { amount: money(record.paid) })}` : null}</p>
          ${amountError ? null : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
          <${Field} label=${t("card.refund.amount")} error=${amountError} hint=${t("card.refund.amount_hint")}>
            <input inputmode="decimal" value=${amount} onInput=${(e) => setAmount(e.currentTarget.value)} autocomplete="off" placeholder=${record.paid || ""} />
          <//>
          <label>
            <input type="checkbox" checked=${reclaim} onChange=${(e) => setReclaim(e.currentTarget.checked)} />
            ${t("card.refund.reclaim")}
          </label>
          <${Field} label=${t("card.refund.reason")}>
            <input value=${reason} onInput=${(e) => setReason(e.currentTarget.value)} maxlength="500" />
          <//>
          <footer>
            <button type="button" class="secondary" onClick=${onClose}>${t("common.cancel")}</button>
            <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("card.refund.submit")}</button>
          </footer>
        </form>`
      : null}
  <//>`;
}

function reclaimedText(r) {
  const x = r.reclaimed || {};
  const parts = [
    x.points ? t("card.gift.points_text", { n: points(x.points) }) : null,
    x.credit && !ZERO.test(x.credit) ? t("card.gift.credit_text", { amount: money(x.credit) }) : null,
    ...(x.items || []).map((i) => i.name),
  ].filter(Boolean);
  return parts.length ? parts.join(", ") : "—";
}

/** 退卡记录: every card returned, with the money and gifts taken back. */
function Returns({ card, rev }) {
  const pages = usePages(
    (cursor) => get(withQuery(`/admin/cards/${seg(card.card_id)}/returns`, { cursor, limit: 20 })),
    [card.card_id, rev],
  );
  return html`<article class="no-print">
    <h2>${t("card.returns.title")}</h2>
    <${Loaded} load=${pages.load} empty=${t("card.returns.empty")} isEmpty=${(d) => !d.items.length}>
      ${(data) => html`<div class="overflow-auto">
        <table class="striped">
          <thead>
            <tr>
              <th scope="col">${t("card.rec.at")}</th>
              <th scope="col">${t("card.rec.member")}</th>
              <th scope="col">${t("card.rec.card_no")}</th>
              <th scope="col" class="num">${t("card.rec.paid")}</th>
              <th scope="col" class="num">${t("card.rec.refunded")}</th>
              <th scope="col">${t("card.rec.reclaimed")}</th>
              <th scope="col">${t("card.refund.reason")}</th>
            </tr>
          </thead>
          <tbody>
            ${data.items.map(
              (r) => html`<tr key=${r.card_no + r.at}>
                <td>${dateTime(r.at)}</td>
                <td><a href=${`#/members/${encodeURIComponent(r.member_id)}`}>${r.member_id}</a></td>
                <td><code>${r.card_no}</code></td>
                <td class="num">${r.paid ? money(r.paid) : "—"}</td>
                <td class="num">${r.refund_amount ? money(r.refund_amount) : t("card.rec.no_money")}</td>
                <td>${reclaimedText(r)}</td>
                <td>${r.reason || "—"}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`}
    <//>
    <${Pager} ...${pages} />
  </article>`;
}
