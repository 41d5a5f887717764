// #/webhooks and #/webhooks/{endpoint_id} (API 1.2 "Outbound webhooks", admin and owner): the
// shop's endpoints, where the loyalty events (points earned, cards claimed, levels changed ...)
// are sent as signed messages (Standard Webhooks 1.0). An endpoint's secret is shown once,
// when it is made and when it is rotated; the deliveries show what was sent and how it went,
// and "Recover" sends the failed ones again. Other roles are told they cannot manage webhooks
// (the API answers them 403) and get no buttons.
import { useEffect, useRef, useState } from "preact/hooks";
import { call, get, seg, withQuery } from "../api.js";
import { dateTime, points, shopZone } from "../format.js";
import { t } from "../i18n.js";
import {
  Badge,
  Dialog,
  Field,
  Loaded,
  Pager,
  Problem,
  fieldOf,
  html,
  useAction,
  useLoad,
  usePages,
} from "../ui.js";

/** At most this many endpoints a shop (409 endpoint_limit_reached beyond). */
const MAX_ENDPOINTS = 20;

/** The types a merchant subscribes to, grouped as the merchant thinks of them. */
const GROUPS = [
  ["members", ["member.registered", "level.changed"]],
  ["points", ["points.earned", "points.redeemed", "points.reversed", "points.expired"]],
  ["balances", ["credit.issued", "value.recharged", "balance.adjusted"]],
  ["cards", ["card.claimed", "card.purchased", "card.refunded"]],
];
const LISTED = GROUPS.flatMap(([, types]) => types);

/** A type's name for people; the type itself when the catalog has none. */
function typeLabel(type) {
  const key = `webhooks.type.${type}`;
  const s = t(key);
  return s === key ? type : s;
}

const endpointPath = (id) => `/admin/webhooks/${seg(id)}`;

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

// --- Time in the shop's zone: the "Since" of Recover is typed as the shop reads times. ---

function partsIn(ms, zone) {
  const f = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
  const o = {};
  for (const p of f.formatToParts(new Date(ms))) if (p.type !== "literal") o[p.type] = Number(p.value);
  if (o.hour === 24) o.hour = 0;
  return o;
}

/** How far `zone` is ahead of UTC at the instant `ms`, in milliseconds. */
function offsetAt(ms, zone) {
  const p = partsIn(ms, zone);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(ms / 1000) * 1000;
}

/** A datetime-local value ("YYYY-MM-DDTHH:mm") read in `zone` -> an ISO instant, or null. */
function instantOf(local, zone) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(local || "");
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
  let ms = wall - offsetAt(wall, zone);
  ms = wall - offsetAt(ms, zone);
  return new Date(ms).toISOString();
}

/** An instant as a datetime-local value in `zone`. */
function localValue(ms, zone) {
  const p = partsIn(ms, zone);
  const two = (n) => String(n).padStart(2, "0");
  return `${p.year}-${two(p.month)}-${two(p.day)}T${two(p.hour)}:${two(p.minute)}`;
}

// --- Pieces both screens use. ---

function StatusBadge({ endpoint }) {
  if (endpoint.status === "enabled") return html`<${Badge} kind="ok">${t("common.enabled")}<//>`;
  return html`<${Badge} kind="bad">${t("common.disabled")}<//>`;
}

/** Why an endpoint is disabled, short (the list) or with what to do (the endpoint's page). */
function reasonText(endpoint, long) {
  if (endpoint.status === "enabled" || !endpoint.disabled_reason) return null;
  const r = endpoint.disabled_reason;
  const known = ["merchant", "gone", "failing"].includes(r);
  if (!known) return r;
  return long ? t(`webhooks.reason_long.${r}`) : t(`webhooks.reason.${r}`);
}

function EventsText({ events }) {
  if (!events || !events.length) return html`<span>${t("webhooks.all_events")}</span>`;
  return html`<ul class="webhooks-events">
    ${events.map((e) => html`<li key=${e}><code>${e}</code></li>`)}
  </ul>`;
}

/** Shown to roles that cannot manage webhooks, above the API's own 403. */
function NotManager() {
  return html`<p class="notice">${t("webhooks.not_manager")}</p>`;
}

/**
 * A secret shown once (after creation or rotation) with "Copy": the clipboard when the
 * browser offers one, else the text is selected for the user to copy.
 */
