// Stored value (003): recharge rules (pay, get; who, where and when); one document
// (PUT /admin/programs/value).
import { money, points as fmtPoints } from "../format.js";
import { t } from "../i18n.js";
import { html } from "../ui.js";
import {
  Check, Checks, Choice, SaveBar, StatusLine, Text, cur, dec, int, levelOptions, list, str, useForm, useSave,
} from "../form.js";
import { WEEKDAYS } from "./points.js";
import { CouponCounts, NO_COUPONS, fromCounts, toCounts, useCouponDefs } from "./coupon-counts.js";

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
        coupons: toCounts(r.gifts && r.gifts.coupons),
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
          coupons: fromCounts(r.gifts.coupons),
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

function RechargeRule({ f, i, ladder, defs }) {
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
      </div>
      <${CouponCounts} f=${f} path=${P("gifts", "coupons")} defs=${defs} disabled=${!f.edit} />
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

export function ValueForm({ doc, ladder, edit }) {
  const f = useForm(valueForm(doc), edit);
  const { a, save } = useSave("/admin/programs/value", f, valueDoc, valueForm);
  // Read once for every rule's gifts.
  const defs = useCouponDefs();
  const d = f.doc;
  const c = cur();
  const addRule = () =>
    f.set(["rules"], [
      ...d.rules,
      {
        rule_id: `r${d.rules.length + 1}`, name: "", pay: "", gifts: { value: "", points: "", credit: "", coupons: NO_COUPONS },
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
      ${d.rules.map((_, i) => html`<${RechargeRule} key=${i} f=${f} i=${i} ladder=${ladder} defs=${defs} />`)}
      ${edit ? html`<button type="button" class="secondary" onClick=${addRule}>${t("programs.value.add_rule")}</button>` : null}
    </fieldset>
    <${SaveBar} a=${a} edit=${edit} />
  </form>`;
}
