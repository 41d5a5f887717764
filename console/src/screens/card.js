// One benefit card (000, 002): its figures, the claim link and QR code handed out at the
// till or printed, its settings (managers edit, everyone else reads), enable/disable,
// list/delist, delete, and its claim and return records with the refund of a paid card.
import { useEffect, useState } from "preact/hooks";
import { call, get, imageUrl, seg, withQuery } from "../api.js";
import { dateTime, money, points } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Crumbs, Dialog, Field, Loaded, NewPage, Problem, fieldOf, html, useAction, useLoad, usePages } from "../ui.js";
import { PagedTable } from "../table.js";
import { CardForm, ZERO, kindLabel } from "./card-form.js";
import { couponWords, useCouponDefs } from "./coupon-counts.js";


export function Card({ session, params, navigate }) {
  const id = params[0];
  if (id === "new") {
    return html`<${NewPage} session=${session} back="#/cards" backLabel=${t("card.back")}
      crumbs=${html`<${CardCrumbs} />`} title=${t("card.new_title")} intro=${t("card.new_intro")}>
      <${CardForm} editable=${true} onSaved=${(c) => navigate(`/cards/${c.card_id}`)} />
    </${NewPage}>`;
  }
  return html`<${CardPage} id=${id} session=${session} />`;
}


/** Where a card's page sits: under the cards. */
function CardCrumbs() {
  return html`<${Crumbs} label=${t("card.breadcrumb")} className="no-print" links=${[["#/cards", t("cards.title")]]} />`;
}

function validityText(v) {
  if (!v || v.kind === "permanent") return t("card.validity.permanent");
  if (v.kind === "days") return t("card.validity.days_n", { n: points(v.days) });
  return t("card.validity.range_text", { from: v.from, until: v.until });
}

function ruleText(rule) {
  if (!rule) return "—";
  if (rule.cumulative_spend != null) return t("card.rule.spend_text", { amount: money(rule.cumulative_spend) });
  if (rule.orders != null) {
    return rule.orders === 1 ? t("card.rule.orders_text_one") : t("card.rule.orders_text", { n: points(rule.orders) });
  }
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
    <${CardCrumbs} />
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
  const defs = useCouponDefs();
  const gifts = [
    g.points ? t("card.gift.points_text", { n: points(g.points) }) : null,
    g.credit && !ZERO.test(g.credit) ? t("card.gift.credit_text", { amount: money(g.credit) }) : null,
    ...couponWords(g.coupons, defs).map((c) => t("card.gift.coupon_text", { name: c })),
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
    <${PagedTable} pages=${pages} empty=${t("card.claims.empty")}
      cols=${[
        { label: t("card.rec.at") },
        { label: t("card.rec.member") },
        { label: t("card.rec.card_no") },
        { label: t("card.rec.how") },
        { label: t("card.rec.paid"), num: true },
        { label: t("card.rec.gift_pack") },
        canRefund ? { label: t("common.actions") } : null,
      ]}
      row=${(r) => html`<tr key=${r.card_no + r.at}>
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
      </tr>`} />
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
    <${PagedTable} pages=${pages} empty=${t("card.returns.empty")}
      cols=${[
        { label: t("card.rec.at") },
        { label: t("card.rec.member") },
        { label: t("card.rec.card_no") },
        { label: t("card.rec.paid"), num: true },
        { label: t("card.rec.refunded"), num: true },
        { label: t("card.rec.reclaimed") },
        { label: t("card.refund.reason") },
      ]}
      row=${(r) => html`<tr key=${r.card_no + r.at}>
        <td>${dateTime(r.at)}</td>
        <td><a href=${`#/members/${encodeURIComponent(r.member_id)}`}>${r.member_id}</a></td>
        <td><code>${r.card_no}</code></td>
        <td class="num">${r.paid ? money(r.paid) : "—"}</td>
        <td class="num">${r.refund_amount ? money(r.refund_amount) : t("card.rec.no_money")}</td>
        <td>${reclaimedText(r)}</td>
        <td>${r.reason || "—"}</td>
      </tr>`} />
  </article>`;
}
