//! Vectors computed in earlier runs, by model and passage (a file of
//! `sha256(model, context, text)` then the f32 vector, one after another).

use std::collections::HashMap;
use std::path::Path;

use aiconvokit::db::Db;
use aiconvokit::model::DocumentMetadata;
use aiconvokit::search::index::vector_text;
use aiconvokit::search::semantic::Semantic;
use sha2::{Digest, Sha256};

fn key(model: &str, text: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(model.as_bytes());
    hasher.update([0]);
    hasher.update(text.as_bytes());
    hasher.finalize().into()
}

fn read(path: &Path) -> HashMap<[u8; 32], Vec<u8>> {
    let Ok(bytes) = std::fs::read(path) else {
        return HashMap::new();
    };
    let mut entries = HashMap::new();
    let mut rest = bytes.as_slice();
    while rest.len() >= 36 {
        let (head, tail) = rest.split_at(36);
        let length = u32::from_le_bytes([head[32], head[33], head[34], head[35]]) as usize;
        if tail.len() < length {
            break;
        }
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&head[..32]);
        entries.insert(hash, tail[..length].to_vec());
        rest = &tail[length..];
    }
    entries
}

async fn all_unembedded(db: &Db) -> anyhow::Result<Vec<aiconvokit::db::vectors::UnembeddedChunk>> {
    Ok(db.unembedded_chunks(i64::MAX).await?)
}

/// Stores the cached vectors of passages still without one; returns
/// how many.
pub async fn fill(db: &Db, semantic: &Semantic, path: &Path) -> anyhow::Result<usize> {
    let cache = read(path);
    let model = semantic.model_name();
    let rows: Vec<(i64, i64, Vec<u8>)> = all_unembedded(db)
        .await?
        .into_iter()
        .filter_map(|c| {
            let text = vector_text(&c.document, &c.context(), &c.heading, &c.text);
            cache
                .get(&key(model, &text))
                .map(|vector| (c.chunk_id, c.assistant_id, vector.clone()))
        })
        .collect();
    for batch in rows.chunks(500) {
        db.insert_vectors(model, batch).await?;
    }
    Ok(rows.len())
}

/// Adds every stored vector to the cache file.
pub async fn save(db: &Db, semantic: &Semantic, path: &Path) -> anyhow::Result<()> {
    let sql = "SELECT d.name AS document, a.company_name AS company, d.company, d.kind, d.period, \
                      c.heading, c.text, v.vector \
               FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id \
               JOIN documents d ON d.id = c.document_id JOIN assistants a ON a.id = c.assistant_id";
    let Db::Sqlite(pool) = db else {
        return Ok(());
    };
    type Row = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        Vec<u8>,
    );
    let rows: Vec<Row> = sqlx::query_as(sql).fetch_all(pool).await?;
    let mut cache = read(path);
    let model = semantic.model_name();
    for (document, company, document_company, kind, period, heading, text, vector) in rows {
        let about = DocumentMetadata {
            company: document_company,
            kind,
            period,
            title: None,
        }
        .context(&company);
        cache.insert(
            key(model, &vector_text(&document, &about, &heading, &text)),
            vector,
        );
    }
    let mut bytes = Vec::new();
    for (hash, vector) in cache {
        bytes.extend_from_slice(&hash);
        bytes.extend_from_slice(&(vector.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&vector);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, bytes)?;
    Ok(())
}
