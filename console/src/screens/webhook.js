// #/webhooks/{endpoint_id} (API 1.2 "Outbound webhooks", admin and owner): one endpoint,
// its details, what was sent to it and how it went, "Recover" (send the failed ones again),
// its settings, enable/disable, a test message, the secret's rotation and deletion. Other
// roles read it and get no buttons.
import { useState } from "preact/hooks";
import { call, get, withQuery } from "../api.js";
import { dateTime, instantOf, localValue, points, shopZone } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Crumbs, Dialog, Field, Loaded, Problem, fieldOf, html, useAction, useLoad, usePages } from "../ui.js";
import { PagedTable } from "../table.js";
import { EndpointForm, EventsText, NotManager, SecretDialog, StatusBadge, endpointPath, reasonText } from "./webhooks.js";

export function Webhook({ session, params, navigate }) {
  const id = params[0];
  const manager = session.can("manage");
  const load = useLoad(() => get(endpointPath(id)), [id]);
  const [rev, setRev] = useState(0);
  const [shown, setShown] = useState(null);
  const ep = load.data;
  return html`<div class="webhooks">
    <${Crumbs} label=${t("webhooks.breadcrumb")} links=${[["#/webhooks", t("webhooks.title")]]} />
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
    <${PagedTable} pages=${pages} labelledby="webhooks-deliveries" empty=${t("webhooks.deliveries_empty")}
      cols=${[
        { label: t("webhooks.col.message_id") },
        { label: t("webhooks.col.type") },
        { label: t("common.status") },
        { label: t("webhooks.col.attempts"), num: true },
        { label: t("webhooks.col.last_code"), num: true },
        { label: t("webhooks.col.next_attempt") },
        { label: t("webhooks.col.created") },
      ]}
      row=${(d) => html`<tr key=${d.message_id}>
        <td><code>${d.message_id}</code></td>
        <td><code>${d.type}</code></td>
        <td><${Badge} kind=${DELIVERY_KIND[d.status] || "neutral"}>${t(`webhooks.delivery.${d.status}`)}<//></td>
        <td class="num">${points(d.attempts)}</td>
        <td class="num">${d.last_status_code ?? "—"}</td>
        <td class="webhooks-when">${d.next_attempt_at ? dateTime(d.next_attempt_at) : "—"}</td>
        <td class="webhooks-when">${dateTime(d.created_at)}</td>
      </tr>`} />
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
