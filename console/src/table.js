// One paged table: a cursor-paged list (usePages) as a table with its loading, error and
// empty states and the pager under it. Columns are {label, num}; a null column is left out
// (a column only some users see); `row(item)` renders one <tr>.
import { Loaded, Pager, html } from "./ui.js";

export function PagedTable({ pages, cols, row, empty, caption, labelledby, className = "striped", children }) {
  const load = pages.load;
  return html`<${Loaded} load=${load} empty=${empty} isEmpty=${(d) => !d.items || d.items.length === 0}>
      ${(data) => html`<div class="overflow-auto">
          <table class=${className} aria-labelledby=${labelledby} aria-busy=${load.loading ? "true" : undefined}>
            ${caption ? html`<caption class="visually-hidden">${caption}</caption>` : null}
            <thead>
              <tr>
                ${cols.filter(Boolean).map((c) => html`<th scope="col" class=${c.num ? "num" : undefined}>${c.label}</th>`)}
              </tr>
            </thead>
            <tbody>
              ${data.items.map(row)}
            </tbody>
          </table>
        </div>
        ${children}`}
    <//>
    <${Pager} ...${pages} />`;
}
