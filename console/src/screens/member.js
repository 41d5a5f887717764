// #/members/{id} (003 会员管理, 001 储值余额): a member's points, store credit and stored
// value with what expires when, their level and progress, cards held, coupons held (issued
// by managers), each account's ledger, balance adjustments (managers), the profile and
// registration at a channel.
import { useState } from "preact/hooks";
import { call, get, seg, withQuery } from "../api.js";
import { amountOf, date, dateTime, money, points, reasonText, when } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Crumbs, Dialog, Field, Loaded, Problem, fieldOf, html, useAction, useLoad, usePages } from "../ui.js";
import { Text, useForm } from "../form.js";
import { PagedTable } from "../table.js";
import { knownProfile, rememberProfile } from "./members.js";
import { EraseMember, ErasedNotice } from "./erase.js";
import { MemberCoupons } from "./member-coupons.js";

const ACCOUNTS = ["points", "credit", "value"];
const CARD_STATUS = ["active", "expired", "refunded"];

/** A signed amount: "+100", "−RM 5.00". */
function signed(account, v) {
  const s = amountOf(account, v);
  const raw = String(v ?? "");
  const zero = /^[+-]?0*(\.0*)?$/.test(raw);
  return raw.startsWith("-") || zero || v === null || v === undefined ? s : `+${s}`;
}

function Figure({ label, value, children }) {
  return html`<article class="member-figure">
    <header><h3>${label}</h3></header>
    <p class="figure">${value}</p>
    ${children}
  </article>`;
}

function Expiring({ account, lots }) {
  if (!lots || lots.length === 0) return html`<p class="muted"><small>${t("member.no_expiring")}</small></p>`;
  return html`<p class="muted"><small>${t("member.expiring")}</small></p>
    <ul class="member-lots">
      ${lots.map((l) => html`<li>${amountOf(account, l.amount)} · ${t("member.expires_on", { date: date(l.date) })}</li>`)}
    </ul>`;
}

function Figures({ m }) {
  const pts = m.points || {};
  const credit = m.credit;
  return html`<section aria-labelledby="member-balances">
    <h2 id="member-balances">${t("member.balances")}</h2>
    <div class="grid member-figures">
      <${Figure} label=${pts.name || t("member.points")} value=${points(pts.balance ?? 0)}>
        ${pts.pending ? html`<p><small>${t("member.points_pending", { n: points(pts.pending) })}</small></p>` : null}
        ${pts.resets_on ? html`<p class="notice"><small>${t("member.points_reset", { date: date(pts.resets_on) })}</small></p>` : null}
        <${Expiring} account="points" lots=${pts.expiring} />
      <//>
      <${Figure} label=${t("member.credit")} value=${credit ? money(credit.balance) : "—"}>
        ${credit
          ? html`<p><small>${t("member.credit_card")}: ${credit.card_no || t("member.no_card_no")}</small></p>
              <${Expiring} account="credit" lots=${credit.expiring} />`
          : html`<p class="muted"><small>${t("member.credit_hidden")}</small></p>`}
      <//>
      <${Figure} label=${t("member.value")} value=${money(m.value?.balance ?? "0.00")}>
        <p class="muted"><small>${t("member.value_hint")}</small></p>
      <//>
    </div>
  </section>`;
}

function metricAmount(metric, v) {
  if (v === null || v === undefined) return "—";
  return metric === "cumulative_spend" || metric === "cumulative_recharge" ? money(v) : points(v);
}

