// Shared pieces every screen uses: loading, empty and error states, a user action with its
// Idempotency-Key and "Retry", fields that show the server's refusal where the user typed,
// dialogs and paging.
import { html } from "htm/preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { newKey } from "./api.js";
import { t } from "./i18n.js";

export { html };

/** Reads data when `deps` change: {data, error, loading, reload}. */
export function useLoad(fn, deps) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const seq = useRef(0);
  const reload = useCallback(() => {
    const mine = ++seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    Promise.resolve()
      .then(fn)
      .then(
        (data) => mine === seq.current && setState({ data, error: null, loading: false }),
        (error) => mine === seq.current && setState({ data: undefined, error, loading: false }),
      );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

/**
 * One user action. `run(fn)` calls `fn(key)` with a fresh Idempotency-Key; after a 503 (or a
 * lost connection) the same key stays, so "Retry" sends exactly the same request again and
 * it lands once. The promise `run` returns settles when the action is over: with the answer
 * once it succeeds (after any number of retries), with undefined when it is refused or
 * given up, so a caller's `const done = await a.run(...); if (done) ...` also follows a retry.
 */
export function useAction() {
  const [state, setState] = useState({ busy: false, error: null, done: null });
  const pending = useRef(null);
  const settle = (value) => {
    const p = pending.current;
    pending.current = null;
    if (p) p.resolve(value);
  };
  const go = async () => {
    const p = pending.current;
    setState({ busy: true, error: null, done: null });
    try {
      const done = await p.fn(p.key);
      if (pending.current === p) settle(done);
      setState({ busy: false, error: null, done });
    } catch (error) {
      if (pending.current === p && !error.retryable) settle(undefined);
      setState({ busy: false, error, done: null });
    }
  };
  return {
    ...state,
    run: (fn) => {
      settle(undefined);
      const promise = new Promise((resolve) => {
        pending.current = { fn, key: newKey(), resolve };
      });
      go();
      return promise;
    },
    retry: () => pending.current && go(),
    clear: () => {
      settle(undefined);
      setState({ busy: false, error: null, done: null });
    },
  };
}

export function Loading() {
  return html`<p aria-busy="true">${t("common.loading")}</p>`;
}

export function Empty({ children }) {
  return html`<p class="empty">${children}</p>`;
}

/** A refusal or failure, shown where the user acted; "Retry" after a 503 or lost connection. */
export function Problem({ error, onRetry }) {
  if (!error) return null;
  const text =
    error.status === 403
      ? t("common.forbidden")
      : error.status === 0
        ? t("common.offline")
        : error.status === 503
          ? `${t("common.unavailable")} ${error.detail || ""}`
          : error.detail || error.message;
  return html`<div class="problem" role="alert">
    <span>${text}</span>
    ${error.retryable && onRetry
      ? html` <button type="button" class="secondary" onClick=${onRetry}>${t("common.retry")}</button>`
      : null}
  </div>`;
}

/** A loaded section: its loading, error and (when `isEmpty`) empty states, else `children(data)`. */
export function Loaded({ load, empty, isEmpty, children }) {
  if (load.loading && load.data === undefined) return html`<${Loading} />`;
  if (load.error) return html`<${Problem} error=${load.error} onRetry=${load.reload} />`;
  if (isEmpty && isEmpty(load.data)) return html`<${Empty}>${empty}<//>`;
  return children(load.data);
}

/**
 * Which field a refusal is about: a code that names one (`member_no_taken`), else the first
 * of `fields` the detail mentions. The server's words stay as they are.
 */
export function fieldOf(error, fields) {
  if (!error || !error.code) return null;
  const byCode = { member_no_taken: "member_no", phone_taken: "phone", phone_required: "phone" };
  if (byCode[error.code] && fields.includes(byCode[error.code])) return byCode[error.code];
  const detail = error.detail || "";
  return fields.find((f) => new RegExp(`\\b${f}\\b`).test(detail)) || null;
}

let fieldSeq = 0;

/**
 * A labelled input with the server's refusal under it when it names this field. The label
 * holds only its text (the field's accessible name); the hint or the refusal is linked as
 * the field's description.
 */
export function Field({ label, error, hint, children }) {
  const id = useRef(`f${++fieldSeq}`).current;
  const child = Array.isArray(children) ? children[0] : children;
  const described = error ? `${id}-err` : hint ? `${id}-hint` : undefined;
  const input =
    child && child.props
      ? { ...child, props: { ...child.props, id, "aria-invalid": error ? "true" : undefined, "aria-describedby": described } }
      : child;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${input}
    ${error
      ? html`<small id=${`${id}-err`} class="field-error" role="alert">${error.detail || error}</small>`
      : hint
        ? html`<small id=${`${id}-hint`}>${hint}</small>`
        : null}
  </div>`;
}

/** A modal dialog (the native <dialog>: focus trap and Escape for free). */
export function Dialog({ open, title, onClose, children }) {
  const ref = useRef(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return html`<dialog ref=${ref} onClose=${onClose} aria-labelledby=${open ? "dialog-title" : undefined}>
    ${open
      ? html`<article>
          <header>
            <button type="button" rel="prev" aria-label=${t("common.close")} onClick=${onClose}></button>
            <h2 id="dialog-title">${title}</h2>
          </header>
          ${children}
        </article>`
      : null}
  </dialog>`;
}

/** Cursor paging: the API's `next`, and a way back to the first page. */
export function Pager({ next, onNext, onFirst, atFirst }) {
  if (!next && atFirst) return null;
  return html`<nav class="pager" aria-label=${t("common.pages")}>
    <button type="button" class="secondary outline" disabled=${atFirst} onClick=${onFirst}>
      ${t("common.first_page")}
    </button>
    <button type="button" class="secondary" disabled=${!next} onClick=${() => onNext(next)}>
      ${t("common.next_page")}
    </button>
  </nav>`;
}

/** Pages of a cursor-paged list: {items, next, load} with first/next moves. */
export function usePages(fetchPage, deps) {
  const [cursor, setCursor] = useState(null);
  useEffect(() => setCursor(null), deps);
  const load = useLoad(() => fetchPage(cursor), [cursor, ...deps]);
  return {
    load,
    atFirst: cursor === null,
    next: load.data?.next || null,
    onNext: (c) => setCursor(c),
    onFirst: () => setCursor(null),
  };
}

/** A status badge (enabled/disabled, paid/pending ...), its text translated. */
export function Badge({ kind, children }) {
  return html`<span class=${`badge badge-${kind || "neutral"}`}>${children}</span>`;
}

/**
 * Where a page sits: a breadcrumb navigation named `label`, its `links` [[href, text]].
 * `className` e.g. "no-print".
 */
export function Crumbs({ label, links, className }) {
  return html`<nav aria-label=${label} class=${className}>
    <ul>
      ${links.map(([href, text]) => html`<li key=${href}><a href=${href}>${text}</a></li>`)}
    </ul>
  </nav>`;
}

/** A "new ..." page: roles that cannot manage are told so (the API would answer 403),
 * the others get the crumbs, the title and the form. */
export function NewPage({ session, back, backLabel, crumbs, title, intro, children }) {
  if (!session.can("manage")) {
    return html`<div class="cards-screen">
      <h1>${t("common.not_allowed_title")}</h1>
      <p>${t("common.forbidden")}</p>
      <p><a href=${back}>${backLabel}</a></p>
    </div>`;
  }
  return html`<div class="cards-screen">
    ${crumbs}
    <hgroup>
      <h1>${title}</h1>
      <p>${intro}</p>
    </hgroup>
    ${children}
  </div>`;
}
