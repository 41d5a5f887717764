// The zh-CN catalog: one object, assembled from one part per area of the console so each
// screen's strings sit together. Every key exists in both languages (a console test checks).
import common from "./zh-CN/common.js";
import members from "./zh-CN/members.js";
import cards from "./zh-CN/cards.js";
import coupons from "./zh-CN/coupons.js";
import setup from "./zh-CN/setup.js";
import shop from "./zh-CN/shop.js";
import webhooks from "./zh-CN/webhooks.js";
import reports from "./zh-CN/reports.js";

export default { ...common, ...members, ...cards, ...coupons, ...setup, ...shop, ...webhooks, ...reports };
