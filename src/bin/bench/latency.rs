//! Search latency (each filing's own assistant, larger assistants, and
//! while a filing is embedded in the background), ingestion speed, and the
//! time the server adds before an answer's first words.

use std::time::{Duration, Instant};

use aiconvokit::search;

use crate::{
    Bench, Filings, add_extracted, copy_vectors, new_assistant, percentile_ms, timed_search,
};

/// Measures and prints every latency figure; `embedding` is how many
/// passages were embedded and how long that took.
pub async fn measure(
    bench: &Bench,
    filings: &Filings,
    shared: Option<i64>,
    embedding: (usize, Duration),
) -> anyhow::Result<()> {
    let (db, semantic, questions) = (&bench.db, &bench.semantic, &bench.questions);
    let extracted = &filings.extracted;
    let (pages_total, bytes_total) = (filings.pages_total, filings.bytes_total);
    let (extract_time, index_time) = (filings.extract_time, filings.index_time);
    // Latency: each filing's own assistant, several rounds on a warm cache.
    let mut latencies = Vec::new();
    for _ in 0..5 {
        for question in questions {
            if let Some(&assistant_id) = filings.assistants.get(&question.doc_name) {
                latencies
                    .push(timed_search(db, semantic.as_deref(), assistant_id, question).await?);
            }
        }
    }
    // Larger assistants: the first filings up to 1,000 pages (their
    // vectors copied from the filings' own assistants), and all of them.
    let mut large = Vec::new();
    let thousand = new_assistant(db, bench.user_id, "1000 pages", "").await?;
    let mut pages_in = 0;
    for (file_name, company, sha, pages) in extracted {
        if pages_in >= 1000 {
            break;
        }
        if add_extracted(db, thousand, file_name, company, sha, pages).await? {
            pages_in += pages.len();
        }
    }
    if semantic.is_some() {
        copy_vectors(db, thousand).await?;
    }
    large.push(("1000 pages", thousand, pages_in));
    if let Some(assistant_id) = shared {
        large.push(("all filings", assistant_id, pages_total as usize));
    }
    let mut large_latencies = Vec::new();
    for &(label, assistant_id, pages) in &large {
        let mut times = Vec::new();
        let mut slowest: Vec<(Duration, usize, &str)> = Vec::new();
        for round in 1..=5 {
            for question in questions {
                let time = timed_search(db, semantic.as_deref(), assistant_id, question).await?;
                times.push(time);
                slowest.push((time, round, question.question.as_str()));
            }
        }
        times.sort();
        slowest.sort_by_key(|(time, _, _)| std::cmp::Reverse(*time));
        slowest.truncate(3);
        large_latencies.push((label, pages, times, slowest));
    }

    // Searches while the longest filing is embedded in the background: does
    // semantic indexing starve them?
    let mut under_load = Vec::new();
    let mut load_pages = 0;
    if let Some(semantic) = &semantic {
        let (file_name, company, sha, pages) = extracted
            .iter()
            .max_by_key(|(_, _, _, pages)| pages.len())
            .ok_or_else(|| anyhow::anyhow!("no filings"))?;
        let load = new_assistant(db, bench.user_id, "embedding load", company).await?;
        add_extracted(db, load, file_name, company, sha, pages).await?;
        load_pages = pages.len();
        let indexer = {
            let (db, semantic) = (db.clone(), semantic.clone());
            tokio::spawn(async move {
                while matches!(semantic.index_next_batch(&db).await, Ok(n) if n > 0) {}
            })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        for _ in 0..3 {
            for question in questions {
                let started = Instant::now();
                search::search(db, Some(semantic), thousand, &question.question, 10).await?;
                under_load.push(started.elapsed());
            }
        }
        indexer.abort();
        under_load.sort();
    }
    latencies.sort();
    println!(
        "\ndocuments: {}  pages: {pages_total}  MB: {:.1}",
        extracted.len(),
        bytes_total as f64 / 1e6
    );
    println!(
        "extraction: {:.0} pages/s, {:.1} MB/s ({:.1} s)",
        pages_total as f64 / extract_time.as_secs_f64(),
        bytes_total as f64 / 1e6 / extract_time.as_secs_f64(),
        extract_time.as_secs_f64()
    );
    if !index_time.is_zero() {
        println!(
            "indexing:   {:.0} pages/s, {:.1} MB/s ({:.1} s)",
            pages_total as f64 / index_time.as_secs_f64(),
            bytes_total as f64 / 1e6 / index_time.as_secs_f64(),
            index_time.as_secs_f64()
        );
    }
    if let (passages @ 1.., time) = embedding {
        println!(
            "semantic indexing: {:.0} passages/s ({passages} passages, {:.1} s)",
            passages as f64 / time.as_secs_f64(),
            time.as_secs_f64()
        );
    }
    if !latencies.is_empty() {
        println!(
            "search, one filing per assistant: p50 {:.2} ms  p99 {:.2} ms  ({} searches)",
            percentile_ms(&latencies, 0.5),
            percentile_ms(&latencies, 0.99),
            latencies.len()
        );
    }
    if !under_load.is_empty() {
        println!(
            "search, one assistant of 1000 pages, while a {load_pages}-page filing is embedded: p50 {:.2} ms  p99 {:.2} ms",
            percentile_ms(&under_load, 0.5),
            percentile_ms(&under_load, 0.99)
        );
    }
    for (label, pages, times, slowest) in &large_latencies {
        println!(
            "search, one assistant of {label} ({pages} pages): p50 {:.2} ms  p99 {:.2} ms",
            percentile_ms(times, 0.5),
            percentile_ms(times, 0.99),
        );
        for (time, round, question) in slowest {
            println!(
                "  slowest: {:.1} ms (round {round}) {question}",
                time.as_secs_f64() * 1000.0
            );
        }
    }

    let (file_name, pages) = extracted
        .iter()
        .min_by_key(|(_, _, _, pages)| pages.len().abs_diff(300))
        .map(|(name, _, _, pages)| (name.clone(), pages.len()))
        .ok_or_else(|| anyhow::anyhow!("no filings"))?;
    let bytes = std::fs::read(bench.args.data.join("pdfs").join(&file_name))?;
    let questions: Vec<String> = questions.iter().map(|q| q.question.clone()).collect();
    crate::chat::print_latency(&file_name, pages, bytes, &questions).await?;
    Ok(())
}
