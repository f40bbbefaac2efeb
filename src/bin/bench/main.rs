//! Retrieval benchmark: ingests each PDF through the server's own code
//! (extraction, passages, index), asks each question through the same
//! search the API uses, and prints, for keywords, semantic and fused
//! retrieval side by side:
//! - FinanceBench dev, one assistant per filing: page recall@1/5/10, for
//!   the tuning half of the filings, the check half, and all;
//! - the same questions in one assistant holding every filing (a hit needs
//!   the right filing and page);
//! - the 10-Q set (twenty filings of five companies in one assistant):
//!   the source filing at rank 1/5/10, and for questions about several
//!   filings the share of them in the top 10;
//!
//! then ingestion speed and search latency.
//!
//! Then it serves the app with a mock language model (OpenAI wire format,
//! answering after a fixed delay) and measures the time the server adds
//! before an answer's first words reach the client, on the filing closest
//! to 300 pages.
//!
//! With `--ocr-pages N` it only measures OCR: pages read per second and
//! character accuracy on real pages rendered as scans.
//!
//! `cargo run --release --features ssr --bin bench -- [--per-filing] [--shared] [--sec10q] [--recall-only] [--misses] [--ocr-pages N]`

mod chat;
mod fusion_study;
mod latency;
mod ocr;
mod recall;
mod sets;
mod vector_cache;

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aiconvokit::db::Db;
use aiconvokit::db::assistants::AssistantFields;
use aiconvokit::db::documents::{NewDocument, PageCounts};
use aiconvokit::embed::LocalModel;
use aiconvokit::ingest::detect::Format;
use aiconvokit::ingest::extract::{Page, Progress, extract};
use aiconvokit::ingest::metadata::read_metadata;
use aiconvokit::search;
use aiconvokit::search::index::chunks_for_index;
use aiconvokit::search::semantic::Semantic;
use anyhow::Context as _;
use clap::Parser;
use recall::Split;
use sets::{FilingQuestion, Question};

#[derive(Debug, Parser)]
#[command(about = "Page recall, ingestion speed and search latency on FinanceBench filings")]
pub struct Args {
    /// Folder with `questions.jsonl` and `pdfs/`.
    #[arg(long, default_value = "../shared/bench/financebench-dev")]
    data: PathBuf,
    /// Database to use (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    database_url: Option<String>,
    /// Folder of the 10-Q set (`questions.csv`, `pdfs/`).
    #[arg(long, default_value = "../shared/bench/sec-10q-multidoc")]
    sec10q_data: PathBuf,
    /// Measure one assistant per filing (FinanceBench dev). Without any of
    /// --per-filing, --shared and --sec10q, all three are measured.
    #[arg(long)]
    per_filing: bool,
    /// Measure one assistant holding every FinanceBench dev filing: a hit
    /// needs the right filing and page.
    #[arg(long)]
    shared: bool,
    /// Measure the 10-Q set: twenty filings of five companies in one
    /// assistant, scored by filing.
    #[arg(long)]
    sec10q: bool,
    /// Also measure the served search without each of its stages
    /// (routing, synonyms), to see what each contributes.
    #[arg(long)]
    stages: bool,
    /// Before measuring latency, fill the database with this many synthetic
    /// passages of another account (words common in filings, so that their
    /// postings are long), to see that one account's searches do not slow
    /// down with the others' passages.
    #[arg(long, default_value_t = 0)]
    other_passages: u64,
    /// Print the metadata read from each filing.
    #[arg(long)]
    metadata: bool,
    /// Print each question whose evidence page is not in the top 5, and
    /// each single-filing 10-Q question whose source filing is not first
    /// (served ranking).
    #[arg(long)]
    misses: bool,
    /// Also print page recall for other ways of fusing the two rankings.
    #[arg(long)]
    fusion_study: bool,
    /// Stop after page recall (skip the latency measurements).
    #[arg(long)]
    recall_only: bool,
    /// Only measure what the server adds to an answer with a mock model
    /// (the chat API and the OpenAI-compatible endpoint), on one filing,
    /// then stop.
    #[arg(long)]
    chat_only: bool,
    /// Only measure the model, then stop: the time to embed a question (the
    /// part of a search the model adds), passages embedded per second on
    /// one core and on all, and the vector scan.
    #[arg(long)]
    model_speed: bool,
    /// With --model-speed: also write the passages it embeds to this file
    /// (a JSON array of strings), to time another implementation on the
    /// same texts.
    #[arg(long)]
    write_passages: Option<PathBuf>,
    /// File keeping the vectors already computed for these passages (by
    /// text and model), so that repeated runs skip embedding them again.
    /// Embedding speed is measured only over passages not found in it.
    #[arg(long, default_value = "target/bench-vectors.bin")]
    vector_cache: PathBuf,
    /// Only measure OCR, then stop: this many pages of the first filing
    /// rendered to images and read back (pages per second, accuracy).
    #[arg(long)]
    ocr_pages: Option<u32>,
    /// With --ocr-pages: the resolution the pages are rendered at.
    #[arg(long, default_value_t = 200)]
    ocr_dpi: u32,
    /// Sentence-embedding model folder for semantic search, or `none`.
    #[arg(long, default_value = aiconvokit::config::DEFAULT_EMBEDDING_MODEL)]
    embedding_model: String,
}

