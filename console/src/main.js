// The console's shell: sign-in, the hash router, the header (navigation by role, language,
// sign out) and the shop's settings every screen formats with.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { claims, claimsOf, consoleConfig, getOrNull, onSession, signIn, signOut, token } from "./api.js";
import { finishSignIn, startSignIn } from "./oidc.js";
import { setShop } from "./format.js";
import { LANGS, lang, onLang, setLang, t } from "./i18n.js";
import { can } from "./roles.js";
import { Field, Loading, Problem, html } from "./ui.js";
import { Members } from "./screens/members.js";
import { Member } from "./screens/member.js";
import { Cards } from "./screens/cards.js";
import { Card } from "./screens/card.js";
import { Coupons } from "./screens/coupons.js";
import { Coupon } from "./screens/coupon.js";
import { Levels } from "./screens/levels.js";
import { Program } from "./screens/programs.js";
import { Settings } from "./screens/settings.js";
import { Import } from "./screens/import.js";
import { Till } from "./screens/till.js";
import { Webhooks } from "./screens/webhooks.js";
import { Webhook } from "./screens/webhook.js";
import { Reports } from "./screens/reports.js";

// `/console/#token=<JWT>` signs in and the token leaves the address bar at once.
// A link must not silently swap a signed-in session for someone else's (it could sign a
// user in to another shop, or as another user, unnoticed): when a session is already here
// and the link's token is for another shop or subject, the user is asked first, and keeps
// the current session if they decline. The same shop and subject (a refreshed token)
// replaces it silently; a link token that is not a readable JWT leaves a session alone.
function takeTokenFromAddress() {
  const m = /^#token=([^&]+)/.exec(location.hash);
  if (!m) return;
  const next = decodeURIComponent(m[1]).trim();
  const current = claims();
  const incoming = claimsOf(next);
  if (!current) signIn(next);
  else if (incoming && incoming.shop === current.shop && incoming.sub === current.sub) signIn(next);
  else if (incoming && window.confirm(t("signin.replace", { shop: incoming.shop, sub: incoming.sub ?? "?", current: current.shop }))) {
    signIn(next);
  }
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
}
takeTokenFromAddress();

// Back from the shop's sign-in provider: the code becomes the token before anything renders.
const returning = finishSignIn().catch((e) => {
  console.warn("sign-in with the provider failed:", e.message);
  return "failed";
});
const config = consoleConfig().catch(() => ({ oidc: null }));

