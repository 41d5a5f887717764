// #/webhooks (API 1.2 "Outbound webhooks", admin and owner): the
// shop's endpoints, where the loyalty events (points earned, cards claimed, levels changed ...)
// are sent as signed messages (Standard Webhooks 1.0). An endpoint's secret is shown once,
// when it is made and when it is rotated; the deliveries show what was sent and how it went,
// and "Recover" sends the failed ones again. Other roles are told they cannot manage webhooks
// (the API answers them 403) and get no buttons.
import { useEffect, useRef, useState } from "preact/hooks";
import { call, get, seg } from "../api.js";
import { dateTime, points } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Dialog, Field, Loaded, Problem, fieldOf, html, useAction, useLoad } from "../ui.js";
import { Text, useForm } from "../form.js";

/** At most this many endpoints a shop (409 endpoint_limit_reached beyond). */
const MAX_ENDPOINTS = 20;

/** The types a merchant subscribes to, grouped as the merchant thinks of them. */
const GROUPS = [
  ["members", ["member.registered", "level.changed"]],
  // API 1.3: every balance movement is told, so a subscriber can follow each balance.
  ["points", ["points.earned", "points.redeemed", "points.reversed", "points.restored", "points.expired", "points.forfeited"]],
  ["credit", ["credit.issued", "credit.redeemed", "credit.reversed", "credit.restored", "credit.expired", "credit.forfeited"]],
  ["value", ["value.recharged", "value.spent", "value.restored", "value.reversed", "value.forfeited", "balance.adjusted"]],
  ["cards", ["card.claimed", "card.purchased", "card.refunded"]],
  ["coupons", ["coupon.issued", "coupon.used", "coupon.returned", "coupon.expiring"]],
];
const LISTED = GROUPS.flatMap(([, types]) => types);

/** A type's name for people; the type itself when the catalog has none. */
function typeLabel(type) {
  const key = `webhooks.type.${type}`;
  const s = t(key);
  return s === key ? type : s;
}

export const endpointPath = (id) => `/admin/webhooks/${seg(id)}`;

/** The field a refusal is about: the URL (url_not_allowed), the events, else none. */
function fieldFor(error) {
  if (!error) return null;
  if (error.code === "url_not_allowed") return "url";
  const named = fieldOf(error, ["url", "events", "description"]);
  if (named) return named;
  const detail = error.detail || "";
  if (/event type/i.test(detail)) return "events";
  if (/\bURL\b/.test(detail)) return "url";
  return null;
}

// --- Pieces both screens use. ---

export function StatusBadge({ endpoint }) {
  if (endpoint.status === "enabled") return html`<${Badge} kind="ok">${t("common.enabled")}<//>`;
  return html`<${Badge} kind="bad">${t("common.disabled")}<//>`;
}

/** Why an endpoint is disabled, short (the list) or with what to do (the endpoint's page). */
export function reasonText(endpoint, long) {
  if (endpoint.status === "enabled" || !endpoint.disabled_reason) return null;
  const r = endpoint.disabled_reason;
  const known = ["merchant", "gone", "failing"].includes(r);
  if (!known) return r;
  return long ? t(`webhooks.reason_long.${r}`) : t(`webhooks.reason.${r}`);
}

export function EventsText({ events }) {
  if (!events || !events.length) return html`<span>${t("webhooks.all_events")}</span>`;
  return html`<ul class="webhooks-events">
    ${events.map((e) => html`<li key=${e}><code>${e}</code></li>`)}
  </ul>`;
}

/** Shown to roles that cannot manage webhooks, above the API's own 403. */
export function NotManager() {
  return html`<p class="notice">${t("webhooks.not_manager")}</p>`;
}

/**
 * A secret shown once (after creation or rotation) with "Copy": the clipboard when the
 * browser offers one, else the text is selected for the user to copy.
 */
