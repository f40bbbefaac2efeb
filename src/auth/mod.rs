//! Authentication: passwords, browser sessions (axum-login) and API tokens.

pub mod api_token;
pub mod keys;
pub mod known_keys;
pub mod password;
pub mod scope;
pub mod session;

pub use session::{AuthSession, Backend};
