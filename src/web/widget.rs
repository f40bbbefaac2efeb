//! The widget's HTTP side: `/embed.js`, and under `/widget/v1/{key}/` a
//! session for the visitor and the questions they ask (streamed). Every
//! request is checked against the widget's allowed origins; only allowed
//! origins get CORS headers, so no other site's pages can read an answer.

use std::sync::OnceLock;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use crate::chat::Answered;
use crate::db::assistants::AssistantRow;
use crate::db::chats::{ChatRow, MessageRow};
use crate::db::widgets::{Visitor as VisitorRow, WidgetQuestion, WidgetRow};
use crate::error::ApiError;
use crate::model::{Rating, Source};
use crate::state::AppState;
use crate::web::input::{ClientIp, Input};
use crate::widget::{Claims, LimitKind, LimitReached, TokenError, TokenKind};

/// The script a site includes.
const EMBED_JS: &str = include_str!("embed.js");
/// Earlier exchanges shown to a returning visitor (the latest ones).
const HISTORY_SHOWN: i64 = 50;

/// `/widget/v1`: the visitor's endpoints, keyed by the widget's public key.
pub fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/{key}/session", post(open_session).options(preflight))
        .route("/{key}/messages", post(ask).options(preflight))
        .route(
            "/{key}/messages/{message_id}/feedback",
            post(rate).options(preflight_feedback),
        )
        .fallback(|| async { WidgetError::NotAvailable.into_response() })
}

/// Why a widget request was refused; answered as `{"detail", "code"}`.
#[derive(Debug, thiserror::Error)]
pub enum WidgetError {
    #[error("Requests to this chat must come from a web page (no Origin header).")]
    OriginRequired,
    #[error("This site is not allowed to use this chat.")]
    OriginNotAllowed,
    #[error("This chat is not available.")]
    NotAvailable,
    #[error("This chat does not take feedback.")]
    FeedbackOff,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("{}", .0.message())]
    Limit(LimitReached),
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<sqlx::Error> for WidgetError {
    fn from(error: sqlx::Error) -> Self {
        Self::Api(error.into())
    }
}

impl IntoResponse for WidgetError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            Self::OriginRequired => (StatusCode::FORBIDDEN, "origin_required"),
            Self::OriginNotAllowed => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            Self::FeedbackOff => (StatusCode::FORBIDDEN, "feedback_off"),
            Self::NotAvailable => {
                // Readable by any page, so the script can say why it shows
                // nothing; it tells no more than that the key is not usable.
                let body = json!({ "detail": self.to_string(), "code": "not_available" });
                let mut response = (StatusCode::NOT_FOUND, Json(body)).into_response();
                response.headers_mut().insert(
                    header::ACCESS_CONTROL_ALLOW_ORIGIN,
                    HeaderValue::from_static("*"),
                );
                return response;
            }
            Self::Token(TokenError::Expired) => (StatusCode::UNAUTHORIZED, "token_expired"),
            Self::Token(TokenError::Invalid) => (StatusCode::UNAUTHORIZED, "token_invalid"),
            Self::Limit(reached) => {
                let body = json!({
                    "detail": reached.message(),
                    "code": reached.kind.code(),
                    "retry_after": reached.retry_after_secs,
                });
                let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
                response.headers_mut().insert(
                    header::RETRY_AFTER,
                    HeaderValue::from(reached.retry_after_secs),
                );
                return response;
            }
            Self::Api(_) => {
                let Self::Api(error) = self else {
                    unreachable!()
                };
                return error.into_response();
            }
        };
        (
            status,
            Json(json!({ "detail": self.to_string(), "code": code })),
        )
            .into_response()
    }
}

/// The request's `Origin`, canonical; `None` when absent or not a web origin.
fn request_origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .and_then(crate::widget::normalize_origin)
}

/// A request that passed the origin check: the widget, its assistant, and
/// the origin to answer with CORS headers (none for a same-site preview).
struct Admitted {
    widget: WidgetRow,
    assistant: AssistantRow,
    origin: String,
    cors: bool,
}

