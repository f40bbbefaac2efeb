//! Ranking functions for SQLite's FTS5 keyword index, written in Rust and
//! registered on every connection, so that an assistant's passages are
//! scored with that assistant's statistics only (FTS5's own `bm25()` takes
//! the number of passages, each term's document frequency and the average
//! length over the whole table, every account's passages included).
//!
//! They read only what FTS5 keeps for the current row of a `MATCH` query
//! (which of the query's phrases the row holds, how often, and how many
//! tokens its `body` column has), through FTS5's auxiliary-function API;
//! the arithmetic is [`crate::search::bm25`]:
//!
//! - `fts_phrase_mask(chunks_fts)`: bit `i` set when phrase `i` of the
//!   query occurs in the row (phrases 0 to 62).
//! - `fts_body_tokens(chunks_fts)`: the number of tokens in the `body`
//!   column (a passage's length as BM25 counts it).
//! - `fts_bm25(chunks_fts, average_length, idfs)`: the row's BM25 score,
//!   `idfs` holding one weight per phrase as little-endian `f64`s (a phrase
//!   without one weighs nothing).
//!
//! FFI: the functions receive raw pointers from SQLite and must neither
//! panic nor keep them beyond the call.

#![expect(
    unsafe_code,
    reason = "FTS5 auxiliary functions exist only in SQLite's C API"
)]

use std::ffi::{c_int, c_void};
use std::ptr;

use libsqlite3_sys as ffi;
use sqlx::sqlite::SqliteConnection;

use crate::search::bm25;

/// The column of `chunks_fts` holding the passage (the other holds its
/// assistant).
const BODY: c_int = 0;
/// Phrases a query may have for these functions.
const MAX_PHRASES: usize = 63;

/// Registers the ranking functions on a new connection.
pub(super) async fn register_on(connection: &mut SqliteConnection) -> sqlx::Result<()> {
    let mut handle = connection.lock_handle().await?;
    let raw = handle.as_raw_handle().as_ptr();
    // SAFETY: `raw` is this connection's open handle, locked for us while
    // the functions are registered.
    let registered = unsafe { register(raw) };
    registered.map_err(|message| sqlx::Error::Configuration(message.into()))
}

/// The FTS5 API of a connection, then each function registered with it.
///
/// # Safety
/// `db` must be an open connection handle that no other thread uses
/// during the call.
unsafe fn register(db: *mut ffi::sqlite3) -> Result<(), &'static str> {
    // As SQLite's documentation shows it: `SELECT fts5(?1)` with a pointer
    // bound under the type "fts5_api_ptr" writes the API's address there.
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    let mut statement: *mut ffi::sqlite3_stmt = ptr::null_mut();
    // SAFETY: `db` is open (caller); the statement is finalized below, and
    // `api` outlives the step that writes it.
    unsafe {
        if ffi::sqlite3_prepare_v2(
            db,
            c"SELECT fts5(?1)".as_ptr(),
            -1,
            &raw mut statement,
            ptr::null_mut(),
        ) == ffi::SQLITE_OK
        {
            ffi::sqlite3_bind_pointer(
                statement,
                1,
                (&raw mut api).cast::<c_void>(),
                c"fts5_api_ptr".as_ptr(),
                None,
            );
            ffi::sqlite3_step(statement);
        }
        ffi::sqlite3_finalize(statement);
    }
    if api.is_null() {
        return Err("this SQLite has no FTS5");
    }
    let functions: [(&std::ffi::CStr, ffi::fts5_extension_function); 3] = [
        (c"fts_phrase_mask", Some(phrase_mask)),
        (c"fts_body_tokens", Some(body_tokens)),
        (c"fts_bm25", Some(bm25_score)),
    ];
    for (name, function) in functions {
        // SAFETY: `api` was just handed out by this connection's FTS5 and
        // lives as long as the connection; the name is a static C string.
        let rc = unsafe {
            let create = (*api).xCreateFunction.ok_or("FTS5 cannot add functions")?;
            create(api, name.as_ptr(), ptr::null_mut(), function, None)
        };
        if rc != ffi::SQLITE_OK {
            return Err("FTS5 refused a ranking function");
        }
    }
    Ok(())
}

/// The current row as FTS5 shows it to an auxiliary function.
struct Row {
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
}