function Level({ m }) {
  const level = m.level;
  // Names of the next and pending levels: the ladder exists when the level has progress.
  const fromLadder = Boolean(level && (level.progress || level.pending));
  const ladder = useLoad(() => (fromLadder ? get("/admin/levels").catch(() => null) : null), [fromLadder]);
  const nameOf = (id) => ladder.data?.levels?.find((l) => l.level_id === id)?.name || id;
  return html`<article aria-labelledby="member-level">
    <header><h2 id="member-level">${t("member.level")}</h2></header>
    ${level
      ? html`<p class="figure">${level.name || level.level_id}</p>
          <p><small>
            ${level.since ? t("member.level_since", { at: when(level.since) }) : null}
            ${level.since && level.valid_until !== undefined ? " · " : null}
            ${level.valid_until ? t("member.level_until", { at: when(level.valid_until) })
              : level.valid_until === null ? t("member.level_no_end") : null}
          </small></p>
          ${level.pending
            ? html`<p class="notice">${t("member.level_pending", { level: nameOf(level.pending.level_id), at: when(level.pending.effective_at) })}</p>`
            : null}
          <${Progress} progress=${level.progress} nameOf=${nameOf} />`
      : html`<p class="empty">${t("member.no_level")}</p>`}
    ${m.totals
      ? html`<p><small>${t(m.totals.orders === 1 ? "member.totals_one" : "member.totals", { spend: money(m.totals.spend), orders: points(m.totals.orders ?? 0), recharge: money(m.totals.recharge) })}</small></p>`
      : null}
  </article>`;
}

function Progress({ progress, nameOf }) {
  if (!progress) return null;
  const metric = t(`member.metric_${progress.metric}`);
  if (!progress.next_level_id || progress.needed === null || progress.needed === undefined) {
    return html`<p><small>${metric}: ${metricAmount(progress.metric, progress.value)} · ${t("member.top_level")}</small></p>`;
  }
  const label = t("member.progress", {
    metric,
    value: metricAmount(progress.metric, progress.value),
    needed: metricAmount(progress.metric, progress.needed),
    next: nameOf(progress.next_level_id),
  });
  const numeric = typeof progress.value === "number" && typeof progress.needed === "number";
  return html`<p>${label}</p>
    ${numeric
      ? html`<progress value=${progress.value} max=${progress.value + progress.needed} aria-label=${label}></progress>`
      : null}`;
}