/// Adds the CORS headers that let `origin` read the response.
fn with_cors(mut response: Response, origin: &str) -> Response {
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("retry-after"),
        );
    }
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// Answers an outcome, with CORS headers when the origin was admitted.
fn finish(result: Result<Response, WidgetError>, cors_origin: Option<&str>) -> Response {
    let response = result.unwrap_or_else(IntoResponse::into_response);
    match cors_origin {
        Some(origin) => with_cors(response, origin),
        None => response,
    }
}

/// The widget with this key and its assistant, or `NotAvailable`.
async fn widget_and_assistant(
    state: &AppState,
    key: &str,
) -> Result<(WidgetRow, AssistantRow), WidgetError> {
    let widget = state
        .db
        .widget_by_key(key)
        .await?
        .ok_or(WidgetError::NotAvailable)?;
    let assistant = state
        .db
        .assistant_by_id(widget.assistant_id)
        .await?
        .ok_or(WidgetError::NotAvailable)?;
    Ok((widget, assistant))
}

/// Checks a visitor's origin against the widget: on, and the origin listed.
fn admit_visitor(widget: &WidgetRow, origin: &str) -> Result<(), WidgetError> {
    if !widget.enabled {
        return Err(WidgetError::NotAvailable);
    }
    if !crate::widget::is_allowed(&widget.origins(), origin) {
        return Err(WidgetError::OriginNotAllowed);
    }
    Ok(())
}

/// `OPTIONS` of a feedback address: as [`preflight`].
async fn preflight_feedback(
    state: State<AppState>,
    Path((key, _message_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    preflight(state, Path(key), headers).await
}

/// `OPTIONS`: the browser asks whether this origin may post here.
async fn preflight(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(origin) = request_origin(&headers) else {
        return WidgetError::OriginRequired.into_response();
    };
    let admitted = match widget_and_assistant(&state, &key).await {
        Ok((widget, _)) => admit_visitor(&widget, &origin),
        Err(error) => Err(error),
    };
    match admitted {
        Ok(()) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("POST"),
            );
            headers.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("authorization, content-type"),
            );
            headers.insert(
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("600"),
            );
            with_cors(response, &origin)
        }
        Err(error) => error.into_response(),
    }
}

/// What the widget shows before the first question.
#[derive(Debug, Serialize)]
struct WidgetConfig {
    title: String,
    assistant: String,
    company: String,
    accent: String,
    position: String,
    welcome: String,
    suggestions: Vec<String>,
    show_sources: bool,
    show_feedback: bool,
}

fn config_of(widget: &WidgetRow, assistant: &AssistantRow) -> WidgetConfig {
    let title = if widget.title.trim().is_empty() {
        assistant.name.clone()
    } else {
        widget.title.clone()
    };
    let welcome = if widget.welcome.trim().is_empty() {
        format!(
            "Hi! Ask me anything about {}'s documents.",
            assistant.company_name
        )
    } else {
        widget.welcome.clone()
    };
    WidgetConfig {
        title,
        assistant: assistant.name.clone(),
        company: assistant.company_name.clone(),
        accent: widget.accent.clone(),
        position: widget.position.clone(),
        welcome,
        suggestions: widget.suggestion_list(),
        show_sources: widget.show_sources,
        show_feedback: widget.show_feedback,
    }
}

