//! Bearer JWTs, verified by the function itself, the same way locally and in AWS: HS256 with
//! `LOYALTY_JWT_SECRET`, or RS256 against a JWK set in `LOYALTY_JWKS` (the identity
//! provider's keys) when that is configured.
//!
//! Fail closed: outside the local stack (`LOYALTY_LOCAL=1`, which `make run` and the tests
//! set), a function with neither a JWK set nor an HS256 secret of at least
//! `MIN_SECRET_BYTES` refuses to start. Only the local stack falls back to the public
//! `local-dev-secret`; an empty key is refused everywhere, since anyone can sign with it.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use lambda_http::http::header::AUTHORIZATION;
use lambda_http::Request;
use serde::Deserialize;

use domain::{ActorId, MemberId, ShopId};

use crate::error::ApiError;

pub const DEFAULT_LOCAL_SECRET: &str = "local-dev-secret";
/// RFC 7518 3.2: an HS256 key of at least the hash's size (256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Customer,
    Cashier,
    Guide,
    Service,
    Ops,
    Admin,
    Owner,
}

impl Role {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "customer" => Role::Customer,
            "cashier" => Role::Cashier,
            "guide" => Role::Guide,
            "service" => Role::Service,
            "ops" => Role::Ops,
            "admin" => Role::Admin,
            "owner" => Role::Owner,
            _ => return None,
        })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Cashier => "cashier",
            Role::Guide => "guide",
            Role::Service => "service",
            Role::Ops => "ops",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }

    pub fn is_staff(&self) -> bool {
        *self != Role::Customer
    }
}

/// Owner and admin: configure the shop and move balances by hand.
pub const MANAGERS: &[Role] = &[Role::Owner, Role::Admin];

/// Every staff role: 002 lets cashier, guide, service and ops act for a customer (issue
/// cards, report orders); owner and admin may do all of that too.
pub const STAFF: &[Role] = EVERYONE.split_at(6).0;

/// 003: the till (cashier, ops, admin, owner): taking money for stored value and giving
/// gifts for points happen there, not online.
pub const TILL: &[Role] = &[Role::Cashier, Role::Ops, Role::Admin, Role::Owner];

/// Every role: operations any verified caller may attempt (their rules then decide, e.g. a
/// customer only for themselves). The staff first (`STAFF` is all but the last).
pub const EVERYONE: &[Role] = &[
    Role::Owner,
    Role::Admin,
    Role::Ops,
    Role::Service,
    Role::Guide,
    Role::Cashier,
    Role::Customer,
];

/// The verified caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub shop: ShopId,
    pub sub: ActorId,
    pub role: Role,
}

impl Principal {
    pub fn require(&self, allowed: &[Role]) -> Result<(), ApiError> {
        if allowed.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "role {} may not do this",
                self.role.as_str()
            )))
        }
    }

    /// Customers act only on themselves; staff on any member of their shop.
    pub fn may_access(&self, member: &MemberId) -> Result<(), ApiError> {
        if self.role.is_staff() || self.sub.as_str() == member.as_str() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(
                "a customer may only act on their own member id".into(),
            ))
        }
    }

    /// The member an operation is for: a customer acts for themselves (naming anyone else
    /// is 403); staff name the member (in the body), which is then required.
    pub fn member_for(&self, named: Option<&str>) -> Result<MemberId, ApiError> {
        if self.role == Role::Customer {
            let me = MemberId::parse(self.sub.as_str())?;
            if named.is_some_and(|m| m != me.as_str()) {
                return Err(ApiError::Forbidden(
                    "a customer may only act on their own member id".into(),
                ));
            }
            return Ok(me);
        }
        self.require(STAFF)?;
        let named = named.ok_or_else(|| ApiError::Invalid("member_id is required".into()))?;
        Ok(MemberId::parse(named)?)
    }

    /// This caller acting for `member` (see `member_for`).
    pub fn acting(&self, member: MemberId) -> crate::Acting {
        crate::Acting {
            shop: self.shop.clone(),
            member,
            actor: self.actor(),
        }
    }

    /// How ledger entries name who did something.
    pub fn actor(&self) -> String {
        format!("{}:{}", self.role.as_str(), self.sub)
    }
}

