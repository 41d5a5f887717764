//! The members directory (seed 003 会员资料): a member's number, name, phone, email and
//! birthday as staff set them. Member numbers and phones are unique within the shop (the
//! store holds one item for each, claimed in the member's transaction); changing one frees
//! the old.

use chrono::NaiveDate;
use serde_json::Value;

use crate::document::DocumentError;
use crate::member::Profile;

/// A change to one field: absent keeps it, `null` clears it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Field<T> {
    #[default]
    Keep,
    Clear,
    Set(T),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProfilePatch {
    pub member_no: Field<String>,
    pub name: Field<String>,
    pub phone: Field<String>,
    pub email: Field<String>,
    pub birthday: Field<NaiveDate>,
}

/// 003 会员编号: letters, digits, `-`, `_`, `.`, 1-32 of them.
pub fn check_member_no(no: &str) -> Result<(), DocumentError> {
    let ok = (1..=32).contains(&no.len())
        && no
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
    ok.then_some(())
        .ok_or_else(|| DocumentError::Invalid("member_no is 1-32 letters, digits, - _ .".into()))
}

/// Phones in E.164: `+`, a country code not starting with 0, 7-15 digits in all.
pub fn check_phone(phone: &str) -> Result<(), DocumentError> {
    let digits = phone.strip_prefix('+').unwrap_or("");
    let ok = (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    ok.then_some(()).ok_or_else(|| {
        // Not repeated: an import's answer (with its errors) is kept for a day (issue 31).
        DocumentError::Invalid("phone is not E.164 (+60123456789)".into())
    })
}

pub fn check_email(email: &str) -> Result<(), DocumentError> {
    let ok = email.len() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split('@').count() == 2
        && email.split('@').all(|p| !p.is_empty());
    ok.then_some(())
        .ok_or_else(|| DocumentError::Invalid("email is not an address".into()))
}

impl ProfilePatch {
    /// `PUT /admin/members/{member_id}`: every field optional; unknown fields refused.
    pub fn parse(body: &Value) -> Result<Self, DocumentError> {
        let obj = body
            .as_object()
            .ok_or_else(|| DocumentError::Invalid("the body is a JSON object".into()))?;
        if let Some(k) = obj
            .keys()
            .find(|k| !["member_no", "name", "phone", "email", "birthday"].contains(&k.as_str()))
        {
            return Err(DocumentError::Invalid(format!("unknown field {k:?}")));
        }
        let text = |k: &str| -> Result<Field<String>, DocumentError> {
            match obj.get(k) {
                None => Ok(Field::Keep),
                Some(Value::Null) => Ok(Field::Clear),
                Some(Value::String(s)) => Ok(Field::Set(s.trim().to_owned())),
                Some(_) => Err(DocumentError::Invalid(format!("{k} is a string or null"))),
            }
        };
        let patch = ProfilePatch {
            member_no: text("member_no")?,
            name: text("name")?,
            phone: text("phone")?,
            email: text("email")?,
            birthday: match text("birthday")? {
                Field::Set(d) => Field::Set(
                    crate::time::parse_date(&d)
                        .map_err(|e| DocumentError::Invalid(format!("birthday: {e}")))?,
                ),
                Field::Clear => Field::Clear,
                Field::Keep => Field::Keep,
            },
        };
        if let Field::Set(no) = &patch.member_no {
            check_member_no(no)?;
        }
        if let Field::Set(p) = &patch.phone {
            check_phone(p)?;
        }
        if let Field::Set(e) = &patch.email {
            check_email(e)?;
        }
        if let Field::Set(n) = &patch.name {
            if n.is_empty() || n.chars().count() > 100 {
                return Err(DocumentError::Invalid("name is 1-100 characters".into()));
            }
        }
        Ok(patch)
    }

    /// Applies the patch; returns the (old, new) member number and phone where they change,
    /// for the store to free the old and claim the new.
    pub fn apply(&self, profile: &mut Profile) -> Unique {
        fn set<T: Clone>(slot: &mut Option<T>, f: &Field<T>) {
            match f {
                Field::Keep => {}
                Field::Clear => *slot = None,
                Field::Set(v) => *slot = Some(v.clone()),
            }
        }
        let before = (profile.member_no.clone(), profile.phone.clone());
        set(&mut profile.member_no, &self.member_no);
        set(&mut profile.name, &self.name);
        set(&mut profile.phone, &self.phone);
        set(&mut profile.email, &self.email);
        set(&mut profile.birthday, &self.birthday);
        let moved = |old: Option<String>, new: &Option<String>| {
            (old.as_ref() != new.as_ref()).then(|| (old, new.clone()))
        };
        Unique {
            member_no: moved(before.0, &profile.member_no),
            phone: moved(before.1, &profile.phone),
        }
    }
}

/// Unique values that change: (the old one to free, the new one to claim).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Unique {
    pub member_no: Option<(Option<String>, Option<String>)>,
    pub phone: Option<(Option<String>, Option<String>)>,
}

