//! Shop-local calendar arithmetic. Every "day" in the rules is a day in the shop's IANA zone;
//! instants are stored in UTC.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use chrono::{
    DateTime, Datelike, Days, FixedOffset, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone,
    Timelike, Utc,
};
use thiserror::Error;

/// The longest validity a card or a level may have, in days (about a hundred years).
pub const MAX_VALIDITY_DAYS: u32 = 36_500;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0:?} is not an IANA time zone name")]
pub struct UnknownTimeZone(pub String);

/// Years a date from a request may have. Bounded where dates are parsed, so no arithmetic
/// on them (a day after, the end of a local day, N days or months later) can overflow:
/// `"+262142-12-31"` is a valid chrono date one day short of its maximum.
pub const MIN_YEAR: i32 = 1900;
pub const MAX_YEAR: i32 = 9999;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0:?} is not a date YYYY-MM-DD between {MIN_YEAR}-01-01 and {MAX_YEAR}-12-31")]
pub struct DateOutOfRange(pub String);

/// The last date the rules compute with; later expiries are clamped to it.
pub fn last_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(MAX_YEAR, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// A request's date: exactly `YYYY-MM-DD`, years 1900-9999.
pub fn parse_date(text: &str) -> Result<NaiveDate, DateOutOfRange> {
    let bad = || DateOutOfRange(text.to_owned());
    if text.len() != 10 {
        return Err(bad());
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad())?;
    (MIN_YEAR..=MAX_YEAR)
        .contains(&date.year())
        .then_some(date)
        .ok_or_else(bad)
}

/// A request's instant: RFC 3339 with an offset, years 1900-9999.
pub fn parse_instant(text: &str) -> Result<DateTime<FixedOffset>, DateOutOfRange> {
    let at = DateTime::parse_from_rfc3339(text).map_err(|_| DateOutOfRange(text.to_owned()))?;
    let utc_year = at.with_timezone(&Utc).year();
    ((MIN_YEAR..=MAX_YEAR).contains(&at.year()) && (MIN_YEAR..=MAX_YEAR).contains(&utc_year))
        .then_some(at)
        .ok_or_else(|| DateOutOfRange(text.to_owned()))
}

/// `#[serde(deserialize_with = "domain::time::serde_date::deserialize")]` for request
/// fields: the bound above, at parse.
pub mod serde_date {
    use chrono::{DateTime, FixedOffset, NaiveDate};
    use serde::de::Error;
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_date(&text).map_err(D::Error::custom)
    }

    pub fn option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| super::parse_date(&t).map_err(D::Error::custom))
            .transpose()
    }

    pub fn instant<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<FixedOffset>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_instant(&text).map_err(D::Error::custom)
    }

    pub fn option_instant<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<DateTime<FixedOffset>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|t| super::parse_instant(&t).map_err(D::Error::custom))
            .transpose()
    }
}

/// One zone of the bundled time zone database (jiff's, compact TZif): resolved once per
/// process and kept, so a `ShopTz` is a small `Copy` handle.
struct Zone {
    name: &'static str,
    tz: jiff::tz::TimeZone,
}

fn registry() -> &'static Mutex<HashMap<String, &'static Zone>> {
    static ZONES: OnceLock<Mutex<HashMap<String, &'static Zone>>> = OnceLock::new();
    ZONES.get_or_init(|| Mutex::new(HashMap::new()))
}

fn zone(name: &str) -> Option<&'static Zone> {
    let mut zones = registry().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(z) = zones.get(name) {
        return Some(z);
    }
    let tz = if name == "UTC" {
        jiff::tz::TimeZone::UTC
    } else {
        let tz = jiff::tz::db().get(name).ok()?;
        // The database finds names in any case; a shop's zone is spelled as IANA does.
        if tz.iana_name() != Some(name) {
            return None;
        }
        tz
    };
    // At most one entry per IANA name, for the process's life.
    let z: &'static Zone = Box::leak(Box::new(Zone {
        name: Box::leak(name.to_owned().into_boxed_str()),
        tz,
    }));
    zones.insert(name.to_owned(), z);
    Some(z)
}

/// The shop's time zone.
#[derive(Clone, Copy)]
pub struct ShopTz(&'static Zone);

impl std::fmt::Debug for ShopTz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("ShopTz").field(&self.0.name).finish()
    }
}

impl PartialEq for ShopTz {
    fn eq(&self, other: &Self) -> bool {
        self.0.name == other.0.name
    }
}

impl Eq for ShopTz {}

