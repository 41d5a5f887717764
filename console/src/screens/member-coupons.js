// A member's coupons (API 1.3): on the member's page their wallet by status and "Issue
// coupon" (admin, owner); at the till their available coupons and "Use" for a gift coupon
// handed over at the counter.
import { useRef, useState } from "preact/hooks";
import { call, get, newKey, seg, withQuery } from "../api.js";
import { points } from "../format.js";
import { t } from "../i18n.js";
import { Dialog, Field, Loaded, Problem, fieldOf, html, useAction, useLoad, usePages } from "../ui.js";
import { PagedTable } from "../table.js";
import { CouponStatus, MEMBER_STATUSES, benefitText, validUntil } from "./coupons.js";

const SOURCES = ["gift_pack", "level_reward", "recharge", "staff", "claim"];
const sourceText = (s) => (SOURCES.includes(s) ? t(`coupons.source.${s}`) : s || "—");

/** The member page's "Coupons": what they hold, newest first, by status. */
export function MemberCoupons({ id, summary, manage, onIssued }) {
  const [status, setStatus] = useState("");
  const [version, setVersion] = useState(0);
  const [issuing, setIssuing] = useState(false);
  const [issued, setIssued] = useState(null);
  const pages = usePages(
    (cursor) => get(withQuery(`/members/${seg(id)}/coupons`, { status, limit: 10, cursor })),
    [id, status, version],
  );
  const done = (answer) => {
    setIssuing(false);
    setIssued(answer.items || []);
    setVersion((v) => v + 1);
    onIssued();
  };
  return html`<section aria-labelledby="member-coupons">
    <div class="row member-card-head">
      <h2 id="member-coupons">${t("coupons.member.title")}</h2>
      ${manage ? html`<button type="button" class="secondary" onClick=${() => setIssuing(true)}>${t("coupons.member.issue")}</button>` : null}
    </div>
    ${summary
      ? html`<p class="muted"><small>
          ${t("coupons.member.available_n", { n: points(summary.available ?? 0) })}${summary.next_expiry
            ? ` · ${t("coupons.member.next_expiry", { at: validUntil({ valid_until: summary.next_expiry }) })}`
            : ""}
        </small></p>`
      : null}
    ${issued
      ? html`<p class="notice" role="status">${t("coupons.member.issued", {
          n: points(issued.length),
          numbers: issued.map((c) => c.coupon_no).join(", "),
        })}</p>`
      : null}
    <${Field} label=${t("coupons.member.status_filter")}>
      <select value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
        <option value="">${t("coupons.member.all")}</option>
        ${MEMBER_STATUSES.map((s) => html`<option value=${s}>${t(`coupons.status.${s}`)}</option>`)}
      </select>
    <//>
    <${PagedTable} pages=${pages} empty=${t("coupons.member.empty")} caption=${t("coupons.member.title")}
      cols=${[
        { label: t("coupons.member.number") },
        { label: t("common.name") },
        { label: t("coupons.benefit") },
        { label: t("common.status") },
        { label: t("coupons.member.valid_until") },
        { label: t("coupons.member.source") },
      ]}
      row=${(c) => html`<tr key=${c.coupon_no}>
        <td><code>${c.coupon_no}</code></td>
        <td>${c.name}</td>
        <td>${benefitText(c)}</td>
        <td><${CouponStatus} status=${c.status} /></td>
        <td>${validUntil(c)}</td>
        <td>${sourceText(c.source)}</td>
      </tr>`} />
    ${manage ? html`<${IssueDialog} id=${id} open=${issuing} onClose=${() => setIssuing(false)} onDone=${done} />` : null}
  </section>`;
}

/**
 * The Idempotency-Key of a submission: the same body sent again after an answer that never
 * came back (a 503, a lost connection) keeps its key, so pressing the button again lands at
 * most once, like "Retry"; a refusal, a success or a changed body starts afresh (a refusal
 * is final, and a key replays whatever it first got).
 */
function useSubmissionKey() {
  const last = useRef(null);
  return {
    keyFor(body) {
      const sig = JSON.stringify(body);
      if (!last.current || last.current.sig !== sig) last.current = { sig, key: newKey() };
      return last.current.key;
    },
    settled(error) {
      if (!error || !error.retryable) last.current = null;
    },
  };
}

function IssueDialog({ id, open, onClose, onDone }) {
  // The form mounts at each opening: the defined coupons are read afresh, and nothing typed
  // for an earlier member or coupon lingers.
  return html`<${Dialog} open=${open} title=${t("coupons.member.issue")} onClose=${onClose}>
    ${open ? html`<${IssueForm} id=${id} onClose=${onClose} onDone=${onDone} />` : null}
  <//>`;
}