#[derive(Debug, Deserialize)]
struct Claims {
    shop: String,
    sub: String,
    role: String,
}

enum Keys {
    Secret(DecodingKey),
    Jwks(JwkSet),
}

pub struct Authenticator {
    keys: Keys,
    validation: Validation,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Authenticator")
    }
}

impl Authenticator {
    /// HS256 with `secret`; an empty key is refused (anyone could sign with it).
    pub fn hs256(secret: &[u8]) -> Result<Self, String> {
        if secret.is_empty() {
            return Err("an empty HS256 secret would accept tokens anyone can sign".into());
        }
        Ok(Self {
            keys: Keys::Secret(DecodingKey::from_secret(secret)),
            validation: Self::validation(Algorithm::HS256),
        })
    }

    pub fn jwks(set: JwkSet) -> Self {
        Self {
            keys: Keys::Jwks(set),
            validation: Self::validation(Algorithm::RS256),
        }
    }

    fn validation(alg: Algorithm) -> Validation {
        let mut v = Validation::new(alg);
        v.set_required_spec_claims(&["exp", "sub"]);
        v.leeway = 30;
        // A token not valid yet is refused as an expired one is (security review, issue 31).
        v.validate_nbf = true;
        if let Ok(iss) = std::env::var("LOYALTY_JWT_ISSUER") {
            v.set_issuer(&[iss]);
        }
        match std::env::var("LOYALTY_JWT_AUDIENCE") {
            Ok(aud) => v.set_audience(&[aud]),
            Err(_) => v.validate_aud = false,
        }
        v
    }

