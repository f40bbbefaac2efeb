//! A real SMTP server for the tests: aiosmtpd from PyPI (installed by
//! `.ci/setup.sh` `setup_smtp_sink`, which exports
//! `AICONVOKIT_TEST_SMTP_PYTHON`), keeping each message it receives as a
//! file of a mail folder the test reads.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The SMTP server, stopped when dropped.
pub struct SmtpSink {
    child: Child,
    port: u16,
    folder: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts aiosmtpd on a free local port; `None` when it is not
    /// installed.
    pub fn start() -> Option<Self> {
        let python = std::env::var("AICONVOKIT_TEST_SMTP_PYTHON").ok()?;
        let folder = tempfile::tempdir().expect("mail folder");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let mut child = Command::new(python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(folder.path().join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(Self {
                    child,
                    port,
                    folder,
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    /// The URL the server is configured with.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The first message received, as its raw text (waits up to 20 s).
    pub async fn wait_for_message(&self) -> String {
        let new = self.folder.path().join("mail").join("new");
        for _ in 0..400 {
            if let Ok(entries) = std::fs::read_dir(&new) {
                for entry in entries.flatten() {
                    if let Ok(text) = std::fs::read_to_string(entry.path()) {
                        return text;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no message reached the SMTP server");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
