//! Regression tests for what schemathesis found in the dashboard API
//! (scripts/test-api-fuzz.sh), with the requests it sent inline: each once
//! answered 500 or dropped the connection, and must now be a 422 with the
//! API's JSON error while the server keeps serving.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::{dashboard_api::Browser, helpers::spawn_app};

fn is_validation(body: &Value) -> bool {
    body["error"]["code"] == "validation"
}

#[tokio::test]
async fn a_period_ending_in_a_multibyte_character_is_a_validation_error_not_a_dropped_connection() {
    let app = spawn_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (status, project) = b.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Web Shop"})).await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let pid = project["id"].as_i64().unwrap();
    // The query string schemathesis sent: its last character, U+8367D, is four bytes long.
    let period = "%C2%9D%F2%8B%A4%A6%F1%B1%9E%99%C3%BE%3E6%F3%A0%B7%85%F4%82%A5%9C%C2%80%0E%C3%AD%F2%83%99%BD";
    let (status, body) = b.get(&format!("/api/v1/projects/{pid}/performance?environment=&period={period}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(is_validation(&body), "{body}");
    let (status, _) = b.get(&format!("/api/v1/projects/{pid}/performance?period=24h")).await;
    assert_eq!(status, StatusCode::OK, "the server still answers");
    app.stop().await;
}

#[tokio::test]
async fn nul_characters_in_request_text_are_validation_errors_not_server_errors() {
    let app = spawn_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    // The password-reset body schemathesis sent (its e-mail holds U+0000 and U+0001).
    let raw = r#"{"\uda1e\udf8b\u0095l\ud8c1\udd19\ud952\udea5\ud873\udf16\u00af\u00cc": 5.920093640761255e-247, "\u00be\u001b": {}, "]\u00d5\u008c\u00cb\u00c7": [], "email": "\u00b3\u00cbB\u0000\u0001"}"#;
    let resp = b
        .http
        .post(format!("{}/api/v1/auth/password-reset", b.base))
        .header("content-type", "application/json")
        .body(raw)
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let body: Value = resp.json().await.unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(is_validation(&body), "{body}");

    let projects = format!("/api/v1/teams/{team}/projects");
    let nul_cases = [
        ("/api/v1/auth/register", json!({"email": "eve\u{0}@example.com", "password": "correct horse"})),
        ("/api/v1/auth/login", json!({"email": "ada\u{0}@example.com", "password": "correct horse"})),
        ("/api/v1/teams", json!({"name": "ops\u{0}team"})),
        (projects.as_str(), json!({"name": "shop\u{0}"})),
        ("/api/v1/tokens", json!({"name": "ci\u{0}", "scopes": ["read"]})),
    ];
    for (path, body) in nul_cases {
        let (status, answer) = b.post(path, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {answer}");
        assert!(is_validation(&answer), "{path}: {answer}");
    }
    let (status, _) = b.get("/api/v1/auth/me").await;
    assert_eq!(status, StatusCode::OK, "the session and the server survive");
    app.stop().await;
}
