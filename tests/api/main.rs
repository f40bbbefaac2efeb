//! Integration tests: the real app over HTTP, a fresh database per test.

mod account;
mod assistants;
mod binary;
mod browser_forms;
mod chat;
mod cluster;
mod crash;
mod documents;
mod helpers;
mod http;
mod me;
mod mock_model;
mod openapi;
mod ratelimit;
mod secrets;
mod security;
mod semantic;
mod startup;
mod storage;
mod tokens;
mod users;
mod widget;
