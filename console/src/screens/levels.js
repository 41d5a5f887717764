// The level ladder (003): how members climb (growth, points, cumulative spend or recharge),
// the level each channel gives at registration, and each level's benefits, validity,
// downgrade and paid upgrade. Every staff role reads it; managers change it.
import { call } from "../api.js";
import { money, points as fmtPoints } from "../format.js";
import { t } from "../i18n.js";
import { Loaded, fieldOf, html, useAction, useLoad } from "../ui.js";
import {
  Area, Check, Choice, Rows, SaveBar, Text, cur, dec, int, list, loadDoc, str, useFocusInvalid, useForm,
} from "../form.js";
import { CouponCounts, NO_COUPONS, fromCounts, toCounts, useCouponDefs } from "./coupon-counts.js";

const METRICS = ["growth", "points", "cumulative_spend", "cumulative_recharge"];
const isMoney = (m) => m === "cumulative_spend" || m === "cumulative_recharge";

function blankLevel(levels) {
  const n = levels.length;
  const top = levels.reduce((m, l) => Math.max(m, Number(l.rank) || 0), -1);
  return {
    level_id: n === 0 ? "base" : `level${n + 1}`,
    name: "",
    rank: String(top + 1),
    threshold: n === 0 ? "0" : "",
    has_discount: false,
    percent: "",
    categories: "",
    exclude: "",
    earns_points: true,
    text: "",
    validity_days: "",
    downgrade: "",
    downgrade_to: "",
    ranges: [],
    has_paid: false,
    price: "",
    reward_points: "",
    reward_credit: "",
    reward_coupons: NO_COUPONS,
  };
}

function toForm(d) {
  const p = d || {};
  return {
    stored: !!d,
    upgrade_by: p.upgrade_by || "growth",
    growth_per_unit: str(p.growth_per_unit ?? 1),
    default_till: str(p.default_till),
    default_online: str(p.default_online),
    levels: (p.levels || []).map((l) => ({
      level_id: l.level_id,
      name: l.name,
      rank: str(l.rank),
      threshold: str(l.threshold),
      has_discount: !!l.discount,
      percent: str(l.discount && l.discount.percent),
      categories: ((l.discount && l.discount.categories) || []).join(", "),
      exclude: ((l.discount && l.discount.exclude_categories) || []).join(", "),
      earns_points: l.earns_points !== false,
      text: str(l.text),
      validity_days: str(l.validity_days),
      downgrade: l.downgrade ? l.downgrade.kind : "",
      downgrade_to: str(l.downgrade && l.downgrade.level_id),
      ranges: ((l.downgrade && l.downgrade.ranges) || []).map((r) => ({ min: r.min, level_id: r.level_id })),
      has_paid: !!l.paid_upgrade,
      price: str(l.paid_upgrade && l.paid_upgrade.price),
      reward_points: str(l.paid_upgrade && l.paid_upgrade.reward && l.paid_upgrade.reward.points),
      reward_credit: str(l.paid_upgrade && l.paid_upgrade.reward && l.paid_upgrade.reward.credit),
      reward_coupons: toCounts(l.paid_upgrade && l.paid_upgrade.reward && l.paid_upgrade.reward.coupons),
    })),
  };
}

function toDoc(fm) {
  const money = isMoney(fm.upgrade_by);
  return {
    upgrade_by: fm.upgrade_by,
    growth_per_unit: int(fm.growth_per_unit) ?? 1,
    default_till: fm.default_till || null,
    default_online: fm.default_online || null,
    levels: fm.levels.map((l) => {
      const out = {
        level_id: l.level_id.trim(),
        name: l.name,
        rank: int(l.rank),
        threshold: money ? dec(l.threshold) ?? "0" : int(l.threshold) ?? 0,
        earns_points: l.earns_points,
        text: l.text.trim() ? l.text : null,
        validity_days: int(l.validity_days),
      };
      if (l.has_discount) {
        const cats = list(l.categories);
        out.discount = { percent: int(l.percent), categories: cats.length ? cats : null, exclude_categories: list(l.exclude) };
      }
      if (l.downgrade === "recompute") out.downgrade = { kind: "recompute" };
      if (l.downgrade === "to_level") out.downgrade = { kind: "to_level", level_id: l.downgrade_to };
      if (l.downgrade === "by_balance")
        out.downgrade = { kind: "by_balance", ranges: l.ranges.map((r) => ({ min: dec(r.min) ?? "", level_id: r.level_id })) };
      if (l.has_paid)
        out.paid_upgrade = {
          price: dec(l.price) ?? "",
          reward: { points: int(l.reward_points) ?? 0, credit: dec(l.reward_credit) ?? undefined, coupons: fromCounts(l.reward_coupons) },
        };
      return out;
    }),
  };
}

