//! The functions' handlers against the local DynamoDB: every rule, every refusal, races,
//! retries and the number of DynamoDB calls each operation makes.

mod adjustments;
mod auth;
mod cancel;
mod capacity;
mod cards;
mod checkout;
mod concurrency;
mod console_api;
mod coupon_bench;
mod coupon_grants;
mod coupon_orders;
mod coupons;
mod credit;
mod directory;
mod events;
mod flash_sale;
mod hardening;
mod ladder;
mod ledger;
mod levels;
mod members;
mod points;
mod purchases;
mod refunds;
mod report_bench;
mod report_months;
mod reports;
mod safety;
mod settings;
mod stored_value;
mod storefront;
mod support;
mod webhooks;