/** `#/a/b` -> ["a", "b"]. */
function routeOf(hash) {
  return hash
    .replace(/^#\/?/, "")
    .split("/")
    .filter(Boolean)
    .map(decodeURIComponent);
}

export function navigate(path) {
  location.hash = `#${path}`;
}

/** The screens, each with who may open it; the first a role may open is its home. */
const ROUTES = [
  { nav: "nav.members", path: "/members", who: "staff", match: (r) => r[0] === "members" && r.length === 1, view: Members },
  { path: "/members/:id", who: "staff", match: (r) => r[0] === "members" && r.length === 2, view: Member },
  { nav: "nav.cards", path: "/cards", who: "staff", match: (r) => r[0] === "cards" && r.length === 1, view: Cards },
  { path: "/cards/:id", who: "staff", match: (r) => r[0] === "cards" && r.length === 2, view: Card },
  { nav: "nav.coupons", path: "/coupons", who: "staff", match: (r) => r[0] === "coupons" && r.length === 1, view: Coupons },
  { path: "/coupons/:id", who: "staff", match: (r) => r[0] === "coupons" && r.length === 2, view: Coupon },
  { nav: "nav.levels", path: "/levels", who: "staff", match: (r) => r[0] === "levels", view: Levels },
  { nav: "nav.points", path: "/programs/points", who: "manage", match: (r) => r[0] === "programs" && r[1] === "points", view: Program, props: { kind: "points" } },
  { nav: "nav.credit", path: "/programs/credit", who: "manage", match: (r) => r[0] === "programs" && r[1] === "credit", view: Program, props: { kind: "credit" } },
  { nav: "nav.value", path: "/programs/value", who: "manage", match: (r) => r[0] === "programs" && r[1] === "value", view: Program, props: { kind: "value" } },
  { nav: "nav.import", path: "/import", who: "manage", match: (r) => r[0] === "import", view: Import },
  { nav: "nav.settings", path: "/settings", who: "manage", match: (r) => r[0] === "settings", view: Settings },
  { nav: "webhooks.title", path: "/webhooks", who: "manage", match: (r) => r[0] === "webhooks" && r.length === 1, view: Webhooks },
  { path: "/webhooks/:id", who: "manage", match: (r) => r[0] === "webhooks" && r.length === 2, view: Webhook },
  { nav: "reports.title", path: "/reports", who: "manage", match: (r) => r[0] === "reports", view: Reports },
  { nav: "nav.till", path: "/till", who: "staff", match: (r) => r[0] === "till", view: Till },
];

function home(role) {
  // The counter staff start at the till; everyone else at the members.
  return role === "cashier" ? "/till" : "/members";
}

function SignIn({ refused, oidc, oidcFailed }) {
  const [value, setValue] = useState("");
  const [leaving, setLeaving] = useState(null);
  const submit = (e) => {
    e.preventDefault();
    if (value.trim()) signIn(value);
  };
  const withProvider = () => {
    setLeaving("busy");
    startSignIn(oidc).catch(() => setLeaving("failed"));
  };
  return html`<main class="container narrow">
    <h1>${t("signin.title")}</h1>
    ${refused ? html`<div class="problem" role="alert">${t("signin.refused")}</div>` : null}
    ${oidcFailed || leaving === "failed" ? html`<div class="problem" role="alert">${t("signin.oidc_failed")}</div>` : null}
    ${oidc
      ? html`<p><button type="button" onClick=${withProvider} aria-busy=${leaving === "busy" ? "true" : undefined}>
            ${t("signin.with", { name: oidc.name || oidc.issuer })}
          </button></p>
          <p><small>${t("signin.or_token")}</small></p>`
      : null}
    <p>${t("signin.intro")}</p>
    <form onSubmit=${submit}>
      <${Field} label=${t("signin.token")}>
        <textarea rows="4" autocomplete="off" spellcheck="false" value=${value}
          onInput=${(e) => setValue(e.currentTarget.value)} required></textarea>
      <//>
      <button type="submit">${t("signin.submit")}</button>
    </form>
  </main>`;
}

function Header({ session, route }) {
  const here = `/${route.join("/")}`;
  const items = ROUTES.filter((r) => r.nav && can(session.role, r.who));
  return html`<header class="container-fluid app-header">
    <nav aria-label=${t("nav.main")}>
      <ul>
        <li><a href="#/" class="brand"><strong>${t("app.name")}</strong></a></li>
      </ul>
      <ul class="nav-items">
        ${items.map(
          (r) => html`<li>
            <a href=${`#${r.path}`} aria-current=${here === r.path || here.startsWith(`${r.path}/`) ? "page" : undefined}>${t(r.nav)}</a>
          </li>`,
        )}
      </ul>
      <ul>
        <li>
          <select aria-label=${t("nav.language")} value=${lang()} onChange=${(e) => setLang(e.currentTarget.value)}>
            ${LANGS.map(([code, name]) => html`<option value=${code} lang=${code}>${name}</option>`)}
          </select>
        </li>
        <li class="who"><small>${session.shop} · ${t(`role.${session.role}`)}</small></li>
        <li><button type="button" class="secondary outline" onClick=${signOut}>${t("nav.sign_out")}</button></li>
      </ul>
    </nav>
  </header>`;
}

function App() {
  const [, setTick] = useState(0);
  const [settings, setSettings] = useState({ loading: true, data: null, error: null });
  const [refused, setRefused] = useState(false);
  const [oidc, setOidc] = useState({ pending: true, config: null, failed: false });
  const rerender = () => setTick((n) => n + 1);

  useEffect(() => onLang(rerender), []);
  useEffect(() => {
    Promise.all([returning, config]).then(([done, c]) =>
      setOidc({ pending: false, config: c?.oidc || null, failed: done === "failed" }),
    );
  }, []);
  useEffect(
    () =>
      onSession(() => {
        if (!token()) setRefused(true);
        rerender();
      }),
    [],
  );
  useEffect(() => {
    const f = () => {
      takeTokenFromAddress();
      rerender();
    };
    addEventListener("hashchange", f);
    return () => removeEventListener("hashchange", f);
  }, []);

  // The address is the source of truth, read at every render: a hash set before the
  // listener above was attached is still honoured.
  const route = routeOf(location.hash);
  const who = claims();
  const loadSettings = () => {
    if (!token()) return;
    setSettings((s) => ({ ...s, loading: true, error: null }));
    // A new shop has no settings yet (null): figures show without a currency until it has.
    getOrNull("/admin/settings").then(
      (data) => {
        setShop(data);
        setSettings({ loading: false, data, error: null });
      },
      (error) => setSettings({ loading: false, data: null, error }),
    );
  };
  useEffect(loadSettings, [token()]);

  if (oidc.pending) return html`<main class="container"><${Loading} /></main>`;
  if (!token() || !who) {
    if (token() && !who) signOut();
    return html`<${SignIn} refused=${refused && !token()} oidc=${oidc.config} oidcFailed=${oidc.failed} />`;
  }
  if (settings.loading && !settings.data) return html`<main class="container"><${Loading} /></main>`;

  const session = {
    role: who.role,
    shop: who.shop,
    sub: who.sub,
    settings: settings.data,
    reloadSettings: loadSettings,
    can: (what) => can(who.role, what),
  };
  if (route.length === 0) {
    navigate(home(session.role));
    return null;
  }
  const found = ROUTES.find((r) => r.match(route));
  let body;
  if (settings.error) body = html`<${Problem} error=${settings.error} onRetry=${loadSettings} />`;
  else if (!found) body = html`<h1>${t("common.not_found")}</h1><p><a href="#/">${t("common.go_home")}</a></p>`;
  else if (!can(session.role, found.who)) body = html`<h1>${t("common.not_allowed_title")}</h1><p>${t("common.forbidden")}</p>`;
  else {
    const View = found.view;
    body = html`<${View} key=${route.join("/")} session=${session} params=${route.slice(1)} navigate=${navigate} ...${found.props || {}} />`;
  }
  const narrow = route[0] === "till";
  return html`<${Header} session=${session} route=${route} />
    <main class=${narrow ? "container till" : "container"}>
      ${!settings.data && session.can("manage") && route[0] !== "settings"
        ? html`<p class="notice" role="status">${t("settings.missing")} <a href="#/settings">${t("nav.settings")}</a></p>`
        : null}
      ${body}
    </main>`;
}

render(html`<${App} />`, document.getElementById("app"));
