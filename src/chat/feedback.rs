//! Feedback on answers: thumbs up or down with an optional comment, given
//! by whoever asked (in the app, through the API, or a visitor in the
//! website chat) and counted in the owner's figures.

use crate::db::Db;
use crate::db::chats::MessageRow;
use crate::model::{Feedback, Rating};

/// The longest comment kept, in characters.
pub const COMMENT_MAX_CHARS: usize = 2000;

/// Why feedback was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error("Choose \"up\" or \"down\".")]
    Rating,
    #[error("Ensure this field has no more than {COMMENT_MAX_CHARS} characters.")]
    CommentTooLong,
    #[error("Only an answer can be rated, and this question has none.")]
    NotAnswered,
    #[error("The chat has no such message.")]
    NoSuchMessage,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// The feedback a form or a body gives: a rating (required) and a comment
/// (trimmed; blank is none).
pub fn parse(rating: Option<&str>, comment: Option<&str>) -> Result<Feedback, FeedbackError> {
    let rating = rating
        .and_then(Rating::parse)
        .ok_or(FeedbackError::Rating)?;
    let comment = comment.map(str::trim).filter(|c| !c.is_empty());
    if comment.is_some_and(|c| c.chars().count() > COMMENT_MAX_CHARS) {
        return Err(FeedbackError::CommentTooLong);
    }
    Ok(Feedback {
        rating,
        comment: comment.map(str::to_owned),
    })
}

/// The feedback kept on a message, if any.
pub fn of(row: &MessageRow) -> Option<Feedback> {
    let rating = Rating::parse(row.rating.as_deref()?)?;
    Some(Feedback {
        rating,
        comment: row.feedback_comment.clone(),
    })
}

/// Records `feedback` (replacing any earlier one) on a message of a chat
/// the caller may reach, or withdraws it (`None`).
pub async fn record(
    db: &Db,
    chat_id: i64,
    message_id: i64,
    feedback: Option<&Feedback>,
) -> Result<MessageRow, FeedbackError> {
    let rating = feedback.map(|f| f.rating.as_str());
    let comment = feedback.and_then(|f| f.comment.as_deref());
    if let Some(row) = db
        .set_feedback(chat_id, message_id, rating, comment)
        .await?
    {
        return Ok(row);
    }
    match db.message_of(chat_id, message_id).await? {
        Some(_) => Err(FeedbackError::NotAnswered),
        None => Err(FeedbackError::NoSuchMessage),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rating_is_up_or_down() {
        assert_eq!(parse(Some("up"), None).unwrap().rating, Rating::Up);
        assert_eq!(parse(Some("down"), None).unwrap().rating, Rating::Down);
        for bad in [
            None,
            Some(""),
            Some("UP"),
            Some(" up"),
            Some("sideways"),
            Some("1"),
            Some("👍"),
        ] {
            assert!(
                matches!(parse(bad, None), Err(FeedbackError::Rating)),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_comment_is_trimmed_blank_is_none_and_it_has_a_limit() {
        let given = parse(Some("down"), Some("  wrong year \n")).unwrap();
        assert_eq!(given.comment.as_deref(), Some("wrong year"));
        assert_eq!(parse(Some("up"), Some("   ")).unwrap().comment, None);
        let longest = "é".repeat(COMMENT_MAX_CHARS);
        assert!(parse(Some("up"), Some(&longest)).is_ok());
        let longer = "é".repeat(COMMENT_MAX_CHARS + 1);
        assert!(matches!(
            parse(Some("up"), Some(&longer)),
            Err(FeedbackError::CommentTooLong)
        ));
    }
}
