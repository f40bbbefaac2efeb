//! Builds the router (pages, server functions, `/api/v1`) with its layers,
//! and serves it.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::extract::Request;
use axum::http::{HeaderName, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use leptos::config::LeptosOptions;
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower::Layer;
use tower_http::compression::CompressionLayer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

use crate::app::{App, shell};
use crate::auth::AuthSession;
use crate::auth::session::{SessionStorage, auth_layer};
use crate::config::Config;
use crate::db::{ConnectError, Db};
use crate::ingest::storage::FileStore;
use crate::ingest::worker::JobQueue;
use crate::state::AppState;

/// The complete HTTP service: the router behind trailing-slash normalisation.
pub type AppService = NormalizePath<Router>;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database: {0}")]
    Database(#[from] ConnectError),
    #[error("database: cannot prepare the session table or the document queue: {0}")]
    Sessions(#[from] sqlx::Error),
    #[error("data dir {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "{0} (--embedding-model / AICONVOKIT_EMBEDDING_MODEL; `none` turns semantic search off)"
    )]
    EmbeddingModel(#[from] crate::embed::EmbedError),
    #[error(
        "--embedding-model {0} needs a provider (set OPENAI_BASE_URL or OPENAI_API_KEY) and a model name after `openai:`"
    )]
    EmbeddingProvider(String),
    #[error("file storage (--storage-url / AICONVOKIT_STORAGE_URL): {0}")]
    Storage(#[from] crate::ingest::storage::StoreError),
    #[error("the web pages' HTTP client: {0}")]
    Fetcher(#[from] reqwest::Error),
    #[error("e-mail (--smtp-url / AICONVOKIT_SMTP_URL, --smtp-from): {0}")]
    Mail(#[from] crate::mail::MailError),
    #[error("single sign-on: {0}")]
    Sso(#[from] crate::sso::ConfigError),
}

/// Connects the database and builds the whole app.
pub async fn build_app(
    config: Config,
    leptos_options: LeptosOptions,
) -> Result<(AppService, AppState), StartError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|source| StartError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    crate::lease::set_length(std::time::Duration::from_secs(config.lease_secs));
    let db = Db::connect(&config.database_url()).await?;
    let sessions = SessionStorage::new(&db).await?;
    sessions.spawn_expired_cleanup();
    let files = match &config.storage_url {
        Some(url) => FileStore::from_url(url)?,
        None => FileStore::local(&config.data_dir)?,
    };
    tracing::info!(files = files.location(), "uploaded files are kept here");
    let jobs = JobQueue::default();
    let reading = crate::ingest::worker::Reading {
        sandbox: crate::ingest::sandbox::Sandbox::new(
            config.extractor.clone(),
            config.extract_memory_mb,
            Duration::from_secs(config.document_timeout_secs),
        ),
        attempts: config.document_attempts,
    };
    crate::ingest::worker::start(db.clone(), files.clone(), jobs.clone(), reading).await?;
    if db.is_sqlite() {
        crate::chat::fail_interrupted_answers(db.clone()).await;
    } else {
        tokio::spawn(crate::chat::fail_interrupted_answers(db.clone()));
    }
    let semantic = load_semantic(&config).await?;
    if let Some(semantic) = &semantic {
        tokio::spawn(crate::search::semantic::index_in_background(
            db.clone(),
            semantic.clone(),
        ));
    }
    let secret = db
        .server_secret("widget_token_key", || {
            use rand::RngCore;
            let mut bytes = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut bytes);
            hex::encode(bytes)
        })
        .await?;
    let signer = crate::widget::Signer::new(secret.into_bytes());
    let mut limits = crate::ratelimit::Limits::new(config.quotas());
    if let Some(pool) = db.postgres_pool() {
        limits = limits.shared_through(pool.clone());
    }
    let limits = Arc::new(limits);
    limits.spawn_cleanup();
    let provider = crate::llm::Provider::from_config(&config.model).map(Arc::new);
    let evaluations = JobQueue::default();
    let runner = crate::evaluation::run::Runner {
        db: db.clone(),
        provider: provider.clone(),
        semantic: semantic.clone(),
    };
    crate::evaluation::run::start(runner, evaluations.clone()).await?;
    let web_syncs = JobQueue::default();
    let syncer = crate::web_sources::sync::Syncer {
        db: db.clone(),
        files: files.clone(),
        jobs: jobs.clone(),
        fetcher: crate::web_sources::fetch::Fetcher::new(config.fetch_settings())?,
    };
    crate::web_sources::sync::start(syncer, web_syncs.clone()).await?;
    let mailer = crate::mail::Mailer::from_config(&config.mail)?;
    if mailer.is_some() {
        tracing::info!("invitations are e-mailed through the configured SMTP server");
    }
    tokio::spawn(prune_audit_log(db.clone(), config.audit_retention_days));
    let sso = crate::sso::Sso::from_settings(&config.sso, config.public_url.as_deref())?;
    if let Some(sso) = &sso {
        // The server starts even when the provider is down; the next
        // sign-in tries again.
        tokio::spawn(sso.clone().discover_in_background());
    }
    let known_keys = Arc::new(crate::auth::known_keys::KnownKeys::new(db.is_sqlite()));
    let assistant_lists = Arc::new(crate::db::commits::SinceLastCommit::new(db.is_sqlite()));
    let state = AppState {
        db,
        config: Arc::new(config),
        leptos_options,
        files,
        jobs,
        evaluations,
        web_syncs,
        provider,
        signer,
        limits,
        known_keys,
        assistant_lists,
        semantic,
        mailer,
        sso,
    };
    Ok((router(state.clone(), sessions), state))
}

/// Deletes audit log entries older than `days`, at start and then hourly
/// (on several servers each does it; deleting twice is harmless).
async fn prune_audit_log(db: Db, days: u32) {
    let mut every_hour = tokio::time::interval(Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match crate::workspaces::audit::prune(&db, days, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(deleted) => tracing::info!(deleted, days, "old audit log entries deleted"),
            Err(error) => tracing::warn!(%error, "cannot prune the audit log"),
        }
    }
}

/// Loads the embedding model the configuration names, if any.
async fn load_semantic(
    config: &Config,
) -> Result<Option<Arc<crate::search::semantic::Semantic>>, StartError> {
    use crate::config::EmbeddingChoice;
    use crate::search::semantic::{Embedder, Semantic};
    let folder = match config.embedding_choice() {
        EmbeddingChoice::None => {
            tracing::info!("no embedding model: keyword search only");
            return Ok(None);
        }
        EmbeddingChoice::OpenAi(model) => {
            let provider = crate::llm::Provider::from_config(&config.model)
                .filter(|_| !model.is_empty())
                .ok_or_else(|| StartError::EmbeddingProvider(format!("openai:{model}")))?;
            let embedder = Embedder::remote(Arc::new(provider), &model);
            tracing::info!(model = %model, "semantic search on, through the provider");
            return Ok(Some(Arc::new(Semantic::with_embedder(embedder))));
        }
        EmbeddingChoice::Folder(folder) => folder,
    };
    let model = tokio::task::spawn_blocking(move || crate::embed::LocalModel::load(&folder))
        .await
        .map_err(|e| crate::embed::EmbedError::Failed(e.to_string()))??;
    tracing::info!(model = model.name(), "semantic search on");
    Ok(Some(Arc::new(Semantic::new(model))))
}

fn router(state: AppState, sessions: SessionStorage) -> AppService {
    let config = state.config.clone();
    let routes = route_list();
    let request_id = HeaderName::from_static("x-request-id");
    let pages = Router::new()
        .leptos_routes_with_context(&state, routes, || {}, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(guard_pages));
    let router = Router::new()
        .nest("/api/v1", crate::web::api::v1::router())
        .nest("/v1", crate::web::openai::router())
        .merge(crate::web::mcp::router(state.clone()))
        .nest("/widget/v1", crate::web::widget::router())
        .route("/embed.js", axum::routing::get(crate::web::widget::script))
        .nest("/api/docs", crate::web::api::openapi::page::docs_router())
        .route("/auth/oidc/start", axum::routing::get(crate::web::sso::start_sign_in))
        .route(crate::sso::CALLBACK_PATH, axum::routing::get(crate::web::sso::finish_sign_in))
        .route("/healthz", axum::routing::get(crate::web::health::healthz))
        .route("/readyz", axum::routing::get(crate::web::health::readyz))
        .route("/assistants/{id}/documents", axum::routing::post(crate::web::dashboard::upload_from_dashboard))
        .route(
            "/assistants/{id}/export",
            axum::routing::get(crate::web::export::export_from_dashboard),
        )
        .route(
            "/workspace/audit.csv",
            axum::routing::get(crate::web::dashboard::audit_csv),
        )
        .route(
            "/assistants/{id}/evaluate/questions.csv",
            axum::routing::get(crate::web::dashboard::eval_questions_csv),
        )
        .route(
            "/assistants/{id}/evaluate/import",
            axum::routing::post(crate::web::dashboard::import_eval_questions),
        )
        .route(
            "/chats/{id}/messages",
            axum::routing::post(crate::web::dashboard::ask_from_dashboard),
        )
        .merge(pages)
        // 1 MB bodies, uploads up to --max-body-mb from known callers only.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::web::security::limit_bodies,
        ))
        .layer(auth_layer(&state.db, sessions, config.secure_cookies))
        // The limits above govern; axum's own 2 MB default would cut uploads short.
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(config.request_timeout_secs),
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::web::ratelimit::limit_requests,
        ))
        .layer(middleware::from_fn(crate::web::security::refuse_cross_site))
        .layer(middleware::from_fn(crate::web::api::v1::json_errors))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn(crate::web::security::security_headers))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<Body>| {
            let id = request
                .extensions()
                .get::<RequestId>()
                .and_then(|id| id.header_value().to_str().ok())
                .unwrap_or_default()
                .to_owned();
            // The path only: query strings and headers may carry secrets.
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        })
        .on_response(DefaultOnResponse::new().level(Level::INFO)))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state);
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

