//! Ranking functions for SQLite's FTS5 keyword index, written in Rust and
//! registered on every connection, so that an assistant's passages are
//! scored with that assistant's statistics only (FTS5's own `bm25()` takes
//! the number of passages, each term's document frequency and the average
//! length over the whole table, every account's passages included).
//!
//! They read only what FTS5 keeps for the current row of a `MATCH` query
//! (which of the query's phrases the row holds, how often, and how many
//! tokens its `body` column has), through FTS5's auxiliary-function API;
//! the arithmetic is [`crate::db::bm25`], in Rust:
//!
//! - `fts_body_tokens(chunks_fts)`: the number of tokens in the `body`
//!   column (a passage's length as BM25 counts it).
//! - `fts_match(chunks_fts)`: the row as a [`Match`] record (its rowid,
//!   its length and each phrase's occurrences in `body`).
//! - `fts_concat(blob)`: an aggregate joining its blobs, so that one query
//!   hands every match's record over at once:
//!   `SELECT fts_concat(record) FROM (SELECT fts_match(chunks_fts) AS record
//!   FROM chunks_fts WHERE chunks_fts MATCH ? LIMIT -1)`. (FTS5 refuses
//!   its functions inside an aggregate's arguments; `LIMIT -1` keeps the
//!   subquery from being merged into the aggregate, so the function still
//!   runs while FTS5's cursor is on the row.)
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

/// The column of `chunks_fts` holding the passage (the other holds its
/// assistant).
const BODY: c_int = 0;

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
    let functions: [(&std::ffi::CStr, ffi::fts5_extension_function); 2] = [
        (c"fts_body_tokens", Some(body_tokens)),
        (c"fts_match", Some(match_record)),
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
    // SAFETY: `db` is open (caller); the name is a static C string and the
    // callbacks are the aggregate's, with no user data.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"fts_concat".as_ptr(),
            1,
            ffi::SQLITE_UTF8,
            ptr::null_mut(),
            None,
            Some(concat_step),
            Some(concat_final),
            None,
        )
    };
    if rc != ffi::SQLITE_OK {
        return Err("SQLite refused the fts_concat aggregate");
    }
    Ok(())
}

/// One row of a `MATCH` query as `fts_match` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<'a> {
    /// The row's id (the passage's, in `chunks`).
    pub rowid: i64,
    /// Tokens in its `body` column.
    pub tokens: u32,
    /// Occurrences of each of the query's phrases in `body`, in the
    /// query's order, as little-endian `u16`s (read with [`Match::count`]).
    counts: &'a [u8],
}

impl Match<'_> {
    /// Occurrences of phrase `phrase` in the row's `body` (0 past the last).
    pub fn count(&self, phrase: usize) -> u16 {
        self.counts
            .get(phrase * 2..phrase * 2 + 2)
            .map_or(0, |le| u16::from_le_bytes([le[0], le[1]]))
    }
}

/// Bytes before a record's counts: rowid (8), tokens (4), phrases (2).
const RECORD_HEAD: usize = 14;

/// The records `fts_concat(fts_match(chunks_fts))` returned, in order; a
/// truncated last record is left out.
pub fn matches(records: &[u8]) -> impl Iterator<Item = Match<'_>> {
    let mut rest = records;
    std::iter::from_fn(move || {
        let head = rest.get(..RECORD_HEAD)?;
        let rowid = i64::from_le_bytes(head[..8].try_into().ok()?);
        let tokens = u32::from_le_bytes(head[8..12].try_into().ok()?);
        let phrases = usize::from(u16::from_le_bytes([head[12], head[13]]));
        let counts = rest.get(RECORD_HEAD..RECORD_HEAD + phrases * 2)?;
        rest = &rest[RECORD_HEAD + phrases * 2..];
        Some(Match {
            rowid,
            tokens,
            counts,
        })
    })
}

/// The current row as FTS5 shows it to an auxiliary function.
struct Row {
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
}

impl Row {
    /// Occurrences of each of the query's phrases in the `body` column,
    /// one per phrase.
    fn phrase_counts(&self) -> Result<Vec<u16>, c_int> {
        // SAFETY: `api` and `fts` are the pointers FTS5 passed to the
        // running auxiliary function, valid for the call.
        unsafe {
            let api = &*self.api;
            let phrases = api.xPhraseCount.ok_or(ffi::SQLITE_MISUSE)?(self.fts);
            let mut counts = vec![0u16; usize::try_from(phrases).unwrap_or(0)];
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
                    *count = count.saturating_add(1);
                }
            }
            Ok(counts)
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

    /// The row's id.
    fn rowid(&self) -> Result<i64, c_int> {
        // SAFETY: as in `phrase_counts`.
        Ok(unsafe { (*self.api).xRowid.ok_or(ffi::SQLITE_MISUSE)?(self.fts) })
    }

    /// The row as a [`Match`] record: rowid, tokens, phrase count, counts.
    fn record(&self) -> Result<Vec<u8>, c_int> {
        let counts = self.phrase_counts()?;
        let phrases = u16::try_from(counts.len()).map_err(|_| ffi::SQLITE_TOOBIG)?;
        let tokens = u32::try_from(self.body_tokens()?).unwrap_or(0);
        let mut record = Vec::with_capacity(RECORD_HEAD + counts.len() * 2);
        record.extend_from_slice(&self.rowid()?.to_le_bytes());
        record.extend_from_slice(&tokens.to_le_bytes());
        record.extend_from_slice(&phrases.to_le_bytes());
        for count in counts {
            record.extend_from_slice(&count.to_le_bytes());
        }
        Ok(record)
    }
}

