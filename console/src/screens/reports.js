// #/reports (API 1.2 "Reports", admin and owner): the roll-forward of points, store credit and
// stored value over a period of shop-local days (opening, what moved by kind, closing), the
// points liability in money when the shop has set a value per point, both as CSV for the
// accountant, the coupons' figures (API 1.3, `coupons-report.js`), and every ledger entry of
// the period a page at a time. A period the server
// refuses (more than 366 days, from after to) is shown at the form in the server's words.
import { useState } from "preact/hooks";
import { download, get, seg, withQuery } from "../api.js";
import { amountOf, date, dateTime, money, points, reasonText, shopCurrency, shopZone, todayIn, ymd } from "../format.js";
import { lang, t } from "../i18n.js";
import { Field, Loaded, Problem, html, useAction, useLoad, usePages } from "../ui.js";
import { Text, useForm } from "../form.js";
import { PagedTable } from "../table.js";
import { CouponsReport } from "./coupons-report.js";

export const ACCOUNTS = ["points", "credit", "value"];

/** Ledger entry kinds in the order a merchant reads them; kinds the API adds later follow. */
const KINDS = [
  "import",
  "accrual",
  "gift_pack",
  "level_reward",
  "recharge",
  "refund",
  "adjustment",
  "redemption",
  "expiry",
  "forfeit",
];

/** A kind's name for people; the kind itself when the catalog has none. */
export function kindLabel(kind) {
  const key = `reports.kind.${kind}`;
  const s = t(key);
  return s === key ? kind : s;
}

export function accountLabel(account) {
  const key = `reports.account.${account}`;
  const s = t(key);
  return s === key ? account : s;
}

/** The quick periods, each [from, to], from today in the shop's zone. */
function presets(today) {
  const [y, m] = today.split("-").map(Number);
  return {
    this_month: [`${y}-${String(m).padStart(2, "0")}-01`, today],
    last_month: [ymd(new Date(Date.UTC(y, m - 2, 1))), ymd(new Date(Date.UTC(y, m - 1, 0)))],
    this_year: [`${y}-01-01`, today],
  };
}

/** A value per point ("0.005") in the shop's currency, with every decimal it has. */
function perPoint(v) {
  const currency = shopCurrency();
  if (!currency) return String(v);
  try {
    return new Intl.NumberFormat(lang(), { style: "currency", currency, maximumFractionDigits: 6 }).format(String(v));
  } catch {
    return money(v);
  }
}

const isZero = (v) => v === 0 || /^[+-]?0*(\.0*)?$/.test(String(v ?? "0"));

/** A signed movement: "+1,500", "−RM 5.00". */
function signed(account, v) {
  const s = amountOf(account, v);
  return String(v).startsWith("-") || isZero(v) ? s : `+${s}`;
}

// --- #/reports ---

export function Reports() {
  const zone = shopZone();
  const today = todayIn(zone);
  const quick = presets(today);
  const f = useForm({ from: quick.this_month[0], to: quick.this_month[1] });
  const form = f.doc;
  const [period, setPeriod] = useState(form);
  const [rev, setRev] = useState(0);
  // The figures come back with the period and revision they answer, so the panels below
  // follow the last period the server accepted: a period it refuses is never asked of them
  // (each would show its own refusal beside the one at the form).
  const balances = useLoad(
    () =>
      get(withQuery("/admin/reports/balances", { from: period.from, to: period.to })).then((report) => ({
        report,
        period,
        rev,
      })),
    [period.from, period.to, rev],
  );
  const shown = balances.data;
  const show = (next) => {
    f.reset(next);
    setPeriod(next);
    setRev((r) => r + 1);
  };
  const submit = (e) => {
    e.preventDefault();
    show(form);
  };
  // A refusal of the period (422) names the dates: shown at the form, nothing below.
  const refused = balances.error;
  return html`<div class="reports">
    <hgroup>
      <h1>${t("reports.title")}</h1>
      <p>${t("reports.intro")}</p>
    </hgroup>
    <article class="reports-period" aria-labelledby="reports-period">
      <header><h2 id="reports-period">${t("reports.period")}</h2></header>
      <form onSubmit=${submit} novalidate>
        <div role="group" aria-label=${t("reports.presets")} class="reports-presets">
          ${Object.entries(quick).map(
            ([name, [from, to]]) => html`<button type="button" key=${name}
              class=${form.from === from && form.to === to ? "" : "secondary outline"}
              aria-pressed=${form.from === from && form.to === to ? "true" : "false"}
              onClick=${() => show({ from, to })}>${t(`reports.preset.${name}`)}</button>`,
          )}
        </div>
        <div class="reports-dates">
          <${Text} f=${f} path="from" label=${t("reports.from")} type="date" name="from" max=${today} required />
          <${Text} f=${f} path="to" label=${t("reports.to")} type="date" name="to" max=${today} required />
          <button type="submit" aria-busy=${balances.loading ? "true" : undefined}>${t("reports.show")}</button>
        </div>
        <small class="reports-hint">${t("reports.period_hint", { zone })}</small>
      </form>
      <${Problem} error=${refused} onRetry=${balances.reload} />
    </article>
    ${refused
      ? null
      : shown
        ? html`<${Summary} data=${shown.report} />
            <${Balances} load=${{ ...balances, data: shown.report }} period=${shown.period} />
            <${CouponsReport} period=${shown.period} rev=${shown.rev} />
            <${Ledger} period=${shown.period} rev=${shown.rev} />`
        : html`<${Balances} load=${balances} period=${period} />`}
  </div>`;
}

