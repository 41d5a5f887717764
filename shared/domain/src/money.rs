//! Money in the shop's currency: exact decimals, never floats, never silently rounded.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use thiserror::Error;

/// Amounts above this (in major units) are taken for typing errors, not orders.
/// A trillion fits every real shop balance, even in VND or IDR.
pub const MAX_MAJOR_UNITS: i64 = 1_000_000_000_000;

/// An ISO 4217 currency with the number of decimals its minor unit allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u32,
}

// ISO 4217 exponents that are not 2. Everything else in use is 2.
const ZERO_DECIMALS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
const THREE_DECIMALS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const FOUR_DECIMALS: &[&str] = &["CLF", "UYW"];

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CurrencyError {
    #[error("currency must be a three-letter ISO 4217 code in capitals, got {0:?}")]
    Malformed(String),
}

impl Currency {
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        let bytes = code.as_bytes();
        if bytes.len() != 3 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(CurrencyError::Malformed(code.to_owned()));
        }
        let minor_units = if ZERO_DECIMALS.contains(&code) {
            0
        } else if THREE_DECIMALS.contains(&code) {
            3
        } else if FOUR_DECIMALS.contains(&code) {
            4
        } else {
            2
        };
        Ok(Self {
            code: [bytes[0], bytes[1], bytes[2]],
            minor_units,
        })
    }

    pub fn code(&self) -> &str {
        // The bytes were checked to be ASCII capitals in `parse`.
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MoneyError {
    #[error("{0:?} is not a decimal amount")]
    NotANumber(String),
    #[error("{amount} has more decimals than {currency} allows ({allowed})")]
    TooPrecise {
        amount: String,
        currency: String,
        allowed: u32,
    },
    #[error("{0} must not be negative")]
    Negative(String),
    #[error("{0} is larger than any real amount")]
    TooLarge(String),
}

/// A signed amount in the shop currency, with at most the currency's decimals.
/// Signed because ledger entries and deltas are; `parse_non_negative` is the usual door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money(Decimal);

impl Money {
    pub const ZERO: Money = Money(Decimal::ZERO);

    /// Parses the text of a JSON string ("30.98"). Exponent notation and stray characters
    /// are refused by `Decimal::from_str`.
    pub fn parse(text: &str, currency: &Currency) -> Result<Self, MoneyError> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed != text || trimmed.contains(['e', 'E', '_']) {
            return Err(MoneyError::NotANumber(text.to_owned()));
        }
        let value =
            Decimal::from_str(trimmed).map_err(|_| MoneyError::NotANumber(text.to_owned()))?;
        Self::from_decimal(value, currency).map_err(|e| match e {
            MoneyError::TooPrecise {
                currency, allowed, ..
            } => MoneyError::TooPrecise {
                amount: text.to_owned(),
                currency,
                allowed,
            },
            other => other,
        })
    }

    pub fn parse_non_negative(text: &str, currency: &Currency) -> Result<Self, MoneyError> {
        let money = Self::parse(text, currency)?;
        if money.is_negative() {
            return Err(MoneyError::Negative(text.to_owned()));
        }
        Ok(money)
    }

    /// Checks a decimal against the currency: excess precision is an error, trailing zeros
    /// ("5.000" in MYR) are not, since they change no value.
    pub fn from_decimal(value: Decimal, currency: &Currency) -> Result<Self, MoneyError> {
        // normalize() also turns -0 into 0, so "-0.00" never shows a sign.
        let normalized = value.normalize();
        if normalized.scale() > currency.minor_units() {
            return Err(MoneyError::TooPrecise {
                amount: value.to_string(),
                currency: currency.code().to_owned(),
                allowed: currency.minor_units(),
            });
        }
        if normalized.abs() > Decimal::from(MAX_MAJOR_UNITS) {
            return Err(MoneyError::TooLarge(value.to_string()));
        }
        let mut scaled = normalized;
        scaled.rescale(currency.minor_units());
        Ok(Money(scaled))
    }

    /// An amount read back from storage, where it was checked against the currency when it
    /// was first parsed.
    pub fn from_stored(value: Decimal) -> Self {
        Money(value)
    }

    pub fn amount(&self) -> Decimal {
        self.0
    }

    pub fn is_negative(&self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }

    pub fn is_zero(&self) -> bool {
        self.0.is_zero()
    }

    /// Renders with exactly the currency's decimals ("5" in MYR -> "5.00").
    pub fn to_string_in(&self, currency: &Currency) -> String {
        let mut value = self.0;
        value.rescale(currency.minor_units());
        value.to_string()
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Money as every answer shows it: the string in its currency's minor units ("5.00"), or as
/// stored before the shop has a currency. The one type money leaves by (`api::render::Money`
/// is this type), in answers, documents, messages and refusals alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    stored: Decimal,
    currency: Option<Currency>,
}

impl Shown {
    /// An amount stored in major units, in `currency` when the shop has one.
    pub fn new(stored: Decimal, currency: Option<&Currency>) -> Self {
        Self {
            stored,
            currency: currency.copied(),
        }
    }

    /// A sum of money in `currency` (a price, a discount, a total).
    pub fn of(money: Money, currency: &Currency) -> Self {
        Self::new(money.amount(), Some(currency))
    }
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let money = Money::from_stored(self.stored);
        match &self.currency {
            Some(c) => f.write_str(&money.to_string_in(c)),
            None => fmt::Display::fmt(&money, f),
        }
    }
}

