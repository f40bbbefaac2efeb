//! E-mails (.eml): the message as a page of its own (subject as heading,
//! sender, recipients and date, then the body, its HTML read as a page's
//! when it has no plain text), and its attachments handed back to become
//! documents of their own.

use mail_parser::{Address, MessageParser, MimeHeaders};

use super::page::{Block, ExtractError, Page, normalize};

/// The most attachments taken from one e-mail.
pub const MAX_ATTACHMENTS: usize = 20;

/// An attachment to add as a document of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The message's page, and its attachments (at most [`MAX_ATTACHMENTS`]).
pub fn read_email(bytes: &[u8]) -> Result<(Vec<Page>, Vec<Attachment>), ExtractError> {
    let message = MessageParser::default()
        .parse(bytes)
        .ok_or_else(|| ExtractError::Unreadable("e-mail", "its headers cannot be read".into()))?;
    let mut blocks = vec![Block::Heading(
        message
            .subject()
            .map(normalize)
            .filter(|subject| !subject.is_empty())
            .unwrap_or_else(|| "E-mail".into()),
    )];
    let mut header = Vec::new();
    if let Some(from) = message.from() {
        header.push(format!("From: {}", addresses(from)));
    }
    if let Some(to) = message.to() {
        header.push(format!("To: {}", addresses(to)));
    }
    if let Some(cc) = message.cc() {
        header.push(format!("Cc: {}", addresses(cc)));
    }
    if let Some(date) = message.date() {
        header.push(format!("Date: {}", date.to_rfc3339()));
    }
    if !header.is_empty() {
        blocks.push(Block::Paragraph(header.join("\n")));
    }
    match message.body_text(0) {
        Some(text) if !text.trim().is_empty() => blocks.extend(paragraphs(&text)),
        _ => {
            if let Some(html) = message.body_html(0) {
                blocks.extend(super::html::html_blocks(&html)?);
            }
        }
    }
    let mut attachments = Vec::new();
    for (index, part) in message.attachments().enumerate() {
        if attachments.len() >= MAX_ATTACHMENTS {
            break;
        }
        // A forwarded message is an e-mail of its own, named after its subject.
        let forwarded = part
            .message()
            .and_then(|inner| inner.subject())
            .map(|subject| format!("{}.eml", normalize(subject)));
        let name = part
            .attachment_name()
            .map(normalize)
            .filter(|name| !name.is_empty())
            .or(forwarded)
            .unwrap_or_else(|| format!("attachment {}", index + 1));
        let bytes = part.contents().to_vec();
        if !bytes.is_empty() {
            attachments.push(Attachment { name, bytes });
        }
    }
    if !attachments.is_empty() {
        let names: Vec<&str> = attachments.iter().map(|a| a.name.as_str()).collect();
        blocks.push(Block::Paragraph(format!(
            "Attachments: {}",
            names.join(", ")
        )));
    }
    Ok((
        vec![Page {
            number: None,
            blocks,
        }],
        attachments,
    ))
}

fn addresses(address: &Address) -> String {
    address
        .iter()
        .map(|addr| match (addr.name(), addr.address()) {
            (Some(name), Some(email)) => format!("{name} <{email}>"),
            (Some(name), None) => name.to_owned(),
            (None, Some(email)) => email.to_owned(),
            (None, None) => String::new(),
        })
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A plain-text body in paragraphs; quoted lines (`> …`) kept as they are.
fn paragraphs(text: &str) -> Vec<Block> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|paragraph| {
            paragraph
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .filter(|paragraph| !paragraph.is_empty())
        .map(Block::Paragraph)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMAIL: &str = "From: Ada Lovelace <ada@example.com>\r\nTo: board@example.com\r\nSubject: Q3 figures\r\nDate: Tue, 1 Oct 2024 09:30:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello board,\r\n\r\nRevenue rose 12% in the third quarter.\r\n--b1\r\nContent-Type: text/csv; name=\"figures.csv\"\r\nContent-Disposition: attachment; filename=\"figures.csv\"\r\nContent-Transfer-Encoding: base64\r\n\r\ncXVhcnRlcixyZXZlbnVlClEzLDEyMAo=\r\n--b1--\r\n";

    #[test]
    fn the_message_is_a_page_and_attachments_come_back() {
        let (pages, attachments) = read_email(EMAIL.as_bytes()).unwrap();
        assert_eq!(pages[0].blocks[0], Block::Heading("Q3 figures".into()));
        assert_eq!(
            pages[0].blocks[1],
            Block::Paragraph(
                "From: Ada Lovelace <ada@example.com>\nTo: board@example.com\nDate: 2024-10-01T09:30:00Z".into()
            )
        );
        assert!(pages[0].blocks.contains(&Block::Paragraph(
            "Revenue rose 12% in the third quarter.".into()
        )));
        assert_eq!(
            attachments,
            vec![Attachment {
                name: "figures.csv".into(),
                bytes: b"quarter,revenue\nQ3,120\n".to_vec()
            }]
        );
    }
}
