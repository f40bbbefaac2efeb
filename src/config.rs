//! Every setting of the server: a command-line flag with an environment
//! variable twin and a default that runs out of the box.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::llm::ModelConfig;
use crate::sso::SsoSettings;

/// The `aiconvokit` command line.
#[derive(Debug, Parser)]
#[command(
    name = "aiconvokit",
    version,
    about = "Chat with your documents: a self-hostable assistant platform"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: Config,
}

/// What to do; `serve` when none is given.
#[derive(Debug, Subcommand)]
// Parsed once per process: the size of the variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Start the web server (the default).
    Serve(Config),
    /// Read one document from standard input in a sandbox (run by the
    /// server for each document; not for people).
    #[command(hide = true)]
    Extract(crate::ingest::sandbox::ChildLimits),
}

impl Cli {
    /// The server configuration, whichever way it was given; `Err` with
    /// the limits when this process is to read a document instead.
    pub fn into_config(self) -> Result<Config, crate::ingest::sandbox::ChildLimits> {
        match self.command {
            Some(Command::Serve(config)) => Ok(config),
            Some(Command::Extract(limits)) => Err(limits),
            None => Ok(self.serve),
        }
    }
}

/// Settings of the server.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "AICONVOKIT_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder for uploaded files and the default SQLite database.
    #[arg(long, env = "AICONVOKIT_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,

    /// Database URL: `sqlite://path/to/file.db` or `postgres://user@host/db`.
    /// Defaults to `aiconvokit.db` in the data dir.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,

    /// Where uploaded originals are kept: `s3://bucket/prefix` for any
    /// S3-compatible store (credentials and endpoint from the `AWS_*`
    /// variables), shared by several servers. Default: `files/` in the data dir.
    #[arg(long, env = "AICONVOKIT_STORAGE_URL")]
    pub storage_url: Option<String>,

    /// Mark cookies `Secure` (set this when the site is served over https).
    #[arg(long, env = "AICONVOKIT_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Largest upload accepted, in megabytes (several files at once); every
    /// other request body is limited to 1 MB.
    #[arg(long, env = "AICONVOKIT_MAX_BODY_MB", default_value_t = 200)]
    pub max_body_mb: usize,

    /// Largest single uploaded file, in megabytes.
    #[arg(long, env = "AICONVOKIT_MAX_FILE_MB", default_value_t = 50)]
    pub max_file_mb: usize,

    /// Most memory the process that reads one document may allocate, in
    /// megabytes (its data limit): a file that needs more fails.
    #[arg(long, env = "AICONVOKIT_EXTRACT_MEMORY_MB", default_value_t = 1024, value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    pub extract_memory_mb: u64,

    /// Seconds reading one document may take (wall time and CPU time): the
    /// process reading it is then stopped and the document fails.
    #[arg(long, env = "AICONVOKIT_DOCUMENT_TIMEOUT_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub document_timeout_secs: u64,

    /// Times a document's processing may be cut off (by a crash or a stop
    /// of the server) before it is failed instead of tried again.
    #[arg(long, env = "AICONVOKIT_DOCUMENT_ATTEMPTS", default_value_t = 3, value_parser = clap::value_parser!(i64).range(1..=100))]
    pub document_attempts: i64,

    /// The program that reads documents in a process of its own (this
    /// binary's hidden `extract` command). Default: this binary.
    #[arg(long, env = "AICONVOKIT_EXTRACTOR", hide = true)]
    pub extractor: Option<PathBuf>,

    /// Seconds after which a request is abandoned with 503.
    #[arg(long, env = "AICONVOKIT_REQUEST_TIMEOUT_SECS", default_value_t = 120)]
    pub request_timeout_secs: u64,

    /// The site's public address, e.g. `https://chat.example.com`, used in
    /// the widget snippet and, with single sign-on, for the provider's
    /// redirect URI. Default: the address the dashboard is visited at.
    #[arg(long, env = "AICONVOKIT_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Behind a reverse proxy: take the visitor's address from the last
    /// `X-Forwarded-For` entry (the widget's per-visitor limits count by it).
    #[arg(long, env = "AICONVOKIT_TRUST_PROXY", default_value_t = false)]
    pub trust_proxy: bool,

    /// On SIGTERM or Ctrl-C, how many seconds requests in flight (answers
    /// still streaming) get to finish before the server stops anyway.
    #[arg(long, env = "AICONVOKIT_SHUTDOWN_GRACE_SECS", default_value_t = 20)]
    pub shutdown_grace_secs: u64,

    /// Seconds a server's claim on work in progress (a document being
    /// read, an answer being written) lasts without renewal: after a server
    /// dies, the others take its work up once this has passed.
    #[arg(long, env = "AICONVOKIT_LEASE_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(2..=3600))]
    pub lease_secs: u64,

    /// How long a widget visitor's session token lives, in seconds (the
    /// widget renews it without the visitor noticing).
    #[arg(long, env = "AICONVOKIT_WIDGET_TOKEN_TTL_SECS", default_value_t = 1800, value_parser = clap::value_parser!(i64).range(1..=86_400))]
    pub widget_token_ttl_secs: i64,

    /// API requests allowed per key per minute.
    #[arg(long, env = "AICONVOKIT_API_RATE_PER_KEY", default_value = "600")]
    pub api_rate_per_key: std::num::NonZeroU32,

    /// API requests allowed per client address per minute (all keys).
    #[arg(long, env = "AICONVOKIT_API_RATE_PER_ADDRESS", default_value = "1200")]
    pub api_rate_per_address: std::num::NonZeroU32,

    /// Log-in and sign-up attempts allowed per address and username per hour.
    #[arg(long, env = "AICONVOKIT_LOGIN_ATTEMPTS_PER_HOUR", default_value = "20")]
    pub login_attempts_per_hour: std::num::NonZeroU32,

    /// Log-in and sign-up attempts allowed per address per hour, whatever
    /// the usernames (against trying one password on many accounts).
    #[arg(
        long,
        env = "AICONVOKIT_LOGIN_ATTEMPTS_PER_ADDRESS_PER_HOUR",
        default_value = "100"
    )]
    pub login_attempts_per_address_per_hour: std::num::NonZeroU32,

    /// Let web sources fetch private, loopback and link-local addresses
    /// (refused by default: a page address must not reach into the
    /// server's own network).
    #[arg(long, env = "AICONVOKIT_ALLOW_PRIVATE_FETCH", default_value_t = false)]
    pub allow_private_fetch: bool,

    /// Web sources: the least time between two requests to one site, in
    /// milliseconds.
    #[arg(long, env = "AICONVOKIT_FETCH_INTERVAL_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(0..=60_000))]
    pub fetch_interval_ms: u64,

    /// Web sources: seconds one page (its redirects and its body) may take.
    #[arg(long, env = "AICONVOKIT_FETCH_TIMEOUT_SECS", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub fetch_timeout_secs: u64,

    /// Web sources: the largest page read, in megabytes.
    #[arg(long, env = "AICONVOKIT_FETCH_MAX_MB", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=50))]
    pub fetch_max_mb: u64,

    /// The language model.
    #[command(flatten)]
    pub model: ModelConfig,

    /// Outgoing e-mail (invitations).
    #[command(flatten)]
    pub mail: crate::mail::MailConfig,

    /// Days the audit log keeps an entry.
    #[arg(long, env = "AICONVOKIT_AUDIT_RETENTION_DAYS", default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub audit_retention_days: u32,

    /// Single sign-on (OpenID Connect) and the password log-in.
    #[command(flatten)]
    pub sso: SsoSettings,

    /// Sentence-embedding model for semantic search: a folder holding a
    /// sentence-transformers model (`config.json`, `tokenizer.json`,
    /// `model.safetensors`), `openai:<model>` for the configured
    /// OpenAI-compatible provider's `/embeddings`, or `none` for keyword
    /// search only. Default: `models/all-MiniLM-L6-v2` when that folder exists.
    #[arg(long, env = "AICONVOKIT_EMBEDDING_MODEL")]
    pub embedding_model: Option<String>,
}