    /// `LOYALTY_JWKS` (a JWK set as JSON) wins over `LOYALTY_JWT_SECRET`; `LOYALTY_LOCAL=1`
    /// marks the local stack.
    pub fn from_env() -> Result<Self, String> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        Self::from_config(
            var("LOYALTY_JWKS").as_deref(),
            var("LOYALTY_JWT_SECRET").as_deref(),
            crate::local_stack(),
        )
    }

    /// The policy of `from_env`, over values instead of the environment (empty counts as
    /// unset). Every refusal names the variable to set.
    pub fn from_config(
        jwks: Option<&str>,
        secret: Option<&str>,
        local: bool,
    ) -> Result<Self, String> {
        if let Some(jwks) = jwks.filter(|j| !j.is_empty()) {
            let set: JwkSet =
                serde_json::from_str(jwks).map_err(|e| format!("LOYALTY_JWKS: {e}"))?;
            if set.keys.is_empty() {
                return Err("LOYALTY_JWKS: the JWK set has no keys".into());
            }
            return Ok(Self::jwks(set));
        }
        match secret.filter(|s| !s.is_empty()) {
            Some(s) if local || s.len() >= MIN_SECRET_BYTES => Self::hs256(s.as_bytes()),
            Some(_) => Err(format!(
                "LOYALTY_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes (or set LOYALTY_JWKS)"
            )),
            None if local => Self::hs256(DEFAULT_LOCAL_SECRET.as_bytes()),
            None => Err(format!(
                "LOYALTY_JWT_SECRET (at least {MIN_SECRET_BYTES} bytes) or LOYALTY_JWKS must be \
                 set: without them no token can be verified (LOYALTY_LOCAL=1 is for the local \
                 stack only)"
            )),
        }
    }

    pub fn authenticate(&self, req: &Request) -> Result<Principal, ApiError> {
        let header = req
            .headers()
            .get(AUTHORIZATION)
            .ok_or_else(|| ApiError::Unauthorized("missing Authorization header".into()))?
            .to_str()
            .map_err(|_| ApiError::Unauthorized("unreadable Authorization header".into()))?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(|| ApiError::Unauthorized("expected a Bearer token".into()))?
            .trim();
        self.verify(token)
    }

    pub fn verify(&self, token: &str) -> Result<Principal, ApiError> {
        let bad = |e: jsonwebtoken::errors::Error| ApiError::Unauthorized(format!("token: {e}"));
        let claims = match &self.keys {
            Keys::Secret(key) => decode::<Claims>(token, key, &self.validation).map_err(bad)?,
            Keys::Jwks(set) => {
                let kid = decode_header(token)
                    .map_err(bad)?
                    .kid
                    .ok_or_else(|| ApiError::Unauthorized("token has no kid".into()))?;
                let jwk = set
                    .find(&kid)
                    .ok_or_else(|| ApiError::Unauthorized("unknown signing key".into()))?;
                let key = DecodingKey::from_jwk(jwk).map_err(bad)?;
                decode::<Claims>(token, &key, &self.validation).map_err(bad)?
            }
        }
        .claims;
        let shop = ShopId::parse(&claims.shop)
            .map_err(|_| ApiError::Unauthorized("token has no valid shop".into()))?;
        let sub = ActorId::parse(&claims.sub)
            .map_err(|_| ApiError::Unauthorized("token has no valid sub".into()))?;
        let role = Role::parse(&claims.role)
            .ok_or_else(|| ApiError::Forbidden(format!("unknown role {:?}", claims.role)))?;
        Ok(Principal { shop, sub, role })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};

    fn token(secret: &[u8]) -> String {
        let exp = domain::chrono::Utc::now().timestamp() + 600;
        let claims = serde_json::json!({"shop": "any", "sub": "x", "role": "owner", "exp": exp});
        encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    }

    const LONG: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn outside_the_local_stack_no_secret_an_empty_or_a_short_one_refuses_to_start() {
        for secret in [None, Some(""), Some("local-dev-secret"), Some(&LONG[..31])] {
            let err = Authenticator::from_config(None, secret, false).unwrap_err();
            assert!(err.contains("LOYALTY_JWT_SECRET"), "{secret:?}: {err}");
        }
        assert!(Authenticator::from_config(Some(""), None, false).is_err());
        let err = Authenticator::from_config(Some(r#"{"keys":[]}"#), None, false).unwrap_err();
        assert!(err.contains("LOYALTY_JWKS"), "{err}");
    }

    #[test]
    fn a_token_signed_with_an_empty_key_is_never_accepted() {
        assert!(Authenticator::hs256(b"").is_err());
        let forged = token(b"");
        for local in [false, true] {
            for secret in [None, Some(""), Some(LONG)] {
                if let Ok(auth) = Authenticator::from_config(None, secret, local) {
                    assert!(auth.verify(&forged).is_err(), "{secret:?} local={local}");
                }
            }
        }
    }

    /// Security review (issue 31): `nbf` was not checked; a token not valid for an hour yet
    /// was accepted.
    #[test]
    fn a_token_not_valid_yet_is_refused() {
        let auth = Authenticator::hs256(LONG.as_bytes()).unwrap();
        // jsonwebtoken compares with the machine's clock, so the token is made from it too.
        let now = domain::chrono::Utc::now().timestamp();
        let with_nbf = |nbf: i64| {
            let claims = serde_json::json!(
                {"shop": "any", "sub": "x", "role": "owner", "exp": now + 7200, "nbf": nbf});
            encode(
                &Header::default(),
                &claims,
                &EncodingKey::from_secret(LONG.as_bytes()),
            )
            .unwrap()
        };
        let refused = auth.verify(&with_nbf(now + 3600)).unwrap_err();
        assert!(matches!(refused, ApiError::Unauthorized(_)), "{refused:?}");
        assert!(auth.verify(&with_nbf(now - 60)).is_ok());
    }

    #[test]
    fn the_public_default_secret_works_only_on_the_local_stack() {
        let public = token(DEFAULT_LOCAL_SECRET.as_bytes());
        let local = Authenticator::from_config(None, None, true).unwrap();
        assert_eq!(local.verify(&public).unwrap().role, Role::Owner);
        let deployed = Authenticator::from_config(None, Some(LONG), false).unwrap();
        assert!(deployed.verify(&public).is_err());
        assert!(deployed.verify(&token(LONG.as_bytes())).is_ok());
    }
}
