// The en catalog: one object, assembled from one part per area of the console so each
// screen's strings sit together. Every key exists in both languages (a console test checks).
import common from "./en/common.js";
import members from "./en/members.js";
import cards from "./en/cards.js";
import coupons from "./en/coupons.js";
import setup from "./en/setup.js";
import shop from "./en/shop.js";
import webhooks from "./en/webhooks.js";
import reports from "./en/reports.js";

export default { ...common, ...members, ...cards, ...coupons, ...setup, ...shop, ...webhooks, ...reports };
