//! Landing one batch of ready rows: the members' writes and the report's counters in one
//! transaction. Apart from the handler, which reads, checks and splits the upload.

use super::{EFFECTS_ROOM, MAX_ITEMS};
use crate::answer::RowError;
use api::{ApiError, Ctx};
use domain::chrono::{DateTime, Utc};
use domain::{Settings, ShopId};
use serde_json::Value;
use store::{StoreError, Write};

/// One row's writes, ready to commit, and the `member.registered` message it tells.
pub(crate) struct Ready {
    pub(crate) row: usize,
    pub(crate) writes: Vec<Write>,
    pub(crate) registered: Value,
}

/// Rows packed whole into transactions; a transaction that fails is retried row by row so
/// one conflicting row never stops the others. Returns how many rows landed.
pub(crate) async fn land(
    ctx: &Ctx,
    shop: &ShopId,
    settings: &Settings,
    ready: Vec<Ready>,
    errors: &mut Vec<RowError>,
    now: DateTime<Utc>,
) -> Result<u64, ApiError> {
    let mut batch: Vec<Ready> = Vec::new();
    let mut batches = Vec::new();
    for r in ready {
        if batch.iter().map(|b| b.writes.len()).sum::<usize>() + r.writes.len()
            > MAX_ITEMS - EFFECTS_ROOM
        {
            batches.push(std::mem::take(&mut batch));
        }
        batch.push(r);
    }
    batches.push(batch);
    // The rows' writes with their effects: the report counters, and one messages item
    // telling each row's `member.registered` (a CRM hears of imported members as of
    // registered ones; the opening balances' `import` entries tell no type of their own).
    let with_effects = |rows: &[&Ready]| {
        let mut writes: Vec<Write> = rows.iter().flat_map(|b| b.writes.clone()).collect();
        let told: Vec<(&'static str, Value)> = rows
            .iter()
            .map(|b| ("member.registered", b.registered.clone()))
            .collect();
        let effects = api::effects::of(Some(settings), shop, (&writes, None), &told, now);
        writes.extend(effects);
        writes
    };
    let mut imported = 0u64;
    for batch in batches.into_iter().filter(|b| !b.is_empty()) {
        let all: Vec<&Ready> = batch.iter().collect();
        match ctx.store.commit(with_effects(&all)).await {
            Ok(()) => imported += batch.len() as u64,
            Err(StoreError::Cancelled(_)) => {
                for one in &batch {
                    match ctx.store.commit(with_effects(&[one])).await {
                        Ok(()) => imported += 1,
                        Err(StoreError::Cancelled(_)) => errors.push(RowError::new(
                            one.row,
                            "conflict",
                            "the member, its number or phone was taken meanwhile".into(),
                        )),
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(imported)
}