// Which of our fields a refusal names, in the server's words (level_document.rs, level.rs).
const GUESS = [
  ["threshold", /threshold/],
  ["downgrade", /downgrade|recompute|go down|balance range|ranges/],
  ["validity_days", /validity/],
  ["rank", /\brank\b/],
  ["percent", /discount|percent/],
  ["categories", /categor/],
  ["price", /price|paid upgrade|reward/],
  ["level_id", /level id|\bid\b/],
  ["name", /\bname\b/],
  ["default", /default level/],
  ["upgrade_by", /upgrade_by/],
  ["growth_per_unit", /growth_per_unit/],
];
const FIELDS = ["threshold", "rank", "level_id", "downgrade", "validity_days", "name", "upgrade_by", "growth_per_unit"];

/** {index, field} of a refusal: the level it names first, the field it is about. */
function placeOf(error, levels) {
  if (!error || (error.status !== 422 && error.status !== 400)) return null;
  const d = error.detail || "";
  const hit = GUESS.find(([, re]) => re.test(d));
  const field = hit ? hit[0] : fieldOf(error, FIELDS);
  if (!field) return null;
  if (["default", "upgrade_by", "growth_per_unit"].includes(field)) return { index: -1, field };
  let index = -1;
  let at = Infinity;
  levels.forEach((l, i) => {
    const id = l.level_id.trim();
    if (!id) return;
    const m = new RegExp(`(^|[\\s:;,"'])${id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?=[\\s:;,"']|$)`).exec(d);
    if (m && m.index < at) {
      at = m.index;
      index = i;
    }
  });
  const rank = /rank (\d+) is used twice/.exec(d);
  if (rank) index = levels.map((l) => String(l.rank).trim()).lastIndexOf(rank[1]);
  return index >= 0 ? { index, field } : null;
}

function Summary({ doc }) {
  const m = doc.upgrade_by;
  const thr = (v) => (isMoney(m) ? money(v) : fmtPoints(Number(v) || 0));
  const sorted = doc.levels.slice().sort((a, b) => (Number(a.rank) || 0) - (Number(b.rank) || 0));
  return html`<div class="table-wrap"><table class="striped">
    <caption>${t("levels.summary")}</caption>
    <thead><tr>
      <th scope="col">${t("levels.rank")}</th>
      <th scope="col">${t("common.name")}</th>
      <th scope="col" class="num">${t("levels.threshold_of", { metric: t(`levels.metric.${m}`) })}</th>
      <th scope="col">${t("levels.benefit")}</th>
      <th scope="col">${t("levels.validity")}</th>
      <th scope="col">${t("levels.paid")}</th>
    </tr></thead>
    <tbody>
      ${sorted.map(
        (l) => html`<tr>
          <td>${l.rank}</td>
          <td><strong>${l.name || l.level_id}</strong> <small class="muted">${l.level_id}</small></td>
          <td class="num">${l.threshold === "" ? "—" : thr(l.threshold)}</td>
          <td>${l.has_discount && l.percent ? t("levels.pays", { percent: l.percent }) : t("levels.no_discount")}
            ${l.earns_points ? "" : html` · ${t("levels.no_points")}`}</td>
          <td>${l.validity_days ? t("levels.days", { n: l.validity_days }) : t("levels.forever")}</td>
          <td>${l.has_paid && l.price ? money(l.price) : "—"}</td>
        </tr>`,
      )}
    </tbody>
  </table></div>`;
}

