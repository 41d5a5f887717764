// #/settings (admin, owner): the shop's currency and time zone (every figure follows them),
// the claim link template cards are handed out with (000, 002: link or QR code), the paid
// card the shop guides members to buy (000 引导购买) and the payment webhook secrets,
// which are write-only: the answer only says whether each is set.
import { useEffect, useState } from "preact/hooks";
import { call, get, getOrNull } from "../api.js";
import { t } from "../i18n.js";
import { Badge, Field, Loaded, Problem, fieldOf, html, useAction, useLoad } from "../ui.js";
import { Text, useForm } from "../form.js";

/** Common zones to choose from; any other IANA name may be typed. */
const ZONES = [
  "Asia/Kuala_Lumpur",
  "Asia/Singapore",
  "Asia/Shanghai",
  "Asia/Hong_Kong",
  "Asia/Taipei",
  "Asia/Tokyo",
  "Asia/Seoul",
  "Asia/Bangkok",
  "Asia/Jakarta",
  "Asia/Manila",
  "Asia/Ho_Chi_Minh",
  "Asia/Kolkata",
  "Asia/Dubai",
  "Australia/Sydney",
  "Pacific/Auckland",
  "Europe/London",
  "Europe/Berlin",
  "Europe/Paris",
  "America/New_York",
  "America/Chicago",
  "America/Los_Angeles",
  "UTC",
];

const FIELDS = ["currency", "timezone", "point_value", "claim_url", "guide_card_id", "guide_on", "stripe_webhook_secret", "webhook_secret"];

/** The field a refusal is about: the code or the detail's words, else none (shown by Save). */
function fieldFor(error) {
  if (!error) return null;
  if (error.code === "currency_locked") return "currency";
  const named = fieldOf(error, FIELDS);
  if (named) return named;
  const detail = error.detail || "";
  if (/time zone/i.test(detail)) return "timezone";
  if (/currency|ISO 4217/i.test(detail)) return "currency";
  return null;
}

// A new shop has none yet (null): the form starts empty and Save creates them.
const readSettings = () => getOrNull("/admin/settings");

function formOf(s) {
  return {
    currency: s?.currency || "",
    timezone: s?.timezone || "",
    claim_url: s?.claim_url || "",
    point_value: s?.point_value || "",
    guide_card_id: s?.guide_card_id || "",
    guide_on: s?.guide_on || [],
    webhook_secret: "",
    stripe_webhook_secret: "",
  };
}

export function Settings({ session }) {
  const load = useLoad(readSettings, []);
  const cards = useLoad(() => get("/admin/cards"), []);
  return html`<h1>${t("settings.title")}</h1>
    <p>${t("settings.intro")}</p>
    <${Loaded} load=${load}>
      ${(current) => html`<${SettingsForm} current=${current} cards=${cards} session=${session} onSaved=${load.reload} />`}
    <//>`;
}

