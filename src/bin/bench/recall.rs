//! Counting hits at ranks 1, 5 and 10, and printing the retrieval modes
//! side by side.

use aiconvokit::db::Db;
use aiconvokit::db::documents::FoundChunk;
use aiconvokit::search;
use aiconvokit::search::Stages;
use aiconvokit::search::semantic::Semantic;

use crate::sets::{FilingQuestion, Part};
use crate::{Bench, Filings, Modes};

/// Passages each search returns.
pub const DEPTH: i64 = 10;

/// One way of ranking passages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ranking {
    /// Keywords alone: what is served without a model.
    Keywords,
    /// The nearest vectors alone.
    Semantic,
    /// Keywords and semantic fused: what is served with a model.
    Fused,
}

impl Ranking {
    pub fn label(self) -> &'static str {
        match self {
            Ranking::Keywords => "keywords",
            Ranking::Semantic => "semantic",
            Ranking::Fused => "fused (served)",
        }
    }

    /// The rankings worth measuring: all three with a model, else keywords.
    pub fn all(semantic: bool) -> &'static [Ranking] {
        if semantic {
            &[Ranking::Keywords, Ranking::Semantic, Ranking::Fused]
        } else {
            &[Ranking::Keywords]
        }
    }
}

/// The best [`DEPTH`] passages of an assistant for `question`, with the
/// search's `stages`.
pub async fn ranked(
    db: &Db,
    semantic: Option<&Semantic>,
    ranking: Ranking,
    stages: Stages,
    assistant_id: i64,
    question: &str,
) -> anyhow::Result<Vec<FoundChunk>> {
    let searched = |semantic| async move {
        anyhow::Ok(
            search::search_with(db, semantic, assistant_id, question, DEPTH, stages)
                .await?
                .found
                .into_iter()
                .map(|(chunk, _)| chunk)
                .collect::<Vec<_>>(),
        )
    };
    Ok(match (ranking, semantic) {
        (Ranking::Keywords, _) | (_, None) => searched(None).await?,
        (Ranking::Fused, semantic) => searched(semantic).await?,
        (Ranking::Semantic, Some(semantic)) => {
            let nearest = semantic
                .nearest(db, assistant_id, question, DEPTH as usize)
                .await?;
            let ids: Vec<i64> = nearest.iter().map(|(id, _)| *id).collect();
            let mut found = db.chunks_by_ids(assistant_id, &ids).await?;
            found.sort_by_key(|chunk| ids.iter().position(|id| *id == chunk.chunk_id));
            found
        }
    })
}

/// The served search and, with `ablations`, the served search without
/// each stage in turn: (label, stages).
pub fn stage_variants(ablations: bool) -> Vec<(&'static str, Stages)> {
    let mut variants = vec![("", Stages::SERVED)];
    if ablations {
        variants.push((
            ", without routing",
            Stages {
                routing: false,
                ..Stages::SERVED
            },
        ));
        variants.push((
            ", without synonyms",
            Stages {
                synonyms: false,
                ..Stages::SERVED
            },
        ));
        variants.push((
            ", without the second look",
            Stages {
                rescoring: false,
                ..Stages::SERVED
            },
        ));
    }
    variants
}

/// Questions asked and hits at ranks 1, 5 and 10.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub asked: usize,
    hits: [usize; 3],
}

impl Tally {
    /// Counts one question whose first hit is at `rank` (0-based), if any.
    pub fn add(&mut self, rank: Option<usize>) {
        self.asked += 1;
        for (slot, k) in [1, 5, 10].into_iter().enumerate() {
            if rank.is_some_and(|r| r < k) {
                self.hits[slot] += 1;
            }
        }
    }

    fn share(&self, slot: usize) -> f64 {
        if self.asked == 0 {
            0.0
        } else {
            self.hits[slot] as f64 / self.asked as f64
        }
    }

