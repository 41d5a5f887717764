//! POST /levels/{level_id}/purchase: 003 付费升级. Opens a pending purchase of a level, like
//! a card's but without stock, that the payment webhook settles: paid -> the member is at
//! that level from then and gets its reward.

use api::input;
use api::purchasing::Lookup;
use api::work::Work;
use api::{ApiError, Ctx, Decision, Reply};
use domain::chrono::TimeDelta;
use domain::LevelId;
use lambda_http::{Body, Request, Response};
use serde::Serialize;
use store::purchases::Purchase;
use store::{keys, levels, purchases};

pub const OPERATION: &str = "purchase-level";

/// How long the purchase waits for its payment, like a card's reservation.
pub const RESERVATION: TimeDelta = TimeDelta::minutes(15);

pub async fn handler(ctx: &Ctx, req: Request) -> Response<Body> {
    api::respond(handle(ctx, req).await)
}

async fn handle(ctx: &Ctx, req: Request) -> Result<Reply, ApiError> {
    let principal = api::authorize(ctx, &req, api::EVERYONE)?;
    let level_id = LevelId::parse(&input::path_param(&req, "level_id")?)?.to_string();
    let (member, once) = input::purchase_request(&principal, &req, OPERATION, &level_id)?;
    let shop = principal.shop.clone();
    let target = store::ids::level_target(&level_id);
    let purchase_id = store::ids::purchase_id(&target, &member);
    let mut open = Lookup::new(target);
    let who = principal.acting(member.clone());
    loop {
        let mut read = vec![
            keys::settings(&shop),
            keys::levels(&shop),
            keys::profile(&shop, &member),
            keys::account(&shop, &member, domain::AccountKind::Value),
        ];
        read.extend(open.keys(&shop, &member));
        let buying = (level_id.as_str(), purchase_id.as_str());
        let result = api::execute(ctx, &shop, once.as_ref(), read, |snapshot, now| {
            decide(Work::new(&who, snapshot, now)?, buying, &mut open)
        })
        .await;
        if !open.again() {
            return result;
        }
    }
}

/// 003 付费升级: a pending purchase of a level above the member's (as of now), or the
/// member's purchase of it still pending.
fn decide(
    mut work: Work<'_>,
    (level_id, purchase_id): (&str, &str),
    open: &mut Lookup,
) -> Result<Decision, ApiError> {
    let (who, snapshot, now) = (work.who, work.snapshot, work.now);
    let (shop, member) = (&who.shop, &who.member);
    let (tz, currency) = (work.tz(), *work.currency()?);
    let (ladder, _) = levels::read(snapshot, shop, &currency)?;
    let ladder = ladder.ok_or_else(|| ApiError::NotFound("the shop has no level ladder".into()))?;
    // The member's level as of now (a pending upgrade may have taken effect).
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let value = store::accounts::value_balance(snapshot, shop, member)?;
    profile.standing.settle(&ladder, tz, value, now);
    let (_, paid) = profile.standing.check_purchase(&ladder, level_id)?;
    // One open purchase a member: buying again answers the pending one.
    let open_version = match open.find(snapshot, shop, member, now)? {
        Ok(version) => version,
        Err(pending) => {
            return work.done(&view(&pending, level_id, &currency));
        }
    };
    let purchase = Purchase::pending(
        purchase_id.to_owned(),
        open.target.clone(),
        member.to_string(),
        paid.price,
        &currency,
        now,
        now + RESERVATION,
    );
    work.write(purchases::put(shop, &purchase));
    work.write(purchases::put_open(shop, &purchase, open_version)?);
    work.created(&view(&purchase, level_id, &currency))
}

/// A purchase as the buyer sees it (new, or the pending one answered again).
#[derive(Serialize)]
struct Pending<'a> {
    #[serde(flatten)]
    purchase: api::render::Pending<'a>,
    level_id: &'a str,
}

fn view<'a>(
    purchase: &'a Purchase,
    level_id: &'a str,
    currency: &'a domain::Currency,
) -> Pending<'a> {
    Pending {
        purchase: api::render::Pending::of(purchase, currency),
        level_id,
    }
}
