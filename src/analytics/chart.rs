//! Charts drawn on the server as SVG: a title and a description for screen
//! readers, a tooltip per bar, and no script. The page puts the numbers
//! beside them as a table.

use std::fmt::Write;

use crate::model::analytics::{Analytics, origin_name as name_of};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 36.0;
const RIGHT: f64 = 8.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 24.0;

/// The colour of a surface's bars (readable on white, told apart also by
/// their order in the stack and the table).
pub fn colour_of(origin: &str) -> &'static str {
    match origin {
        "app" => "#4f46e5",
        "api" => "#0891b2",
        "widget" => "#d97706",
        "openai" => "#7c3aed",
        "mcp" => "#db2777",
        _ => "#64748b",
    }
}

/// Questions per day as stacked bars, one colour per surface.
pub fn questions_per_day(figures: &Analytics) -> String {
    let busiest = figures.per_day.iter().map(|d| d.total).max().unwrap_or(0);
    let scale_max = nice_ceiling(busiest);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let days = figures.per_day.len().max(1) as f64;
    let slot = plot_w / days;
    let bar = (slot * 0.7).max(1.0);
    let total: u64 = figures.per_day.iter().map(|d| d.total).sum();

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" role="img" aria-labelledby="chart-title chart-desc" data-testid="questions-chart" font-family="ui-sans-serif, system-ui, sans-serif" font-size="11">"#
    );
    let _ = write!(
        svg,
        r#"<title id="chart-title">Questions per day, by surface</title><desc id="chart-desc">{}</desc>"#,
        escape(&describe(figures, total, busiest))
    );
    // Legend.
    let mut x = LEFT;
    for origin in &figures.origins {
        let name = escape(name_of(origin));
        let _ = write!(
            svg,
            r##"<rect x="{x:.1}" y="6" width="10" height="10" rx="2" fill="{}"/><text x="{:.1}" y="15" fill="#334155">{name}</text>"##,
            colour_of(origin),
            x + 14.0
        );
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
    // Grid and scale.
    for step in 0..=2u64 {
        let value = scale_max * step / 2;
        let y = TOP + plot_h - plot_h * (value as f64) / (scale_max.max(1) as f64);
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" x2="{:.1}" y1="{y:.1}" y2="{y:.1}" stroke="#e2e8f0"/><text x="{:.1}" y="{:.1}" text-anchor="end" fill="#64748b">{value}</text>"##,
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0
        );
    }
    // Bars, stacked in the legend's order.
    for (index, day) in figures.per_day.iter().enumerate() {
        let x = LEFT + slot * index as f64 + (slot - bar) / 2.0;
        let mut base = TOP + plot_h;
        let parts: Vec<String> = figures
            .origins
            .iter()
            .filter_map(|origin| {
                let count = *day.by_origin.get(origin)?;
                Some(format!("{} {count}", name_of(origin)))
            })
            .collect();
        let label = if parts.is_empty() {
            format!("{}: no questions", day.date)
        } else {
            format!("{}: {}", day.date, parts.join(", "))
        };
        let _ = write!(svg, "<g><title>{}</title>", escape(&label));
        for origin in &figures.origins {
            let Some(&count) = day.by_origin.get(origin) else {
                continue;
            };
            let h = plot_h * (count as f64) / (scale_max.max(1) as f64);
            base -= h;
            let _ = write!(
                svg,
                r#"<rect x="{x:.1}" y="{base:.1}" width="{bar:.1}" height="{h:.1}" fill="{}"/>"#,
                colour_of(origin)
            );
        }
        // An invisible target the width of the slot, so the tooltip shows on empty days too.
        let _ = write!(
            svg,
            r#"<rect x="{:.1}" y="{TOP}" width="{slot:.1}" height="{plot_h:.1}" fill="transparent"/></g>"#,
            LEFT + slot * index as f64
        );
    }
    // Dates under the first, middle and last bars.
    let count = figures.per_day.len();
    let marks: Vec<usize> = match count {
        0 => Vec::new(),
        1 => vec![0],
        _ => vec![0, (count - 1) / 2, count - 1],
    };
    for index in marks {
        let day = &figures.per_day[index];
        let x = LEFT + slot * (index as f64 + 0.5);
        let anchor = if index == 0 {
            "start"
        } else if index == count - 1 {
            "end"
        } else {
            "middle"
        };
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" fill="#64748b">{}</text>"##,
            if index == 0 {
                x - slot / 2.0
            } else if index == count - 1 {
                x + slot / 2.0
            } else {
                x
            },
            HEIGHT - 6.0,
            day.date.format("%b %-d")
        );
    }
    svg.push_str("</svg>");
    svg
}

/// The chart in one sentence.
fn describe(figures: &Analytics, total: u64, busiest: u64) -> String {
    let mut text = format!(
        "{total} question{} from {} to {}",
        if total == 1 { "" } else { "s" },
        figures.from,
        figures.to
    );
    if let Some(day) = figures
        .per_day
        .iter()
        .rfind(|d| d.total == busiest && busiest > 0)
    {
        let _ = write!(text, "; the busiest day was {} with {busiest}", day.date);
    }
    text.push('.');
    text
}

/// The smallest round number at or above `value` (at least 2, even).
fn nice_ceiling(value: u64) -> u64 {
    let value = value.max(2);
    let magnitude = 10u64.pow(value.ilog10());
    let steps = [1, 2, 5, 10];
    let top = steps
        .iter()
        .map(|step| step * magnitude)
        .find(|candidate| *candidate >= value)
        .unwrap_or(10 * magnitude);
    if top % 2 == 1 { top + 1 } else { top }
}

/// Text made safe inside SVG markup.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::Tally;
    use chrono::NaiveDate;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_chart_is_titled_described_and_has_a_bar_per_question_day() {
        let mut figures = Tally::default().finish(7, day("2026-11-28"), day("2026-12-04"));
        figures.origins = vec!["app".into(), "widget".into()];
        figures.per_day[3].by_origin.insert("app".into(), 3);
        figures.per_day[3].by_origin.insert("widget".into(), 1);
        figures.per_day[3].total = 4;
        let svg = questions_per_day(&figures);
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains(r#"role="img""#));
        assert!(svg.contains("<title id=\"chart-title\">Questions per day, by surface</title>"));
        assert!(svg.contains(
            "4 questions from 2026-11-28 to 2026-12-04; the busiest day was 2026-12-01 with 4."
        ));
        assert!(svg.contains("<title>2026-12-01: App 3, Website 1</title>"));
        assert!(svg.contains("<title>2026-11-28: no questions</title>"));
        assert_eq!(
            svg.matches(r##"fill="#4f46e5""##).count(),
            2,
            "legend and one bar"
        );
        assert!(svg.contains(">Dec 4</text>"));
    }

    #[test]
    fn names_are_escaped_and_scales_are_round() {
        assert_eq!(escape("<script>&\""), "&lt;script&gt;&amp;&quot;");
        assert_eq!(nice_ceiling(0), 2);
        assert_eq!(nice_ceiling(3), 6);
        assert_eq!(nice_ceiling(7), 10);
        assert_eq!(nice_ceiling(42), 50);
        assert_eq!(nice_ceiling(101), 200);
    }
}
