//! Uploaded files → text per page → passages → the keyword index.
//!
//! `detect`, `extract` and `chunk` are pure; `storage` keeps the originals;
//! `worker` runs the durable processing queue in the background, and
//! `sandbox` reads each document in a child process with limits.

pub mod chunk;
pub mod detect;
pub mod docx;
pub mod email;
pub mod epub;
pub mod extract;
#[cfg(test)]
pub mod fixtures;
pub mod html;
pub mod markup;
pub mod metadata;
pub mod ocr;
pub mod opendocument;
pub mod package;
pub mod page;
pub mod rtf;
pub mod sandbox;
pub mod sheets;
pub mod slides;
pub mod storage;
pub mod worker;
