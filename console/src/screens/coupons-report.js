// The coupons part of #/reports (API 1.3 "Coupons": Report): for each defined coupon, what
// was issued, used, given back, expired and voided in the period, how many members still
// hold at its end and what the uses took off, with the same CSV the accountant downloads.
import { download, get, seg, withQuery } from "../api.js";
import { money, points } from "../format.js";
import { t } from "../i18n.js";
import { Loaded, Problem, html, useAction, useLoad } from "../ui.js";

const COUNTS = ["issued", "used", "returned", "expired", "void", "held"];

export function CouponsReport({ period, rev }) {
  const load = useLoad(
    () => get(withQuery("/admin/reports/coupons", { from: period.from, to: period.to })),
    [period.from, period.to, rev],
  );
  const csv = useAction();
  const save = () =>
    csv.run(() =>
      download(
        withQuery("/admin/reports/coupons", { from: period.from, to: period.to, format: "csv" }),
        `coupons-${period.from}-${period.to}.csv`,
      ),
    );
  return html`<article aria-labelledby="reports-coupons">
    <header class="reports-head">
      <hgroup>
        <h2 id="reports-coupons">${t("reports.coupons")}</h2>
        <p>${t("reports.coupons_intro")}</p>
      </hgroup>
      <button type="button" class="secondary outline" onClick=${save} disabled=${csv.busy || !load.data}
        aria-busy=${csv.busy ? "true" : undefined}>${t("reports.download_coupons")}</button>
    </header>
    <${Problem} error=${csv.error} onRetry=${csv.retry} />
    <${Loaded} load=${load}>
      ${(data) =>
        (data.items || []).length
          ? html`<div class="overflow-auto">
              <table class="striped reports-coupons" aria-labelledby="reports-coupons">
                <thead>
                  <tr>
                    <th scope="col">${t("reports.coupons.col.coupon")}</th>
                    ${COUNTS.map((k) => html`<th scope="col" class="num">${t(`reports.coupons.col.${k}`)}</th>`)}
                    <th scope="col" class="num">${t("reports.coupons.col.discount")}</th>
                  </tr>
                </thead>
                <tbody>
                  ${data.items.map(
                    (c) => html`<tr key=${c.coupon_id}>
                      <th scope="row"><a href=${`#/coupons/${seg(c.coupon_id)}`}>${c.name || c.coupon_id}</a></th>
                      ${COUNTS.map((k) => html`<td class="num">${points(c[k])}</td>`)}
                      <td class="num">${money(c.discount)}</td>
                    </tr>`,
                  )}
                </tbody>
              </table>
            </div>`
          : html`<p class="reports-none">
              ${t("reports.coupons_none")} <a href="#/coupons">${t("reports.coupons_define")}</a>
            </p>`}
    <//>
  </article>`;
}