/// The app's routes, generated once per process. Generating them renders the
/// app with resource loading suppressed process-wide (leptos-rs/leptos#4773),
/// which would stall a page being rendered at that moment by another server
/// in the same process (as in the tests).
fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Pages that need an account.
const ACCOUNT_PAGES: [&str; 4] = ["/dashboard", "/account", "/assistants", "/workspace"];
/// Pages that make no sense once signed in.
const GUEST_PAGES: [&str; 2] = ["/login", "/signup"];

fn is_under(path: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|prefix| {
        path == *prefix
            || path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// Sends signed-out visitors of account pages to log in (and back after),
/// and signed-in visitors of the log-in and sign-up pages to the dashboard.
/// The same rules hold in the browser's router for client-side navigation.
async fn guard_pages(auth: AuthSession, request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    let path = request.uri().path();
    if auth.user.is_none() && is_under(path, &ACCOUNT_PAGES) {
        let wanted = request.uri().path_and_query().map_or(path, |p| p.as_str());
        return Redirect::to(&crate::functions::login_url(wanted)).into_response();
    }
    if auth.user.is_some() && is_under(path, &GUEST_PAGES) {
        return Redirect::to("/dashboard").into_response();
    }
    next.run(request).await
}

/// Serves until the process is asked to stop (Ctrl-C or SIGTERM): then
/// accepts no more connections and gives the requests in flight up to
/// `grace` to finish. Whatever is cut off is resumed or marked on the next
/// start (documents are processed again, unfinished answers are marked
/// interrupted).
pub async fn serve(
    listener: tokio::net::TcpListener,
    service: AppService,
    grace: std::time::Duration,
) -> std::io::Result<()> {
    use axum::ServiceExt;
    let (stopping, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = axum::serve(
        listener,
        ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(service),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(());
    });
    let deadline = async move {
        if stopped.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = server => result,
        () = deadline => {
            tracing::warn!(grace_secs = grace.as_secs(), "requests still in flight after the grace period: stopping anyway");
            Ok(())
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
