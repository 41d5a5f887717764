// #/import (admin, owner; 003 批量导入): switching from another system, members come in
// with their opening balances, at most 1,000 rows a call, as CSV with a header row or JSON.
// A bad row never stops the good ones: the answer counts what landed and lists each bad
// row with its number (data rows from 1, the header is not a row). Export gives every
// member with balances as CSV.
import { useState } from "preact/hooks";
import { call, download } from "../api.js";
import { points } from "../format.js";
import { t } from "../i18n.js";
import { Field, Problem, html, useAction } from "../ui.js";

const MAX_ROWS = 1000;
const COLUMNS = "member_id, member_no, name, phone, email, birthday, level_id, points, credit, value, registered_at";

/** The request for a chosen file: CSV as it is, JSON as {members: [...]}. */
function requestOf(name, text) {
  const json = /\.json$/i.test(name) || /^\s*[[{]/.test(text);
  if (!json) return { raw: text, contentType: "text/csv" };
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { error: t("import.bad_json") };
  }
  const members = Array.isArray(parsed) ? parsed : parsed?.members;
  if (!Array.isArray(members)) return { error: t("import.bad_json") };
  return { body: { members } };
}

export function Import() {
  const [file, setFile] = useState(null);
  const [localError, setLocalError] = useState(null);
  const send = useAction();
  const exp = useAction();

  const choose = (e) => {
    const f = e.currentTarget.files?.[0] || null;
    setFile(f);
    setLocalError(null);
    send.clear();
  };

  const submit = async (e) => {
    e.preventDefault();
    if (!file) {
      setLocalError(t("import.choose_first"));
      return;
    }
    const text = await file.text();
    const req = requestOf(file.name, text);
    if (req.error) {
      setLocalError(req.error);
      return;
    }
    setLocalError(null);
    send.run((key) => call("POST", "/admin/members/import", { ...req, key }));
  };

  const result = send.done;
  const tooMany = send.error?.code === "too_many_rows";
  return html`<h1>${t("import.title")}</h1>
    <p>${t("import.intro")}</p>
    <article>
      <header><h2 class="shop-title">${t("import.upload_title")}</h2></header>
      <form onSubmit=${submit}>
        <${Field} label=${t("import.file")} error=${localError}
          hint=${t("import.file_hint", { max: points(MAX_ROWS) })}>
          <input type="file" name="file" accept=".csv,.json,text/csv,application/json" onChange=${choose} />
        <//>
        <details>
          <summary>${t("import.columns_title")}</summary>
          <p><code>${COLUMNS}</code></p>
          <p><small>${t("import.columns_hint")}</small></p>
        </details>
        ${tooMany
          ? html`<div class="problem" role="alert">${t("import.too_many", { max: points(MAX_ROWS) })} ${send.error.detail}</div>`
          : html`<${Problem} error=${send.error} onRetry=${send.retry} />`}
        <button type="submit" aria-busy=${send.busy ? "true" : undefined} disabled=${send.busy}>
          ${t("import.send")}
        </button>
      </form>
    </article>
    ${result ? html`<${Result} result=${result} />` : null}
    <article>
      <header><h2 class="shop-title">${t("import.export_title")}</h2></header>
      <p>${t("import.export_intro")}</p>
      <${Problem} error=${exp.error} onRetry=${exp.retry} />
      <button type="button" class="secondary" aria-busy=${exp.busy ? "true" : undefined} disabled=${exp.busy}
        onClick=${() => exp.run(() => download("/admin/members/export", "members.csv").then(() => true))}>
        ${t("import.export")}
      </button>
    </article>`;
}

function Result({ result }) {
  const errors = result.errors || [];
  return html`<section aria-labelledby="import-result">
    <h2 id="import-result">${t("import.result_title")}</h2>
    <div class="grid" role="status">
      <article>
        <small>${t("import.imported")}</small>
        <div class="figure">${points(result.imported)}</div>
      </article>
      <article>
        <small>${t("import.unchanged")}</small>
        <div class="figure">${points(result.unchanged)}</div>
      </article>
      <article>
        <small>${t("import.failed")}</small>
        <div class="figure">${points(errors.length)}</div>
      </article>
    </div>
    ${errors.length
      ? html`<div class="overflow-auto">
          <table class="striped">
            <caption>${t("import.errors_caption")}</caption>
            <thead>
              <tr>
                <th scope="col" class="num">${t("import.row")}</th>
                <th scope="col">${t("import.code")}</th>
                <th scope="col">${t("import.detail")}</th>
              </tr>
            </thead>
            <tbody>
              ${errors.map(
                (er) => html`<tr>
                  <td class="num">${er.row}</td>
                  <td><code>${er.code}</code></td>
                  <td>${er.detail}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>`
      : html`<p class="notice">${t("import.no_errors")}</p>`}
  </section>`;
}
