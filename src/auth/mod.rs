//! Authentication: passwords, browser sessions (axum-login) and API tokens.

pub mod api_token;
pub mod known_keys;
pub mod password;
pub mod session;

pub use session::{AuthSession, Backend};