/// Hands `bytes` to SQLite as the call's result (SQLite copies them).
///
/// # Safety
/// `context` must be the running call's result slot.
unsafe fn result_blob(context: *mut ffi::sqlite3_context, bytes: &[u8]) {
    let length = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    // SAFETY: the caller's slot; SQLITE_TRANSIENT makes SQLite copy the
    // bytes before this returns.
    unsafe {
        ffi::sqlite3_result_blob64(
            context,
            bytes.as_ptr().cast::<c_void>(),
            length,
            ffi::SQLITE_TRANSIENT(),
        );
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

/// `fts_match(chunks_fts)`.
unsafe extern "C" fn match_record(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    _count: c_int,
    _values: *mut *mut ffi::sqlite3_value,
) {
    let result = Row { api, fts }.record();
    // SAFETY: `context` is the call's result slot, given by SQLite.
    unsafe {
        match result {
            Ok(record) => result_blob(context, &record),
            Err(rc) => ffi::sqlite3_result_error_code(context, rc),
        }
    }
}

/// The state of one `fts_concat` group: the blobs joined so far, owned
/// through a pointer that SQLite keeps in the group's context.
type Joined = *mut Vec<u8>;

/// `fts_concat(blob)`: one step, appending the argument's bytes.
unsafe extern "C" fn concat_step(
    context: *mut ffi::sqlite3_context,
    count: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: `context` is this group's (SQLite zeroes the slot when it
    // first allocates it); `values` holds `count` arguments, and a blob's
    // pointer is valid for its length until the value changes.
    unsafe {
        let size = c_int::try_from(size_of::<Joined>()).unwrap_or(c_int::MAX);
        let slot = ffi::sqlite3_aggregate_context(context, size).cast::<Joined>();
        if slot.is_null() {
            ffi::sqlite3_result_error_nomem(context);
            return;
        }
        if (*slot).is_null() {
            *slot = Box::into_raw(Box::default());
        }
        if count < 1 {
            return;
        }
        let value = *values;
        let bytes = ffi::sqlite3_value_blob(value).cast::<u8>();
        let length = usize::try_from(ffi::sqlite3_value_bytes(value)).unwrap_or(0);
        if !bytes.is_null() && length > 0 {
            (**slot).extend_from_slice(std::slice::from_raw_parts(bytes, length));
        }
    }
}

/// `fts_concat(blob)`: the group's result, freeing its state.
unsafe extern "C" fn concat_final(context: *mut ffi::sqlite3_context) {
    // SAFETY: `context` is this group's; its slot, when allocated, holds
    // null or the pointer `concat_step` made with `Box::into_raw`, taken
    // back exactly once here (SQLite calls the final step once per group).
    unsafe {
        let slot = ffi::sqlite3_aggregate_context(context, 0).cast::<Joined>();
        if slot.is_null() || (*slot).is_null() {
            result_blob(context, &[]);
            return;
        }
        let joined = Box::from_raw(*slot);
        *slot = ptr::null_mut();
        result_blob(context, &joined);
    }
}

#[cfg(test)]
mod tests {
    use crate::db::Db;
    use crate::db::assistants::AssistantFields;
    use crate::db::bm25::{self, Collection};
    use crate::db::documents::{NewChunk, NewDocument};

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
            ocr_languages: "eng".into(),
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
                keyword: crate::search::index::keyword_entry(text.clone()),
            })
            .collect();
        db.finish_document(
            &document,
            &chunks,
            &crate::db::documents::PageCounts::all_text(1),
            &Default::default(),
        )
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

    /// What the one-pass query hands over for `query`.
    async fn records_of(pool: &sqlx::SqlitePool, query: &str) -> Vec<u8> {
        let (records,): (Vec<u8>,) = sqlx::query_as(
            "SELECT fts_concat(record) FROM (SELECT fts_match(chunks_fts) AS record \
             FROM chunks_fts WHERE chunks_fts MATCH $1 LIMIT -1)",
        )
        .bind(query)
        .fetch_one(pool)
        .await
        .expect("records");
        records
    }

    #[tokio::test]
    async fn one_pass_records_each_match_of_the_query() {
        let dir = tempfile::tempdir().expect("dir");
        let db = sqlite(&dir).await;
        let ada = assistant_with(
            &db,
            "ada",
            &passages(&["plums and pears", "pears, pears", "figs"]),
        )
        .await;
        assistant_with(&db, "bob", &passages(&["pears"])).await;
        let Db::Sqlite(pool) = &db else {
            unreachable!("SQLite")
        };
        let records = records_of(
            pool,
            &format!("assistant : a{ada} AND body : (\"pear\" OR \"plum\")"),
        )
        .await;
        let found: Vec<(u32, Vec<u16>)> = super::matches(&records)
            .map(|m| (m.tokens, (0..3).map(|p| m.count(p)).collect()))
            .collect();
        // Phrase 0 is the assistant (not in `body`), then "pear", "plum";
        // bob's passage and the one without either word are not matches.
        assert_eq!(found, [(3, vec![0, 1, 1]), (2, vec![0, 2, 0])]);

        // A truncated record is left out, not misread.
        let cut = &records[..records.len() - 1];
        assert_eq!(super::matches(cut).count(), 1);

        // No match: an empty list.
        let none = records_of(pool, &format!("assistant : a{ada} AND body : \"kiwi\"")).await;
        assert_eq!(super::matches(&none).count(), 0);
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
