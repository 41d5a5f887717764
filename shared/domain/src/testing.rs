//! What the unit tests of several modules share: the currency they price in and amounts
//! written as text. Compiled for tests only; one definition instead of one per module.

use crate::{Currency, Money};

pub(crate) fn myr() -> Currency {
    Currency::parse("MYR").unwrap()
}

pub(crate) fn m(s: &str) -> Money {
    Money::parse(s, &myr()).unwrap()
}