    /// `@1 0.37  @5 0.77  @10 0.80`.
    pub fn figures(&self) -> String {
        format!(
            "{:.2} / {:.2} / {:.2}",
            self.share(0),
            self.share(1),
            self.share(2)
        )
    }
}

/// A FinanceBench measurement: the tuning part, the check part, and all.
#[derive(Debug, Default, Clone, Copy)]
pub struct Split {
    pub tuning: Tally,
    pub check: Tally,
    pub all: Tally,
}

impl Split {
    pub fn add(&mut self, part: Part, rank: Option<usize>) {
        match part {
            Part::Tuning => self.tuning.add(rank),
            Part::Check => self.check.add(rank),
        }
        self.all.add(rank);
    }
}

/// Prints FinanceBench rows (label, split) as a table, @1 / @5 / @10.
pub fn print_split_table(title: &str, rows: &[(String, Split)]) {
    let Some((_, first)) = rows.first() else {
        return;
    };
    println!("\n{title}, recall @1 / @5 / @10");
    println!(
        "{:<44} {:<20} {:<20} {:<20}",
        "",
        format!("tuning ({} q)", first.tuning.asked),
        format!("check ({} q)", first.check.asked),
        format!("all ({} q)", first.all.asked)
    );
    for (label, split) in rows {
        println!(
            "{label:<44} {:<20} {:<20} {:<20}",
            split.tuning.figures(),
            split.check.figures(),
            split.all.figures()
        );
    }
}

/// Page recall, mode by mode, ranking by ranking, printed as tables.
pub async fn measure(
    bench: &Bench,
    filings: &Filings,
    shared: Option<i64>,
    sec10q: Option<&(i64, Vec<FilingQuestion>)>,
) -> anyhow::Result<()> {
    let modes = Modes::of(&bench.args);
    let runs = runs(bench.args.stages, bench.semantic.is_some());
    let per_filing_rows = if modes.per_filing {
        per_filing(bench, filings, &runs).await?
    } else {
        Vec::new()
    };
    let shared_rows = match shared {
        Some(assistant_id) => in_one(bench, filings, assistant_id, &runs).await?,
        None => Vec::new(),
    };
    let filing_rows = match sec10q {
        Some((assistant_id, questions)) => {
            by_filing(bench, *assistant_id, questions, &runs).await?
        }
        None => Vec::new(),
    };
    if modes.per_filing
        && bench.args.fusion_study
        && let Some(semantic) = &bench.semantic
    {
        let study =
            crate::study_fusions(&bench.db, semantic, &filings.assistants, &bench.questions)
                .await?;
        print_split_table("page recall, other fusions of the same candidates", &study);
    }
    print_split_table("FinanceBench dev, page recall", &per_filing_rows);
    print_split_table("FinanceBench dev, right filing and page", &shared_rows);
    if !filing_rows.is_empty() {
        println!(
            "\n10-Q set, 20 filings in one assistant: source filing @1 / @5 / @10 (single-document questions), share of the source filings in the top 10 (multi-document)"
        );
    }
    for (label, single, multi_share, multi) in &filing_rows {
        println!(
            "{label:<44} {:<20} multi ({multi} q): {multi_share:.2}   ({} single-document q)",
            single.figures(),
            single.asked,
        );
    }
    Ok(())
}

/// Each ranking as served, then (with `ablations`) the served ranking
/// without each stage.
fn runs(ablations: bool, semantic: bool) -> Vec<(Ranking, &'static str, Stages)> {
    let rankings = Ranking::all(semantic);
    let served = *rankings.last().unwrap_or(&Ranking::Keywords);
    rankings
        .iter()
        .map(|&ranking| (ranking, "", Stages::SERVED))
        .chain(
            stage_variants(ablations)
                .into_iter()
                .skip(1)
                .map(|(label, stages)| (served, label, stages)),
        )
        .collect()
}