function LevelCard({ f, i, err, ladderIds, defs }) {
  const l = f.doc.levels[i];
  const P = (k) => ["levels", i, k];
  const at = (field) => (err && err.index === i && err.field === field ? err.error : null);
  const metric = f.doc.upgrade_by;
  const c = cur();
  const others = f.doc.levels.filter((_, j) => j !== i).map((x) => [x.level_id, `${x.name || x.level_id} (${x.level_id})`]);
  const downgrades = [
    ["", t("levels.downgrade_none")],
    ...(isMoney(metric) ? [] : [["recompute", t("levels.downgrade_recompute")]]),
    ...(metric === "growth" ? [] : [["to_level", t("levels.downgrade_to_level")], ["by_balance", t("levels.downgrade_by_balance")]]),
  ];
  return html`<article class="level-card">
    <header class="rule-head">
      <h3>${t("levels.level_n", { n: i + 1 })}${l.name ? ` · ${l.name}` : ""}</h3>
      ${f.edit
        ? html`<button type="button" class="secondary outline small"
            onClick=${() => f.set(["levels"], f.doc.levels.filter((_, j) => j !== i))}>
            ${t("levels.remove", { name: l.name || l.level_id || i + 1 })}</button>`
        : null}
    </header>
    <div class="grid">
      <${Text} f=${f} path=${P("level_id")} label=${t("levels.level_id")} error=${at("level_id")} hint=${t("programs.rule_id_hint")} />
      <${Text} f=${f} path=${P("name")} label=${t("levels.name")} error=${at("name")} />
      <${Text} f=${f} path=${P("rank")} label=${t("levels.rank")} inputmode="numeric" error=${at("rank")} hint=${t("levels.rank_hint")} />
      <${Text} f=${f} path=${P("threshold")} label=${t("levels.threshold")} inputmode=${isMoney(metric) ? "decimal" : "numeric"}
        error=${at("threshold")} hint=${t(`levels.threshold_hint.${metric}`, { cur: c })} />
    </div>
    <fieldset>
      <legend>${t("levels.benefits")}</legend>
      <${Check} f=${f} path=${P("earns_points")} label=${t("levels.earns_points")} />
      <${Check} f=${f} path=${P("has_discount")} label=${t("levels.has_discount")} />
      ${l.has_discount
        ? html`<div class="grid">
            <${Text} f=${f} path=${P("percent")} label=${t("levels.percent")} inputmode="numeric" placeholder="95"
              error=${at("percent")} hint=${t("levels.percent_hint")} />
            <${Text} f=${f} path=${P("categories")} label=${t("levels.categories")} error=${at("categories")}
              hint=${t("levels.categories_hint")} />
            <${Text} f=${f} path=${P("exclude")} label=${t("levels.exclude")} placeholder=${t("levels.exclude_placeholder")}
              hint=${t("levels.exclude_hint")} />
          </div>`
        : null}
      <${Area} f=${f} path=${P("text")} label=${t("levels.text")} hint=${t("levels.text_hint")} />
    </fieldset>
    <fieldset>
      <legend>${t("levels.validity_downgrade")}</legend>
      <div class="grid">
        <${Text} f=${f} path=${P("validity_days")} label=${t("levels.validity_days")} inputmode="numeric"
          error=${at("validity_days")} hint=${t("levels.validity_hint")} />
        <${Choice} f=${f} path=${P("downgrade")} label=${t("levels.downgrade")} options=${downgrades}
          error=${at("downgrade")} hint=${t(`levels.downgrade_hint.${metric}`)} />
        ${l.downgrade === "to_level"
          ? html`<${Choice} f=${f} path=${P("downgrade_to")} label=${t("levels.downgrade_target")}
              options=${[["", t("programs.choose")], ...others]} />`
          : html`<div></div>`}
      </div>
      ${l.downgrade === "by_balance"
        ? html`<p class="hint">${t("levels.ranges_hint")}</p>
            <${Rows} f=${f} path=${P("ranges")} caption=${t("levels.ranges")}
              blank=${{ min: "0.00", level_id: "" }} addLabel=${t("levels.add_range")}
              cols=${[
                { key: "min", label: t("levels.range_min", { cur: c }), inputmode: "decimal" },
                { key: "level_id", label: t("programs.level"), options: [["", t("programs.choose")], ...ladderIds] },
              ]} />`
        : null}
    </fieldset>
    <fieldset>
      <legend>${t("levels.paid_upgrade")}</legend>
      <${Check} f=${f} path=${P("has_paid")} label=${t("levels.has_paid")} hint=${t("levels.paid_hint")} />
      ${l.has_paid
        ? html`<div class="grid">
            <${Text} f=${f} path=${P("price")} label=${t("levels.price", { cur: c })} inputmode="decimal" placeholder="99.00" error=${at("price")} />
            <${Text} f=${f} path=${P("reward_points")} label=${t("levels.reward_points")} inputmode="numeric" placeholder="0" />
            <${Text} f=${f} path=${P("reward_credit")} label=${t("levels.reward_credit", { cur: c })} inputmode="decimal" placeholder="0.00" />
          </div>
          <${CouponCounts} f=${f} path=${P("reward_coupons")} defs=${defs} disabled=${!f.edit} />`
        : null}
    </fieldset>
  </article>`;
}

