// A member's personal data (API 1.2 "Erasure and access", admin and owner), mounted on the
// member's page: "Download data" saves everything stored about the member as JSON (the
// access request), and "Erase member" removes their personal data for good after the
// manager gives a reason and types the member ID. Points and store credit still open are
// forfeited (the reports show it); stored value is the member's money, so a balance above
// zero refuses the erasure (409 value_balance_open) until it is refunded or adjusted.
import { useState } from "preact/hooks";
import { call, get, saveFile, seg } from "../api.js";
import { dateTime, money, points } from "../format.js";
import { t } from "../i18n.js";
import { Field, Problem, fieldOf, html, useAction } from "../ui.js";

/** A file name from a member ID: letters, digits, dot, dash and underscore only. */
const fileSafe = (id) => String(id).replace(/[^\w.-]+/g, "_");

/**
 * "Personal data erased on <date>" for a member whose GET /members/{id} answer has
 * `erased_at` (pass that answer as `member`, or the instant as `erasedAt`); nothing otherwise.
 */
export function ErasedNotice({ member, erasedAt }) {
  const at = erasedAt || member?.erased_at;
  if (!at) return null;
  return html`<div class="notice erase-notice">
    <p><strong>${t("erase.erased_on", { at: dateTime(at) })}</strong></p>
    <p><small>${t("erase.erased_hint")}</small></p>
  </div>`;
}

/**
 * The "Erase personal data" article (managers only; nothing for other roles). `erased`: the
 * member's `erased_at` when the page already knows it (the form is not offered again).
 * `onErased(answer)` is called once the erasure succeeded.
 */
export function EraseMember({ session, memberId, onErased, erased }) {
  const [reason, setReason] = useState("");
  const [typed, setTyped] = useState("");
  const [missing, setMissing] = useState(false);
  const data = useAction();
  const erase = useAction();
  if (!session?.can("manage")) return null;
  const id = String(memberId);
  const confirmed = typed.trim() === id;
  const result = erase.done;

  const saveData = () =>
    data.run(async () => {
      const body = await get(`/admin/members/${seg(id)}/data`);
      saveFile(JSON.stringify(body, null, 2), `member-${fileSafe(id)}-data.json`, "application/json");
      return true;
    });
  const submit = async (e) => {
    e.preventDefault();
    if (!confirmed) return;
    const why = reason.trim();
    setMissing(!why);
    if (!why) return;
    const done = await erase.run(() => call("DELETE", `/admin/members/${seg(id)}`, { body: { reason: why } }));
    if (done && onErased) onErased(done);
  };
  const valueOpen = erase.error?.code === "value_balance_open";
  const reasonError = missing ? t("erase.reason_missing") : fieldOf(erase.error, ["reason"]) ? erase.error : null;
  return html`<article class="erase" aria-labelledby="erase-title">
    <header><h2 id="erase-title">${t("erase.title")}</h2></header>
    ${result
      ? html`<div class="notice erase-done" role="status">
          <p><strong>${t("erase.done", { at: dateTime(result.erased_at) })}</strong></p>
          <p>${t("erase.forfeited", {
            points: points(result.forfeited?.points ?? 0),
            credit: money(result.forfeited?.credit ?? "0"),
          })}</p>
        </div>`
      : erased
        ? html`<${ErasedNotice} erasedAt=${erased} />`
        : html`<p>${t("erase.intro")}</p>
            <ul class="erase-rules">
              <li>${t("erase.rule_forfeit")}</li>
              <li>${t("erase.rule_value")}</li>
              <li>${t("erase.rule_books")}</li>
              <li><strong>${t("erase.rule_final")}</strong></li>
            </ul>`}
    <div class="row erase-data">
      <button type="button" class="secondary outline" onClick=${saveData} disabled=${data.busy}
        aria-busy=${data.busy ? "true" : undefined}>${t("erase.download")}</button>
      <small class="muted">${t("erase.download_hint")}</small>
    </div>
    <${Problem} error=${data.error} onRetry=${data.retry} />
    ${result || erased
      ? null
      : html`<form class="erase-form" onSubmit=${submit} novalidate>
          <${Field} label=${t("erase.reason")} error=${reasonError} hint=${t("erase.reason_hint")}>
            <input type="text" name="reason" value=${reason} maxlength="500" autocomplete="off" required
              onInput=${(e) => {
                setReason(e.currentTarget.value);
                setMissing(false);
                erase.clear();
              }} />
          <//>
          <${Field} label=${t("erase.confirm")} hint=${t("erase.confirm_hint", { id })}>
            <input type="text" name="confirm" value=${typed} autocomplete="off" spellcheck=${false}
              onInput=${(e) => {
                setTyped(e.currentTarget.value);
                erase.clear();
              }} />
          <//>
          ${valueOpen
            ? html`<div class="problem" role="alert">
                <span><strong>${t("erase.value_open")}</strong> ${erase.error.detail}</span>
              </div>`
            : reasonError
              ? null
              : html`<${Problem} error=${erase.error} onRetry=${erase.retry} />`}
          <button type="submit" class="erase-button" disabled=${!confirmed || erase.busy}
            aria-busy=${erase.busy ? "true" : undefined}>${t("erase.submit")}</button>
        </form>`}
  </article>`;
}
