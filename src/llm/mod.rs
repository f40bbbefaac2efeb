//! The language model, reached through async-openai at whatever
//! OpenAI-compatible endpoint the operator configures (OpenAI, Ollama, vLLM,
//! llama.cpp server, …): streamed answers, bounded waits, and retries with
//! backoff on 429 and 5xx that honour `Retry-After`.
//!
//! Errors say what went wrong with the provider in plain words and never
//! carry the API key or the provider's own message (which may echo it).

use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::ReqwestService;
use async_openai::middleware::retry::OpenAIRetryLayer;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, CreateChatCompletionRequestArgs, StopConfiguration,
};
use async_openai::types::embeddings::{CreateEmbeddingRequestArgs, EmbeddingInput};
use futures_util::StreamExt;
use tokio::sync::mpsc;

mod settings;

pub use settings::ModelConfig;

/// Why the model gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// 502: it answered with an error, or with something unreadable.
    #[error("The language model provider failed: {0}.")]
    Failed(String),
    /// 503: it did not answer in time.
    #[error("The language model provider did not answer in time.")]
    Timeout,
    /// 503: it kept refusing with 429 after the retries.
    #[error("The language model provider is over its rate limit; try again in a moment.")]
    RateLimited,
}

/// A message of the prompt, as the chat-completions API takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptMessage {
    System(String),
    User(String),
    Assistant(String),
}

impl PromptMessage {
    /// Its text.
    pub fn text(&self) -> &str {
        match self {
            Self::System(text) | Self::User(text) | Self::Assistant(text) => text,
        }
    }
}

/// The models an assistant may be set to, the configured chat model first:
/// `--allowed-models` (trimmed, without blanks or repeats) and the chat
/// model, which answers whatever an assistant chooses anyway.
pub fn allowed_models(config: &ModelConfig) -> Vec<String> {
    let mut models = vec![config.chat_model.trim().to_owned()];
    for model in config.allowed_models.iter().map(|m| m.trim()) {
        if !model.is_empty() && !models.iter().any(|known| known == model) {
            models.push(model.to_owned());
        }
    }
    models
}

/// The model that answers for an assistant set to `chosen`: the chosen one
/// when it is allowed, else (none chosen, or one the operator no longer
/// allows) the default. Every request to the provider names a model this
/// picked, so no setting can bill another model to the operator's key.
pub fn model_to_use<'a>(
    chosen: Option<&'a str>,
    allowed: &'a [String],
    default: &'a str,
) -> &'a str {
    chosen
        .map(str::trim)
        .filter(|model| !model.is_empty() && allowed.iter().any(|known| known == model))
        .unwrap_or(default)
}

/// How the model writes an answer: the caller's choices, each left to the
/// provider's default when absent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sampling {
    pub temperature: Option<f64>,
    /// The most tokens the answer may have.
    pub max_tokens: Option<u32>,
    /// Sequences at which the model stops (at most four, as OpenAI takes).
    pub stop: Vec<String>,
}

/// A configured model provider.
#[derive(Clone)]
pub struct Provider {
    client: Client<OpenAIConfig>,
    default_model: String,
    allowed_models: Vec<String>,
    first_token: Duration,
    total: Duration,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("default_model", &self.default_model)
            .finish_non_exhaustive()
    }
}

/// The tokens `text` makes for the model (cl100k, as GPT-4-class models
/// and most others count closely enough for a budget).
pub fn count_tokens(text: &str) -> usize {
    tiktoken_rs::cl100k_base_singleton()
        .encode_ordinary(text)
        .len()
}

