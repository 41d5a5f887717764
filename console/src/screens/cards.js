// 权益卡 (000, 002): the shop's benefit cards at a glance. Every staff role reads them; only
// the owner and admins create them (002 权限说明).
import { get, seg } from "../api.js";
import { money, points } from "../format.js";
import { t } from "../i18n.js";
import { Badge, Loaded, html, useLoad } from "../ui.js";

export function kindLabel(kind) {
  return t(`cards.kind.${kind}`);
}

/**
 * GET /admin/cards leaves out the paid cards' stock (it is summed over shards on a card's
 * own read), so each paid card's stock comes from its read; a failed one shows "—".
 */
async function listWithStock() {
  const data = await get("/admin/cards");
  const paid = data.items.filter((c) => c.kind === "paid" && c.stock === undefined);
  const reads = await Promise.all(
    paid.map((c) => get(`/admin/cards/${seg(c.card_id)}`).catch(() => null)),
  );
  const stock = new Map(reads.filter(Boolean).map((c) => [c.card_id, c.stock]));
  return {
    ...data,
    items: data.items.map((c) => (stock.has(c.card_id) ? { ...c, stock: stock.get(c.card_id) } : c)),
  };
}

export function Cards({ session }) {
  const load = useLoad(listWithStock, []);
  const manager = session.can("manage");
  const items = load.data?.items || [];
  const held = items.reduce((n, c) => n + (c.holders || 0), 0);
  const active = items.filter((c) => c.status === "enabled").length;
  return html`<div class="cards-screen">
    <div class="cards-head">
      <hgroup>
        <h1>${t("cards.title")}</h1>
        <p>${t("cards.intro")}</p>
      </hgroup>
      ${manager ? html`<a href="#/cards/new" role="button">${t("cards.new")}</a>` : null}
    </div>
    <${Loaded} load=${load} empty=${t("cards.empty")} isEmpty=${(d) => !d.items.length}>
      ${(data) => html`
        <div class="grid cards-figures">
          <article><small>${t("cards.fig.cards")}</small><div class="figure">${points(data.items.length)}</div></article>
          <article><small>${t("cards.fig.enabled")}</small><div class="figure">${points(active)}</div></article>
          <article><small>${t("cards.fig.holders")}</small><div class="figure">${points(held)}</div></article>
        </div>
        <div class="overflow-auto">
          <table class="striped">
            <caption class="visually-hidden">${t("cards.title")}</caption>
            <thead>
              <tr>
                <th scope="col">${t("common.name")}</th>
                <th scope="col">${t("cards.kind")}</th>
                <th scope="col">${t("common.status")}</th>
                <th scope="col">${t("cards.listed")}</th>
                <th scope="col" class="num">${t("cards.price")}</th>
                <th scope="col" class="num">${t("cards.stock")}</th>
                <th scope="col" class="num">${t("cards.holders")}</th>
              </tr>
            </thead>
            <tbody>
              ${data.items.map(
                (c) => html`<tr key=${c.card_id}>
                  <td><a href=${`#/cards/${encodeURIComponent(c.card_id)}`}>${c.name}</a></td>
                  <td>${kindLabel(c.kind)}</td>
                  <td>
                    <${Badge} kind=${c.status === "enabled" ? "ok" : "bad"}>
                      ${c.status === "enabled" ? t("common.enabled") : t("common.disabled")}
                    <//>
                  </td>
                  <td>${c.kind === "paid" ? (c.listed ? t("cards.on_sale") : t("cards.off_sale")) : "—"}</td>
                  <td class="num">${c.kind === "paid" ? money(c.price) : "—"}</td>
                  <td class="num">
                    ${c.kind === "paid"
                      ? html`${points(c.stock)}${c.stock_shards > 1
                          ? html`<br /><small>${t("cards.shards_n", { n: c.stock_shards })}</small>`
                          : null}`
                      : "—"}
                  </td>
                  <td class="num">${points(c.holders)}</td>
                </tr>`,
              )}
            </tbody>
          </table>
        </div>
        <p><small>${t("cards.limit_hint")}</small></p>
      `}
    <//>
  </div>`;
}
