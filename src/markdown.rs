//! Markdown of answers rendered to HTML that is safe to insert in a page:
//! raw HTML in the text (from a model or a document) is shown as text,
//! links keep only `http`, `https` and `mailto` addresses, and images
//! become their description (no requests to addresses a model chose).
//! In answers, the citations `[n]` of the sources become links.

#[cfg(feature = "ssr")]
use pulldown_cmark::{
    CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, TextMergeStream, html,
};

#[cfg(feature = "ssr")]
/// Safe HTML for `markdown`.
pub fn to_safe_html(markdown: &str) -> String {
    answer_html(markdown, 0, "")
}

#[cfg(feature = "ssr")]
/// Safe HTML for an answer citing `sources` sources: each `[n]` with
/// `1 <= n <= sources` (also in groups, `[1, 3]`) links to `#{anchor}-{n}`
/// and carries `data-cite="n"`.
pub fn answer_html(markdown: &str, sources: usize, anchor: &str) -> String {
    let mut in_image = 0usize;
    let mut in_link = 0usize;
    let mut dropped_links = Vec::new();
    let events = TextMergeStream::new(Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    ))
    .filter_map(|event| match event {
        Event::Html(text) | Event::InlineHtml(text) => Some(Event::Text(text)),
        Event::Start(Tag::Image { .. }) => {
            in_image += 1;
            None
        }
        Event::End(TagEnd::Image) => {
            in_image = in_image.saturating_sub(1);
            None
        }
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            if is_safe_url(&dest_url) {
                dropped_links.push(false);
                Some(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                dropped_links.push(true);
                None
            }
        }
        Event::End(TagEnd::Link) => match dropped_links.pop() {
            Some(true) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        other => Some(other),
    })
    .map(|event| match event {
        // Autolinks and e-mail links keep their text.
        Event::Start(Tag::Link {
            link_type: LinkType::Email,
            dest_url,
            title,
            id,
        }) if !dest_url.starts_with("mailto:") => Event::Start(Tag::Link {
            link_type: LinkType::Email,
            dest_url: CowStr::from(format!("mailto:{dest_url}")),
            title,
            id,
        }),
        other => other,
    })
    .flat_map(|event| {
        match &event {
            Event::Start(Tag::Link { .. }) => in_link += 1,
            Event::End(TagEnd::Link) => in_link = in_link.saturating_sub(1),
            Event::Text(text) if sources > 0 && in_link == 0 && text.contains('[') => {
                return link_citations(text, sources, anchor);
            }
            _ => {}
        }
        vec![event]
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

#[cfg(feature = "ssr")]
/// `text` with its citations of `1..=sources` as links (raw HTML events
/// built only from digits and `anchor`; the rest stays escaped text).
fn link_citations(text: &str, sources: usize, anchor: &str) -> Vec<Event<'static>> {
    let mut events = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        plain.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let group = after
            .find(']')
            .map(|close| &after[..close])
            .filter(|inside| {
                !inside.is_empty()
                    && inside
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == ',' || c == ' ')
                    && inside.split(',').all(|n| {
                        n.trim()
                            .parse::<usize>()
                            .is_ok_and(|n| (1..=sources).contains(&n))
                    })
            });
        let Some(inside) = group else {
            plain.push('[');
            rest = after;
            continue;
        };
        plain.push('[');
        events.push(Event::Text(CowStr::from(std::mem::take(&mut plain))));
        let links: Vec<String> = inside
            .split(',')
            .map(|n| {
                let n = n.trim();
                format!(
                    "<a href=\"#{anchor}-{n}\" class=\"citation\" data-cite=\"{n}\" aria-label=\"Source {n}\">{n}</a>"
                )
            })
            .collect();
        events.push(Event::InlineHtml(CowStr::from(links.join(", "))));
        plain.push(']');
        rest = &after[inside.len() + 1..];
    }
    plain.push_str(rest);
    events.push(Event::Text(CowStr::from(plain)));
    events
}

#[cfg(feature = "ssr")]
fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || (!lower.contains(':') && !lower.starts_with("//"))
}

/// `text` safe inside HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{answer_html, to_safe_html};

    #[test]
    fn citations_of_sources_become_links_and_others_stay_text() {
        let html = answer_html(
            "Capex was **$1,577 million** [1]. Both [1, 2]. Not [3], [x], [2019] or `[1]`.",
            2,
            "m7",
        );
        let link = |n: u8| {
            format!(
                "<a href=\"#m7-{n}\" class=\"citation\" data-cite=\"{n}\" aria-label=\"Source {n}\">{n}</a>"
            )
        };
        assert_eq!(
            html,
            format!(
                "<p>Capex was <strong>$1,577 million</strong> [{}]. Both [{}, {}]. Not [3], [x], [2019] or <code>[1]</code>.</p>\n",
                link(1),
                link(1),
                link(2)
            )
        );
        assert_eq!(to_safe_html("See [1]."), "<p>See [1].</p>\n");
        let hostile = answer_html("<b>[1]</b> [1]\"><script>", 1, "m");
        assert!(
            !hostile.contains("<script") && !hostile.contains("<b>"),
            "{hostile}"
        );
    }

    #[test]
    fn markdown_renders() {
        assert_eq!(
            to_safe_html("**Capex** was $1,577 million [1].\n\n> quoted"),
            "<p><strong>Capex</strong> was $1,577 million [1].</p>\n<blockquote>\n<p>quoted</p>\n</blockquote>\n"
        );
    }

    #[test]
    fn html_and_scripts_are_shown_as_text() {
        let html = to_safe_html(
            "Hi <script>alert(1)</script> <img src=x onerror=alert(2)>\n\n<div onclick=x>block</div>",
        );
        assert!(
            !html.contains("<script") && !html.contains("<img") && !html.contains("<div"),
            "{html}"
        );
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
    }

    #[test]
    fn dangerous_links_and_images_lose_their_addresses() {
        let html = to_safe_html(
            "[click](javascript:alert(1)) [ok](https://example.com) ![pixel](https://tracker.example/p.gif)",
        );
        assert!(!html.contains("javascript:"), "{html}");
        assert!(html.contains("click"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.com\">ok</a>"),
            "{html}"
        );
        assert!(
            !html.contains("tracker.example") && html.contains("pixel"),
            "{html}"
        );
        assert!(!to_safe_html("[x](data:text/html;base64,PHNjcmlwdD4=)").contains("data:"));
    }
}