export function SecretDialog({ shown, onClose }) {
  const box = useRef(null);
  const [copied, setCopied] = useState(null);
  useEffect(() => setCopied(null), [shown?.secret]);
  const select = () => {
    const input = box.current?.querySelector("input");
    if (input) {
      input.focus();
      input.select();
    }
  };
  const copy = async () => {
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(shown.secret);
      setCopied("copied");
    } catch {
      select();
      setCopied("selected");
    }
  };
  return html`<${Dialog} open=${!!shown} title=${shown?.title} onClose=${onClose}>
    ${shown
      ? html`<p class="notice webhooks-warning"><strong>${t("webhooks.secret.once")}</strong></p>
          <p>${t("webhooks.secret.use")}</p>
          <div ref=${box}>
            <${Field} label=${t("webhooks.secret.label")}>
              <input class="webhooks-secret" readonly value=${shown.secret} spellcheck=${false} autocomplete="off"
                onFocus=${(e) => e.currentTarget.select()} />
            <//>
          </div>
          ${shown.until
            ? html`<p>${t("webhooks.secret.old_until", { until: dateTime(shown.until) })}</p>`
            : null}
          <footer class="row webhooks-dialog-foot">
            <span role="status">
              ${copied === "copied" ? t("webhooks.secret.copied") : copied === "selected" ? t("webhooks.secret.selected") : ""}
            </span>
            <button type="button" class="secondary" onClick=${copy}>${t("webhooks.secret.copy")}</button>
            <button type="button" onClick=${onClose}>${t("webhooks.secret.done")}</button>
          </footer>`
      : null}
  <//>`;
}

/** URL, description and events: the "Add endpoint" form and an endpoint's settings. */
export function EndpointForm({ endpoint, submitLabel, onSubmit, action, done }) {
  const f = useForm(
    () => ({ url: endpoint?.url || "", description: endpoint?.description || "", events: endpoint?.events || [] }),
    true,
    action.clear,
  );
  const form = f.doc;
  const toggle = (type) => (e) => {
    const rest = form.events.filter((x) => x !== type);
    f.set("events", e.currentTarget.checked ? [...rest, type] : rest);
  };
  const submit = (e) => {
    e.preventDefault();
    // In the order of the list, so the endpoint reads the same way everywhere.
    const order = [...LISTED, ...form.events.filter((x) => !LISTED.includes(x))];
    onSubmit({
      url: form.url.trim(),
      description: form.description.trim(),
      events: order.filter((x) => form.events.includes(x)),
    });
  };
  const at = fieldFor(action.error);
  // Types the endpoint has that the list does not offer stay visible (and can be unticked).
  const extra = form.events.filter((x) => !LISTED.includes(x));
  const groups = extra.length ? [...GROUPS, ["other", extra]] : GROUPS;
  const box = (type) => html`<label key=${type} class="webhooks-type">
    <input type="checkbox" name="events" value=${type} checked=${form.events.includes(type)} onChange=${toggle(type)} />
    ${typeLabel(type)} <code>${type}</code>
  </label>`;
  return html`<form class="webhooks-form" onSubmit=${submit} novalidate>
    <${Text} f=${f} path="url" label=${t("webhooks.field.url")} error=${at === "url" ? action.error : null}
      hint=${t("webhooks.field.url_hint")} name="url" type="url" autocomplete="off" spellcheck=${false}
      required maxlength="2048" placeholder="https://erp.example/hooks" />
    <${Text} f=${f} path="description" label=${t("webhooks.field.description")}
      error=${at === "description" ? action.error : null} hint=${t("webhooks.field.description_hint")}
      name="description" autocomplete="off" maxlength="200" />
    <fieldset class="webhooks-types">
      <legend>${t("webhooks.field.events")}</legend>
      <small class="webhooks-hint">
        ${form.events.length
          ? t("webhooks.field.events_some", { n: points(form.events.length) })
          : t("webhooks.field.events_none")}
      </small>
      <div class="webhooks-groups">
        ${groups.map(
          ([group, types]) => html`<fieldset key=${group} class="webhooks-group">
            <legend>${t(`webhooks.group.${group}`)}</legend>
            ${types.map(box)}
          </fieldset>`,
        )}
      </div>
      <small class="webhooks-hint">${t("webhooks.field.events_test")}</small>
      ${at === "events" ? html`<small class="field-error" role="alert">${action.error.detail}</small>` : null}
    </fieldset>
    ${action.error && !at ? html`<${Problem} error=${action.error} onRetry=${action.retry} />` : null}
    <div class="row">
      <button type="submit" aria-busy=${action.busy ? "true" : undefined} disabled=${action.busy}>${submitLabel}</button>
      ${done && !action.error ? html`<span role="status">${done}</span>` : null}
    </div>
  </form>`;
}