function Cards({ cards }) {
  return html`<section aria-labelledby="member-cards">
    <h2 id="member-cards">${t("member.cards")}</h2>
    ${!cards || cards.length === 0
      ? html`<p class="empty">${t("member.no_cards")}</p>`
      : html`<div class="overflow-auto"><table class="striped">
          <thead><tr>
            <th scope="col">${t("member.card_no")}</th>
            <th scope="col">${t("member.card")}</th>
            <th scope="col">${t("member.valid_from")}</th>
            <th scope="col">${t("member.valid_until")}</th>
            <th scope="col">${t("common.status")}</th>
          </tr></thead>
          <tbody>
            ${cards.map(
              (c) => html`<tr>
                <td>${c.card_no || "—"}</td>
                <td><a href=${`#/cards/${seg(c.card_id)}`}>${c.card_id}</a></td>
                <td>${when(c.valid_from)}</td>
                <td>${c.valid_until ? when(c.valid_until) : t("member.no_end")}</td>
                <td><${Badge} kind=${c.status === "active" ? "ok" : "bad"}>${CARD_STATUS.includes(c.status) ? t(`member.card_status_${c.status}`) : c.status}<//></td>
              </tr>`,
            )}
          </tbody>
        </table></div>`}
  </section>`;
}

function Ledger({ id, account, setAccount, version }) {
  const pages = usePages(
    (cursor) => get(withQuery(`/members/${seg(id)}/ledger`, { account, limit: 10, cursor })),
    [account, version],
  );
  return html`<section aria-labelledby="member-ledger">
    <h2 id="member-ledger">${t("member.ledger")}</h2>
    <div role="group" aria-label=${t("member.ledger_account")} class="member-tabs">
      ${ACCOUNTS.map(
        (a) => html`<button type="button" class=${a === account ? "" : "secondary outline"}
          aria-pressed=${a === account ? "true" : "false"} onClick=${() => setAccount(a)}>${t(`member.account_${a}`)}</button>`,
      )}
    </div>
    <${PagedTable} pages=${pages} empty=${t("member.ledger_empty")}
      caption=${t("member.ledger_caption", { account: t(`member.account_${account}`) })}
      cols=${[
        { label: t("member.at") },
        { label: t("member.amount_col"), num: true },
        { label: t("member.balance_after"), num: true },
        { label: t("member.reason_col") },
        { label: t("member.actor") },
      ]}
      row=${(e) => html`<tr>
        <td>${dateTime(e.at)}</td>
        <td class=${`num ${String(e.amount).startsWith("-") ? "amount-out" : "amount-in"}`}>${signed(e.account || account, e.amount)}</td>
        <td class="num">${amountOf(e.account || account, e.balance_after)}</td>
        <td>${reasonText(e.reason)}</td>
        <td>${e.actor || "—"}</td>
      </tr>`} />
  </section>`;
}

/** The amount as typed, checked: points whole numbers, money a decimal string. */
function deltaOf(account, typed) {
  const v = typed.trim().replace(/^\+/, "");
  if (account === "points") return /^-?\d+$/.test(v) && !/^-?0+$/.test(v) ? parseInt(v, 10) : null;
  return /^-?\d+(\.\d+)?$/.test(v) && !/^-?0*(\.0*)?$/.test(v) ? v : null;
}

function Adjust({ id, open, onClose, onDone }) {
  const [account, setAccount] = useState("points");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [invalid, setInvalid] = useState(null);
  const a = useAction();
  const close = () => {
    a.clear();
    setInvalid(null);
    onClose();
  };
  const submit = async (e) => {
    e.preventDefault();
    const delta = deltaOf(account, amount);
    if (delta === null) {
      setInvalid(t(account === "points" ? "member.amount_points_invalid" : "member.amount_money_invalid"));
      return;
    }
    setInvalid(null);
    const done = await a.run((key) =>
      call("POST", `/members/${seg(id)}/adjustments`, { body: { account, delta, reason: reason.trim() }, key }),
    );
    if (done) {
      setAmount("");
      setReason("");
      onDone(done);
    }
  };
  const amountError = invalid || (fieldOf(a.error, ["delta", "amount"]) ? a.error : null);
  return html`<${Dialog} open=${open} title=${t("member.adjust")} onClose=${close}>
    <form onSubmit=${submit}>
      <p><small>${t("member.adjust_hint")}</small></p>
      <${Field} label=${t("member.account")}>
        <select value=${account} onChange=${(e) => setAccount(e.currentTarget.value)}>
          ${ACCOUNTS.map((x) => html`<option value=${x}>${t(`member.account_${x}`)}</option>`)}
        </select>
      <//>
      <${Field} label=${t("member.amount")} error=${amountError}
        hint=${t(account === "points" ? "member.amount_hint_points" : "member.amount_hint_money")}>
        <input type="text" inputmode=${account === "points" ? "numeric" : "decimal"} autocomplete="off"
          value=${amount} onInput=${(e) => setAmount(e.currentTarget.value)} required />
      <//>
      <${Field} label=${t("member.reason")} hint=${t("member.reason_hint")}>
        <input type="text" value=${reason} maxlength="200" onInput=${(e) => setReason(e.currentTarget.value)} required />
      <//>
      ${a.error && !amountError ? html`<${Problem} error=${a.error} onRetry=${a.retry} />` : null}
      <footer class="row member-dialog-actions">
        <button type="button" class="secondary" onClick=${close}>${t("common.cancel")}</button>
        <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("member.apply")}</button>
      </footer>
    </form>
  <//>`;
}

const PROFILE_FIELDS = ["member_no", "name", "phone", "email", "birthday"];

