//! `/mcp`: an MCP server (the Streamable HTTP transport, stateless, with
//! JSON responses) through which MCP clients (Claude Desktop, Cursor,
//! VS Code, agents) list the caller's assistants, search their documents
//! and ask them questions, with the same API keys as `Bearer` tokens.
//!
//! A request without a valid key is refused before MCP sees it (401, a
//! JSON-RPC error body). What the key's scope or reach does not allow is a
//! tool error (`isError: true`) whose structured content is
//! `{"status": 403, "detail": …}`, so that the client's model reads why;
//! another account's assistant or chat is a 404, bad input a 400, alike.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::Extension;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, ContentBlock, Implementation, ListResourcesResult, PaginatedRequestParams,
    ReadResourceRequestParams, ReadResourceResponse, ReadResourceResult, Resource,
    ResourceContents, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use rmcp::{ErrorData, RoleServer, ServerHandler, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::scope::Action;
use crate::chat;
use crate::db::assistants::AssistantRow;
use crate::error::ApiError;
use crate::search;
use crate::state::AppState;
use crate::web::auth::ApiAuth;
use crate::web::input::MAX_INPUT_CHARS;
use crate::web::openai::completions::cited;

/// What a chat asked through `ask_assistant` is marked with.
pub const ORIGIN: &str = "mcp";
/// The most passages `search_documents` returns.
pub const MAX_K: u32 = 20;
/// The most text a document resource returns.
const RESOURCE_MAX_BYTES: usize = 1024 * 1024;

/// The `/mcp` service, behind [`authenticate`].
pub fn router(state: AppState) -> axum::Router<AppState> {
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        // Every request needs a key, so a page rebinding its DNS to this
        // server gains nothing: any `Host` may be served.
        .disable_allowed_hosts();
    let for_service = state.clone();
    let service = StreamableHttpService::new(
        move || Ok(Assistants::new(for_service.clone())),
        Arc::new(NeverSessionManager::default()),
        config,
    );
    axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn_with_state(state, authenticate))
}

/// Refuses requests without a valid key (401 with a JSON-RPC error and
/// `WWW-Authenticate: Bearer`); hands the caller on to the tools.
pub async fn authenticate(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    match ApiAuth::from_headers(&state, request.headers()).await {
        Ok(auth) => {
            request.extensions_mut().insert(auth);
            next.run(request).await
        }
        Err(error) => {
            let status = error.status_code();
            let message = match &error {
                ApiError::Unauthorized(message) => {
                    format!("{message} Send one of your API keys as `Authorization: Bearer <key>`.")
                }
                ApiError::Busy(_) => {
                    "The server is busy right now. Please try again in a few seconds.".to_owned()
                }
                _ => {
                    tracing::error!(%error, "cannot authenticate an MCP request");
                    "A server error occurred.".to_owned()
                }
            };
            let body = json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32001, "message": message}});
            let mut response = (status, axum::Json(body)).into_response();
            if status == StatusCode::UNAUTHORIZED {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            response
        }
    }
}

/// `search_documents`'s arguments.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct SearchArgs {
    /// The assistant: its public id (`asst_…`) or its number, from `list_assistants`.
    pub assistant: String,
    /// What to look for, in words.
    pub query: String,
    /// How many passages, 1 to 20 (default 5).
    pub k: Option<u32>,
}

/// `ask_assistant`'s arguments.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
pub struct AskArgs {
    /// The assistant: its public id (`asst_…`) or its number, from `list_assistants`.
    pub assistant: String,
    /// The question.
    pub question: String,
    /// A chat to continue (from an earlier answer's `chat_id`): the
    /// assistant reads its earlier questions and answers.
    pub chat_id: Option<i64>,
}

/// The MCP server: one per request (the transport is stateless).
#[derive(Clone)]
pub struct Assistants {
    state: AppState,
    tool_router: ToolRouter<Self>,
}

/// A tool's refusal or failure, as the model reads it.
fn tool_error(status: u16, detail: impl Into<String>) -> CallToolResult {
    let detail = detail.into();
    let mut result = CallToolResult::error(vec![ContentBlock::text(detail.clone())]);
    result.structured_content = Some(json!({"status": status, "detail": detail}));
    result
}

fn api_tool_error(error: ApiError) -> CallToolResult {
    let status = error.status_code().as_u16();
    let detail = match error {
        ApiError::Internal(cause) => {
            tracing::error!(error = ?cause, "internal error in an MCP tool");
            "A server error occurred.".to_owned()
        }
        ApiError::NotFound => "No such assistant (or chat with it) in this key's account: use an \
                               id from list_assistants, and a chat_id an earlier answer returned."
            .to_owned(),
        other => other.to_string(),
    };
    tool_error(status, detail)
}

fn success(text: impl Into<String>, structured: Value) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(structured);
    result
}

fn caller(parts: &Parts) -> Result<ApiAuth, ErrorData> {
    parts
        .extensions
        .get::<ApiAuth>()
        .cloned()
        .ok_or_else(|| ErrorData::internal_error("the request was not authenticated", None))
}