// --- #/webhooks ---

export function Webhooks({ session }) {
  const manager = session.can("manage");
  const list = useLoad(() => get("/admin/webhooks"), []);
  const [shown, setShown] = useState(null);
  const [added, setAdded] = useState(0);
  const [last, setLast] = useState(null);
  const add = useAction();
  const count = list.data?.items?.length ?? 0;
  const full = count >= MAX_ENDPOINTS;

  const create = async (body) => {
    const ep = await add.run((key) => call("POST", "/admin/webhooks", { body, key }));
    if (ep === undefined) return;
    setAdded((n) => n + 1);
    setLast(ep);
    list.reload();
    setShown({ secret: ep.secret, title: t("webhooks.secret.created_title") });
  };

  return html`<div class="webhooks">
    <hgroup>
      <h1>${t("webhooks.title")}</h1>
      <p>${t("webhooks.intro")}</p>
    </hgroup>
    ${manager ? null : html`<${NotManager} />`}
    ${last && !shown
      ? html`<p class="notice" role="status">
          ${t("webhooks.added", { url: last.url })}${" "}
          <a href=${`#/webhooks/${seg(last.endpoint_id)}`}>${t("webhooks.open")}</a>
        </p>`
      : null}
    <article>
      <header class="webhooks-head">
        <h2 id="webhooks-endpoints">${t("webhooks.endpoints")}</h2>
        ${list.data ? html`<small>${t("webhooks.count", { n: points(count), max: points(MAX_ENDPOINTS) })}</small>` : null}
      </header>
      <${Loaded} load=${list} empty=${manager ? t("webhooks.empty") : t("webhooks.empty_read")} isEmpty=${(d) => !d.items.length}>
        ${(data) => html`<div class="overflow-auto">
          <table class="striped" aria-labelledby="webhooks-endpoints">
            <thead>
              <tr>
                <th scope="col">${t("webhooks.col.url")}</th>
                <th scope="col">${t("webhooks.col.description")}</th>
                <th scope="col">${t("webhooks.col.events")}</th>
                <th scope="col">${t("common.status")}</th>
              </tr>
            </thead>
            <tbody>
              ${data.items.map(
                (ep) => html`<tr key=${ep.endpoint_id}>
                  <td class="webhooks-url"><a href=${`#/webhooks/${seg(ep.endpoint_id)}`}>${ep.url}</a></td>
                  <td>${ep.description || "—"}</td>
                  <td><${EventsText} events=${ep.events} /></td>
                  <td>
                    <${StatusBadge} endpoint=${ep} />
                    ${reasonText(ep, false) ? html`<br /><small>${reasonText(ep, false)}</small>` : null}
                  </td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`}
      <//>
    </article>
    ${manager
      ? html`<article>
          <header><h2>${t("webhooks.add_title")}</h2></header>
          <p>${t("webhooks.add_intro")}</p>
          ${full
            ? html`<p class="notice">${t("webhooks.full", { max: points(MAX_ENDPOINTS) })}</p>`
            : html`<${EndpointForm} key=${added} submitLabel=${t("webhooks.add")} onSubmit=${create} action=${add} />`}
        </article>
        <article>
          <header><h2>${t("webhooks.verify_title")}</h2></header>
          <p>${t("webhooks.verify_intro")}</p>
          <ul>
            <li>${t("webhooks.verify_headers")}</li>
            <li>${t("webhooks.verify_retry")}</li>
            <li>${t("webhooks.verify_2xx")}</li>
          </ul>
        </article>`
      : null}
    <${SecretDialog}
      shown=${shown}
      onClose=${() => setShown(null)}
    />
  </div>`;
}

