//! What every response says to the browser about safety, and the refusal
//! of cross-site posts to the dashboard.
//!
//! Pages get a Content-Security-Policy with a fresh nonce per request
//! (Leptos puts it on the hydration scripts it writes; see [`page_policy`]);
//! every other response gets a policy that allows nothing. Nothing may be
//! framed: the widget lives in a shadow root on the customer's page, not in
//! a frame.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy of everything that is not a page (JSON, files, scripts).
const NOTHING_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The Content-Security-Policy of a page whose inline scripts carry
/// `nonce`. `widget_origin` is where the widget script is served from when
/// it is not this site (a configured public URL), for the dashboard's
/// preview.
pub fn page_policy(nonce: &str, widget_origin: Option<&str>) -> String {
    let extra = widget_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'{extra}; \
         style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; \
         font-src 'self'; \
         connect-src 'self'{extra}; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Headers every response carries (a page's own policy is kept).
pub async fn security_headers(request: Request<Body>, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let defaults: [(HeaderName, &'static str); 4] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "strict-origin-when-cross-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, NOTHING_POLICY),
    ];
    for (name, value) in defaults {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// True when a request comes from a page of another site: its `Origin`
/// names another host than the one it was sent to, or the browser says so
/// (`Sec-Fetch-Site: cross-site`).
pub fn is_cross_site(headers: &HeaderMap) -> bool {
    let text = |name| {
        headers
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if text(HeaderName::from_static("sec-fetch-site")) == Some("cross-site") {
        return true;
    }
    match (text(header::ORIGIN), text(header::HOST)) {
        (Some(origin), Some(host)) => origin.split("://").nth(1) != Some(host),
        _ => false,
    }
}

/// Refuses posts to server functions and the dashboard's forms from other
/// sites (a second line behind `SameSite` cookies). The JSON API (keys, not
/// cookies) and the widget (its own origin checks) are not concerned.
pub async fn refuse_cross_site(request: Request<Body>, next: Next) -> Response {
    let path = request.uri().path();
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let exempt = path.starts_with("/api/") || path.starts_with("/widget/");
    if writes && !exempt && is_cross_site(request.headers()) {
        return (StatusCode::FORBIDDEN, "Cross-site requests are refused.").into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (HeaderName::from_static(k), HeaderValue::from_static(v)))
            .collect()
    }

    #[test]
    fn another_sites_posts_are_cross_site() {
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "chat.example.com")
        ])));
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "https://chat.example.com"),
            ("host", "chat.example.com")
        ])));
        assert!(!is_cross_site(&headers(&[("host", "chat.example.com")])));
    }

    #[test]
    fn the_page_policy_allows_only_its_nonce_and_its_own_files() {
        let policy = page_policy("abc123", None);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"));
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(!policy.contains("unsafe-eval'") || policy.contains("wasm-unsafe-eval"));
        let with_widget = page_policy("n", Some("https://cdn.example.com"));
        assert!(with_widget.contains("connect-src 'self' https://cdn.example.com;"));
    }
}
