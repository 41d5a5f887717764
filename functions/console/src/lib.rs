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

/// One file of the console, with its validator: 304 when the browser's copy is current,
/// gzip for text a browser accepts compressed.
fn serve(req: &Request, name: &str, file: rust_embed::EmbeddedFile) -> Response<Body> {
    let hash = file.metadata.sha256_hash();
    // Text compresses to a fifth or less (pico.css 83 KB -> ~12 KB); every browser accepts
    // gzip. The compressed form is another representation, so it has its own validator.
    let gzip = is_text(name) && file.data.len() > 1024 && accepts_gzip(req);
    let etag = format!(
        "\"{}{}\"",
        hex::encode(hash),
        if gzip { "-gzip" } else { "" }
    );
    let fresh = still_fresh(req, &etag);
    let mut builder = with_security(Response::builder())
        .header(header::ETAG, &etag)
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding");
    if fresh {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::Empty)
            .unwrap_or_default();
    }
    if gzip {
        builder = builder.header(header::CONTENT_ENCODING, "gzip");
        return builder
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, content_type(name))
            .body(Body::Binary(gzipped(hash, &file.data)))
            .unwrap_or_default();
    }
    let data = file.data.into_owned();
    let body = if is_text(name) {
        match String::from_utf8(data) {
            Ok(text) => Body::Text(text),
            Err(e) => Body::Binary(e.into_bytes()),
        }
    } else {
        Body::Binary(data)
    };
    builder
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, content_type(name))
        .body(body)
        .unwrap_or_default()
}

/// The browser's copy (`If-None-Match`) is the one `etag` names: answer 304.
fn still_fresh(req: &Request, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

fn accepts_gzip(req: &Request) -> bool {
    req.headers()
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            // `gzip;q=0` refuses it.
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            name.eq_ignore_ascii_case("gzip") && !refused
        })
}

/// A file's gzip form, compressed once per content (keyed by its hash) for the life of the
/// instance.
fn gzipped(hash: [u8; 32], data: &[u8]) -> Vec<u8> {
    use std::collections::HashMap;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Vec<u8>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(done) = cache.lock().ok().and_then(|c| c.get(&hash).cloned()) {
        return done;
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let compressed = encoder
        .write_all(data)
        .and_then(|()| encoder.finish())
        .unwrap_or_default();
    if let Ok(mut c) = cache.lock() {
        c.insert(hash, compressed.clone());
    }
    compressed
}

/// The shop's OpenID Connect provider, when the deployment names one (template parameters
/// `OidcIssuer`, `OidcClientId`): the console then offers "Sign in with ..." (authorization
/// code + PKCE). Read from the environment at each call: it is a handful of variables.
struct Oidc {
    issuer: String,
    client_id: String,
    name: String,
    scope: String,
}

fn oidc() -> Option<Oidc> {
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
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| after_scheme + i);
    &url[..end]
}

