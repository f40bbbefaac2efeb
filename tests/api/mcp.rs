//! `/mcp`: the MCP server, called with the official Rust SDK's client
//! (rmcp) over the Streamable HTTP transport, with API keys as bearer
//! tokens.

use reqwest::Method;
use rmcp::ServiceExt;
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, ReadResourceRequestParams};
use rmcp::service::{RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::{Value, json};

use crate::chat::{REPORT_MD, assistant_with_report};
use crate::helpers::{PASSWORD, TestApp, spawn_app, status_and_json};

const CAPEX: &str = "What were purchases of property, plant and equipment in 2018?";

async fn connect(
    app: &TestApp,
    token: &str,
) -> Result<RunningService<RoleClient, ClientConfig>, String> {
    let transport = StreamableHttpClientTransport::from_config(
        StreamableHttpClientTransportConfig::with_uri(app.url("/mcp")).auth_header(token),
    );
    ClientConfig::default()
        .serve(transport)
        .await
        .map_err(|error| error.to_string())
}

async fn call(
    client: &RunningService<RoleClient, ClientConfig>,
    tool: &'static str,
    arguments: Value,
) -> CallToolResult {
    let arguments = arguments.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool).with_arguments(arguments))
        .await
        .expect("a tool result")
}

fn structured(result: &CallToolResult) -> Value {
    result
        .structured_content
        .clone()
        .expect("structured content")
}

async fn key_with(app: &TestApp, fields: Value) -> String {
    let mut body = json!({"username": "ada", "password": PASSWORD});
    body.as_object_mut()
        .unwrap()
        .extend(fields.as_object().unwrap().clone());
    let (status, made) = status_and_json(app.post_json("/api/v1/tokens/", &body).await).await;
    assert_eq!(status, 200, "{made}");
    made["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_mcp_client_lists_searches_and_asks_with_citations() {
    let app = spawn_app().await;
    let (token, assistant) = assistant_with_report(&app).await;
    let client = connect(&app, &token).await.expect("connects");
    let info = client.peer_info().expect("server info");
    assert_eq!(
        info.server_info.as_ref().map(|s| s.name.as_str()),
        Some("aiconvokit")
    );

    let mut tools: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .iter()
        .map(|tool| tool.name.to_string())
        .collect();
    tools.sort();
    assert_eq!(
        tools,
        ["ask_assistant", "list_assistants", "search_documents"]
    );

    let listed = structured(&call(&client, "list_assistants", json!({})).await);
    let listed = &listed["assistants"];
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["number"], assistant);
    assert_eq!(listed[0]["documents"], json!(["acme_2018.md"]));
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("asst_"));

    let found = call(
        &client,
        "search_documents",
        json!({"assistant": id, "query": "property plant equipment", "k": 3}),
    )
    .await;
    assert_ne!(found.is_error, Some(true));
    let passages = structured(&found)["passages"].clone();
    assert!(!passages.as_array().unwrap().is_empty());
    assert!(passages.as_array().unwrap().len() <= 3);
    assert_eq!(passages[0]["document"], "acme_2018.md");
    assert!(passages[0]["score"].as_f64().is_some());
    assert!(
        passages[0]["passage"]
            .as_str()
            .unwrap()
            .contains("$1,577 million")
    );

    let asked = call(
        &client,
        "ask_assistant",
        json!({"assistant": id, "question": CAPEX}),
    )
    .await;
    assert_ne!(asked.is_error, Some(true), "{asked:?}");
    let answer = structured(&asked);
    assert!(
        answer["answer"]
            .as_str()
            .unwrap()
            .contains("$1,577 million"),
        "{answer}"
    );
    assert_eq!(answer["sources"][0]["document"], "acme_2018.md");
    let text = asked.content[0].as_text().unwrap().text.clone();
    assert!(
        text.contains("Sources:") && text.contains("acme_2018.md"),
        "{text}"
    );
    let chat_id = answer["chat_id"].as_i64().unwrap();

    // A follow-up in the same chat; the chat is the owner's to see.
    let again = call(
        &client,
        "ask_assistant",
        json!({"assistant": assistant.to_string(), "question": "What were dividends paid in 2018?", "chat_id": chat_id}),
    )
    .await;
    assert_eq!(structured(&again)["chat_id"], chat_id);
    let (_, chat) = app
        .call(
            &token,
            Method::GET,
            &format!("/api/v1/chat/{chat_id}/"),
            None,
        )
        .await;
    assert_eq!(chat["origin"], "mcp");
    assert_eq!(chat["messages"].as_array().unwrap().len(), 2);

    // The documents are resources.
    let resources = client.list_all_resources().await.unwrap();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].name, "acme_2018.md");
    let read = client
        .read_resource(ReadResourceRequestParams::new(resources[0].uri.clone()))
        .await
        .unwrap();
    let body = serde_json::to_string(&read).unwrap();
    assert!(body.contains("$1,577 million"), "{body}");
    client.cancel().await.unwrap();
}