function Profile({ id, profile, birthday, onSaved, mayEdit }) {
  const [editing, setEditing] = useState(false);
  const fm = useForm({});
  const form = fm.doc;
  const a = useAction();
  const start = () => {
    const p = profile || {};
    fm.reset(Object.fromEntries(PROFILE_FIELDS.map((f) => [f, (f === "birthday" ? p.birthday || birthday : p[f]) || ""])));
    a.clear();
    setEditing(true);
  };
  const submit = async (e) => {
    e.preventDefault();
    // Only what changed: a field emptied clears it (null), one left alone keeps its value.
    const before = profile || {};
    const body = {};
    for (const f of PROFILE_FIELDS) {
      const v = (form[f] || "").trim();
      const old = (f === "birthday" ? before.birthday || birthday : before[f]) || "";
      if (v === old) continue;
      if (v) body[f] = v;
      else if (old) body[f] = null;
    }
    if (Object.keys(body).length === 0) {
      setEditing(false);
      return;
    }
    const saved = await a.run(() => call("PUT", `/admin/members/${seg(id)}`, { body }));
    if (saved) {
      rememberProfile(saved);
      setEditing(false);
      onSaved(saved);
    }
  };
  const on = fieldOf(a.error, PROFILE_FIELDS);
  const err = (f) => (on === f ? a.error : null);
  const p = profile || {};
  return html`<article aria-labelledby="member-profile">
    <header class="row member-card-head">
      <h2 id="member-profile">${t("member.profile")}</h2>
      ${mayEdit && !editing ? html`<button type="button" class="secondary outline" onClick=${start}>${t("member.edit_profile")}</button>` : null}
    </header>
    ${!profile ? html`<p class="notice"><small>${t("member.profile_unknown")}</small></p>` : null}
    ${a.done && !editing ? html`<p role="status">${t("common.saved")}</p>` : null}
    ${editing
      ? html`<form onSubmit=${submit}>
          <div class="grid">
            <${Text} f=${fm} path="name" label=${t("member.name")} error=${err("name")} maxlength="100" autocomplete="off" />
            <${Text} f=${fm} path="member_no" label=${t("member.member_no")} error=${err("member_no")}
              hint=${t("member.member_no_hint")} maxlength="32" autocomplete="off" />
          </div>
          <div class="grid">
            <${Text} f=${fm} path="phone" label=${t("member.phone")} error=${err("phone")} hint=${t("member.phone_hint")}
              type="tel" autocomplete="off" />
            <${Text} f=${fm} path="email" label=${t("member.email")} error=${err("email")} type="email" autocomplete="off" />
            <${Text} f=${fm} path="birthday" label=${t("member.birthday")} error=${err("birthday")} type="date" />
          </div>
          ${a.error && !on ? html`<${Problem} error=${a.error} onRetry=${a.retry} />` : null}
          <div class="row">
            <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("common.save")}</button>
            <button type="button" class="secondary" onClick=${() => setEditing(false)}>${t("common.cancel")}</button>
          </div>
        </form>`
      : html`<dl class="member-profile">
          <dt>${t("member.name")}</dt><dd>${p.name || "—"}</dd>
          <dt>${t("member.member_no")}</dt><dd>${p.member_no || "—"}</dd>
          <dt>${t("member.phone")}</dt><dd>${p.phone || "—"}</dd>
          <dt>${t("member.email")}</dt><dd>${p.email || "—"}</dd>
          <dt>${t("member.birthday")}</dt><dd>${date(p.birthday || birthday) }</dd>
          <dt>${t("member.registered")}</dt><dd>${profile ? dateTime(p.registered_at) : "—"}</dd>
        </dl>`}
  </article>`;
}

function Register({ id, onDone }) {
  const [channel, setChannel] = useState("till");
  const a = useAction();
  const submit = async (e) => {
    e.preventDefault();
    const done = await a.run((key) => call("POST", `/members/${seg(id)}/register`, { body: { channel }, key }));
    if (done) onDone(done);
  };
  const already = a.error && a.error.code === "already_registered";
  return html`<article aria-labelledby="member-register">
    <header><h2 id="member-register">${t("member.register_title")}</h2></header>
    <p><small>${t("member.register_hint")}</small></p>
    ${a.done
      ? html`<p role="status">${t("member.registered_now", { at: when(a.done.registered_at) })}
          ${a.done.credit_issued && !/^0*(\.0*)?$/.test(a.done.credit_issued) ? ` ${t("member.registered_credit", { amount: money(a.done.credit_issued) })}` : ""}</p>`
      : html`<form onSubmit=${submit} class="member-register-form">
          <${Field} label=${t("member.channel")}>
            <select value=${channel} onChange=${(e) => setChannel(e.currentTarget.value)}>
              <option value="till">${t("member.channel_till")}</option>
              <option value="online">${t("member.channel_online")}</option>
            </select>
          <//>
          <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("member.register")}</button>
        </form>`}
    ${already
      ? html`<p class="notice" role="alert">${t("member.already_registered")} <small>${a.error.detail}</small></p>`
      : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
  </article>`;
}

