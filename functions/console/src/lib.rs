//! GET /console/{proxy+}: the merchant console and the till (API 1.2 "Console"), static
//! files compiled into this bootstrap from `console/` at the repository root. Same origin as
//! the API, so the console needs no CORS; every answer carries the security headers of the
//! contract, an `ETag` (SHA-256 of the file) and `Cache-Control: no-cache` (module URLs are
//! not versioned, so a browser revalidates each file instead of mixing two deploys).

use base64::Engine;
use lambda_http::http::{header, HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};

mod config;
use config::{config, oidc, origin_of};

mod files;
use files::{servable, serve};

#[derive(RustEmbed)]
#[folder = "../../console/"]
struct Files;

/// Where the console lives on the API.
pub const PREFIX: &str = "/console";

pub fn handler(req: &Request) -> Response<Body> {
    let path = req.uri().path();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return not_found();
    };
    // `/console` and `/console/` are the app itself; the router sends both here.
    let name = match rest.trim_start_matches('/') {
        "" => "index.html",
        other => other,
    };
    if name == "config.json" {
        return config(req);
    }
    if rest.is_empty() {
        // Relative module URLs resolve against the directory: `/console` must become `/console/`.
        return with_security(
            Response::builder()
                .status(StatusCode::MOVED_PERMANENTLY)
                .header(header::LOCATION, "/console/"),
        )
        .body(Body::Empty)
        .unwrap_or_default();
    }
    let Some(file) = Files::get(name).filter(|_| servable(name)) else {
        return not_found();
    };
    serve(req, name, file)
}

/// The Content-Security-Policy of every console answer. Scripts only from this origin plus
/// the one inline script the page has, the import map, by its hash: no `'unsafe-inline'`,
/// no `'unsafe-eval'` (htm builds elements without eval). Images may be `blob:` (the QR code
/// is fetched with the token, then shown) and `data:` (pico's inline icons).
pub fn content_security_policy() -> String {
    let hashes: String = inline_scripts()
        .iter()
        .map(|s| format!(" 'sha256-{}'", base64_sha256(s)))
        .collect();
    // The sign-in provider's discovery and token endpoints are fetched from the page.
    let provider = oidc()
        .map(|o| format!(" {}", origin_of(&o.issuer)))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'{hashes}; style-src 'self'; \
         img-src 'self' blob: data:; font-src 'self'; connect-src 'self'{provider}; \
         manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
}

fn base64_sha256(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// The bodies of index.html's inline scripts (the import map), exactly as the browser hashes
/// them: the text between `>` and `</script>`.
fn inline_scripts() -> Vec<String> {
    let Some(page) = Files::get("index.html") else {
        return Vec::new();
    };
    let page = String::from_utf8_lossy(&page.data).into_owned();
    let mut found = Vec::new();
    let mut rest = page.as_str();
    while let Some(start) = rest.find("<script") {
        let tag_end = match rest[start..].find('>') {
            Some(i) => start + i + 1,
            None => break,
        };
        let Some(close) = rest[tag_end..].find("</script>") else {
            break;
        };
        let tag = &rest[start..tag_end];
        if !tag.contains("src=") {
            found.push(rest[tag_end..tag_end + close].to_owned());
        }
        rest = &rest[tag_end + close..];
    }
    found
}

fn with_security(
    builder: lambda_http::http::response::Builder,
) -> lambda_http::http::response::Builder {
    builder
        .header(
            "content-security-policy",
            HeaderValue::from_str(&content_security_policy())
                .unwrap_or(HeaderValue::from_static("default-src 'none'")),
        )
        .header("x-content-type-options", "nosniff")
        .header("referrer-policy", "no-referrer")
        .header("cross-origin-opener-policy", "same-origin")
}

fn not_found() -> Response<Body> {
    let body = serde_json::json!({
        "type": "https://loyalty.example/problems/not_found",
        "title": "Not Found",
        "status": 404,
        "detail": "no such console file",
        "code": "not_found",
    });
    with_security(Response::builder())
        .status(StatusCode::NOT_FOUND)
        .header(header::CONTENT_TYPE, "application/problem+json")
        .body(Body::Text(body.to_string()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
