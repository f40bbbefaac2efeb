//! The real `aiconvokit` binary as a separate process: for what only a
//! process shows (its log, a crash, a restart on the same data).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::Client;

use crate::helpers::TestApp;

/// A running server process; dropping it kills it (SIGKILL, as a crash).
pub struct Server {
    child: Child,
    /// Everything the server wrote to stdout and stderr.
    pub log: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary on a free port with `data_dir` and the extra
/// environment `env`, and waits until it answers.
pub async fn start_binary(data_dir: tempfile::TempDir, env: &[(&str, &str)]) -> (TestApp, Server) {
    let (address, server) = spawn_binary(data_dir.path(), env).await;
    (TestApp::new(address, data_dir), server)
}

/// Starts a second server beside `first`: the same data dir (its files) and
/// the same database, another port. Its `TestApp` has a data dir of its own
/// that holds nothing.
pub async fn start_binary_beside(first: &TestApp, env: &[(&str, &str)]) -> (TestApp, Server) {
    let (address, server) = spawn_binary(first.data_dir.path(), env).await;
    (
        TestApp::new(address, tempfile::tempdir().expect("dir")),
        server,
    )
}

async fn spawn_binary(data_dir: &std::path::Path, env: &[(&str, &str)]) -> (String, Server) {
    let site = data_dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    // Each start appends to the one log of this data dir.
    let log = data_dir.join("server.log");
    let output = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)
        .expect("log file");
    let mut command = Command::new(env!("CARGO_BIN_EXE_aiconvokit"));
    match crate::helpers::test_database_url(data_dir).await {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env("AICONVOKIT_DATA_DIR", data_dir)
        .env("AICONVOKIT_EMBEDDING_MODEL", "none")
        .env("LEPTOS_SITE_ROOT", &site)
        .stdout(Stdio::from(output.try_clone().expect("log file")))
        .stderr(Stdio::from(output));
    for (name, value) in env {
        command.env(name, value);
    }
    let server = Server {
        child: command.spawn().expect("binary starts"),
        log,
    };
    let address = format!("http://127.0.0.1:{port}");
    let client = Client::new();
    for _ in 0..300 {
        if client.get(format!("{address}/")).send().await.is_ok() {
            return (address, server);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    panic!("the server did not start:\n{log}");
}

impl Server {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Asks the server to stop, as a service manager does (SIGTERM).
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "SIGTERM was delivered");
    }

    /// Waits up to `within` for the process to exit; its status, or `None`
    /// if it still runs.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    /// What the server has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}
