//! Assistants: the rules for their fields (pure), their public ids, and
//! deletion with everything they own.
//!
//! `name`, `company_name` and `instructions` are required and may not be
//! blank; surrounding spaces are trimmed, as DRF does. A `PUT` replaces all
//! three, and renames with `new_name` when given (the original API's rule:
//! without `new_name`, `name` is the name). A `PATCH` changes any subset.

use std::sync::Arc;

use rand::Rng;
use rand::distributions::Alphanumeric;

use crate::accounts::{BLANK, REQUIRED};
use crate::db::Db;
use crate::db::assistants::{AssistantFields, AssistantRow};
use crate::db::commits::SinceLastCommit;
use crate::ingest::storage::FileStore;
use crate::model::{AssistantView, DocumentView, FieldErrors};
use crate::search::semantic::Semantic;

/// Each user's assistants as last listed, until the next commit.
pub type AssistantLists = SinceLastCommit<i64, Arc<[AssistantView]>>;

pub const NAME_MAX: usize = 200;
pub const COMPANY_NAME_MAX: usize = 200;
pub const INSTRUCTIONS_MAX: usize = 20_000;

/// The fields of a create or update request, `None` where absent.
#[derive(Debug, Clone, Default)]
pub struct AssistantInput {
    pub name: Option<String>,
    pub new_name: Option<String>,
    pub company_name: Option<String>,
    pub instructions: Option<String>,
    /// The OCR languages, as typed (`eng+deu`, `eng, deu`); optional on
    /// every change: a new assistant reads English.
    pub ocr_languages: Option<String>,
}

/// How a request changes an assistant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// `POST`: every field required.
    Create,
    /// `PUT`: every field required; `new_name` renames.
    Replace,
    /// `PATCH`: any subset; the rest stays.
    Patch,
}

fn check(errors: &mut FieldErrors, field: &str, value: Option<&str>, max: usize) -> Option<String> {
    let message = match value.map(str::trim) {
        None => REQUIRED.to_owned(),
        Some("") => BLANK.to_owned(),
        Some(text) if text.chars().count() > max => {
            format!("Ensure this field has no more than {max} characters.")
        }
        Some(text) => return Some(text.to_owned()),
    };
    errors.entry(field.to_owned()).or_default().push(message);
    None
}

/// The fields an assistant will have after `change`, or what is wrong.
/// `current` is the assistant being changed (needed for `Patch`).
pub fn apply(
    change: Change,
    input: &AssistantInput,
    current: Option<&AssistantFields>,
) -> Result<AssistantFields, FieldErrors> {
    let mut errors = FieldErrors::new();
    let keep = |field: Option<&String>, kept: Option<&str>| -> Option<String> {
        match (change, field) {
            (Change::Patch, None) => kept.map(str::to_owned),
            (_, value) => value.cloned(),
        }
    };
    let name_source = match (&input.new_name, change) {
        (Some(_), Change::Replace | Change::Patch) => "new_name",
        _ => "name",
    };
    if change == Change::Replace && name_source == "new_name" {
        // `name` is still required by the original's PUT, even when renaming.
        check(&mut errors, "name", input.name.as_deref(), NAME_MAX);
    }
    let name_value = if name_source == "new_name" {
        input.new_name.clone()
    } else {
        keep(input.name.as_ref(), current.map(|c| c.name.as_str()))
    };
    let name = check(&mut errors, name_source, name_value.as_deref(), NAME_MAX);
    let company_name = check(
        &mut errors,
        "company_name",
        keep(
            input.company_name.as_ref(),
            current.map(|c| c.company_name.as_str()),
        )
        .as_deref(),
        COMPANY_NAME_MAX,
    );
    let instructions = check(
        &mut errors,
        "instructions",
        keep(
            input.instructions.as_ref(),
            current.map(|c| c.instructions.as_str()),
        )
        .as_deref(),
        INSTRUCTIONS_MAX,
    );
    let ocr_languages = match &input.ocr_languages {
        Some(raw) => match ocr_languages(raw, installed_ocr_languages()) {
            Ok(codes) => Some(codes),
            Err(message) => {
                errors
                    .entry("ocr_languages".into())
                    .or_default()
                    .push(message);
                None
            }
        },
        None => Some(current.map_or_else(
            || crate::ingest::ocr::DEFAULT_LANGUAGES.to_owned(),
            |c| c.ocr_languages.clone(),
        )),
    };
    match (name, company_name, instructions, ocr_languages) {
        (Some(name), Some(company_name), Some(instructions), Some(ocr_languages))
            if errors.is_empty() =>
        {
            Ok(AssistantFields {
                name,
                company_name,
                instructions,
                ocr_languages,
            })
        }
        _ => Err(errors),
    }
}

/// The languages this server's OCR reads (none when OCR is not installed),
/// asked of Tesseract once.
pub fn installed_ocr_languages() -> &'static [String] {
    static INSTALLED: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    INSTALLED.get_or_init(|| crate::ingest::ocr::installed_languages(&Default::default()))
}

