//! Unit tests of the console's answers: paths, validators, compression, headers. Apart so
//! the handler reads on one screen.

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
