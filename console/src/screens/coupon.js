// One coupon definition (API 1.3): its figures (issued, used, left), its terms as members
// get them, and for managers what may still change (name, text, stock, per-member limit,
// claimable), enable/disable, and delete while none was ever issued. `#/coupons/new` is
// the form for a new one.
import { useState } from "preact/hooks";
import { call, get, seg } from "../api.js";
import { dateTime, money, points } from "../format.js";
import { t } from "../i18n.js";
import { Crumbs, Dialog, Loaded, NewPage, Problem, fieldOf, html, useAction, useLoad } from "../ui.js";
import { Area, Check, SaveBar, Text, int, useForm } from "../form.js";
import { CouponForm } from "./coupon-form.js";
import { DefinitionStatus, ZERO, benefitText, countOrUnlimited, kindLabel, validityText } from "./coupons.js";

export function Coupon({ session, params, navigate }) {
  const id = params[0];
  if (id === "new") {
    return html`<${NewPage} session=${session} back="#/coupons" backLabel=${t("coupon.back")}
      crumbs=${html`<${CouponCrumbs} />`} title=${t("coupon.new_title")} intro=${t("coupon.new_intro")}>
      <${CouponForm} onSaved=${(c) => navigate(`/coupons/${c.coupon_id}`)} />
    </${NewPage}>`;
  }
  return html`<${CouponPage} id=${id} session=${session} />`;
}

function CouponCrumbs() {
  return html`<${Crumbs} label=${t("common.breadcrumb")} links=${[["#/coupons", t("coupons.title")]]} />`;
}

function CouponPage({ id, session }) {
  const load = useLoad(() => get(`/admin/coupons/${seg(id)}`), [id]);
  const manager = session.can("manage");
  return html`<div class="cards-screen">
    <${CouponCrumbs} />
    <${Loaded} load=${load}>
      ${(c) => html`
        <hgroup>
          <h1>${c.name}</h1>
          <p class="row"><span>${kindLabel(c.kind)}</span> <${DefinitionStatus} status=${c.status} /></p>
        </hgroup>
        <div class="grid cards-figures">
          <article><small>${t("coupons.issued")}</small><div class="figure">${points(c.issued)}</div></article>
          <article><small>${t("coupons.used")}</small><div class="figure">${points(c.used)}</div></article>
          <article><small>${t("coupons.stock_left")}</small><div class="figure">${countOrUnlimited(c.stock_left)}</div></article>
        </div>
        ${manager ? html`<${Actions} coupon=${c} onChanged=${load.reload} />` : null}
        <${Terms} c=${c} />
        ${manager ? html`<${Edit} coupon=${c} onSaved=${load.reload} />` : null}
      `}
    <//>
  </div>`;
}

const yesNo = (b) => (b ? t("common.yes") : t("common.no"));

/** The terms as made: fixed, since each issued coupon carries its own copy of them. */
function Terms({ c }) {
  return html`<article aria-labelledby="coupon-terms">
    <h2 id="coupon-terms">${t("coupon.terms")}</h2>
    <dl class="card-summary">
      <dt>${t("coupons.benefit")}</dt><dd>${benefitText(c)}</dd>
      ${c.kind === "gift"
        ? null
        : html`<dt>${t("coupon.field.min_spend")}</dt><dd>${c.min_spend && !ZERO.test(c.min_spend) ? money(c.min_spend) : t("common.none")}</dd>
            <dt>${t("coupon.field.categories")}</dt><dd>${c.categories?.length ? c.categories.join(", ") : t("coupon.all_categories")}</dd>
            <dt>${t("coupon.field.exclude_categories")}</dt><dd>${c.exclude_categories?.length ? c.exclude_categories.join(", ") : t("common.none")}</dd>
            <dt>${t("coupon.field.member_price_lines")}</dt><dd>${yesNo(c.member_price_lines)}</dd>
            <dt>${t("coupon.field.with_benefit")}</dt><dd>${yesNo(c.with_benefit)}</dd>`}
      <dt>${t("coupons.validity")}</dt><dd>${validityText(c.validity)}</dd>
      <dt>${t("coupon.field.stock")}</dt><dd>${countOrUnlimited(c.stock)}</dd>
      <dt>${t("coupon.field.per_member")}</dt><dd>${countOrUnlimited(c.per_member)}</dd>
      <dt>${t("coupon.field.claimable")}</dt><dd>${yesNo(c.claimable)}</dd>
      <dt>${t("coupon.field.text")}</dt><dd>${c.text || "—"}</dd>
      <dt>${t("coupon.created")}</dt><dd>${dateTime(c.created_at)}</dd>
    </dl>
    <p><small>${t("coupon.terms_fixed")}</small></p>
  </article>`;
}

