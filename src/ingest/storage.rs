//! Original files, kept under the data dir and addressed by the SHA-256 of
//! their content: the same bytes are stored once.

use std::path::PathBuf;

use sha2::{Digest, Sha256};

/// Where uploaded originals live.
#[derive(Debug, Clone)]
pub struct FileStore {
    root: PathBuf,
}

/// The SHA-256 of some bytes, hex-encoded.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl FileStore {
    /// A store in `<data dir>/files`.
    pub fn new(data_dir: &std::path::Path) -> Self {
        Self {
            root: data_dir.join("files"),
        }
    }

    fn path(&self, sha256: &str) -> PathBuf {
        let prefix = sha256.get(..2).unwrap_or("xx");
        self.root.join(prefix).join(sha256)
    }

    /// Stores bytes (once) and returns their hash.
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = sha256_hex(bytes);
        let path = self.path(&sha256);
        if tokio::fs::try_exists(&path).await.unwrap_or(false) {
            return Ok(sha256);
        }
        if let Some(folder) = path.parent() {
            tokio::fs::create_dir_all(folder).await?;
        }
        // Write beside, then rename: a crash never leaves a half file under the hash.
        let partial = path.with_extension(format!("partial-{}", std::process::id()));
        tokio::fs::write(&partial, bytes).await?;
        tokio::fs::rename(&partial, &path).await?;
        Ok(sha256)
    }

    /// The bytes stored under a hash.
    pub async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        tokio::fs::read(self.path(sha256)).await
    }

    /// Removes the bytes stored under a hash (nothing if absent).
    pub async fn remove(&self, sha256: &str) -> std::io::Result<()> {
        match tokio::fs::remove_file(self.path(sha256)).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error),
            _ => Ok(()),
        }
    }
}
