//! Bounds on markup (HTML, XML) checked before a parser builds a tree.

use super::page::MAX_NESTING;

/// Whether elements in `markup` nest deeper than [`MAX_NESTING`], counted
/// from its tags alone (before any parser builds a tree of it). `html`:
/// void elements and those whose end tag may be left out do not count,
/// nor does the text of scripts and styles.
pub fn nests_too_deeply(markup: &str, html: bool) -> bool {
    const UNCOUNTED: [&str; 27] = [
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup",
        "thead", "tbody", "tfoot", "colgroup",
    ];
    let bytes = markup.as_bytes();
    let mut depth: usize = 0;
    let mut at = 0;
    while let Some(offset) = markup[at..].find('<') {
        let start = at + offset;
        let rest = &bytes[start + 1..];
        at = start + 1;
        let closing = rest.first() == Some(&b'/');
        let name_start = usize::from(closing);
        let name_len = rest[name_start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_' | b'.'))
            .count();
        if name_len == 0 || !rest[name_start].is_ascii_alphabetic() {
            continue; // a comment, a declaration, or a lone `<`
        }
        let name = &markup[start + 1 + name_start..start + 1 + name_start + name_len];
        let Some(end) = markup[at..].find('>') else {
            break;
        };
        let self_closing = markup[..at + end].ends_with('/');
        at += end + 1;
        if html {
            let name = name.to_ascii_lowercase();
            if UNCOUNTED.contains(&name.as_str()) {
                continue;
            }
            if !closing && (name == "script" || name == "style") {
                // Raw text up to the end tag.
                match find_end_tag(&markup[at..], &name) {
                    Some(found) => at += found,
                    None => break,
                }
                continue;
            }
        }
        if closing {
            depth = depth.saturating_sub(1);
        } else if !self_closing {
            depth += 1;
            if depth > MAX_NESTING {
                return true;
            }
        }
    }
    false
}

/// Where `</name` (in any case) first is in `text`.
fn find_end_tag(text: &str, name: &str) -> Option<usize> {
    let mut at = 0;
    while let Some(offset) = text[at..].find("</") {
        let start = at + offset;
        let candidate = text.as_bytes().get(start + 2..start + 2 + name.len())?;
        if candidate.eq_ignore_ascii_case(name.as_bytes()) {
            return Some(start);
        }
        at = start + 2;
    }
    None
}