export function Member({ session, params }) {
  const id = params[0];
  const member = useLoad(() => get(`/members/${seg(id)}`), [id]);
  const profileLoad = useLoad(() => get(`/admin/members/${seg(id)}`), [id]);
  const [saved, setProfile] = useState(null);
  const profile = saved || profileLoad.data || knownProfile(id);
  const [account, setAccount] = useState("points");
  const [version, setVersion] = useState(0);
  const [adjusting, setAdjusting] = useState(false);
  const [adjusted, setAdjusted] = useState(null);
  // An erased member (API 1.2) is only read: nothing more is written for them.
  const erased = member.data?.erased_at || profileLoad.data?.erased_at;
  const manage = session.can("manage") && !erased;
  const staff = session.can("staff") && !erased;
  const adjustedNow = (done) => {
    setAdjusting(false);
    setAdjusted(done);
    setAccount(done.account);
    setVersion((v) => v + 1);
    member.reload();
  };
  const [justRegistered, setJustRegistered] = useState(false);
  const registeredNow = () => {
    setJustRegistered(true);
    member.reload();
    profileLoad.reload();
    setVersion((v) => v + 1);
  };
  return html`<section class="member">
    <${Crumbs} label=${t("common.breadcrumb")} className="no-print" links=${[["#/members", `← ${t("member.back")}`]]} />
    <div class="row member-title">
      <h1>${(!erased && profile?.name) || id}</h1>
      ${member.data?.level ? html`<${Badge} kind="ok">${member.data.level.name || member.data.level.level_id}<//>` : null}
      ${manage
        ? html`<button type="button" class="member-adjust" onClick=${() => setAdjusting(true)}>${t("member.adjust")}</button>`
        : null}
    </div>
    <p class="muted">
      ${t("member.id_line", { id })}${profile?.member_no ? ` · ${t("member.member_no")}: ${profile.member_no}` : ""}${profile?.phone ? ` · ${profile.phone}` : ""}
    </p>
    ${adjusted
      ? html`<p class="notice" role="status">${t("member.adjusted", {
          account: t(`member.account_${adjusted.account}`),
          balance: amountOf(adjusted.account, adjusted.balance),
        })}</p>`
      : null}
    <${Loaded} load=${member}>
      ${(m) => html`<${ErasedNotice} member=${m} /><${Figures} m=${m} />
        <div class="grid member-pair">
          <${Level} m=${m} />
          <${Profile} id=${id} profile=${profile} birthday=${m.birthday} mayEdit=${staff}
            onSaved=${(p) => setProfile(p)} />
        </div>
        <${Cards} cards=${m.cards} />`}
    <//>
    <${MemberCoupons} id=${id} summary=${member.data?.coupons} manage=${manage} onIssued=${member.reload} />
    <${Ledger} id=${id} account=${account} setAccount=${setAccount} version=${version} />
    ${staff && profileLoad.data && (!profileLoad.data.registered || justRegistered)
      ? html`<${Register} id=${id} onDone=${registeredNow} />`
      : null}
    <${EraseMember} session=${session} memberId=${id} erased=${member.data?.erased_at} onErased=${() => { member.reload(); profileLoad.reload(); setVersion((v) => v + 1); }} />
    ${manage ? html`<${Adjust} id=${id} open=${adjusting} onClose=${() => setAdjusting(false)} onDone=${adjustedNow} />` : null}
  </section>`;
}
