/**
 * <loyalty-member>: the storefront member widget (API 1.2 "Storefront"; seed 000: the
 * member's cards under 我的 - 卡 in the shop, free cards claimed, paid cards bought).
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
 * Self-contained: no imports, no build step. Styles are one constructed stylesheet
 * (adoptedStyleSheets: allowed by a strict style-src), the DOM is built with createElement
 * and textContent only. The member id is the token's `sub`; the API verifies the token.
 */

const CATALOG = {
  en: {
    title: 'My membership',
    signin: 'Please sign in again',
    signinHint: 'Your session has ended. Sign in to the shop to see your membership.',
    noToken: 'Sign in to see your membership.',
    loading: 'Loading your membership…',
    network: 'Could not reach the loyalty service.',
    failed: 'Something went wrong.',
    retry: 'Retry',
    points: 'Points',
    credit: 'Store credit',
    value: 'Stored value',
    nextExpiry: (amount, date) => `${amount} expire on ${date}`,
    noExpiry: 'None expiring soon',
    level: 'Level',
    noLevel: 'No level yet',
    toNext: (needed, name) => `${needed} more to ${name}`,
    topLevel: 'Top level reached',
    progressOf: (name) => `Progress to ${name}`,
    metric: { growth: 'growth', points: 'points', cumulative_spend: 'spent', cumulative_recharge: 'recharged' },
    held: 'My cards',
    noneHeld: 'You hold no cards yet.',
    toClaim: 'Cards to claim',
    toBuy: 'Cards to buy',
    offer: 'Recommended for you',
    claim: 'Claim',
    buy: 'Buy',
    soldOut: 'Sold out',
    phone: 'Phone',
    phoneNeeded: 'This card needs your phone number.',
    claimed: (name) => `${name} claimed.`,
    purchased: (name) => `Purchase of ${name} started: continue at checkout.`,
    renewal: 'You hold this card: buying it extends it.',
    permanent: 'Never expires',
    days: (n) => `Valid for ${n} days`,
    range: (a, b) => `Valid ${a} – ${b}`,
    until: (d) => `Valid until ${d}`,
    expiredOn: (d) => `Expired on ${d}`,
    expired: 'Expired',
    cardNo: (no) => `Card no. ${no}`,
    discount: (p) => `${100 - p}% off`,
    freeShipping: 'Free shipping',
    multiplier: (f) => `${f}× points`,
    gift: 'Welcome gift',
    giftSep: ': ',
    listSep: ', ',
    giftPoints: (n) => `${n} points`,
    giftCredit: (m) => `${m} store credit`,
  },
  'zh-CN': {
    title: '我的会员',
    signin: '请重新登录',
    signinHint: '登录已失效,请重新登录商城后查看会员信息。',
    noToken: '登录后查看会员信息。',
    loading: '正在加载会员信息…',
    network: '无法连接会员服务。',
    failed: '出错了。',
    retry: '重试',
    points: '积分',
    credit: '购物金',
    value: '储值',
    nextExpiry: (amount, date) => `${amount} 将于 ${date} 过期`,
    noExpiry: '近期没有即将过期的积分',
    level: '会员等级',
    noLevel: '暂无等级',
    toNext: (needed, name) => `还差 ${needed} 升级到 ${name}`,
    topLevel: '已是最高等级',
    progressOf: (name) => `升级到 ${name} 的进度`,
    metric: { growth: '成长值', points: '积分', cumulative_spend: '累计消费', cumulative_recharge: '累计充值' },
    held: '我的权益卡',
    noneHeld: '还没有权益卡。',
    toClaim: '可领取的权益卡',
    toBuy: '可购买的权益卡',
    offer: '为你推荐',
    claim: '领取',
    buy: '购买',
    soldOut: '已售罄',
    phone: '手机号',
    phoneNeeded: '领取此卡需要填写手机号。',
    claimed: (name) => `已领取${name}。`,
    purchased: (name) => `已创建${name}的订单,请前往结算。`,
    renewal: '你已持有此卡,购买后将续期。',
    permanent: '永久有效',
    days: (n) => `有效期 ${n} 天`,
    range: (a, b) => `有效期 ${a} 至 ${b}`,
    until: (d) => `有效期至 ${d}`,
    expiredOn: (d) => `已于 ${d} 过期`,
    expired: '已过期',
    cardNo: (no) => `卡号 ${no}`,
    discount: (p) => `${p / 10}折`,
    freeShipping: '包邮',
    multiplier: (f) => `${f}倍积分`,
    gift: '领卡礼包',
    giftSep: ':',
    listSep: '、',
    giftPoints: (n) => `${n} 积分`,
    giftCredit: (m) => `${m} 购物金`,
  },
};

