//! Retrieval benchmark on FinanceBench filings: ingests each PDF through
//! the server's own code (extraction, passages, index), asks each question
//! through the same search the API uses, and prints page recall@1/5/10,
//! ingestion speed and search latency.
//!
//! Then it serves the app with a mock language model (OpenAI wire format,
//! answering after a fixed delay) and measures the time the server adds
//! before an answer's first words reach the client, on the filing closest
//! to 300 pages.
//!
//! `cargo run --release --features ssr --bin bench -- [--data DIR] [--misses]`

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use aiconvokit::db::Db;
use aiconvokit::db::assistants::AssistantFields;
use aiconvokit::db::documents::FoundChunk;
use aiconvokit::db::documents::NewDocument;
use aiconvokit::embed::LocalModel;
use aiconvokit::ingest::detect::Format;
use aiconvokit::ingest::extract::{Progress, extract};
use aiconvokit::ingest::worker::chunks_for_index;
use aiconvokit::search;
use aiconvokit::search::semantic::Semantic;
use clap::Parser;
use serde::Deserialize;

#[derive(Debug, Parser)]
#[command(about = "Page recall, ingestion speed and search latency on FinanceBench filings")]
struct Args {
    /// Folder with `questions.jsonl` and `pdfs/`.
    #[arg(long, default_value = "../shared/bench/financebench-dev")]
    data: PathBuf,
    /// Database to use (default: a fresh SQLite file in a temporary folder).
    #[arg(long)]
    database_url: Option<String>,
    /// Print each question whose evidence page is not in the top 5.
    #[arg(long)]
    misses: bool,
    /// Also print page recall for other ways of fusing the two rankings.
    #[arg(long)]
    fusion_study: bool,
    /// Stop after page recall (skip the latency measurements).
    #[arg(long)]
    recall_only: bool,
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
    /// Sentence-embedding model folder for semantic search, or `none`.
    #[arg(long, default_value = aiconvokit::config::DEFAULT_EMBEDDING_MODEL)]
    embedding_model: String,
}

#[derive(Debug, Deserialize)]
struct Question {
    doc_name: String,
    question: String,
    evidence: Vec<Evidence>,
}

#[derive(Debug, Deserialize)]
struct Evidence {
    evidence_page_num: i64,
}

