//! The owner's settings of the chat, as typed and as checked, and what
//! visitors are shown of an answer.

use super::origins::parse_allowed_origins;

/// Suggested questions shown to visitors.
pub const MAX_SUGGESTIONS: usize = 4;
/// The longest suggested question, welcome message and title, in characters.
pub const MAX_SUGGESTION_CHARS: usize = 200;
pub const MAX_WELCOME_CHARS: usize = 1000;
pub const MAX_TITLE_CHARS: usize = 80;
/// Ranges of the two limits.
pub const VISITOR_HOURLY_RANGE: std::ops::RangeInclusive<i64> = 1..=10_000;
pub const DAILY_RANGE: std::ops::RangeInclusive<i64> = 1..=1_000_000;

/// A colour `#rrggbb` in lower case, or `None`.
pub fn normalize_accent(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let hex = raw.strip_prefix('#')?;
    (hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{}", hex.to_ascii_lowercase()))
}

/// The answer without its `[n]` citations (for sites that hide sources).
pub fn strip_citations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('[') {
        let after = &rest[start + 1..];
        let inner_len = after.find(']').unwrap_or(usize::MAX);
        let is_citation = inner_len != usize::MAX
            && inner_len > 0
            && after[..inner_len]
                .chars()
                .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
            && after[..inner_len].chars().any(|c| c.is_ascii_digit());
        if is_citation {
            out.push_str(rest[..start].trim_end_matches(' '));
            rest = &after[inner_len + 1..];
        } else {
            out.push_str(&rest[..=start]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The owner's form, as typed.
#[derive(Debug, Clone, Default)]
pub struct SettingsForm {
    pub enabled: bool,
    pub allowed_origins: String,
    pub title: String,
    pub accent: String,
    pub position: String,
    pub welcome: String,
    pub suggestions: Vec<String>,
    pub show_sources: bool,
    pub show_feedback: bool,
    pub visitor_hourly_limit: String,
    pub daily_limit: String,
}

/// The settings in the form, or the messages by field saying what to fix.
pub fn validate_settings(
    form: &SettingsForm,
) -> Result<crate::db::widgets::WidgetSettings, crate::model::FieldErrors> {
    let mut errors = crate::model::FieldErrors::new();
    let mut fail = |field: &str, message: String| {
        errors.entry(field.to_owned()).or_default().push(message);
    };
    let origins = parse_allowed_origins(&form.allowed_origins).unwrap_or_else(|message| {
        fail("allowed_origins", message);
        Vec::new()
    });
    if form.enabled && origins.is_empty() && form.allowed_origins.trim().is_empty() {
        fail(
            "allowed_origins",
            "Add at least one origin: the chat works only on the sites listed here.".to_owned(),
        );
    }
    let title = form.title.trim().to_owned();
    if title.chars().count() > MAX_TITLE_CHARS {
        fail(
            "title",
            format!("Keep it under {MAX_TITLE_CHARS} characters."),
        );
    }
    let accent = normalize_accent(&form.accent).unwrap_or_else(|| {
        fail("accent", "Choose a colour like #4f46e5.".to_owned());
        String::new()
    });
    let position = match form.position.trim() {
        "" | "right" => "right",
        "left" => "left",
        _ => {
            fail("position", "Choose bottom right or bottom left.".to_owned());
            "right"
        }
    };
    let welcome = form.welcome.trim().to_owned();
    if welcome.chars().count() > MAX_WELCOME_CHARS {
        fail(
            "welcome",
            format!("Keep it under {MAX_WELCOME_CHARS} characters."),
        );
    }
    let mut suggestions = Vec::new();
    for (index, text) in form.suggestions.iter().enumerate().take(MAX_SUGGESTIONS) {
        // One line each: a suggestion is stored one per line.
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > MAX_SUGGESTION_CHARS {
            fail(
                &format!("suggestion_{}", index + 1),
                format!("Keep it under {MAX_SUGGESTION_CHARS} characters."),
            );
        } else if !text.is_empty() {
            suggestions.push(text);
        }
    }
    let mut limit = |field: &str, raw: &str, range: std::ops::RangeInclusive<i64>| match raw
        .trim()
        .replace([',', '_', ' '], "")
        .parse::<i64>()
    {
        Ok(value) if range.contains(&value) => value,
        _ => {
            fail(
                field,
                format!(
                    "Enter a whole number from {} to {}.",
                    range.start(),
                    range.end()
                ),
            );
            0
        }
    };
    let visitor_hourly_limit = limit(
        "visitor_hourly_limit",
        &form.visitor_hourly_limit,
        VISITOR_HOURLY_RANGE,
    );
    let daily_limit = limit("daily_limit", &form.daily_limit, DAILY_RANGE);
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(crate::db::widgets::WidgetSettings {
        enabled: form.enabled,
        allowed_origins: origins,
        title,
        accent,
        position: position.to_owned(),
        welcome,
        suggestions,
        show_sources: form.show_sources,
        show_feedback: form.show_feedback,
        visitor_hourly_limit,
        daily_limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn citations_are_stripped_but_other_brackets_stay() {
        assert_eq!(
            strip_citations("Capex was $1,577 million [1]. Dividends rose [2, 3]."),
            "Capex was $1,577 million. Dividends rose."
        );
        assert_eq!(
            strip_citations("See [note] and [a1]."),
            "See [note] and [a1]."
        );
        assert_eq!(strip_citations("Open [ and [1"), "Open [ and [1");
    }

    fn form() -> SettingsForm {
        SettingsForm {
            enabled: true,
            allowed_origins: "https://www.example.com".into(),
            accent: "#4f46e5".into(),
            position: "right".into(),
            suggestions: vec!["What was revenue?".into(), " ".into()],
            show_sources: true,
            visitor_hourly_limit: "20".into(),
            daily_limit: "1,000".into(),
            ..SettingsForm::default()
        }
    }

    #[test]
    fn settings_are_checked_field_by_field() {
        let settings = validate_settings(&form()).unwrap();
        assert_eq!(settings.allowed_origins, ["https://www.example.com"]);
        assert_eq!(settings.suggestions, ["What was revenue?"]);
        assert_eq!(settings.daily_limit, 1000);

        let errors = validate_settings(&SettingsForm {
            allowed_origins: String::new(),
            accent: "red".into(),
            position: "top".into(),
            visitor_hourly_limit: "0".into(),
            daily_limit: "lots".into(),
            ..form()
        })
        .unwrap_err();
        for field in [
            "allowed_origins",
            "accent",
            "position",
            "visitor_hourly_limit",
            "daily_limit",
        ] {
            assert!(errors.contains_key(field), "{field}: {errors:?}");
        }
        // Off, a widget needs no origin yet.
        assert!(
            validate_settings(&SettingsForm {
                enabled: false,
                allowed_origins: String::new(),
                ..form()
            })
            .is_ok()
        );
    }

    #[test]
    fn accents_are_hex_colours() {
        assert_eq!(normalize_accent("#4F46E5").as_deref(), Some("#4f46e5"));
        assert_eq!(normalize_accent("red"), None);
        assert_eq!(normalize_accent("#12345"), None);
        assert_eq!(normalize_accent("#1234567"), None);
    }
}