/// 003 批量导入: at most this many rows a call.
pub const MAX_IMPORT_ROWS: usize = 1000;

/// One row of a member import, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    pub member_id: crate::MemberId,
    pub member_no: Option<String>,
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub level_id: Option<String>,
    pub points: i64,
    pub credit: crate::Money,
    pub value: crate::Money,
    pub registered_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl ImportRow {
    /// The profile a new member imported by this row starts with (003): registered when the
    /// row says (else `now`), at the row's level from then.
    pub fn profile(&self, now: chrono::DateTime<chrono::Utc>) -> crate::member::Profile {
        let registered_at = self.registered_at.unwrap_or(now);
        let mut p = crate::member::Profile {
            member_no: self.member_no.clone(),
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            birthday: self.birthday,
            registered_at: Some(registered_at),
            ..Default::default()
        };
        if let Some(level) = &self.level_id {
            p.standing.level = Some(crate::level::Held {
                level_id: level.clone(),
                since: registered_at,
                valid_until: None,
            });
        }
        p
    }

    /// A row as a JSON object (CSV rows arrive as objects of strings, empty cells absent).
    pub fn parse(v: &Value, currency: &crate::Currency) -> Result<Self, DocumentError> {
        let obj = v
            .as_object()
            .ok_or_else(|| DocumentError::Invalid("a row is an object".into()))?;
        let text = |k: &str| -> Result<Option<String>, DocumentError> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
                Some(Value::Number(n)) => Ok(Some(n.to_string())),
                Some(_) => Err(DocumentError::Invalid(format!("{k} is text"))),
            }
        };
        let member_id = crate::MemberId::parse(&text("member_id")?.unwrap_or_default())
            .map_err(|e| DocumentError::Invalid(e.to_string()))?;
        let mut profile = Profile::default();
        let patch = ProfilePatch::parse(&Value::Object(
            ["member_no", "name", "phone", "email", "birthday"]
                .iter()
                .filter_map(|k| Some((k.to_string(), Value::String(text(k).ok()??))))
                .collect(),
        ))?;
        patch.apply(&mut profile);
        let money = |k: &str| -> Result<crate::Money, DocumentError> {
            match text(k)? {
                None => Ok(crate::Money::ZERO),
                Some(t) => crate::Money::parse_non_negative(&t, currency)
                    .map_err(|e| DocumentError::Invalid(format!("{k}: {e}"))),
            }
        };
        let points = match text("points")? {
            None => 0,
            Some(t) => t
                .parse::<i64>()
                .ok()
                .filter(|p| (0..=crate::points::MAX_GRANT_POINTS).contains(p))
                .ok_or_else(|| DocumentError::Invalid("points is a whole number from 0".into()))?,
        };
        let level_id = text("level_id")?
            .map(|l| crate::LevelId::parse(&l).map(|l| l.to_string()))
            .transpose()
            .map_err(|e| DocumentError::Invalid(e.to_string()))?;
        let registered_at = text("registered_at")?
            .map(|t| crate::time::parse_instant(&t).map(|t| t.with_timezone(&chrono::Utc)))
            .transpose()
            .map_err(|e| DocumentError::Invalid(format!("registered_at: {e}")))?;
        Ok(ImportRow {
            member_id,
            member_no: profile.member_no,
            name: profile.name,
            phone: profile.phone,
            email: profile.email,
            birthday: profile.birthday,
            level_id,
            points,
            credit: money("credit")?,
            value: money("value")?,
            registered_at,
        })
    }

    /// Whether an existing member is this row (importing it again changes nothing).
    pub fn same_as(&self, p: &Profile) -> bool {
        p.member_no == self.member_no
            && p.name == self.name
            && p.phone == self.phone
            && p.email == self.email
            && p.birthday == self.birthday
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// 003: an imported member starts registered when the row says, at its level from then.
    #[test]
    fn seed_003_an_import_row_becomes_a_registered_profile() {
        let currency = crate::Currency::parse("MYR").unwrap();
        let row = ImportRow::parse(
            &json!({"member_id": "m1", "name": "Ana", "phone": "+60123456789",
                    "level_id": "gold", "registered_at": "2025-01-02T03:04:05Z"}),
            &currency,
        )
        .unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-06T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let p = row.profile(now);
        let at = row.registered_at.unwrap();
        assert_eq!(p.registered_at, Some(at));
        assert_eq!(
            (p.name.as_deref(), p.phone.as_deref()),
            (Some("Ana"), Some("+60123456789"))
        );
        let held = p.standing.level.unwrap();
        assert_eq!((held.level_id.as_str(), held.since), ("gold", at));
        let without = ImportRow::parse(&json!({"member_id": "m2"}), &currency).unwrap();
        assert_eq!(without.profile(now).registered_at, Some(now));
    }

    /// API 1.2 erasure: the personal data goes, the number and phone are handed back to be
    /// freed, and the profile is marked.
    #[test]
    fn an_erased_profile_keeps_nothing_personal() {
        let mut p = crate::member::Profile::default();
        ProfilePatch::parse(&json!({"member_no": "A0001", "phone": "+60123456789",
            "name": "Siti", "email": "siti@example.com", "birthday": "1990-05-01"}))
        .unwrap()
        .apply(&mut p);
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-06T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let erased = p.erase(now);
        assert_eq!(erased.member_no.as_deref(), Some("A0001"));
        assert_eq!(erased.phone.as_deref(), Some("+60123456789"));
        assert!(erased.cards_ended.is_empty());
        assert_eq!(
            (p.name, p.email, p.phone, p.member_no, p.birthday),
            (None, None, None, None, None)
        );
        assert_eq!(p.erased_at, Some(now));
    }

    #[test]
    fn seed_003_profiles_take_unique_numbers_and_e164_phones_and_free_the_old_ones() {
        let mut p = Profile::default();
        let first = ProfilePatch::parse(&json!({"member_no": "A0001", "phone": "+60123456789",
            "name": "Siti", "birthday": "1990-05-01"}))
        .unwrap();
        let u = first.apply(&mut p);
        assert_eq!(u.member_no, Some((None, Some("A0001".into()))));
        assert_eq!(u.phone, Some((None, Some("+60123456789".into()))));
        // The same values again change nothing unique; a new phone frees the old one.
        assert_eq!(first.apply(&mut p), Unique::default());
        let u = ProfilePatch::parse(&json!({"phone": "+60198765432"}))
            .unwrap()
            .apply(&mut p);
        assert_eq!(
            u.phone,
            Some((Some("+60123456789".into()), Some("+60198765432".into())))
        );
        assert_eq!(p.member_no.as_deref(), Some("A0001"));
        let u = ProfilePatch::parse(&json!({"member_no": null}))
            .unwrap()
            .apply(&mut p);
        assert_eq!(u.member_no, Some((Some("A0001".into()), None)));
        for bad in [
            json!({"phone": "0123456789"}),
            json!({"phone": "+0123456789"}),
            json!({"member_no": "A 1"}),
            json!({"email": "nobody"}),
            json!({"birthday": "1899-12-31"}),
            json!({"level": "gold"}),
        ] {
            assert!(ProfilePatch::parse(&bad).is_err(), "{bad}");
        }
    }
}
