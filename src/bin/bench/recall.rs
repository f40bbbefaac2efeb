//! Counting hits at ranks 1, 5 and 10, and printing the retrieval modes
//! side by side.

use aiconvokit::db::Db;
use aiconvokit::db::documents::FoundChunk;
use aiconvokit::search;
use aiconvokit::search::Stages;
use aiconvokit::search::semantic::Semantic;

use crate::sets::Part;

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
