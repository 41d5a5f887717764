//! Outbound webhooks (API 1.2 "Outbound webhooks", Standard Webhooks 1.0): the rules a
//! merchant's endpoint is held to and the arithmetic of sending, pure. Which addresses may be
//! called (no loopback, private, link-local, shared, multicast or unspecified address, in any
//! spelling), how a message is signed (`v1,<base64 HMAC-SHA256 of "{id}.{ts}.{body}">`, one
//! signature per live secret), and when a failed message is tried again.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::{AccountKind, EntryKind, Refusal};

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Standard Webhooks' secret prefix; the rest is base64 of the key bytes.
pub const SECRET_PREFIX: &str = "whsec_";
/// A new secret's key: 32 random bytes (API 1.2).
pub const SECRET_BYTES: usize = 32;
/// After a rotation the old secret signs too, for this long.
pub const ROTATION_GRACE: Duration = Duration::from_secs(24 * 3600);
/// An endpoint whose every attempt failed for this long is disabled.
pub const DISABLE_AFTER_FAILING: Duration = Duration::from_secs(5 * 24 * 3600);
pub const MAX_ENDPOINTS_PER_SHOP: usize = 20;
pub const MAX_URL_CHARS: usize = 2048;
/// A success is a 2xx within this long; nothing waits longer.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(15);
/// The largest body sent.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Retries after the first attempt fails (API 1.2): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
/// 20 h and 24 h; after the last, the message is exhausted.
pub const RETRY_DELAYS_SECS: [u64; 9] =
    [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];

/// The message types an endpoint may subscribe to (API 1.2, 1.3).
pub const TYPES: [&str; 31] = [
    "member.registered",
    "member.erased",
    "points.earned",
    "points.redeemed",
    "points.reversed",
    "points.restored",
    "points.expired",
    "points.expiring",
    "points.forfeited",
    "credit.issued",
    "credit.redeemed",
    "credit.reversed",
    "credit.restored",
    "credit.expired",
    "credit.expiring",
    "credit.forfeited",
    "value.recharged",
    "value.spent",
    "value.restored",
    "value.reversed",
    "value.forfeited",
    "balance.adjusted",
    "level.changed",
    "card.claimed",
    "card.purchased",
    "card.refunded",
    "coupon.issued",
    "coupon.used",
    "coupon.returned",
    "coupon.expiring",
    "webhook.test",
];

/// An endpoint's signing secret.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Vec<u8>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub fn from_bytes(key: Vec<u8>) -> Self {
        Secret(key)
    }

    /// `whsec_` and base64, as shown to the merchant once.
    pub fn parse(text: &str) -> Result<Self, String> {
        let b64 = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or_else(|| format!("a secret starts with {SECRET_PREFIX}"))?;
        let key = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(|e| format!("a secret is base64 after {SECRET_PREFIX}: {e}"))?;
        if key.is_empty() {
            return Err("a secret has a key".into());
        }
        Ok(Secret(key))
    }

    pub fn encode(&self) -> String {
        format!(
            "{SECRET_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(&self.0)
        )
    }

    /// One `v1,<base64>` signature of a message.
    pub fn sign(&self, id: &str, timestamp: i64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!(
            "v1,{}",
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        )
    }
}

