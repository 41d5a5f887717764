// The example shop's script (no inline scripts: the page works under a CSP).
// `#api=<loyalty API>&token=<customer JWT>` stands in for the shop's backend, which would
// mint the customer token on its server and render it into the page.
const params = new URLSearchParams(location.hash.slice(1));
const api = (params.get('api') || 'http://127.0.0.1:9000').replace(/\/+$/, '');
const token = params.get('token');
const lang = params.get('lang') === 'zh-CN' ? 'zh-CN' : 'en';

const TEXT = {
  en: {
    heading: 'Example storefront',
    lead: 'My account: your points, balances and membership cards.',
    sideTitle: 'Your orders',
    sideText: 'Orders paid in this shop earn points. Members with a card save on every order.',
    foot: 'An example page: a real shop mints the customer token on its own server.',
    purchase: (id) => `Purchase ${id} created: go to checkout`,
    noToken: 'No customer token in the address (#api=…&token=…).',
    unavailable: 'The member widget could not be loaded.',
    loading: 'Loading the member widget…',
  },
  'zh-CN': {
    heading: '示例商城',
    lead: '我的 - 卡:你的积分、余额和权益卡。',
    sideTitle: '我的订单',
    sideText: '在本店支付的订单可获得积分,持卡会员每单享优惠。',
    foot: '示例页面:真实商城在自己的服务器上签发顾客令牌。',
    purchase: (id) => `已创建订单 ${id}:请前往结算`,
    noToken: '地址中没有顾客令牌(#api=…&token=…)。',
    unavailable: '无法加载会员组件。',
    loading: '正在加载会员组件…',
  },
};

const el = document.getElementById('member');
let current = lang;

function setLang(next) {
  current = next;
  const t = TEXT[next];
  document.documentElement.lang = next;
  document.title = t.heading;
  for (const [id, key] of [['heading', 'heading'], ['lead', 'lead'], ['side-title', 'sideTitle'],
    ['side-text', 'sideText'], ['foot', 'foot']]) {
    document.getElementById(id).textContent = t[key];
  }
  const fallback = document.getElementById('fallback');
  if (fallback && !fallback.dataset.failed) fallback.textContent = t.loading;
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.setAttribute('aria-pressed', String(b.dataset.lang === next));
  }
  el.setAttribute('lang', next);
}

for (const b of document.querySelectorAll('[data-lang]')) {
  b.addEventListener('click', () => setLang(b.dataset.lang));
}
setLang(lang);

// A real shop would redirect to its payment page with the purchase id here.
el.addEventListener('loyalty-purchase', (e) => {
  document.getElementById('notice').textContent = TEXT[current].purchase(e.detail.purchase_id);
});

el.setAttribute('api', api);

// The widget comes from the loyalty API's origin, like a real shop would load it.
const widget = document.createElement('script');
widget.type = 'module';
widget.src = `${api}/console/member.js`;
widget.addEventListener('error', () => {
  const fallback = document.getElementById('fallback');
  fallback.dataset.failed = 'true';
  fallback.setAttribute('role', 'alert');
  fallback.textContent = TEXT[current].unavailable;
});
document.head.append(widget);

if (token) {
  el.token = token; // taken over by the widget once its module has defined the element
} else {
  document.getElementById('notice').textContent = TEXT[current].noToken;
}
history.replaceState(null, '', location.pathname + location.search);