/// Which recall measurements to run (all of them unless some are named).
pub struct Modes {
    per_filing: bool,
    shared: bool,
    sec10q: bool,
}

impl Modes {
    fn of(args: &Args) -> Self {
        let any = args.per_filing || args.shared || args.sec10q;
        Self {
            per_filing: args.per_filing || !any,
            shared: args.shared || !any,
            sec10q: args.sec10q || !any,
        }
    }
}

/// Embeds every passage still without a vector (those of earlier runs
/// from the cache, which is then saved): how many were embedded, and how
/// long that took.
async fn embed_all(
    db: &Db,
    semantic: &Semantic,
    cache: &std::path::Path,
) -> anyhow::Result<(usize, Duration)> {
    let cached = vector_cache::fill(db, semantic, cache).await?;
    if cached > 0 {
        println!("vectors from the cache: {cached} passages");
    }
    let started = Instant::now();
    let mut passages = 0;
    loop {
        let done = semantic.index_next_batch(db).await?;
        if done == 0 {
            break;
        }
        passages += done;
        if passages % 1024 < 64 {
            eprintln!("embedded {passages} passages");
        }
    }
    let elapsed = started.elapsed();
    vector_cache::save(db, semantic, cache).await?;
    Ok((passages, elapsed))
}

/// How long the served search of `question` takes in an assistant.
async fn timed_search(
    db: &Db,
    semantic: Option<&Semantic>,
    assistant_id: i64,
    question: &Question,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    search::search(db, semantic, assistant_id, &question.question, 10).await?;
    Ok(started.elapsed())
}

