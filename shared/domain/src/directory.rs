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
        DocumentError::Invalid(format!("phone {phone:?} is not E.164 (+60123456789)"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
