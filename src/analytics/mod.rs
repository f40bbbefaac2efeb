//! An assistant's figures over a period, for its owner: questions per day
//! and surface, what became of them (answered, not covered by the
//! documents, failed), feedback, the wait for the first word, the models
//! that answered, the documents and pages cited, the websites the chat ran
//! on, and the latest questions to look at. Folded from the messages page
//! by page, so a busy assistant's quarter never sits whole in memory.

pub mod chart;

use std::collections::{BTreeMap, HashMap, VecDeque};

use chrono::{Days, NaiveDate};

use crate::db::Db;
use crate::db::chats::ExportedMessage;
use crate::model::Source;
use crate::model::analytics::{
    Analytics, CitedDocument, CitedPage, DayCount, FirstWord, ModelCount, Outcomes, Ratings,
    SiteCount, ToReview,
};

/// Messages read per query.
const PAGE: i64 = 1000;
/// Latest questions kept for review, of each kind.
const LATEST: usize = 10;
/// Documents and sites listed, the most frequent first.
const TOP: usize = 10;

/// The periods an owner picks from, in days.
pub const PERIODS: [u32; 3] = [7, 30, 90];

/// The period of `?days=`: 7, 30 (the default) or 90.
pub fn period(text: Option<&str>) -> Option<u32> {
    match text.map(str::trim) {
        None | Some("") => Some(30),
        Some(text) => text.parse().ok().filter(|days| PERIODS.contains(days)),
    }
}

