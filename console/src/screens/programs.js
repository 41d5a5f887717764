// Shop set-up: the points program (003, 004), store credit (001) and stored value (003).
// Each screen loads its document (404: not set up yet, so a sensible empty one), edits it
// in structured fieldsets and PUTs the whole document back; the server's refusal is shown
// where the user pressed "Save". The small form kit at the top is shared with levels.js.
import { useEffect, useState } from "preact/hooks";
import { call, getOrNull } from "../api.js";
import { money, points as fmtPoints, shopCurrency } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Field, Loaded, Problem, html, useAction, useLoad } from "../ui.js";

// ---------------------------------------------------------------------------------------
// Form kit

export function setIn(obj, path, value) {
  if (!path.length) return value;
  const [k, ...rest] = path;
  const copy = Array.isArray(obj) ? obj.slice() : { ...(obj || {}) };
  copy[k] = setIn(copy[k], rest, value);
  return copy;
}

export function getIn(obj, path) {
  return path.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
}

/** A form over a document: {doc, set(path, value), reset(doc)}; `edit` false = read-only. */
export function useForm(initial, edit) {
  const [doc, setDoc] = useState(initial);
  return { doc, edit, set: (path, v) => setDoc((d) => setIn(d, path, v)), reset: setDoc };
}

/** A document, or null when the shop has none yet (404). */
export const loadDoc = getOrNull;

/** An integer as typed ("" -> null); anything else is sent as typed for the server to refuse. */
export function int(v) {
  if (v === null || v === undefined || String(v).trim() === "") return null;
  const s = String(v).trim();
  return /^-?\d+$/.test(s) ? Number(s) : s;
}

/** A decimal string as typed ("" -> null). */
export const dec = (v) => (v === null || v === undefined || String(v).trim() === "" ? null : String(v).trim());

