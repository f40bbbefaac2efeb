//! Sending e-mail (invitations) through the SMTP server the operator
//! configures; with none, nothing is sent and the dashboard shows the link
//! to pass on instead.

use clap::Args;
use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// How the operator configures outgoing mail.
#[derive(Clone, Args, Default)]
pub struct MailConfig {
    /// SMTP server for invitations: `smtp://host:25` (plain),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS) or
    /// `smtps://user:pass@host:465`. None: invitations are not e-mailed.
    #[arg(long, env = "AICONVOKIT_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of the e-mails.
    #[arg(
        long,
        env = "AICONVOKIT_SMTP_FROM",
        default_value = "AIConvoKit <no-reply@localhost>"
    )]
    pub smtp_from: String,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("smtp_url", &self.smtp_url.as_deref().map(without_password))
            .field("smtp_from", &self.smtp_from)
            .finish()
    }
}

/// An SMTP URL with its password (if any) hidden, for logs.
pub fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("[redacted]"));
            parsed.to_string()
        }
        Ok(parsed) => parsed.to_string(),
        Err(_) => "[unparsable]".to_owned(),
    }
}

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP settings are not valid: {0}")]
    Settings(String),
    #[error("the address {0:?} cannot receive e-mail")]
    Address(String),
    #[error("the SMTP server did not take the message: {0}")]
    Send(String),
}

/// Sends mail, when configured.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// A message to one person.
#[derive(Debug, Clone)]
pub struct Mail<'a> {
    pub to: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
}

impl Mailer {
    /// The mailer of `config`; `Ok(None)` when no SMTP server is set.
    pub fn from_config(config: &MailConfig) -> Result<Option<Self>, MailError> {
        let Some(url) = config
            .smtp_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
        else {
            return Ok(None);
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|error| MailError::Settings(error.to_string()))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = config.smtp_from.parse().map_err(|_| {
            MailError::Settings(format!(
                "the sender {:?} is not an address",
                config.smtp_from
            ))
        })?;
        Ok(Some(Self { transport, from }))
    }

    /// Sends one plain-text message.
    pub async fn send(&self, mail: &Mail<'_>) -> Result<(), MailError> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|_| MailError::Address(mail.to.to_owned()))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.to_owned())
            .map_err(|error| MailError::Send(error.to_string()))?;
        self.transport
            .send(message)
            .await
            .map_err(|error| MailError::Send(error.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        let config = MailConfig {
            smtp_url: Some("smtps://mailer:hunter22@smtp.example.com:465".into()),
            smtp_from: "Team <team@example.com>".into(),
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("hunter22"), "{shown}");
        assert!(shown.contains("smtp.example.com"), "{shown}");
    }

    #[test]
    fn bad_settings_are_named() {
        let config = MailConfig {
            smtp_url: Some("ftp://example.com".into()),
            smtp_from: "Team <team@example.com>".into(),
        };
        assert!(matches!(
            Mailer::from_config(&config),
            Err(MailError::Settings(_))
        ));
        let none = MailConfig::default();
        assert!(Mailer::from_config(&none).unwrap().is_none());
    }
}