/// Another account with `count` synthetic passages, written by the
/// database itself (the keyword index included) in batches.
async fn add_other_passages(db: &Db, count: u64) -> anyhow::Result<()> {
    let user = db
        .insert_user(
            &format!("other{}", std::process::id()),
            "other@example.com",
            "-",
        )
        .await?;
    let assistant = new_assistant(db, user.id, "other account", "Other").await?;
    let new = NewDocument {
        name: "other.pdf",
        content_type: "application/pdf",
        size: 0,
        sha256: "other",
    };
    let document = db
        .insert_document(assistant, &new)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no document"))?;
    db.finish_document(
        &document,
        &[],
        &PageCounts::all_text(1),
        &Default::default(),
    )
    .await?;
    // Words of filings, so that common terms have long postings.
    let text = "'Total revenue net sales operating income cash flow ' || (n % 997) || \
                ' million fiscal ' || (2015 + n % 9) || ' property plant equipment purchases ' || \
                md5(n::text) || ' dividends employees segment'";
    let started = Instant::now();
    let batch = 100_000u64;
    let mut done = 0;
    while done < count {
        let size = batch.min(count - done);
        match db {
            Db::Postgres(pool) => {
                let sql = format!(
                    "INSERT INTO chunks (document_id, assistant_id, page, heading, text, body, tokens) \
                     SELECT $1, $2, 1, '', t, to_tsvector('english', t), 24 \
                     FROM (SELECT {text} AS t FROM generate_series($3::bigint, $4::bigint) AS n) s"
                );
                sqlx::query(&sql)
                    .bind(document.id)
                    .bind(assistant)
                    .bind(i64::try_from(done)?)
                    .bind(i64::try_from(done + size - 1)?)
                    .execute(pool)
                    .await?;
            }
            Db::Sqlite(pool) => {
                let text = text.replace("md5(n::text)", "hex(randomblob(8))");
                let sql = format!(
                    "WITH RECURSIVE g(n) AS (SELECT $3 UNION ALL SELECT n + 1 FROM g WHERE n < $4) \
                     INSERT INTO chunks (document_id, assistant_id, page, heading, text, tokens) \
                     SELECT $1, $2, 1, '', {text}, 24 FROM g"
                );
                let mut tx = pool.begin().await?;
                let first: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM chunks")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(&sql)
                    .bind(document.id)
                    .bind(assistant)
                    .bind(i64::try_from(done)?)
                    .bind(i64::try_from(done + size - 1)?)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO chunks_fts (rowid, body, assistant) \
                     SELECT id, text, 'a' || assistant_id FROM chunks WHERE id >= $1",
                )
                .bind(first)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        done += size;
    }
    // Their words counted, as ingest counts them.
    db.recount_document_words(&document).await?;
    if let Db::Postgres(pool) = db {
        sqlx::query("ANALYZE chunks").execute(pool).await?;
        sqlx::query("ANALYZE document_lexemes")
            .execute(pool)
            .await?;
    }
    println!(
        "another account's {count} synthetic passages written in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A new assistant of the bench's user.
async fn new_assistant(db: &Db, user_id: i64, name: &str, company: &str) -> anyhow::Result<i64> {
    let fields = AssistantFields {
        name: name.to_owned(),
        company_name: company.to_owned(),
        instructions: "-".into(),
        ocr_languages: "eng".into(),
    };
    let public_id = format!("asst_{}", name.replace(' ', "_"));
    Ok(db.insert_assistant(user_id, &public_id, &fields).await?.id)
}

/// Page recall of other fusions of the same candidates (40 of each
/// ranking), one filing per assistant.
async fn study_fusions(
    db: &Db,
    semantic: &Semantic,
    assistants: &HashMap<String, i64>,
    questions: &[Question],
) -> anyhow::Result<Vec<(String, Split)>> {
    let mut study = Vec::new();
    for question in questions {
        let Some(&assistant_id) = assistants.get(&question.doc_name) else {
            continue;
        };
        let nearest = semantic
            .nearest(db, assistant_id, &question.question, 40)
            .await?;
        let ids: Vec<i64> = nearest.iter().map(|(id, _)| *id).collect();
        let cosines: HashMap<i64, f64> =
            nearest.iter().map(|(id, c)| (*id, f64::from(*c))).collect();
        let mut vector = db.chunks_by_ids(assistant_id, &ids).await?;
        for chunk in &mut vector {
            chunk.score = cosines.get(&chunk.chunk_id).copied().unwrap_or_default();
        }
        vector.sort_by(|a, b| b.score.total_cmp(&a.score));
        let terms = search::query::terms(&question.question);
        let keyword = db.search_chunks(assistant_id, &terms, 40).await?;
        fusion_study::run(&mut study, &keyword, &vector, question);
    }
    Ok(study)
}

/// Adds an already extracted filing to an assistant, indexed (without
/// extracting it again); false if the assistant already has it.
async fn add_extracted(
    db: &Db,
    assistant_id: i64,
    file_name: &str,
    company: &str,
    sha: &str,
    pages: &[aiconvokit::ingest::extract::Page],
) -> anyhow::Result<bool> {
    let new = NewDocument {
        name: file_name,
        content_type: "application/pdf",
        size: 0,
        sha256: sha,
    };
    let Some(document) = db.insert_document(assistant_id, &new).await? else {
        return Ok(false);
    };
    let metadata = read_metadata(file_name, pages);
    let chunks = chunks_for_index(pages, file_name, company, &metadata);
    db.finish_document(
        &document,
        &chunks,
        &PageCounts::all_text(pages.len() as i64),
        &metadata,
    )
    .await?;
    Ok(true)
}

/// Gives a large assistant the vectors its filings' passages already have
/// in their own assistants (the same passages), instead of embedding again.
async fn copy_vectors(db: &Db, assistant_id: i64) -> anyhow::Result<()> {
    let sql = "INSERT INTO chunk_vectors (chunk_id, assistant_id, model, vector) \
               SELECT b.id, b.assistant_id, v.model, v.vector \
               FROM chunks b JOIN documents bd ON bd.id = b.document_id \
               JOIN documents sd ON sd.name = bd.name AND sd.assistant_id <> bd.assistant_id \
               JOIN chunks s ON s.document_id = sd.id AND s.text = b.text AND s.heading = b.heading \
                    AND COALESCE(s.page, -1) = COALESCE(b.page, -1) \
               JOIN chunk_vectors v ON v.chunk_id = s.id \
               WHERE b.assistant_id = $1 ON CONFLICT (chunk_id) DO NOTHING";
    match db {
        Db::Sqlite(pool) => {
            sqlx::query(sql).bind(assistant_id).execute(pool).await?;
        }
        Db::Postgres(pool) => {
            sqlx::query(sql).bind(assistant_id).execute(pool).await?;
        }
    }
    Ok(())
}

/// Percentile `p` (0–1) of sorted `times`, in milliseconds.
fn percentile_ms(times: &[Duration], p: f64) -> f64 {
    let index = ((times.len() as f64 - 1.0) * p).round() as usize;
    times.get(index).map_or(0.0, |t| t.as_secs_f64() * 1000.0)
}

/// The model alone: question embedding latency, passage throughput, and
/// the exact vector scan.
async fn model_speed(args: &Args, questions: &[Question]) -> anyhow::Result<()> {
    let model = std::sync::Arc::new(LocalModel::load(std::path::Path::new(
        &args.embedding_model,
    ))?);
    let semantic = Semantic::new_shared(model.clone());
    let mut times = Vec::new();
    for _ in 0..5 {
        for question in questions {
            let started = Instant::now();
            semantic.embed_question(&question.question).await?;
            times.push(started.elapsed());
        }
    }
    times.sort();
    println!(
        "question embedding: p50 {:.2} ms  p99 {:.2} ms  ({} questions)",
        percentile_ms(&times, 0.5),
        percentile_ms(&times, 0.99),
        times.len()
    );

    // Passages of a real filing, embedded as the background indexer does.
    let name = &questions[0].doc_name;
    let bytes = std::fs::read(args.data.join("pdfs").join(format!("{name}.pdf")))?;
    let pages = extract(Format::Pdf, &bytes, &Progress::default())
        .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
    let company = name.split('_').next().unwrap_or_default();
    let texts: Vec<String> =
        chunks_for_index(&pages, &format!("{name}.pdf"), company, &Default::default())
            .iter()
            .take(320)
            .map(|c| {
                search::index::vector_text(&format!("{name}.pdf"), company, &c.heading, &c.text)
            })
            .collect();
    if let Some(path) = &args.write_passages {
        std::fs::write(path, serde_json::to_string(&texts)?)?;
    }
    let tokens: usize = texts.iter().map(|t| model.tokens(t)).sum();
    let chars: usize = texts.iter().map(|t| t.chars().count()).sum();
    println!(
        "passages: {} from {name}, {:.0} characters and {:.0} tokens each on average",
        texts.len(),
        chars as f64 / texts.len() as f64,
        tokens as f64 / texts.len() as f64
    );
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    for threads in [1, cores] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let batches = search::semantic::batches_by_length(texts.clone(), |t| t.as_str());
        let started = Instant::now();
        pool.install(|| search::semantic::embed_batches(&model, &batches))?;
        println!(
            "passage embedding, {threads} thread(s), batches side by side: {:.1} passages/s",
            texts.len() as f64 / started.elapsed().as_secs_f64()
        );
    }

    // The exact scan over an assistant's vectors, at the sizes measured in
    // the full run (passages of 1,086 and of 3,499 pages).
    let query = semantic.embed_question(&questions[0].question).await?;
    for passages in [4_600usize, 14_930] {
        let values: Vec<f32> = (0..passages * query.len())
            .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
            .collect();
        let mut scans = Vec::new();
        for _ in 0..50 {
            let started = Instant::now();
            std::hint::black_box(search::semantic::top_k(&values, query.len(), &query, 40));
            scans.push(started.elapsed());
        }
        scans.sort();
        println!(
            "vector scan, {passages} passages x {}: p50 {:.3} ms  p99 {:.3} ms",
            query.len(),
            percentile_ms(&scans, 0.5),
            percentile_ms(&scans, 0.99)
        );
    }
    Ok(())
}

/// mimalloc: freed memory is reused, not returned to the system and
/// page-faulted back in (which glibc does with the model's large tensors).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(unsafe_code)]
fn main() -> anyhow::Result<()> {
    // As the server does it (see there).
    // SAFETY: no other thread exists yet; the runtime starts below.
    unsafe { aiconvokit::embed::use_one_candle_thread_per_call() };
    tokio::runtime::Runtime::new()?.block_on(run())
}

async fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    let questions = sets::financebench(&args.data)?;
    if args.model_speed {
        return model_speed(&args, &questions).await;
    }
    if let Some(pages) = args.ocr_pages {
        let filing = &questions
            .first()
            .ok_or_else(|| anyhow::anyhow!("no questions"))?
            .doc_name;
        let path = args.data.join("pdfs").join(format!("{filing}.pdf"));
        return ocr::print_speed(&path, pages, args.ocr_dpi);
    }
    if args.chat_only {
        let filing = questions
            .first()
            .ok_or_else(|| anyhow::anyhow!("no questions"))?
            .doc_name
            .clone();
        let file_name = format!("{filing}.pdf");
        let bytes = std::fs::read(args.data.join("pdfs").join(&file_name))?;
        // Every question, asked of this one filing: the time measured is
        // the server's, whatever the answer.
        let asked: Vec<String> = questions.iter().map(|q| q.question.clone()).collect();
        return chat::print_latency(&file_name, 0, bytes, &asked).await;
    }
    let modes = Modes::of(&args);
    let temp = tempfile::tempdir()?;
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", temp.path().join("bench.db").display()));
    let db = Db::connect(&url).await?;
    let user = db
        .insert_user(
            &format!("bench{}", std::process::id()),
            "bench@example.com",
            "-",
        )
        .await?;
    // The bench's assistants live in the account's personal workspace.
    let user_id = db
        .current_membership(user.id)
        .await?
        .context("the new account has no workspace")?
        .workspace_id;
    let filings = ingest_filings(&args, &db, user_id, &questions, &modes).await?;

    // Semantic indexing of every passage, as the server does it in the
    // background: first the filings' own assistants, then (their passages
    // mostly the same, from the cache) the larger ones. Vectors computed in
    // earlier runs come from the cache too.
    let semantic = match args.embedding_model.as_str() {
        "none" => None,
        folder => Some(std::sync::Arc::new(Semantic::new(LocalModel::load(
            std::path::Path::new(folder),
        )?))),
    };
    let mut embedding = (0usize, Duration::ZERO);
    if let Some(semantic) = &semantic {
        let (passages, time) = embed_all(&db, semantic, &args.vector_cache).await?;
        embedding = (embedding.0 + passages, embedding.1 + time);
    }

    // Every filing in one assistant, of no company in particular: the
    // right filing must be found as well as the right page.
    let shared = if modes.shared {
        let assistant = new_assistant(&db, user_id, "all filings", "").await?;
        for (file_name, _, sha, pages) in &filings.extracted {
            add_extracted(&db, assistant, file_name, "", sha, pages).await?;
        }
        Some(assistant)
    } else {
        None
    };
    // The 10-Q set: twenty filings of five companies in one assistant.
    let sec10q = if modes.sec10q {
        Some(ingest_sec10q(&args, &db, user_id).await?)
    } else {
        None
    };
    if let Some(semantic) = &semantic {
        let (passages, time) = embed_all(&db, semantic, &args.vector_cache).await?;
        embedding = (embedding.0 + passages, embedding.1 + time);
    }
    // (After embedding: the other account's passages get no vectors.)
    if args.other_passages > 0 {
        add_other_passages(&db, args.other_passages).await?;
    }

    let bench = Bench {
        args,
        db,
        user_id,
        questions,
        semantic,
    };
    recall::measure(&bench, &filings, shared, sec10q.as_ref()).await?;
    if bench.args.recall_only {
        return Ok(());
    }
    latency::measure(&bench, &filings, shared, embedding).await
}

/// What every measurement reads.
pub struct Bench {
    pub args: Args,
    pub db: Db,
    pub user_id: i64,
    pub questions: Vec<Question>,
    pub semantic: Option<std::sync::Arc<Semantic>>,
}

/// A filing read once: its file name, company, hash and pages.
pub type Filing = (String, String, String, Vec<Page>);

/// The FinanceBench dev filings, read (and, per filing, indexed in an
/// assistant of their own), with what reading them took.
pub struct Filings {
    pub extracted: Vec<Filing>,
    /// Each filing's own assistant, by document name (per-filing mode).
    pub assistants: HashMap<String, i64>,
    pub pages_total: u64,
    pub bytes_total: u64,
    pub extract_time: Duration,
    pub index_time: Duration,
}

/// Reads every FinanceBench dev filing and, in per-filing mode, gives each
/// an assistant of its own, as a user would set it up.
async fn ingest_filings(
    args: &Args,
    db: &Db,
    user_id: i64,
    questions: &[Question],
    modes: &Modes,
) -> anyhow::Result<Filings> {
    let mut documents: Vec<String> = questions.iter().map(|q| q.doc_name.clone()).collect();
    documents.sort();
    documents.dedup();
    let (mut pages_total, mut bytes_total) = (0u64, 0u64);
    let (mut extract_time, mut index_time) = (Duration::ZERO, Duration::ZERO);
    let mut assistants = HashMap::new();
    let mut extracted = Vec::new();
    for name in &documents {
        let bytes = std::fs::read(args.data.join("pdfs").join(format!("{name}.pdf")))?;
        let company = name.split('_').next().unwrap_or_default().to_owned();
        let file_name = format!("{name}.pdf");
        let sha = aiconvokit::ingest::storage::sha256_hex(&bytes);

        let started = Instant::now();
        let pages = extract(Format::Pdf, &bytes, &Progress::default())
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        extract_time += started.elapsed();

        if modes.per_filing {
            let assistant = new_assistant(db, user_id, name, &company).await?;
            let started = Instant::now();
            add_extracted(db, assistant, &file_name, &company, &sha, &pages).await?;
            index_time += started.elapsed();
            assistants.insert(name.clone(), assistant);
        }
        if args.metadata {
            println!("{file_name}: {:?}", read_metadata(&file_name, &pages));
        }
        pages_total += pages.len() as u64;
        bytes_total += bytes.len() as u64;
        extracted.push((file_name, company, sha, pages));
    }
    Ok(Filings {
        extracted,
        assistants,
        pages_total,
        bytes_total,
        extract_time,
        index_time,
    })
}

/// The 10-Q set in one assistant: its id and the questions.
async fn ingest_sec10q(
    args: &Args,
    db: &Db,
    user_id: i64,
) -> anyhow::Result<(i64, Vec<FilingQuestion>)> {
    let (files, filing_questions) = sets::sec10q(&args.sec10q_data)?;
    let assistant = new_assistant(db, user_id, "10-Q filings", "").await?;
    for path in &files {
        let bytes = std::fs::read(path)?;
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let pages = extract(Format::Pdf, &bytes, &Progress::default())
            .map_err(|e| anyhow::anyhow!("{file_name}: {e}"))?;
        let sha = aiconvokit::ingest::storage::sha256_hex(&bytes);
        add_extracted(db, assistant, &file_name, "", &sha, &pages).await?;
        if args.metadata {
            println!("{file_name}: {:?}", read_metadata(&file_name, &pages));
        }
    }
    Ok((assistant, filing_questions))
}