/// The `webhook-signature` header: one signature per live secret, space-separated (during a
/// rotation the old and the new secret both sign, so a receiver holding either verifies).
pub fn signature_header(secrets: &[&Secret], id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every type listed must exist; none listed means every type.
pub fn check_events(events: &[String]) -> Result<(), String> {
    match events.iter().find(|e| !TYPES.contains(&e.as_str())) {
        Some(unknown) => Err(format!(
            "unknown event type {unknown:?}; the types are {}",
            TYPES.join(", ")
        )),
        None => Ok(()),
    }
}

pub fn subscribed(events: &[String], kind: &str) -> bool {
    events.is_empty() || events.iter().any(|e| e == kind)
}

/// A receiver's `Retry-After` is honoured up to this long (API 1.3 "Safety"); larger or
/// malformed values count as this long.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// A receiver's `Retry-After` header (RFC 9110: delay-seconds or an HTTP-date), as a delay
/// from `now`, never more than `MAX_RETRY_AFTER`. The value is the receiver's, so nothing in
/// it may fail the attempt's bookkeeping (security review, issue 31: `Retry-After:
/// 10000000000000` once overflowed `now + delay` and aborted the sender for every shop).
/// A date in the past asks for no wait; anything unreadable counts as the cap.
pub fn retry_after(value: &[u8], now: DateTime<Utc>) -> Duration {
    let Ok(text) = std::str::from_utf8(value) else {
        return MAX_RETRY_AFTER;
    };
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Any run of digits: too many for a u64 is over the cap too.
        return text
            .parse::<u64>()
            .map_or(MAX_RETRY_AFTER, Duration::from_secs)
            .min(MAX_RETRY_AFTER);
    }
    // IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") is RFC 2822's shape.
    match DateTime::parse_from_rfc2822(text) {
        Ok(at) => (at.with_timezone(&Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO)
            .min(MAX_RETRY_AFTER),
        Err(_) => MAX_RETRY_AFTER,
    }
}

/// Jitter is at most this many thousandths of a delay (10 %).
pub const MAX_JITTER_PER_MILLE: u64 = 100;

/// When the attempt after `failed` failed attempts is due, from the moment the last one
/// failed: the schedule's delay for it plus `jitter_per_mille` thousandths of it (drawn by
/// the caller, at most 10 %), never sooner than the receiver's `Retry-After`. `None`: the
/// schedule is done, the message is exhausted.
pub fn retry_delay(
    failed: u32,
    jitter_per_mille: u64,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    let base = *RETRY_DELAYS_SECS.get(usize::try_from(failed).ok()?.checked_sub(1)?)?;
    let jitter = jitter_per_mille.min(MAX_JITTER_PER_MILLE);
    let jittered = Duration::from_millis(base * (1000 + jitter));
    Some(retry_after.map_or(jittered, |r| r.min(MAX_RETRY_AFTER).max(jittered)))
}

/// What an answer means for the message and the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Try again on the schedule.
    Failed,
    /// 410 Gone: the merchant took the endpoint down; it is disabled.
    Gone,
}

/// A 2xx delivers; 410 disables the endpoint; everything else (3xx: redirects are never
/// followed, 4xx, 5xx, no answer) fails and is retried.
pub fn outcome(status: Option<u16>) -> Outcome {
    match status {
        Some(200..=299) => Outcome::Delivered,
        Some(410) => Outcome::Gone,
        _ => Outcome::Failed,
    }
}

/// Why an endpoint URL is refused (422 `url_not_allowed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlRefusal(pub String);

impl From<UrlRefusal> for Refusal {
    fn from(r: UrlRefusal) -> Self {
        Refusal::UrlNotAllowed(r.0)
    }
}

/// A URL that passed the check: where to connect. `host` is what resolves (or the literal
/// address); the sender connects only to addresses `is_global` accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: url::Url,
    pub host: String,
    pub port: u16,
    /// The host was an address literal (in any spelling): no name to resolve.
    pub literal: Option<IpAddr>,
}