/// OCR languages as typed (codes separated by `+`, commas or spaces), as
/// stored (`eng+deu`), or what is wrong. With `installed` known, each
/// must be one of them.
pub fn ocr_languages(raw: &str, installed: &[String]) -> Result<String, String> {
    use crate::ingest::ocr::{MAX_LANGUAGES, is_language_code};
    if raw.chars().count() > 100 {
        return Err("Ensure this field has no more than 100 characters.".into());
    }
    let mut codes: Vec<String> = Vec::new();
    let typed: Vec<&str> = raw
        .split(['+', ',', ' ', '\t', '\n', '\r'])
        .filter(|code| !code.is_empty())
        .collect();
    if typed.len() > MAX_LANGUAGES {
        return Err(format!("Choose at most {MAX_LANGUAGES} languages."));
    }
    for code in typed {
        let code = code.to_owned();
        let shown: String = code.chars().take(20).collect();
        if !is_language_code(&code) {
            return Err(format!(
                "\"{shown}\" is not a language code: use Tesseract's three-letter codes, such as eng, deu or fra."
            ));
        }
        if !installed.is_empty() && !installed.contains(&code) {
            return Err(format!(
                "\"{shown}\" is not installed on this server. Installed: {}.",
                installed.join(", ")
            ));
        }
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.is_empty() {
        return Err("Choose at least one language.".into());
    }
    if codes.len() > MAX_LANGUAGES {
        return Err(format!("Choose at most {MAX_LANGUAGES} languages."));
    }
    Ok(codes.join("+"))
}

/// The model an assistant is set to, from what a form or a request sent:
/// `None` (the server's default) when empty, the name when it is one of
/// `allowed` (see [`crate::llm::allowed_models`]), else the
/// message saying which may be chosen.
pub fn check_model(raw: &str, allowed: &[String]) -> Result<Option<String>, String> {
    let model = raw.trim();
    if model.is_empty() {
        return Ok(None);
    }
    if allowed.iter().any(|known| known == model) {
        return Ok(Some(model.to_owned()));
    }
    let shown: String = model.chars().take(100).collect();
    Err(format!(
        "\"{shown}\" is not a valid choice. Choose one of: {}.",
        allowed.join(", ")
    ))
}

/// A new public id: `asst_` and 24 random letters and digits.
pub fn new_public_id() -> String {
    let random: String = rand::thread_rng()
        .sample_iter(&Alphanumeric)
        .take(24)
        .map(char::from)
        .collect();
    format!("asst_{random}")
}

/// A workspace's assistants with their documents, newest first, as the
/// API and the dashboard list them: two queries, however many assistants,
/// or none when nothing was committed since the workspace's last list
/// (SQLite only).
pub async fn views_of_workspace(
    db: &Db,
    semantic: Option<&Semantic>,
    lists: &AssistantLists,
    workspace_id: i64,
) -> sqlx::Result<Arc<[AssistantView]>> {
    let read_at = match lists.get(&workspace_id) {
        Ok(views) => return Ok(views),
        Err(read_at) => read_at,
    };
    let (rows, mut documents) = tokio::try_join!(
        db.assistants_of(workspace_id),
        crate::documents::views_of_workspace(db, semantic, workspace_id),
    )?;
    let views: Arc<[AssistantView]> = rows
        .into_iter()
        .map(|row| {
            let own = documents.remove(&row.id).unwrap_or_default();
            to_view(row, own)
        })
        .collect();
    lists.keep(workspace_id, read_at, Arc::clone(&views));
    Ok(views)
}

/// Deletes one of a workspace's assistants with its documents, their
/// stored files (when no other document uses them), passages, vectors and
/// chats; false when the workspace has no such assistant.
pub async fn delete(
    db: &Db,
    files: &FileStore,
    semantic: Option<&Semantic>,
    workspace_id: i64,
    id: i64,
) -> sqlx::Result<bool> {
    let stored = db.documents_of(id).await?;
    if !db.delete_assistant(workspace_id, id).await? {
        return Ok(false);
    }
    for document in stored {
        crate::documents::forget_file(db, files, &document.sha256).await?;
    }
    if let Some(semantic) = semantic {
        semantic.forget(id);
    }
    Ok(true)
}

/// The API address of an assistant.
pub fn assistant_url(id: i64) -> String {
    format!("/api/v1/assistants/{id}/")
}

/// An assistant as the API and the dashboard show it.
pub fn to_view(row: AssistantRow, documents: Vec<DocumentView>) -> AssistantView {
    AssistantView {
        absolute_url: assistant_url(row.id),
        id: row.id,
        openai_id: row.public_id,
        name: row.name,
        company_name: row.company_name,
        instructions: row.instructions,
        created_at: row.created_at,
        updated_at: row.updated_at,
        query_count: row.query_count,
        file: documents.last().map(|document| document.url.clone()),
        documents,
        ocr_languages: row.ocr_languages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(
        name: Option<&str>,
        new_name: Option<&str>,
        company: Option<&str>,
        instructions: Option<&str>,
    ) -> AssistantInput {
        AssistantInput {
            name: name.map(str::to_owned),
            new_name: new_name.map(str::to_owned),
            company_name: company.map(str::to_owned),
            instructions: instructions.map(str::to_owned),
            ocr_languages: None,
        }
    }

    fn current() -> AssistantFields {
        AssistantFields {
            name: "Old".into(),
            company_name: "3M".into(),
            instructions: "Be brief.".into(),
            ocr_languages: "eng".into(),
        }
    }

    #[test]
    fn ocr_languages_are_codes_of_installed_languages() {
        let installed = ["deu".to_owned(), "eng".to_owned(), "fra".to_owned()];
        assert_eq!(ocr_languages("eng", &installed).unwrap(), "eng");
        assert_eq!(
            ocr_languages(" eng, deu+eng ", &installed).unwrap(),
            "eng+deu"
        );
        assert!(
            ocr_languages("ENG", &installed).is_err(),
            "codes are lower case"
        );
        assert_eq!(
            ocr_languages("spa", &installed).unwrap_err(),
            "\"spa\" is not installed on this server. Installed: deu, eng, fra."
        );
        assert!(
            ocr_languages("eng;rm", &installed)
                .unwrap_err()
                .contains("not a language code")
        );
        assert_eq!(
            ocr_languages(" ", &installed).unwrap_err(),
            "Choose at least one language."
        );
        // Without OCR installed, the shape alone is checked.
        assert_eq!(ocr_languages("spa", &[]).unwrap(), "spa");
        let patched = apply(
            Change::Patch,
            &AssistantInput {
                ocr_languages: Some("fra".into()),
                ..AssistantInput::default()
            },
            Some(&current()),
        );
        if installed_ocr_languages().is_empty()
            || installed_ocr_languages().contains(&"fra".to_owned())
        {
            assert_eq!(patched.unwrap().ocr_languages, "fra");
        }
        let created = apply(
            Change::Create,
            &input(Some("A"), None, Some("B"), Some("C")),
            None,
        );
        assert_eq!(
            created.unwrap().ocr_languages,
            "eng",
            "English unless chosen"
        );
    }

    #[test]
    fn create_requires_every_field() {
        let errors = apply(Change::Create, &input(None, None, None, None), None).unwrap_err();
        assert_eq!(errors.len(), 3);
        let fields = apply(
            Change::Create,
            &input(Some(" A "), None, Some("3M"), Some("Hi")),
            None,
        )
        .unwrap();
        assert_eq!(fields.name, "A");
    }

    #[test]
    fn put_renames_with_new_name_and_keeps_name_otherwise() {
        let renamed = apply(
            Change::Replace,
            &input(Some("Old"), Some("New"), Some("3M"), Some("x")),
            Some(&current()),
        )
        .unwrap();
        assert_eq!(renamed.name, "New");
        let same = apply(
            Change::Replace,
            &input(Some("Given"), None, Some("3M"), Some("x")),
            Some(&current()),
        )
        .unwrap();
        assert_eq!(same.name, "Given");
        let errors = apply(
            Change::Replace,
            &input(None, Some("New"), Some("3M"), Some("x")),
            Some(&current()),
        )
        .unwrap_err();
        assert!(errors.contains_key("name"));
        let errors = apply(
            Change::Replace,
            &input(Some("Old"), Some(" "), Some("3M"), Some("x")),
            Some(&current()),
        )
        .unwrap_err();
        assert_eq!(errors["new_name"], vec![BLANK.to_owned()]);
    }

    #[test]
    fn patch_changes_only_what_is_given() {
        let fields = apply(
            Change::Patch,
            &input(None, None, None, Some("New rules")),
            Some(&current()),
        )
        .unwrap();
        assert_eq!(
            fields,
            AssistantFields {
                instructions: "New rules".into(),
                ..current()
            }
        );
        let errors = apply(
            Change::Patch,
            &input(Some(""), None, None, None),
            Some(&current()),
        )
        .unwrap_err();
        assert_eq!(errors["name"], vec![BLANK.to_owned()]);
    }

    #[test]
    fn overlong_fields_are_refused() {
        let long = "x".repeat(INSTRUCTIONS_MAX + 1);
        let errors = apply(
            Change::Create,
            &input(Some("A"), None, Some("B"), Some(&long)),
            None,
        )
        .unwrap_err();
        assert!(errors["instructions"][0].contains("20000"));
    }

    #[test]
    fn only_allowed_models_may_be_chosen() {
        let allowed = ["gpt-4o-mini".to_owned(), "llama3.1".to_owned()];
        assert_eq!(check_model("", &allowed), Ok(None));
        assert_eq!(check_model("  ", &allowed), Ok(None));
        assert_eq!(
            check_model(" llama3.1 ", &allowed),
            Ok(Some("llama3.1".to_owned()))
        );
        assert_eq!(
            check_model("gpt-4", &allowed),
            Err(
                "\"gpt-4\" is not a valid choice. Choose one of: gpt-4o-mini, llama3.1.".to_owned()
            )
        );
    }

    #[test]
    fn public_ids_are_prefixed_and_random() {
        let a = new_public_id();
        assert!(a.starts_with("asst_") && a.len() == 29);
        assert_ne!(a, new_public_id());
    }
}