impl Row {
    /// Occurrences of each of the query's phrases in the `body` column
    /// (phrases past `counts.len()` are not counted); the number of phrases.
    fn phrase_counts(&self, counts: &mut [f64]) -> Result<usize, c_int> {
        // SAFETY: `api` and `fts` are the pointers FTS5 passed to the
        // running auxiliary function, valid for the call.
        unsafe {
            let api = &*self.api;
            let phrases = api.xPhraseCount.ok_or(ffi::SQLITE_MISUSE)?(self.fts);
            let mut instances: c_int = 0;
            let rc = api.xInstCount.ok_or(ffi::SQLITE_MISUSE)?(self.fts, &raw mut instances);
            if rc != ffi::SQLITE_OK {
                return Err(rc);
            }
            let inst = api.xInst.ok_or(ffi::SQLITE_MISUSE)?;
            for i in 0..instances {
                let (mut phrase, mut column, mut offset) = (0, 0, 0);
                let rc = inst(
                    self.fts,
                    i,
                    &raw mut phrase,
                    &raw mut column,
                    &raw mut offset,
                );
                if rc != ffi::SQLITE_OK {
                    return Err(rc);
                }
                if column == BODY
                    && let Some(count) =
                        usize::try_from(phrase).ok().and_then(|p| counts.get_mut(p))
                {
                    *count += 1.0;
                }
            }
            Ok(usize::try_from(phrases).unwrap_or(0))
        }
    }

    /// Tokens in the row's `body` column.
    fn body_tokens(&self) -> Result<c_int, c_int> {
        let mut tokens: c_int = 0;
        // SAFETY: as in `phrase_counts`.
        let rc = unsafe {
            (*self.api).xColumnSize.ok_or(ffi::SQLITE_MISUSE)?(self.fts, BODY, &raw mut tokens)
        };
        if rc == ffi::SQLITE_OK {
            Ok(tokens)
        } else {
            Err(rc)
        }
    }
}

/// `fts_phrase_mask(chunks_fts)`.
unsafe extern "C" fn phrase_mask(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    _count: c_int,
    _values: *mut *mut ffi::sqlite3_value,
) {
    let mut counts = [0.0; MAX_PHRASES];
    let result = Row { api, fts }.phrase_counts(&mut counts);
    // SAFETY: `context` is the call's result slot, given by SQLite.
    unsafe {
        match result {
            Ok(_) => {
                let mask = counts
                    .iter()
                    .enumerate()
                    .filter(|(_, count)| **count > 0.0)
                    .fold(0i64, |mask, (i, _)| mask | 1 << i);
                ffi::sqlite3_result_int64(context, mask);
            }
            Err(rc) => ffi::sqlite3_result_error_code(context, rc),
        }
    }
}

/// `fts_body_tokens(chunks_fts)`.
unsafe extern "C" fn body_tokens(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    _count: c_int,
    _values: *mut *mut ffi::sqlite3_value,
) {
    let result = Row { api, fts }.body_tokens();
    // SAFETY: `context` is the call's result slot, given by SQLite.
    unsafe {
        match result {
            Ok(tokens) => ffi::sqlite3_result_int64(context, i64::from(tokens)),
            Err(rc) => ffi::sqlite3_result_error_code(context, rc),
        }
    }
}

/// `fts_bm25(chunks_fts, average_length, idfs)`.
unsafe extern "C" fn bm25_score(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    count: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    let mut idfs = [0.0; MAX_PHRASES];
    let mut average_length = 1.0;
    // SAFETY: `values` holds `count` argument values, valid for the call;
    // a blob's pointer is valid for its length until the value changes.
    unsafe {
        if count >= 2 {
            average_length = ffi::sqlite3_value_double(*values);
            let blob = *values.add(1);
            let bytes = ffi::sqlite3_value_blob(blob).cast::<u8>();
            let length = usize::try_from(ffi::sqlite3_value_bytes(blob)).unwrap_or(0);
            if !bytes.is_null() {
                let weights = std::slice::from_raw_parts(bytes, length);
                for (idf, chunk) in idfs.iter_mut().zip(weights.chunks_exact(8)) {
                    let mut le = [0u8; 8];
                    le.copy_from_slice(chunk);
                    *idf = f64::from_le_bytes(le);
                }
            }
        }
    }
    let row = Row { api, fts };
    let mut tfs = [0.0; MAX_PHRASES];
    let result = row.phrase_counts(&mut tfs).and_then(|phrases| {
        let length = row.body_tokens()?;
        let phrases = phrases.min(MAX_PHRASES);
        Ok(bm25::passage_score(
            &idfs[..phrases],
            &tfs[..phrases],
            f64::from(length),
            average_length,
        ))
    });
    // SAFETY: `context` is the call's result slot, given by SQLite.
    unsafe {
        match result {
            Ok(score) => ffi::sqlite3_result_double(context, score),
            Err(rc) => ffi::sqlite3_result_error_code(context, rc),
        }
    }
}

