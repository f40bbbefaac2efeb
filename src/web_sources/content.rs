//! What is kept of a web page: its main content (navigation, headers,
//! footers, asides, forms, scripts and cookie banners dropped) as a small
//! HTML document of headings, paragraphs, lists and tables, which is what
//! gets stored and indexed; its title; the links it holds. And the
//! addresses a sitemap lists.

use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

use crate::ingest::markup::nests_too_deeply;

/// The longest document name made of a page's title.
const MAX_TITLE_CHARS: usize = 200;
/// How deep the walk of a page's elements goes.
const MAX_DEPTH: usize = 256;
/// Links taken from one page at most.
const MAX_LINKS: usize = 2000;

/// Elements that are never content.
const DROPPED: [&str; 16] = [
    "nav", "aside", "script", "style", "noscript", "form", "template", "svg", "iframe", "button",
    "select", "textarea", "dialog", "object", "canvas", "head",
];
/// Roles that are never content.
const DROPPED_ROLES: [&str; 5] = [
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
];
/// Words in an element's id or class that mark a cookie or consent notice.
const NOTICE_WORDS: [&str; 4] = ["cookie", "consent", "banner", "gdpr"];
/// Elements whose text runs on within a block.
const INLINE: [&str; 22] = [
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark", "q",
    "s", "samp", "small", "span", "strong", "sub", "sup", "time",
];

/// A page's main content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageContent {
    /// The page's title (or its first heading, or its address).
    pub title: String,
    /// The main content as a small HTML document, to be stored and read.
    pub html: String,
    /// Whether any text was found.
    pub has_text: bool,
    /// The `http` and `https` links of the page (all of it, navigation
    /// included), without fragments, in order, each once.
    pub links: Vec<Url>,
}

/// Why a page's content could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("the page nests its elements too deeply to be read")]
    TooDeep,
    #[error("the page is not valid UTF-8 text")]
    NotText,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Block {
    Heading(u8, String),
    Paragraph(String),
    Item(String),
    Row(Vec<String>),
}

/// Reads a page's main content. `url` is where it was read (for its links
/// and, without a title, its name).
pub fn read_page(bytes: &[u8], url: &Url) -> Result<PageContent, ContentError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| ContentError::NotText)?
        .trim_start_matches('\u{feff}');
    if nests_too_deeply(text, true) {
        return Err(ContentError::TooDeep);
    }
    let document = Html::parse_document(text);
    let container = main_container(&document);
    let is_body = container.value().name() != "main"
        && container.value().name() != "article"
        && container.value().attr("role") != Some("main");
    let mut blocks = Vec::new();
    let mut inline = String::new();
    walk(container, is_body, 0, &mut blocks, &mut inline);
    flush(&mut inline, &mut blocks);
    let title = title_of(&document, &blocks, url);
    Ok(PageContent {
        html: render(&title, &blocks),
        has_text: !blocks.is_empty(),
        links: links_of(&document, url),
        title,
    })
}

fn selector(css: &str) -> Option<Selector> {
    Selector::parse(css).ok()
}

/// `<main>` or `[role=main]`, else the one `<article>`, else `<body>`.
fn main_container(document: &Html) -> ElementRef<'_> {
    let first = |css: &str| selector(css).and_then(|s| document.select(&s).next());
    if let Some(main) = first("main, [role=main]") {
        return main;
    }
    if let Some(articles) = selector("article") {
        let mut found = document.select(&articles);
        if let (Some(article), None) = (found.next(), found.next()) {
            return article;
        }
    }
    first("body").unwrap_or_else(|| document.root_element())
}

/// Whether an element is left out: never content, a cookie notice, or
/// (in a page without a main part) the page's header and footer.
fn is_dropped(element: ElementRef<'_>, in_body: bool) -> bool {
    let value = element.value();
    let name = value.name();
    // A header inside the main part holds its title; the page's own is
    // dropped with the footers.
    if DROPPED.contains(&name) || name == "footer" || (name == "header" && in_body) {
        return true;
    }
    if value
        .attr("role")
        .is_some_and(|role| DROPPED_ROLES.contains(&role.trim().to_ascii_lowercase().as_str()))
    {
        return true;
    }
    if value.attr("hidden").is_some() || value.attr("aria-hidden") == Some("true") {
        return true;
    }
    let marks = |text: &str| {
        let text = text.to_ascii_lowercase();
        NOTICE_WORDS.iter().any(|word| text.contains(word))
    };
    value.attr("id").is_some_and(marks) || value.attr("class").is_some_and(marks)
}

