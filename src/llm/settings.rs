//! How the operator configures the language model.

use clap::Args;

/// The OpenAI-compatible language model (OpenAI, Ollama, vLLM, llama.cpp
/// server, …). With neither a key nor a base URL, no model is configured
/// and answers quote the best passages instead.
#[derive(Clone, Args)]
pub struct ModelConfig {
    /// API key of the provider (not needed by most local servers).
    #[arg(
        long = "openai-api-key",
        env = "OPENAI_API_KEY",
        hide_env_values = true
    )]
    pub api_key: Option<String>,

    /// Base URL of an OpenAI-compatible API, e.g. `http://localhost:11434/v1`
    /// for Ollama (default: OpenAI's).
    #[arg(long = "openai-base-url", env = "OPENAI_BASE_URL")]
    pub base_url: Option<String>,

    /// Model used when an assistant does not name its own.
    #[arg(long, env = "AICONVOKIT_CHAT_MODEL", default_value = "gpt-4o-mini")]
    pub chat_model: String,

    /// Models an assistant may choose, comma-separated (the chat model is
    /// always one of them; none listed: only the chat model).
    #[arg(long, env = "AICONVOKIT_ALLOWED_MODELS", value_delimiter = ',')]
    pub allowed_models: Vec<String>,

    /// Seconds to wait for a connection to the provider.
    #[arg(
        long,
        env = "AICONVOKIT_MODEL_CONNECT_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub connect_timeout_secs: u64,

    /// Seconds to wait for the first words of an answer (retries included).
    #[arg(
        long,
        env = "AICONVOKIT_MODEL_FIRST_TOKEN_TIMEOUT_SECS",
        default_value_t = 60
    )]
    pub first_token_timeout_secs: u64,

    /// Seconds an answer may take in all.
    #[arg(
        long,
        env = "AICONVOKIT_MODEL_TOTAL_TIMEOUT_SECS",
        default_value_t = 300
    )]
    pub total_timeout_secs: u64,

    /// Retries after a 429 or 5xx from the provider.
    #[arg(long, env = "AICONVOKIT_MODEL_MAX_RETRIES", default_value_t = 3)]
    pub max_retries: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            base_url: None,
            chat_model: "gpt-4o-mini".into(),
            allowed_models: Vec::new(),
            connect_timeout_secs: 10,
            first_token_timeout_secs: 60,
            total_timeout_secs: 300,
            max_retries: 3,
        }
    }
}

/// Never prints the API key.
impl std::fmt::Debug for ModelConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("base_url", &self.base_url)
            .field("chat_model", &self.chat_model)
            .field("allowed_models", &self.allowed_models)
            .field("connect_timeout_secs", &self.connect_timeout_secs)
            .field("first_token_timeout_secs", &self.first_token_timeout_secs)
            .field("total_timeout_secs", &self.total_timeout_secs)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}