/// The `days` days that end today (UTC), both included.
pub fn days_ending(today: NaiveDate, days: u32) -> (NaiveDate, NaiveDate) {
    let from = today
        .checked_sub_days(Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(today);
    (from, today)
}

/// The figures of `assistant_id` over the `days` days that end `today`.
pub async fn of_assistant(
    db: &Db,
    assistant_id: i64,
    today: NaiveDate,
    days: u32,
) -> sqlx::Result<Analytics> {
    let (from, to) = days_ending(today, days);
    let (start, end) = crate::chat::export::ExportRange { from, to }.instants();
    let mut tally = Tally::default();
    let mut after = 0;
    loop {
        let page = db
            .exported_messages(assistant_id, start, end, after, PAGE)
            .await?;
        for message in &page {
            tally.add(message);
        }
        match page.last() {
            Some(last) if i64::try_from(page.len()).unwrap_or(0) == PAGE => after = last.message_id,
            _ => break,
        }
    }
    Ok(tally.finish(days, from, to))
}

/// What the messages add up to so far.
#[derive(Debug, Default)]
pub struct Tally {
    per_day: BTreeMap<NaiveDate, BTreeMap<String, u64>>,
    outcomes: Outcomes,
    ratings: Ratings,
    waits: Vec<i64>,
    models: HashMap<Option<String>, u64>,
    documents: HashMap<String, (u64, HashMap<Option<i64>, u64>)>,
    sites: HashMap<String, u64>,
    not_covered: VecDeque<ToReview>,
    thumbs_down: VecDeque<ToReview>,
}

impl Tally {
    /// Counts one question (messages come in the order they were asked).
    pub fn add(&mut self, message: &ExportedMessage) {
        *self
            .per_day
            .entry(message.created_at.date_naive())
            .or_default()
            .entry(message.origin.clone())
            .or_default() += 1;
        self.outcomes.questions += 1;
        let review = || ToReview {
            chat_id: message.chat_id,
            message_id: message.message_id,
            question: message.input.clone(),
            answer: message.output.clone(),
            comment: message.feedback_comment.clone(),
            origin: message.origin.clone(),
            asked_at: message.created_at,
        };
        match (message.status.as_str(), message.covered) {
            ("answered", true) => {
                self.outcomes.answered += 1;
                self.waits.extend(message.first_word_ms);
                *self.models.entry(message.model.clone()).or_default() += 1;
                let sources: Vec<Source> =
                    serde_json::from_str(&message.sources).unwrap_or_default();
                for source in sources {
                    let (count, pages) = self.documents.entry(source.document).or_default();
                    *count += 1;
                    *pages.entry(source.page).or_default() += 1;
                }
            }
            ("answered", false) => {
                self.outcomes.not_covered += 1;
                keep_latest(&mut self.not_covered, review());
            }
            ("failed", _) => self.outcomes.failed += 1,
            _ => self.outcomes.pending += 1,
        }
        match message.rating.as_deref() {
            Some("up") => self.ratings.up += 1,
            Some("down") => {
                self.ratings.down += 1;
                keep_latest(&mut self.thumbs_down, review());
            }
            _ => {}
        }
        if let Some(site) = &message.site_origin {
            *self.sites.entry(site.clone()).or_default() += 1;
        }
    }

    /// The figures, every day of the period listed (empty days as zeros).
    pub fn finish(mut self, days: u32, from: NaiveDate, to: NaiveDate) -> Analytics {
        let mut origins: Vec<String> = self
            .per_day
            .values()
            .flat_map(|counts| counts.keys().cloned())
            .collect();
        origins.sort_by_key(|origin| (origin_rank(origin), origin.clone()));
        origins.dedup();
        let per_day = from
            .iter_days()
            .take_while(|day| *day <= to)
            .map(|date| {
                let counts = self.per_day.remove(&date).unwrap_or_default();
                DayCount {
                    date,
                    total: counts.values().sum(),
                    by_origin: counts,
                }
            })
            .collect();
        self.waits.sort_unstable();
        let first_word = FirstWord {
            answers: self.waits.len() as u64,
            p50_ms: percentile(&self.waits, 50),
            p95_ms: percentile(&self.waits, 95),
        };
        let mut models: Vec<ModelCount> = self
            .models
            .into_iter()
            .map(|(model, answers)| ModelCount { model, answers })
            .collect();
        models.sort_by(|a, b| b.answers.cmp(&a.answers).then(a.model.cmp(&b.model)));
        let mut documents: Vec<CitedDocument> = self
            .documents
            .into_iter()
            .map(|(document, (citations, pages))| {
                let mut pages: Vec<CitedPage> = pages
                    .into_iter()
                    .map(|(page, citations)| CitedPage { page, citations })
                    .collect();
                pages.sort_by(|a, b| b.citations.cmp(&a.citations).then(a.page.cmp(&b.page)));
                pages.truncate(TOP);
                CitedDocument {
                    document,
                    citations,
                    pages,
                }
            })
            .collect();
        documents.sort_by(|a, b| {
            b.citations
                .cmp(&a.citations)
                .then(a.document.cmp(&b.document))
        });
        documents.truncate(TOP);
        let mut sites: Vec<SiteCount> = self
            .sites
            .into_iter()
            .map(|(site, questions)| SiteCount { site, questions })
            .collect();
        sites.sort_by(|a, b| b.questions.cmp(&a.questions).then(a.site.cmp(&b.site)));
        sites.truncate(TOP);
        Analytics {
            days,
            from,
            to,
            origins,
            per_day,
            outcomes: self.outcomes,
            ratings: self.ratings,
            first_word,
            models,
            documents,
            sites,
            latest_not_covered: self.not_covered.into_iter().rev().collect(),
            latest_thumbs_down: self.thumbs_down.into_iter().rev().collect(),
        }
    }
}

fn keep_latest(list: &mut VecDeque<ToReview>, item: ToReview) {
    if list.len() == LATEST {
        list.pop_front();
    }
    list.push_back(item);
}

/// The surfaces in a fixed order: the app, the API, the website, then others.
fn origin_rank(origin: &str) -> usize {
    ["app", "api", "widget", "openai", "mcp"]
        .iter()
        .position(|known| *known == origin)
        .unwrap_or(usize::MAX)
}

/// The nearest-rank percentile of sorted values; `None` without any.
fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn message(id: i64, at: &str, origin: &str, status: &str, covered: bool) -> ExportedMessage {
        ExportedMessage {
            message_id: id,
            chat_id: 1,
            thread_id: "thread_x".into(),
            origin: origin.into(),
            site_origin: (origin == "widget").then(|| "https://shop.example".into()),
            created_at: format!("{at}T12:00:00Z").parse().unwrap(),
            answered_at: None,
            input: format!("question {id}"),
            output: Some("answer".into()),
            status: status.into(),
            error: None,
            sources: r#"[{"document_id":1,"document":"10k.pdf","page":61,"text":"..."},{"document_id":1,"document":"10k.pdf","page":62,"text":"..."}]"#.into(),
            covered,
            model: Some("gpt-4o-mini".into()),
            first_word_ms: Some(id * 100),
            rating: None,
            feedback_comment: None,
        }
    }

    #[test]
    fn a_known_set_of_questions_gives_known_figures() {
        let mut tally = Tally::default();
        let mut rated = message(1, "2026-12-01", "app", "answered", true);
        rated.rating = Some("down".into());
        rated.feedback_comment = Some("wrong year".into());
        tally.add(&rated);
        tally.add(&message(2, "2026-12-01", "widget", "answered", true));
        tally.add(&message(3, "2026-12-03", "api", "answered", false));
        tally.add(&message(4, "2026-12-03", "mcp", "failed", true));
        let mut offline = message(5, "2026-12-04", "app", "answered", true);
        offline.model = None;
        offline.rating = Some("up".into());
        tally.add(&offline);

        let figures = tally.finish(7, day("2026-11-28"), day("2026-12-04"));
        assert_eq!(figures.per_day.len(), 7);
        assert_eq!(figures.per_day[0].total, 0);
        assert_eq!(figures.per_day[3].date, day("2026-12-01"));
        assert_eq!(figures.per_day[3].by_origin["app"], 1);
        assert_eq!(figures.per_day[3].by_origin["widget"], 1);
        assert_eq!(figures.per_day[5].total, 2);
        assert_eq!(figures.origins, ["app", "api", "widget", "mcp"]);
        let outcomes = &figures.outcomes;
        assert_eq!(
            (
                outcomes.questions,
                outcomes.answered,
                outcomes.not_covered,
                outcomes.failed
            ),
            (5, 3, 1, 1)
        );
        assert_eq!((figures.ratings.up, figures.ratings.down), (1, 1));
        // Waits of the answers from the documents: 100, 200 and 500 ms (the
        // refusal is not counted).
        assert_eq!(figures.first_word.answers, 3);
        assert_eq!(figures.first_word.p50_ms, Some(200));
        assert_eq!(figures.first_word.p95_ms, Some(500));
        assert_eq!(figures.models[0].model.as_deref(), Some("gpt-4o-mini"));
        assert_eq!(figures.models[0].answers, 2);
        assert_eq!(figures.models[1].model, None);
        assert_eq!(figures.documents[0].document, "10k.pdf");
        assert_eq!(figures.documents[0].citations, 6);
        assert_eq!(figures.documents[0].pages[0].citations, 3);
        assert_eq!(figures.sites[0].site, "https://shop.example");
        assert_eq!(figures.latest_not_covered[0].question, "question 3");
        assert_eq!(
            figures.latest_thumbs_down[0].comment.as_deref(),
            Some("wrong year")
        );
    }

    #[test]
    fn only_the_latest_questions_are_kept_for_review_newest_first() {
        let mut tally = Tally::default();
        for id in 1..=15 {
            tally.add(&message(id, "2026-12-01", "app", "answered", false));
        }
        let figures = tally.finish(7, day("2026-11-28"), day("2026-12-04"));
        assert_eq!(figures.latest_not_covered.len(), LATEST);
        assert_eq!(figures.latest_not_covered[0].message_id, 15);
        assert_eq!(figures.first_word.p50_ms, None, "no answer, no wait");
    }

    #[test]
    fn periods_are_7_30_or_90_days_ending_today() {
        assert_eq!(period(None), Some(30));
        assert_eq!(period(Some("90")), Some(90));
        assert_eq!(period(Some("365")), None);
        assert_eq!(period(Some("seven")), None);
        assert_eq!(
            days_ending(day("2026-12-04"), 7),
            (day("2026-11-28"), day("2026-12-04"))
        );
        assert_eq!(percentile(&[5], 95), Some(5));
        assert_eq!(percentile(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50), Some(5));
    }
}
