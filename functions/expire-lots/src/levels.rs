//! 003: level changes that time alone makes (a pending upgrade at local midnight, a lapsed
//! validity), written for members nobody touches; every read and write already applies them.

use api::work::Work;
use api::Acting;
use domain::chrono::{DateTime, Days, Utc};
use store::{keys, settings, Snapshot, StoreError, Write};

use crate::{Count, ACTOR};

/// 003: members whose level changes by time alone today or yesterday (UTC), each settled
/// in one read (profile, settings, ladder, stored value) and one write conditioned on the
/// profile's version: a member operation that settles it first wins, and the job skips it.
pub async fn settle_levels(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let today = now.date_naive();
    let mut count = Count::default();
    for day in [today.checked_sub_days(Days::new(1)).unwrap_or(today), today] {
        for (shop, member) in ctx.store.due_levels(day, now).await? {
            let who = Acting {
                shop,
                member,
                actor: ACTOR.to_owned(),
            };
            let snapshot = ctx
                .store
                .load(&[
                    keys::profile(&who.shop, &who.member),
                    keys::settings(&who.shop),
                    keys::levels(&who.shop),
                    keys::account(&who.shop, &who.member, domain::AccountKind::Value),
                ])
                .await?;
            let writes = settle_one(&who, &snapshot, now)?.unwrap_or_default();
            count.commit(ctx, writes).await?;
        }
    }
    Ok((count.settled, count.skipped))
}

/// The member's level settled to `now` through the unit of work, each change told to the
/// shop's endpoints as a member operation tells it (`level.changed`: a lapse happens by
/// time alone, and untouched members would otherwise never be told); `None` when time
/// changed nothing.
fn settle_one(
    who: &Acting,
    snapshot: &Snapshot,
    now: DateTime<Utc>,
) -> Result<Option<Vec<Write>>, StoreError> {
    let (shop, member) = (&who.shop, &who.member);
    let Some(settings) = settings::read(snapshot, shop)? else {
        return Ok(None);
    };
    let tz = settings.timezone;
    let mut profile = store::profile::read(snapshot, shop, member)?;
    let before = profile.standing.clone();
    let changes = match store::levels::read(snapshot, shop, &settings.currency)?.0 {
        Some(ladder) => {
            let value = store::accounts::value_balance(snapshot, shop, member)?;
            profile.standing.settle(&ladder, tz, value, now)
        }
        // The shop dropped its ladder: nothing will change by time any more.
        None => {
            profile.standing.due = None;
            Vec::new()
        }
    };
    if profile.standing == before {
        return Ok(None);
    }
    let mut work = Work::with(who, snapshot, now, Some(settings));
    work.write(store::profile::put(shop, member, &profile));
    work.tell(api::webhooks::level_changes(member, &changes, tz));
    Ok(Some(work.into_commit()))
}
