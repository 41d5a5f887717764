// The form kit every form uses: a form over a document (useForm: {doc, set(path, value),
// on(path), reset(doc)}), labelled fields bound to a path in it, rows of a list as a table,
// the save bar, and the small parsers that turn what was typed into what the API takes.
import { useEffect, useState } from "preact/hooks";
import { call, getOrNull } from "./api.js";
import { shopCurrency } from "./format.js";
import { t } from "./i18n.js";
import { Badge, Field, Problem, html, useAction } from "./ui.js";

const pathOf = (p) => (Array.isArray(p) ? p : [p]);

export function setIn(obj, path, value) {
  if (!path.length) return value;
  const [k, ...rest] = path;
  const copy = Array.isArray(obj) ? obj.slice() : { ...(obj || {}) };
  copy[k] = setIn(copy[k], rest, value);
  return copy;
}

export function getIn(obj, path) {
  return path.reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), obj);
}

/** A form over a document: {doc, set(path, value), reset(doc)}; `edit` false = read-only. */

/**
 * A form over a document: {doc, edit, set(path, value), on(path), reset(doc)}; `edit` false =
 * read-only; `onEdit` (optional) is called on every change (e.g. to clear a refusal).
 * `on(path)` is an input's handler: its value (a checkbox's `checked`) goes to `path`.
 */
export function useForm(initial, edit = true, onEdit) {
  const [doc, setDoc] = useState(initial);
  const set = (path, v) => {
    setDoc((d) => setIn(d, pathOf(path), v));
    if (onEdit) onEdit();
  };
  const on = (path) => (e) => {
    const el = e.currentTarget;
    set(path, el.type === "checkbox" ? el.checked : el.value);
  };
  return { doc, edit, set, on, reset: setDoc };
}

/** A document, or null when the shop has none yet (404). */
export const loadDoc = getOrNull;

/** An integer as typed ("" -> null); anything else is sent as typed for the server to refuse. */
export function int(v) {
  if (v === null || v === undefined || String(v).trim() === "") return null;
  const s = String(v).trim();
  return /^-?\d+$/.test(s) ? Number(s) : s;
}

/** A decimal string as typed ("" -> null). */
export const dec = (v) => (v === null || v === undefined || String(v).trim() === "" ? null : String(v).trim());

