//! Workspaces: members and roles enforced on every surface (the roles ×
//! actions matrix through `/api/v1`, `/v1` and the server functions),
//! invitations (links and e-mail through a real SMTP server), the last
//! owner rule, the audit trail, and existing accounts migrated into
//! personal workspaces with nothing lost.

use reqwest::{Client, Method};
use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, TestApp, location, page, post_form, sign_up, spawn_app, spawn_app_in, spawn_app_with,
    status_and_json,
};

/// A member of the team: their browser session and an API key of theirs
/// for the shared workspace.
struct Person {
    browser: Client,
    key: String,
    id: i64,
}

/// A shared workspace "Finance" with an owner, an admin, an editor and a
/// viewer, and one assistant with a document in it.
struct Team {
    workspace: i64,
    owner: Person,
    admin: Person,
    editor: Person,
    viewer: Person,
    assistant: i64,
}

/// Calls a server function from script, as the dashboard's islands do.
async fn server_fn(
    app: &TestApp,
    browser: &Client,
    name: &str,
    fields: &[(&str, &str)],
) -> (u16, Value) {
    crate::helpers::call_server_fn(app, browser, name, fields).await
}

/// Signs `name` up in the browser; the browser keeps the session.
async fn person(app: &TestApp, name: &str) -> Client {
    let browser = app.browser();
    let response = sign_up(app, &browser, name).await;
    assert!(response.status().is_redirection(), "sign-up of {name}");
    browser
}

/// A key made by logging in, for the workspace `workspace` (`None`: the
/// personal one).
async fn key_for(app: &TestApp, name: &str, workspace: Option<i64>) -> (u16, Value) {
    let mut body = json!({"username": name, "password": PASSWORD});
    if let Some(id) = workspace {
        body["workspace"] = json!(id.to_string());
    }
    status_and_json(app.post_json("/api/v1/tokens/", &body).await).await
}

