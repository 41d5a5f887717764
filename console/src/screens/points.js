// The points program (003, 004): earning, multipliers, redeeming, expiry and the gifts
// points are exchanged for; one document (PUT /admin/programs/points).
import { points as fmtPoints } from "../format.js";
import { t } from "../i18n.js";
import { html } from "../ui.js";
import {
  Check, Checks, Choice, Rows, SaveBar, StatusLine, Text, cur, dec, int, levelOptions, list, str, useForm, useSave,
} from "../form.js";

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

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

export function PointsForm({ doc, ladder, edit }) {
  const f = useForm(pointsForm(doc), edit);
  const { a, save } = useSave("/admin/programs/points", f, pointsDoc, pointsForm);
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

