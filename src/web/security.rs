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

/// The largest body of any request that is not an upload.
pub const SMALL_BODY_BYTES: usize = 1024 * 1024;

/// Whether a request (path already without its trailing slash) may carry
/// files: only these take bodies up to `--max-body-mb`.
fn is_upload(method: &Method, path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        (method, segments.as_slice()),
        (&Method::POST, ["api", "v1", "assistants"])
            | (
                &Method::PUT | &Method::PATCH,
                ["api", "v1", "assistants", _]
            )
            | (&Method::POST, ["api", "v1", "assistants", _, "documents"])
            | (&Method::POST, ["assistants", _, "documents"])
    )
}

/// Limits every request body to [`SMALL_BODY_BYTES`], except uploads,
/// which take up to `--max-body-mb` and only from a caller already known:
/// an unauthenticated upload is refused before its body is read. Runs
/// inside the session layer.
pub async fn limit_bodies(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    request: Request<Body>,
    next: Next,
) -> Response {
    use axum::extract::FromRequestParts;
    if !is_upload(request.method(), request.uri().path()) {
        return limited(request, next, SMALL_BODY_BYTES).await;
    }
    let (mut parts, body) = request.into_parts();
    if parts.uri.path().starts_with("/api/") {
        if let Err(refusal) =
            crate::web::auth::ApiAuth::from_request_parts(&mut parts, &state).await
        {
            return refusal.into_response();
        }
    } else {
        let signed_in = crate::auth::AuthSession::from_request_parts(&mut parts, &state)
            .await
            .is_ok_and(|auth| auth.user.is_some());
        if !signed_in {
            // Back to the assistant's page once logged in.
            let page = parts.uri.path().trim_end_matches("/documents");
            return axum::response::Redirect::to(&crate::functions::login_url(page))
                .into_response();
        }
    }
    let limit = state.config.max_body_bytes();
    limited(Request::from_parts(parts, body), next, limit).await
}

/// Runs the rest with the body cut at `limit` bytes: 413 at once when its
/// declared length is over, or as soon as the reader goes past it (axum's
/// extractors answer 413 for the limit's error).
async fn limited(request: Request<Body>, next: Next, limit: usize) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return (StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.").into_response();
    }
    let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
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

    #[test]
    fn only_the_upload_routes_take_large_bodies() {
        assert!(is_upload(&Method::POST, "/api/v1/assistants"));
        assert!(is_upload(&Method::PATCH, "/api/v1/assistants/7"));
        assert!(is_upload(&Method::PUT, "/api/v1/assistants/7"));
        assert!(is_upload(&Method::POST, "/api/v1/assistants/7/documents"));
        assert!(is_upload(&Method::POST, "/assistants/7/documents"));
        assert!(!is_upload(&Method::GET, "/api/v1/assistants"));
        assert!(!is_upload(&Method::POST, "/api/v1/users"));
        assert!(!is_upload(&Method::POST, "/fn/create_assistant"));
        assert!(!is_upload(&Method::POST, "/widget/v1/k/messages"));
        assert!(!is_upload(&Method::PUT, "/api/v1/chat/3"));
        assert!(!is_upload(
            &Method::POST,
            "/api/v1/assistants/7/documents/extra"
        ));
    }
}