function SecretDialog({ shown, onClose }) {
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

/** A question before a step that cannot be taken back (rotate, delete). */
function Confirm({ step, onCancel }) {
  return html`<${Dialog} open=${!!step} title=${step?.title} onClose=${onCancel}>
    ${step
      ? html`${step.text.map((p) => html`<p>${p}</p>`)}
          <footer>
            <button type="button" class="secondary" onClick=${onCancel}>${t("common.cancel")}</button>
            <button type="button" class=${step.danger ? "danger-solid" : undefined} onClick=${step.go}>${step.label}</button>
          </footer>`
      : null}
  <//>`;
}

/** URL, description and events: the "Add endpoint" form and an endpoint's settings. */
function EndpointForm({ endpoint, submitLabel, onSubmit, action, done }) {
  const [form, setForm] = useState(() => ({
    url: endpoint?.url || "",
    description: endpoint?.description || "",
    events: endpoint?.events || [],
  }));
  const set = (k) => (e) => {
    setForm({ ...form, [k]: e.currentTarget.value });
    action.clear();
  };
  const toggle = (type) => (e) => {
    const rest = form.events.filter((x) => x !== type);
    setForm({ ...form, events: e.currentTarget.checked ? [...rest, type] : rest });
    action.clear();
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
    <${Field} label=${t("webhooks.field.url")} error=${at === "url" ? action.error : null} hint=${t("webhooks.field.url_hint")}>
      <input name="url" type="url" value=${form.url} onInput=${set("url")} autocomplete="off" spellcheck=${false}
        required maxlength="2048" placeholder="https://erp.example/hooks" />
    <//>
    <${Field} label=${t("webhooks.field.description")} error=${at === "description" ? action.error : null}
      hint=${t("webhooks.field.description_hint")}>
      <input name="description" value=${form.description} onInput=${set("description")} autocomplete="off" maxlength="200" />
    <//>
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

// --- #/webhooks/{endpoint_id} ---

function Crumbs() {
  return html`<nav aria-label=${t("webhooks.breadcrumb")}>
    <ul>
      <li><a href="#/webhooks">${t("webhooks.title")}</a></li>
    </ul>
  </nav>`;
}

export function Webhook({ session, params, navigate }) {
  const id = params[0];
  const manager = session.can("manage");
  const load = useLoad(() => get(endpointPath(id)), [id]);
  const [rev, setRev] = useState(0);
  const [shown, setShown] = useState(null);
  const ep = load.data;
  return html`<div class="webhooks">
    <${Crumbs} />
    <hgroup>
      <h1>${ep ? ep.description || t("webhooks.endpoint") : t("webhooks.endpoint")}</h1>
      ${ep
        ? html`<p class="row"><span class="webhooks-url">${ep.url}</span> <${StatusBadge} endpoint=${ep} /></p>`
        : null}
    </hgroup>
    ${manager ? null : html`<${NotManager} />`}
    <${Loaded} load=${load}>
      ${(ep) => html`
        ${manager
          ? html`<${Actions}
              endpoint=${ep}
              onChanged=${load.reload}
              onSent=${() => setRev((r) => r + 1)}
              onRotated=${(r) => {
                load.reload();
                setShown({ secret: r.secret, until: r.previous_secret_until, title: t("webhooks.secret.rotated_title") });
              }}
              onDeleted=${() => navigate("/webhooks")}
            />`
          : null}
        <${Details} endpoint=${ep} />
        <${Deliveries} id=${ep.endpoint_id} rev=${rev} />
        ${manager ? html`<${Recover} id=${ep.endpoint_id} onDone=${() => setRev((r) => r + 1)} />` : null}
        ${manager ? html`<${Settings} endpoint=${ep} onSaved=${load.reload} />` : null}
      `}
    <//>
    <${SecretDialog} shown=${shown} onClose=${() => setShown(null)} />
  </div>`;
}

/** Enable/Disable, Rotate secret (confirmed), Send test message, Delete (confirmed). */
function Actions({ endpoint, onChanged, onSent, onRotated, onDeleted }) {
  const a = useAction();
  const [confirm, setConfirm] = useState(null);
  const [note, setNote] = useState(null);
  const path = endpointPath(endpoint.endpoint_id);
  const enabled = endpoint.status === "enabled";

  const setStatus = async (status) => {
    setNote(null);
    const done = await a.run(() => call("PATCH", path, { body: { status } }));
    if (done === undefined) return;
    setNote(status === "enabled" ? t("webhooks.note.enabled") : t("webhooks.note.disabled"));
    onChanged();
  };
  const test = async () => {
    setNote(null);
    const done = await a.run((key) => call("POST", `${path}/test`, { key }));
    if (done === undefined) return;
    setNote(t("webhooks.note.test_sent", { id: done?.message_id || "" }));
    onSent();
  };
  const rotate = async () => {
    setConfirm(null);
    setNote(null);
    const done = await a.run((key) => call("POST", `${path}/rotate`, { key }));
    if (done !== undefined) onRotated(done);
  };
  const remove = async () => {
    setConfirm(null);
    setNote(null);
    const done = await a.run(() => call("DELETE", path));
    if (done !== undefined) onDeleted();
  };
  const steps = {
    rotate: {
      title: t("webhooks.confirm.rotate_title"),
      text: [t("webhooks.confirm.rotate_text"), t("webhooks.confirm.rotate_grace")],
      label: t("webhooks.rotate"),
      go: rotate,
    },
    delete: {
      title: t("webhooks.confirm.delete_title"),
      text: [t("webhooks.confirm.delete_text", { url: endpoint.url })],
      label: t("common.delete"),
      danger: true,
      go: remove,
    },
  };
  return html`<section aria-label=${t("common.actions")} class="webhooks-actions">
    <div class="row">
      ${enabled
        ? html`<button type="button" class="secondary" disabled=${a.busy} onClick=${() => setStatus("disabled")}>${t("webhooks.disable")}</button>`
        : html`<button type="button" disabled=${a.busy} onClick=${() => setStatus("enabled")}>${t("webhooks.enable")}</button>`}
      <button type="button" class="secondary" disabled=${a.busy} onClick=${test}>${t("webhooks.send_test")}</button>
      <button type="button" class="secondary" disabled=${a.busy} onClick=${() => setConfirm("rotate")}>${t("webhooks.rotate")}</button>
      <button type="button" class="secondary outline danger" disabled=${a.busy} onClick=${() => setConfirm("delete")}>${t("common.delete")}</button>
    </div>
    <${Problem} error=${a.error} onRetry=${a.retry} />
    ${note ? html`<p class="notice" role="status">${note}</p>` : null}
    <${Confirm} step=${confirm && steps[confirm]} onCancel=${() => setConfirm(null)} />
  </section>`;
}

function Details({ endpoint }) {
  const reason = reasonText(endpoint, true);
  const until = endpoint.previous_secret_until;
  const graceOn = until && new Date(until).getTime() > Date.now();
  return html`<article>
    <header><h2>${t("webhooks.details")}</h2></header>
    <dl class="webhooks-details">
      <dt>${t("webhooks.col.url")}</dt>
      <dd class="webhooks-url">${endpoint.url}</dd>
      <dt>${t("webhooks.col.description")}</dt>
      <dd>${endpoint.description || "—"}</dd>
      <dt>${t("webhooks.col.events")}</dt>
      <dd><${EventsText} events=${endpoint.events} /></dd>
      <dt>${t("common.status")}</dt>
      <dd>
        <${StatusBadge} endpoint=${endpoint} />
        ${reason ? html` <span>${reason}</span>` : null}
      </dd>
      <dt>${t("webhooks.col.endpoint_id")}</dt>
      <dd><code>${endpoint.endpoint_id}</code></dd>
      <dt>${t("webhooks.col.created")}</dt>
      <dd>${dateTime(endpoint.created_at)}</dd>
      <dt>${t("webhooks.previous_secret")}</dt>
      <dd>
        ${until
          ? graceOn
            ? t("webhooks.previous_until", { until: dateTime(until) })
            : t("webhooks.previous_ended", { until: dateTime(until) })
          : t("webhooks.previous_none")}
      </dd>
    </dl>
  </article>`;
}

const DELIVERY_KIND = { delivered: "ok", failed: "bad", exhausted: "bad", pending: "neutral" };

/** What was sent to the endpoint, newest first, a page at a time. */
function Deliveries({ id, rev }) {
  const pages = usePages(
    (cursor) => get(withQuery(`${endpointPath(id)}/deliveries`, { cursor, limit: 20 })),
    [id, rev],
  );
  const reload = () => (pages.atFirst ? pages.load.reload() : pages.onFirst());
  return html`<article>
    <header class="webhooks-head">
      <h2 id="webhooks-deliveries">${t("webhooks.deliveries")}</h2>
      <button type="button" class="secondary outline" onClick=${reload}
        aria-busy=${pages.load.loading ? "true" : undefined}>${t("webhooks.reload")}</button>
    </header>
    <p><small>${t("webhooks.deliveries_intro")}</small></p>
    <${Loaded} load=${pages.load} empty=${t("webhooks.deliveries_empty")} isEmpty=${(d) => !d.items.length}>
      ${(data) => html`<div class="overflow-auto">
        <table class="striped" aria-labelledby="webhooks-deliveries">
          <thead>
            <tr>
              <th scope="col">${t("webhooks.col.message_id")}</th>
              <th scope="col">${t("webhooks.col.type")}</th>
              <th scope="col">${t("common.status")}</th>
              <th scope="col" class="num">${t("webhooks.col.attempts")}</th>
              <th scope="col" class="num">${t("webhooks.col.last_code")}</th>
              <th scope="col">${t("webhooks.col.next_attempt")}</th>
              <th scope="col">${t("webhooks.col.created")}</th>
            </tr>
          </thead>
          <tbody>
            ${data.items.map(
              (d) => html`<tr key=${d.message_id}>
                <td><code>${d.message_id}</code></td>
                <td><code>${d.type}</code></td>
                <td><${Badge} kind=${DELIVERY_KIND[d.status] || "neutral"}>${t(`webhooks.delivery.${d.status}`)}<//></td>
                <td class="num">${points(d.attempts)}</td>
                <td class="num">${d.last_status_code ?? "—"}</td>
                <td class="webhooks-when">${d.next_attempt_at ? dateTime(d.next_attempt_at) : "—"}</td>
                <td class="webhooks-when">${dateTime(d.created_at)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>`}
    <//>
    <${Pager} ...${pages} />
  </article>`;
}

/** Sends again the failed and exhausted messages since a time (after the receiver was down). */
function Recover({ id, onDone }) {
  const zone = shopZone();
  const [since, setSince] = useState(() => localValue(Date.now() - 24 * 3600 * 1000, zone));
  const [missing, setMissing] = useState(false);
  const a = useAction();
  const submit = async (e) => {
    e.preventDefault();
    const instant = instantOf(since, zone);
    setMissing(!instant);
    if (!instant) return;
    const done = await a.run((key) => call("POST", `${endpointPath(id)}/recover`, { body: { since: instant }, key }));
    if (done !== undefined) onDone();
  };
  const sinceError = missing ? t("webhooks.recover.since_missing") : fieldOf(a.error, ["since"]) ? a.error : null;
  const n = a.done?.requeued;
  return html`<article>
    <header><h2>${t("webhooks.recover.title")}</h2></header>
    <p>${t("webhooks.recover.intro")}</p>
    <form class="webhooks-recover" onSubmit=${submit} novalidate>
      <${Field} label=${t("webhooks.recover.since")} error=${sinceError} hint=${t("webhooks.recover.since_hint", { zone })}>
        <input type="datetime-local" name="since" value=${since} required
          onInput=${(e) => {
            setSince(e.currentTarget.value);
            setMissing(false);
            a.clear();
          }} />
      <//>
      <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy}>${t("webhooks.recover.submit")}</button>
    </form>
    ${a.error && !sinceError ? html`<${Problem} error=${a.error} onRetry=${a.retry} />` : null}
    ${n !== undefined
      ? html`<p class="notice" role="status">
          ${n === 1 ? t("webhooks.recover.done_one") : t("webhooks.recover.done", { n: points(n) })}
        </p>`
      : null}
  </article>`;
}

function Settings({ endpoint, onSaved }) {
  const a = useAction();
  const [saved, setSaved] = useState(false);
  const save = async (body) => {
    setSaved(false);
    const done = await a.run(() => call("PATCH", endpointPath(endpoint.endpoint_id), { body }));
    if (done === undefined) return;
    setSaved(true);
    onSaved();
  };
  return html`<article>
    <header><h2>${t("webhooks.settings")}</h2></header>
    <${EndpointForm}
      endpoint=${endpoint}
      submitLabel=${t("common.save")}
      onSubmit=${save}
      action=${a}
      done=${saved ? t("common.saved") : null}
    />
  </article>`;
}
