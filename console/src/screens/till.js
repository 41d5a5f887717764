// #/till (every staff role, phone width; 002 零售App at the counter, 003 储值 and 积分兑换):
// find a member by phone, member number or card number, or register one face to face
// (帮顾客办理); then their balances, a recharge by the shop's rules (money taken at the
// counter), their coupons with gift coupons used by handing the gift over, gifts for
// points, and a free card handed over with its QR code to scan
// (面对面扫码). No balance adjustments here: those are the managers' (member page).
import { useEffect, useState } from "preact/hooks";
import { call, get, getOrNull, imageUrl, seg, withQuery } from "../api.js";
import { money, points } from "../format.js";
import { t } from "../i18n.js";
import { Field, Loaded, Problem, fieldOf, html, useAction, useLoad } from "../ui.js";
import { TillCoupons } from "./member-coupons.js";
import { couponWords, useCouponDefs } from "./coupon-counts.js";

/** A new member id made at the till: "m" and 16 random hex digits. */
function newMemberId() {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `m${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A phone as typed ("+60 12-345 6789") in the E.164 form the API keeps. */
function phoneOf(typed) {
  return typed.replace(/[\s().-]/g, "");
}


export function Till({ session }) {
  const [member, setMember] = useState(null);
  return html`<h1>${t("till.title")}</h1>
    ${member
      ? html`<${MemberPanel} member=${member} session=${session} onDone=${() => setMember(null)} />`
      : html`<${Find} onFound=${setMember} />
          <${Register} onRegistered=${setMember} />`}`;
}

function Find({ onFound }) {
  const [by, setBy] = useState("phone");
  const [value, setValue] = useState("");
  const find = useAction();
  const submit = (e) => {
    e.preventDefault();
    const v = by === "phone" ? phoneOf(value.trim()) : value.trim();
    if (!v) return;
    find.run(async () => {
      const found = await get(withQuery("/admin/members/lookup", { [by]: v }));
      onFound(found);
      return found;
    });
  };
  const notFound = find.error?.status === 404;
  return html`<article>
    <header><h2 class="shop-title">${t("till.find_title")}</h2></header>
    <form onSubmit=${submit}>
      <${Field} label=${t("till.find_by")}>
        <select value=${by} onChange=${(e) => setBy(e.currentTarget.value)}>
          <option value="phone">${t("till.by_phone")}</option>
          <option value="member_no">${t("till.by_member_no")}</option>
          <option value="card_no">${t("till.by_card_no")}</option>
        </select>
      <//>
      <${Field} label=${t("till.find_value")} hint=${t(`till.find_hint_${by}`)}
        error=${find.error && !notFound && find.error.status !== 503 && find.error.status !== 0 ? find.error : null}>
        <input type="search" value=${value} onInput=${(e) => { setValue(e.currentTarget.value); find.clear(); }}
          autocomplete="off" inputmode=${by === "phone" ? "tel" : by === "card_no" ? "numeric" : "text"} />
      <//>
      ${notFound ? html`<p class="notice" role="status">${t("till.not_found")}</p>` : null}
      ${find.error?.retryable ? html`<${Problem} error=${find.error} onRetry=${find.retry} />` : null}
      <button type="submit" aria-busy=${find.busy ? "true" : undefined} disabled=${find.busy}>${t("till.find")}</button>
    </form>
  </article>`;
}

function Register({ onRegistered }) {
  const [phone, setPhone] = useState("");
  const [name, setName] = useState("");
  const reg = useAction();
  const submit = (e) => {
    e.preventDefault();
    const id = newMemberId();
    const profile = { phone: phoneOf(phone.trim()) };
    if (name.trim()) profile.name = name.trim();
    // The profile first (phone unique in the shop: phone_taken), then the registration at
    // the till (the till's default level, the registration credit), once by its key.
    reg.run(async (key) => {
      const saved = await call("PUT", `/admin/members/${seg(id)}`, { body: profile });
      await call("POST", `/members/${seg(id)}/register`, { body: { channel: "till" }, key });
      onRegistered(saved);
      return saved;
    });
  };
  const at = fieldOf(reg.error, ["phone", "name"]);
  return html`<article>
    <header><h2 class="shop-title">${t("till.register_title")}</h2></header>
    <p>${t("till.register_intro")}</p>
    <form onSubmit=${submit}>
      <${Field} label=${t("till.phone")} error=${at === "phone" ? reg.error : null} hint=${t("till.phone_hint")}>
        <input type="tel" name="phone" value=${phone} required autocomplete="off"
          onInput=${(e) => { setPhone(e.currentTarget.value); reg.clear(); }} />
      <//>
      <${Field} label=${t("till.name")} error=${at === "name" ? reg.error : null} hint=${t("common.optional")}>
        <input name="name" value=${name} autocomplete="off"
          onInput=${(e) => { setName(e.currentTarget.value); reg.clear(); }} />
      <//>
      ${reg.error && !at ? html`<${Problem} error=${reg.error} onRetry=${reg.retry} />` : null}
      <button type="submit" aria-busy=${reg.busy ? "true" : undefined} disabled=${reg.busy}>${t("till.register")}</button>
    </form>
  </article>`;
}

function MemberPanel({ member, session, onDone }) {
  const id = member.member_id;
  const balances = useLoad(() => get(`/members/${seg(id)}`), [id]);
  const title = member.name || member.phone || member.member_no || id;
  return html`<article aria-labelledby="till-member">
      <header>
        <h2 id="till-member" class="shop-title">${title}</h2>
        <small>
          ${[member.phone, member.member_no && t("till.member_no_is", { no: member.member_no }), id]
            .filter(Boolean)
            .join(" · ")}
        </small>
      </header>
      <${Loaded} load=${balances}>
        ${(b) => html`<table class="till-balances" aria-label=${t("till.balances")}>
          <tbody>
            <tr><th scope="row">${t("till.value")}</th><td class="num figure">${money(b.value?.balance ?? "0.00")}</td></tr>
            <tr><th scope="row">${t("till.points")}</th><td class="num">${points(b.points?.balance ?? 0)}</td></tr>
            <tr><th scope="row">${t("till.credit")}</th><td class="num">${b.credit ? money(b.credit.balance) : "—"}</td></tr>
            <tr><th scope="row">${t("till.level")}</th><td class="num">${b.level ? b.level.name || b.level.level_id : t("till.no_level")}</td></tr>
          </tbody>
        </table>`}
      <//>
      <footer>
        <button type="button" class="secondary outline" onClick=${onDone}>${t("till.next_member")}</button>
      </footer>
    </article>
    <${TillCoupons} id=${id} mayUse=${session.can("till")} />
    ${session.can("till") ? html`<${Recharge} id=${id} onDone=${balances.reload} />` : null}
    ${session.can("till") ? html`<${Exchange} id=${id} onDone=${balances.reload} />` : null}
    <${HandOver} member=${member} />`;
}

function ruleText(r, defs) {
  const g = r.gifts || {};
  const gifts = [
    g.value && g.value !== "0.00" && t("till.gift_value", { amount: money(g.value) }),
    g.points && t("till.gift_points", { points: points(g.points) }),
    g.credit && g.credit !== "0.00" && t("till.gift_credit", { amount: money(g.credit) }),
    g.coupons?.length && t("till.gift_coupons", { coupons: couponWords(g.coupons, defs).join(", ") }),
  ].filter(Boolean);
  return gifts.length
    ? t("till.rule_pays_gets", { pay: money(r.pay), gifts: gifts.join(", ") })
    : t("till.rule_pays", { pay: money(r.pay) });
}

function Recharge({ id, onDone }) {
  const program = useLoad(() => getOrNull("/admin/programs/value"), []);
  const defs = useCouponDefs();
  const [picked, setRule] = useState("");
  const go = useAction();
  const rules = (p) => (p?.rules || []).filter((r) => !r.channels || r.channels.includes("till"));
  // The first rule is chosen until the cashier picks another: one tap less at the counter.
  const rule = picked || rules(program.data)[0]?.rule_id || "";
  const submit = (e) => {
    e.preventDefault();
    if (!rule) return;
    go.run(async (key) => {
      const done = await call("POST", `/members/${seg(id)}/recharges`, {
        body: { rule_id: rule, channel: "till" },
        key,
      });
      onDone();
      return done;
    });
  };
  return html`<article>
    <header><h2 class="shop-title">${t("till.recharge_title")}</h2></header>
    <${Loaded} load=${program} isEmpty=${(p) => !p || !p.enabled || rules(p).length === 0}
      empty=${t("till.no_rules")}>
      ${(p) => html`<form onSubmit=${submit}>
        <fieldset>
          <legend>${t("till.rule")}</legend>
          ${rules(p).map(
            (r) => html`<label>
              <input type="radio" name="rule" value=${r.rule_id} checked=${rule === r.rule_id}
                onChange=${() => { setRule(r.rule_id); go.clear(); }} />
              <strong>${r.name || r.rule_id}</strong>
              <br /><small>${ruleText(r, defs)}${r.once_per_member ? ` · ${t("till.once")}` : ""}</small>
            </label>`,
          )}
        </fieldset>
        <${Problem} error=${go.error} onRetry=${go.retry} />
        ${go.done
          ? html`<p class="notice" role="status">
              ${t("till.recharged", {
                paid: money(go.done.paid),
                added: money(go.done.value_added),
                balance: money(go.done.value_balance),
              })}
            </p>`
          : null}
        <button type="submit" disabled=${!rule || go.busy} aria-busy=${go.busy ? "true" : undefined}>
          ${t("till.recharge")}
        </button>
      </form>`}
    <//>
  </article>`;
}

function Exchange({ id, onDone }) {
  // The exchange rules come with the points program; shown only when it can be read.
  const program = useLoad(() => getOrNull("/admin/programs/points").catch(() => null), []);
  const [picked, setRule] = useState("");
  const go = useAction();
  const rules = program.data?.enabled ? program.data.exchange || [] : [];
  if (!rules.length) return null;
  const rule = picked || rules[0].rule_id;
  const submit = (e) => {
    e.preventDefault();
    if (!rule) return;
    go.run(async (key) => {
      const done = await call("POST", `/members/${seg(id)}/exchanges`, { body: { rule_id: rule }, key });
      onDone();
      return done;
    });
  };
  return html`<article>
    <header><h2 class="shop-title">${t("till.exchange_title")}</h2></header>
    <p><small>${t("till.exchange_intro")}</small></p>
    <form onSubmit=${submit}>
      <fieldset>
        <legend>${t("till.gift")}</legend>
        ${rules.map(
          (r) => html`<label>
            <input type="radio" name="gift" value=${r.rule_id} checked=${rule === r.rule_id}
              onChange=${() => { setRule(r.rule_id); go.clear(); }} />
            <strong>${r.gift}</strong>
            <br /><small>${t("till.gift_for", { points: points(r.points) })}${r.stock !== null && r.stock !== undefined
              ? ` · ${t("till.stock", { n: points(r.stock) })}`
              : ""}</small>
          </label>`,
        )}
      </fieldset>
      <${Problem} error=${go.error} onRetry=${go.retry} />
      ${go.done
        ? html`<p class="notice" role="status">
            ${t("till.exchanged", { gift: go.done.gift, spent: points(go.done.points_spent), balance: points(go.done.points_balance) })}
          </p>`
        : null}
      <button type="submit" disabled=${!rule || go.busy} aria-busy=${go.busy ? "true" : undefined}>${t("till.exchange")}</button>
    </form>
  </article>`;
}

function HandOver({ member }) {
  const cards = useLoad(() => get("/admin/cards"), []);
  const [cardId, setCardId] = useState("");
  const [shown, setShown] = useState(null);
  const claim = useAction();
  const free = (d) => (d?.items || []).filter((c) => c.kind === "free" && c.status === "enabled");
  const submit = (e) => {
    e.preventDefault();
    if (!cardId) return;
    const body = { member_id: member.member_id };
    if (member.phone) body.phone = member.phone;
    claim.run(async (key) => {
      const done = await call("POST", `/cards/${seg(cardId)}/claim`, { body, key });
      setShown(cardId);
      return done;
    });
  };
  return html`<article>
    <header><h2 class="shop-title">${t("till.card_title")}</h2></header>
    <p><small>${t("till.card_intro")}</small></p>
    <${Loaded} load=${cards} isEmpty=${(d) => free(d).length === 0} empty=${t("till.no_free_cards")}>
      ${(d) => {
        const list = free(d);
        const card = list.find((c) => c.card_id === shown);
        return html`<form onSubmit=${submit}>
            <${Field} label=${t("till.free_card")}>
              <select value=${cardId} onChange=${(e) => { setCardId(e.currentTarget.value); claim.clear(); setShown(null); }}>
                <option value="">${t("till.choose_card")}</option>
                ${list.map((c) => html`<option value=${c.card_id}>${c.name}</option>`)}
              </select>
            <//>
            <${Problem} error=${claim.error} onRetry=${claim.retry} />
            ${claim.done
              ? html`<p class="notice" role="status">
                  ${t("till.card_given", { card: card?.name || claim.done.card_id, no: claim.done.card_no })}
                </p>`
              : null}
            <div class="row">
              <button type="submit" disabled=${!cardId || claim.busy} aria-busy=${claim.busy ? "true" : undefined}>
                ${t("till.give_card")}
              </button>
              <button type="button" class="secondary outline" disabled=${!cardId}
                onClick=${() => { claim.clear(); setShown(cardId); }}>
                ${t("till.show_qr")}
              </button>
            </div>
          </form>
          ${shown ? html`<${Qr} card=${list.find((c) => c.card_id === shown) || { card_id: shown, name: shown }} />` : null}`;
      }}
    <//>
  </article>`;
}

/** The card's claim link as a QR code for the member's phone (the image needs the token). */
function Qr({ card }) {
  const qr = useLoad(() => imageUrl(`/admin/cards/${seg(card.card_id)}/qr`), [card.card_id]);
  useEffect(() => () => qr.data && URL.revokeObjectURL(qr.data), [qr.data]);
  return html`<figure class="qr">
    ${qr.error?.code === "claim_url_not_set"
      ? html`<p class="problem" role="alert">${t("till.qr_no_claim_url")}</p>`
      : html`<${Loaded} load=${qr}>
          ${(src) => html`<img src=${src} alt=${t("till.qr_alt", { card: card.name })} width="256" height="256" />`}
        <//>`}
    <figcaption>
      ${t("till.qr_caption", { card: card.name })}
      ${card.claim_url ? html`<br /><small><a href=${card.claim_url}>${card.claim_url}</a></small>` : null}
    </figcaption>
  </figure>`;
}
