//! End to end over real HTTP against the running stack (`cargo lambda watch` serving every
//! function over the local DynamoDB). scripts/e2e.sh starts the stack and sets
//! LOYALTY_E2E_URL; tokens are signed with the stack's LOYALTY_JWT_SECRET.
//! One module a part of the product, as `tests/functions`.

#[path = "../stack/mod.rs"]
mod stack;

mod basics;
mod cards;
mod checkout_value;
mod gateway;
mod levels;
mod points_credit;
mod stripe;