function IssueForm({ id, onClose, onDone }) {
  const defs = useLoad(() => get("/admin/coupons"), []);
  const [couponId, setCouponId] = useState("");
  const [quantity, setQuantity] = useState("1");
  const [reason, setReason] = useState("");
  const a = useAction();
  const keys = useSubmissionKey();
  // Only enabled coupons can be issued (coupon_disabled otherwise).
  const enabled = (defs.data?.items || []).filter((c) => c.status === "enabled");
  const chosen = couponId || enabled[0]?.coupon_id || "";
  const submit = async (e) => {
    e.preventDefault();
    if (!chosen) return;
    const q = quantity.trim();
    const body = { coupon_id: chosen, quantity: /^\d+$/.test(q) ? Number(q) : q, reason: reason.trim() };
    const key = keys.keyFor(body);
    const done = await a.run(async () => {
      try {
        const answer = await call("POST", `/members/${seg(id)}/coupons`, { body, key });
        keys.settled(null);
        return answer;
      } catch (error) {
        keys.settled(error);
        throw error;
      }
    });
    if (done) onDone(done);
  };
  const on = fieldOf(a.error, ["quantity", "reason"]);
  return html`<${Loaded} load=${defs} isEmpty=${() => enabled.length === 0} empty=${t("coupons.member.none_enabled")}>
      ${() => html`<form onSubmit=${submit}>
        <${Field} label=${t("coupons.member.coupon")}>
          <select value=${chosen} onChange=${(e) => { setCouponId(e.currentTarget.value); a.clear(); }}>
            ${enabled.map((c) => html`<option value=${c.coupon_id}>${c.name} — ${benefitText(c)}</option>`)}
          </select>
        <//>
        <${Field} label=${t("coupons.member.quantity")} hint=${t("coupons.member.quantity_hint")} error=${on === "quantity" ? a.error : null}>
          <input type="number" min="1" max="50" inputmode="numeric" value=${quantity} required
            onInput=${(e) => setQuantity(e.currentTarget.value)} />
        <//>
        <${Field} label=${t("coupons.member.reason")} hint=${t("coupons.member.reason_hint")} error=${on === "reason" ? a.error : null}>
          <input type="text" value=${reason} maxlength="200" required onInput=${(e) => setReason(e.currentTarget.value)} />
        <//>
        ${a.error && !on ? html`<${Problem} error=${a.error} onRetry=${a.retry} />` : null}
        <footer class="row member-dialog-actions">
          <button type="button" class="secondary" onClick=${onClose}>${t("common.cancel")}</button>
          <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("coupons.member.issue_submit")}</button>
        </footer>
      </form>`}
  <//>`;
}

/** The till: the found member's available coupons; a gift coupon is used by handing it over. */
export function TillCoupons({ id, mayUse }) {
  const load = useLoad(() => get(withQuery(`/members/${seg(id)}/coupons`, { status: "available", limit: 50 })), [id]);
  // A coupon used here stays in the list, shown used, so the cashier sees what happened.
  const [used, setUsed] = useState({});
  const [last, setLast] = useState(null);
  const onUsed = (u) => {
    setUsed((m) => ({ ...m, [u.coupon_no]: u }));
    setLast(u);
  };
  return html`<article aria-labelledby="till-coupons">
    <header><h2 id="till-coupons" class="shop-title">${t("coupons.till.title")}</h2></header>
    <${Loaded} load=${load} isEmpty=${(d) => !d.items.length} empty=${t("coupons.till.empty")}>
      ${(d) => html`<table class="till-coupons" aria-labelledby="till-coupons">
        <thead><tr>
          <th scope="col">${t("coupons.till.coupon")}</th>
          <th scope="col">${t("common.status")}</th>
          ${mayUse ? html`<th scope="col"><span class="visually-hidden">${t("common.actions")}</span></th>` : null}
        </tr></thead>
        <tbody>
          ${d.items.map((item) => {
            const c = used[item.coupon_no] || item;
            return html`<tr key=${c.coupon_no}>
              <td id=${`till-coupon-${c.coupon_no}`}>
                <strong>${c.name}</strong><br />
                <small>${benefitText(c)} · <code>${c.coupon_no}</code> · ${t("coupons.till.until", { at: validUntil(c) })}</small>
              </td>
              <td><${CouponStatus} status=${c.status} /></td>
              ${mayUse
                ? html`<td>${c.kind === "gift" && c.status === "available"
                    ? html`<${UseGift} id=${id} coupon=${c} onUsed=${onUsed} />`
                    : null}</td>`
                : null}
            </tr>`;
          })}
        </tbody>
      </table>`}
    <//>
    ${last ? html`<p class="notice" role="status">${t("coupons.till.used_now", { gift: last.gift || last.name, no: last.coupon_no })}</p>` : null}
  </article>`;
}

/** "Use": one gift coupon handed over, once by its key (a retry after a 503 keeps it). */
function UseGift({ id, coupon, onUsed }) {
  const a = useAction();
  const use = async () => {
    const done = await a.run((key) =>
      call("POST", `/members/${seg(id)}/coupons/${seg(coupon.coupon_no)}/use`, { key }),
    );
    if (done) onUsed(done);
  };
  return html`<button type="button" class="small" aria-describedby=${`till-coupon-${coupon.coupon_no}`}
      aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy} onClick=${use}>${t("coupons.till.use")}</button>
    <${Problem} error=${a.error} onRetry=${a.retry} />`;
}