/// One filing per assistant: each question asked of its filing's own.
async fn per_filing(
    bench: &Bench,
    filings: &Filings,
    runs: &[(Ranking, &'static str, Stages)],
) -> anyhow::Result<Vec<(String, Split)>> {
    let mut per_filing_rows = Vec::new();
    for &(ranking, variant, stages) in runs {
        let mut split = Split::default();
        for question in &bench.questions {
            let Some(&assistant_id) = filings.assistants.get(&question.doc_name) else {
                continue;
            };
            let found = ranked(
                &bench.db,
                bench.semantic.as_deref(),
                ranking,
                stages,
                assistant_id,
                &question.question,
            )
            .await?;
            let rank = found.iter().position(|hit| question.is_evidence(hit.page));
            split.add(question.part, rank);
            if bench.args.misses && ranking == Ranking::Fused && rank.is_none_or(|r| r >= 5) {
                let pages: Vec<_> = found.iter().take(5).map(|hit| hit.page).collect();
                println!(
                    "MISS {} | {} | top5 {pages:?}",
                    question.doc_name, question.question
                );
            }
        }
        per_filing_rows.push((
            format!("one filing per assistant: {}{variant}", ranking.label()),
            split,
        ));
    }
    Ok(per_filing_rows)
}

/// Every filing in one assistant: a hit needs the right filing and page.
async fn in_one(
    bench: &Bench,
    filings: &Filings,
    assistant_id: i64,
    runs: &[(Ranking, &'static str, Stages)],
) -> anyhow::Result<Vec<(String, Split)>> {
    let mut shared_rows = Vec::new();
    for &(ranking, variant, stages) in runs {
        let mut split = Split::default();
        for question in &bench.questions {
            let found = ranked(
                &bench.db,
                bench.semantic.as_deref(),
                ranking,
                stages,
                assistant_id,
                &question.question,
            )
            .await?;
            let file_name = format!("{}.pdf", question.doc_name);
            let rank = found
                .iter()
                .position(|hit| hit.document == file_name && question.is_evidence(hit.page));
            split.add(question.part, rank);
        }
        shared_rows.push((
            format!(
                "all {} filings in one: {}{variant}",
                filings.extracted.len(),
                ranking.label()
            ),
            split,
        ));
    }
    Ok(shared_rows)
}

/// The 10-Q set: the source filing of each question among the results.
async fn by_filing(
    bench: &Bench,
    assistant_id: i64,
    filing_questions: &[FilingQuestion],
    runs: &[(Ranking, &'static str, Stages)],
) -> anyhow::Result<Vec<(String, Tally, f64, usize)>> {
    let mut filing_rows = Vec::new();
    for &(ranking, variant, stages) in runs {
        let (mut single, mut multi_share, mut multi) = (Tally::default(), 0.0, 0usize);
        for question in filing_questions {
            let found = ranked(
                &bench.db,
                bench.semantic.as_deref(),
                ranking,
                stages,
                assistant_id,
                &question.question,
            )
            .await?;
            if question.single {
                let rank = found
                    .iter()
                    .position(|hit| question.sources.contains(&hit.document));
                let served = Ranking::all(bench.semantic.is_some()).last() == Some(&ranking);
                if bench.args.misses && served && variant.is_empty() && rank != Some(0) {
                    let first = found.first().map_or("nothing", |hit| hit.document.as_str());
                    println!(
                        "10-Q miss at @1 (source {:?}, rank {rank:?}, first {first}): {}",
                        question.sources, question.question
                    );
                }
                single.add(rank);
            } else {
                let mut seen: Vec<&String> = found
                    .iter()
                    .map(|hit| &hit.document)
                    .filter(|d| question.sources.contains(d))
                    .collect();
                seen.sort();
                seen.dedup();
                multi_share += seen.len() as f64 / question.sources.len() as f64;
                multi += 1;
            }
        }
        filing_rows.push((
            format!("{}{variant}", ranking.label()),
            single,
            multi_share / multi.max(1) as f64,
            multi,
        ));
    }
    Ok(filing_rows)
}