/// Invites `email` as `role` from `browser`: the link.
async fn invite(app: &TestApp, browser: &Client, email: &str, role: &str) -> String {
    let (status, sent) = server_fn(
        app,
        browser,
        "invite_member",
        &[("email", email), ("role", role)],
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    sent["link"].as_str().expect("link").to_owned()
}

fn token_of(link: &str) -> &str {
    link.rsplit('/').next().expect("token")
}

async fn user_id(app: &TestApp, key: &str) -> i64 {
    let (_, me) = app.call(key, Method::GET, "/api/v1/me/", None).await;
    me["id"].as_i64().expect("id")
}

async fn team(app: &TestApp) -> Team {
    let owner = person(app, "ada").await;
    let (status, id) = server_fn(app, &owner, "create_workspace", &[("name", "Finance")]).await;
    assert_eq!(status, 200, "{id}");
    let workspace = id.as_i64().expect("workspace id");
    let mut members = Vec::new();
    for (name, role) in [("bob", "admin"), ("cy", "editor"), ("dee", "viewer")] {
        let link = invite(app, &owner, &format!("{name}@example.com"), role).await;
        let browser = person(app, name).await;
        let (status, body) = server_fn(
            app,
            &browser,
            "accept_invitation",
            &[("token", token_of(&link))],
        )
        .await;
        assert_eq!(status, 200, "{name} accepts: {body}");
        let (status, key) = key_for(app, name, Some(workspace)).await;
        assert_eq!(status, 200, "{key}");
        let key = key["token"].as_str().expect("key").to_owned();
        let id = user_id(app, &key).await;
        members.push(Person { browser, key, id });
    }
    let (_, key) = key_for(app, "ada", Some(workspace)).await;
    let key = key["token"].as_str().expect("key").to_owned();
    let id = user_id(app, &key).await;
    let assistant = app
        .assistant_with_document(
            &key,
            "report.txt",
            "Revenue grew 12 percent in 2025 on strong cloud demand.",
        )
        .await;
    let mut members = members.into_iter();
    Team {
        workspace,
        owner: Person {
            browser: owner,
            key,
            id,
        },
        admin: members.next().expect("admin"),
        editor: members.next().expect("editor"),
        viewer: members.next().expect("viewer"),
        assistant,
    }
}

impl Team {
    fn everyone(&self) -> [(&Person, &'static str); 4] {
        [
            (&self.owner, "owner"),
            (&self.admin, "admin"),
            (&self.editor, "editor"),
            (&self.viewer, "viewer"),
        ]
    }
}

#[tokio::test]
async fn each_role_may_do_exactly_its_part_through_the_api() {
    let app = spawn_app().await;
    let team = team(&app).await;
    app.wait_until_ready(&team.owner.key, team.assistant).await;
    let assistant = format!("/api/v1/assistants/{}/", team.assistant);
    // (what, method, path, body, allowed for owner, admin, editor, viewer)
    let reads: Vec<(&str, Method, String, Option<Value>)> = vec![
        (
            "list assistants",
            Method::GET,
            "/api/v1/assistants/".into(),
            None,
        ),
        ("read an assistant", Method::GET, assistant.clone(), None),
        (
            "search",
            Method::GET,
            format!("{assistant}search/?q=revenue"),
            None,
        ),
        (
            "analytics",
            Method::GET,
            format!("{assistant}analytics/"),
            None,
        ),
        ("export", Method::GET, format!("{assistant}export/"), None),
        ("OpenAI models", Method::GET, "/v1/models".into(), None),
    ];
    for (person, role) in team.everyone() {
        for (what, method, path, _) in &reads {
            let response = app
                .with_key(method.clone(), path, &person.key)
                .send()
                .await
                .expect("request");
            assert_eq!(response.status(), 200, "{role} may {what}");
        }
        // Every member may ask.
        let (status, chat) = app
            .call(
                &person.key,
                Method::POST,
                "/api/v1/chat/",
                Some(json!({"assistant_id": team.assistant})),
            )
            .await;
        assert_eq!(status, 201, "{role} may start a chat: {chat}");
    }
    // Changes: editors and up; the viewer gets 403 in the API's shape,
    // naming the role.
    for (person, role) in team.everyone() {
        let allowed = role != "viewer";
        let (status, body) = app
            .call(
                &person.key,
                Method::PATCH,
                &assistant,
                Some(json!({"instructions": format!("Set by {role}.")})),
            )
            .await;
        assert_eq!(
            status == 200,
            allowed,
            "{role} changes an assistant: {status} {body}"
        );
        let (status, created) = app
            .call(
                &person.key,
                Method::POST,
                "/api/v1/assistants/",
                Some(json!({"name": format!("{role}'s"), "company_name": "Acme", "instructions": "Be brief."})),
            )
            .await;
        assert_eq!(
            status == 201,
            allowed,
            "{role} creates an assistant: {status} {created}"
        );
        if allowed {
            let path = format!("/api/v1/assistants/{}/", created["id"]);
            let (status, _) = app.call(&person.key, Method::DELETE, &path, None).await;
            assert_eq!(status, 204, "{role} deletes what they made");
        } else {
            assert_eq!(status, 403);
            let detail = created["detail"].as_str().expect("detail");
            assert!(detail.contains("(viewer)"), "{detail}");
            let (status, _) = app
                .call(&person.key, Method::DELETE, &assistant, None)
                .await;
            assert_eq!(status, 403, "the viewer cannot delete");
        }
    }
    // Still there, whatever the viewer tried.
    let (status, _) = app
        .call(&team.viewer.key, Method::GET, &assistant, None)
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn objects_of_another_workspace_stay_not_found() {
    let app = spawn_app().await;
    let team = team(&app).await;
    // Ada's personal key does not reach the shared workspace's assistant,
    // and an outsider's key reaches nothing of it.
    let (_, personal) = key_for(&app, "ada", None).await;
    let personal = personal["token"].as_str().expect("key").to_owned();
    let assistant = format!("/api/v1/assistants/{}/", team.assistant);
    let (status, body) = app.call(&personal, Method::GET, &assistant, None).await;
    assert_eq!((status, body), (404, json!({"detail": "Not found."})));
    let (_, outsider) = app.user_with_token("eve").await;
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let (status, _) = app
            .call(
                &outsider,
                method.clone(),
                &assistant,
                Some(json!({"name": "x"})),
            )
            .await;
        assert_eq!(status, 404, "{method}");
    }
    let (_, listed) = app
        .call(&personal, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(listed, json!([]), "the personal workspace has none");
    // A key cannot be made for a workspace one does not belong to.
    let (status, body) = key_for(&app, "eve", Some(team.workspace)).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["workspace"][0]
            .as_str()
            .unwrap_or_default()
            .contains("not a member"),
        "{body}"
    );
    for bad in ["x", "", "99999999999999999999"] {
        let response = app
            .post_json(
                "/api/v1/tokens/",
                &json!({"username": "eve", "password": PASSWORD, "workspace": bad}),
            )
            .await;
        assert_eq!(response.status(), 400, "{bad:?}");
    }
}

#[tokio::test]
async fn each_role_may_do_exactly_its_part_through_the_server_functions() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let assistant = team.assistant.to_string();
    for (person, role) in team.everyone() {
        let rank = ["owner", "admin", "editor", "viewer"]
            .iter()
            .position(|r| *r == role)
            .expect("rank");
        let (status, listed) = server_fn(&app, &person.browser, "list_assistants", &[]).await;
        assert_eq!(status, 200, "{role} lists");
        assert_eq!(
            listed.as_array().map(Vec::len),
            Some(1),
            "{role} sees the workspace's assistant"
        );
        let (status, _) = server_fn(
            &app,
            &person.browser,
            "start_chat",
            &[("assistant_id", &assistant)],
        )
        .await;
        assert_eq!(status, 200, "{role} may start a chat");
        // Edit: owner, admin, editor.
        let (status, body) = server_fn(
            &app,
            &person.browser,
            "update_assistant",
            &[
                ("id", &assistant),
                ("name", "Report helper"),
                ("company_name", "Acme"),
                ("instructions", role),
            ],
        )
        .await;
        assert_eq!(
            status,
            if rank <= 2 { 200 } else { 403 },
            "{role} edits: {body}"
        );
        // Administer: owner, admin.
        let (status, body) = server_fn(&app, &person.browser, "audit_log", &[]).await;
        assert_eq!(
            status,
            if rank <= 1 { 200 } else { 403 },
            "{role} reads the audit log: {body}"
        );
        let (status, body) = server_fn(
            &app,
            &person.browser,
            "invite_member",
            &[
                ("email", &format!("friend-of-{role}@example.com")),
                ("role", "viewer"),
            ],
        )
        .await;
        assert_eq!(
            status,
            if rank <= 1 { 200 } else { 403 },
            "{role} invites: {body}"
        );
        // Own: the owner only.
        let (status, body) = server_fn(
            &app,
            &person.browser,
            "rename_workspace",
            &[("name", "Finance")],
        )
        .await;
        assert_eq!(
            status,
            if rank == 0 { 200 } else { 403 },
            "{role} renames: {body}"
        );
    }
    // An admin may not make an owner, nor change one.
    let owner_id = team.owner.id.to_string();
    let (status, _) = server_fn(
        &app,
        &team.admin.browser,
        "change_member_role",
        &[("user_id", &team.viewer.id.to_string()), ("role", "owner")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = server_fn(
        &app,
        &team.admin.browser,
        "change_member_role",
        &[("user_id", &owner_id), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = server_fn(
        &app,
        &team.admin.browser,
        "remove_member",
        &[("user_id", &owner_id)],
    )
    .await;
    assert_eq!(status, 403);
    // The viewer may not delete the workspace, and it stays.
    let (status, _) = server_fn(
        &app,
        &team.viewer.browser,
        "delete_workspace",
        &[("confirm", "Finance")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = app
        .call(
            &team.viewer.key,
            Method::GET,
            &format!("/api/v1/assistants/{}/", team.assistant),
            None,
        )
        .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_role_change_applies_to_keys_at_once_and_a_removed_member_loses_access() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let assistant = format!("/api/v1/assistants/{}/", team.assistant);
    let change = json!({"instructions": "Short answers."});
    let (status, _) = app
        .call(
            &team.editor.key,
            Method::PATCH,
            &assistant,
            Some(change.clone()),
        )
        .await;
    assert_eq!(status, 200);
    let editor = team.editor.id.to_string();
    let (status, body) = server_fn(
        &app,
        &team.admin.browser,
        "change_member_role",
        &[("user_id", &editor), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(&team.editor.key, Method::PATCH, &assistant, Some(change))
        .await;
    assert_eq!(status, 403, "the demoted editor's key now only reads");
    let (status, body) = server_fn(
        &app,
        &team.admin.browser,
        "remove_member",
        &[("user_id", &editor)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = app
        .call(&team.editor.key, Method::GET, &assistant, None)
        .await;
    assert_eq!(
        status, 401,
        "a removed member's key for the workspace stops working"
    );
    let (status, listed) = server_fn(&app, &team.editor.browser, "list_assistants", &[]).await;
    assert_eq!(
        (status, listed),
        (200, json!([])),
        "back in their personal workspace, which is empty"
    );
    let (status, _) = server_fn(
        &app,
        &team.editor.browser,
        "switch_workspace",
        &[("id", &team.workspace.to_string())],
    )
    .await;
    assert_eq!(status, 404, "they cannot switch back");
}

#[tokio::test]
async fn the_last_owner_cannot_leave_or_be_demoted_and_the_assistants_stay_when_others_go() {
    let app = spawn_app().await;
    let team = team(&app).await;
    let owner = team.owner.id.to_string();
    for (name, fields) in [
        ("remove_member", vec![("user_id", owner.as_str())]),
        (
            "change_member_role",
            vec![("user_id", owner.as_str()), ("role", "admin")],
        ),
    ] {
        let (status, body) = server_fn(&app, &team.owner.browser, name, &fields).await;
        assert_eq!(status, 400, "{name}: {body}");
        assert!(body.to_string().contains("at least one owner"), "{body}");
    }
    // Ada cannot delete her account while she is Finance's only owner…
    let (status, body) = server_fn(
        &app,
        &team.owner.browser,
        "delete_account",
        &[("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("only owner"), "{body}");
    // …until Bob is an owner too; then she can, and the workspace's
    // assistant stays with it.
    let (status, _) = server_fn(
        &app,
        &team.owner.browser,
        "change_member_role",
        &[("user_id", &team.admin.id.to_string()), ("role", "owner")],
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = server_fn(
        &app,
        &team.owner.browser,
        "delete_account",
        &[("password", PASSWORD)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, kept) = app
        .call(
            &team.admin.key,
            Method::GET,
            &format!("/api/v1/assistants/{}/", team.assistant),
            None,
        )
        .await;
    assert_eq!(
        status, 200,
        "the assistant did not leave with its creator: {kept}"
    );
    let (status, _) = app
        .call(&team.owner.key, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(status, 401, "the deleted account's keys are gone");
}

#[tokio::test]
async fn invitations_are_single_use_expire_and_can_be_withdrawn() {
    let app = spawn_app().await;
    let owner = person(&app, "ada").await;
    let (status, _) = server_fn(
        &app,
        &owner,
        "invite_member",
        &[("email", "x@example.com"), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, 403, "a personal workspace has no invitations");
    server_fn(&app, &owner, "create_workspace", &[("name", "Legal")]).await;
    // Bad input is refused beside its field.
    for (email, role, field) in [
        ("", "viewer", "email"),
        ("not-an-address", "viewer", "email"),
        ("a@example.com", "root", "role"),
    ] {
        let (status, body) = server_fn(
            &app,
            &owner,
            "invite_member",
            &[("email", email), ("role", role)],
        )
        .await;
        assert_eq!(status, 400, "{email:?} {role:?}: {body}");
        assert!(body.to_string().contains(field), "{body}");
    }
    let link = invite(&app, &owner, "bob@example.com", "editor").await;
    assert!(link.starts_with(&app.url("/invitations/")), "{link}");
    // Anyone may look at a link; the page offers signing up or logging in.
    let guest = app.browser();
    let (status, html) = page(&app, &guest, &format!("/invitations/{}", token_of(&link))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Legal") && html.contains("editor") && html.contains("Sign up to accept"),
        "{html}"
    );
    let bob = person(&app, "bob").await;
    let (status, _) = server_fn(
        &app,
        &bob,
        "accept_invitation",
        &[("token", token_of(&link))],
    )
    .await;
    assert_eq!(status, 200);
    let eve = person(&app, "eve").await;
    let (status, _) = server_fn(
        &app,
        &eve,
        "accept_invitation",
        &[("token", token_of(&link))],
    )
    .await;
    assert_eq!(status, 404, "a link works once");
    for forged in ["", "abc", "../../etc/passwd", &"a".repeat(5000)] {
        let (status, _) = server_fn(&app, &eve, "accept_invitation", &[("token", forged)]).await;
        assert_eq!(status, 404, "{forged:.20}");
    }
    // Withdrawn.
    let withdrawn = invite(&app, &owner, "cy@example.com", "viewer").await;
    let (_, page_data) = server_fn(&app, &owner, "workspace_overview", &[]).await;
    let id = page_data["invitations"][0]["id"]
        .as_i64()
        .expect("open invitation");
    let (status, _) = server_fn(
        &app,
        &owner,
        "revoke_invitation",
        &[("id", &id.to_string())],
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = server_fn(
        &app,
        &eve,
        "accept_invitation",
        &[("token", token_of(&withdrawn))],
    )
    .await;
    assert_eq!(status, 404, "a withdrawn link no longer works");
    // Expired (the database says it is eight days old).
    let old = invite(&app, &owner, "dee@example.com", "viewer").await;
    app.execute_sql(&["UPDATE invitations SET expires_at = '2026-01-01T00:00:00Z' WHERE email = 'dee@example.com'"])
        .await;
    let (status, body) = server_fn(
        &app,
        &eve,
        "accept_invitation",
        &[("token", token_of(&old))],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("expired"), "{body}");
    // Eve, who accepted nothing, sees only her own workspace.
    let (_, workspaces) = server_fn(&app, &eve, "list_workspaces", &[]).await;
    assert_eq!(workspaces.as_array().map(Vec::len), Some(1), "{workspaces}");
}

#[tokio::test]
async fn invitations_are_emailed_through_the_configured_smtp_server() {
    let Some(smtp) = crate::smtp::SmtpSink::start() else {
        panic!(
            "aiosmtpd is needed for this test: pip install aiosmtpd (the test command installs it)"
        );
    };
    let url = smtp.url();
    let app = spawn_app_with(move |config| {
        config.mail.smtp_url = Some(url);
        config.mail.smtp_from = "Acme assistants <assistants@acme.example>".into();
        config.public_url = Some("https://chat.acme.example".into());
    })
    .await;
    let owner = person(&app, "ada").await;
    server_fn(&app, &owner, "create_workspace", &[("name", "Finance")]).await;
    let (status, sent) = server_fn(
        &app,
        &owner,
        "invite_member",
        &[("email", "bob@example.com"), ("role", "editor")],
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert_eq!(sent["mailed"], json!({"Ok": null}), "{sent}");
    let link = sent["link"].as_str().expect("link");
    assert!(
        link.starts_with("https://chat.acme.example/invitations/"),
        "{link}"
    );
    // Quoted-printable, as mail is: long lines are folded with `=`.
    let message = smtp
        .wait_for_message()
        .await
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    assert!(message.contains("To: bob@example.com"), "{message}");
    assert!(
        message.contains("From: \"Acme assistants\" <assistants@acme.example>")
            || message.contains("From: Acme assistants <assistants@acme.example>"),
        "{message}"
    );
    assert!(message.contains("ada invited you to Finance"), "{message}");
    assert!(
        message.contains(link),
        "the e-mail holds the link: {message}"
    );
    // A server that refuses: the link is still shown, and why it was not sent.
    drop(smtp);
    let (status, sent) = server_fn(
        &app,
        &owner,
        "invite_member",
        &[("email", "cy@example.com"), ("role", "viewer")],
    )
    .await;
    assert_eq!(status, 200, "{sent}");
    assert!(sent["mailed"]["Err"].is_string(), "{sent}");
    assert!(sent["link"].as_str().is_some());
}

#[tokio::test]
async fn a_scripted_session_leaves_its_audit_trail() {
    let app = spawn_app().await;
    let team = team(&app).await;
    // Log in again through the form: a sign-in.
    let browser = app.browser();
    let response = post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login",
        &[("username", "cy"), ("password", PASSWORD), ("next", "")],
    )
    .await;
    assert!(
        response.status().is_redirection(),
        "{}",
        location(&response)
    );
    let document = {
        let (_, documents) = app
            .call(
                &team.editor.key,
                Method::GET,
                &format!("/api/v1/assistants/{}/documents/", team.assistant),
                None,
            )
            .await;
        documents[0]["id"].as_i64().expect("document")
    };
    app.call(
        &team.editor.key,
        Method::DELETE,
        &format!(
            "/api/v1/assistants/{}/documents/{document}/",
            team.assistant
        ),
        None,
    )
    .await;
    app.call(
        &team.editor.key,
        Method::PATCH,
        &format!("/api/v1/assistants/{}/", team.assistant),
        Some(json!({"name": "Renamed"})),
    )
    .await;
    server_fn(
        &app,
        &team.admin.browser,
        "change_member_role",
        &[("user_id", &team.viewer.id.to_string()), ("role", "editor")],
    )
    .await;
    let export = app
        .with_key(
            Method::GET,
            &format!("/api/v1/assistants/{}/export/", team.assistant),
            &team.viewer.key,
        )
        .send()
        .await
        .expect("export");
    assert_eq!(export.status(), 200);
    let (status, events) = server_fn(&app, &team.admin.browser, "audit_log", &[]).await;
    assert_eq!(status, 200);
    let actions: Vec<&str> = events
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for expected in [
        "workspace.created",
        "member.invited",
        "member.joined",
        "key.created",
        "assistant.created",
        "document.added",
        "account.signed_in",
        "document.removed",
        "assistant.changed",
        "member.role_changed",
        "conversations.exported",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let changed = events
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["action"] == "member.role_changed")
        .expect("role change");
    assert_eq!(changed["actor"], "bob");
    assert_eq!(changed["target"], "dee");
    assert_eq!(changed["detail"], "from viewer to editor");
    let removed = events
        .as_array()
        .expect("list")
        .iter()
        .find(|e| e["action"] == "document.removed")
        .expect("removal");
    assert!(
        removed["actor"]
            .as_str()
            .unwrap_or_default()
            .starts_with("cy (API key "),
        "{removed}"
    );
    // Never a secret: no key, no password, no invitation token.
    let text = events.to_string();
    for secret in [team.owner.key.as_str(), team.editor.key.as_str(), PASSWORD] {
        assert!(!text.contains(secret), "the audit log holds a secret");
    }
    // Filters, and the CSV export (itself recorded).
    let (_, filtered) = server_fn(
        &app,
        &team.admin.browser,
        "audit_log",
        &[("action", "member."), ("actor", "BOB")],
    )
    .await;
    let filtered = filtered.as_array().expect("list");
    assert!(!filtered.is_empty());
    assert!(
        filtered.iter().all(|e| e["action"]
            .as_str()
            .unwrap_or_default()
            .starts_with("member.")
            && e["actor"] == "bob"),
        "{filtered:?}"
    );
    let (status, body) = server_fn(
        &app,
        &team.admin.browser,
        "audit_log",
        &[("since", "last week")],
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let csv = team
        .admin
        .browser
        .get(app.url("/workspace/audit.csv?action=member."))
        .send()
        .await
        .expect("csv");
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap_or_default()
            .contains("attachment")
    );
    let csv = csv.text().await.expect("text");
    assert!(
        csv.starts_with("time,actor,action,target,detail,ip\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("member.role_changed") && !csv.contains("document.removed"),
        "{csv}"
    );
    let viewer_csv = team
        .viewer
        .browser
        .get(app.url("/workspace/audit.csv"))
        .send()
        .await
        .expect("csv");
    assert_eq!(viewer_csv.status(), 403, "only admins export it");
    let (_, events) = server_fn(
        &app,
        &team.admin.browser,
        "audit_log",
        &[("action", "audit.")],
    )
    .await;
    assert_eq!(events[0]["action"], "audit.exported");
    // Another workspace's log is not shown: Eve's is her own.
    let eve = person(&app, "eve").await;
    let (_, own) = server_fn(&app, &eve, "audit_log", &[]).await;
    assert!(
        own.as_array()
            .expect("list")
            .iter()
            .all(|e| e["actor"] == "eve"),
        "{own}"
    );
}

#[tokio::test]
async fn accounts_made_before_workspaces_keep_everything_in_a_personal_workspace() {
    let data_dir = tempfile::tempdir().expect("temp dir");
    // The database as the version before workspaces left it.
    let url = crate::helpers::test_database_url(data_dir.path())
        .await
        .unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.path().join("aiconvokit.db").display()
            )
        });
    let key = "old-key-from-before-workspaces";
    seed_old_database(&url, &aiconvokit::auth::api_token::hash(key)).await;
    let app = spawn_app_in(data_dir, |_| {}).await;
    // The old key still works, and still reaches the old assistant and chat.
    let (status, listed) = app
        .call(key, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(status, 200, "{listed}");
    assert_eq!(listed[0]["name"], "Old reports");
    let (status, chats) = app.call(key, Method::GET, "/api/v1/chat/", None).await;
    assert_eq!(status, 200);
    assert_eq!(chats.as_array().map(Vec::len), Some(1), "{chats}");
    // The account logs in and finds them in its personal workspace, as owner.
    let browser = app.browser();
    let response = post_form(
        &app,
        &browser,
        "/fn/log_in",
        "/login",
        &[
            ("username", "olduser"),
            ("password", PASSWORD),
            ("next", ""),
        ],
    )
    .await;
    assert!(response.status().is_redirection());
    let (_, workspaces) = server_fn(&app, &browser, "list_workspaces", &[]).await;
    assert_eq!(workspaces[0]["personal"], true);
    assert_eq!(workspaces[0]["role"], "owner");
    let (_, assistants) = server_fn(&app, &browser, "list_assistants", &[]).await;
    assert_eq!(assistants[0]["name"], "Old reports");
    // New accounts and workspaces get ids of their own.
    let (_, key) = app.user_with_token("newcomer").await;
    let (_, none) = app
        .call(&key, Method::GET, "/api/v1/assistants/", None)
        .await;
    assert_eq!(none, json!([]));
}

/// Applies the migrations from before workspaces to `url` and stores one
/// account with a key, an assistant and a chat, as that version did.
async fn seed_old_database(url: &str, token_hash: &str) {
    use std::borrow::Cow;
    let postgres = url.starts_with("postgres");
    let folder = if postgres {
        "migrations/postgres"
    } else {
        "migrations/sqlite"
    };
    let first_with_workspaces = if postgres { 22 } else { 18 };
    let mut migrator =
        sqlx::migrate::Migrator::new(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder))
            .await
            .expect("migrations");
    let old: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.version < first_with_workspaces)
        .cloned()
        .collect();
    migrator.migrations = Cow::Owned(old);
    let hash = aiconvokit::auth::password::hash(PASSWORD.to_owned())
        .await
        .expect("hash");
    let now = "2026-11-01T10:00:00Z";
    let statements = [
        format!(
            "INSERT INTO users (id, username, email, password_hash, created_at) VALUES (1, 'olduser', 'old@example.com', '{hash}', '{now}')"
        ),
        format!(
            "INSERT INTO api_tokens (user_id, name, prefix, token_hash, created_at) VALUES (1, 'Old key', 'old-ke', '{token_hash}', '{now}')"
        ),
        format!(
            "INSERT INTO assistants (id, user_id, public_id, name, company_name, instructions, created_at, updated_at) VALUES (5, 1, 'asst_old', 'Old reports', 'Acme', 'Be brief.', '{now}', '{now}')"
        ),
        format!(
            "INSERT INTO chats (user_id, assistant_id, thread_id, origin, created_at, updated_at) VALUES (1, 5, 'thread_old', 'api', '{now}', '{now}')"
        ),
    ];
    if postgres {
        let pool = sqlx::PgPool::connect(url).await.expect("database");
        migrator.run(&pool).await.expect("old migrations");
        for statement in &statements {
            let statement =
                statement.replace(&format!("'{now}'"), &format!("'{now}'::timestamptz"));
            sqlx::query(&statement).execute(&pool).await.expect("seed");
        }
        sqlx::query("SELECT setval('users_id_seq', 1)")
            .execute(&pool)
            .await
            .expect("sequence");
        sqlx::query("SELECT setval('assistants_id_seq', 5)")
            .execute(&pool)
            .await
            .expect("sequence");
        pool.close().await;
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.expect("database");
        migrator.run(&pool).await.expect("old migrations");
        for statement in &statements {
            sqlx::query(statement).execute(&pool).await.expect("seed");
        }
        pool.close().await;
    }
}

#[tokio::test]
async fn the_switcher_and_the_workspace_pages_work_without_javascript() {
    let app = spawn_app().await;
    let owner = person(&app, "ada").await;
    let response = post_form(
        &app,
        &owner,
        "/fn/create_workspace",
        "/workspace",
        &[("name", "Research")],
    )
    .await;
    assert!(response.status().is_redirection());
    assert_eq!(location(&response), "/workspace");
    let (status, html) = page(&app, &owner, "/workspace").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Research") && html.contains("Invite people") && html.contains("Audit log"),
        "{html}"
    );
    // An empty name is refused beside its field.
    let response = post_form(
        &app,
        &owner,
        "/fn/create_workspace",
        "/workspace",
        &[("name", "  ")],
    )
    .await;
    assert!(response.status().is_redirection());
    let back = location(&response);
    let back = back.strip_prefix(&app.address).unwrap_or(&back).to_owned();
    let (_, html) = page(&app, &owner, &back).await;
    assert!(html.contains("may not be blank"), "{back}: {html}");
    // An invitation made by a plain post is shown once, on the page.
    let response = post_form(
        &app,
        &owner,
        "/fn/invite_member",
        "/workspace",
        &[("email", "bob@example.com"), ("role", "editor")],
    )
    .await;
    assert!(response.status().is_redirection());
    let (_, html) = page(&app, &owner, "/workspace").await;
    assert!(
        html.contains("/invitations/") && html.contains("Copy link"),
        "the link is shown"
    );
    let (_, html) = page(&app, &owner, "/workspace").await;
    assert!(
        !html.contains("data-testid=\"invitation-link\""),
        "and only once"
    );
    // Switching back to the personal workspace.
    let (_, workspaces) = server_fn(&app, &owner, "list_workspaces", &[]).await;
    let personal = workspaces
        .as_array()
        .expect("list")
        .iter()
        .find(|w| w["personal"] == true)
        .expect("personal")["id"]
        .as_i64()
        .expect("id");
    let response = post_form(
        &app,
        &owner,
        "/fn/switch_workspace",
        "/dashboard",
        &[("id", &personal.to_string())],
    )
    .await;
    assert_eq!(location(&response), "/dashboard");
    let (_, html) = page(&app, &owner, "/dashboard").await;
    let current = html
        .split("data-testid=\"current-workspace\"")
        .nth(1)
        .unwrap_or_default();
    assert!(
        current[..40.min(current.len())].contains(">Personal"),
        "{current:.200}"
    );
    // Someone else's workspace id is not found.
    let eve = person(&app, "eve").await;
    let (_, workspaces) = server_fn(&app, &owner, "list_workspaces", &[]).await;
    let research = workspaces
        .as_array()
        .expect("list")
        .iter()
        .find(|w| w["name"] == "Research")
        .expect("research")["id"]
        .as_i64()
        .expect("id");
    let (status, _) = server_fn(
        &app,
        &eve,
        "switch_workspace",
        &[("id", &research.to_string())],
    )
    .await;
    assert_eq!(status, 404);
}
