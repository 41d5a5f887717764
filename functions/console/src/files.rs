//! Serving one embedded file: its validator (`ETag`, 304), its gzip form and its content
//! type. Apart from the handler, which only decides which file (or none) answers.

use super::with_security;
use lambda_http::http::{header, StatusCode};
use lambda_http::{Body, Request, Response};

/// One file of the console, with its validator: 304 when the browser's copy is current,
/// gzip for text a browser accepts compressed.
pub(crate) fn serve(req: &Request, name: &str, file: rust_embed::EmbeddedFile) -> Response<Body> {
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
pub(crate) fn still_fresh(req: &Request, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

pub(crate) fn accepts_gzip(req: &Request) -> bool {
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
pub(crate) fn gzipped(hash: [u8; 32], data: &[u8]) -> Vec<u8> {
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

/// Only what a browser loads: no dotfiles, no parent paths (rust-embed never resolves `..`,
/// but the answer should not depend on that).
pub(crate) fn servable(name: &str) -> bool {
    !name
        .split('/')
        .any(|seg| seg.is_empty() || seg.starts_with('.'))
}

pub(crate) fn content_type(name: &str) -> &'static str {
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

pub(crate) fn is_text(name: &str) -> bool {
    content_type(name).starts_with("text/")
        || matches!(content_type(name), "application/json" | "image/svg+xml")
}
