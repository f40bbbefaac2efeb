//! The `aiconvokit` binary: a wrong setting stops it at start with one clear
//! line naming the setting.

use std::process::Command;

fn start(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let site = data_dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site");
    let mut command = Command::new(env!("CARGO_BIN_EXE_aiconvokit"));
    command
        .args(args)
        .env_remove("DATABASE_URL")
        .env("AICONVOKIT_DATA_DIR", data_dir.path())
        .env("LEPTOS_SITE_ROOT", &site)
        .env("RUST_LOG", "error");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("binary runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn an_unparsable_address_names_the_flag() {
    let (ok, stderr) = start(&["serve", "--addr", "not-an-address"], &[]);
    assert!(!ok);
    assert!(stderr.contains("--addr"), "{stderr}");
    assert!(stderr.contains("not-an-address"), "{stderr}");
}

#[test]
fn an_address_from_the_environment_is_checked_too() {
    let (ok, stderr) = start(&[], &[("AICONVOKIT_ADDR", "localhost")]);
    assert!(!ok);
    assert!(stderr.contains("--addr"), "{stderr}");
}

#[test]
fn an_unknown_database_scheme_says_what_is_expected() {
    let (ok, stderr) = start(&["serve"], &[("DATABASE_URL", "mysql://root@localhost/db")]);
    assert!(!ok);
    assert!(
        stderr.contains("DATABASE_URL must start with sqlite:// or postgres://"),
        "{stderr}"
    );
}

#[test]
fn a_site_root_without_a_built_site_says_how_to_build_it() {
    let (ok, stderr) = start(&["serve"], &[("LEPTOS_SITE_ROOT", "/nonexistent/site")]);
    assert!(!ok);
    assert!(
        stderr.contains("LEPTOS_SITE_ROOT=/nonexistent/site"),
        "{stderr}"
    );
}

#[test]
fn an_address_in_use_says_which_setting_to_change() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let (ok, stderr) = start(&["serve", "--addr", &addr], &[]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "cannot listen on {addr} (--addr / AICONVOKIT_ADDR)"
        )),
        "{stderr}"
    );
}