function Figure({ label, value, children }) {
  return html`<article class="reports-figure">
    <h3>${label}</h3>
    <p class="figure">${value}</p>
    ${children}
  </article>`;
}

/** The period's closing figures at a glance, and the points liability in money. */
function Summary({ data }) {
  const a = data.accounts || {};
  const pv = data.points_value;
  return html`<section class="grid reports-figures" aria-label=${t("reports.summary")}>
    <${Figure} label=${t("reports.closing.points")} value=${points(a.points?.closing ?? 0)} />
    <${Figure} label=${t("reports.closing.credit")} value=${money(a.credit?.closing ?? "0")} />
    <${Figure} label=${t("reports.closing.value")} value=${money(a.value?.closing ?? "0")} />
    <${Figure} label=${t("reports.liability")} value=${pv ? money(pv.closing) : "—"}>
      <small>${pv ? t("reports.per_point", { value: perPoint(pv.per_point) }) : t("reports.no_point_value_short")}</small>
    <//>
  </section>`;
}

/** Every kind that moved in any account, in the reading order, unknown kinds last. */
function kindsOf(accounts) {
  const moved = new Set();
  for (const a of ACCOUNTS) for (const k of Object.keys(accounts[a]?.movements || {})) moved.add(k);
  return [...KINDS.filter((k) => moved.has(k)), ...[...moved].filter((k) => !KINDS.includes(k)).sort()];
}

function csvName(kind, period, account) {
  return `${kind}${account ? `-${account}` : ""}-${period.from}-${period.to}.csv`;
}

/** Opening, one row per kind, closing: the three accounts side by side. */
function Balances({ load, period }) {
  const csv = useAction();
  const save = () =>
    csv.run(() =>
      download(
        withQuery("/admin/reports/balances", { from: period.from, to: period.to, format: "csv" }),
        csvName("balances", period),
      ),
    );
  return html`<article aria-labelledby="reports-balances">
    <header class="reports-head">
      <hgroup>
        <h2 id="reports-balances">${t("reports.balances")}</h2>
        <p>${t("reports.range", { from: date(period.from), to: date(period.to) })}</p>
      </hgroup>
      <button type="button" class="secondary outline" onClick=${save} disabled=${csv.busy || !load.data}
        aria-busy=${csv.busy ? "true" : undefined}>${t("reports.download_csv")}</button>
    </header>
    <${Problem} error=${csv.error} onRetry=${csv.retry} />
    <${Loaded} load=${load}>
      ${(data) => {
        const accounts = data.accounts || {};
        const kinds = kindsOf(accounts);
        const cell = (a, v) => html`<td class="num">${v === undefined || v === null ? "—" : amountOf(a, v)}</td>`;
        return html`<div class="overflow-auto">
            <table class="reports-roll" aria-labelledby="reports-balances">
              <thead>
                <tr>
                  <th scope="col"><span class="visually-hidden">${t("reports.col.line")}</span></th>
                  ${ACCOUNTS.map((a) => html`<th scope="col" class="num">${accountLabel(a)}</th>`)}
                </tr>
              </thead>
              <tbody>
                <tr class="reports-total">
                  <th scope="row">${t("reports.opening")}</th>
                  ${ACCOUNTS.map((a) => cell(a, accounts[a]?.opening ?? 0))}
                </tr>
                ${kinds.map(
                  (k) => html`<tr key=${k} class="reports-move">
                    <th scope="row">${kindLabel(k)}</th>
                    ${ACCOUNTS.map((a) => {
                      const v = accounts[a]?.movements?.[k];
                      const out = v !== undefined && String(v).startsWith("-");
                      return html`<td class=${out ? "num reports-out" : "num"}>${v === undefined ? "—" : signed(a, v)}</td>`;
                    })}
                  </tr>`,
                )}
                ${kinds.length
                  ? null
                  : html`<tr class="reports-move">
                      <th scope="row">${t("reports.movements")}</th>
                      <td colspan="3" class="reports-none">${t("reports.no_movements")}</td>
                    </tr>`}
                <tr class="reports-total reports-closing">
                  <th scope="row">${t("reports.closing")}</th>
                  ${ACCOUNTS.map((a) => cell(a, accounts[a]?.closing ?? 0))}
                </tr>
              </tbody>
            </table>
          </div>
          <${PointsValue} value=${data.points_value} />`;
      }}
    <//>
  </article>`;
}

