//! Original files, addressed by the SHA-256 of their content (the same
//! bytes are stored once), through `object_store`: under the data dir by
//! default, or in any S3-compatible store (`--storage-url s3://bucket/prefix`)
//! that several servers share.

use std::sync::Arc;

use std::time::Duration;

use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{BackoffConfig, RetryConfig};
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use sha2::{Digest, Sha256};

/// How long a request to an S3 store is tried again before its error is
/// reported: a passing fault is absorbed, while an outage answers the
/// uploader in seconds (503) instead of holding the request for minutes
/// (the crate's default is ten tries over three minutes).
const RETRIES: RetryConfig = RetryConfig {
    backoff: BackoffConfig {
        init_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_secs(2),
        base: 2.0,
    },
    max_retries: 3,
    retry_timeout: Duration::from_secs(10),
};

/// Where uploaded originals live.
#[derive(Debug, Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    /// Folder of the files inside the store.
    prefix: Path,
    /// Where, for people: a folder or a URL without credentials.
    location: String,
}

/// Why the configured store cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the storage URL {0:?} is not a URL: use s3://bucket/prefix")]
    NotAUrl(String),
    #[error("the storage URL {0:?} is not supported: use s3://bucket/prefix")]
    UnknownScheme(String),
    #[error("cannot create the files folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot use the store {location}: {source}")]
    Store {
        location: String,
        source: object_store::Error,
    },
}

/// The SHA-256 of some bytes, hex-encoded.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A store's error as the I/O error callers handle (a missing file is
/// `NotFound`).
fn io_error(error: object_store::Error) -> std::io::Error {
    match error {
        object_store::Error::NotFound { .. } => {
            std::io::Error::new(std::io::ErrorKind::NotFound, error)
        }
        other => std::io::Error::other(other),
    }
}

impl FileStore {
    /// A store in `<data dir>/files`.
    pub fn local(data_dir: &std::path::Path) -> Result<Self, StoreError> {
        let root = data_dir.join("files");
        std::fs::create_dir_all(&root).map_err(|source| StoreError::Folder {
            path: root.display().to_string(),
            source,
        })?;
        let location = root.display().to_string();
        let store =
            LocalFileSystem::new_with_prefix(&root).map_err(|source| StoreError::Store {
                location: location.clone(),
                source,
            })?;
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::default(),
            location,
        })
    }

    /// The store a `--storage-url` names: `s3://bucket/prefix`, with the
    /// credentials, region and endpoint from the usual `AWS_*` variables
    /// (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP=true` for MinIO, moto, …).
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        let parsed = url::Url::parse(url).map_err(|_| StoreError::NotAUrl(url.to_owned()))?;
        if parsed.scheme() != "s3" {
            return Err(StoreError::UnknownScheme(url.to_owned()));
        }
        let location = format!(
            "s3://{}{}",
            parsed.host_str().unwrap_or_default(),
            parsed.path()
        );
        let store = AmazonS3Builder::from_env()
            .with_url(url)
            .with_retry(RETRIES)
            .build()
            .map_err(|source| StoreError::Store {
                location: location.clone(),
                source,
            })?;
        Ok(Self {
            store: Arc::new(store),
            prefix: Path::from(parsed.path()),
            location,
        })
    }

    /// Where the files are, for the log.
    pub fn location(&self) -> &str {
        &self.location
    }

    fn path(&self, sha256: &str) -> Path {
        let folder = sha256.get(..2).unwrap_or("xx");
        self.prefix.clone().join(folder).join(sha256)
    }

    /// Stores bytes (once) and returns their hash. A store never holds a
    /// half-written file under a hash (the local one writes beside, then
    /// renames; S3 makes an object visible whole).
    pub async fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let sha256 = sha256_hex(bytes);
        let path = self.path(&sha256);
        match self.store.head(&path).await {
            Ok(_) => return Ok(sha256),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(io_error(error)),
        }
        self.store
            .put(&path, PutPayload::from(bytes.to_vec()))
            .await
            .map_err(io_error)?;
        Ok(sha256)
    }

    /// The bytes stored under a hash.
    pub async fn get(&self, sha256: &str) -> std::io::Result<Vec<u8>> {
        let found = self.store.get(&self.path(sha256)).await.map_err(io_error)?;
        Ok(found.bytes().await.map_err(io_error)?.to_vec())
    }

    /// Removes the bytes stored under a hash (nothing if absent).
    pub async fn remove(&self, sha256: &str) -> std::io::Result<()> {
        match self.store.delete(&self.path(sha256)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(io_error(error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stores_once_by_content_under_the_same_layout_as_before() {
        let dir = tempfile::tempdir().expect("dir");
        let store = FileStore::local(dir.path()).expect("store");
        let sha = store.put(b"annual report").await.expect("put");
        assert_eq!(sha, sha256_hex(b"annual report"));
        assert!(
            dir.path()
                .join("files")
                .join(&sha[..2])
                .join(&sha)
                .is_file()
        );
        assert_eq!(store.put(b"annual report").await.expect("again"), sha);
        assert_eq!(store.get(&sha).await.expect("get"), b"annual report");
        store.remove(&sha).await.expect("remove");
        store.remove(&sha).await.expect("removing twice is fine");
        let missing = store.get(&sha).await.expect_err("gone");
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    }

    #[test]
    fn refuses_storage_urls_it_cannot_use() {
        assert!(matches!(
            FileStore::from_url("not a url"),
            Err(StoreError::NotAUrl(_))
        ));
        assert!(matches!(
            FileStore::from_url("ftp://files.example.com/x"),
            Err(StoreError::UnknownScheme(_))
        ));
    }
}
