/**
 * How <loyalty-member> (../member.js) shows its state: the formatting (numbers, money, dates
 * in the element's language) and the rendering of the member, the level, the cards and the
 * coupons.
 *
 * MemberView is the base class of LoyaltyMember: the methods here read the state that
 * ../member.js keeps (`_state`, `_member`, `_cards`, `_levels`, `_coupons`, `_actions`,
 * `_root`, `_uid`) and call back into it for the buttons (`_load`, `_act`, `_take`,
 * `_reloadCoupons`), so the code of each method is the
 * one the single-file widget had. Dependency-free, like the widget: shop pages import it
 * cross-origin.
 */

import { CATALOG } from './strings.js';

/** A plain date (YYYY-MM-DD) or an instant, as a Date plus whether it is a plain date. */
function parseDate(text) {
  if (!text) return null;
  const plain = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const d = new Date(plain ? `${text}T00:00:00Z` : text);
  return Number.isNaN(d.getTime()) ? null : { d, plain };
}

export function h(tag, attrs, ...children) {
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

export class MemberView extends HTMLElement {
  get _lang() {
    return this.getAttribute('lang') === 'zh-CN' ? 'zh-CN' : 'en';
  }

  get _t() {
    return CATALOG[this._lang];
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

  /**
   * The shop-local day of an instant the API writes with the shop's offset (a coupon's
   * valid_until, the end of that day there): read in the browser's zone it could be the next
   * day, and the coupon is good until the end of the day the shop names.
   */
  _shopDay(text) {
    const m = /^(\d{4}-\d{2}-\d{2})T/.exec(text || '');
    return this._date(m ? m[1] : text);
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

  /** What a coupon (definition or held) gives, in words: one chip each. */
  _couponTerms(c) {
    const t = this._t;
    const out = [];
    if (c.kind === 'amount_off' && c.amount != null) out.push(t.amountOff(this._money(c.amount)));
    else if (c.kind === 'percent_off' && c.percent != null) {
      out.push(t.discount(Number(c.percent)));
      if (c.max_discount != null) out.push(t.upTo(this._money(c.max_discount)));
    } else if (c.kind === 'free_shipping') out.push(t.freeShipping);
    else if (c.kind === 'gift' && c.gift) out.push(t.giftItem(c.gift));
    if (c.min_spend != null && Number(c.min_spend) > 0) out.push(t.minSpend(this._money(c.min_spend)));
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

    root.append(this._couponsPanel());
  }

  /**
   * Coupons (API 1.3): the member's available ones, then the claimable ones with "Take". Each
   * list that failed to load is left out, and the section says so with a Retry of its own.
   */
  _couponsPanel() {
    const t = this._t;
    const { held, offers } = this._coupons;
    const id = `${this._uid}-coupons`;
    const panel = h('section', { class: 'panel', 'aria-labelledby': id }, h('h3', { id }, t.coupons));
    if (held === null || offers === null) {
      panel.append(h('p', { class: 'alert', role: 'alert' }, h('span', null, t.couponsFailed),
        h('button', { type: 'button', class: 'secondary', 'data-key': 'coupons-reload', onclick: () => this._reloadCoupons() }, t.retry)));
    }
    if (held) {
      const mineId = `${id}-mine`;
      panel.append(h('section', { class: 'sub', 'aria-labelledby': mineId }, h('h4', { id: mineId }, t.myCoupons),
        held.length ? h('ul', { class: 'cards' }, held.map((c) => h('li', null, this._heldCoupon(c))))
          : h('p', { class: 'muted' }, t.noCoupons)));
    }
    if (offers && offers.length) {
      // Taken as often as allowed: the member still holds that many of their own claims
      // (per_member counts claims, used ones too, and not gifts or staff issues: so this
      // never hides a button the API would accept; the rest it refuses politely).
      const count = new Map();
      for (const c of held || []) if (c.source === 'claim') count.set(c.coupon_id, (count.get(c.coupon_id) || 0) + 1);
      const takeId = `${id}-take`;
      panel.append(h('section', { class: 'sub', 'aria-labelledby': takeId }, h('h4', { id: takeId }, t.toTake),
        h('ul', { class: 'cards' }, offers.map((c) => h('li', null,
          this._couponOffer(c, c.per_member != null && (count.get(c.coupon_id) || 0) >= c.per_member))))));
    }
    return panel;
  }

  _heldCoupon(c) {
    const t = this._t;
    const id = `${this._uid}-coupon-${c.coupon_no}`;
    const terms = this._couponTerms(c);
    return h('article', { 'aria-labelledby': id, 'data-coupon-no': c.coupon_no },
      h('div', { class: 'body' },
        h('h5', { id }, c.name || c.coupon_id),
        terms.length ? h('ul', { class: 'chips' }, terms.map((x) => h('li', null, x))) : null,
        h('p', { class: 'muted' }, t.couponNo(c.coupon_no)),
        h('p', { class: 'muted' }, c.valid_until ? t.until(this._shopDay(c.valid_until)) : t.permanent)),
      h('div', { class: 'actions' }));
  }

  _couponOffer(c, taken) {
    const t = this._t;
    const id = `${this._uid}-offer-${c.coupon_id}`;
    const key = `coupon:${c.coupon_id}`;
    const action = this._actions.get(key) || {};
    const terms = this._couponTerms(c);
    const actions = h('div', { class: 'actions' });
    if (c.sold_out) actions.append(h('span', { class: 'badge' }, t.soldOut));
    else if (taken) actions.append(h('span', { class: 'badge' }, t.taken));
    else {
      actions.append(h('button', {
        type: 'button', 'data-key': `take:${c.coupon_id}`, disabled: !!action.busy,
        onclick: () => this._take(c),
      }, t.take));
    }
    const art = h('article', { 'aria-labelledby': id, 'data-coupon-id': c.coupon_id },
      h('div', { class: 'body' },
        h('h5', { id }, c.name || c.coupon_id),
        c.text ? h('p', { class: 'muted' }, c.text) : null,
        terms.length ? h('ul', { class: 'chips' }, terms.map((x) => h('li', null, x))) : null,
        h('p', { class: 'muted' }, this._validity(c.validity))),
      actions);
    if (action.error) art.append(this._actionError(action, key, () => this._take(c)));
    return art;
  }

  /**
   * A button's failure under its item: a refusal the catalogue knows in the element's
   * language (worded when shown, so a language switch rewords it), else the API's own words;
   * after a network failure a Retry that resends the same request with the same key.
   */
  _actionError(action, key, retry) {
    const t = this._t;
    const text = (action.code && t.refusals[action.code]) || action.error;
    return h('div', { class: 'alert', role: 'alert' }, h('span', null, text),
      action.network ? h('button', {
        type: 'button', class: 'secondary', 'data-key': `retry:${key}`, onclick: retry,
      }, t.retry) : null);
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
    if (action.error) art.append(this._actionError(action, card.card_id, () => this._act(card, action.kind)));
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