fn walk(
    element: ElementRef<'_>,
    in_body: bool,
    depth: usize,
    blocks: &mut Vec<Block>,
    inline: &mut String,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for child in element.children() {
        match child.value() {
            Node::Text(text) => inline.push_str(text),
            Node::Element(_) => {
                let Some(child) = ElementRef::wrap(child) else {
                    continue;
                };
                if is_dropped(child, in_body) {
                    continue;
                }
                let name = child.value().name();
                match name {
                    "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => {
                        flush(inline, blocks);
                        let level = name.as_bytes()[1] - b'0';
                        let text = text_of(child, in_body, depth);
                        if !text.is_empty() {
                            blocks.push(Block::Heading(level, text));
                        }
                    }
                    "p" | "pre" | "blockquote" | "dt" | "dd" | "caption" | "figcaption" => {
                        flush(inline, blocks);
                        let text = text_of(child, in_body, depth);
                        if !text.is_empty() {
                            blocks.push(Block::Paragraph(text));
                        }
                    }
                    "li" => {
                        flush(inline, blocks);
                        let text = text_of(child, in_body, depth);
                        if !text.is_empty() {
                            blocks.push(Block::Item(text));
                        }
                    }
                    "tr" => {
                        flush(inline, blocks);
                        let cells: Vec<String> = child
                            .children()
                            .filter_map(ElementRef::wrap)
                            .map(|cell| text_of(cell, in_body, depth))
                            .filter(|cell| !cell.is_empty())
                            .collect();
                        if !cells.is_empty() {
                            blocks.push(Block::Row(cells));
                        }
                    }
                    "br" => inline.push(' '),
                    _ if INLINE.contains(&name) => walk(child, in_body, depth + 1, blocks, inline),
                    _ => {
                        flush(inline, blocks);
                        walk(child, in_body, depth + 1, blocks, inline);
                        flush(inline, blocks);
                    }
                }
            }
            _ => {}
        }
    }
}

/// An element's text, without what is dropped, on one line.
fn text_of(element: ElementRef<'_>, in_body: bool, depth: usize) -> String {
    fn collect(element: ElementRef<'_>, in_body: bool, depth: usize, out: &mut String) {
        if depth > MAX_DEPTH {
            return;
        }
        for child in element.children() {
            match child.value() {
                Node::Text(text) => out.push_str(text),
                Node::Element(e) if e.name() == "br" => out.push(' '),
                Node::Element(_) => {
                    if let Some(child) = ElementRef::wrap(child)
                        && !is_dropped(child, in_body)
                    {
                        // Cells and items of a nested block stay apart.
                        out.push(' ');
                        collect(child, in_body, depth + 1, out);
                        out.push(' ');
                    }
                }
                _ => {}
            }
        }
    }
    let mut out = String::new();
    collect(element, in_body, depth + 1, &mut out);
    normalize(&out)
}

/// Whitespace runs folded into one space, trimmed.
fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn flush(inline: &mut String, blocks: &mut Vec<Block>) {
    let text = normalize(inline);
    if !text.is_empty() {
        blocks.push(Block::Paragraph(text));
    }
    inline.clear();
}

