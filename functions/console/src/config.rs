//! `config.json` and the OpenID Connect provider it names: the deployment's side of the
//! console, apart from the files it serves.

use super::files::still_fresh;
use super::with_security;
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};

/// The shop's OpenID Connect provider, when the deployment names one (template parameters
/// `OidcIssuer`, `OidcClientId`): the console then offers "Sign in with ..." (authorization
/// code + PKCE). Read from the environment at each call: it is a handful of variables.
pub(crate) struct Oidc {
    pub(crate) issuer: String,
    pub(crate) client_id: String,
    pub(crate) name: String,
    pub(crate) scope: String,
}

pub(crate) fn oidc() -> Option<Oidc> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let issuer = var("LOYALTY_OIDC_ISSUER")?;
    // Only an issuer this page may talk to: https, or http on the local stack.
    let allowed = issuer.starts_with("https://")
        || (std::env::var("LOYALTY_LOCAL").as_deref() == Ok("1") && issuer.starts_with("http://"));
    if !allowed || issuer.contains(|c: char| c.is_whitespace() || c == ';' || c == '\'') {
        return None;
    }
    Some(Oidc {
        issuer: issuer.trim_end_matches('/').to_owned(),
        client_id: var("LOYALTY_OIDC_CLIENT_ID")?,
        name: var("LOYALTY_OIDC_NAME").unwrap_or_else(|| "single sign-on".into()),
        scope: var("LOYALTY_OIDC_SCOPE").unwrap_or_else(|| "openid".into()),
    })
}

/// The issuer's origin (scheme, host, port): what the page's `connect-src` must allow for
/// discovery and the token exchange.
pub(crate) fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// `config.json`: what the console needs to know of its deployment.
pub(crate) fn config(req: &Request) -> Response<Body> {
    let body = serde_json::json!({
        "oidc": oidc().map(|o| serde_json::json!({
            "issuer": o.issuer, "client_id": o.client_id, "name": o.name, "scope": o.scope,
        })),
    })
    .to_string();
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(body.as_bytes())));
    let fresh = still_fresh(req, &etag);
    with_security(Response::builder())
        .status(if fresh {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "no-cache")
        .body(if fresh { Body::Empty } else { Body::Text(body) })
        .unwrap_or_default()
}