impl serde::Serialize for Shown {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::myr;

    #[test]
    fn currencies_carry_their_iso_minor_units() {
        assert_eq!(myr().minor_units(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().minor_units(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert!(Currency::parse("myr").is_err());
        assert!(Currency::parse("MYRR").is_err());
        assert!(Currency::parse("").is_err());
    }

    #[test]
    fn amounts_parse_exactly() {
        // 004: the seed's order total.
        let m = Money::parse("30.98", &myr()).unwrap();
        assert_eq!(m.amount(), Decimal::new(3098, 2));
        assert_eq!(Money::parse("5", &myr()).unwrap().to_string(), "5.00");
        assert_eq!(Money::parse("-5.5", &myr()).unwrap().to_string(), "-5.50");
        assert_eq!(Money::parse("0.10", &myr()).unwrap().to_string(), "0.10");
    }

    #[test]
    fn excess_decimals_are_refused_not_rounded() {
        assert!(matches!(
            Money::parse("1.005", &myr()),
            Err(MoneyError::TooPrecise { allowed: 2, .. })
        ));
        assert!(Money::parse("1.5", &Currency::parse("JPY").unwrap()).is_err());
        assert!(Money::parse("1.005", &Currency::parse("KWD").unwrap()).is_ok());
        // Trailing zeros change no value and are accepted.
        assert_eq!(Money::parse("1.000", &myr()).unwrap().to_string(), "1.00");
    }

    #[test]
    fn garbage_negative_and_absurd_amounts_are_refused() {
        for bad in [
            "", " 1.00", "1,00", "abc", "1e3", "NaN", "0x10", "1.0.0", "--1",
        ] {
            assert!(
                matches!(Money::parse(bad, &myr()), Err(MoneyError::NotANumber(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Money::parse_non_negative("-0.01", &myr()),
            Err(MoneyError::Negative(_))
        ));
        assert!(Money::parse_non_negative("-0.00", &myr()).is_ok());
        assert!(matches!(
            Money::parse("1000000000000.01", &myr()),
            Err(MoneyError::TooLarge(_))
        ));
        assert!(Money::parse("1000000000000.00", &myr()).is_ok());
        assert!(matches!(
            Money::parse("99999999999999999999999999", &myr()),
            Err(MoneyError::TooLarge(_))
        ));
    }
}