/// The endpoint URL rules of API 1.2: https, no user info, at most 2,048 characters, a host
/// that is not (and, for literals, does not spell) a non-global address. `local`: the local
/// stack, which also accepts `http://127.0.0.1:<port>/...` and `http://localhost:<port>/...`.
/// Names are resolved by the caller (`is_global` on each address), at creation and at every
/// send.
pub fn check_url(text: &str, local: bool) -> Result<Target, UrlRefusal> {
    let refuse = |why: &str| Err(UrlRefusal(why.to_owned()));
    if text.chars().count() > MAX_URL_CHARS {
        return refuse("the URL is longer than 2,048 characters");
    }
    let url = url::Url::parse(text).map_err(|e| UrlRefusal(format!("not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return refuse("the URL carries user info");
    }
    let host = match url.host() {
        Some(h) => h,
        None => return refuse("the URL has no host"),
    };
    // The url crate has already read decimal, octal and hex IPv4 spellings as addresses.
    let literal = match host {
        url::Host::Ipv4(a) => Some(IpAddr::V4(a)),
        url::Host::Ipv6(a) => Some(IpAddr::V6(a)),
        url::Host::Domain(_) => None,
    };
    let host_text = match host {
        url::Host::Domain(d) => d.to_ascii_lowercase(),
        url::Host::Ipv4(a) => a.to_string(),
        url::Host::Ipv6(a) => a.to_string(),
    };
    let port = url.port_or_known_default().unwrap_or(443);
    let loopback_for_local = local
        && url.scheme() == "http"
        && url.port().is_some()
        && (host_text == "localhost" || literal == Some(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    if loopback_for_local {
        return Ok(Target {
            url,
            host: host_text,
            port,
            literal: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        });
    }
    if url.scheme() != "https" {
        return refuse("the URL is https");
    }
    if let Some(ip) = literal {
        if !is_global(ip) {
            return Err(UrlRefusal(format!("{ip} is not a public address")));
        }
    } else if host_text == "localhost" || host_text.ends_with(".localhost") {
        return refuse("localhost is not a public host");
    }
    Ok(Target {
        url,
        host: host_text,
        port,
        literal,
    })
}

/// Whether an address is one a merchant's server may have on the internet: not loopback,
/// private, link-local (the cloud metadata address 169.254.169.254 among them), shared
/// (100.64/10), multicast, broadcast, documentation, benchmarking, reserved or unspecified,
/// and the same for IPv4 reached through IPv6 (mapped, compatible, NAT64 64:ff9b::/96, 6to4).
pub fn is_global(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(a) => is_global_v4(a),
        IpAddr::V6(a) => is_global_v6(a),
    }
}

fn is_global_v4(a: Ipv4Addr) -> bool {
    let [x, y, z, _] = a.octets();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_multicast()
        || a.is_broadcast()
        || a.is_documentation()
        || x == 0
        || (x == 100 && (64..128).contains(&y))
        || (x == 192 && y == 0 && z == 0)
        || (x == 198 && (18..20).contains(&y))
        || x >= 240)
}

fn is_global_v6(a: Ipv6Addr) -> bool {
    let s = a.segments();
    // IPv4 inside IPv6: judged as the IPv4 address it reaches.
    if let Some(v4) = a.to_ipv4_mapped() {
        return is_global_v4(v4);
    }
    let embedded =
        |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    if s[..6] == [0, 0, 0, 0, 0, 0] {
        // ::/96 (IPv4-compatible, deprecated), :: and ::1 included.
        return !a.is_unspecified() && !a.is_loopback() && is_global_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_global_v4(embedded(s[6], s[7]));
    }
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        // 64:ff9b:1::/48, local-use NAT64.
        return false;
    }
    if s[0] == 0x2002 {
        // 6to4 names an IPv4 address in its next 32 bits.
        return is_global_v4(embedded(s[1], s[2]));
    }
    !(a.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local (deprecated)
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] < 0x0200) // IETF protocol assignments (Teredo, ORCHID...)
        || s[0] == 0x0100 && s[1..4] == [0, 0, 0]) // discard-only
}

/// Why an endpoint is disabled (API 1.2): the merchant turned it off, the receiver answered
/// 410 Gone, or every attempt failed for `DISABLE_AFTER_FAILING`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disabled {
    Merchant,
    Gone,
    Failing,
}

impl Disabled {
    pub fn as_str(&self) -> &'static str {
        match self {
            Disabled::Merchant => "merchant",
            Disabled::Gone => "gone",
            Disabled::Failing => "failing",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Disabled::Merchant, Disabled::Gone, Disabled::Failing]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// One of a shop's endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub endpoint_id: String,
    pub url: String,
    /// Empty: every type.
    pub events: Vec<String>,
    pub description: String,
    pub disabled: Option<Disabled>,
    pub secret: Secret,
    /// The secret before the last rotation and until when it still signs.
    pub previous: Option<(Secret, DateTime<Utc>)>,
    /// The first failed attempt since the last delivered one.
    pub failing_since: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl Endpoint {
    /// Whether a message of `kind` goes to this endpoint now.
    pub fn wants(&self, kind: &str) -> bool {
        self.disabled.is_none() && subscribed(&self.events, kind)
    }

    /// The secrets that sign a message sent at `now`: the current one first, then the one it
    /// replaced while its grace lasts.
    pub fn signing_secrets(&self, now: DateTime<Utc>) -> Vec<&Secret> {
        let mut secrets = vec![&self.secret];
        if let Some((old, until)) = &self.previous {
            if *until > now {
                secrets.push(old);
            }
        }
        secrets
    }

    /// A new secret; the old one keeps signing for `ROTATION_GRACE` so the merchant can
    /// switch their receiver without losing a message.
    pub fn rotate(&mut self, new: Secret, now: DateTime<Utc>) {
        let grace = chrono::Duration::from_std(ROTATION_GRACE).unwrap_or_default();
        let old = std::mem::replace(&mut self.secret, new);
        self.previous = Some((old, now + grace));
    }

    /// What an attempt's outcome means for the endpoint: `true` when it changed. A delivery
    /// ends a failing streak; a 410 disables it; a failure starts a streak, and a streak of
    /// `DISABLE_AFTER_FAILING` disables it.
    pub fn after_attempt(&mut self, outcome: Outcome, now: DateTime<Utc>) -> bool {
        match outcome {
            Outcome::Delivered => self.failing_since.take().is_some(),
            Outcome::Gone => {
                let changed = self.disabled != Some(Disabled::Gone);
                self.disabled = Some(Disabled::Gone);
                changed
            }
            Outcome::Failed => match self.failing_since {
                None => {
                    self.failing_since = Some(now);
                    true
                }
                Some(since) => {
                    let limit =
                        chrono::Duration::from_std(DISABLE_AFTER_FAILING).unwrap_or_default();
                    if self.disabled.is_none() && now - since >= limit {
                        self.disabled = Some(Disabled::Failing);
                        true
                    } else {
                        false
                    }
                }
            },
        }
    }

    /// The merchant turns it on or off; turning it on forgets why it was off and any streak.
    pub fn set_enabled(&mut self, enabled: bool) {
        if enabled {
            self.disabled = None;
            self.failing_since = None;
        } else if self.disabled.is_none() {
            self.disabled = Some(Disabled::Merchant);
        }
    }
}

/// A shop's endpoints: one configuration document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub items: Vec<Endpoint>,
    /// 0: the shop has never had one.
    pub version: u64,
}