/** Disable (confirmed: members notice), enable, and delete while none was ever issued. */
function Actions({ coupon, onChanged }) {
  const a = useAction();
  const [confirm, setConfirm] = useState(null);
  const path = `/admin/coupons/${seg(coupon.coupon_id)}`;
  const patch = (body) => a.run(() => call("PATCH", path, { body })).then((done) => done !== undefined && onChanged());
  const remove = () =>
    a.run(() => call("DELETE", path)).then((done) => {
      if (done !== undefined) location.hash = "#/coupons";
    });
  const steps = {
    disable: { title: t("coupon.confirm.disable_title"), text: t("coupon.confirm.disable_text"), label: t("coupon.disable"), go: () => patch({ status: "disabled" }) },
    delete: { title: t("coupon.confirm.delete_title"), text: t("coupon.confirm.delete_text"), label: t("common.delete"), go: remove },
  };
  const step = confirm && steps[confirm];
  return html`<section aria-label=${t("common.actions")}>
    <div class="row card-actions">
      ${coupon.status === "enabled"
        ? html`<button type="button" class="secondary" disabled=${a.busy} onClick=${() => setConfirm("disable")}>${t("coupon.disable")}</button>`
        : html`<button type="button" disabled=${a.busy} onClick=${() => patch({ status: "enabled" })}>${t("coupon.enable")}</button>`}
      ${coupon.issued === 0
        ? html`<button type="button" class="secondary outline danger" disabled=${a.busy} onClick=${() => setConfirm("delete")}>
            ${t("common.delete")}
          </button>`
        : null}
    </div>
    ${a.error && a.error.code === "coupon_in_use"
      ? html`<div class="problem" role="alert"><span>${a.error.detail} ${t("coupon.in_use_hint")}</span></div>`
      : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
    <${Dialog} open=${!!step} title=${step?.title} onClose=${() => setConfirm(null)}>
      ${step
        ? html`<p>${step.text}</p>
            <footer>
              <button type="button" class="secondary" onClick=${() => setConfirm(null)}>${t("common.cancel")}</button>
              <button type="button" onClick=${() => { setConfirm(null); step.go(); }}>${step.label}</button>
            </footer>`
        : null}
    <//>
  </section>`;
}

const editable = (c) => ({
  name: c.name,
  text: c.text || "",
  stock: c.stock === null || c.stock === undefined ? "" : String(c.stock),
  per_member: c.per_member === null || c.per_member === undefined ? "" : String(c.per_member),
  claimable: !!c.claimable,
});

const EDIT_FIELDS = ["per_member", "stock", "name", "text"];

/**
 * What may change after a coupon is made. Only what changed is sent: the stock is the
 * coupon's total, and sending it unchanged would reset the counters under issues that land
 * meanwhile.
 */
function Edit({ coupon, onSaved }) {
  const [start, setStart] = useState(() => editable(coupon));
  const a = useAction();
  const f = useForm(start);
  const save = (e) => {
    e.preventDefault();
    const now = f.doc;
    const body = {};
    if (now.name.trim() !== start.name) body.name = now.name.trim();
    if (now.text.trim() !== start.text) body.text = now.text.trim();
    if (now.stock.trim() !== start.stock) body.stock = int(now.stock);
    if (now.per_member.trim() !== start.per_member) body.per_member = int(now.per_member);
    if (now.claimable !== start.claimable) body.claimable = now.claimable;
    a.run(async () => {
      const stored = Object.keys(body).length
        ? await call("PATCH", `/admin/coupons/${seg(coupon.coupon_id)}`, { body })
        : coupon;
      const next = editable(stored);
      setStart(next);
      f.reset(next);
      onSaved();
      return stored;
    });
  };
  const where = fieldOf(a.error, EDIT_FIELDS);
  const at = (name) => (where === name ? a.error : null);
  return html`<article aria-labelledby="coupon-edit">
    <h2 id="coupon-edit">${t("coupon.edit")}</h2>
    <form onSubmit=${save} novalidate>
      <${Text} f=${f} path="name" label=${t("coupon.field.name")} error=${at("name")} maxlength="100" autocomplete="off" required />
      <${Area} f=${f} path=${["text"]} label=${t("coupon.field.text")} hint=${t("coupon.field.text_hint")} error=${at("text")} />
      <div class="grid">
        <${Text} f=${f} path="stock" label=${t("coupon.field.stock")} hint=${t("coupon.field.stock_edit_hint", { n: points(coupon.issued) })}
          error=${at("stock")} type="number" min=${coupon.issued} inputmode="numeric" />
        <${Text} f=${f} path="per_member" label=${t("coupon.field.per_member")} hint=${t("coupon.field.per_member_hint")}
          error=${at("per_member")} type="number" min="1" inputmode="numeric" />
      </div>
      <${Check} f=${f} path=${["claimable"]} label=${t("coupon.field.claimable")} hint=${t("coupon.field.claimable_hint")} sw=${true} />
      <${SaveBar} a=${a} edit=${true} placed=${!!where} />
    </form>
  </article>`;
}
