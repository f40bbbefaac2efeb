//! The HTTP edges: every axum handler, extractor and middleware. Handlers
//! read the request, call the domain, and write the response; nothing
//! below this module knows about HTTP.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod export;
pub mod health;
pub mod input;
pub mod mcp;
pub mod openai;
pub mod ratelimit;
pub mod security;
pub mod sse;
pub mod sso;
pub mod widget;
