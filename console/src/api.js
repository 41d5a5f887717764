// The only place that calls fetch. Every figure on screen comes from the API with the
// signed-in bearer token (API 1.2 "Console"): same origin, so no CORS.
//
// A user action gets one Idempotency-Key (newKey) and keeps it when the user presses "Retry"
// after a 503, so a retry lands at most once. Errors are the API's problem+json, kept whole
// so a screen can show `detail` where the user acted and branch on `code`.

const TOKEN = "loyalty.console.token";
const listeners = new Set();

/** The signed-in token, kept for this tab only (sessionStorage, never localStorage). */
export function token() {
  return sessionStorage.getItem(TOKEN);
}

export function signIn(jwt) {
  sessionStorage.setItem(TOKEN, jwt.trim());
  listeners.forEach((f) => f());
}

export function signOut() {
  sessionStorage.removeItem(TOKEN);
  listeners.forEach((f) => f());
}

/** Called whenever the session starts or ends (a 401 ends it). */
export function onSession(f) {
  listeners.add(f);
  return () => listeners.delete(f);
}

/**
 * The token's claims, read only to decide what to show; the server checks the signature
 * and stays the authority on every call. Null when the token is not a readable JWT.
 */
export function claims() {
  return claimsOf(token());
}

/** The claims of any token (e.g. one a link brings, before it is signed in), as claims(). */
export function claimsOf(t) {
  if (!t) return null;
  try {
    const part = t.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(
      Uint8Array.from(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")), (c) => c.charCodeAt(0)),
    );
    const c = JSON.parse(json);
    return typeof c.role === "string" && typeof c.shop === "string" ? c : null;
  } catch {
    return null;
  }
}

export function newKey() {
  return crypto.randomUUID();
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || (status === 0 ? "network" : "error");
    this.detail = problem.detail || problem.title || "";
    this.problem = problem;
  }

  /** 503 (contention, a stalled database) and lost connections may be retried with the same key. */
  get retryable() {
    return this.status === 503 || this.status === 0 || this.status === 504;
  }
}

/**
 * One API call. `body` is sent as JSON unless `raw` (a string) and `contentType` are given.
 * Resolves to the parsed JSON (or text for CSV and SVG, or null for 204).
 */
export async function call(method, path, { body, raw, contentType, key, accept } = {}) {
  const headers = { Authorization: `Bearer ${token() || ""}` };
  if (accept) headers.Accept = accept;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers["Content-Type"] = contentType || "text/plain";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  if (key) headers["Idempotency-Key"] = key;
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, { title: String(e.message || e), code: "network" });
  }
  if (res.status === 401) {
    signOut();
    throw new ApiError(401, await problemOf(res));
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  return type.includes("json") ? res.json() : res.text();
}

async function problemOf(res) {
  try {
    const p = await res.json();
    return typeof p === "object" && p ? p : { title: res.statusText };
  } catch {
    return { title: res.statusText || `HTTP ${res.status}` };
  }
}

export const get = (path, opts) => call("GET", path, opts);

/** A document the shop may not have set up yet: null on 404, any other failure thrown. */
export const getOrNull = (path) =>
  get(path).catch((e) => {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  });

/** `path` with its query; values null, undefined or "" are left out. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Path segments are ids the API made or the user typed: always encoded. */
export const seg = (s) => encodeURIComponent(String(s));

/** An image the API answers (a QR code) as a blob: URL, since <img> cannot send the token. */
export async function imageUrl(path) {
  const res = await fetch(path, { headers: { Authorization: `Bearer ${token() || ""}` } });
  if (res.status === 401) signOut();
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return URL.createObjectURL(await res.blob());
}

/** The console's own configuration (`config.json`: the sign-in provider, if any). */
export async function consoleConfig() {
  const res = await fetch("config.json", { cache: "no-store" });
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return res.json();
}

/**
 * JSON from an OpenID Connect provider (its discovery document), or its token endpoint's
 * answer to a form POST. Not the API: no bearer token is sent.
 */
export async function providerJson(url, form) {
  let res;
  try {
    res = await fetch(url, form
      ? { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(form) }
      : { cache: "no-store" });
  } catch (e) {
    throw new ApiError(0, { title: String(e.message || e), code: "network" });
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, { title: body.error || res.statusText, detail: body.error_description || body.error || "", code: body.error || "provider_error" });
  return body;
}

/** Saves `data` (text or a Blob) as a file named `filename`, of the given media type. */
export function saveFile(data, filename, type = "text/plain") {
  const url = URL.createObjectURL(data instanceof Blob ? data : new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file download (CSV export) through the token, saved with the given name. */
export async function download(path, filename) {
  saveFile(await call("GET", path), filename, "text/csv");
}