impl Default for ShopTz {
    fn default() -> Self {
        ShopTz::utc()
    }
}

impl ShopTz {
    /// UTC, for a shop that has not set its zone.
    pub fn utc() -> Self {
        ShopTz(zone("UTC").expect("UTC is always known"))
    }

    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        zone(name)
            .map(ShopTz)
            .ok_or_else(|| UnknownTimeZone(name.to_owned()))
    }

    pub fn name(&self) -> &'static str {
        self.0.name
    }

    /// The zone's offset from UTC at an instant.
    fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        let seconds = jiff::Timestamp::new(at.timestamp(), 0)
            .map(|ts| self.0.tz.to_offset(ts).seconds())
            .unwrap_or(0);
        FixedOffset::east_opt(seconds).unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero"))
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset_at(at)).date_naive()
    }

    /// The instant a local time is, the earlier one where clocks fall back, `None` where
    /// they jump over it.
    fn instant_of(&self, local: chrono::NaiveDateTime) -> Option<DateTime<Utc>> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(local.year()).ok()?,
            i8::try_from(local.month()).ok()?,
            i8::try_from(local.day()).ok()?,
            i8::try_from(local.hour()).ok()?,
            i8::try_from(local.minute()).ok()?,
            i8::try_from(local.second()).ok()?,
            0,
        )
        .ok()?;
        let offset = match self.0.tz.to_ambiguous_timestamp(civil).offset() {
            jiff::tz::AmbiguousOffset::Unambiguous { offset } => offset,
            jiff::tz::AmbiguousOffset::Fold { before, .. } => before,
            jiff::tz::AmbiguousOffset::Gap { .. } => return None,
        };
        Some(Utc.from_utc_datetime(&(local - TimeDelta::seconds(i64::from(offset.seconds())))))
    }

    /// The first instant of a local day. Where a DST jump skips local midnight
    /// (America/Santiago, Asia/Beirut), the day starts at the first local time that exists.
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        let mut local = date.and_time(NaiveTime::MIN);
        // Gaps are at most a few hours (Apia skipped a whole day, handled by the caller
        // asking for the next day), so this loop is short and bounded.
        for _ in 0..(26 * 4) {
            match self.instant_of(local) {
                Some(t) => return t,
                None => local += TimeDelta::minutes(15),
            }
        }
        // Unreachable for real zones; falling back to UTC midnight keeps the function total.
        Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
    }

    /// The next local midnight strictly after `at`: "effective the next day" (003).
    pub fn next_local_midnight(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        let today = self.local_date(at);
        let mut day = today;
        loop {
            day = day + Days::new(1);
            let start = self.start_of_day(day);
            // A day the zone skipped (Pacific/Apia, 2011-12-30) starts where the next one
            // does; keep going until the start really is in the future.
            if start > at {
                return start;
            }
        }
    }

    /// The last second of a local day: 23:59:59 where the day ends normally, and the true
    /// last second before the next day where DST moves the clocks around midnight (004:
    /// points expire at 23:59:59 local on their expiry date).
    pub fn end_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        // Dates past the bound come only from clamped arithmetic: they never end.
        let date = date.min(last_date());
        self.start_of_day(date.checked_add_days(Days::new(1)).unwrap_or(date))
            - TimeDelta::seconds(1)
    }

    /// `months` after the local date of `at`, clamped to the month's end (31 Aug + 6 months
    /// is 28/29 Feb), as the expiry date of something earned at `at`.
    pub fn date_after_months(&self, at: DateTime<Utc>, months: u32) -> NaiveDate {
        let date = self.local_date(at);
        date.checked_add_months(Months::new(months))
            .map_or(last_date(), |d| d.min(last_date()))
    }

    /// `days` after the local date of `at`.
    pub fn date_after_days(&self, at: DateTime<Utc>, days: u32) -> NaiveDate {
        self.local_date(at)
            .checked_add_days(Days::new(u64::from(days)))
            .map_or(last_date(), |d| d.min(last_date()))
    }

    /// Renders an instant as RFC 3339 in the shop's zone, with its offset.
    pub fn format(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.offset_at(at))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The old implementation's start of a local day, on chrono-tz's tables.
    fn old_start_of_day(tz: chrono_tz::Tz, date: NaiveDate) -> DateTime<Utc> {
        let mut local = date.and_time(NaiveTime::MIN);
        for _ in 0..(26 * 4) {
            match tz.from_local_datetime(&local) {
                chrono::LocalResult::Single(t) => return t.with_timezone(&Utc),
                chrono::LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
                chrono::LocalResult::None => local += TimeDelta::minutes(15),
            }
        }
        Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN))
    }

    /// Every zone the shop settings accepted (chrono-tz's, the database used before) is
    /// accepted under the same name and converts the same with the bundled database, from
    /// 1970 to 2100: the offset every two days, each transition to the second (found on the
    /// old tables by bisection) and the start of the local days around it.
    #[test]
    fn every_zone_converts_as_before_from_1970_to_2100() {
        use chrono::Offset;
        let from = Utc
            .with_ymd_and_hms(1970, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp();
        // chrono-tz's generated tables stop at the start of 2100 (after it they keep the last
        // offset: Cairo's DST from the last Friday of April 2100 is missing there).
        let to = Utc
            .with_ymd_and_hms(2100, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp();
        let step = 2 * 86_400;
        let (mut missing, mut transitions) = (Vec::new(), 0u64);
        let at = |t: i64| Utc.timestamp_opt(t, 0).unwrap();
        for old in chrono_tz::TZ_VARIANTS {
            let Ok(new) = ShopTz::parse(old.name()) else {
                missing.push(old.name());
                continue;
            };
            assert_eq!(new.name(), old.name());
            let before = |t: i64| at(t).with_timezone(&old).offset().fix().local_minus_utc();
            let now = |t: i64| new.offset_at(at(t)).local_minus_utc();
            let (mut t, mut prev) = (from, before(from));
            assert_eq!(now(from), prev, "{} at {from}", old.name());
            while t < to {
                let next = t + step;
                let cur = before(next);
                assert_eq!(
                    now(next),
                    cur,
                    "{} at {} (old {cur}, new {})",
                    old.name(),
                    at(next),
                    now(next)
                );
                if cur != prev {
                    let (mut lo, mut hi) = (t, next);
                    while hi - lo > 1 {
                        let mid = lo + (hi - lo) / 2;
                        if before(mid) == prev {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    assert_eq!(
                        (now(lo), now(hi)),
                        (before(lo), before(hi)),
                        "{} at {}",
                        old.name(),
                        at(hi)
                    );
                    let day = at(hi).with_timezone(&old).date_naive();
                    for d in [day.pred_opt().unwrap(), day, day.succ_opt().unwrap()] {
                        assert_eq!(
                            new.start_of_day(d),
                            old_start_of_day(old, d),
                            "{} on {d}",
                            old.name()
                        );
                        assert_eq!(
                            new.format(at(hi)),
                            at(hi)
                                .with_timezone(&old)
                                .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                        );
                    }
                    transitions += 1;
                }
                (t, prev) = (next, cur);
            }
        }
        assert!(missing.is_empty(), "zones no longer accepted: {missing:?}");
        assert!(transitions > 10_000, "{transitions} transitions compared");
    }

    /// A shop's zone is spelled as IANA does: the database finds names in any case, the
    /// settings do not accept them.
    #[test]
    fn zone_names_are_exact() {
        assert!(ShopTz::parse("asia/kuala_lumpur").is_err());
        assert_eq!(ShopTz::parse("UTC").unwrap(), ShopTz::utc());
        assert_eq!(
            ShopTz::parse("Asia/Calcutta").unwrap().name(),
            "Asia/Calcutta"
        );
    }

    fn tz(name: &str) -> ShopTz {
        ShopTz::parse(name).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn unknown_zones_are_refused() {
        assert!(ShopTz::parse("Asia/Kuala_Lumpur").is_ok());
        assert_eq!(
            ShopTz::parse("Mars/Olympus"),
            Err(UnknownTimeZone("Mars/Olympus".into()))
        );
        assert!(ShopTz::parse("").is_err());
    }

    #[test]
    fn end_of_day_is_235959_local() {
        // 004: earned 2022-04-01 13:21 with 6 months -> expires 2022-10-01 23:59:59 local.
        let kl = tz("Asia/Kuala_Lumpur");
        let earned = utc("2022-04-01T13:21:00+08:00");
        let expiry_date = kl.date_after_months(earned, 6);
        assert_eq!(expiry_date, date("2022-10-01"));
        assert_eq!(kl.end_of_day(expiry_date), utc("2022-10-01T23:59:59+08:00"));
        assert_eq!(
            kl.format(kl.end_of_day(expiry_date)),
            "2022-10-01T23:59:59+08:00"
        );
    }

    #[test]
    fn local_date_depends_on_the_zone_not_utc() {
        // 23:30 UTC on 31 Dec is already 1 Jan in Kuala Lumpur.
        let at = utc("2025-12-31T23:30:00Z");
        assert_eq!(tz("Asia/Kuala_Lumpur").local_date(at), date("2026-01-01"));
        assert_eq!(tz("America/New_York").local_date(at), date("2025-12-31"));
    }

    #[test]
    fn dst_days_end_at_their_real_last_second() {
        let ny = tz("America/New_York");
        // Spring forward (23-hour day) and fall back (25-hour day) both end at 23:59:59 EST/EDT.
        assert_eq!(
            ny.end_of_day(date("2026-03-08")),
            utc("2026-03-08T23:59:59-04:00")
        );
        assert_eq!(
            ny.end_of_day(date("2026-11-01")),
            utc("2026-11-01T23:59:59-05:00")
        );
        let day_len = ny.end_of_day(date("2026-03-08")) - ny.end_of_day(date("2026-03-07"));
        assert_eq!(day_len, TimeDelta::hours(23));
    }

    #[test]
    fn a_skipped_midnight_starts_the_day_at_the_first_existing_minute() {
        // Santiago springs forward at 24:00 -> 01:00 on the first Saturday of September.
        let scl = tz("America/Santiago");
        let start = scl.start_of_day(date("2026-09-06"));
        assert_eq!(start, utc("2026-09-06T01:00:00-03:00"));
        assert_eq!(
            scl.end_of_day(date("2026-09-05")),
            start - TimeDelta::seconds(1)
        );
    }

    #[test]
    fn a_skipped_day_is_stepped_over() {
        // Samoa skipped 2011-12-30 entirely.
        let apia = tz("Pacific/Apia");
        let late_29th = utc("2011-12-29T23:00:00-10:00");
        let next = apia.next_local_midnight(late_29th);
        assert_eq!(apia.local_date(next), date("2011-12-31"));
        assert!(next > late_29th);
    }

    #[test]
    fn next_local_midnight_is_strictly_later() {
        // 003: "effective the next day".
        let kl = tz("Asia/Kuala_Lumpur");
        assert_eq!(
            kl.next_local_midnight(utc("2026-04-01T13:21:00+08:00")),
            utc("2026-04-02T00:00:00+08:00")
        );
        assert_eq!(
            kl.next_local_midnight(utc("2026-04-02T00:00:00+08:00")),
            utc("2026-04-03T00:00:00+08:00")
        );
        assert_eq!(
            kl.next_local_midnight(utc("2026-04-01T23:59:59+08:00")),
            utc("2026-04-02T00:00:00+08:00")
        );
    }

    #[test]
    fn month_arithmetic_clamps_at_month_ends_and_leap_days() {
        let kl = tz("Asia/Kuala_Lumpur");
        assert_eq!(
            kl.date_after_months(utc("2025-08-31T10:00:00+08:00"), 6),
            date("2026-02-28")
        );
        assert_eq!(
            kl.date_after_months(utc("2027-08-31T10:00:00+08:00"), 6),
            date("2028-02-29")
        );
        assert_eq!(
            kl.date_after_months(utc("2028-02-29T10:00:00+08:00"), 12),
            date("2029-02-28")
        );
        assert_eq!(
            kl.date_after_days(utc("2028-02-28T10:00:00+08:00"), 1),
            date("2028-02-29")
        );
        assert_eq!(
            kl.end_of_day(date("2028-02-29")),
            utc("2028-02-29T23:59:59+08:00")
        );
    }

    #[test]
    fn hostile_dates_are_refused_at_parse_and_arithmetic_near_the_bound_is_total() {
        for bad in [
            "+262142-12-31",
            "-0001-01-01",
            "1899-12-31",
            "10000-01-01",
            "2026-2-1",
            "",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_date("9999-12-31"), Ok(last_date()));
        assert!(parse_instant("+262142-12-31T00:00:00Z").is_err());
        assert!(parse_instant("9999-12-31T23:00:00-05:00").is_err());
        assert!(parse_instant("2026-04-01T13:21:00+08:00").is_ok());
        let tz = ShopTz::parse("Asia/Kuala_Lumpur").unwrap();
        let far = tz.start_of_day(last_date());
        // 36,500 days after the last date clamps instead of overflowing.
        assert_eq!(tz.date_after_days(far, 36_500), last_date());
        assert_eq!(tz.date_after_months(far, 12), last_date());
        assert!(tz.end_of_day(NaiveDate::MAX) > far);
    }
}
