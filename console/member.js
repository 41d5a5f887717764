/**
 * <loyalty-member>: the storefront member widget (API 1.2 "Storefront"; seed 000: the
 * member's cards under 我的 - 卡 in the shop, free cards claimed, paid cards bought; API 1.3
 * "Coupons": the member's coupons and the claimable ones, taken with "Take").
 *
 * Usage (the storefront's own page, another origin listed in the API's allowed origins):
 *   <script type="module" src="https://api.example/console/member.js"></script>
 *   <loyalty-member api="https://api.example" lang="zh-CN"></loyalty-member>
 *   el.token = customerJwt;                       // or the `token` attribute
 *   el.addEventListener('loyalty-purchase', e => checkout(e.detail.purchase_id));
 *   el.onpurchase = purchase => ...;              // the same, as a callback
 *
 * Attributes: `api` (the API's base URL), `lang` ("en", the default, or "zh-CN"), `token`
 * (convenience; the `token` property is the usual way), `currency` (optional ISO code for
 * balances when no card names the shop's currency).
 *
 * Theming (CSS custom properties, set them on the element or any ancestor):
 *   --loyalty-accent   buttons, progress, highlights   (default #6d28d9)
 *   --loyalty-font     font family                      (default system-ui stack)
 *   --loyalty-radius   corner radius of the panels      (default 14px)
 *   --loyalty-bg       background                       (default #ffffff)
 *   --loyalty-fg       text colour                      (default #1f2330)
 *   --loyalty-muted    secondary text                   (default #5b6070)
 *
 * Dependency-free: no imports beyond its own modules under ./member/ (the words, the
 * stylesheet, the rendering), loaded from the same place with relative URLs, no build step.
 * Styles are one constructed stylesheet (adoptedStyleSheets: allowed by a strict style-src),
 * the DOM is built with createElement and textContent only. The member id is the token's
 * `sub`; the API verifies the token.
 */

// Relative to this module's URL, so the parts come from wherever member.js was loaded
// (the API's /console/member/...), with the same CORS answer as member.js itself.
import { styles } from './member/style.js';
import { MemberView, h } from './member/view.js';

function uuid() {
  if (globalThis.crypto && typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The `sub` claim of a JWT (payload decoded, not verified: the API verifies). */
function subOf(token) {
  try {
    const part = String(token).split('.')[1];
    const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims.sub === 'string' && claims.sub ? claims.sub : null;
  } catch {
    return null;
  }
}

class HttpError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.code = problem && problem.code;
  }
}
class NetworkError extends Error {}

let ids = 0;

export class LoyaltyMember extends MemberView {
  static get observedAttributes() {
    return ['api', 'lang', 'token', 'currency'];
  }

  constructor() {
    super();
    this._uid = `lm${++ids}`;
    this._token = null;
    this._state = 'idle'; // idle | loading | ready | signin | network | error
    this._error = null;
    this._member = null;
    this._cards = { items: [], guide_card_id: null };
    this._levels = { levels: [] };
    // held: the member's available coupons, offers: GET /coupons; null when that read failed.
    this._coupons = { held: [], offers: [] };
    // card_id, or `coupon:` + coupon_id -> {kind, key, body, busy, error, code, network, phone, phoneValue}
    this._actions = new Map();
    this._generation = 0;
    const shadow = this.attachShadow({ mode: 'open' });
    shadow.adoptedStyleSheets = [styles()];
    this._root = h('div', { class: 'root' });
    this._live = h('p', { class: 'sr-only', role: 'status' });
    shadow.append(this._root, this._live);
  }

  connectedCallback() {
    // A `token` set on the element before this module defined it is an own property that
    // hides the setter: take it over.
    if (Object.prototype.hasOwnProperty.call(this, 'token')) {
      const t = this.token;
      delete this.token;
      this.token = t;
    } else if (!this._token && this.getAttribute('token')) {
      this.token = this.getAttribute('token');
    }
    this._render();
  }

  attributeChangedCallback(name, old, value) {
    if (old === value) return;
    if (name === 'token') {
      if (value) this.token = value;
    } else if (name === 'api') {
      if (this._token) this._load();
    } else {
      this._render();
    }
  }

  get token() {
    return this._token;
  }

  set token(value) {
    this._token = value || null;
    this._actions.clear();
    this._load();
  }

  get api() {
    return (this.getAttribute('api') || '').replace(/\/+$/, '');
  }

  set api(v) {
    this.setAttribute('api', v);
  }

  /** Reads the member, the cards on offer, the ladder and the coupons again. */
  refresh() {
    return this._load();
  }

