// Compile-time check of the generated types and the API shape (`npm run check` runs tsc over this
// file; it is never executed). If openapi.yaml renames a path, a parameter or a field used here,
// or the generated schema.d.ts is broken, `tsc --noEmit` fails.
import { createLoyaltyClient, type Problem } from "./index.js";

const client = createLoyaltyClient({ baseUrl: "http://127.0.0.1:9000", token: "customer-jwt" });

export async function memberSummary(memberId: string): Promise<string> {
  const { data, error, response } = await client.GET("/members/{member_id}", {
    params: { path: { member_id: memberId } },
  });
  if (error) {
    const problem: Problem = error;
    return `${response.status} ${problem.code}: ${problem.detail}`;
  }
  const points: number = data.points.balance;
  const credit: string | null = data.credit ? data.credit.balance : null;
  const cards: string[] = data.cards.map((c) => `${c.card_no} ${c.status}`);
  return `${data.member_id}: ${points} points, credit ${credit ?? "off"}, cards ${cards.join(", ")}`;
}

export async function claim(cardId: string, phone?: string): Promise<string> {
  const { data, error } = await client.POST("/cards/{card_id}/claim", {
    params: { path: { card_id: cardId }, header: { "Idempotency-Key": `claim-${cardId}` } },
    body: phone === undefined ? {} : { phone },
  });
  if (error) {
    switch (error.code) {
      case "card_already_held":
        return "already held";
      case "phone_required":
        return "phone needed";
      default:
        return `failed: ${error.code}`;
    }
  }
  const status: "active" | "expired" | "refunded" = data.status;
  const gift: boolean = data.gift_pack_issued;
  return `${data.card_no} ${status}${gift ? " (gift pack)" : ""}`;
}

// The types must reject what the API does not accept.
export async function rejected(): Promise<void> {
  // @ts-expect-error: the path parameter member_id is required
  await client.GET("/members/{member_id}", {});
  // @ts-expect-error: no such path in openapi.yaml
  await client.GET("/members/{member_id}/nonexistent", { params: { path: { member_id: "m1" } } });
  // @ts-expect-error: claim is a POST, not a GET
  await client.GET("/cards/{card_id}/claim", { params: { path: { card_id: "c1" } } });
  await client.POST("/cards/{card_id}/claim", {
    params: { path: { card_id: "c1" } },
    // @ts-expect-error: member_id is a string
    body: { member_id: 42 },
  });
}

export async function storefront(): Promise<string[]> {
  const cards = await client.GET("/cards");
  const levels = await client.GET("/levels");
  if (cards.error || levels.error) return [];
  const offered = cards.data.items.map(
    (c) => `${c.name} (${c.kind}${c.price === undefined ? "" : ` ${c.price} ${c.currency}`})${c.sold_out ? " sold out" : ""}`,
  );
  const ladder = levels.data.levels.map((l) => `${l.rank}. ${l.name} from ${l.threshold}`);
  return [...offered, ...ladder];
}