/// A source as the visitor sees it.
#[derive(Debug, Serialize)]
struct VisitorSource {
    document: String,
    page: Option<i64>,
    text: String,
    /// The web address of a document read from a web page.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

/// An answered exchange as the widget shows it.
#[derive(Debug, Serialize)]
struct ExchangeView {
    /// The message, to rate it.
    message_id: i64,
    /// The visitor's rating of it, if given.
    rating: Option<Rating>,
    input: String,
    output: String,
    output_html: String,
    sources: Vec<VisitorSource>,
}

fn exchange(row: &MessageRow, sources: Vec<Source>, show_sources: bool) -> ExchangeView {
    let output = row.output.as_deref().unwrap_or_default();
    let (output, sources) = if show_sources {
        (output.to_owned(), sources)
    } else {
        (crate::widget::strip_citations(output), Vec::new())
    };
    ExchangeView {
        message_id: row.id,
        rating: row.rating.as_deref().and_then(Rating::parse),
        input: row.input.clone(),
        output_html: crate::markdown::to_safe_html(&output),
        output,
        sources: sources
            .into_iter()
            .map(|p| VisitorSource {
                document: p.document,
                page: p.page,
                text: p.text,
                url: p.url,
            })
            .collect(),
    }
}

fn history_view(rows: Vec<MessageRow>, show_sources: bool) -> Vec<ExchangeView> {
    rows.into_iter()
        .filter(|row| row.status == "answered")
        .map(|row| {
            let sources: Vec<Source> = serde_json::from_str(&row.sources).unwrap_or_default();
            exchange(&row, sources, show_sources)
        })
        .collect()
}

/// A token, its lifetime and what the widget shows.
#[derive(Debug, Serialize)]
struct SessionView {
    token: String,
    expires_in: i64,
    config: WidgetConfig,
    messages: Vec<ExchangeView>,
}

fn optional_text(input: &Input, field: &str) -> Result<Option<String>, WidgetError> {
    input
        .text(field)
        .map(|text| text.filter(|t| !t.trim().is_empty()))
        .map_err(|(field, message)| ApiError::field(&field, message).into())
}

/// `POST /widget/v1/{key}/session`: a token for the visitor (continuing
/// their conversation when they bring their previous token), the widget's
/// look, and the conversation so far.
async fn open_session(
    State(state): State<AppState>,
    Path(key): Path<String>,
    headers: HeaderMap,
    input: Result<Input, ApiError>,
) -> Response {
    let Some(origin) = request_origin(&headers) else {
        return WidgetError::OriginRequired.into_response();
    };
    match admit_session(&state, &key, &origin, input).await {
        Ok((admitted, input)) => {
            let cors = admitted.cors.then(|| admitted.origin.clone());
            let result = issue_session(&state, &admitted, &input).await;
            finish(result, cors.as_deref())
        }
        Err(error) => error.into_response(),
    }
}

/// Admits a session request: a visitor on an allowed site, or the owner's
/// preview carrying a preview token for this origin.
async fn admit_session(
    state: &AppState,
    key: &str,
    origin: &str,
    input: Result<Input, ApiError>,
) -> Result<(Admitted, Input), WidgetError> {
    let (widget, assistant) = widget_and_assistant(state, key).await?;
    let input = input?;
    let now = Utc::now().timestamp();
    if let Some(preview) = optional_text(&input, "preview_token")? {
        // A dashboard left open renews its preview like a visitor's session.
        let claims = state.signer.verify(&preview, key, origin, now, true)?;
        if claims.kind != TokenKind::Preview {
            return Err(TokenError::Invalid.into());
        }
        // The owner's preview may be served from another address than the
        // dashboard's (a configured public URL): its token admits it.
        return Ok((
            Admitted {
                widget,
                assistant,
                origin: origin.to_owned(),
                cors: true,
            },
            input,
        ));
    }
    admit_visitor(&widget, origin)?;
    Ok((
        Admitted {
            widget,
            assistant,
            origin: origin.to_owned(),
            cors: true,
        },
        input,
    ))
}

async fn issue_session(
    state: &AppState,
    admitted: &Admitted,
    input: &Input,
) -> Result<Response, WidgetError> {
    let now = Utc::now().timestamp();
    let key = &admitted.widget.public_key;
    let kind = if optional_text(input, "preview_token")?.is_some() {
        TokenKind::Preview
    } else {
        TokenKind::Visitor
    };
    // A previous token of the same kind, even expired, continues its session.
    let continued = optional_text(input, "token")?
        .and_then(|token| {
            state
                .signer
                .verify(&token, key, &admitted.origin, now, true)
                .ok()
        })
        .filter(|claims| claims.kind == kind);
    let session = continued.map_or_else(crate::widget::new_session, |claims| claims.session);
    let ttl = state.config.widget_token_ttl_secs;
    let token = state
        .signer
        .issue(kind, key, &admitted.origin, &session, now + ttl);
    let messages = match state
        .db
        .visitor_chat(admitted.assistant.id, &session)
        .await?
    {
        Some(chat) => history_view(
            state.db.latest_messages(chat.id, HISTORY_SHOWN).await?,
            admitted.widget.show_sources,
        ),
        None => Vec::new(),
    };
    Ok(Json(SessionView {
        token,
        expires_in: ttl,
        config: config_of(&admitted.widget, &admitted.assistant),
        messages,
    })
    .into_response())
}

/// The bearer token of a request.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// `POST /widget/v1/{key}/messages`: the visitor asks; the answer streams
/// as Server-Sent Events (`delta`, then `done` or `error`).
async fn ask(
    State(state): State<AppState>,
    Path(key): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    input: Result<Input, ApiError>,
) -> Response {
    let (admitted, claims) = match admit_with_token(&state, &key, &headers).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let cors = admitted.cors.then(|| admitted.origin.clone());
    let result = answer_visitor(state, admitted, claims, ip, input).await;
    finish(result, cors.as_deref())
}

/// A request that carries a visitor's (or the preview's) token: the
/// widget, its assistant and the token's claims, or the response that
/// refuses it (with CORS headers when the origin is listed, so the script
/// can read why).
async fn admit_with_token(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
) -> Result<(Admitted, Claims), Response> {
    let Some(origin) = request_origin(headers) else {
        return Err(WidgetError::OriginRequired.into_response());
    };
    let (widget, assistant) = widget_and_assistant(state, key)
        .await
        .map_err(IntoResponse::into_response)?;
    let listed = crate::widget::is_allowed(&widget.origins(), &origin);
    let claims = admit_question(state, &widget, &origin, headers)
        .map_err(|error| finish(Err(error), listed.then_some(origin.as_str())))?;
    let cors = listed || claims.kind == TokenKind::Preview;
    Ok((
        Admitted {
            widget,
            assistant,
            origin,
            cors,
        },
        claims,
    ))
}

/// The token's claims when it is valid for this widget and origin, and the
/// origin still allowed (visitors) — removing an origin or switching the
/// widget off takes effect at once, not when tokens expire.
fn admit_question(
    state: &AppState,
    widget: &WidgetRow,
    origin: &str,
    headers: &HeaderMap,
) -> Result<Claims, WidgetError> {
    let token = bearer(headers).ok_or(TokenError::Invalid)?;
    let now = Utc::now().timestamp();
    let claims = state
        .signer
        .verify(token, &widget.public_key, origin, now, false)?;
    if claims.kind == TokenKind::Visitor {
        admit_visitor(widget, origin)?;
    }
    Ok(claims)
}

async fn answer_visitor(
    state: AppState,
    admitted: Admitted,
    claims: Claims,
    ip: String,
    input: Result<Input, ApiError>,
) -> Result<Response, WidgetError> {
    let question = crate::web::input::question(&input?)?;
    let ip_hash = state.signer.hash_ip(&ip);
    let now = Utc::now();
    let visitor = VisitorRow {
        session: &claims.session,
        ip_hash: &ip_hash,
        site_origin: &admitted.origin,
    };
    let thread_id = crate::chat::new_thread_id();
    let question_row = WidgetQuestion {
        workspace_id: admitted.assistant.workspace_id,
        assistant_id: admitted.assistant.id,
        visitor: &visitor,
        thread_id: &thread_id,
        now,
        visitor_since: now - LimitKind::Visitor.window(),
        assistant_since: now - LimitKind::Assistant.window(),
    };
    let (hourly, daily) = (
        admitted.widget.visitor_hourly_limit,
        admitted.widget.daily_limit,
    );
    let chat = state
        .db
        .admit_widget_question(&question_row, |usage| {
            crate::widget::check_limits(hourly, daily, usage, now)
        })
        .await?
        .map_err(WidgetError::Limit)?;
    let show_sources = admitted.widget.show_sources;
    let render = move |_chat: &ChatRow, answered: Answered| {
        let view = exchange(&answered.message, answered.sources, show_sources);
        json!({
            "message_id": view.message_id,
            "output": view.output,
            "output_html": view.output_html,
            "sources": view.sources,
        })
    };
    Ok(crate::web::sse::answer(
        state,
        admitted.assistant,
        chat,
        question,
        Box::new(render),
        crate::web::sse::Deltas::Text,
    )
    .await?)
}

/// `POST /widget/v1/{key}/messages/{message_id}/feedback`: the visitor
/// rates an answer of their conversation (`rating` `up` or `down`, an
/// optional `comment`), when the owner asks for feedback: 200 with the
/// rating kept.
async fn rate(
    State(state): State<AppState>,
    Path((key, message_id)): Path<(String, String)>,
    headers: HeaderMap,
    input: Result<Input, ApiError>,
) -> Response {
    let (admitted, claims) = match admit_with_token(&state, &key, &headers).await {
        Ok(admitted) => admitted,
        Err(refused) => return refused,
    };
    let cors = admitted.cors.then_some(admitted.origin.as_str());
    let result = rate_answer(&state, &admitted, &claims, &message_id, input).await;
    finish(result, cors)
}

async fn rate_answer(
    state: &AppState,
    admitted: &Admitted,
    claims: &Claims,
    message_id: &str,
    input: Result<Input, ApiError>,
) -> Result<Response, WidgetError> {
    use crate::chat::feedback::{self, FeedbackError};

    let (widget, assistant) = (&admitted.widget, &admitted.assistant);
    if !widget.show_feedback {
        return Err(WidgetError::FeedbackOff);
    }
    let input = input?;
    let refuse = |(field, message): (String, String)| ApiError::field(&field, message);
    let rating = input.text("rating").map_err(refuse)?;
    let comment = input.nullable_text("comment").map_err(refuse)?;
    let given = feedback::parse(rating.as_deref(), comment.as_deref());
    let given = given.map_err(|error| match error {
        FeedbackError::CommentTooLong => ApiError::field("comment", error.to_string()),
        other => ApiError::field("rating", other.to_string()),
    })?;
    // Only the visitor's own conversation: any other message is not found.
    let message_id = message_id
        .parse::<i64>()
        .map_err(|_| WidgetError::Api(ApiError::NotFound))?;
    let chat = state
        .db
        .visitor_chat(assistant.id, &claims.session)
        .await?
        .ok_or(WidgetError::Api(ApiError::NotFound))?;
    match feedback::record(&state.db, chat.id, message_id, Some(&given)).await {
        Ok(row) => Ok(Json(json!({
            "message_id": row.id,
            "rating": given.rating,
            "comment": given.comment,
        }))
        .into_response()),
        Err(FeedbackError::NoSuchMessage) => Err(ApiError::NotFound.into()),
        Err(FeedbackError::Database(error)) => Err(error.into()),
        Err(error) => {
            Err(ApiError::field(crate::model::NON_FIELD_ERRORS, error.to_string()).into())
        }
    }
}

/// `GET /embed.js`: the script, cached for an hour and revalidated by its
/// ETag, loadable from any site.
pub async fn script(method: Method, headers: HeaderMap) -> Response {
    static ETAG: OnceLock<String> = OnceLock::new();
    let etag = ETAG.get_or_init(|| {
        use sha2::{Digest, Sha256};
        format!(
            "\"{}\"",
            &hex::encode(Sha256::digest(EMBED_JS.as_bytes()))[..20]
        )
    });
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim() == etag));
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        StatusCode::OK.into_response()
    } else {
        EMBED_JS.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/javascript; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600, stale-while-revalidate=86400"),
    );
    if let Ok(value) = HeaderValue::from_str(etag) {
        headers.insert(header::ETAG, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    headers.insert(
        "cross-origin-resource-policy",
        HeaderValue::from_static("cross-origin"),
    );
    response
}

/// A preview token for the owner's dashboard at `origin`.
pub fn preview_token(state: &AppState, widget: &WidgetRow, origin: &str) -> String {
    let expires_at = Utc::now().timestamp() + state.config.widget_token_ttl_secs;
    state.signer.issue(
        TokenKind::Preview,
        &widget.public_key,
        origin,
        &crate::widget::new_session(),
        expires_at,
    )
}
