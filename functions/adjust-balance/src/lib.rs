//! POST /members/{member_id}/adjustments: staff move a points or credit balance by a delta
//! or set it, never below zero, exactly once per Idempotency-Key.

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::postings::Posting;
use api::{ApiError, Ctx, Decision, Once, Reply, MANAGERS};
use domain::adjust::{self, Adjustment, AdjustmentError, AdjustmentRequest, Amount, Change};
use domain::chrono::{DateTime, Utc};
use domain::{Currency, Decimal, MemberId, Money, Settings, ShopId, ShopTz};
use lambda_http::{Body, Request, Response};
use serde_json::json;
use store::accounts::StoredQuantity;
use store::{accounts, keys, settings, Snapshot};

pub const OPERATION: &str = "adjust-balance";

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, MANAGERS)?;
    let member = MemberId::parse(&input::path_param(&req, "member_id")?)?;
    let key = input::required_idempotency_key(&req)?;
    let body = input::json_object(&req)?;
    let cmd = AdjustmentRequest::parse(&body)?;
    let once = Once {
        fingerprint: fingerprint(OPERATION, member.as_str(), &body),
        key: key.clone(),
    };
    let shop = principal.shop.clone();
    let actor = principal.actor();
    let read = vec![
        keys::settings(&shop),
        keys::account(&shop, &member, cmd.account),
    ];
    api::execute(ctx, &shop, Some(&once), read, |snapshot, now| {
        let links = BTreeMap::from([("idempotency_key".to_owned(), key.to_string())]);
        let target = Target {
            shop: &shop,
            member: &member,
            actor: &actor,
            links,
        };
        match &cmd.amount {
            Amount::Points(p) => {
                let change = if cmd.set {
                    Change::Set(*p)
                } else {
                    Change::Delta(*p)
                };
                decide::<i64>(snapshot, &target, &cmd, change, now)
            }
            Amount::Money(text) => {
                let settings = api::require_settings(snapshot, &shop)?;
                let money = Money::parse(text, &settings.currency)?.amount();
                let change = if cmd.set {
                    Change::Set(money)
                } else {
                    Change::Delta(money)
                };
                decide::<Decimal>(snapshot, &target, &cmd, change, now)
            }
        }
    })
    .await
}

struct Target<'a> {
    shop: &'a ShopId,
    member: &'a MemberId,
    actor: &'a str,
    links: BTreeMap<String, String>,
}

fn decide<Q: StoredQuantity>(
    snapshot: &Snapshot,
    target: &Target<'_>,
    cmd: &AdjustmentRequest,
    change: Change<Q>,
    now: DateTime<Utc>,
) -> Result<Decision, ApiError> {
    let settings: Option<Settings> = settings::read(snapshot, target.shop)?;
    let currency: Option<Currency> = settings.as_ref().map(|s| s.currency);
    let tz = settings.as_ref().map(|s| s.timezone).unwrap_or_default();
    let expires_at = cmd.expires_on.map(|d| ShopTz::end_of_day(&tz, d));
    let adjustment =
        Adjustment::new(change, &cmd.reason, expires_at, now).map_err(|e| match e {
            AdjustmentError::BadReason
            | AdjustmentError::ZeroDelta
            | AdjustmentError::ExpiryInPast => ApiError::Invalid(e.to_string()),
        })?;
    let account = accounts::read::<Q>(snapshot, target.shop, target.member, cmd.account)?;
    let decided = adjust::adjust(cmd.account, account, &adjustment, target.links.clone(), now)?;
    let posting = Posting {
        shop: target.shop,
        member: target.member,
        actor: target.actor,
        currency: currency.as_ref(),
        now,
    };
    let mut ids = api::entry_ids(now, decided.movements.len()).into_iter();
    let mut writes = Vec::new();
    let posted = posting.post(
        cmd.account,
        &decided.account,
        decided.movements,
        &mut ids,
        &mut writes,
    );
    Ok(Decision::ok(
        writes,
        json!({
            "member_id": target.member.as_str(),
            "account": cmd.account.as_str(),
            "balance": api::render::amount(
                cmd.account,
                decided.account.balance().to_decimal(),
                currency.as_ref()
            ),
            "entry_id": posted.last().map(|e| e.to_string()),
        }),
    ))
}