/** "a, b，c" -> ["a","b","c"]. */
export const list = (s) =>
  String(s || "")
    .split(/[,，;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export const str = (v) => (v === null || v === undefined ? "" : String(v));

export function Text({ f, path, label, hint, error, type = "text", inputmode, placeholder, required, min, max }) {
  return html`<${Field} label=${label} hint=${hint} error=${error}>
    <input type=${type} inputmode=${inputmode} placeholder=${placeholder} required=${required} min=${min} max=${max}
      value=${str(getIn(f.doc, path))} disabled=${!f.edit}
      onInput=${(e) => f.set(path, e.currentTarget.value)} />
  <//>`;
}

export function Area({ f, path, label, hint, error }) {
  return html`<${Field} label=${label} hint=${hint} error=${error}>
    <textarea rows="2" value=${str(getIn(f.doc, path))} disabled=${!f.edit}
      onInput=${(e) => f.set(path, e.currentTarget.value)}></textarea>
  <//>`;
}

export function Choice({ f, path, label, options, hint, error, onChange }) {
  return html`<${Field} label=${label} hint=${hint} error=${error}>
    <select value=${str(getIn(f.doc, path))} disabled=${!f.edit}
      onChange=${(e) => (onChange ? onChange(e.currentTarget.value) : f.set(path, e.currentTarget.value))}>
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select>
  <//>`;
}

export function Check({ f, path, label, hint, sw }) {
  return html`<label class="check">
    <input type="checkbox" role=${sw ? "switch" : undefined} checked=${!!getIn(f.doc, path)} disabled=${!f.edit}
      onChange=${(e) => f.set(path, e.currentTarget.checked)} />
    ${label}
    ${hint ? html`<small class="check-hint">${hint}</small>` : null}
  </label>`;
}

/** Several checkboxes over one array value: `options` [[value, text]]. */
export function Checks({ f, path, legend, options, hint }) {
  const chosen = getIn(f.doc, path) || [];
  const toggle = (v, on) => f.set(path, on ? [...chosen.filter((x) => x !== v), v] : chosen.filter((x) => x !== v));
  return html`<fieldset class="checks">
    <legend>${legend}</legend>
    ${options.map(
      ([v, text]) => html`<label class="check">
        <input type="checkbox" checked=${chosen.includes(v)} disabled=${!f.edit}
          onChange=${(e) => toggle(v, e.currentTarget.checked)} />
        ${text}
      </label>`,
    )}
    ${hint ? html`<small>${hint}</small>` : null}
  </fieldset>`;
}

/**
 * Rows of a list as a table: each column {key, label, type, inputmode, options}; inputs are
 * named by column and row number; "Add" and "Remove" only when editing.
 */
export function Rows({ f, path, cols, blank, addLabel, empty, caption }) {
  const rows = getIn(f.doc, path) || [];
  const add = () => f.set(path, [...rows, typeof blank === "function" ? blank(rows) : { ...blank }]);
  const remove = (i) => f.set(path, rows.filter((_, j) => j !== i));
  return html`<div class="rows">
    ${rows.length === 0
      ? html`<p class="empty">${empty || t("programs.no_rows")}</p>`
      : html`<div class="table-wrap"><table class="rows-table">
          ${caption ? html`<caption class="sr-only">${caption}</caption>` : null}
          <thead><tr>
            ${cols.map((c) => html`<th scope="col">${c.label}</th>`)}
            ${f.edit ? html`<th scope="col"><span class="sr-only">${t("common.actions")}</span></th>` : null}
          </tr></thead>
          <tbody>
            ${rows.map(
              (row, i) => html`<tr>
                ${cols.map((c) => {
                  const p = [...path, i, c.key];
                  const name = t("programs.cell", { label: c.label, n: i + 1 });
                  return html`<td>${c.options
                    ? html`<select aria-label=${name} value=${str(getIn(f.doc, p))} disabled=${!f.edit}
                        onChange=${(e) => f.set(p, e.currentTarget.value)}>
                        ${c.options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
                      </select>`
                    : html`<input aria-label=${name} type=${c.type || "text"} inputmode=${c.inputmode}
                        placeholder=${c.placeholder} value=${str(getIn(f.doc, p))} disabled=${!f.edit}
                        onInput=${(e) => f.set(p, e.currentTarget.value)} />`}</td>`;
                })}
                ${f.edit
                  ? html`<td><button type="button" class="secondary outline small" onClick=${() => remove(i)}>
                      ${t("common.remove")}</button></td>`
                  : null}
              </tr>`,
            )}
          </tbody>
        </table></div>`}
    ${f.edit
      ? html`<button type="button" class="secondary outline small" onClick=${add}>${addLabel || t("common.add")}</button>`
      : null}
  </div>`;
}

/** The save bar: "Save" (managers only), "Saved." after success, the refusal where they pressed it. */
export function SaveBar({ a, edit, onSave, placed }) {
  if (!edit) return null;
  return html`<div class="setup-bar">
    <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy} onClick=${onSave}>
      ${t("common.save")}
    </button>
    ${a.done && !a.error ? html`<p role="status" class="saved">${t("common.saved")}</p>` : null}
    ${a.error && placed
      ? html`<p class="not-saved" role="status">${t("programs.not_saved_field")}</p>`
      : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
  </div>`;
}

/** Moves focus to the first field the server named, so a refusal is seen where it is. */
export function useFocusInvalid(error) {
  useEffect(() => {
    if (!error) return;
    const el = document.querySelector('[aria-invalid="true"]');
    if (el) el.focus();
  }, [error]);
}

export const cur = () => shopCurrency() || t("programs.unit");

const levelOptions = (ladder, noneText) => [
  ["", noneText],
  ...((ladder && ladder.levels) || []).map((l) => [l.level_id, `${l.name} (${l.level_id})`]),
];

// ---------------------------------------------------------------------------------------
// The screen

export function Program({ session, kind }) {
  const edit = session.can("manage");
  const load = useLoad(
    () => Promise.all([loadDoc(`/admin/programs/${kind}`), kind === "credit" ? null : loadDoc("/admin/levels")]),
    [kind],
  );
  const View = { points: PointsForm, credit: CreditForm, value: ValueForm }[kind];
  return html`<section class="setup">
    <h1>${t(`programs.${kind}.title`)}</h1>
    <p class="lead">${t(`programs.${kind}.intro`)}</p>
    <${Loaded} load=${load}>
      ${([doc, ladder]) => html`<${View} doc=${doc} ladder=${ladder} edit=${edit} kind=${kind} />`}
    <//>
  </section>`;
}

/** Save: PUT the whole document; the answer (the stored document) becomes the form. */
function useSave(kind, f, toDoc, toForm) {
  const a = useAction();
  const save = (e) => {
    e.preventDefault();
    a.run(async () => {
      const stored = await call("PUT", `/admin/programs/${kind}`, { body: toDoc(f.doc) });
      f.reset(toForm(stored));
      return stored;
    });
  };
  return { a, save };
}

function StatusLine({ on, notSet }) {
  return html`<p class="status-line">
    <${Badge} kind=${on ? "ok" : "bad"}>${on ? t("common.enabled") : t("common.disabled")}<//>
    ${notSet ? html` <span class="muted">${t("programs.not_set_up")}</span>` : null}
  </p>`;
}

// ---------------------------------------------------------------------------------------
// Points (003, 004)

const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

function pointsForm(d) {
  const p = d || {};
  const earn = p.earn || {};
  const redeem = p.redeem || {};
  const w = redeem.windows || {};
  return {
    enabled: p.enabled ?? true,
    name: p.name || t("programs.points.default_name"),
    reset_yearly: !!p.reset_yearly,
    pending_days: str(p.pending_days ?? 0),
    earn: {
      points_per_unit: str(earn.points_per_unit ?? 1),
      levels: Object.entries(earn.levels || {}).map(([level_id, factor]) => ({ level_id, factor })),
      rules: (earn.rules || []).map((r) => ({
        on: r.category !== undefined && r.category !== null ? "category" : r.special ? "special" : "product",
        code: r.category ?? r.product ?? "",
        how: r.fixed !== undefined && r.fixed !== null ? "fixed" : r.percent !== undefined && r.percent !== null ? "percent" : "per_unit",
        value: str(r.fixed ?? r.percent ?? r.per_unit),
      })),
      exclude: { promotional: false, member_price: false, campaign: false, no_sku: false, ...(earn.exclude || {}) },
      multipliers: (earn.multipliers || []).map((m) => ({ ...m })),
      birthday: earn.birthday ? { scope: earn.birthday.scope, factor: str(earn.birthday.factor) } : { scope: "", factor: "" },
      holidays: (earn.holidays || []).map((h) => ({ ...h })),
    },
    redeem: {
      points_per_unit: str(redeem.points_per_unit ?? 100),
      max_points: str(redeem.max_points),
      max_percent: str(redeem.max_percent),
      tiers: (redeem.tiers || []).map((x) => ({ points: str(x.points), discount: str(x.discount) })),
      dates: (w.dates || []).map((x) => ({ ...x })),
      days_of_month: (w.days_of_month || []).join(", "),
      days_of_week: (w.days_of_week || []).map((x) => String(x).slice(0, 3).toLowerCase()),
    },
    expiry: p.expiry && p.expiry.kind === "months" ? String(p.expiry.months) : "never",
    exchange: (p.exchange || []).map((x) => ({ rule_id: x.rule_id, points: str(x.points), gift: x.gift, stock: str(x.stock) })),
    reset_warning: p.reset_warning || null,
    effective_from: p.effective_from || null,
    stored: !!d,
  };
}

function pointsDoc(fm) {
  const e = fm.earn;
  const r = fm.redeem;
  return {
    enabled: fm.enabled,
    name: fm.name,
    reset_yearly: fm.reset_yearly,
    pending_days: int(fm.pending_days) ?? 0,
    earn: {
      points_per_unit: int(e.points_per_unit),
      levels: Object.fromEntries(e.levels.filter((l) => l.level_id).map((l) => [l.level_id, dec(l.factor)])),
      rules: e.rules.map((x) => ({
        ...(x.on === "category" ? { category: x.code } : { product: x.code }),
        ...(x.on === "special" ? { special: true } : {}),
        [x.how]: int(x.value),
      })),
      exclude: e.exclude,
      multipliers: e.multipliers.map((m) => ({ from: m.from, until: m.until, factor: dec(m.factor) })),
      birthday: e.birthday.scope ? { scope: e.birthday.scope, factor: dec(e.birthday.factor) } : null,
      holidays: e.holidays.map((h) => ({ date: h.date, factor: dec(h.factor) })),
    },
    redeem: {
      points_per_unit: int(r.points_per_unit),
      max_points: int(r.max_points),
      max_percent: int(r.max_percent),
      tiers: r.tiers.map((x) => ({ points: int(x.points), discount: dec(x.discount) })),
      windows: {
        dates: r.dates.map((x) => ({ from: x.from, until: x.until })),
        days_of_month: list(r.days_of_month).map(int),
        days_of_week: r.days_of_week,
      },
    },
    expiry: fm.expiry === "never" ? { kind: "never" } : { kind: "months", months: Number(fm.expiry) },
    exchange: fm.exchange.map((x) => ({ rule_id: x.rule_id, points: int(x.points), gift: x.gift, stock: int(x.stock) })),
  };
}

function PointsForm({ doc, ladder, edit }) {
  const f = useForm(pointsForm(doc), edit);
  const { a, save } = useSave("points", f, pointsDoc, pointsForm);
  const d = f.doc;
  const c = cur();
  const noLevels = !ladder || !ladder.levels || ladder.levels.length === 0;
  return html`<form onSubmit=${save} novalidate>
    <div class="figures">
      <div><span class="figure">${fmtPoints(Number(d.earn.points_per_unit) || 0)}</span>
        <small>${t("programs.points.fig_earn", { cur: c })}</small></div>
      <div><span class="figure">${fmtPoints(Number(d.redeem.points_per_unit) || 0)}</span>
        <small>${t("programs.points.fig_redeem", { cur: c })}</small></div>
      <div><span class="figure">${d.expiry === "never" ? t("programs.points.never_short") : t("programs.points.months_short", { n: d.expiry })}</span>
        <small>${t("programs.points.fig_expiry")}</small></div>
      <div><span class="figure">${d.exchange.length}</span><small>${t("programs.points.fig_gifts")}</small></div>
    </div>
    <${StatusLine} on=${d.enabled} notSet=${!d.stored} />
    ${d.reset_warning
      ? html`<p class="notice" role="status">${t("programs.points.reset_warning", { date: d.reset_warning.resets_on })}</p>`
      : null}
    <fieldset disabled=${!edit}>
      <article>
        <header><h2>${t("programs.general")}</h2></header>
        <div class="grid">
          <${Text} f=${f} path=${["name"]} label=${t("programs.points.name")} hint=${t("programs.points.name_hint")} />
          <${Text} f=${f} path=${["pending_days"]} label=${t("programs.points.pending_days")} inputmode="numeric"
            hint=${t("programs.points.pending_days_hint")} />
        </div>
        <${Check} f=${f} path=${["enabled"]} label=${t("common.enabled")} sw />
        <${Check} f=${f} path=${["reset_yearly"]} label=${t("programs.points.reset_yearly")} hint=${t("programs.points.reset_yearly_hint")} />
      </article>

      <article>
        <header><h2>${t("programs.points.earning")}</h2></header>
        <div class="grid">
          <${Text} f=${f} path=${["earn", "points_per_unit"]} label=${t("programs.points.earn_per_unit", { cur: c })}
            inputmode="numeric" hint=${t("programs.points.earn_hint")} />
          <div></div>
        </div>
        <fieldset>
          <legend>${t("programs.points.exclude")}</legend>
          <div class="check-grid">
            <${Check} f=${f} path=${["earn", "exclude", "promotional"]} label=${t("programs.points.ex_promotional")} />
            <${Check} f=${f} path=${["earn", "exclude", "member_price"]} label=${t("programs.points.ex_member_price")} />
            <${Check} f=${f} path=${["earn", "exclude", "campaign"]} label=${t("programs.points.ex_campaign")} />
            <${Check} f=${f} path=${["earn", "exclude", "no_sku"]} label=${t("programs.points.ex_no_sku")} />
          </div>
        </fieldset>
        <h3>${t("programs.points.rules")}</h3>
        <p class="hint">${t("programs.points.rules_hint")}</p>
        <${Rows} f=${f} path=${["earn", "rules"]} caption=${t("programs.points.rules")}
          blank=${{ on: "product", code: "", how: "per_unit", value: "" }}
          addLabel=${t("programs.points.add_rule")}
          cols=${[
            { key: "on", label: t("programs.points.rule_on"), options: [
              ["product", t("programs.points.on_product")],
              ["special", t("programs.points.on_special")],
              ["category", t("programs.points.on_category")],
            ] },
            { key: "code", label: t("programs.points.rule_code") },
            { key: "how", label: t("programs.points.rule_how"), options: [
              ["per_unit", t("programs.points.how_per_unit", { cur: c })],
              ["fixed", t("programs.points.how_fixed")],
              ["percent", t("programs.points.how_percent")],
            ] },
            { key: "value", label: t("programs.points.rule_value"), inputmode: "numeric" },
          ]} />
      </article>

      <article>
        <header><h2>${t("programs.points.multipliers")}</h2></header>
        <p class="hint">${t("programs.points.multipliers_hint")}</p>
        <h3>${t("programs.points.by_level")}</h3>
        ${noLevels
          ? html`<p class="empty">${t("programs.points.no_ladder")} <a href="#/levels">${t("nav.levels")}</a></p>`
          : null}
        <${Rows} f=${f} path=${["earn", "levels"]} caption=${t("programs.points.by_level")}
          blank=${{ level_id: "", factor: "2" }} addLabel=${t("programs.points.add_level_multiplier")}
          cols=${[
            { key: "level_id", label: t("programs.level"), options: levelOptions(ladder, t("programs.choose")) },
            { key: "factor", label: t("programs.factor"), inputmode: "decimal" },
          ]} />
        <h3>${t("programs.points.birthday")}</h3>
        <div class="grid">
          <${Choice} f=${f} path=${["earn", "birthday", "scope"]} label=${t("programs.points.birthday_scope")}
            options=${[["", t("common.none")], ["day", t("programs.points.birthday_day")], ["month", t("programs.points.birthday_month")]]} />
          <${Text} f=${f} path=${["earn", "birthday", "factor"]} label=${t("programs.points.birthday_factor")} inputmode="decimal" />
        </div>
        <h3>${t("programs.points.holidays")}</h3>
        <${Rows} f=${f} path=${["earn", "holidays"]} caption=${t("programs.points.holidays")}
          blank=${{ date: "", factor: "2" }} addLabel=${t("programs.points.add_holiday")}
          cols=${[
            { key: "date", label: t("programs.date"), type: "date" },
            { key: "factor", label: t("programs.factor"), inputmode: "decimal" },
          ]} />
        <h3>${t("programs.points.periods")}</h3>
        <${Rows} f=${f} path=${["earn", "multipliers"]} caption=${t("programs.points.periods")}
          blank=${{ from: "", until: "", factor: "2" }} addLabel=${t("programs.points.add_period")}
          cols=${[
            { key: "from", label: t("programs.from"), type: "date" },
            { key: "until", label: t("programs.until"), type: "date" },
            { key: "factor", label: t("programs.factor"), inputmode: "decimal" },
          ]} />
      </article>

      <article>
        <header><h2>${t("programs.points.redeeming")}</h2></header>
        <div class="grid">
          <${Text} f=${f} path=${["redeem", "points_per_unit"]} label=${t("programs.points.redeem_per_unit", { cur: c })}
            inputmode="numeric" hint=${t("programs.points.redeem_hint")} />
          <${Text} f=${f} path=${["redeem", "max_points"]} label=${t("programs.points.max_points")} inputmode="numeric"
            hint=${t("programs.empty_no_limit")} />
          <${Text} f=${f} path=${["redeem", "max_percent"]} label=${t("programs.points.max_percent")} inputmode="numeric"
            hint=${t("programs.empty_no_limit")} />
        </div>
        <h3>${t("programs.points.tiers")}</h3>
        <p class="hint">${t("programs.points.tiers_hint")}</p>
        <${Rows} f=${f} path=${["redeem", "tiers"]} caption=${t("programs.points.tiers")}
          blank=${{ points: "", discount: "" }} addLabel=${t("programs.points.add_tier")}
          cols=${[
            { key: "points", label: t("programs.points.points"), inputmode: "numeric" },
            { key: "discount", label: t("programs.points.discount", { cur: c }), inputmode: "decimal", placeholder: "5.00" },
          ]} />
        <h3>${t("programs.points.windows")}</h3>
        <p class="hint">${t("programs.points.windows_hint")}</p>
        <${Rows} f=${f} path=${["redeem", "dates"]} caption=${t("programs.points.window_dates")}
          blank=${{ from: "", until: "" }} addLabel=${t("programs.points.add_dates")} empty=${t("programs.points.no_dates")}
          cols=${[
            { key: "from", label: t("programs.from"), type: "date" },
            { key: "until", label: t("programs.until"), type: "date" },
          ]} />
        <div class="grid">
          <${Text} f=${f} path=${["redeem", "days_of_month"]} label=${t("programs.points.days_of_month")}
            placeholder="1, 15" hint=${t("programs.list_hint")} />
          <div></div>
        </div>
        <${Checks} f=${f} path=${["redeem", "days_of_week"]} legend=${t("programs.points.days_of_week")}
          options=${WEEKDAYS.map((w) => [w, t(`programs.wd.${w}`)])} />
      </article>

      <article>
        <header><h2>${t("programs.points.expiry")}</h2></header>
        <div class="grid">
          <${Choice} f=${f} path=${["expiry"]} label=${t("programs.points.expiry_label")}
            options=${[
              ["never", t("programs.points.never")],
              ["3", t("programs.points.months", { n: 3 })],
              ["6", t("programs.points.months", { n: 6 })],
              ["12", t("programs.points.months", { n: 12 })],
            ]} hint=${t("programs.points.expiry_hint")} />
          <div></div>
        </div>
      </article>

      <article>
        <header><h2>${t("programs.points.exchange")}</h2></header>
        <p class="hint">${t("programs.points.exchange_hint")}</p>
        <${Rows} f=${f} path=${["exchange"]} caption=${t("programs.points.exchange")}
          blank=${(rows) => ({ rule_id: `gift${rows.length + 1}`, points: "", gift: "", stock: "" })}
          addLabel=${t("programs.points.add_exchange")} empty=${t("programs.points.no_exchange")}
          cols=${[
            { key: "rule_id", label: t("programs.rule_id") },
            { key: "gift", label: t("programs.points.gift") },
            { key: "points", label: t("programs.points.points"), inputmode: "numeric" },
            { key: "stock", label: t("programs.points.stock"), inputmode: "numeric", placeholder: t("programs.unlimited") },
          ]} />
      </article>
    </fieldset>
    <${SaveBar} a=${a} edit=${edit} />
  </form>`;
}

// ---------------------------------------------------------------------------------------
// Store credit (001)

const RULES = ["first_order", "each_order", "registration", "order_count", "cumulative_spend"];

function expiryForm(e) {
  if (!e) return { kind: "", days: "", date: "" };
  return { kind: e.kind, days: str(e.days), date: str(e.date) };
}

function expiryDoc(e) {
  if (!e.kind) return null;
  if (e.kind === "days") return { kind: "days", days: int(e.days) };
  if (e.kind === "until") return { kind: "until", date: e.date };
  return { kind: "never" };
}

function creditForm(d) {
  const p = d || {};
  const by = Object.fromEntries((p.rules || []).map((r) => [r.type, r]));
  const grant = (g) => ({
    mode: g && g.per ? "per" : "fixed",
    fixed: str(g && g.fixed),
    per: str(g && g.per),
    give: str(g && g.give),
  });
  const fo = by.first_order;
  const eo = by.each_order;
  const cs = by.cumulative_spend;
  return {
    stored: !!d,
    enabled: p.enabled ?? true,
    expiry: expiryForm(p.expiry || { kind: "never" }),
    notify: { issued: true, used: true, expiring: true, refund: true, ...(p.notify || {}) },
    first_order: { on: !!fo, ...grant(fo && fo.grant), expiry: expiryForm(fo && fo.expiry) },
    each_order: { on: !!eo, ...grant(eo && eo.grant), min_order: str(eo && eo.min_order), expiry: expiryForm(eo && eo.expiry) },
    registration: { on: !!by.registration, fixed: str(by.registration && by.registration.grant.fixed), expiry: expiryForm(by.registration && by.registration.expiry) },
    order_count: {
      on: !!by.order_count,
      tiers: ((by.order_count && by.order_count.tiers) || [{ orders: "3", give: "" }]).map((x) => ({ orders: str(x.orders), give: str(x.give) })),
      expiry: expiryForm(by.order_count && by.order_count.expiry),
    },
    cumulative_spend: {
      on: !!cs,
      mode: cs && cs.tiers ? "tiers" : "every",
      per: str(cs && cs.every && cs.every.per),
      give: str(cs && cs.every && cs.every.give),
      tiers: ((cs && cs.tiers) || [{ spend: "", give: "" }]).map((x) => ({ spend: str(x.spend), give: str(x.give) })),
      expiry: expiryForm(cs && cs.expiry),
    },
  };
}

function creditDoc(fm) {
  const withExpiry = (rule, e) => {
    const x = expiryDoc(e);
    return x ? { ...rule, expiry: x } : rule;
  };
  const grant = (r) => (r.mode === "per" ? { per: dec(r.per), give: dec(r.give) } : { fixed: dec(r.fixed) });
  const rules = [];
  if (fm.first_order.on) rules.push(withExpiry({ type: "first_order", grant: grant(fm.first_order) }, fm.first_order.expiry));
  if (fm.each_order.on)
    rules.push(withExpiry({ type: "each_order", grant: grant(fm.each_order), min_order: dec(fm.each_order.min_order) }, fm.each_order.expiry));
  if (fm.registration.on)
    rules.push(withExpiry({ type: "registration", grant: { fixed: dec(fm.registration.fixed) } }, fm.registration.expiry));
  if (fm.order_count.on)
    rules.push(withExpiry({ type: "order_count", tiers: fm.order_count.tiers.map((x) => ({ orders: int(x.orders), give: dec(x.give) })) }, fm.order_count.expiry));
  if (fm.cumulative_spend.on) {
    const cs = fm.cumulative_spend;
    rules.push(
      withExpiry(
        cs.mode === "tiers"
          ? { type: "cumulative_spend", tiers: cs.tiers.map((x) => ({ spend: dec(x.spend), give: dec(x.give) })) }
          : { type: "cumulative_spend", every: { per: dec(cs.per), give: dec(cs.give) } },
        cs.expiry,
      ),
    );
  }
  return { enabled: fm.enabled, expiry: expiryDoc(fm.expiry) || { kind: "never" }, rules, notify: fm.notify };
}

function ExpiryFields({ f, path, label, own }) {
  const kind = getIn(f.doc, [...path, "kind"]);
  const kinds = [
    ...(own ? [["", t("programs.credit.expiry_program")]] : []),
    ["never", t("programs.credit.expiry_never")],
    ["days", t("programs.credit.expiry_days")],
    ["until", t("programs.credit.expiry_until")],
  ];
  return html`<div class="grid">
    <${Choice} f=${f} path=${[...path, "kind"]} label=${label} options=${kinds} />
    ${kind === "days"
      ? html`<${Text} f=${f} path=${[...path, "days"]} label=${t("programs.credit.days")} inputmode="numeric" placeholder="365" />`
      : kind === "until"
        ? html`<${Text} f=${f} path=${[...path, "date"]} label=${t("programs.credit.date")} type="date" />`
        : html`<div></div>`}
  </div>`;
}

function GrantFields({ f, rule }) {
  const mode = f.doc[rule].mode;
  const c = cur();
  return html`<div class="grid">
    <${Choice} f=${f} path=${[rule, "mode"]} label=${t("programs.credit.grant")}
      options=${[["fixed", t("programs.credit.grant_fixed")], ["per", t("programs.credit.grant_per")]]} />
    ${mode === "per"
      ? html`<${Text} f=${f} path=${[rule, "per"]} label=${t("programs.credit.per", { cur: c })} inputmode="decimal" placeholder="100.00" />
          <${Text} f=${f} path=${[rule, "give"]} label=${t("programs.credit.give", { cur: c })} inputmode="decimal" placeholder="2.00" />`
      : html`<${Text} f=${f} path=${[rule, "fixed"]} label=${t("programs.credit.fixed", { cur: c })} inputmode="decimal" placeholder="5.00" />`}
  </div>`;
}

function CreditRule({ f, rule, children }) {
  const on = f.doc[rule].on;
  return html`<article class=${on ? "rule on" : "rule"}>
    <header>
      <h3>${t(`programs.credit.${rule}`)}</h3>
      <${Check} f=${f} path=${[rule, "on"]} label=${t("programs.credit.rule_on")} sw />
    </header>
    <p class="hint">${t(`programs.credit.${rule}_hint`)}</p>
    ${on
      ? html`${children}
          <${ExpiryFields} f=${f} path=${[rule, "expiry"]} label=${t("programs.credit.rule_expiry")} own />`
      : null}
  </article>`;
}

function CreditForm({ doc, edit }) {
  const f = useForm(creditForm(doc), edit);
  const { a, save } = useSave("credit", f, creditDoc, creditForm);
  const d = f.doc;
  const c = cur();
  const active = RULES.filter((r) => d[r].on).length;
  return html`<form onSubmit=${save} novalidate>
    <div class="figures">
      <div><span class="figure">${active} / 5</span><small>${t("programs.credit.fig_rules")}</small></div>
      <div><span class="figure">${d.expiry.kind === "days" ? t("programs.credit.days_short", { n: d.expiry.days || "?" }) : d.expiry.kind === "until" ? d.expiry.date || "—" : t("programs.credit.expiry_never")}</span>
        <small>${t("programs.credit.fig_expiry")}</small></div>
    </div>
    <${StatusLine} on=${d.enabled} notSet=${!d.stored} />
    <fieldset disabled=${!edit}>
      <article>
        <header><h2>${t("programs.general")}</h2></header>
        <${Check} f=${f} path=${["enabled"]} label=${t("common.enabled")} sw hint=${t("programs.credit.enabled_hint")} />
        <${ExpiryFields} f=${f} path=${["expiry"]} label=${t("programs.credit.expiry")} />
        <p class="hint">${t("programs.credit.expiry_hint")}</p>
      </article>
      <h2>${t("programs.credit.rules")}</h2>
      <p class="hint">${t("programs.credit.rules_hint")}</p>
      <${CreditRule} f=${f} rule="first_order"><${GrantFields} f=${f} rule="first_order" /><//>
      <${CreditRule} f=${f} rule="each_order">
        <${GrantFields} f=${f} rule="each_order" />
        <div class="grid">
          <${Text} f=${f} path=${["each_order", "min_order"]} label=${t("programs.credit.min_order", { cur: c })}
            inputmode="decimal" placeholder="50.00" hint=${t("programs.credit.min_order_hint")} />
          <div></div>
        </div>
      <//>
      <${CreditRule} f=${f} rule="registration">
        <div class="grid">
          <${Text} f=${f} path=${["registration", "fixed"]} label=${t("programs.credit.fixed", { cur: c })} inputmode="decimal" placeholder="3.00" />
          <div></div>
        </div>
      <//>
      <${CreditRule} f=${f} rule="order_count">
        <${Rows} f=${f} path=${["order_count", "tiers"]} caption=${t("programs.credit.order_count")}
          blank=${{ orders: "", give: "" }} addLabel=${t("programs.add_tier")}
          cols=${[
            { key: "orders", label: t("programs.credit.orders"), inputmode: "numeric" },
            { key: "give", label: t("programs.credit.give", { cur: c }), inputmode: "decimal" },
          ]} />
      <//>
      <${CreditRule} f=${f} rule="cumulative_spend">
        <div class="grid">
          <${Choice} f=${f} path=${["cumulative_spend", "mode"]} label=${t("programs.credit.spend_mode")}
            options=${[["every", t("programs.credit.spend_every")], ["tiers", t("programs.credit.spend_tiers")]]} />
          <div></div>
        </div>
        ${d.cumulative_spend.mode === "tiers"
          ? html`<${Rows} f=${f} path=${["cumulative_spend", "tiers"]} caption=${t("programs.credit.cumulative_spend")}
              blank=${{ spend: "", give: "" }} addLabel=${t("programs.add_tier")}
              cols=${[
                { key: "spend", label: t("programs.credit.spend", { cur: c }), inputmode: "decimal" },
                { key: "give", label: t("programs.credit.give", { cur: c }), inputmode: "decimal" },
              ]} />`
          : html`<div class="grid">
              <${Text} f=${f} path=${["cumulative_spend", "per"]} label=${t("programs.credit.per", { cur: c })} inputmode="decimal" placeholder="500.00" />
              <${Text} f=${f} path=${["cumulative_spend", "give"]} label=${t("programs.credit.give", { cur: c })} inputmode="decimal" placeholder="10.00" />
            </div>`}
      <//>
      <article>
        <header><h2>${t("programs.credit.notify")}</h2></header>
        <p class="hint">${t("programs.credit.notify_hint")}</p>
        <div class="check-grid">
          ${["issued", "used", "expiring", "refund"].map(
            (k) => html`<${Check} f=${f} path=${["notify", k]} label=${t(`programs.credit.notify_${k}`)} />`,
          )}
        </div>
      </article>
    </fieldset>
    <${SaveBar} a=${a} edit=${edit} />
  </form>`;
}

// ---------------------------------------------------------------------------------------
// Stored value (003)

const ISO_DAYS = [1, 2, 3, 4, 5, 6, 7];

function valueForm(d) {
  const p = d || {};
  return {
    stored: !!d,
    enabled: p.enabled ?? true,
    any_amount: p.any_amount ?? true,
    min_amount: str(p.min_amount),
    rules: (p.rules || []).map((r) => ({
      rule_id: r.rule_id,
      name: r.name,
      pay: str(r.pay),
      gifts: {
        value: str(r.gifts && r.gifts.value),
        points: str(r.gifts && r.gifts.points),
        credit: str(r.gifts && r.gifts.credit),
        coupons: ((r.gifts && r.gifts.coupons) || []).join(", "),
      },
      levels: r.levels || [],
      stores: (r.stores || []).join(", "),
      channels: r.channels || ["till", "online"],
      starts_on: str(r.starts_on),
      ends_on: str(r.ends_on),
      days_kind: r.days ? (r.days.weekdays ? "weekdays" : "month_days") : "",
      weekdays: ((r.days && r.days.weekdays) || []).map(String),
      month_days: ((r.days && r.days.month_days) || []).join(", "),
      once_per_member: !!r.once_per_member,
      upgrade_to: str(r.upgrade_to),
    })),
  };
}

function valueDoc(fm) {
  const zeroless = (v) => dec(v) ?? undefined;
  return {
    enabled: fm.enabled,
    any_amount: fm.any_amount,
    min_amount: dec(fm.min_amount) ?? "0",
    rules: fm.rules.map((r) => {
      const stores = list(r.stores);
      return {
        rule_id: r.rule_id,
        name: r.name,
        pay: dec(r.pay) ?? "",
        gifts: {
          value: zeroless(r.gifts.value),
          points: int(r.gifts.points) ?? 0,
          credit: zeroless(r.gifts.credit),
          coupons: list(r.gifts.coupons),
        },
        levels: r.levels.length ? r.levels : null,
        stores: stores.length ? stores : null,
        channels: r.channels,
        starts_on: r.starts_on || null,
        ends_on: r.ends_on || null,
        days:
          r.days_kind === "weekdays"
            ? { weekdays: r.weekdays.map(Number).sort() }
            : r.days_kind === "month_days"
              ? { month_days: list(r.month_days).map(int) }
              : null,
        once_per_member: r.once_per_member,
        upgrade_to: r.upgrade_to || null,
      };
    }),
  };
}

function RechargeRule({ f, i, ladder }) {
  const path = ["rules", i];
  const r = f.doc.rules[i];
  const c = cur();
  const P = (...k) => [...path, ...k];
  const levels = (ladder && ladder.levels) || [];
  const summary = [
    t("programs.value.pay_get", { pay: money(r.pay || "0"), value: money(r.gifts.value || "0") }),
    r.gifts.points ? t("programs.value.plus_points", { n: fmtPoints(Number(r.gifts.points) || 0) }) : null,
  ]
    .filter(Boolean)
    .join(" · ");
  return html`<article class="rule on">
    <header class="rule-head">
      <h3>${r.name || t("programs.value.new_rule")} <small class="muted">${summary}</small></h3>
      ${f.edit
        ? html`<button type="button" class="secondary outline small"
            onClick=${() => f.set(["rules"], f.doc.rules.filter((_, j) => j !== i))}>
            ${t("programs.value.remove_rule", { name: r.name || r.rule_id })}</button>`
        : null}
    </header>
    <div class="grid">
      <${Text} f=${f} path=${P("rule_id")} label=${t("programs.rule_id")} hint=${t("programs.rule_id_hint")} />
      <${Text} f=${f} path=${P("name")} label=${t("programs.value.rule_name")} />
      <${Text} f=${f} path=${P("pay")} label=${t("programs.value.pay", { cur: c })} inputmode="decimal" placeholder="100.00" />
    </div>
    <fieldset>
      <legend>${t("programs.value.gifts")}</legend>
      <div class="grid">
        <${Text} f=${f} path=${P("gifts", "value")} label=${t("programs.value.gift_value", { cur: c })} inputmode="decimal" placeholder="0.00" />
        <${Text} f=${f} path=${P("gifts", "points")} label=${t("programs.value.gift_points")} inputmode="numeric" placeholder="0" />
        <${Text} f=${f} path=${P("gifts", "credit")} label=${t("programs.value.gift_credit", { cur: c })} inputmode="decimal" placeholder="0.00" />
        <${Text} f=${f} path=${P("gifts", "coupons")} label=${t("programs.value.gift_coupons")} hint=${t("programs.list_hint")} />
      </div>
    </fieldset>
    <fieldset>
      <legend>${t("programs.value.who_where")}</legend>
      <div class="grid">
        <${Checks} f=${f} path=${P("channels")} legend=${t("programs.value.channels")}
          options=${[["till", t("programs.channel.till")], ["online", t("programs.channel.online")]]} />
        ${levels.length
          ? html`<${Checks} f=${f} path=${P("levels")} legend=${t("programs.value.levels")}
              options=${levels.map((l) => [l.level_id, l.name])} hint=${t("programs.value.levels_hint")} />`
          : html`<p class="hint">${t("programs.value.levels_all")}</p>`}
        <${Text} f=${f} path=${P("stores")} label=${t("programs.value.stores")} hint=${t("programs.value.stores_hint")} />
      </div>
    </fieldset>
    <fieldset>
      <legend>${t("programs.value.when")}</legend>
      <div class="grid">
        <${Text} f=${f} path=${P("starts_on")} type="date" label=${t("programs.value.starts_on")} hint=${t("programs.value.starts_hint")} />
        <${Text} f=${f} path=${P("ends_on")} type="date" label=${t("programs.value.ends_on")} hint=${t("programs.value.ends_hint")} />
        <${Choice} f=${f} path=${P("days_kind")} label=${t("programs.value.days")}
          options=${[["", t("programs.value.days_any")], ["weekdays", t("programs.value.days_weekdays")], ["month_days", t("programs.value.days_month")]]} />
      </div>
      ${r.days_kind === "weekdays"
        ? html`<${Checks} f=${f} path=${P("weekdays")} legend=${t("programs.value.days_weekdays")}
            options=${ISO_DAYS.map((n) => [String(n), t(`programs.wd.${WEEKDAYS[n - 1]}`)])} />`
        : r.days_kind === "month_days"
          ? html`<${Text} f=${f} path=${P("month_days")} label=${t("programs.value.days_month")} placeholder="1, 15" hint=${t("programs.list_hint")} />`
          : null}
    </fieldset>
    <div class="grid">
      <${Check} f=${f} path=${P("once_per_member")} label=${t("programs.value.once")} hint=${t("programs.value.once_hint")} />
      <${Choice} f=${f} path=${P("upgrade_to")} label=${t("programs.value.upgrade_to")}
        options=${levelOptions(ladder, t("programs.value.no_upgrade"))} hint=${t("programs.value.upgrade_hint")} />
    </div>
  </article>`;
}

function ValueForm({ doc, ladder, edit }) {
  const f = useForm(valueForm(doc), edit);
  const { a, save } = useSave("value", f, valueDoc, valueForm);
  const d = f.doc;
  const c = cur();
  const addRule = () =>
    f.set(["rules"], [
      ...d.rules,
      {
        rule_id: `r${d.rules.length + 1}`, name: "", pay: "", gifts: { value: "", points: "", credit: "", coupons: "" },
        levels: [], stores: "", channels: ["till", "online"], starts_on: "", ends_on: "", days_kind: "", weekdays: [],
        month_days: "", once_per_member: false, upgrade_to: "",
      },
    ]);
  return html`<form onSubmit=${save} novalidate>
    <div class="figures">
      <div><span class="figure">${d.rules.length}</span><small>${t("programs.value.fig_rules")}</small></div>
      <div><span class="figure">${d.any_amount ? money(d.min_amount || "0") : "—"}</span>
        <small>${d.any_amount ? t("programs.value.fig_min") : t("programs.value.fig_fixed")}</small></div>
    </div>
    <${StatusLine} on=${d.enabled} notSet=${!d.stored} />
    <fieldset disabled=${!edit}>
      <article>
        <header><h2>${t("programs.general")}</h2></header>
        <${Check} f=${f} path=${["enabled"]} label=${t("common.enabled")} sw />
        <${Check} f=${f} path=${["any_amount"]} label=${t("programs.value.any_amount")} hint=${t("programs.value.any_amount_hint")} />
        ${d.any_amount
          ? html`<div class="grid">
              <${Text} f=${f} path=${["min_amount"]} label=${t("programs.value.min_amount", { cur: c })} inputmode="decimal" placeholder="10.00" />
              <div></div>
            </div>`
          : null}
      </article>
      <h2>${t("programs.value.rules")}</h2>
      <p class="hint">${t("programs.value.rules_hint")}</p>
      ${d.rules.length === 0 ? html`<p class="empty">${t("programs.value.no_rules")}</p>` : null}
      ${d.rules.map((_, i) => html`<${RechargeRule} key=${i} f=${f} i=${i} ladder=${ladder} />`)}
      ${edit ? html`<button type="button" class="secondary" onClick=${addRule}>${t("programs.value.add_rule")}</button>` : null}
    </fieldset>
    <${SaveBar} a=${a} edit=${edit} />
  </form>`;
}