/// Counts a hit at 1, 5 and 10 when a passage lies on an evidence page.
fn count_hit(hits: &mut [usize; 3], found: &[FoundChunk], question: &Question) -> Option<usize> {
    let rank = found.iter().position(|hit| {
        question
            .evidence
            .iter()
            .any(|e| hit.page == Some(e.evidence_page_num + 1))
    });
    for (slot, k) in [1, 5, 10].into_iter().enumerate() {
        if rank.is_some_and(|r| r < k) {
            hits[slot] += 1;
        }
    }
    rank
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
    let chunks = chunks_for_index(pages, file_name, company);
    db.finish_document(&document, &chunks, pages.len() as i64, 0)
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

/// Page recall @1/@5/@10: keywords, semantic, study variants, as served.
fn print_recall(
    questions: &[Question],
    [keyword_hits, vector_hits, hits]: [&[usize; 3]; 3],
    study: &[(String, [usize; 3])],
    semantic: bool,
) {
    let n = questions.len() as f64;
    let line = |label: &str, hits: &[usize; 3]| {
        println!(
            "page recall, {label:<36} @1 {:.2}  @5 {:.2}  @10 {:.2}",
            hits[0] as f64 / n,
            hits[1] as f64 / n,
            hits[2] as f64 / n,
        );
    };
    line(
        &format!("keywords only ({} questions)", questions.len()),
        keyword_hits,
    );
    if semantic {
        line("semantic only", vector_hits);
    }
    for (label, hits) in study {
        line(&format!("  study: {label}"), hits);
    }
    line(
        if semantic {
            "as served (fused)"
        } else {
            "as served"
        },
        hits,
    );
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
    let texts: Vec<String> = chunks_for_index(&pages, &format!("{name}.pdf"), company)
        .iter()
        .take(320)
        .map(|c| {
            search::semantic::passage_text(&format!("{name}.pdf"), company, &c.heading, &c.text)
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
    let questions: Vec<Question> = std::fs::read_to_string(args.data.join("questions.jsonl"))?
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    if args.model_speed {
        return model_speed(&args, &questions).await;
    }
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
        let fields = AssistantFields {
            name: name.clone(),
            company_name: company.clone(),
            instructions: "-".into(),
        };
        let assistant = db
            .insert_assistant(user.id, &format!("asst_{name}"), &fields)
            .await?;
        let file_name = format!("{name}.pdf");
        let sha = aiconvokit::ingest::storage::sha256_hex(&bytes);
        let new = NewDocument {
            name: &file_name,
            content_type: "application/pdf",
            size: bytes.len() as i64,
            sha256: &sha,
        };
        let Some(document) = db.insert_document(assistant.id, &new).await? else {
            continue;
        };

        let started = Instant::now();
        let pages = extract(Format::Pdf, &bytes, &Progress::default())
            .map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        extract_time += started.elapsed();

        let started = Instant::now();
        let chunks = chunks_for_index(&pages, &file_name, &company);
        let empty = pages.iter().filter(|p| p.blocks.is_empty()).count() as i64;
        db.finish_document(&document, &chunks, pages.len() as i64, empty)
            .await?;
        index_time += started.elapsed();

        pages_total += pages.len() as u64;
        bytes_total += bytes.len() as u64;
        assistants.insert(name.clone(), assistant.id);
        extracted.push((file_name, company, sha, pages));
    }

    // Semantic indexing of every filing's passages, as the server does it
    // in the background.
    let semantic = match args.embedding_model.as_str() {
        "none" => None,
        folder => Some(std::sync::Arc::new(Semantic::new(LocalModel::load(
            std::path::Path::new(folder),
        )?))),
    };
    let mut embedding = None;
    if let Some(semantic) = &semantic {
        let cached = vector_cache::fill(&db, semantic, &args.vector_cache).await?;
        if cached > 0 {
            println!("vectors from the cache: {cached} passages");
        }
        let started = Instant::now();
        let mut passages = 0;
        loop {
            let done = semantic.index_next_batch(&db).await?;
            if done == 0 {
                break;
            }
            passages += done;
        }
        embedding = Some((passages, started.elapsed()));
        vector_cache::save(&db, semantic, &args.vector_cache).await?;
    }

    // Larger assistants, for latency: the first filings up to 1,000 pages,
    // and every filing in one assistant (which also measures recall when the
    // right document must be found among all of them).
    let mut large = Vec::new();
    for (label, page_budget) in [("1000 pages", 1000), ("all filings", usize::MAX)] {
        let fields = AssistantFields {
            name: label.into(),
            company_name: String::new(),
            instructions: "-".into(),
        };
        let assistant = db
            .insert_assistant(
                user.id,
                &format!("asst_{}", label.replace(' ', "_")),
                &fields,
            )
            .await?;
        let mut pages_in = 0;
        for (file_name, company, sha, pages) in &extracted {
            if pages_in >= page_budget {
                break;
            }
            if add_extracted(&db, assistant.id, file_name, company, sha, pages).await? {
                pages_in += pages.len();
            }
        }
        if semantic.is_some() {
            copy_vectors(&db, assistant.id).await?;
        }
        large.push((label, assistant.id, pages_in));
    }

    let mut keyword_hits = [0usize; 3];
    for question in &questions {
        if let Some(&assistant_id) = assistants.get(&question.doc_name) {
            let found = search::search(&db, None, assistant_id, &question.question, 40).await?;
            let r = count_hit(&mut keyword_hits, &found, question);
            if std::env::var("BENCH_RANKS").is_ok() {
                println!("RANK {:?} {}", r, question.doc_name);
            } // EXPERIMENT
        }
    }

    // The semantic ranking alone, and (with --fusion-study) other ways of
    // combining the two rankings, from the same candidates.
    let mut vector_hits = [0usize; 3];
    let mut study: Vec<(String, [usize; 3])> = Vec::new();
    if let Some(semantic) = &semantic {
        for question in &questions {
            let Some(&assistant_id) = assistants.get(&question.doc_name) else {
                continue;
            };
            let nearest = semantic
                .nearest(&db, assistant_id, &question.question, 40)
                .await?;
            let ids: Vec<i64> = nearest.iter().map(|(id, _)| *id).collect();
            let cosines: HashMap<i64, f64> =
                nearest.iter().map(|(id, c)| (*id, f64::from(*c))).collect();
            let mut vector = db.chunks_by_ids(assistant_id, &ids).await?;
            for chunk in &mut vector {
                chunk.score = cosines.get(&chunk.chunk_id).copied().unwrap_or_default();
            }
            vector.sort_by(|a, b| b.score.total_cmp(&a.score));
            count_hit(&mut vector_hits, &vector, question);
            if args.fusion_study {
                let terms = search::query::terms(&question.question);
                let keyword = db.search_chunks(assistant_id, &terms, 40).await?;
                fusion_study::run(&mut study, &keyword, &vector, question);
            }
        }
    }

    let mut hits = [0usize; 3];
    let mut latencies = Vec::new();
    for question in &questions {
        let Some(&assistant_id) = assistants.get(&question.doc_name) else {
            continue;
        };
        let started = Instant::now();
        let found = search::search(
            &db,
            semantic.as_deref(),
            assistant_id,
            &question.question,
            10,
        )
        .await?;
        latencies.push(started.elapsed());
        let evidence: Vec<i64> = question
            .evidence
            .iter()
            .map(|e| e.evidence_page_num + 1)
            .collect();
        let rank = found
            .iter()
            .position(|hit| hit.page.is_some_and(|page| evidence.contains(&page)));
        for (slot, k) in [1, 5, 10].into_iter().enumerate() {
            if rank.is_some_and(|r| r < k) {
                hits[slot] += 1;
            }
        }
        if args.misses && rank.is_none_or(|r| r >= 5) {
            let pages: Vec<_> = found
                .iter()
                .take(5)
                .map(|hit| hit.page.unwrap_or_default())
                .collect();
            println!(
                "MISS {} | {} | evidence {evidence:?} | top5 {pages:?}",
                question.doc_name, question.question
            );
        }
    }
    if args.recall_only {
        print_recall(
            &questions,
            [&keyword_hits, &vector_hits, &hits],
            &study,
            semantic.is_some(),
        );
        return Ok(());
    }
    // Latency again on a warm cache, several rounds, for stable percentiles.
    for _ in 0..4 {
        for question in &questions {
            if let Some(&assistant_id) = assistants.get(&question.doc_name) {
                let started = Instant::now();
                search::search(
                    &db,
                    semantic.as_deref(),
                    assistant_id,
                    &question.question,
                    10,
                )
                .await?;
                latencies.push(started.elapsed());
            }
        }
    }
    let mut large_latencies = Vec::new();
    for &(label, assistant_id, pages) in &large {
        let mut times = Vec::new();
        let mut found_in_top5 = 0;
        for round in 0..5 {
            for question in &questions {
                let started = Instant::now();
                let found = search::search(
                    &db,
                    semantic.as_deref(),
                    assistant_id,
                    &question.question,
                    10,
                )
                .await?;
                times.push(started.elapsed());
                let file_name = format!("{}.pdf", question.doc_name);
                if round == 0
                    && found.iter().take(5).any(|hit| {
                        hit.document == file_name
                            && question
                                .evidence
                                .iter()
                                .any(|e| hit.page == Some(e.evidence_page_num + 1))
                    })
                {
                    found_in_top5 += 1;
                }
            }
        }
        times.sort();
        large_latencies.push((label, pages, times, found_in_top5));
    }

    // Searches while the longest filing is embedded in the background: does
    // semantic indexing starve them?
    let mut under_load = Vec::new();
    let mut load_pages = 0;
    if let (Some(semantic), Some(&(_, assistant_id, _))) = (&semantic, large.first()) {
        let (file_name, company, sha, pages) = extracted
            .iter()
            .max_by_key(|(_, _, _, pages)| pages.len())
            .ok_or_else(|| anyhow::anyhow!("no filings"))?;
        let fields = AssistantFields {
            name: "embedding load".into(),
            company_name: company.clone(),
            instructions: "-".into(),
        };
        let load = db
            .insert_assistant(user.id, "asst_embedding_load", &fields)
            .await?;
        add_extracted(&db, load.id, file_name, company, sha, pages).await?;
        load_pages = pages.len();
        let indexer = {
            let (db, semantic) = (db.clone(), semantic.clone());
            tokio::spawn(async move {
                while matches!(semantic.index_next_batch(&db).await, Ok(n) if n > 0) {}
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        for _ in 0..3 {
            for question in &questions {
                let started = Instant::now();
                search::search(&db, Some(semantic), assistant_id, &question.question, 10).await?;
                under_load.push(started.elapsed());
            }
        }
        indexer.abort();
        under_load.sort();
    }
    latencies.sort();
    let percentile_of = |times: &[Duration], p: f64| {
        times[((times.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
    };
    let percentile = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    let n = questions.len() as f64;
    println!(
        "documents: {}  pages: {pages_total}  MB: {:.1}",
        documents.len(),
        bytes_total as f64 / 1e6
    );
    println!(
        "extraction: {:.0} pages/s, {:.1} MB/s ({:.1} s)",
        pages_total as f64 / extract_time.as_secs_f64(),
        bytes_total as f64 / 1e6 / extract_time.as_secs_f64(),
        extract_time.as_secs_f64()
    );
    println!(
        "indexing:   {:.0} pages/s, {:.1} MB/s ({:.1} s)",
        pages_total as f64 / index_time.as_secs_f64(),
        bytes_total as f64 / 1e6 / index_time.as_secs_f64(),
        index_time.as_secs_f64()
    );
    if let Some((passages, time)) = embedding.filter(|(passages, _)| *passages > 0) {
        println!(
            "semantic indexing: {:.0} passages/s, {:.0} pages/s ({passages} passages, {:.1} s)",
            passages as f64 / time.as_secs_f64(),
            pages_total as f64 / time.as_secs_f64(),
            time.as_secs_f64()
        );
    }
    print_recall(
        &questions,
        [&keyword_hits, &vector_hits, &hits],
        &study,
        semantic.is_some(),
    );
    println!(
        "search latency p50 {:.2} ms  p99 {:.2} ms  ({} searches)",
        percentile(0.5).as_secs_f64() * 1000.0,
        percentile(0.99).as_secs_f64() * 1000.0,
        latencies.len()
    );
    if !under_load.is_empty() {
        println!(
            "one assistant, 1000 pages, while a {load_pages}-page filing is embedded: search p50 {:.2} ms  p99 {:.2} ms",
            percentile_of(&under_load, 0.5),
            percentile_of(&under_load, 0.99)
        );
    }
    for (label, pages, times, found_in_top5) in &large_latencies {
        println!(
            "one assistant, {label} ({pages} pages): search p50 {:.2} ms  p99 {:.2} ms; page recall@5 {:.2}",
            percentile_of(times, 0.5),
            percentile_of(times, 0.99),
            *found_in_top5 as f64 / n
        );
    }

    let (file_name, pages) = extracted
        .iter()
        .min_by_key(|(_, _, _, pages)| pages.len().abs_diff(300))
        .map(|(name, _, _, pages)| (name.clone(), pages.len()))
        .ok_or_else(|| anyhow::anyhow!("no filings"))?;
    let bytes = std::fs::read(args.data.join("pdfs").join(&file_name))?;
    let questions: Vec<String> = questions.iter().map(|q| q.question.clone()).collect();
    let mut added = chat::server_added_latency(&file_name, bytes, &questions).await?;
    added.sort();
    println!(
        "chat, {file_name} ({pages} pages): time the server adds before the first words p50 {:.2} ms  p99 {:.2} ms  ({} answers, mock model delay {} ms)",
        percentile_of(&added, 0.5),
        percentile_of(&added, 0.99),
        added.len(),
        chat::MODEL_DELAY.as_millis()
    );
    Ok(())
}

mod chat {
    //! The app served with a mock model, asked through the streaming API.

    use std::time::{Duration, Instant};

    use aiconvokit::config::Config;
    use aiconvokit::server::{build_app, serve};
    use axum::body::Body;
    use axum::response::Response;
    use leptos::config::LeptosOptions;
    use serde_json::{Value, json};

    /// How long the mock model takes before its first words.
    pub const MODEL_DELAY: Duration = Duration::from_millis(20);

    async fn mock_completion() -> Response {
        tokio::time::sleep(MODEL_DELAY).await;
        let chunk = |content: &str| {
            json!({"id": "b", "object": "chat.completion.chunk", "created": 0, "model": "mock",
                   "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]})
        };
        let body = format!(
            "data: {}\n\ndata: {}\n\ndata: [DONE]\n\n",
            chunk("The answer "),
            chunk("is on the page [1].")
        );
        Response::builder()
            .header("content-type", "text/event-stream")
            .body(Body::from(body))
            .unwrap_or_default()
    }

    async fn listen() -> anyhow::Result<(tokio::net::TcpListener, String)> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = format!("http://{}", listener.local_addr()?);
        Ok((listener, address))
    }

    /// For each question, the time from sending it until the first words
    /// arrive, less the mock model's own delay.
    pub async fn server_added_latency(
        file_name: &str,
        bytes: Vec<u8>,
        questions: &[String],
    ) -> anyhow::Result<Vec<Duration>> {
        let (model_listener, model_url) = listen().await?;
        let model =
            axum::Router::new().route("/v1/chat/completions", axum::routing::post(mock_completion));
        tokio::spawn(async move { axum::serve(model_listener, model).await });

        let data = tempfile::tempdir()?;
        let mut config = Config::with_data_dir(data.path());
        config.model.base_url = Some(format!("{model_url}/v1"));
        // Documents are read by the server binary built beside this one.
        config.extractor = std::env::current_exe()
            .ok()
            .and_then(|bench| Some(bench.parent()?.join("aiconvokit")));
        let options = LeptosOptions::builder()
            .output_name("aiconvokit")
            .site_root(data.path().join("site").display().to_string())
            .build();
        let (service, state) = build_app(config, options)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let (listener, app) = listen().await?;
        tokio::spawn(
            async move { serve(listener, service, std::time::Duration::from_secs(5)).await },
        );

        let client = reqwest::Client::new();
        let user: Value = client
            .post(format!("{app}/api/v1/users/"))
            .json(&json!({"username": "bench", "email": "bench@example.com", "password": "bench password"}))
            .send()
            .await?
            .json()
            .await?;
        let token: Value = client
            .post(format!("{app}/api/v1/tokens/"))
            .json(&json!({"username": "bench", "password": "bench password"}))
            .send()
            .await?
            .json()
            .await?;
        let auth = format!("Token {}", token["token"].as_str().unwrap_or_default());
        let form = reqwest::multipart::Form::new()
            .text("name", "Bench")
            .text("company_name", "Bench")
            .text("instructions", "Answer from the filing.")
            .part(
                "files",
                reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
            );
        let assistant: Value = client
            .post(format!("{app}/api/v1/assistants/"))
            .header("Authorization", &auth)
            .multipart(form)
            .send()
            .await?
            .json()
            .await?;
        let assistant_id = assistant["id"].as_i64().unwrap_or_default();
        loop {
            let current: Value = client
                .get(format!("{app}/api/v1/assistants/{assistant_id}/"))
                .header("Authorization", &auth)
                .send()
                .await?
                .json()
                .await?;
            match current["documents"][0]["status"].as_str() {
                Some("ready") => break,
                Some("failed") => anyhow::bail!("the filing failed: {current}"),
                _ => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        // Every question goes to the model (none is refused for want of passages).
        let settings = aiconvokit::db::chats::AnswerSettings {
            grounded: false,
            refusal: String::new(),
            chat_model: None,
            temperature: None,
        };
        let user_id = user["id"].as_i64().unwrap_or_default();
        state
            .db
            .update_answer_settings(user_id, assistant_id, &settings)
            .await?;
        let chat: Value = client
            .post(format!("{app}/api/v1/chat/"))
            .header("Authorization", &auth)
            .json(&json!({"assistant_id": assistant_id}))
            .send()
            .await?
            .json()
            .await?;
        let chat_id = chat["id"].as_i64().unwrap_or_default();

        let mut added = Vec::new();
        for round in 0..3 {
            for question in questions {
                let started = Instant::now();
                let mut response = client
                    .put(format!("{app}/api/v1/chat/{chat_id}/?stream=true"))
                    .header("Authorization", &auth)
                    .json(&json!({"assistant_id": assistant_id, "input": question}))
                    .send()
                    .await?;
                let mut first = None;
                while let Some(bytes) = response.chunk().await? {
                    if first.is_none() && String::from_utf8_lossy(&bytes).contains("event: delta") {
                        first = Some(started.elapsed());
                    }
                }
                // The first round warms caches.
                if let (Some(first), true) = (first, round > 0) {
                    added.push(first.saturating_sub(MODEL_DELAY));
                }
            }
        }
        Ok(added)
    }
}

/// Vectors computed in earlier runs, by model and passage (a file of
/// `sha256(model, context, text)` then the f32 vector, one after another).
mod vector_cache {
    use std::collections::HashMap;
    use std::path::Path;

    use aiconvokit::db::Db;
    use aiconvokit::search::semantic::{Semantic, passage_text};
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

    async fn all_unembedded(
        db: &Db,
    ) -> anyhow::Result<Vec<aiconvokit::db::vectors::UnembeddedChunk>> {
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
                let text = passage_text(&c.document, &c.company, &c.heading, &c.text);
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
        let sql = "SELECT d.name AS document, a.company_name AS company, c.heading, c.text, v.vector \
                   FROM chunk_vectors v JOIN chunks c ON c.id = v.chunk_id \
                   JOIN documents d ON d.id = c.document_id JOIN assistants a ON a.id = c.assistant_id";
        let Db::Sqlite(pool) = db else {
            return Ok(());
        };
        let rows: Vec<(String, String, String, String, Vec<u8>)> =
            sqlx::query_as(sql).fetch_all(pool).await?;
        let mut cache = read(path);
        let model = semantic.model_name();
        for (document, company, heading, text, vector) in rows {
            cache.insert(
                key(model, &passage_text(&document, &company, &heading, &text)),
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
}

/// Other ways of fusing the keyword and semantic rankings, compared on the
/// same candidates.
mod fusion_study {
    use std::collections::HashMap;

    use aiconvokit::db::documents::FoundChunk;

    use super::{Question, count_hit};

    fn by_ids(ids: &[i64], rows: &HashMap<i64, FoundChunk>) -> Vec<FoundChunk> {
        ids.iter().filter_map(|id| rows.get(id).cloned()).collect()
    }

    /// Reciprocal-rank fusion of rankings (ids, best first): each id scores
    /// the sum of `weight / (60 + rank)` over the rankings it is in.
    fn reciprocal_rank_fusion(rankings: &[(&[i64], f64)]) -> Vec<i64> {
        let mut scores: HashMap<i64, f64> = HashMap::new();
        for (ranking, weight) in rankings {
            for (rank, id) in ranking.iter().enumerate() {
                *scores.entry(*id).or_default() += weight / (61.0 + rank as f64);
            }
        }
        let mut fused: Vec<(i64, f64)> = scores.into_iter().collect();
        fused.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        fused.into_iter().map(|(id, _)| id).collect()
    }

    /// At most one passage per page among the first ones.
    fn one_per_page(found: Vec<FoundChunk>) -> Vec<FoundChunk> {
        let mut seen = std::collections::HashSet::new();
        let (mut first, mut rest): (Vec<_>, Vec<_>) = (Vec::new(), Vec::new());
        for chunk in found {
            if seen.insert((chunk.document_id, chunk.page)) {
                first.push(chunk);
            } else {
                rest.push(chunk);
            }
        }
        first.extend(rest);
        first
    }

    pub fn run(
        study: &mut Vec<(String, [usize; 3])>,
        keyword: &[FoundChunk],
        vector: &[FoundChunk],
        question: &Question,
    ) {
        let rows: HashMap<i64, FoundChunk> = keyword
            .iter()
            .chain(vector)
            .map(|c| (c.chunk_id, c.clone()))
            .collect();
        let keyword_ids: Vec<i64> = keyword.iter().map(|c| c.chunk_id).collect();
        let vector_ids: Vec<i64> = vector.iter().map(|c| c.chunk_id).collect();
        let mut variants: Vec<(String, Vec<FoundChunk>)> = Vec::new();
        for (kw, sem) in [(1.0, 1.0), (1.0, 1.5), (1.0, 2.0), (1.5, 1.0)] {
            let fused = reciprocal_rank_fusion(&[(&keyword_ids, kw), (&vector_ids, sem)]);
            let found = by_ids(&fused, &rows);
            variants.push((format!("rrf {kw}:{sem}"), found.clone()));
            variants.push((format!("rrf {kw}:{sem}, one per page"), one_per_page(found)));
        }
        // Convex combination of min-max normalised scores (BM25, cosine).
        let normalised = |found: &[FoundChunk]| -> HashMap<i64, f64> {
            let high = found.iter().map(|c| c.score).fold(f64::MIN, f64::max);
            let low = found.iter().map(|c| c.score).fold(f64::MAX, f64::min);
            let range = (high - low).max(1e-9);
            found
                .iter()
                .map(|c| (c.chunk_id, (c.score - low) / range))
                .collect()
        };
        let (keyword_norm, vector_norm) = (normalised(keyword), normalised(vector));
        for alpha in [0.3, 0.5, 0.6, 0.7] {
            let mut scores: HashMap<i64, f64> = HashMap::new();
            for (id, score) in &keyword_norm {
                *scores.entry(*id).or_default() += (1.0 - alpha) * score;
            }
            for (id, score) in &vector_norm {
                *scores.entry(*id).or_default() += alpha * score;
            }
            let mut ranked: Vec<(i64, f64)> = scores.into_iter().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            let ids: Vec<i64> = ranked.into_iter().map(|(id, _)| id).collect();
            let found = by_ids(&ids, &rows);
            variants.push((format!("convex min-max {alpha}"), found.clone()));
            variants.push((
                format!("convex min-max {alpha}, one per page"),
                one_per_page(found),
            ));
        }
        // Scores: BM25 scaled by the best, semantic rank, summed.
        let best = keyword.iter().map(|c| c.score).fold(f64::MIN, f64::max);
        for alpha in [0.3, 0.5, 0.7] {
            let mut scores: HashMap<i64, f64> = HashMap::new();
            for chunk in keyword {
                *scores.entry(chunk.chunk_id).or_default() += (1.0 - alpha) * chunk.score / best;
            }
            let top = vector.len() as f64;
            for (rank, chunk) in vector.iter().enumerate() {
                *scores.entry(chunk.chunk_id).or_default() += alpha * (1.0 - rank as f64 / top);
            }
            let mut ranked: Vec<(i64, f64)> = scores.into_iter().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
            let ids: Vec<i64> = ranked.into_iter().map(|(id, _)| id).collect();
            let found = by_ids(&ids, &rows);
            variants.push((format!("linear {alpha}"), found.clone()));
            variants.push((format!("linear {alpha}, one per page"), one_per_page(found)));
        }
        variants.push((
            "semantic, one per page".into(),
            one_per_page(vector.to_vec()),
        ));
        variants.push((
            "keyword, one per page".into(),
            one_per_page(keyword.to_vec()),
        ));
        for (label, found) in variants {
            let slot = match study.iter_mut().find(|(l, _)| *l == label) {
                Some(slot) => slot,
                None => {
                    study.push((label.clone(), [0; 3]));
                    study.last_mut().expect("pushed")
                }
            };
            count_hit(&mut slot.1, &found, question);
        }
    }
}
