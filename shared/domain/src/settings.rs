//! A shop's basic settings.

use crate::money::Currency;
use crate::time::ShopTz;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub currency: Currency,
    pub timezone: ShopTz,
    /// The HMAC secret the payment provider signs webhooks with. Never echoed.
    pub webhook_secret: Option<String>,
    /// The endpoint secret Stripe signs this shop's events with (`whsec_...`). Never echoed.
    pub stripe_webhook_secret: Option<String>,
    /// 000 引导购买: the paid, listed card the shop guides members to buy, and where it
    /// shows ("product", "checkout").
    pub guide_card_id: Option<String>,
    pub guide_on: Vec<String>,
    /// Where a card's claim link points (000, 002: cards are handed out by link or QR
    /// code): a template containing `{card_id}`.
    pub claim_url: Option<String>,
    /// The message types the shop's enabled webhook endpoints take (`["*"]`: every type;
    /// `domain::webhook::Endpoints::subscribed_types`), kept here by the endpoints' writes
    /// because every operation reads the settings: one with nothing to tell writes nothing.
    pub webhook_types: Vec<String>,
    /// What one point is worth in the shop's currency, for the points liability in the
    /// balances report (API 1.2 "Reports"); `None`: not valued.
    pub point_value: Option<crate::Decimal>,
    pub version: u64,
}

/// The currency and time zone a change of the settings leaves: a new shop gives both; the
/// zone may change; the currency never does once set (balances are stored in it:
/// switching would silently re-denominate every credit balance).
pub fn currency_and_zone(
    current: Option<&Settings>,
    currency: Option<Currency>,
    timezone: Option<ShopTz>,
) -> Result<(Currency, ShopTz), crate::Refusal> {
    match (current, currency, timezone) {
        (Some(c), currency, timezone) => {
            if currency.is_some_and(|new| new != c.currency) {
                return Err(crate::Refusal::CurrencyLocked {
                    current: c.currency.to_string(),
                });
            }
            Ok((c.currency, timezone.unwrap_or(c.timezone)))
        }
        (None, Some(currency), Some(timezone)) => Ok((currency, timezone)),
        (None, _, _) => Err(crate::Refusal::Invalid(
            "a new shop gives its currency and timezone".into(),
        )),
    }
}

/// Where a guide-to-buy card may show.
pub const GUIDE_PLACES: [&str; 2] = ["product", "checkout"];

pub const MIN_WEBHOOK_SECRET_CHARS: usize = 16;

/// The placeholder a claim URL template must contain.
pub const CARD_ID_PLACEHOLDER: &str = "{card_id}";
pub const MAX_CLAIM_URL_CHARS: usize = 2048;

/// A claim URL template a member's phone can open: https (http only on the local stack,
/// where nothing has a certificate), a host, no spaces or user info, and `{card_id}`.
pub fn check_claim_url(url: &str, local: bool) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://").filter(|_| local));
    let Some(rest) = rest else {
        return Err(if local {
            "claim_url starts with https:// or http://".into()
        } else {
            "claim_url starts with https://".into()
        });
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if url.chars().count() > MAX_CLAIM_URL_CHARS
        || host.is_empty()
        || host.contains('@')
        || url.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(format!(
            "claim_url is an absolute URL with a host and no spaces or user info, at most \
             {MAX_CLAIM_URL_CHARS} characters"
        ));
    }
    if !url.contains(CARD_ID_PLACEHOLDER) {
        return Err(format!("claim_url contains {CARD_ID_PLACEHOLDER}"));
    }
    Ok(())
}

/// The template filled in for one card. Card ids are URL-safe (`CardId`), so no escaping.
pub fn claim_url_for(template: &str, card_id: &str) -> String {
    template.replace(CARD_ID_PLACEHOLDER, card_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 001: a shop's currency is locked once set; its zone may change.
    #[test]
    fn seed_001_the_currency_is_locked_and_a_new_shop_gives_both() {
        let myr = Currency::parse("MYR").unwrap();
        let kl = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let sg = ShopTz::parse("Asia/Singapore").unwrap();
        assert!(currency_and_zone(None, Some(myr), None).is_err());
        assert_eq!(currency_and_zone(None, Some(myr), Some(kl)), Ok((myr, kl)));
        let shop = Settings {
            currency: myr,
            timezone: kl,
            webhook_secret: None,
            stripe_webhook_secret: None,
            guide_card_id: None,
            guide_on: Vec::new(),
            claim_url: None,
            webhook_types: Vec::new(),
            point_value: None,
            version: 1,
        };
        assert_eq!(
            currency_and_zone(Some(&shop), None, Some(sg)),
            Ok((myr, sg))
        );
        assert_eq!(
            currency_and_zone(Some(&shop), Some(myr), None),
            Ok((myr, kl))
        );
        let usd = Currency::parse("USD").unwrap();
        assert_eq!(
            currency_and_zone(Some(&shop), Some(usd), None)
                .unwrap_err()
                .code(),
            "currency_locked"
        );
    }

    #[test]
    fn claim_urls_are_https_links_with_the_card_id() {
        let ok = "https://shop.example/cards/{card_id}?from=qr";
        assert_eq!(check_claim_url(ok, false), Ok(()));
        assert_eq!(
            claim_url_for(ok, "card_x1"),
            "https://shop.example/cards/card_x1?from=qr"
        );
        // Plain http only where there is no certificate: the local stack.
        assert!(check_claim_url("http://127.0.0.1:9000/c/{card_id}", false).is_err());
        assert_eq!(
            check_claim_url("http://127.0.0.1:9000/c/{card_id}", true),
            Ok(())
        );
        for bad in [
            "https://shop.example/cards/",
            "ftp://shop.example/{card_id}",
            "https:///{card_id}",
            "https://user@shop.example/{card_id}",
            "https://shop.example/a b/{card_id}",
            "javascript:alert(1)//{card_id}",
        ] {
            assert!(check_claim_url(bad, true).is_err(), "{bad}");
        }
        let long = format!("https://shop.example/{}/{{card_id}}", "a".repeat(2040));
        assert!(check_claim_url(&long, false).is_err());
    }
}
