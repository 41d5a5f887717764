// Typed client for the loyalty HTTP API: openapi-fetch over the types generated into schema.d.ts.
// Paths, parameters, bodies and responses (including application/problem+json errors) are checked
// against openapi.yaml at compile time; at run time this is a thin wrapper over fetch.
import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** The typed client returned by createLoyaltyClient. */
export type LoyaltyClient = Client<paths>;

/** Every error body: `application/problem+json` with a stable `code`. */
export type Problem = components["schemas"]["Problem"];

export interface LoyaltyClientOptions {
  /** The API's origin, e.g. "https://api.example.com" or "http://127.0.0.1:9000" (`make run`). */
  baseUrl: string;
  /** A bearer JWT (a customer's for a storefront; claims `shop`, `sub`, `role`, `exp`). */
  token: string;
}

export function createLoyaltyClient({ baseUrl, token }: LoyaltyClientOptions): LoyaltyClient {
  return createClient<paths>({
    baseUrl,
    headers: { Authorization: `Bearer ${token}` },
  });
}