#[tokio::test]
async fn bad_input_and_other_accounts_are_tool_errors() {
    let app = spawn_app().await;
    let (token, _) = assistant_with_report(&app).await;
    let (_, bob) = app.user_with_token("bob").await;
    let bobs = app.assistant_with_document(&bob, "b.md", REPORT_MD).await;
    let client = connect(&app, &token).await.unwrap();
    // Another account's assistant, or none, is not found (404), as on
    // every surface; a blank question is a 400.
    for (tool, arguments, status) in [
        (
            "search_documents",
            json!({"assistant": bobs.to_string(), "query": "cash"}),
            404,
        ),
        (
            "search_documents",
            json!({"assistant": "asst_nobody", "query": "cash"}),
            404,
        ),
        (
            "ask_assistant",
            json!({"assistant": bobs.to_string(), "question": "Cash?"}),
            404,
        ),
        (
            "ask_assistant",
            json!({"assistant": "1", "question": "   "}),
            400,
        ),
        (
            "ask_assistant",
            json!({"assistant": "1", "question": "Cash?", "chat_id": 999}),
            404,
        ),
    ] {
        let result = call(&client, tool, arguments.clone()).await;
        assert_eq!(result.is_error, Some(true), "{tool} {arguments}");
        assert_eq!(structured(&result)["status"], status, "{tool} {arguments}");
    }
    // Bob's document is not among Ada's resources, nor readable by address.
    assert_eq!(client.list_all_resources().await.unwrap().len(), 1);
    let other = format!("aiconvokit://assistants/{bobs}/documents/2");
    assert!(
        client
            .read_resource(ReadResourceRequestParams::new(other))
            .await
            .is_err()
    );
    // Arguments that are not the tool's: an error that names the field.
    let missing = client
        .call_tool(
            CallToolRequestParams::new("search_documents").with_arguments(Default::default()),
        )
        .await
        .unwrap();
    assert_eq!(missing.is_error, Some(true));
    assert!(
        missing.content[0]
            .as_text()
            .unwrap()
            .text
            .contains("`assistant`")
    );
}

#[tokio::test]
async fn each_scope_holds_on_mcp() {
    let app = spawn_app().await;
    let (full, assistant) = assistant_with_report(&app).await;
    let other = app.assistant_with_document(&full, "b.md", REPORT_MD).await;

    let read = connect(&app, &key_with(&app, json!({"scope": "read"})).await)
        .await
        .unwrap();
    let found = call(
        &read,
        "search_documents",
        json!({"assistant": assistant.to_string(), "query": "dividends"}),
    )
    .await;
    assert_ne!(found.is_error, Some(true));
    let refused = call(
        &read,
        "ask_assistant",
        json!({"assistant": assistant.to_string(), "question": CAPEX}),
    )
    .await;
    assert_eq!(refused.is_error, Some(true));
    assert_eq!(structured(&refused)["status"], 403);
    assert!(
        structured(&refused)["detail"]
            .as_str()
            .unwrap()
            .contains("scope (read)")
    );

    let chat = connect(&app, &key_with(&app, json!({"scope": "chat"})).await)
        .await
        .unwrap();
    let asked = call(
        &chat,
        "ask_assistant",
        json!({"assistant": assistant.to_string(), "question": CAPEX}),
    )
    .await;
    assert_ne!(asked.is_error, Some(true));

    let limited = connect(
        &app,
        &key_with(&app, json!({"assistants": [assistant]})).await,
    )
    .await
    .unwrap();
    let listed = structured(&call(&limited, "list_assistants", json!({})).await);
    assert_eq!(listed["assistants"].as_array().unwrap().len(), 1);
    let refused = call(
        &limited,
        "search_documents",
        json!({"assistant": other.to_string(), "query": "cash"}),
    )
    .await;
    assert_eq!(structured(&refused)["status"], 403);
    assert_eq!(limited.list_all_resources().await.unwrap().len(), 1);
}

#[tokio::test]
async fn without_a_valid_key_mcp_answers_401() {
    let app = spawn_app().await;
    app.create_user("ada").await;
    assert!(connect(&app, "ack_not_a_key").await.is_err());
    let response = app
        .api
        .post(app.url("/mcp"))
        .header("accept", "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()["www-authenticate"], "Bearer");
    let (_, body) = status_and_json(response).await;
    assert_eq!(body["error"]["code"], -32001);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Bearer")
    );
}
