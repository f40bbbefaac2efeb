//! The history of an assistant's evaluation runs as an SVG line chart:
//! the share of questions passed and hit@5 per finished run, a title and a
//! description for screen readers, a tooltip per run. The page lists the
//! same numbers in a table.

use std::fmt::Write;

use crate::analytics::chart::escape;
use crate::model::evaluation::EvalRun;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 40.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 24.0;
const PASSED: &str = "#4f46e5";
const HIT: &str = "#0891b2";

/// Share of the checked questions (skipped ones aside) that passed.
pub fn pass_rate(run: &EvalRun) -> Option<f64> {
    let judged = run.checked - run.skipped;
    (judged > 0).then(|| run.passed as f64 / judged as f64)
}

/// The chart of `runs` (newest first, as listed); empty unless two runs
/// are finished.
pub fn history(runs: &[EvalRun]) -> String {
    let done: Vec<&EvalRun> = runs.iter().rev().filter(|r| r.status == "done").collect();
    if done.len() < 2 {
        return String::new();
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = plot_w / (done.len() - 1) as f64;
    let x_of = |index: usize| LEFT + step * index as f64;
    let y_of = |share: f64| TOP + plot_h - plot_h * share.clamp(0.0, 1.0);
    let percent =
        |share: Option<f64>| share.map_or("–".to_owned(), |s| format!("{:.0}%", s * 100.0));

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="runs-title runs-desc" data-testid="runs-chart" font-family="ui-sans-serif, system-ui, sans-serif" font-size="11">"#
    );
    let (first, last) = (done[0], done[done.len() - 1]);
    let description = format!(
        "{} runs. Passed went from {} (run {}) to {} (run {}); hit@5 from {} to {}.",
        done.len(),
        percent(pass_rate(first)),
        first.id,
        percent(pass_rate(last)),
        last.id,
        percent(first.hit_at_5),
        percent(last.hit_at_5),
    );
    let _ = write!(
        svg,
        r#"<title id="runs-title">Evaluation runs: passed and hit@5</title><desc id="runs-desc">{}</desc>"#,
        escape(&description)
    );
    let _ = write!(
        svg,
        r##"<rect x="{LEFT}" y="6" width="10" height="10" rx="2" fill="{PASSED}"/><text x="{}" y="15" fill="#334155">Passed</text><rect x="{}" y="6" width="10" height="10" rx="2" fill="{HIT}"/><text x="{}" y="15" fill="#334155">hit@5</text>"##,
        LEFT + 14.0,
        LEFT + 70.0,
        LEFT + 84.0
    );
    for share in [0.0, 0.5, 1.0] {
        let y = y_of(share);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e2e8f0"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#64748b">{:.0}%</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            share * 100.0
        );
    }
    // Passed is drawn wide and hit@5 dashed over it: equal figures still
    // show both lines.
    for (colour, style, share_of) in [
        (
            PASSED,
            r#"stroke-width="4""#,
            pass_rate as fn(&EvalRun) -> Option<f64>,
        ),
        (
            HIT,
            r#"stroke-width="2" stroke-dasharray="6 4""#,
            |r: &EvalRun| r.hit_at_5,
        ),
    ] {
        let points: Vec<String> = done
            .iter()
            .enumerate()
            .filter_map(|(i, run)| Some(format!("{:.1},{:.1}", x_of(i), y_of(share_of(run)?))))
            .collect();
        if points.len() > 1 {
            let _ = write!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{colour}" {style}/>"#,
                points.join(" ")
            );
        }
    }
    for (index, run) in done.iter().enumerate() {
        let x = x_of(index);
        let label = format!(
            "Run {} ({}): passed {}, hit@5 {}",
            run.id,
            run.created_at.format("%Y-%m-%d %H:%M"),
            percent(pass_rate(run)),
            percent(run.hit_at_5)
        );
        let _ = write!(svg, "<g><title>{}</title>", escape(&label));
        if let Some(share) = pass_rate(run) {
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{:.1}" r="4" fill="{PASSED}"/>"#,
                y_of(share)
            );
        }
        if let Some(share) = run.hit_at_5 {
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{:.1}" r="3" fill="{HIT}"/>"#,
                y_of(share)
            );
        }
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{TOP}" width="{:.1}" height="{plot_h:.1}" fill="transparent"/></g>"#,
            x - step / 2.0,
            step
        );
    }
    for index in [0, done.len() - 1] {
        let anchor = if index == 0 { "start" } else { "end" };
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" fill="#64748b">Run {}</text>"##,
            x_of(index),
            HEIGHT - 6.0,
            done[index].id
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn run(id: i64, status: &str, passed: i64, hits: i64) -> EvalRun {
        EvalRun {
            id,
            status: status.into(),
            questions: 4,
            checked: 4,
            passed,
            failed: 4 - passed,
            skipped: 0,
            hit_at_5: Some(hits as f64 / 4.0),
            retrieval_checked: 4,
            retrieval_hits: hits,
            answers_checked: 0,
            answers_passed: 0,
            model: None,
            error: None,
            created_at: Utc::now(),
            started_at: None,
            finished_at: None,
            url: String::new(),
        }
    }

    #[test]
    fn one_finished_run_makes_no_chart() {
        assert_eq!(
            history(&[run(2, "running", 0, 0), run(1, "done", 1, 2)]),
            ""
        );
    }

    #[test]
    fn the_chart_describes_the_change_and_has_a_point_per_run() {
        let svg = history(&[
            run(3, "done", 4, 4),
            run(2, "failed", 0, 0),
            run(1, "done", 1, 2),
        ]);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(
            "<desc id=\"runs-desc\">2 runs. Passed went from 25% (run 1) to 100% (run 3); hit@5 from 50% to 100%.</desc>"
        ), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 4);
        assert!(svg.contains("passed 100%, hit@5 100%</title>"));
        assert!(svg.contains(">Run 3</text>"));
    }
}
