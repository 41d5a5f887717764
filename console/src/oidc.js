// Sign-in through the shop's OpenID Connect provider (API 1.2 "Console"), when one is
// configured (`config.json`): the authorization code flow with PKCE (RFC 7636, S256), as a
// public client. The verifier and state live in sessionStorage only for the round trip; the
// token the provider returns (its access token when that is a JWT, else the ID token) is the
// API's bearer token, kept like any other (api.js). Its claims must carry shop, sub and role.
import { providerJson, signIn } from "./api.js";

const PENDING = "loyalty.console.oidc";

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

/** Where the provider sends the browser back: the console itself, without query or hash. */
const redirectUri = () => `${location.origin}${location.pathname}`;

async function discover(issuer) {
  return providerJson(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
}

/** Leaves for the provider's sign-in page. */
export async function startSignIn(oidc) {
  const meta = await discover(oidc.issuer);
  const verifier = random(32);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const state = random(16);
  sessionStorage.setItem(
    PENDING,
    JSON.stringify({ verifier, state, token_endpoint: meta.token_endpoint, client_id: oidc.client_id, back: location.hash, search: location.search }),
  );
  const url = new URL(meta.authorization_endpoint);
  const params = {
    response_type: "code",
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scope || "openid",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  };
  Object.entries(params).forEach(([k, v]) => url.searchParams.set(k, v));
  location.assign(url.toString());
}

/**
 * Back from the provider (`?code=...&state=...` or `?error=...`): exchanges the code for the
 * token and signs in. Resolves false when this page load is not such a return. The code and
 * state leave the address bar at once, whatever happens.
 */
export async function finishSignIn() {
  const q = new URLSearchParams(location.search);
  if (!q.has("code") && !q.has("error")) return false;
  const saved = JSON.parse(sessionStorage.getItem(PENDING) || "null");
  sessionStorage.removeItem(PENDING);
  history.replaceState(null, "", `${location.pathname}${saved?.search || ""}${saved?.back || "#/"}`);
  if (q.has("error")) throw new Error(q.get("error_description") || q.get("error"));
  if (!saved || q.get("state") !== saved.state) throw new Error("state");
  const answer = await providerJson(saved.token_endpoint, {
    grant_type: "authorization_code",
    code: q.get("code"),
    redirect_uri: redirectUri(),
    client_id: saved.client_id,
    code_verifier: saved.verifier,
  });
  const jwt = (t) => typeof t === "string" && t.split(".").length === 3;
  const token = jwt(answer.access_token) ? answer.access_token : answer.id_token;
  if (!jwt(token)) throw new Error("token");
  signIn(token);
  return true;
}