fn title_of(document: &Html, blocks: &[Block], url: &Url) -> String {
    let from_tag = selector("title")
        .and_then(|s| document.select(&s).next())
        .map(|title| normalize(&title.text().collect::<String>()))
        .filter(|title| !title.is_empty());
    let from_heading = || {
        blocks.iter().find_map(|block| match block {
            Block::Heading(_, text) => Some(text.clone()),
            _ => None,
        })
    };
    let title = from_tag.or_else(from_heading).unwrap_or_else(|| {
        let host = url.host_str().unwrap_or_default();
        format!("{host}{}", url.path())
    });
    title.chars().take(MAX_TITLE_CHARS).collect()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The blocks as a small HTML document: list items in lists, rows in
/// tables, as the HTML reader expects them.
fn render(title: &str, blocks: &[Block]) -> String {
    let mut html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head><body>\n",
        escape(title)
    );
    let mut open: Option<&str> = None;
    for block in blocks {
        let wants = match block {
            Block::Item(_) => Some("ul"),
            Block::Row(_) => Some("table"),
            _ => None,
        };
        if open != wants {
            if let Some(tag) = open {
                html.push_str(&format!("</{tag}>\n"));
            }
            if let Some(tag) = wants {
                html.push_str(&format!("<{tag}>\n"));
            }
            open = wants;
        }
        match block {
            Block::Heading(level, text) => {
                html.push_str(&format!("<h{level}>{}</h{level}>\n", escape(text)));
            }
            Block::Paragraph(text) => html.push_str(&format!("<p>{}</p>\n", escape(text))),
            Block::Item(text) => html.push_str(&format!("<li>{}</li>\n", escape(text))),
            Block::Row(cells) => {
                html.push_str("<tr>");
                for cell in cells {
                    html.push_str(&format!("<td>{}</td>", escape(cell)));
                }
                html.push_str("</tr>\n");
            }
        }
    }
    if let Some(tag) = open {
        html.push_str(&format!("</{tag}>\n"));
    }
    html.push_str("</body></html>\n");
    html
}

fn links_of(document: &Html, base: &Url) -> Vec<Url> {
    let Some(anchors) = selector("a[href]") else {
        return Vec::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut links = Vec::new();
    for anchor in document.select(&anchors) {
        let Some(href) = anchor.value().attr("href") else {
            continue;
        };
        let Ok(mut link) = base.join(href.trim()) else {
            continue;
        };
        if !matches!(link.scheme(), "http" | "https") {
            continue;
        }
        link.set_fragment(None);
        if seen.insert(link.as_str().to_owned()) {
            links.push(link);
            if links.len() >= MAX_LINKS {
                break;
            }
        }
    }
    links
}

/// What a sitemap lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sitemap {
    /// Pages (`<urlset>`, or a text sitemap: one address a line).
    Pages(Vec<String>),
    /// Other sitemaps (`<sitemapindex>`).
    Index(Vec<String>),
}

