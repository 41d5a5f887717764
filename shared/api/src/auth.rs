//! Bearer JWTs, verified by the function itself, the same way locally and in AWS: HS256 with
//! `LOYALTY_JWT_SECRET`, or RS256 against a JWK set in `LOYALTY_JWKS` (the identity
//! provider's keys) when that is configured.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use lambda_http::http::header::AUTHORIZATION;
use lambda_http::Request;
use serde::Deserialize;

use domain::{ActorId, MemberId, ShopId};

use crate::error::ApiError;

pub const DEFAULT_LOCAL_SECRET: &str = "local-dev-secret";

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
pub const STAFF: &[Role] = &[
    Role::Owner,
    Role::Admin,
    Role::Ops,
    Role::Service,
    Role::Guide,
    Role::Cashier,
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
    pub fn hs256(secret: &[u8]) -> Self {
        Self {
            keys: Keys::Secret(DecodingKey::from_secret(secret)),
            validation: Self::validation(Algorithm::HS256),
        }
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
        if let Ok(iss) = std::env::var("LOYALTY_JWT_ISSUER") {
            v.set_issuer(&[iss]);
        }
        match std::env::var("LOYALTY_JWT_AUDIENCE") {
            Ok(aud) => v.set_audience(&[aud]),
            Err(_) => v.validate_aud = false,
        }
        v
    }

    /// `LOYALTY_JWKS` (a JWK set as JSON) wins over `LOYALTY_JWT_SECRET`.
    pub fn from_env() -> Result<Self, String> {
        if let Ok(jwks) = std::env::var("LOYALTY_JWKS") {
            let set: JwkSet =
                serde_json::from_str(&jwks).map_err(|e| format!("LOYALTY_JWKS: {e}"))?;
            return Ok(Self::jwks(set));
        }
        let secret =
            std::env::var("LOYALTY_JWT_SECRET").unwrap_or_else(|_| DEFAULT_LOCAL_SECRET.to_owned());
        Ok(Self::hs256(secret.as_bytes()))
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
