//! Authentication: passwords, browser sessions (axum-login) and API tokens.

pub mod api_token;
pub mod extractor;
pub mod known_keys;
pub mod password;
pub mod session;

pub use extractor::ApiAuth;
pub use session::{AuthSession, Backend};