impl Assistants {
    fn new(state: AppState) -> Self {
        Self {
            state,
            tool_router: Self::tool_router(),
        }
    }

    /// The caller's assistant named by `reference` (public id or number),
    /// when the key may reach it.
    async fn assistant(&self, auth: &ApiAuth, reference: &str) -> Result<AssistantRow, ApiError> {
        let reference = reference.trim();
        let db = &self.state.db;
        let found = match reference.parse::<i64>() {
            Ok(id) => db.assistant_of(auth.workspace_id, id).await?,
            Err(_) => {
                db.assistant_by_public_id(auth.workspace_id, reference)
                    .await?
            }
        };
        // Another account's assistant is not found, as on every surface.
        let assistant = found.ok_or(ApiError::NotFound)?;
        auth.permit_assistant(assistant.id)?;
        Ok(assistant)
    }

    async fn search(&self, auth: &ApiAuth, args: SearchArgs) -> Result<CallToolResult, ApiError> {
        auth.permit_action(Action::Read)?;
        let assistant = self.assistant(auth, &args.assistant).await?;
        let query = args.query.trim();
        if query.is_empty() || query.chars().count() > MAX_INPUT_CHARS {
            return Err(ApiError::BadRequest(format!(
                "The query must have 1 to {MAX_INPUT_CHARS} characters."
            )));
        }
        let k = args.k.unwrap_or(5).clamp(1, MAX_K);
        let found = search::search(
            &self.state.db,
            self.state.semantic.as_deref(),
            assistant.id,
            query,
            i64::from(k),
        )
        .await?;
        let passages =
            cited(crate::chat::cited_sources(&self.state.db, assistant.id, found.clone()).await?);
        let text = if found.is_empty() {
            "No passage of the documents matches.".to_owned()
        } else {
            found
                .iter()
                .enumerate()
                .map(|(index, hit)| {
                    let place = hit.page.map_or_else(
                        || hit.document.clone(),
                        |page| format!("{}, page {page}", hit.document),
                    );
                    format!(
                        "[{}] ({place}; score {:.3})\n{}",
                        index + 1,
                        hit.score,
                        hit.text
                    )
                })
                .collect::<Vec<_>>()
                .join("\n\n")
        };
        Ok(success(
            text,
            json!({"assistant": assistant.public_id, "passages": passages}),
        ))
    }

    async fn ask(&self, auth: &ApiAuth, args: AskArgs) -> Result<CallToolResult, ApiError> {
        auth.permit_action(Action::Ask)?;
        let assistant = self.assistant(auth, &args.assistant).await?;
        let question = args.question.trim();
        if question.is_empty() || question.chars().count() > MAX_INPUT_CHARS {
            return Err(ApiError::BadRequest(format!(
                "The question must have 1 to {MAX_INPUT_CHARS} characters."
            )));
        }
        let db = &self.state.db;
        let chat = match args.chat_id {
            Some(id) => db
                .chat_of(auth.workspace_id, id)
                .await?
                .filter(|chat| chat.assistant_id == assistant.id)
                .ok_or(ApiError::NotFound)?,
            None => {
                db.insert_chat(
                    auth.workspace_id,
                    assistant.id,
                    &chat::new_thread_id(),
                    ORIGIN,
                )
                .await?
            }
        };
        let answered = chat::answer(
            db,
            self.state.provider.as_deref(),
            self.state.semantic.as_deref(),
            &assistant,
            &chat,
            question,
            None,
        )
        .await
        .map_err(crate::web::sse::chat_error)?;
        let output = answered.message.output.unwrap_or_default();
        let places = answered
            .sources
            .iter()
            .enumerate()
            .map(|(index, source)| match source.page {
                Some(page) => format!("[{}] {}, page {page}", index + 1, source.document),
                None => format!("[{}] {}", index + 1, source.document),
            })
            .collect::<Vec<_>>();
        let text = if places.is_empty() {
            output.clone()
        } else {
            format!("{output}\n\nSources:\n{}", places.join("\n"))
        };
        let sources = cited(answered.sources);
        Ok(success(
            text,
            json!({"answer": output, "sources": sources, "chat_id": chat.id, "thread_id": chat.thread_id}),
        ))
    }
}