impl Provider {
    /// The provider the configuration describes, or `None` when no model is
    /// configured (no API key and no base URL).
    pub fn from_config(config: &ModelConfig) -> Option<Self> {
        let key = config.api_key.clone().filter(|k| !k.trim().is_empty());
        let base = config.base_url.clone().filter(|b| !b.trim().is_empty());
        if key.is_none() && base.is_none() {
            return None;
        }
        let mut openai = OpenAIConfig::new().with_api_key(key.unwrap_or_default());
        if let Some(base) = base {
            openai = openai.with_api_base(base.trim_end_matches('/'));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
            .build()
            .ok()?;
        // 429 and 5xx are retried, after `Retry-After` when given; the
        // response must begin within the first-token wait, retries included.
        let service = tower::ServiceBuilder::new()
            .timeout(Duration::from_secs(config.first_token_timeout_secs))
            .layer(OpenAIRetryLayer::new(config.max_retries))
            .service(ReqwestService::new(http));
        let allowed = allowed_models(config);
        Some(Self {
            client: Client::with_config(openai).with_http_service(service),
            default_model: allowed[0].clone(),
            allowed_models: allowed,
            first_token: Duration::from_secs(config.first_token_timeout_secs),
            total: Duration::from_secs(config.total_timeout_secs),
        })
    }

    /// The model that answers for an assistant set to `chosen`.
    pub fn model_for<'a>(&'a self, chosen: Option<&'a str>) -> &'a str {
        model_to_use(chosen, &self.allowed_models, &self.default_model)
    }

    /// Streams an answer to `messages` from the assistant's `model` (the
    /// default when it is none, or not allowed), sending each piece of text
    /// to `deltas` as it arrives; returns the whole answer.
    pub async fn complete(
        &self,
        messages: &[PromptMessage],
        model: Option<&str>,
        sampling: &Sampling,
        deltas: Option<mpsc::Sender<String>>,
    ) -> Result<String, ProviderError> {
        let model = model_to_use(model, &self.allowed_models, &self.default_model);
        let mut request = CreateChatCompletionRequestArgs::default();
        request
            .model(model)
            .messages(messages.iter().map(to_openai).collect::<Vec<_>>());
        if let Some(temperature) = sampling.temperature {
            #[allow(clippy::cast_possible_truncation)]
            request.temperature(temperature as f32);
        }
        if let Some(max_tokens) = sampling.max_tokens {
            request.max_completion_tokens(max_tokens);
        }
        if !sampling.stop.is_empty() {
            request.stop(StopConfiguration::StringArray(sampling.stop.clone()));
        }
        let request = request
            .build()
            .map_err(|_| ProviderError::Failed("the request could not be built".into()))?;

        let work = async {
            let mut stream = self
                .client
                .chat()
                .create_stream(request)
                .await
                .map_err(classify)?;
            let mut answer = String::new();
            let mut first = true;
            loop {
                let wait = if first { self.first_token } else { self.total };
                let next = tokio::select! {
                    next = tokio::time::timeout(wait, stream.next()) => {
                        next.map_err(|_| ProviderError::Timeout)?
                    }
                    // The reader stopped the answer (or left) while the
                    // model was thinking: stop now, keep what was written.
                    () = reader_gone(deltas.as_ref()) => return Ok(answer),
                };
                first = false;
                let Some(chunk) = next else { break };
                let chunk = chunk.map_err(classify)?;
                for choice in chunk.choices {
                    if let Some(text) = choice.delta.content.filter(|t| !t.is_empty()) {
                        answer.push_str(&text);
                        if let Some(deltas) = &deltas
                            && deltas.send(text).await.is_err()
                        {
                            // The reader stopped the answer (or left): stop
                            // the model and keep what it wrote so far.
                            return Ok(answer);
                        }
                    }
                }
            }
            if answer.trim().is_empty() {
                return Err(ProviderError::Failed("it returned an empty answer".into()));
            }
            Ok(answer)
        };
        tokio::time::timeout(self.total, work)
            .await
            .map_err(|_| ProviderError::Timeout)?
    }

    /// Vectors for `texts` from the provider's `/embeddings` endpoint with
    /// `model`, in order.
    pub async fn embed(
        &self,
        model: &str,
        texts: Vec<String>,
    ) -> Result<Vec<Vec<f32>>, ProviderError> {
        let count = texts.len();
        let request = CreateEmbeddingRequestArgs::default()
            .model(model)
            .input(EmbeddingInput::StringArray(texts))
            .build()
            .map_err(|_| ProviderError::Failed("the request could not be built".into()))?;
        let response = tokio::time::timeout(self.total, self.client.embeddings().create(request))
            .await
            .map_err(|_| ProviderError::Timeout)?
            .map_err(classify)?;
        let mut data = response.data;
        if data.len() != count {
            return Err(ProviderError::Failed(format!(
                "it returned {} vectors for {count} texts",
                data.len()
            )));
        }
        data.sort_by_key(|embedding| embedding.index);
        Ok(data
            .into_iter()
            .map(|embedding| embedding.embedding)
            .collect())
    }
}

/// Resolves when nobody reads the answer any more; never without a reader.
async fn reader_gone(deltas: Option<&mpsc::Sender<String>>) {
    match deltas {
        Some(deltas) => deltas.closed().await,
        None => std::future::pending().await,
    }
}

fn to_openai(message: &PromptMessage) -> ChatCompletionRequestMessage {
    match message {
        PromptMessage::System(text) => ChatCompletionRequestMessage::System(text.as_str().into()),
        PromptMessage::User(text) => ChatCompletionRequestMessage::User(text.clone().into()),
        PromptMessage::Assistant(text) => {
            ChatCompletionRequestMessage::Assistant(text.as_str().into())
        }
    }
}

/// The provider's failure in words a user understands, without its message.
fn classify(error: OpenAIError) -> ProviderError {
    match error {
        OpenAIError::ApiError(response) => {
            let status = response.status_code.as_u16();
            match status {
                429 => ProviderError::RateLimited,
                401 | 403 => ProviderError::Failed(format!(
                    "it refused the configured credentials (HTTP {status})"
                )),
                404 => ProviderError::Failed(format!(
                    "it does not know the configured model (HTTP {status})"
                )),
                _ => ProviderError::Failed(format!("it answered with HTTP {status}")),
            }
        }
        OpenAIError::Reqwest(error) if error.is_timeout() => ProviderError::Timeout,
        OpenAIError::Reqwest(error) if error.is_connect() => {
            ProviderError::Failed("it could not be reached".into())
        }
        OpenAIError::Reqwest(_) => ProviderError::Failed("the connection to it broke".into()),
        OpenAIError::Boxed(error) if error.is::<tower::timeout::error::Elapsed>() => {
            ProviderError::Timeout
        }
        // Errors from inside the middleware stack come boxed.
        OpenAIError::Boxed(error) => match error.downcast::<OpenAIError>() {
            Ok(inner) => classify(*inner),
            Err(_) => ProviderError::Failed("the request to it failed".into()),
        },
        OpenAIError::JSONDeserialize(..) | OpenAIError::StreamError(_) => {
            ProviderError::Failed("it sent an answer that could not be read".into())
        }
        _ => ProviderError::Failed("the request to it failed".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chat_model_is_always_allowed_and_listed_first() {
        let mut config = ModelConfig::default();
        assert_eq!(allowed_models(&config), ["gpt-4o-mini"]);
        config.allowed_models = vec![
            " llama3.1".into(),
            String::new(),
            "gpt-4o-mini".into(),
            "llama3.1 ".into(),
            "mistral".into(),
        ];
        assert_eq!(
            allowed_models(&config),
            ["gpt-4o-mini", "llama3.1", "mistral"]
        );
    }

    #[test]
    fn a_model_not_allowed_is_answered_by_the_default() {
        let allowed = ["gpt-4o-mini".to_owned(), "llama3.1".to_owned()];
        let default = "gpt-4o-mini";
        assert_eq!(
            model_to_use(Some("llama3.1"), &allowed, default),
            "llama3.1"
        );
        assert_eq!(
            model_to_use(Some(" llama3.1 "), &allowed, default),
            "llama3.1"
        );
        assert_eq!(model_to_use(Some("gpt-4"), &allowed, default), default);
        assert_eq!(model_to_use(Some("LLAMA3.1"), &allowed, default), default);
        assert_eq!(model_to_use(Some(""), &allowed, default), default);
        assert_eq!(model_to_use(None, &allowed, default), default);
    }
}
