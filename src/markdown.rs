//! Markdown of answers rendered to HTML that is safe to insert in a page:
//! raw HTML in the text (from a model or a document) is shown as text,
//! links keep only `http`, `https` and `mailto` addresses, and images
//! become their description (no requests to addresses a model chose).

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd, html};

/// Safe HTML for `markdown`.
pub fn to_safe_html(markdown: &str) -> String {
    let mut in_image = 0usize;
    let mut dropped_links = Vec::new();
    let events = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
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
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn is_safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
        || (!lower.contains(':') && !lower.starts_with("//"))
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

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