#[tool_router]
impl Assistants {
    #[tool(
        description = "List the assistants this key may reach: their id (asst_…), name, company, documents and how many questions they answered."
    )]
    async fn list_assistants(
        &self,
        Extension(parts): Extension<Parts>,
    ) -> Result<CallToolResult, ErrorData> {
        let auth = caller(&parts)?;
        let listed = async {
            let assistants = self.state.db.assistants_of(auth.workspace_id).await?;
            let documents = self
                .state
                .db
                .documents_of_workspace(auth.workspace_id)
                .await?;
            Ok::<_, ApiError>((assistants, documents))
        };
        let (assistants, documents) = match listed.await {
            Ok(found) => found,
            Err(error) => return Ok(api_tool_error(error)),
        };
        let reachable: Vec<Value> = assistants
            .into_iter()
            .filter(|assistant| auth.grant.reaches(assistant.id))
            .map(|assistant| {
                let names: Vec<&str> = documents
                    .iter()
                    .filter(|d| d.assistant_id == assistant.id)
                    .map(|d| d.name.as_str())
                    .collect();
                json!({
                    "id": assistant.public_id,
                    "number": assistant.id,
                    "name": assistant.name,
                    "company_name": assistant.company_name,
                    "documents": names,
                    "query_count": assistant.query_count,
                })
            })
            .collect();
        let text = if reachable.is_empty() {
            "This key reaches no assistant.".to_owned()
        } else {
            reachable
                .iter()
                .map(|a| {
                    format!(
                        "{} ({}), for {}: {} document(s)",
                        a["name"].as_str().unwrap_or_default(),
                        a["id"].as_str().unwrap_or_default(),
                        a["company_name"].as_str().unwrap_or_default(),
                        a["documents"].as_array().map_or(0, Vec::len)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        Ok(success(text, json!({"assistants": reachable})))
    }

    #[tool(
        description = "Search an assistant's documents: the passages that best match the query, with their document, page and score."
    )]
    async fn search_documents(
        &self,
        Parameters(args): Parameters<SearchArgs>,
        Extension(parts): Extension<Parts>,
    ) -> Result<CallToolResult, ErrorData> {
        let auth = caller(&parts)?;
        Ok(self
            .search(&auth, args)
            .await
            .unwrap_or_else(api_tool_error))
    }

    #[tool(
        description = "Ask an assistant a question: it answers from its documents and cites them as [n], with the sources listed. Pass the returned chat_id to ask a follow-up in the same conversation."
    )]
    async fn ask_assistant(
        &self,
        Parameters(args): Parameters<AskArgs>,
        Extension(parts): Extension<Parts>,
    ) -> Result<CallToolResult, ErrorData> {
        let auth = caller(&parts)?;
        Ok(self.ask(&auth, args).await.unwrap_or_else(api_tool_error))
    }
}

/// A document's resource address.
fn document_uri(assistant_id: i64, document_id: i64) -> String {
    format!("aiconvokit://assistants/{assistant_id}/documents/{document_id}")
}

/// The assistant and document numbers of a resource address.
fn parse_document_uri(uri: &str) -> Option<(i64, i64)> {
    let rest = uri.strip_prefix("aiconvokit://assistants/")?;
    let (assistant, document) = rest.split_once("/documents/")?;
    Some((assistant.parse().ok()?, document.parse().ok()?))
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Assistants {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new("aiconvokit", env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "AIConvoKit assistants answer from their owners' documents (annual reports, contracts, …). \
             Call list_assistants first, then search_documents for passages or ask_assistant for a \
             cited answer. Each assistant's documents are resources too.",
        )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let parts = context
            .extensions
            .get::<Parts>()
            .ok_or_else(|| ErrorData::internal_error("no HTTP request", None))?;
        let auth = caller(parts)?;
        let documents = self
            .state
            .db
            .documents_of_workspace(auth.workspace_id)
            .await
            .map_err(|_| ErrorData::internal_error("the documents cannot be read now", None))?;
        let resources = documents
            .into_iter()
            .filter(|d| d.status == "ready" && auth.grant.reaches(d.assistant_id))
            .map(|d| {
                let mut resource = Resource::new(document_uri(d.assistant_id, d.id), d.name);
                resource.mime_type = Some("text/plain".to_owned());
                resource
            })
            .collect();
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let parts = context
            .extensions
            .get::<Parts>()
            .ok_or_else(|| ErrorData::internal_error("no HTTP request", None))?;
        let auth = caller(parts)?;
        let not_found = || ErrorData::resource_not_found("No such document.", None);
        let (assistant_id, document_id) = parse_document_uri(&request.uri).ok_or_else(not_found)?;
        let db = &self.state.db;
        let unavailable = |_| ErrorData::internal_error("the document cannot be read now", None);
        db.assistant_of(auth.workspace_id, assistant_id)
            .await
            .map_err(unavailable)?
            .filter(|assistant| auth.grant.reaches(assistant.id))
            .ok_or_else(not_found)?;
        db.document_of(assistant_id, document_id)
            .await
            .map_err(unavailable)?
            .ok_or_else(not_found)?;
        let mut text = String::new();
        for (_, heading, passage) in db
            .passages_of_document(document_id)
            .await
            .map_err(unavailable)?
        {
            if text.len() + passage.len() > RESOURCE_MAX_BYTES {
                break;
            }
            if !heading.is_empty() {
                text.push_str(&heading);
                text.push('\n');
            }
            text.push_str(&passage);
            text.push_str("\n\n");
        }
        Ok(ReadResourceResult::new(vec![ResourceContents::text(text, &request.uri)]).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_addresses_round_trip_and_refuse_others() {
        assert_eq!(parse_document_uri(&document_uri(7, 42)), Some((7, 42)));
        assert_eq!(
            parse_document_uri("aiconvokit://assistants/x/documents/1"),
            None
        );
        assert_eq!(parse_document_uri("file:///etc/passwd"), None);
    }
}
