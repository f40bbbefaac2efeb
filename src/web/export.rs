//! Conversation exports over HTTP: the file streamed page by page, so a
//! large export never sits whole in memory; served to the API
//! (`GET /api/v1/assistants/{id}/export/`) and to the dashboard
//! (`GET /assistants/{id}/export`).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::AuthSession;
use crate::chat::export::{self, ExportError, ExportFormat, ExportRange};
use crate::db::Db;
use crate::db::assistants::AssistantRow;
use crate::error::ApiError;
use crate::model::workspaces::Permission;
use crate::state::AppState;
use crate::web::auth::acting_member;
use crate::workspaces::audit::{self, Actor, Event};

/// Messages read per query while streaming.
const PAGE: i64 = 500;

/// `?format=csv|jsonl&from=YYYY-MM-DD&to=YYYY-MM-DD`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (the default) or `jsonl` (JSON Lines).
    #[param(required = false, pattern = "^(csv|jsonl)$")]
    pub format: Option<String>,
    /// The first day (UTC), `YYYY-MM-DD`; by default 29 days before `to`.
    #[param(required = false, format = Date, example = "2026-11-01")]
    pub from: Option<String>,
    /// The last day (UTC, included), `YYYY-MM-DD`; by default today.
    #[param(required = false, format = Date, example = "2026-11-30")]
    pub to: Option<String>,
}

impl From<ExportError> for ApiError {
    fn from(error: ExportError) -> Self {
        let field = match error {
            ExportError::Format => "format",
            ExportError::Date { field } => field,
            ExportError::Order | ExportError::TooLong => "from",
        };
        Self::field(field, error.to_string())
    }
}

/// What an export query asks for, checked.
pub fn parse(query: &ExportQuery) -> Result<(ExportFormat, ExportRange), ExportError> {
    let format = ExportFormat::parse(query.format.as_deref())?;
    let today = chrono::Utc::now().date_naive();
    let range = ExportRange::parse(query.from.as_deref(), query.to.as_deref(), today)?;
    Ok((format, range))
}

/// The export of `assistant`'s conversations, as a download.
pub fn download(
    db: Db,
    assistant: &AssistantRow,
    format: ExportFormat,
    range: ExportRange,
) -> Response {
    let (start, end) = range.instants();
    let assistant_id = assistant.id;
    let body = async_stream::stream! {
        if format == ExportFormat::Csv {
            yield Ok::<_, std::io::Error>(export::csv_header());
        }
        let mut after = 0;
        loop {
            let page = match db.exported_messages(assistant_id, start, end, after, PAGE).await {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "export: cannot read messages");
                    yield Err(std::io::Error::other("the export stopped"));
                    break;
                }
            };
            let Some(last) = page.last() else { break };
            after = last.message_id;
            let full = i64::try_from(page.len()).unwrap_or(0) == PAGE;
            let text: String = page
                .iter()
                .map(|message| match format {
                    ExportFormat::Csv => export::csv_row(message),
                    ExportFormat::JsonLines => export::json_line(message),
                })
                .collect();
            yield Ok(text);
            if !full {
                break;
            }
        }
    };
    let mut response = Body::from_stream(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let name = range.file_name(&assistant.public_id, format);
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /assistants/{id}/export`: the signed-in owner's download; a bad
/// range goes back to the page with the reason.
pub async fn export_from_dashboard(
    auth: AuthSession,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(query): Query<ExportQuery>,
) -> Response {
    let back = format!("/assistants/{id}");
    let Some(user) = auth.user else {
        return Redirect::to(&crate::functions::login_url(&back)).into_response();
    };
    let member = match acting_member(&state, &user, Permission::Read).await {
        Ok(member) => member,
        Err(refused) => return refused.into_response(),
    };
    let assistant = match state.db.assistant_of(member.workspace_id, id).await {
        Ok(Some(assistant)) => assistant,
        Ok(None) => return (StatusCode::NOT_FOUND, "Not found.").into_response(),
        Err(error) => {
            tracing::error!(%error, "export: cannot read the assistant");
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side. Please try again.",
            )
                .into_response();
        }
    };
    // The form's empty date fields mean "the default".
    let given = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
    let query = ExportQuery {
        format: given(query.format),
        from: given(query.from),
        to: given(query.to),
    };
    let parsed = parse(&query);
    if parsed.is_ok() {
        let target = crate::workspaces::audit::named(&assistant.name, assistant.id);
        let actor = Actor::person(member.user_id, &member.username, None);
        audit::record(
            &state.db,
            member.workspace_id,
            &actor,
            Event::new("conversations.exported", &target),
        )
        .await;
    }
    match parsed {
        Ok((format, range)) => download(state.db.clone(), &assistant, format, range),
        Err(error) => {
            let query = serde_urlencoded::to_string([("export_error", error.to_string())])
                .unwrap_or_default();
            Redirect::to(&format!("{back}?{query}#export")).into_response()
        }
    }
}
