//! 003: level changes that time alone makes (a pending upgrade at local midnight, a lapsed
//! validity), written for members nobody touches; every read and write already applies them.

use domain::chrono::{DateTime, Days, Utc};
use store::{keys, settings, StoreError};

/// 003: members whose level changes by time alone today or yesterday (UTC), each settled
/// in one read (profile, settings, ladder) and one write conditioned on the profile's
/// version: a member operation that settles it first wins, and the job skips it.
pub async fn settle_levels(ctx: &api::Ctx, now: DateTime<Utc>) -> Result<(u64, u64), StoreError> {
    let today = now.date_naive();
    let (mut settled, mut skipped) = (0u64, 0u64);
    for day in [today.checked_sub_days(Days::new(1)).unwrap_or(today), today] {
        for (shop, member) in ctx.store.due_levels(day, now).await? {
            let snapshot = ctx
                .store
                .load(&[
                    keys::profile(&shop, &member),
                    keys::settings(&shop),
                    keys::levels(&shop),
                    keys::account(&shop, &member, domain::AccountKind::Value),
                ])
                .await?;
            let Some(settings) = settings::read(&snapshot, &shop)? else {
                skipped += 1;
                continue;
            };
            let mut profile = store::profile::read(&snapshot, &shop, &member)?;
            let before = profile.standing.clone();
            match store::levels::read(&snapshot, &shop, &settings.currency)?.0 {
                Some(ladder) => {
                    profile.standing.settle(
                        &ladder,
                        settings.timezone,
                        store::accounts::value_balance(&snapshot, &shop, &member)?,
                        now,
                    );
                }
                // The shop dropped its ladder: nothing will change by time any more.
                None => profile.standing.due = None,
            }
            if profile.standing == before {
                skipped += 1;
                continue;
            }
            match ctx
                .store
                .commit(vec![store::profile::put(&shop, &member, &profile)])
                .await
            {
                Ok(()) => settled += 1,
                Err(e) if e.is_race() => skipped += 1,
                Err(e) => return Err(e),
            }
        }
    }
    Ok((settled, skipped))
}