function LadderForm({ doc, edit }) {
  const f = useForm(toForm(doc), edit);
  const a = useAction();
  // Read once for every level's paid-upgrade reward.
  const defs = useCouponDefs();
  const d = f.doc;
  const placed = a.error ? placeOf(a.error, d.levels) : null;
  const err = placed ? { ...placed, error: a.error } : null;
  useFocusInvalid(a.error);
  const save = (e) => {
    e.preventDefault();
    a.run(async () => {
      const stored = await call("PUT", "/admin/levels", { body: toDoc(f.doc) });
      f.reset(toForm(stored));
      return stored;
    });
  };
  const ids = d.levels.filter((l) => l.level_id.trim()).map((l) => [l.level_id, `${l.name || l.level_id} (${l.level_id})`]);
  const defaults = [["", t("levels.no_default")], ...ids];
  const top = placed && placed.index === -1 ? placed.field : null;
  return html`<form onSubmit=${save} novalidate>
    ${!d.stored ? html`<p class="notice" role="status">${t("levels.not_set_up")}</p>` : null}
    ${d.levels.length ? html`<${Summary} doc=${d} />` : null}
    <fieldset disabled=${!edit}>
      <article>
        <header><h2>${t("levels.how")}</h2></header>
        <div class="grid">
          <${Choice} f=${f} path=${["upgrade_by"]} label=${t("levels.upgrade_by")} error=${top === "upgrade_by" ? a.error : null}
            options=${METRICS.map((m) => [m, t(`levels.metric.${m}`)])} hint=${t(`levels.metric_hint.${d.upgrade_by}`)} />
          ${d.upgrade_by === "growth"
            ? html`<${Text} f=${f} path=${["growth_per_unit"]} label=${t("levels.growth_per_unit", { cur: cur() })}
                inputmode="numeric" error=${top === "growth_per_unit" ? a.error : null} hint=${t("levels.growth_hint")} />`
            : html`<div></div>`}
        </div>
        <div class="grid">
          <${Choice} f=${f} path=${["default_till"]} label=${t("levels.default_till")} options=${defaults}
            error=${top === "default" && /default/.test(a.error.detail || "") ? a.error : null} hint=${t("levels.default_till_hint")} />
          <${Choice} f=${f} path=${["default_online"]} label=${t("levels.default_online")} options=${defaults}
            hint=${t("levels.default_online_hint")} />
        </div>
      </article>
      <h2>${t("levels.levels")}</h2>
      ${d.levels.length === 0 ? html`<p class="empty">${t("levels.empty")}</p>` : null}
      ${d.levels.map((_, i) => html`<${LevelCard} key=${i} f=${f} i=${i} err=${err} ladderIds=${ids} defs=${defs} />`)}
      ${edit
        ? html`<button type="button" class="secondary" onClick=${() => f.set(["levels"], [...d.levels, blankLevel(d.levels)])}>
            ${t("levels.add")}</button>`
        : null}
    </fieldset>
    <${SaveBar} a=${a} edit=${edit} placed=${!!placed} />
  </form>`;
}

export function Levels({ session }) {
  const edit = session.can("manage");
  const load = useLoad(() => loadDoc("/admin/levels"), []);
  return html`<section class="setup">
    <h1>${t("levels.title")}</h1>
    <p class="lead">${t("levels.intro")}</p>
    ${!edit ? html`<p class="notice">${t("levels.read_only")}</p>` : null}
    <${Loaded} load=${load}>${(doc) => html`<${LadderForm} doc=${doc} edit=${edit} />`}<//>
  </section>`;
}