/// The weights `fts_bm25` takes, one per phrase, as its blob argument.
pub fn idf_blob(idfs: &[f64]) -> Vec<u8> {
    idfs.iter().flat_map(|idf| idf.to_le_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use crate::db::Db;
    use crate::db::assistants::AssistantFields;
    use crate::db::documents::{NewChunk, NewDocument};
    use crate::search::bm25::{self, Collection};

    async fn sqlite(dir: &tempfile::TempDir) -> Db {
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        Db::connect(&url).await.expect("database")
    }

    /// An assistant holding one document of these passages (as indexed).
    async fn assistant_with(db: &Db, name: &str, passages: &[String]) -> i64 {
        let user = db
            .insert_user(name, &format!("{name}@example.com"), "-")
            .await
            .expect("user");
        let fields = AssistantFields {
            name: name.into(),
            company_name: String::new(),
            instructions: "-".into(),
        };
        let assistant = db
            .insert_assistant(user.id, &format!("asst_{name}"), &fields)
            .await
            .expect("assistant");
        let new = NewDocument {
            name: "notes.txt",
            content_type: "text/plain",
            size: 1,
            sha256: name,
        };
        let document = db
            .insert_document(assistant.id, &new)
            .await
            .expect("insert")
            .expect("new");
        let chunks: Vec<NewChunk> = passages
            .iter()
            .map(|text| NewChunk {
                page: None,
                heading: String::new(),
                text: text.clone(),
                indexed: text.clone(),
            })
            .collect();
        db.finish_document(&document, &chunks, 1, 0, &Default::default())
            .await
            .expect("indexed");
        assistant.id
    }

    fn passages(texts: &[&str]) -> Vec<String> {
        texts.iter().map(|t| (*t).to_owned()).collect()
    }

    #[tokio::test]
    async fn scores_are_bm25_over_the_assistants_own_passages() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite(&dir).await;
        let ada = assistant_with(
            &db,
            "ada",
            &passages(&[
                "Apples, apples and pears",
                "pears and plums",
                "plums, plums, plums; figs and kiwis",
                "nothing of the kind",
            ]),
        )
        .await;
        let terms = ["apple".to_owned(), "plum".to_owned()];
        let scores = |found: Vec<crate::db::documents::FoundChunk>| {
            found
                .into_iter()
                .map(|c| (c.text, c.score))
                .collect::<Vec<_>>()
        };
        let before = scores(db.search_chunks(ada, &terms, 10).await.expect("search"));

        // Lengths 4, 3, 6 and 4 words; "apple" in one passage, "plum" in two.
        let collection = Collection::new(4, 4 + 3 + 6 + 4);
        let (apple, plum) = (bm25::idf(collection, 1), bm25::idf(collection, 2));
        let average = collection.average_length;
        let mut expected = vec![
            (
                "Apples, apples and pears".to_owned(),
                bm25::term_score(apple, 2.0, 4.0, average),
            ),
            (
                "pears and plums".to_owned(),
                bm25::term_score(plum, 1.0, 3.0, average),
            ),
            (
                "plums, plums, plums; figs and kiwis".to_owned(),
                bm25::term_score(plum, 3.0, 6.0, average),
            ),
        ];
        expected.sort_by(|a, b| b.1.total_cmp(&a.1));
        assert_eq!(before, expected);

        // Another assistant's passages, full of one of the words, change
        // nothing.
        let many = "plum ".repeat(300);
        assistant_with(&db, "bob", &[many.clone(), many, "plum".to_owned()]).await;
        let after = scores(db.search_chunks(ada, &terms, 10).await.expect("search"));
        assert_eq!(after, before);
    }

    #[tokio::test]
    async fn passage_lengths_are_the_index_own() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite(&dir).await;
        // Lengths that FTS5 stores as varints of one, two and three bytes.
        let texts = passages(&[
            "one two, three",
            &"word ".repeat(200),
            &"Ünïcode — café naïve résumé 1,577 ".repeat(4_000),
        ]);
        let assistant = assistant_with(&db, "ada", &texts).await;
        let Db::Sqlite(pool) = &db else {
            unreachable!("SQLite")
        };
        let counted = |pool: sqlx::SqlitePool| async move {
            sqlx::query_as::<_, (i64, i64)>("SELECT id, tokens FROM chunks ORDER BY id")
                .fetch_all(&pool)
                .await
                .expect("tokens")
        };
        let indexed: Vec<(i64, i64)> = sqlx::query_as(
            "WITH found AS MATERIALIZED (SELECT rowid AS id, fts_body_tokens(chunks_fts) AS tokens \
             FROM chunks_fts WHERE chunks_fts MATCH $1) SELECT id, tokens FROM found ORDER BY id",
        )
        .bind(format!("assistant : a{assistant}"))
        .fetch_all(pool)
        .await
        .expect("index");
        assert_eq!(
            indexed.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
            [3, 200, 24_000]
        );
        assert_eq!(counted(pool.clone()).await, indexed, "stored at indexing");

        // Passages indexed before the column existed get it from the
        // migration, which reads FTS5's own record of it.
        let migration =
            include_str!("../../migrations/sqlite/0010_assistant_keyword_statistics.sql");
        let update = migration
            .split(';')
            .find(|statement| statement.trim_start().starts_with("UPDATE chunks"))
            .expect("the migration fills the column");
        sqlx::query("UPDATE chunks SET tokens = 0")
            .execute(pool)
            .await
            .expect("reset");
        sqlx::query(update).execute(pool).await.expect("migration");
        assert_eq!(
            counted(pool.clone()).await,
            indexed,
            "read by the migration"
        );
    }
}