function SettingsForm({ current, cards, session, onSaved }) {
  const save = useAction();
  const f = useForm(() => formOf(current), true, save.clear);
  const form = f.doc;
  const [saved, setSaved] = useState(current);
  useEffect(() => f.reset(formOf(current)), [current]);
  const togglePlace = (place) => (e) => {
    const places = form.guide_on.filter((p) => p !== place);
    f.set("guide_on", e.currentTarget.checked ? [...places, place] : places);
  };

  const submit = (e) => {
    e.preventDefault();
    const body = {
      timezone: form.timezone.trim(),
      claim_url: form.claim_url.trim() || null,
      // Money per point as typed ("0.01"): never a float.
      point_value: form.point_value.trim() || null,
      guide_card_id: form.guide_card_id || null,
      guide_on: form.guide_on,
    };
    const currency = form.currency.trim().toUpperCase();
    // The currency is sent when a new shop sets it or someone tries to change it (the
    // server then answers currency_locked at the field).
    if (!saved || currency !== saved.currency) body.currency = currency;
    // Secrets left empty keep the current ones.
    if (form.webhook_secret) body.webhook_secret = form.webhook_secret;
    if (form.stripe_webhook_secret) body.stripe_webhook_secret = form.stripe_webhook_secret;
    save.run(async () => {
      const answer = await call("PUT", "/admin/settings", { body });
      setSaved(answer);
      f.reset(formOf(answer));
      session.reloadSettings();
      return answer;
    });
  };

  const at = fieldFor(save.error);
  const errorOf = (name) => (at === name ? save.error : null);
  const paidCards = (cards.data?.items || []).filter((c) => c.kind === "paid" && c.listed);
  const locked = Boolean(saved);

  return html`<form onSubmit=${submit} novalidate>
    <article>
      <header><h2 class="shop-title">${t("settings.money_time")}</h2></header>
      <div class="grid">
        <${Text} f=${f} path="currency" label=${t("settings.currency")} error=${errorOf("currency")}
          hint=${locked ? t("settings.currency_locked_hint") : t("settings.currency_hint")}
          name="currency" maxlength="3" autocomplete="off" spellcheck="false" required placeholder="MYR" />
        <${Text} f=${f} path="timezone" label=${t("settings.timezone")} error=${errorOf("timezone")}
          hint=${t("settings.timezone_hint")} name="timezone" list="settings-zones"
          autocomplete="off" spellcheck="false" required placeholder="Asia/Kuala_Lumpur" />
      </div>
      <datalist id="settings-zones">
        ${ZONES.map((z) => html`<option value=${z}></option>`)}
      </datalist>
      <${Text} f=${f} path="point_value" label=${t("settings.point_value")} error=${errorOf("point_value")}
        hint=${t("settings.point_value_hint")} name="point_value" inputmode="decimal"
        autocomplete="off" spellcheck="false" placeholder="0.01" />
    </article>

    <article>
      <header><h2 class="shop-title">${t("settings.claim_title")}</h2></header>
      <p>${t("settings.claim_intro")}</p>
      <${Text} f=${f} path="claim_url" label=${t("settings.claim_url")} error=${errorOf("claim_url")}
        hint=${t("settings.claim_url_hint")} name="claim_url" type="url"
        autocomplete="off" spellcheck="false" placeholder="https://shop.example/cards/{card_id}" />
    </article>

    <article>
      <header><h2 class="shop-title">${t("settings.guide_title")}</h2></header>
      <p>${t("settings.guide_intro")}</p>
      ${cards.error ? html`<${Problem} error=${cards.error} onRetry=${cards.reload} />` : null}
      <${Field} label=${t("settings.guide_card")} error=${errorOf("guide_card_id")}
        hint=${paidCards.length ? null : t("settings.guide_no_cards")}>
        <select name="guide_card_id" value=${form.guide_card_id} onChange=${f.on("guide_card_id")}>
          <option value="">${t("common.none")}</option>
          ${paidCards.map((c) => html`<option value=${c.card_id}>${c.name}</option>`)}
          ${form.guide_card_id && !paidCards.some((c) => c.card_id === form.guide_card_id)
            ? html`<option value=${form.guide_card_id}>${form.guide_card_id}</option>`
            : null}
        </select>
      <//>
      <fieldset>
        <legend>${t("settings.guide_on")}</legend>
        ${["product", "checkout"].map(
          (place) => html`<label>
            <input type="checkbox" name="guide_on" value=${place} checked=${form.guide_on.includes(place)}
              onChange=${togglePlace(place)} />
            ${t(`settings.guide_on_${place}`)}
          </label>`,
        )}
        ${at === "guide_on" ? html`<small class="field-error" role="alert">${save.error.detail}</small>` : null}
      </fieldset>
    </article>

    <article>
      <header><h2 class="shop-title">${t("settings.webhooks_title")}</h2></header>
      <p>${t("settings.webhooks_intro")}</p>
      <div class="grid">
        <div>
          <p>
            ${t("settings.webhook_secret_status")}${" "}
            <${Badge} kind=${saved?.webhook_secret_set ? "ok" : "neutral"}>
              ${saved?.webhook_secret_set ? t("settings.set") : t("settings.not_set")}
            <//>
          </p>
          <${Text} f=${f} path="webhook_secret" label=${t("settings.webhook_secret")} error=${errorOf("webhook_secret")}
            hint=${t("settings.secret_hint")} name="webhook_secret" type="password" autocomplete="new-password" />
        </div>
        <div>
          <p>
            ${t("settings.stripe_secret_status")}${" "}
            <${Badge} kind=${saved?.stripe_webhook_secret_set ? "ok" : "neutral"}>
              ${saved?.stripe_webhook_secret_set ? t("settings.set") : t("settings.not_set")}
            <//>
          </p>
          <${Text} f=${f} path="stripe_webhook_secret" label=${t("settings.stripe_webhook_secret")}
            error=${errorOf("stripe_webhook_secret")} hint=${t("settings.stripe_secret_hint")}
            name="stripe_webhook_secret" type="password" autocomplete="new-password" placeholder="whsec_…" />
        </div>
      </div>
    </article>

    ${save.error && !at ? html`<${Problem} error=${save.error} onRetry=${save.retry} />` : null}
    ${save.error && at ? html`<p class="problem" role="status">${t("settings.fix_fields")}</p>` : null}
    <div class="row">
      <button type="submit" aria-busy=${save.busy ? "true" : undefined} disabled=${save.busy}>${t("common.save")}</button>
      ${save.done ? html`<span role="status">${t("common.saved")}</span>` : null}
    </div>
  </form>`;
}