  async _request(method, path, body, key) {
    const headers = { Authorization: `Bearer ${this._token}` };
    const init = { method, headers, mode: 'cors', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (key) headers['Idempotency-Key'] = key;
    let res;
    try {
      res = await fetch(this.api + path, init);
    } catch (e) {
      throw new NetworkError(String(e && e.message));
    }
    let parsed = null;
    const text = await res.text().catch(() => '');
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    if (!res.ok) throw new HttpError(res.status, parsed);
    return parsed;
  }

  async _load() {
    const gen = ++this._generation;
    const sub = this._token ? subOf(this._token) : null;
    if (!this._token) {
      this._state = 'idle';
      this._render();
      return;
    }
    if (!sub) {
      this._state = 'signin';
      this._render();
      return;
    }
    this._sub = sub;
    this._state = 'loading';
    this._render();
    try {
      const [member, cards, levels, coupons] = await Promise.all([
        this._request('GET', `/members/${encodeURIComponent(sub)}`),
        this._request('GET', '/cards'),
        this._request('GET', '/levels').catch((e) => {
          if (e instanceof HttpError && e.status === 404) return { levels: [] };
          throw e;
        }),
        this._readCoupons(sub),
      ]);
      if (gen !== this._generation) return;
      this._member = member || {};
      this._cards = { items: (cards && cards.items) || [], guide_card_id: (cards && cards.guide_card_id) || null, currency: (cards && cards.currency) || null };
      this._levels = { levels: (levels && levels.levels) || [] };
      this._coupons = coupons;
      this._state = 'ready';
    } catch (e) {
      if (gen !== this._generation) return;
      this._fail(e);
    }
    this._render();
  }

  /**
   * The member's available coupons and the claimable ones. Never rejects: coupons came with
   * API 1.3, and a refusal or an outage of these reads must leave the balances and cards
   * shown, so a part that failed is null and the section shows its own error line.
   */
  async _readCoupons(sub) {
    const part = (p) => p.then((r) => (r && r.items) || [], () => null);
    const [held, offers] = await Promise.all([
      part(this._request('GET', `/members/${encodeURIComponent(sub)}/coupons?status=available`)),
      part(this._request('GET', '/coupons')),
    ]);
    return { held, offers };
  }

  /** The section's Retry: only the coupons again, the rest of the widget stays as it is. */
  async _reloadCoupons() {
    const gen = this._generation;
    const coupons = await this._readCoupons(this._sub);
    if (gen !== this._generation) return;
    this._coupons = coupons;
    this._render();
  }

  _fail(e) {
    if (e instanceof HttpError && e.status === 401) {
      this._state = 'signin';
    } else if (e instanceof NetworkError) {
      this._state = 'network';
    } else {
      this._state = 'error';
      this._error = e.message;
    }
  }

  async _rereadMember() {
    const member = await this._request('GET', `/members/${encodeURIComponent(this._sub)}`);
    this._member = member || {};
  }

  /**
   * The POST of a button (claim, buy, take): one Idempotency-Key per click, kept for a retry
   * of the same request after a network failure (the first may have gone through, the key
   * makes the API answer it once), dropped once an answer came (the next click is a new
   * request). `id` keys the button's state in `_actions`. Resolves to {result} on success,
   * {action} when refused, nothing when busy or signed out.
   */
  async _post(id, kind, path, body) {
    const prev = this._actions.get(id) || {};
    if (prev.busy) return null;
    const bodyText = JSON.stringify(body);
    const same = prev.kind === kind && prev.key && prev.bodyText === bodyText;
    const action = {
      ...prev, kind, body, bodyText, key: same ? prev.key : uuid(),
      busy: true, error: null, code: null, network: false,
    };
    this._actions.set(id, action);
    this._render();
    try {
      const result = await this._request('POST', path, body, action.key);
      this._actions.delete(id);
      return { result };
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) {
        this._actions.delete(id);
        this._state = 'signin';
        return null;
      }
      action.busy = false;
      if (e instanceof NetworkError) {
        action.network = true;
        action.error = this._t.network;
      } else {
        action.key = null;
        action.code = e.code || null; // the view words a known refusal in the element's language
        action.error = e.message || this._t.failed;
      }
      return { action };
    }
  }

  /** Claim or buy a card. */
  async _act(card, kind) {
    const prev = this._actions.get(card.card_id) || {};
    const body = {};
    if (kind === 'claim' && prev.phone && prev.phoneValue) body.phone = prev.phoneValue.trim();
    const path = `/cards/${encodeURIComponent(card.card_id)}/${kind === 'claim' ? 'claim' : 'purchase'}`;
    const out = await this._post(card.card_id, kind, path, body);
    const name = card.name || card.card_id;
    if (out && out.action) {
      const action = out.action;
      if (!action.network) {
        if (action.code === 'phone_required') action.phone = true;
        action.phoneFocus = action.phone;
      }
    } else if (out && kind === 'claim') {
      this._announce(this._t.claimed(name));
      try {
        await this._rereadMember();
      } catch (e) {
        this._fail(e);
      }
    } else if (out) {
      const result = out.result;
      this._announce(this._t.purchased(name));
      this._actions.set(card.card_id, { kind, done: this._t.purchased(name) });
      this.dispatchEvent(new CustomEvent('loyalty-purchase', { detail: result, bubbles: true, composed: true }));
      if (typeof this.onpurchase === 'function') {
        try {
          this.onpurchase(result);
        } catch (err) {
          queueMicrotask(() => { throw err; });
        }
      }
    }
    this._render();
  }

  /** Take a claimable coupon: the 201 is the member's new coupon, listed first (newest first). */
  async _take(coupon) {
    const path = `/coupons/${encodeURIComponent(coupon.coupon_id)}/claim`;
    const out = await this._post(`coupon:${coupon.coupon_id}`, 'take', path, {});
    if (out && out.result) {
      const c = out.result;
      // A list that failed to load stays failed (its error line and Retry), not one coupon long.
      const held = this._coupons.held && [c, ...this._coupons.held.filter((x) => x.coupon_no !== c.coupon_no)];
      this._coupons = { ...this._coupons, held };
      this._announce(this._t.tookCoupon(coupon.name || coupon.coupon_id));
    }
    this._render();
  }

  _announce(text) {
    this._live.textContent = '';
    // A change the screen reader notices even when the same text repeats.
    setTimeout(() => { this._live.textContent = text; }, 50);
  }
}

if (!customElements.get('loyalty-member')) customElements.define('loyalty-member', LoyaltyMember);