/// `config.json`: what the console needs to know of its deployment.
fn config(req: &Request) -> Response<Body> {
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

/// Only what a browser loads: no dotfiles, no parent paths (rust-embed never resolves `..`,
/// but the answer should not depend on that).
fn servable(name: &str) -> bool {
    !name
        .split('/')
        .any(|seg| seg.is_empty() || seg.starts_with('.'))
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn is_text(name: &str) -> bool {
    content_type(name).starts_with("text/")
        || matches!(content_type(name), "application/json" | "image/svg+xml")
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
mod tests {
    use super::*;

    fn get(path: &str, etag: Option<&str>) -> Response<Body> {
        let mut req = lambda_http::http::Request::builder().uri(path);
        if let Some(tag) = etag {
            req = req.header(header::IF_NONE_MATCH, tag);
        }
        handler(&req.body(Body::Empty).unwrap())
    }

    fn header_of<'a>(res: &'a Response<Body>, name: &str) -> &'a str {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    #[test]
    fn the_provider_origin_is_its_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://id.shop.example/realms/x"),
            "https://id.shop.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:9320"), "http://127.0.0.1:9320");
    }

    #[test]
    fn without_a_provider_the_config_names_none() {
        // The test process has no LOYALTY_OIDC_ISSUER.
        let res = get("/console/config.json", None);
        assert_eq!(res.status(), 200);
        let Body::Text(text) = res.body() else {
            panic!("JSON")
        };
        assert_eq!(text, r#"{"oidc":null}"#);
        assert!(header_of(&res, "content-security-policy").contains("connect-src 'self';"));
    }

    #[test]
    fn base64_matches_the_browser_csp_hash() {
        // `echo -n 'alert(1)' | openssl dgst -sha256 -binary | base64`
        assert_eq!(
            base64_sha256("alert(1)"),
            "bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI="
        );
    }

    /// API 1.2: every console answer carries the contract's security headers, and the
    /// policy allows the page's one inline script (the import map) by its hash only.
    #[test]
    fn the_app_is_served_with_its_policy_and_a_validator() {
        let res = get("/console/", None);
        assert_eq!(res.status(), 200);
        assert_eq!(header_of(&res, "content-type"), "text/html; charset=utf-8");
        let csp = header_of(&res, "content-security-policy");
        let scripts = inline_scripts();
        assert_eq!(scripts.len(), 1, "one inline script: the import map");
        assert!(scripts[0].contains("\"imports\""), "{}", scripts[0]);
        assert!(
            csp.contains(&format!(
                "script-src 'self' 'sha256-{}'",
                base64_sha256(&scripts[0])
            )),
            "{csp}"
        );
        for needed in [
            "connect-src 'self'",
            "frame-ancestors 'none'",
            "default-src 'none'",
        ] {
            assert!(csp.contains(needed), "{csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
            "{csp}"
        );
        assert_eq!(header_of(&res, "x-content-type-options"), "nosniff");
        assert_eq!(header_of(&res, "referrer-policy"), "no-referrer");
        assert_eq!(header_of(&res, "cache-control"), "no-cache");
        let etag = header_of(&res, "etag").to_owned();
        assert!(etag.starts_with('"') && etag.len() == 66, "{etag}");

        // A browser revalidating the same file gets 304 with no body.
        let again = get("/console/index.html", Some(&etag));
        assert_eq!(again.status(), 304);
        assert_eq!(header_of(&again, "etag"), etag);
        assert!(!header_of(&again, "content-security-policy").is_empty());
        assert_eq!(get("/console/", Some("\"other\"")).status(), 200);
    }

    /// The sample event for `cargo lambda invoke console` is one API Gateway really sends.
    #[test]
    fn the_sample_event_is_answered() {
        let text = include_str!("../events/get-main-js.json");
        let req = lambda_http::request::from_str(text).unwrap();
        let res = handler(&req);
        assert_eq!(res.status(), 200);
        assert_eq!(header_of(&res, "content-encoding"), "gzip");
    }

    #[test]
    fn browsers_get_text_gzipped_under_its_own_validator() {
        use std::io::Read;
        let req = |coding: &str, etag: Option<&str>| {
            let mut r = lambda_http::http::Request::builder()
                .uri("/console/vendor/pico.min.css")
                .header(header::ACCEPT_ENCODING, coding);
            if let Some(tag) = etag {
                r = r.header(header::IF_NONE_MATCH, tag);
            }
            handler(&r.body(Body::Empty).unwrap())
        };
        let plain = get("/console/vendor/pico.min.css", None);
        let zipped = req("gzip, deflate, br, zstd", None);
        assert_eq!(header_of(&zipped, "content-encoding"), "gzip");
        assert_eq!(header_of(&zipped, "vary"), "accept-encoding");
        let tag = header_of(&zipped, "etag").to_owned();
        assert_ne!(tag, header_of(&plain, "etag"));
        let (Body::Binary(z), Body::Text(p)) = (zipped.body(), plain.body()) else {
            panic!("gzip is binary, the plain file text");
        };
        assert!(z.len() * 4 < p.len(), "{} vs {}", z.len(), p.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&z[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(&back, p);
        assert_eq!(req("gzip", Some(&tag)).status(), 304);
        assert_eq!(
            header_of(&req("gzip;q=0, br", None), "content-encoding"),
            ""
        );
    }

    #[test]
    fn modules_and_styles_have_their_types_and_the_rest_is_not_found() {
        for (path, kind) in [
            ("/console/src/main.js", "text/javascript; charset=utf-8"),
            (
                "/console/vendor/preact.module.js",
                "text/javascript; charset=utf-8",
            ),
            ("/console/vendor/pico.min.css", "text/css; charset=utf-8"),
            ("/console/icon.svg", "image/svg+xml"),
        ] {
            let res = get(path, None);
            assert_eq!(res.status(), 200, "{path}");
            assert_eq!(header_of(&res, "content-type"), kind, "{path}");
            assert_eq!(header_of(&res, "x-content-type-options"), "nosniff");
        }
        for path in [
            "/console/nope.js",
            "/console/src/../index.html",
            "/console/src//main.js",
            "/console/.hidden",
            "/elsewhere/index.html",
        ] {
            let res = get(path, None);
            assert_eq!(res.status(), 404, "{path}");
            assert_eq!(header_of(&res, "content-type"), "application/problem+json");
            assert!(!header_of(&res, "content-security-policy").is_empty());
        }
        let res = get("/console", None);
        assert_eq!(res.status(), 301);
        assert_eq!(header_of(&res, "location"), "/console/");
    }
}
