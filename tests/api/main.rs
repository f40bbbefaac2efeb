//! Integration tests: the real app over HTTP, a fresh database per test.

mod account;
mod assistants;
mod binary;
mod browser_forms;
mod busy;
mod chat;
mod cluster;
mod crash;
mod document_metadata;
mod documents;
mod evaluation;
mod feedback;
#[path = "../support/files.rs"]
mod files;
mod helpers;
mod hostile;
mod http;
mod keyword_privacy;
mod login_hardening;
mod mcp;
mod me;
mod mock_model;
mod models;
mod openai_compat;
mod openapi;
mod ratelimit;
mod scoped_keys;
mod secrets;
mod security;
mod semantic;
mod startup;
mod storage;
mod tokens;
mod users;
mod web_sources;
mod widget;