/// The addresses of a sitemap: XML (`urlset` or `sitemapindex`) or plain
/// text. DTDs are refused by the XML parser (no entity expansion).
pub fn read_sitemap(bytes: &[u8]) -> Result<Sitemap, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The sitemap is not valid UTF-8 text.".to_owned())?
        .trim_start_matches('\u{feff}')
        .trim_start();
    if !text.starts_with('<') {
        return Ok(Sitemap::Pages(
            text.lines()
                .map(str::trim)
                .filter(|line| line.starts_with("http://") || line.starts_with("https://"))
                .map(str::to_owned)
                .collect(),
        ));
    }
    if nests_too_deeply(text, false) {
        return Err("The sitemap nests its elements too deeply to be read.".to_owned());
    }
    let document = roxmltree::Document::parse(text)
        .map_err(|error| format!("The sitemap is not valid XML ({error})."))?;
    let root = document.root_element();
    let (item, index) = match root.tag_name().name() {
        "urlset" => ("url", false),
        "sitemapindex" => ("sitemap", true),
        other => {
            return Err(format!(
                "This is not a sitemap (its root element is <{other}>, not <urlset> or <sitemapindex>)."
            ));
        }
    };
    let locations: Vec<String> = root
        .children()
        .filter(|node| node.is_element() && node.tag_name().name() == item)
        .filter_map(|node| {
            node.children()
                .find(|child| child.is_element() && child.tag_name().name() == "loc")
                .and_then(|loc| loc.text())
                .map(|text| text.trim().to_owned())
        })
        .filter(|loc| !loc.is_empty())
        .collect();
    Ok(if index {
        Sitemap::Index(locations)
    } else {
        Sitemap::Pages(locations)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://example.com/docs/page").expect("url")
    }

    #[test]
    fn the_main_part_is_kept_and_the_page_around_it_dropped() {
        let html = br#"<html><head><title> Pricing | Acme </title><style>p{}</style></head><body>
            <header><a href="/">Acme</a> Site header words</header>
            <nav><a href="/docs/a">Docs A</a><a href="https://other.org/x#frag">Elsewhere</a></nav>
            <div id="cookie-banner">We use cookies. Accept?</div>
            <main><h1>Plans</h1><div>Loose text in a div</div><p>The <b>Pro</b> plan costs 10 euros.</p>
              <ul><li>Item one</li><li>Item two</li></ul>
              <table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>10</td></tr></table>
              <aside>Related links</aside><form>Subscribe</form><script>var x;</script>
              <div class="consent">Consent notice</div>
            </main>
            <footer>Footer words</footer></body></html>"#;
        let page = read_page(html, &url()).expect("read");
        assert_eq!(page.title, "Pricing | Acme");
        for kept in [
            "<h1>Plans</h1>",
            "<p>Loose text in a div</p>",
            "<p>The Pro plan costs 10 euros.</p>",
            "<ul>\n<li>Item one</li>\n<li>Item two</li>\n</ul>",
            "<tr><td>Plan</td><td>Price</td></tr>",
        ] {
            assert!(
                page.html.contains(kept),
                "{kept} missing from {}",
                page.html
            );
        }
        for dropped in [
            "Site header",
            "Docs A",
            "cookies",
            "Related",
            "Subscribe",
            "var x",
            "Consent",
            "Footer",
        ] {
            assert!(
                !page.html.contains(dropped),
                "{dropped} kept in {}",
                page.html
            );
        }
        let links: Vec<&str> = page.links.iter().map(Url::as_str).collect();
        assert_eq!(
            links,
            [
                "https://example.com/",
                "https://example.com/docs/a",
                "https://other.org/x"
            ]
        );
    }

    #[test]
    fn without_a_main_part_the_body_is_read_without_header_and_footer() {
        let html = b"<body><header>Top</header><div role=\"navigation\">Menu</div>\
            <h2>Title &amp; more</h2>Text <i>here</i><footer>Bottom</footer></body>";
        let page = read_page(html, &url()).expect("read");
        assert_eq!(page.title, "Title & more");
        assert!(page.html.contains("<p>Text here</p>"), "{}", page.html);
        assert!(
            !page.html.contains("Top")
                && !page.html.contains("Menu")
                && !page.html.contains("Bottom")
        );
        assert!(page.has_text);
    }

    #[test]
    fn a_page_without_text_or_title_is_named_by_its_address() {
        let page = read_page(b"<html><body><nav>x</nav></body></html>", &url()).expect("read");
        assert_eq!(page.title, "example.com/docs/page");
        assert!(!page.has_text);
    }

    #[test]
    fn hostile_pages_are_refused_not_crashed_on() {
        let deep = "<div>".repeat(100_000);
        assert_eq!(
            read_page(deep.as_bytes(), &url()),
            Err(ContentError::TooDeep)
        );
        assert_eq!(
            read_page(&[0xff, 0xfe, 0x00], &url()),
            Err(ContentError::NotText)
        );
    }

    #[test]
    fn sitemaps_and_sitemap_indexes_are_read() {
        let urlset =
            br#"<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc> https://example.com/a </loc><lastmod>2026-01-01</lastmod></url>
            <url><loc>https://example.com/b</loc></url></urlset>"#;
        assert_eq!(
            read_sitemap(urlset),
            Ok(Sitemap::Pages(vec![
                "https://example.com/a".into(),
                "https://example.com/b".into()
            ]))
        );
        let index = br#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://example.com/s1.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(
            read_sitemap(index),
            Ok(Sitemap::Index(vec!["https://example.com/s1.xml".into()]))
        );
        assert_eq!(
            read_sitemap(b"https://example.com/x\nnot a url\n"),
            Ok(Sitemap::Pages(vec!["https://example.com/x".into()]))
        );
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]><urlset><url><loc>&lol;</loc></url></urlset>"#;
        assert!(read_sitemap(bomb).is_err());
        assert!(read_sitemap(b"<html></html>").is_err());
    }
}
