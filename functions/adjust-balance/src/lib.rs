//! POST /members/{member_id}/adjustments: staff move a points or credit balance by a delta
//! or set it, never below zero, exactly once per Idempotency-Key.

use std::collections::BTreeMap;

use api::input::{self, fingerprint};
use api::work::Work;
use api::{ApiError, Ctx, Decision, Once, Reply, MANAGERS};
use domain::adjust::{self, Adjustment, AdjustmentError, AdjustmentRequest, Amount, Change};
use domain::{Decimal, MemberId, Money, ShopTz};
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::accounts::StoredQuantity;
use store::keys;

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
    let who = principal.acting(member);
    let read = vec![
        keys::settings(&who.shop),
        keys::account(&who.shop, &who.member, cmd.account),
    ];
    let links = BTreeMap::from([("idempotency_key".to_owned(), key.to_string())]);
    api::execute(ctx, &who.shop, Some(&once), read, |snapshot, now| {
        // Points may be adjusted before the shop is set up; money needs its currency.
        let work = Work::open(&who, snapshot, now)?;
        let links = links.clone();
        match &cmd.amount {
            Amount::Points(p) => decide::<i64>(work, &cmd, change(cmd.set, *p), links),
            Amount::Money(text) => {
                let money = Money::parse(text, work.currency()?)?.amount();
                decide::<Decimal>(work, &cmd, change(cmd.set, money), links)
            }
        }
    })
    .await
}

fn change<Q>(set: bool, q: Q) -> Change<Q> {
    if set {
        Change::Set(q)
    } else {
        Change::Delta(q)
    }
}

/// The adjustment posted on the member's account, never below zero (`domain::adjust`).
fn decide<Q: StoredQuantity>(
    mut work: Work<'_>,
    cmd: &AdjustmentRequest,
    change: Change<Q>,
    links: BTreeMap<String, String>,
) -> Result<Decision, ApiError> {
    let (now, who) = (work.now, work.who);
    let expires_at = cmd.expires_on.map(|d| ShopTz::end_of_day(&work.tz(), d));
    let adjustment =
        Adjustment::new(change, &cmd.reason, expires_at, now).map_err(|e| match e {
            AdjustmentError::BadReason
            | AdjustmentError::ZeroDelta
            | AdjustmentError::ExpiryInPast => ApiError::Invalid(e.to_string()),
        })?;
    let account = work.account::<Q>(cmd.account)?;
    let decided = adjust::adjust(cmd.account, account, &adjustment, links, now)?;
    let balance = work.amount(cmd.account, decided.account.balance().to_decimal());
    let posted = work.post(cmd.account, &decided.account, decided.movements);
    work.done(&Adjusted {
        member_id: &who.member,
        account: cmd.account.as_str(),
        balance,
        entry_id: posted.last().map(|e| e.to_string()),
    })
}

/// The adjustment as answered: the balance after it and the entry it posted.
#[derive(Serialize)]
struct Adjusted<'a> {
    member_id: &'a MemberId,
    account: &'static str,
    balance: api::render::Amount,
    entry_id: Option<String>,
}
