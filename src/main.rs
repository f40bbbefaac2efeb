//! `aiconvokit`: reads the configuration, opens the database and serves.

use std::io::IsTerminal;
use std::process::ExitCode;

use aiconvokit::config::{Cli, Config, find_site_root};
use aiconvokit::server::{build_app, serve};
use clap::Parser;
use leptos::config::get_config_from_str;
use tracing_subscriber::EnvFilter;

/// The Leptos site settings, embedded so the binary runs from any folder.
const LEPTOS_TOML: &str = include_str!("../Leptos.toml");

/// mimalloc: freed memory is reused, not returned to the system and
/// page-faulted back in (which glibc does with the model's large tensors).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[allow(unsafe_code)]
fn main() -> ExitCode {
    let config = match Cli::parse().into_config() {
        Ok(config) => config,
        // The server reads each document in a process of this binary.
        Err(limits) => return aiconvokit::ingest::sandbox::run_child(&limits),
    };
    // SAFETY: no other thread exists yet; the runtime starts below.
    unsafe { aiconvokit::embed::use_one_candle_thread_per_call() };
    match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime.block_on(start(config)),
        Err(error) => {
            eprintln!("aiconvokit: cannot start the async runtime: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn start(config: Config) -> ExitCode {
    // Logs go to standard output; colours only when a person reads them there.
    tracing_subscriber::fmt()
        .with_ansi(std::io::stdout().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,aiconvokit=info")),
        )
        .init();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("aiconvokit: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let mut leptos_options =
        get_config_from_str(LEPTOS_TOML).map_err(|e| format!("Leptos.toml: {e}"))?;
    let site_root = find_site_root(&leptos_options.site_root)?;
    leptos_options.site_root = site_root.display().to_string().into();
    leptos_options.site_addr = config.addr;
    let addr = config.addr;
    let grace = std::time::Duration::from_secs(config.shutdown_grace_secs);
    let (service, state) = build_app(config, leptos_options)
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr} (--addr / AICONVOKIT_ADDR): {e}"))?;
    tracing::info!("listening on http://{addr}");
    serve(listener, service, grace)
        .await
        .map_err(|e| format!("server stopped: {e}"))?;
    // Closing the pool checkpoints SQLite's write-ahead log.
    state.db.close().await;
    tracing::info!("stopped");
    Ok(())
}
