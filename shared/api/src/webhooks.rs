//! What an operation tells the shop's webhook endpoints (API 1.2 outbound webhooks): the
//! messages are decided with the operation and written in its transaction (one item, only
//! when some enabled endpoint takes one of their types), so nothing is told about a change
//! that did not commit and nothing that committed goes untold.

use domain::chrono::{DateTime, Utc};
use domain::webhook::{ledger_type, shop_wants};
use domain::{AccountKind, Settings, ShopId};
use serde_json::{json, Map, Value};
use store::webhooks::{self as stored, Message};
use store::{keys, ledger, Write};

use crate::render;

/// The message a ledger entry's write tells (every entry tells one, API 1.3): the entry as
/// the ledger shows it, with the member and the ids it links to at the top.
fn ledger_message(write: &Write, settings: &Settings) -> Option<(&'static str, Value)> {
    let Write::Put { item, .. } = write else {
        return None;
    };
    if store::item::opt_s(item, "entity_type") != Some("ledger") {
        return None;
    }
    let mut listed = ledger::decode(item).ok()?;
    let m = &listed.entry.movement;
    let kind = ledger_type(m.account, m.kind, m.amount);
    if m.account != AccountKind::Points {
        listed.currency = Some(settings.currency);
    }
    let (_, member) = keys::parse_member_pk(&store::item::key_of(item)?.pk)?;
    let mut data = Map::new();
    data.insert("member_id".into(), json!(member.as_str()));
    for (k, v) in &listed.entry.movement.links {
        data.insert(k.clone(), json!(v));
    }
    if let Ok(Value::Object(entry)) = serde_json::to_value(render::ledger_entry(&listed)) {
        data.extend(entry);
    }
    Some((kind, Value::Object(data)))
}

/// The messages item for an operation's writes and the events it names, or nothing when the
/// shop's endpoints take none of them.
pub fn messages(
    settings: Option<&Settings>,
    shop: &ShopId,
    writes: &[Write],
    events: &[(&'static str, Value)],
    now: DateTime<Utc>,
) -> Option<Write> {
    let settings = settings.filter(|s| !s.webhook_types.is_empty())?;
    let told: Vec<(&'static str, Value)> = writes
        .iter()
        .filter_map(|w| ledger_message(w, settings))
        .chain(events.iter().cloned())
        .filter(|(kind, _)| shop_wants(&settings.webhook_types, kind))
        .collect();
    let ids = stored::message_ids(now, told.len());
    let messages: Vec<Message> = told
        .into_iter()
        .zip(ids)
        .map(|((kind, data), message_id)| Message {
            message_id,
            kind: kind.to_owned(),
            at: now,
            data: with_shop(shop, data),
            only_to: None,
        })
        .collect();
    stored::messages_item(shop, &messages, now)
}

/// `data` carries the shop first (API 1.2).
pub fn with_shop(shop: &ShopId, data: Value) -> Value {
    let mut out = Map::new();
    out.insert("shop".into(), json!(shop.as_str()));
    if let Value::Object(fields) = data {
        out.extend(fields.into_iter().filter(|(k, _)| k != "shop"));
    }
    Value::Object(out)
}

/// 003: a member's level changes as `level.changed` messages.
pub fn level_changes(
    member: &domain::MemberId,
    changes: &[domain::level::LevelChange],
    tz: domain::ShopTz,
) -> Vec<(&'static str, Value)> {
    #[derive(serde::Serialize)]
    struct Told<'a> {
        member_id: &'a domain::MemberId,
        #[serde(flatten)]
        change: render::LevelChange,
    }
    render::level_changes(changes, tz)
        .into_iter()
        .filter_map(|change| {
            let told = serde_json::to_value(Told {
                member_id: member,
                change,
            })
            .ok()?;
            Some(("level.changed", told))
        })
        .collect()
}

/// Resolving an endpoint's host never waits longer than this.
const RESOLVE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// How an endpoint's host resolves, as far as the sender may call it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Every address it has is one the sender may call (the ones to connect to).
    Callable(Vec<std::net::SocketAddr>),
    /// It resolves to nothing now (or not in time).
    Unresolved(String),
}

/// Resolves a checked target and refuses it when any of its addresses is not global (a
/// name pointing inside is refused even if it also has public addresses): API 1.2, at
/// creation and at every send. Only the local stack's loopback target passes as loopback.
pub async fn resolve(
    target: &domain::webhook::Target,
) -> Result<Resolved, domain::webhook::UrlRefusal> {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    let addrs: Vec<SocketAddr> = match target.literal {
        Some(ip) => vec![SocketAddr::new(ip, target.port)],
        None => {
            let lookup = tokio::net::lookup_host((target.host.as_str(), target.port));
            match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.collect(),
                Ok(Err(e)) => return Ok(Resolved::Unresolved(e.to_string())),
                Err(_) => return Ok(Resolved::Unresolved("no answer in time".into())),
            }
        }
    };
    let loopback_allowed = target.literal == Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    if let Some(refused) = refused_address(&target.host, &addrs, loopback_allowed) {
        return Err(refused);
    }
    if addrs.is_empty() {
        return Ok(Resolved::Unresolved("no address".into()));
    }
    Ok(Resolved::Callable(addrs))
}

/// The first address of `host` the sender may not call, as the refusal: one inside is
/// enough (a name may list a public address beside a private one).
pub fn refused_address(
    host: &str,
    addrs: &[std::net::SocketAddr],
    loopback_allowed: bool,
) -> Option<domain::webhook::UrlRefusal> {
    addrs
        .iter()
        .find(|a| {
            !(domain::webhook::is_global(a.ip()) || (loopback_allowed && a.ip().is_loopback()))
        })
        .map(|a| {
            domain::webhook::UrlRefusal(format!(
                "{host} resolves to {}, not a public address",
                a.ip()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::webhook::check_url;

    /// A name is judged by what it resolves to: `localhost` (from the hosts file, no network
    /// needed) resolves to loopback and is refused outside the local stack, whatever the
    /// URL's spelling passed; on the local stack its loopback is the one allowed target.
    #[tokio::test]
    async fn a_name_resolving_inside_is_refused() {
        let mut target = check_url("https://erp.example/hooks", false).unwrap();
        target.host = "localhost".into();
        let refused = resolve(&target).await.unwrap_err();
        assert!(refused.0.contains("not a public address"), "{}", refused.0);
        let local = check_url("http://localhost:9400/hooks", true).unwrap();
        assert!(matches!(resolve(&local).await, Ok(Resolved::Callable(_))));
        // A name that resolves to nothing yet is not refused at creation (every send checks).
        let mut nowhere = check_url("https://erp.example/hooks", false).unwrap();
        nowhere.host = "no-such-host.invalid".into();
        assert!(matches!(
            resolve(&nowhere).await,
            Ok(Resolved::Unresolved(_))
        ));
    }
}