/// Where the default embedding model is put by `.ci/setup.sh`.
pub const DEFAULT_EMBEDDING_MODEL: &str = "models/all-MiniLM-L6-v2";

/// Which embedding model to load, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmbeddingChoice {
    /// Keyword search only.
    None,
    /// The model in this folder.
    Folder(PathBuf),
    /// This model of the configured OpenAI-compatible provider.
    OpenAi(String),
}

impl Config {
    /// The rate limits' quotas.
    pub fn quotas(&self) -> crate::ratelimit::Quotas {
        crate::ratelimit::Quotas {
            api_per_key_per_minute: self.api_rate_per_key,
            api_per_address_per_minute: self.api_rate_per_address,
            logins_per_hour: self.login_attempts_per_hour,
            logins_per_address_per_hour: self.login_attempts_per_address_per_hour,
        }
    }

    /// A configuration with every default, keeping its files under `data_dir`.
    pub fn with_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: data_dir.into(),
            database_url: None,
            storage_url: None,
            secure_cookies: false,
            max_body_mb: 200,
            max_file_mb: 50,
            extract_memory_mb: 1024,
            document_timeout_secs: 300,
            document_attempts: 3,
            extractor: None,
            request_timeout_secs: 120,
            public_url: None,
            trust_proxy: false,
            shutdown_grace_secs: 20,
            lease_secs: 60,
            widget_token_ttl_secs: 1800,
            api_rate_per_key: std::num::NonZeroU32::new(600).expect("not zero"),
            api_rate_per_address: std::num::NonZeroU32::new(1200).expect("not zero"),
            login_attempts_per_hour: std::num::NonZeroU32::new(20).expect("not zero"),
            login_attempts_per_address_per_hour: std::num::NonZeroU32::new(100).expect("not zero"),
            allow_private_fetch: false,
            fetch_interval_ms: 1000,
            fetch_timeout_secs: 20,
            fetch_max_mb: 5,
            mail: crate::mail::MailConfig::default(),
            audit_retention_days: 365,
            model: ModelConfig::default(),
            sso: SsoSettings::default(),
            embedding_model: Some("none".into()),
        }
    }

    /// The embedding model chosen: `none`, a folder, or by default the
    /// bundled folder when it exists.
    pub fn embedding_choice(&self) -> EmbeddingChoice {
        match self.embedding_model.as_deref().map(str::trim) {
            Some("none" | "") => EmbeddingChoice::None,
            Some(choice) => match choice.strip_prefix("openai:") {
                Some(model) => EmbeddingChoice::OpenAi(model.trim().to_owned()),
                None => EmbeddingChoice::Folder(PathBuf::from(choice)),
            },
            None if Path::new(DEFAULT_EMBEDDING_MODEL).is_dir() => {
                EmbeddingChoice::Folder(PathBuf::from(DEFAULT_EMBEDDING_MODEL))
            }
            None => EmbeddingChoice::None,
        }
    }

    /// The database URL to use: the one given, or a SQLite file in the data dir.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!("sqlite://{}", self.data_dir.join("aiconvokit.db").display())
        })
    }

    /// How web sources fetch pages.
    pub fn fetch_settings(&self) -> crate::web_sources::fetch::FetchSettings {
        let contact = self
            .public_url
            .as_deref()
            .map_or_else(|| "self-hosted".to_owned(), |url| format!("+{url}"));
        crate::web_sources::fetch::FetchSettings {
            allow_private: self.allow_private_fetch,
            timeout: std::time::Duration::from_secs(self.fetch_timeout_secs),
            max_bytes: usize::try_from(self.fetch_max_mb)
                .unwrap_or(5)
                .saturating_mul(1024 * 1024),
            interval: std::time::Duration::from_millis(self.fetch_interval_ms),
            user_agent: format!(
                "AIConvoKit/{} ({contact}; web sources)",
                env!("CARGO_PKG_VERSION")
            ),
        }
    }

    /// The largest single file, in bytes.
    pub fn max_file_bytes(&self) -> usize {
        self.max_file_mb.saturating_mul(1024 * 1024)
    }

    /// The largest request body, in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.max_body_mb.saturating_mul(1024 * 1024)
    }
}

/// Where the built site (wasm, js, css) lives: `LEPTOS_SITE_ROOT` when set,
/// else `target/site` under the working directory, else the `site` folder
/// beside the binary's own build folder (`target/release/../site`).
pub fn find_site_root(configured: &str) -> Result<PathBuf, String> {
    if std::env::var_os("LEPTOS_SITE_ROOT").is_some() {
        let root = PathBuf::from(configured);
        return if has_site(&root) {
            Ok(root)
        } else {
            Err(format!(
                "LEPTOS_SITE_ROOT={configured} holds no built site (pkg/ is missing); build it with `make build`"
            ))
        };
    }
    let mut candidates = vec![PathBuf::from(configured)];
    if let Ok(exe) = std::env::current_exe()
        && let Some(build_dir) = exe.parent()
        && let Some(target_dir) = build_dir.parent()
    {
        candidates.push(target_dir.join("site"));
    }
    candidates.into_iter().find(|root| has_site(root)).ok_or_else(|| {
        format!(
            "the built site (wasm, js, css) was not found in {configured} or beside the binary; \
             build it with `make build` or point LEPTOS_SITE_ROOT at it"
        )
    })
}

fn has_site(root: &Path) -> bool {
    root.join("pkg").is_dir()
}