/** "a, b，c" -> ["a","b","c"]. */
export const list = (s) =>
  String(s || "")
    .split(/[,，;；\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export const str = (v) => (v === null || v === undefined ? "" : String(v));

/**
 * A labelled input bound to `path`; any other attribute (type, name, inputmode, placeholder,
 * required, maxlength, autocomplete ...) goes to the input. `disabled` defaults to read-only.
 */
export function Text({ f, path, label, hint, error, disabled, ...attrs }) {
  return html`<${Field} label=${label} hint=${hint} error=${error}>
    <input type="text" ...${attrs} value=${str(getIn(f.doc, pathOf(path)))} disabled=${disabled ?? !f.edit}
      onInput=${f.on(path)} />
  <//>`;
}

export function Area({ f, path, label, hint, error }) {
  return html`<${Field} label=${label} hint=${hint} error=${error}>
    <textarea rows="2" value=${str(getIn(f.doc, path))} disabled=${!f.edit}
      onInput=${(e) => f.set(path, e.currentTarget.value)}></textarea>
  <//>`;
}

export function Choice({ f, path, label, options, hint, error, onChange }) {
  return html`<${Field} label=${label} hint=${hint} error=${error}>
    <select value=${str(getIn(f.doc, path))} disabled=${!f.edit}
      onChange=${(e) => (onChange ? onChange(e.currentTarget.value) : f.set(path, e.currentTarget.value))}>
      ${options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
    </select>
  <//>`;
}

export function Check({ f, path, label, hint, sw }) {
  return html`<label class="check">
    <input type="checkbox" role=${sw ? "switch" : undefined} checked=${!!getIn(f.doc, path)} disabled=${!f.edit}
      onChange=${(e) => f.set(path, e.currentTarget.checked)} />
    ${label}
    ${hint ? html`<small class="check-hint">${hint}</small>` : null}
  </label>`;
}

/** Several checkboxes over one array value: `options` [[value, text]]. */
export function Checks({ f, path, legend, options, hint }) {
  const chosen = getIn(f.doc, path) || [];
  const toggle = (v, on) => f.set(path, on ? [...chosen.filter((x) => x !== v), v] : chosen.filter((x) => x !== v));
  return html`<fieldset class="checks">
    <legend>${legend}</legend>
    ${options.map(
      ([v, text]) => html`<label class="check">
        <input type="checkbox" checked=${chosen.includes(v)} disabled=${!f.edit}
          onChange=${(e) => toggle(v, e.currentTarget.checked)} />
        ${text}
      </label>`,
    )}
    ${hint ? html`<small>${hint}</small>` : null}
  </fieldset>`;
}

/**
 * Rows of a list as a table: each column {key, label, type, inputmode, options}; inputs are
 * named by column and row number; "Add" and "Remove" only when editing.
 */
export function Rows({ f, path, cols, blank, addLabel, empty, caption }) {
  const rows = getIn(f.doc, path) || [];
  const add = () => f.set(path, [...rows, typeof blank === "function" ? blank(rows) : { ...blank }]);
  const remove = (i) => f.set(path, rows.filter((_, j) => j !== i));
  return html`<div class="rows">
    ${rows.length === 0
      ? html`<p class="empty">${empty || t("programs.no_rows")}</p>`
      : html`<div class="table-wrap"><table class="rows-table">
          ${caption ? html`<caption class="sr-only">${caption}</caption>` : null}
          <thead><tr>
            ${cols.map((c) => html`<th scope="col">${c.label}</th>`)}
            ${f.edit ? html`<th scope="col"><span class="sr-only">${t("common.actions")}</span></th>` : null}
          </tr></thead>
          <tbody>
            ${rows.map(
              (row, i) => html`<tr>
                ${cols.map((c) => {
                  const p = [...path, i, c.key];
                  const name = t("programs.cell", { label: c.label, n: i + 1 });
                  return html`<td>${c.options
                    ? html`<select aria-label=${name} value=${str(getIn(f.doc, p))} disabled=${!f.edit}
                        onChange=${(e) => f.set(p, e.currentTarget.value)}>
                        ${c.options.map(([v, text]) => html`<option value=${v}>${text}</option>`)}
                      </select>`
                    : html`<input aria-label=${name} type=${c.type || "text"} inputmode=${c.inputmode}
                        placeholder=${c.placeholder} value=${str(getIn(f.doc, p))} disabled=${!f.edit}
                        onInput=${(e) => f.set(p, e.currentTarget.value)} />`}</td>`;
                })}
                ${f.edit
                  ? html`<td><button type="button" class="secondary outline small" onClick=${() => remove(i)}>
                      ${t("common.remove")}</button></td>`
                  : null}
              </tr>`,
            )}
          </tbody>
        </table></div>`}
    ${f.edit
      ? html`<button type="button" class="secondary outline small" onClick=${add}>${addLabel || t("common.add")}</button>`
      : null}
  </div>`;
}

/** The save bar: "Save" (managers only), "Saved." after success, the refusal where they pressed it. */
export function SaveBar({ a, edit, onSave, placed }) {
  if (!edit) return null;
  return html`<div class="setup-bar">
    <button type="submit" aria-busy=${a.busy ? "true" : undefined} disabled=${a.busy} onClick=${onSave}>
      ${t("common.save")}
    </button>
    ${a.done && !a.error ? html`<p role="status" class="saved">${t("common.saved")}</p>` : null}
    ${a.error && placed
      ? html`<p class="not-saved" role="status">${t("programs.not_saved_field")}</p>`
      : html`<${Problem} error=${a.error} onRetry=${a.retry} />`}
  </div>`;
}

/** Moves focus to the first field the server named, so a refusal is seen where it is. */
export function useFocusInvalid(error) {
  useEffect(() => {
    if (!error) return;
    const el = document.querySelector('[aria-invalid="true"]');
    if (el) el.focus();
  }, [error]);
}

export const cur = () => shopCurrency() || t("programs.unit");

/** The levels of a ladder as options, after a first "none" option. */
export const levelOptions = (ladder, noneText) => [
  ["", noneText],
  ...((ladder && ladder.levels) || []).map((l) => [l.level_id, `${l.name} (${l.level_id})`]),
];

/** Save: PUT the whole document at `path`; the answer (the stored document) becomes the form. */
export function useSave(path, f, toDoc, toForm) {
  const a = useAction();
  const save = (e) => {
    e.preventDefault();
    a.run(async () => {
      const stored = await call("PUT", path, { body: toDoc(f.doc) });
      f.reset(toForm(stored));
      return stored;
    });
  };
  return { a, save };
}

/** Enabled or disabled, and "not set up yet" when the shop has no document. */
export function StatusLine({ on, notSet }) {
  return html`<p class="status-line">
    <${Badge} kind=${on ? "ok" : "bad"}>${on ? t("common.enabled") : t("common.disabled")}<//>
    ${notSet ? html` <span class="muted">${t("programs.not_set_up")}</span>` : null}
  </p>`;
}