impl Endpoints {
    pub fn add(&mut self, endpoint: Endpoint) -> Result<(), Refusal> {
        if self.items.len() >= MAX_ENDPOINTS_PER_SHOP {
            return Err(Refusal::EndpointLimitReached {
                max: MAX_ENDPOINTS_PER_SHOP as u64,
            });
        }
        self.items.push(endpoint);
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Endpoint> {
        self.items.iter().find(|e| e.endpoint_id == id)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut Endpoint> {
        self.items.iter_mut().find(|e| e.endpoint_id == id)
    }

    pub fn remove(&mut self, id: &str) -> bool {
        let before = self.items.len();
        self.items.retain(|e| e.endpoint_id != id);
        self.items.len() != before
    }

    /// The types some enabled endpoint takes (`["*"]`: one takes every type), kept on the
    /// shop's settings so an operation knows from what it reads anyway whether to write its
    /// messages: a shop without endpoints pays nothing for them.
    pub fn subscribed_types(&self) -> Vec<String> {
        let live = self.items.iter().filter(|e| e.disabled.is_none());
        let mut types: Vec<String> = Vec::new();
        for e in live {
            if e.events.is_empty() {
                return vec![ANY_TYPE.to_owned()];
            }
            types.extend(e.events.iter().cloned());
        }
        types.sort();
        types.dedup();
        types
    }
}

/// In a shop's subscribed types: an endpoint takes every type.
pub const ANY_TYPE: &str = "*";

/// Whether a shop whose endpoints take `types` (`Endpoints::subscribed_types`) wants `kind`.
pub fn shop_wants(types: &[String], kind: &str) -> bool {
    types.iter().any(|t| t == ANY_TYPE || t == kind)
}

/// The message type a ledger movement is told as (API 1.3 "every balance movement is
/// told"): every entry has one, so a subscriber can follow each balance from the messages
/// alone. Total by construction: a new entry kind cannot go untold.
pub fn ledger_type(account: AccountKind, kind: EntryKind, amount: Decimal) -> &'static str {
    use AccountKind::{Credit, Points, Value};
    use EntryKind::*;
    let up = amount > Decimal::ZERO;
    match (account, kind) {
        (_, Adjustment) => "balance.adjusted",
        // A redemption given back (a cancelled order) and, for points and stored value, a
        // refund's give-back; a refund into credit is new credit (below).
        (Points, Redemption | Refund) if up => "points.restored",
        (Credit, Redemption) if up => "credit.restored",
        (Value, Redemption | Refund) if up => "value.restored",
        (Points, Redemption) => "points.redeemed",
        (Credit, Redemption) => "credit.redeemed",
        (Value, Redemption) => "value.spent",
        (Points, Expiry) => "points.expired",
        (Credit, Expiry) => "credit.expired",
        (Points, Forfeit) => "points.forfeited",
        (Credit, Forfeit) => "credit.forfeited",
        (Value, Forfeit) => "value.forfeited",
        // What was granted (orders, gift packs, rewards, recharge gifts, opening balances
        // brought by an import, refunds into credit) ...
        (Points, _) if up => "points.earned",
        (Credit, _) if up => "credit.issued",
        (Value, _) if up => "value.recharged",
        // ... and taken back (clawbacks, gift packs reclaimed, a recharge refunded).
        (Points, _) => "points.reversed",
        (Credit, _) => "credit.reversed",
        (Value, _) => "value.reversed",
    }
}

/// Where a message to one endpoint stands (API 1.2 deliveries).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not tried yet (or sent again by a recovery).
    Pending,
    Delivered,
    /// The last attempt failed; `next_attempt_at` says when the next is (none while the
    /// endpoint is disabled).
    Failed,
    /// The schedule ran out.
    Exhausted,
}