function PointsValue({ value }) {
  if (!value) {
    return html`<p class="reports-note">
      <small>${t("reports.no_point_value")} <a href="#/settings">${t("reports.to_settings")}</a></small>
    </p>`;
  }
  return html`<p class="reports-note">
    ${t("reports.points_valued", { per: perPoint(value.per_point), value: money(value.closing) })}
  </p>`;
}

/** The period's ledger entries, oldest first, filtered by account, a page at a time. */
function Ledger({ period, rev }) {
  const [account, setAccount] = useState("");
  const pages = usePages(
    (cursor) =>
      get(withQuery("/admin/reports/ledger", { from: period.from, to: period.to, account, limit: 25, cursor })),
    [period.from, period.to, account, rev],
  );
  const csv = useAction();
  const save = () =>
    csv.run(() =>
      download(
        withQuery("/admin/reports/ledger", { from: period.from, to: period.to, account, format: "csv" }),
        csvName("ledger", period, account),
      ),
    );
  return html`<article aria-labelledby="reports-ledger">
    <header class="reports-head">
      <hgroup>
        <h2 id="reports-ledger">${t("reports.ledger")}</h2>
        <p>${t("reports.ledger_intro")}</p>
      </hgroup>
      <div class="reports-tools">
        <${Field} label=${t("reports.account")}>
          <select value=${account} onChange=${(e) => setAccount(e.currentTarget.value)}>
            <option value="">${t("reports.account.all")}</option>
            ${ACCOUNTS.map((a) => html`<option value=${a}>${accountLabel(a)}</option>`)}
          </select>
        <//>
        <button type="button" class="secondary outline" onClick=${save} disabled=${csv.busy}
          aria-busy=${csv.busy ? "true" : undefined}>${t("reports.download_ledger")}</button>
      </div>
    </header>
    <${Problem} error=${csv.error} onRetry=${csv.retry} />
    <${PagedTable} pages=${pages} labelledby="reports-ledger" className="striped reports-entries"
      empty=${t("reports.ledger_empty")}
      cols=${[
        { label: t("reports.col.at") },
        { label: t("reports.col.member") },
        { label: t("reports.col.account") },
        { label: t("reports.col.kind") },
        { label: t("reports.col.amount"), num: true },
        { label: t("reports.col.balance_after"), num: true },
        { label: t("reports.col.reason") },
      ]}
      row=${(e) => html`<tr key=${e.entry_id}>
        <td class="reports-when">${dateTime(e.at)}</td>
        <td><a href=${`#/members/${seg(e.member_id)}`}>${e.member_id}</a></td>
        <td>${accountLabel(e.account)}</td>
        <td>${kindLabel(e.kind)}</td>
        <td class=${String(e.amount).startsWith("-") ? "num reports-out" : "num"}>${signed(e.account, e.amount)}</td>
        <td class="num">${amountOf(e.account, e.balance_after)}</td>
        <td>${reasonText(e.reason)}</td>
      </tr>`} />
  </article>`;
}
