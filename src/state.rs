//! What every handler and server function can reach.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::config::Config;
use crate::db::Db;
use crate::ingest::storage::FileStore;
use crate::ingest::worker::JobQueue;

/// Shared application state; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// Uploaded originals.
    pub files: FileStore,
    /// Wakes the document processor.
    pub jobs: JobQueue,
    /// Wakes the evaluation runner.
    pub evaluations: JobQueue,
    /// Wakes the web sources' syncer.
    pub web_syncs: JobQueue,
    /// The language model, when one is configured.
    pub provider: Option<Arc<crate::llm::Provider>>,
    /// Signs the widget's visitor tokens (a secret all servers share).
    pub signer: crate::widget::Signer,
    /// Rate limits of the API and of log-in attempts.
    pub limits: Arc<crate::ratelimit::Limits>,
    /// API keys seen recently (kept only where this server is the only one).
    pub known_keys: Arc<crate::auth::known_keys::KnownKeys>,
    /// Each workspace's assistants as last listed, until the next commit (kept
    /// only where this server is the only one).
    pub assistant_lists: Arc<crate::assistants::AssistantLists>,
    /// Semantic search, when an embedding model is loaded.
    pub semantic: Option<Arc<crate::search::semantic::Semantic>>,
    /// Sends invitations, when the operator set up SMTP.
    pub mailer: Option<crate::mail::Mailer>,
    /// Single sign-on, when an OpenID Connect provider is configured.
    pub sso: Option<Arc<crate::sso::Sso>>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