impl DeliveryStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Exhausted => "exhausted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
            DeliveryStatus::Exhausted,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// A message's state at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_status_code: Option<u16>,
    /// When it is due; `None` when nothing more will be tried.
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl Delivery {
    pub fn new(now: DateTime<Utc>) -> Self {
        Delivery {
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status_code: None,
            next_attempt_at: Some(now),
        }
    }

    /// After an attempt answered `status` (`None`: no answer in time) at `now`: delivered,
    /// failed and due again by the schedule (never before the receiver's `Retry-After`),
    /// or exhausted after the last.
    pub fn after_attempt(
        &self,
        status: Option<u16>,
        retry_after: Option<Duration>,
        jitter_per_mille: u64,
        now: DateTime<Utc>,
    ) -> (Delivery, Outcome) {
        let attempts = self.attempts.saturating_add(1);
        let outcome = outcome(status);
        let (status_now, next) = match outcome {
            Outcome::Delivered => (DeliveryStatus::Delivered, None),
            Outcome::Gone => (DeliveryStatus::Failed, None),
            Outcome::Failed => match retry_delay(attempts, jitter_per_mille, retry_after) {
                // Checked: the delay is bounded (24 h at most), but an instant that cannot
                // be represented must end this message's schedule, never the sender.
                Some(d) => match chrono::Duration::from_std(d)
                    .ok()
                    .and_then(|d| now.checked_add_signed(d))
                {
                    Some(at) => (DeliveryStatus::Failed, Some(at)),
                    None => (DeliveryStatus::Exhausted, None),
                },
                None => (DeliveryStatus::Exhausted, None),
            },
        };
        (
            Delivery {
                status: status_now,
                attempts,
                last_status_code: status,
                next_attempt_at: next,
            },
            outcome,
        )
    }

    /// The endpoint is disabled: nothing is tried until the merchant recovers it.
    pub fn parked(&self) -> Delivery {
        Delivery {
            status: if self.status == DeliveryStatus::Pending {
                DeliveryStatus::Failed
            } else {
                self.status
            },
            next_attempt_at: None,
            ..self.clone()
        }
    }

    /// A recovery sends failed and exhausted messages again, from the start of the schedule.
    pub fn requeued(&self, now: DateTime<Utc>) -> Option<Delivery> {
        matches!(
            self.status,
            DeliveryStatus::Failed | DeliveryStatus::Exhausted
        )
        .then(|| Delivery {
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_status_code: self.last_status_code,
            next_attempt_at: Some(now),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Standard Webhooks' own test vector (the spec's libraries share it).
    #[test]
    fn signs_as_the_specification_does() {
        let secret = Secret::parse("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").unwrap();
        assert_eq!(
            secret.sign(
                "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
                1649367553,
                r#"{"email":"test@example.com","username":"test_user"}"#
            ),
            "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw="
        );
        assert_eq!(secret.encode(), "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD");
        assert!(Secret::parse("C2FVsBQIhrscChlQIMV+b5sSYspob7oD").is_err());
        assert!(Secret::parse("whsec_***").is_err());
    }

    /// During a rotation both secrets sign: a receiver holding either one verifies.
    #[test]
    fn two_secrets_give_two_signatures() {
        let old = Secret::from_bytes(vec![1; 32]);
        let new = Secret::from_bytes(vec![2; 32]);
        let header = signature_header(&[&new, &old], "msg_1", 1700000000, "{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [
                new.sign("msg_1", 1700000000, "{}"),
                old.sign("msg_1", 1700000000, "{}")
            ]
        );
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn the_schedule_with_jitter_and_retry_after() {
        let s = |n: u64| Duration::from_secs(n);
        assert_eq!(retry_delay(0, 0, None), None, "nothing failed yet");
        assert_eq!(retry_delay(1, 0, None), Some(s(5)));
        assert_eq!(retry_delay(2, 0, None), Some(s(300)));
        assert_eq!(retry_delay(9, 0, None), Some(s(86_400)));
        assert_eq!(
            retry_delay(10, 0, None),
            None,
            "exhausted after the ninth retry"
        );
        // Jitter adds at most 10 %.
        assert_eq!(retry_delay(2, 100, None), Some(s(330)));
        assert_eq!(retry_delay(1, 50, None), Some(Duration::from_millis(5_250)));
        assert_eq!(retry_delay(2, 700, None), Some(s(330)), "clamped");
        // Retry-After delays at least that long, never shortens the schedule.
        assert_eq!(retry_delay(1, 0, Some(s(120))), Some(s(120)));
        assert_eq!(retry_delay(3, 0, Some(s(60))), Some(s(1_800)));
        // A receiver asking for more than a day gets a day (issue 31).
        assert_eq!(
            retry_delay(1, 0, Some(s(10_000_000_000_000))),
            Some(MAX_RETRY_AFTER)
        );
        let total: u64 = RETRY_DELAYS_SECS.iter().sum();
        assert_eq!(
            total,
            5 + 300 + 1_800 + 7_200 + 18_000 + 36_000 + 50_400 + 72_000 + 86_400
        );
    }

    /// Security review (issue 31): a receiver's Retry-After, in every form, is bounded.
    #[test]
    fn retry_after_is_read_in_both_forms_and_capped_at_a_day() {
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let s = |n: u64| Duration::from_secs(n);
        assert_eq!(retry_after(b"600", now), s(600));
        assert_eq!(retry_after(b" 120 ", now), s(120));
        assert_eq!(retry_after(b"10000000000000", now), MAX_RETRY_AFTER);
        assert_eq!(
            retry_after(b"99999999999999999999999999", now),
            MAX_RETRY_AFTER
        );
        assert_eq!(retry_after(b"Sun, 06 Dec 2026 12:10:00 GMT", now), s(600));
        assert_eq!(
            retry_after(b"Fri, 31 Dec 9999 23:59:59 GMT", now),
            MAX_RETRY_AFTER
        );
        assert_eq!(retry_after(b"Sat, 05 Dec 2026 12:00:00 GMT", now), s(0));
        for junk in [&b"-5"[..], b"1.5", b"soon", b"", b"\xff\xfe"] {
            assert_eq!(retry_after(junk, now), MAX_RETRY_AFTER, "{junk:?}");
        }
        // And the instant computed from it is representable even at the end of time.
        let (next, _) = Delivery::new(now).after_attempt(
            Some(503),
            Some(s(u64::MAX)),
            0,
            DateTime::<Utc>::MAX_UTC,
        );
        assert_eq!(next.status, DeliveryStatus::Exhausted);
    }

    #[test]
    fn answers_deliver_fail_or_disable() {
        assert_eq!(outcome(Some(200)), Outcome::Delivered);
        assert_eq!(outcome(Some(204)), Outcome::Delivered);
        for failed in [
            Some(301),
            Some(302),
            Some(400),
            Some(429),
            Some(500),
            Some(503),
            None,
        ] {
            assert_eq!(outcome(failed), Outcome::Failed, "{failed:?}");
        }
        assert_eq!(outcome(Some(410)), Outcome::Gone);
    }

    #[test]
    fn event_types_are_checked() {
        assert_eq!(check_events(&[]), Ok(()));
        assert_eq!(
            check_events(&["points.earned".into(), "level.changed".into()]),
            Ok(())
        );
        assert!(check_events(&["points.stolen".into()]).is_err());
        assert!(subscribed(&[], "card.claimed"));
        assert!(subscribed(&["level.changed".into()], "level.changed"));
        assert!(!subscribed(&["level.changed".into()], "points.earned"));
    }

    /// API 1.2's SSRF table: every spelling of a non-global address is refused.
    #[test]
    fn urls_that_reach_inside_are_refused() {
        for bad in [
            "http://erp.example/hooks",
            "https://user:pw@erp.example/hooks",
            "https://127.0.0.1/x",
            "https://localhost/x",
            "https://api.localhost/x",
            "https://10.0.0.5/x",
            "https://172.16.3.4/x",
            "https://192.168.1.1/x",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/x",
            "https://224.0.0.1/x",
            "https://0.0.0.0/x",
            "https://255.255.255.255/x",
            "https://2130706433/x",   // 127.0.0.1 in decimal
            "https://0177.0.0.1/x",   // in octal
            "https://0x7f.0.0.1/x",   // in hex
            "https://017700000001/x", // one octal number
            "https://[::1]/x",
            "https://[::]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://[::ffff:a9fe:a9fe]/x",  // 169.254.169.254 mapped
            "https://[64:ff9b::10.0.0.1]/x", // NAT64
            "https://[::10.0.0.1]/x",        // IPv4-compatible
            "https://[2002:c0a8:0101::1]/x", // 6to4 of 192.168.1.1
            "https://[fe80::1]/x",
            "https://[fd00::1]/x",
            "https://[ff02::1]/x",
            "ftp://erp.example/x",
            "not a url",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad} should be refused");
        }
        let long = format!("https://erp.example/{}", "a".repeat(2048));
        assert!(check_url(&long, false).is_err());
    }

    #[test]
    fn public_urls_pass_and_only_the_local_stack_calls_loopback_http() {
        for good in [
            "https://erp.example/hooks",
            "https://8.8.8.8/x",
            "https://[2606:4700::1111]/x",
            "https://[64:ff9b::8.8.8.8]/x",
        ] {
            let t = check_url(good, false).unwrap_or_else(|e| panic!("{good}: {e:?}"));
            assert_eq!(t.port, 443);
        }
        let t = check_url("http://127.0.0.1:9400/hook", true).unwrap();
        assert_eq!(
            (t.port, t.literal),
            (9400, Some(IpAddr::V4(Ipv4Addr::LOCALHOST)))
        );
        assert!(check_url("http://localhost:9400/hook", true).is_ok());
        assert!(check_url("http://127.0.0.1:9400/hook", false).is_err());
        assert!(check_url("http://10.0.0.1:9400/hook", true).is_err());
        assert!(check_url("http://erp.example/hook", true).is_err());
    }

    #[test]
    fn global_addresses() {
        let g = |s: &str| is_global(s.parse().unwrap());
        assert!(g("1.1.1.1") && g("8.8.8.8") && g("2606:4700::1111"));
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.31.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.127.255.255",
            "0.1.2.3",
            "192.0.0.8",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fc00::1",
            "::ffff:10.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2001:db8::1",
        ] {
            assert!(!g(inside), "{inside}");
        }
        assert!(g("100.128.0.1") && g("100.63.255.255"));
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000 + secs, 0).unwrap()
    }

    fn endpoint(events: &[&str]) -> Endpoint {
        Endpoint {
            endpoint_id: "ep_1".into(),
            url: "https://erp.example/hooks".into(),
            events: events.iter().map(|e| e.to_string()).collect(),
            description: String::new(),
            disabled: None,
            secret: Secret::from_bytes(vec![7; 32]),
            previous: None,
            failing_since: None,
            created_at: at(0),
        }
    }

    /// A message failing every time walks the contract's schedule, then is exhausted after
    /// the tenth attempt; a 2xx delivers; a 410 stops it and disables the endpoint.
    #[test]
    fn a_delivery_walks_the_schedule_to_exhaustion() {
        let mut d = Delivery::new(at(0));
        let mut now = at(0);
        let mut waits = Vec::new();
        for _ in 0..9 {
            let (next, outcome) = d.after_attempt(Some(500), None, 0, now);
            assert_eq!(
                (next.status, outcome),
                (DeliveryStatus::Failed, Outcome::Failed)
            );
            let due = next.next_attempt_at.unwrap();
            waits.push((due - now).num_seconds());
            now = due;
            d = next;
        }
        assert_eq!(waits, RETRY_DELAYS_SECS.map(|s| s as i64));
        let (last, _) = d.after_attempt(None, None, 0, now);
        assert_eq!(last.status, DeliveryStatus::Exhausted);
        assert_eq!((last.attempts, last.next_attempt_at), (10, None));
        let (ok, outcome) = Delivery::new(at(0)).after_attempt(Some(204), None, 99, at(1));
        assert_eq!(
            (ok.status, outcome),
            (DeliveryStatus::Delivered, Outcome::Delivered)
        );
        let (gone, outcome) = Delivery::new(at(0)).after_attempt(Some(410), None, 0, at(1));
        assert_eq!(
            (gone.status, gone.next_attempt_at, outcome),
            (DeliveryStatus::Failed, None, Outcome::Gone)
        );
        // A 429 asking for an hour is not tried again after 5 s.
        let (slow, _) = Delivery::new(at(0)).after_attempt(
            Some(429),
            Some(Duration::from_secs(3600)),
            0,
            at(0),
        );
        assert_eq!(slow.next_attempt_at, Some(at(3600)));
        // A recovery starts the schedule over; delivered messages are not sent again.
        assert_eq!(last.requeued(at(5)).unwrap().next_attempt_at, Some(at(5)));
        assert_eq!(ok.requeued(at(5)), None);
    }

    /// Five days of failures disable the endpoint; one delivery in between forgives them.
    #[test]
    fn an_endpoint_failing_for_five_days_is_disabled() {
        let mut e = endpoint(&[]);
        assert!(e.after_attempt(Outcome::Failed, at(0)));
        assert!(!e.after_attempt(Outcome::Failed, at(4 * 86_400)));
        assert!(e.after_attempt(Outcome::Delivered, at(4 * 86_400 + 1)));
        assert!(e.after_attempt(Outcome::Failed, at(4 * 86_400 + 2)));
        assert!(!e.after_attempt(Outcome::Failed, at(9 * 86_400)));
        assert_eq!(e.disabled, None);
        assert!(e.after_attempt(Outcome::Failed, at(9 * 86_400 + 2)));
        assert_eq!(e.disabled, Some(Disabled::Failing));
        assert!(!e.wants("points.earned"));
        e.set_enabled(true);
        assert!(e.wants("points.earned") && e.failing_since.is_none());
        assert!(e.after_attempt(Outcome::Gone, at(10 * 86_400)));
        assert_eq!(e.disabled, Some(Disabled::Gone));
    }

    /// After a rotation the old secret signs for 24 hours, then only the new one.
    #[test]
    fn rotation_keeps_the_old_secret_for_a_day() {
        let mut e = endpoint(&[]);
        let old = e.secret.clone();
        let new = Secret::from_bytes(vec![9; 32]);
        e.rotate(new.clone(), at(0));
        assert_eq!(e.signing_secrets(at(86_399)), vec![&new, &old]);
        assert_eq!(e.signing_secrets(at(86_400)), vec![&new]);
    }

    /// What the shop's settings carry: the types some enabled endpoint takes.
    #[test]
    fn a_shop_subscribes_to_the_union_of_its_live_endpoints() {
        let mut shop = Endpoints::default();
        assert!(shop.subscribed_types().is_empty());
        shop.add(endpoint(&["points.earned", "level.changed"]))
            .unwrap();
        let mut other = endpoint(&["points.earned", "card.claimed"]);
        other.endpoint_id = "ep_2".into();
        shop.add(other).unwrap();
        assert_eq!(
            shop.subscribed_types(),
            ["card.claimed", "level.changed", "points.earned"]
        );
        assert!(!shop_wants(&shop.subscribed_types(), "points.redeemed"));
        let mut all = endpoint(&[]);
        all.endpoint_id = "ep_3".into();
        all.disabled = Some(Disabled::Merchant);
        shop.add(all).unwrap();
        assert!(!shop_wants(&shop.subscribed_types(), "points.redeemed"));
        shop.get_mut("ep_3").unwrap().set_enabled(true);
        assert_eq!(shop.subscribed_types(), [ANY_TYPE]);
        for i in 3..MAX_ENDPOINTS_PER_SHOP {
            let mut e = endpoint(&[]);
            e.endpoint_id = format!("ep_x{i}");
            shop.add(e).unwrap();
        }
        assert_eq!(
            shop.add(endpoint(&[])).unwrap_err().code(),
            "endpoint_limit_reached"
        );
    }

    /// 004, 001, 003 (API 1.3): every movement is told, by account, kind and sign, as a
    /// type an endpoint may subscribe to.
    #[test]
    fn every_ledger_movement_is_told_as_a_type_of_its_own() {
        use AccountKind::*;
        use EntryKind::*;
        let one = Decimal::ONE;
        let cases = [
            (Points, Accrual, one, "points.earned"),
            (Points, Import, one, "points.earned"),
            (Points, Redemption, -one, "points.redeemed"),
            (Points, Refund, -one, "points.reversed"),
            (Points, Refund, one, "points.restored"),
            (Points, Redemption, one, "points.restored"),
            (Points, Expiry, -one, "points.expired"),
            (Points, Forfeit, -one, "points.forfeited"),
            (Credit, Refund, one, "credit.issued"),
            (Credit, Redemption, -one, "credit.redeemed"),
            (Credit, Refund, -one, "credit.reversed"),
            (Credit, Redemption, one, "credit.restored"),
            (Credit, Expiry, -one, "credit.expired"),
            (Credit, Forfeit, -one, "credit.forfeited"),
            (Value, Recharge, one, "value.recharged"),
            (Value, Redemption, -one, "value.spent"),
            (Value, Refund, one, "value.restored"),
            (Value, Refund, -one, "value.reversed"),
            (Value, Adjustment, -one, "balance.adjusted"),
        ];
        for (account, kind, amount, told) in cases {
            assert_eq!(
                ledger_type(account, kind, amount),
                told,
                "{account:?} {kind:?}"
            );
        }
        for account in [Points, Credit, Value] {
            for kind in EntryKind::ALL {
                for amount in [one, -one] {
                    let told = ledger_type(account, kind, amount);
                    assert!(
                        TYPES.contains(&told),
                        "{told} is not a type one can subscribe to"
                    );
                }
            }
        }
    }

    /// Hosts are ASCII (the url crate runs without Unicode tables to keep ICU data out of
    /// every bootstrap): an international name is given in punycode.
    #[test]
    fn international_names_are_given_in_punycode() {
        assert!(check_url("https://xn--bcher-kva.example/hooks", false).is_ok());
        assert!(check_url("https://bücher.example/hooks", false).is_err());
    }
}
