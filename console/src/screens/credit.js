// Store credit (001): the program's expiry and notices, and the five ways to give credit,
// one rule each; one document (PUT /admin/programs/credit).
import { t } from "../i18n.js";
import { html } from "../ui.js";
import { Check, Choice, Rows, SaveBar, StatusLine, Text, cur, dec, getIn, int, str, useForm, useSave } from "../form.js";

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

export function CreditForm({ doc, edit }) {
  const f = useForm(creditForm(doc), edit);
  const { a, save } = useSave("/admin/programs/credit", f, creditDoc, creditForm);
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

