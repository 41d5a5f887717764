//! Shop-local calendar arithmetic. Every "day" in the rules is a day in the shop's IANA zone;
//! instants are stored in UTC.

use chrono::{DateTime, Days, LocalResult, Months, NaiveDate, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
#[error("{0:?} is not an IANA time zone name")]
pub struct UnknownTimeZone(pub String);

/// The shop's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShopTz(Tz);

impl Default for ShopTz {
    fn default() -> Self {
        ShopTz(Tz::UTC)
    }
}

impl ShopTz {
    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        name.parse::<Tz>()
            .map(ShopTz)
            .map_err(|_| UnknownTimeZone(name.to_owned()))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    pub fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.0).date_naive()
    }

    /// The first instant of a local day. Where a DST jump skips local midnight
    /// (America/Santiago, Asia/Beirut), the day starts at the first local time that exists.
    pub fn start_of_day(&self, date: NaiveDate) -> DateTime<Utc> {
        let mut local = date.and_time(NaiveTime::MIN);
        // Gaps are at most a few hours (Apia skipped a whole day, handled by the caller
        // asking for the next day), so this loop is short and bounded.
        for _ in 0..(26 * 4) {
            match self.0.from_local_datetime(&local) {
                LocalResult::Single(t) => return t.with_timezone(&Utc),
                // A fold at midnight: the day starts at the earlier of the two.
                LocalResult::Ambiguous(early, _) => return early.with_timezone(&Utc),
                LocalResult::None => local += TimeDelta::minutes(15),
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
        self.start_of_day(date + Days::new(1)) - TimeDelta::seconds(1)
    }

    /// `months` after the local date of `at`, clamped to the month's end (31 Aug + 6 months
    /// is 28/29 Feb), as the expiry date of something earned at `at`.
    pub fn date_after_months(&self, at: DateTime<Utc>, months: u32) -> NaiveDate {
        let date = self.local_date(at);
        date.checked_add_months(Months::new(months))
            .unwrap_or(NaiveDate::MAX)
    }

    /// `days` after the local date of `at`.
    pub fn date_after_days(&self, at: DateTime<Utc>, days: u32) -> NaiveDate {
        self.local_date(at)
            .checked_add_days(Days::new(u64::from(days)))
            .unwrap_or(NaiveDate::MAX)
    }

    /// Renders an instant as RFC 3339 in the shop's zone, with its offset.
    pub fn format(&self, at: DateTime<Utc>) -> String {
        at.with_timezone(&self.0)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