const STYLE = `
:host {
  display: block;
  font-family: var(--loyalty-font, system-ui, -apple-system, "Segoe UI", Roboto, "PingFang SC", "Noto Sans CJK SC", sans-serif);
  color: var(--loyalty-fg, #1f2330);
  background: var(--loyalty-bg, #ffffff);
  border-radius: var(--loyalty-radius, 14px);
  line-height: 1.45;
  font-size: 15px;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.root { padding: 20px; }
h2 { font-size: 1.25rem; margin: 0 0 14px; }
h3 { font-size: .8rem; text-transform: uppercase; letter-spacing: .06em; margin: 0 0 6px;
     color: var(--loyalty-muted, #5b6070); font-weight: 650; }
h4 { font-size: 1rem; margin: 0; }
p { margin: 0; }
.muted { color: var(--loyalty-muted, #5b6070); font-size: .875rem; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin-bottom: 14px; }
.tile, .panel {
  border: 1px solid color-mix(in srgb, var(--loyalty-fg, #1f2330) 12%, transparent);
  border-radius: var(--loyalty-radius, 14px);
  padding: 14px 16px;
}
.figure { font-size: 1.6rem; font-weight: 700; font-variant-numeric: tabular-nums; letter-spacing: -.01em; }
.panel { margin-bottom: 14px; }
.level-name { font-size: 1.15rem; font-weight: 700; }
progress {
  display: block; width: 100%; height: 8px; margin: 10px 0 6px; border: 0; border-radius: 99px;
  accent-color: var(--loyalty-accent, #6d28d9); overflow: hidden;
  appearance: none; -webkit-appearance: none;
  background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 14%, transparent);
}
progress::-webkit-progress-bar { background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 14%, transparent); border-radius: 99px; }
progress::-webkit-progress-value { background: var(--loyalty-accent, #6d28d9); border-radius: 99px; }
progress::-moz-progress-bar { background: var(--loyalty-accent, #6d28d9); border-radius: 99px; }
.offer {
  border: 2px solid var(--loyalty-accent, #6d28d9);
  background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 7%, var(--loyalty-bg, #ffffff));
}
.offer h3 { color: var(--loyalty-accent, #6d28d9); }
ul.cards { list-style: none; margin: 0; padding: 0; display: grid; gap: 10px; }
ul.cards > li { border-top: 1px solid color-mix(in srgb, var(--loyalty-fg, #1f2330) 10%, transparent); padding-top: 10px; }
ul.cards > li:first-child { border-top: 0; padding-top: 0; }
article { display: grid; grid-template-columns: 1fr auto; gap: 4px 14px; align-items: start; }
article > .body { display: grid; gap: 3px; min-width: 0; }
article > .actions { display: flex; flex-direction: column; align-items: flex-end; gap: 6px; }
.price { font-weight: 700; font-variant-numeric: tabular-nums; }
ul.chips { list-style: none; margin: 2px 0 0; padding: 0; display: flex; flex-wrap: wrap; gap: 6px; }
ul.chips li {
  font-size: .78rem; padding: 2px 8px; border-radius: 99px;
  background: color-mix(in srgb, var(--loyalty-accent, #6d28d9) 10%, transparent);
  color: var(--loyalty-fg, #1f2330);
}
button {
  font: inherit; font-weight: 650; cursor: pointer;
  padding: 7px 18px; border-radius: calc(var(--loyalty-radius, 14px) * .6); border: 1px solid var(--loyalty-accent, #6d28d9);
  background: var(--loyalty-accent, #6d28d9); color: #fff; white-space: nowrap;
}
button.secondary { background: transparent; color: var(--loyalty-accent, #6d28d9); }
button:hover { filter: brightness(1.08); }
button:focus-visible, input:focus-visible { outline: 3px solid color-mix(in srgb, var(--loyalty-accent, #6d28d9) 45%, transparent); outline-offset: 2px; }
button[disabled] { opacity: .6; cursor: progress; }
.badge { font-size: .8rem; font-weight: 650; padding: 3px 10px; border-radius: 99px;
  color: var(--loyalty-muted, #5b6070); border: 1px solid currentColor; white-space: nowrap; }
.badge.expired { color: #a1271b; }
.alert { grid-column: 1 / -1; color: #a1271b; font-size: .875rem; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
.state { display: grid; gap: 10px; justify-items: start; }
.state .alert { grid-column: auto; }
form.phone { grid-column: 1 / -1; display: flex; gap: 8px; align-items: end; flex-wrap: wrap; }
form.phone label { display: grid; gap: 3px; font-size: .85rem; }
input {
  font: inherit; padding: 6px 10px; border-radius: calc(var(--loyalty-radius, 14px) * .5);
  border: 1px solid color-mix(in srgb, var(--loyalty-fg, #1f2330) 35%, transparent);
  background: var(--loyalty-bg, #ffffff); color: var(--loyalty-fg, #1f2330);
}
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

let sheet = null;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLE);
  }
  return sheet;
}

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

/** A plain date (YYYY-MM-DD) or an instant, as a Date plus whether it is a plain date. */
function parseDate(text) {
  if (!text) return null;
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const d = new Date(plain ? `${text}T00:00:00Z` : text);
  return Number.isNaN(d.getTime()) ? null : { d, plain };
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

let ids = 0;

export class LoyaltyMember extends HTMLElement {
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
    this._actions = new Map(); // card_id -> {kind, key, body, busy, error, network, phone, phoneValue}
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

  /** Reads the member, the cards on offer and the ladder again. */
  refresh() {
    return this._load();
  }

  get _lang() {
    return this.getAttribute('lang') === 'zh-CN' ? 'zh-CN' : 'en';
  }

  get _t() {
    return CATALOG[this._lang];
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
      const [member, cards, levels] = await Promise.all([
        this._request('GET', `/members/${encodeURIComponent(sub)}`),
        this._request('GET', '/cards'),
        this._request('GET', '/levels').catch((e) => {
          if (e instanceof HttpError && e.status === 404) return { levels: [] };
          throw e;
        }),
      ]);
      if (gen !== this._generation) return;
      this._member = member || {};
      this._cards = { items: (cards && cards.items) || [], guide_card_id: (cards && cards.guide_card_id) || null, currency: (cards && cards.currency) || null };
      this._levels = { levels: (levels && levels.levels) || [] };
      this._state = 'ready';
    } catch (e) {
      if (gen !== this._generation) return;
      this._fail(e);
    }
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

  /** Claim or buy: one Idempotency-Key per click, kept for a retry of the same request. */
  async _act(card, kind) {
    const prev = this._actions.get(card.card_id) || {};
    if (prev.busy) return;
    const body = {};
    if (kind === 'claim' && prev.phone && prev.phoneValue) body.phone = prev.phoneValue.trim();
    const same = prev.kind === kind && prev.key && prev.bodyText === JSON.stringify(body);
    const action = {
      ...prev, kind, body, bodyText: JSON.stringify(body), key: same ? prev.key : uuid(),
      busy: true, error: null, network: false,
    };
    this._actions.set(card.card_id, action);
    this._render();
    const name = card.name || card.card_id;
    try {
      const path = `/cards/${encodeURIComponent(card.card_id)}/${kind === 'claim' ? 'claim' : 'purchase'}`;
      const result = await this._request('POST', path, body, action.key);
      this._actions.delete(card.card_id);
      if (kind === 'claim') {
        this._announce(this._t.claimed(name));
        try {
          await this._rereadMember();
        } catch (e) {
          this._fail(e);
        }
      } else {
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
    } catch (e) {
      if (e instanceof HttpError && e.status === 401) {
        this._actions.delete(card.card_id);
        this._state = 'signin';
      } else if (e instanceof NetworkError) {
        action.busy = false;
        action.network = true;
        action.error = this._t.network;
      } else {
        action.busy = false;
        action.key = null; // an answer came: the next click is a new request
        action.error = e.message || this._t.failed;
        if (e.code === 'phone_required') action.phone = true;
        action.phoneFocus = action.phone;
      }
    }
    this._render();
  }

  _announce(text) {
    this._live.textContent = '';
    // A change the screen reader notices even when the same text repeats.
    setTimeout(() => { this._live.textContent = text; }, 50);
  }

  // ---- formatting ----

  _currency() {
    const m = this._member || {};
    const fromCards = (this._cards.items || []).find((c) => c.currency);
    return m.currency || (m.credit && m.credit.currency) || (m.value && m.value.currency)
      || this._cards.currency || (fromCards && fromCards.currency) || this.getAttribute('currency') || null;
  }

  _money(amount, currency) {
    if (amount == null) return '';
    const cur = currency || this._currency();
    try {
      if (cur) return new Intl.NumberFormat(this._lang, { style: 'currency', currency: cur }).format(String(amount));
      return new Intl.NumberFormat(this._lang, { minimumFractionDigits: 2 }).format(String(amount));
    } catch {
      return String(amount);
    }
  }

  _int(n) {
    return new Intl.NumberFormat(this._lang).format(Number(n) || 0);
  }

  _date(text) {
    const p = parseDate(text);
    if (!p) return text || '';
    return new Intl.DateTimeFormat(this._lang, { dateStyle: 'medium', ...(p.plain ? { timeZone: 'UTC' } : {}) }).format(p.d);
  }

  _validity(v) {
    const t = this._t;
    if (!v || v.kind === 'permanent') return t.permanent;
    if (v.kind === 'days') return t.days(this._int(v.days));
    if (v.kind === 'range') return t.range(this._date(v.from), this._date(v.until));
    return '';
  }

  _benefits(card) {
    const t = this._t;
    const out = [];
    for (const b of card.benefits || []) {
      if (b.kind === 'discount' && b.percent != null) out.push(t.discount(Number(b.percent)));
      else if (b.kind === 'free_shipping') out.push(t.freeShipping);
      else if (b.kind === 'points_multiplier') out.push(t.multiplier(b.factor));
      else if (b.kind === 'custom' && b.text) out.push(b.text);
    }
    const g = card.gift_pack;
    if (g) {
      const parts = [];
      if (g.points) parts.push(t.giftPoints(this._int(g.points)));
      if (g.credit && Number(g.credit) > 0) parts.push(t.giftCredit(this._money(g.credit, card.currency)));
      for (const c of g.coupons || []) parts.push(c);
      for (const c of g.gifts || []) parts.push(c);
      if (parts.length) out.push(`${t.gift}${t.giftSep}${parts.join(t.listSep)}`);
    }
    return out;
  }

  // ---- rendering ----

  _render() {
    const focused = this.shadowRoot.activeElement;
    const focusKey = focused && focused.dataset ? focused.dataset.key : null;
    const t = this._t;
    const root = this._root;
    root.setAttribute('aria-busy', String(this._state === 'loading'));
    root.replaceChildren(h('h2', { id: `${this._uid}-title` }, t.title));
    root.lang = this._lang;
    if (this._state === 'idle') {
      root.append(h('p', { class: 'muted' }, t.noToken));
    } else if (this._state === 'loading') {
      root.append(h('p', { class: 'muted' }, t.loading));
    } else if (this._state === 'signin') {
      root.append(h('div', { class: 'state' },
        h('p', { class: 'alert', role: 'alert' }, h('strong', null, t.signin)),
        h('p', { class: 'muted' }, t.signinHint)));
    } else if (this._state === 'network' || this._state === 'error') {
      root.append(h('div', { class: 'state' },
        h('p', { class: 'alert', role: 'alert' }, this._state === 'network' ? t.network : (this._error || t.failed)),
        h('button', { type: 'button', class: 'secondary', 'data-key': 'reload', onclick: () => this._load() }, t.retry)));
    } else {
      this._renderMember(root);
    }
    if (focusKey) {
      const again = root.querySelector(`[data-key="${CSS_escape(focusKey)}"]`);
      if (again) again.focus();
    }
    for (const [id, a] of this._actions) {
      if (a.phoneFocus) {
        a.phoneFocus = false;
        const input = root.querySelector(`[data-key="phone:${CSS_escape(id)}"]`);
        if (input) input.focus();
      }
    }
  }

  _renderMember(root) {
    const t = this._t;
    const m = this._member || {};
    const cards = this._cards.items || [];
    const byId = new Map(cards.map((c) => [c.card_id, c]));
    const now = Date.now();
    const held = (m.cards || []).map((c) => {
      const until = parseDate(c.valid_until);
      const expired = c.status === 'expired' || (until && until.d.getTime() <= now)
        || (c.status && !['active', 'valid'].includes(c.status));
      return { ...c, expired, def: byId.get(c.card_id) };
    });
    const holdsLive = new Set(held.filter((c) => !c.expired).map((c) => c.card_id));

    // The guide-to-buy offer first (000: 引导购买).
    const guide = this._cards.guide_card_id && byId.get(this._cards.guide_card_id);
    const showGuide = guide && !holdsLive.has(guide.card_id) && guide.kind === 'paid';
    if (showGuide) {
      root.append(h('section', { class: 'panel offer', 'aria-labelledby': `${this._uid}-offer` },
        h('h3', { id: `${this._uid}-offer` }, t.offer),
        h('ul', { class: 'cards' }, h('li', null, this._offerCard(guide, false)))));
    }

    // Balances.
    const tiles = h('div', { class: 'tiles' });
    const points = m.points || { balance: 0, expiring: [] };
    const next = [...(points.expiring || [])].filter((e) => e && e.amount)
      .sort((a, b) => String(a.date).localeCompare(String(b.date)))[0];
    tiles.append(this._tile('points', t.points, this._int(points.balance),
      next ? t.nextExpiry(this._int(next.amount), this._date(next.date)) : t.noExpiry));
    if (m.credit) {
      const ce = [...(m.credit.expiring || [])].filter((e) => e && e.amount && Number(e.amount) > 0)
        .sort((a, b) => String(a.date).localeCompare(String(b.date)))[0];
      tiles.append(this._tile('credit', t.credit, this._money(m.credit.balance || '0.00'),
        ce ? t.nextExpiry(this._money(ce.amount), this._date(ce.date)) : null));
    }
    if (m.value) tiles.append(this._tile('value', t.value, this._money(m.value.balance || '0.00'), null));
    root.append(tiles);

    // Level.
    root.append(this._levelPanel(m.level));

    // Cards held.
    const heldList = h('ul', { class: 'cards' });
    for (const c of held) heldList.append(h('li', null, this._heldCard(c)));
    root.append(h('section', { class: 'panel', 'aria-labelledby': `${this._uid}-held` },
      h('h3', { id: `${this._uid}-held` }, t.held),
      held.length ? heldList : h('p', { class: 'muted' }, t.noneHeld)));

    // Cards to claim: free, not held or held but expired.
    const claimable = cards.filter((c) => c.kind === 'free' && !holdsLive.has(c.card_id));
    if (claimable.length) {
      root.append(h('section', { class: 'panel', 'aria-labelledby': `${this._uid}-claim` },
        h('h3', { id: `${this._uid}-claim` }, t.toClaim),
        h('ul', { class: 'cards' }, claimable.map((c) => h('li', null, this._offerCard(c, holdsLive.has(c.card_id)))))));
    }

    // Cards to buy: paid (sold-out ones shown as such), the guide offer above not repeated.
    const forSale = cards.filter((c) => c.kind === 'paid' && !(showGuide && c.card_id === guide.card_id));
    if (forSale.length) {
      root.append(h('section', { class: 'panel', 'aria-labelledby': `${this._uid}-buy` },
        h('h3', { id: `${this._uid}-buy` }, t.toBuy),
        h('ul', { class: 'cards' }, forSale.map((c) => h('li', null, this._offerCard(c, holdsLive.has(c.card_id)))))));
    }
  }

  _tile(key, label, figure, note) {
    const id = `${this._uid}-${key}`;
    return h('section', { class: 'tile', 'aria-labelledby': id },
      h('h3', { id }, label),
      h('p', { class: 'figure', 'data-figure': key }, figure),
      note ? h('p', { class: 'muted' }, note) : null);
  }

  _levelPanel(level) {
    const t = this._t;
    const id = `${this._uid}-level`;
    const panel = h('section', { class: 'panel', 'aria-labelledby': id }, h('h3', { id }, t.level));
    if (!level) {
      panel.append(h('p', { class: 'muted' }, t.noLevel));
      return panel;
    }
    panel.append(h('p', { class: 'level-name' }, level.name || level.level_id));
    const p = level.progress;
    if (p && p.next_level_id) {
      const nextLevel = (this._levels.levels || []).find((l) => l.level_id === p.next_level_id);
      const nextName = (nextLevel && nextLevel.name) || p.next_level_id;
      const money = p.metric === 'cumulative_spend' || p.metric === 'cumulative_recharge';
      const value = Math.max(0, Number(p.value) || 0);
      const needed = Math.max(0, Number(p.needed) || 0);
      const fmt = (x) => (money ? this._money(x) : this._int(x));
      const textId = `${this._uid}-progress`;
      const metric = t.metric[p.metric] || p.metric || '';
      panel.append(
        h('progress', { max: String(value + needed || 1), value: String(value), 'aria-label': t.progressOf(nextName), 'aria-describedby': textId }),
        h('p', { class: 'muted', id: textId },
          `${fmt(p.value)} ${metric} · ${t.toNext(fmt(p.needed), nextName)}`));
    } else if (p) {
      panel.append(h('p', { class: 'muted' }, t.topLevel));
    }
    return panel;
  }

  _heldCard(c) {
    const t = this._t;
    const name = (c.def && c.def.name) || c.card_id;
    const id = `${this._uid}-held-${c.card_no || c.card_id}`;
    const validity = c.expired
      ? (c.valid_until ? t.expiredOn(this._date(c.valid_until)) : t.expired)
      : (c.valid_until ? t.until(this._date(c.valid_until)) : t.permanent);
    return h('article', { 'aria-labelledby': id, 'data-card-id': c.card_id },
      h('div', { class: 'body' },
        h('h4', { id }, name),
        h('p', { class: 'muted' }, validity),
        c.card_no ? h('p', { class: 'muted' }, t.cardNo(c.card_no)) : null),
      h('div', { class: 'actions' }, c.expired ? h('span', { class: 'badge expired' }, t.expired) : null));
  }

  _offerCard(card, holds) {
    const t = this._t;
    const id = `${this._uid}-card-${card.card_id}`;
    const action = this._actions.get(card.card_id) || {};
    const kind = card.kind === 'paid' ? 'buy' : 'claim';
    const benefits = this._benefits(card);
    const actions = h('div', { class: 'actions' });
    if (card.kind === 'paid') actions.append(h('p', { class: 'price' }, this._money(card.price, card.currency)));
    if (card.kind === 'paid' && card.sold_out) {
      actions.append(h('span', { class: 'badge' }, t.soldOut));
    } else if (!(kind === 'claim' && action.phone)) {
      actions.append(h('button', {
        type: 'button', 'data-key': `${kind}:${card.card_id}`, disabled: !!action.busy,
        onclick: () => this._act(card, kind),
      }, kind === 'buy' ? t.buy : t.claim));
    }
    const art = h('article', { 'aria-labelledby': id, 'data-card-id': card.card_id },
      h('div', { class: 'body' },
        h('h4', { id }, card.name || card.card_id),
        card.description ? h('p', { class: 'muted' }, card.description) : null,
        benefits.length ? h('ul', { class: 'chips' }, benefits.map((b) => h('li', null, b))) : null,
        h('p', { class: 'muted' }, this._validity(card.validity)),
        holds && card.kind === 'paid' ? h('p', { class: 'muted' }, t.renewal) : null),
      actions);
    if (action.error) {
      art.append(h('div', { class: 'alert', role: 'alert' }, h('span', null, action.error),
        action.network ? h('button', {
          type: 'button', class: 'secondary', 'data-key': `retry:${card.card_id}`,
          onclick: () => this._act(card, action.kind),
        }, t.retry) : null));
    }
    if (action.done) art.append(h('p', { class: 'muted', role: 'status' }, action.done));
    if (kind === 'claim' && action.phone) {
      const inputId = `${this._uid}-phone-${card.card_id}`;
      art.append(h('form', {
        class: 'phone', novalidate: true,
        onsubmit: (e) => { e.preventDefault(); this._act(card, 'claim'); },
      },
      h('label', { for: inputId }, t.phone),
      h('input', {
        id: inputId, type: 'tel', autocomplete: 'tel', required: true, 'data-key': `phone:${card.card_id}`,
        value: action.phoneValue || '',
        oninput: (e) => { action.phoneValue = e.target.value; },
      }),
      h('button', { type: 'submit', 'data-key': `phoneretry:${card.card_id}`, disabled: !!action.busy }, t.retry)));
    }
    return art;
  }
}

function CSS_escape(s) {
  return globalThis.CSS && globalThis.CSS.escape ? globalThis.CSS.escape(s) : String(s).replace(/["\\]/g, '\\$&');
}

if (!customElements.get('loyalty-member')) customElements.define('loyalty-member', LoyaltyMember);
