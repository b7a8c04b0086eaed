//! Data scrubbing end to end: real envelopes through the real server, and
//! what landed in ClickHouse. One test per rule, plus the project settings
//! API that turns them on and off.

use serde_json::{json, Value};

use crate::{
    dashboard_api::Browser,
    fixtures::*,
    helpers::{spawn_app, TestApp},
};

#[derive(clickhouse::Row, serde::Deserialize, Debug)]
struct Stored {
    message: String,
    exception_value: String,
    title: String,
    url: String,
    user_ip: String,
    tags_key: Vec<String>,
    tags_value: Vec<String>,
    breadcrumbs: String,
    contexts: String,
}

impl Stored {
    fn contexts(&self) -> Value {
        serde_json::from_str(&self.contexts).unwrap()
    }
    fn breadcrumbs(&self) -> Value {
        serde_json::from_str(&self.breadcrumbs).unwrap()
    }
    fn tag(&self, key: &str) -> Option<&str> {
        self.tags_key.iter().position(|k| k == key).map(|i| self.tags_value[i].as_str())
    }
}

/// Sends `event` (given an id) and returns its stored row.
async fn store(app: &TestApp, mut event: Value) -> Stored {
    let id = new_id();
    event["event_id"] = json!(id);
    let resp = app.post_envelope(event_envelope(&event)).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    // ClickHouse 18.16 reads UUIDs only with dashes.
    let id = uuid::Uuid::parse_str(&id).unwrap().hyphenated().to_string();
    let sql = format!("SELECT count() FROM events WHERE event_id = '{id}'");
    assert_eq!(app.wait_for_count(&sql, 1).await, 1, "event {id} stored");
    let mut rows: Vec<Stored> = app.rows("events", &format!("AND event_id = '{id}'")).await;
    rows.pop().unwrap()
}

async fn set(app: &TestApp, assignments: &str) {
    sqlx::query(sqlx::AssertSqlSafe(format!("UPDATE projects SET {assignments} WHERE id = $1")))
        .bind(app.project_id)
        .execute(&app.pg)
        .await
        .unwrap();
    app.reload_keys().await;
}

#[tokio::test]
async fn a_password_in_request_body_data_is_filtered() {
    let app = spawn_app().await;
    let row = store(
        &app,
        json!({"message": "login failed", "request": {"method": "POST", "url": "https://shop.example.com/login",
            "data": {"email": "ada@example.com", "password": "hunter2", "profile": {"user_password": "x"}}}}),
    )
    .await;
    let data = &row.contexts()["request"]["data"];
    assert_eq!(
        data,
        &json!({"email": "ada@example.com", "password": "[Filtered]", "profile": {"user_password": "[Filtered]"}})
    );
    assert!(!row.contexts.contains("hunter2"));
    app.stop().await;
}

#[tokio::test]
async fn authorization_headers_and_cookies_are_filtered() {
    let app = spawn_app().await;
    let row = store(
        &app,
        json!({"message": "x", "request": {"url": "https://shop.example.com/",
            "headers": {"Authorization": "Bearer s3cr3t", "X-Api-Key": "k", "Accept": "text/html"},
            "cookies": {"sessionid": "abc", "theme": "dark"}}}),
    )
    .await;
    let request = &row.contexts()["request"];
    assert_eq!(
        request["headers"],
        json!({"Authorization": "[Filtered]", "X-Api-Key": "[Filtered]", "Accept": "text/html"})
    );
    assert_eq!(request["cookies"], "[Filtered]");
    assert!(!row.contexts.contains("s3cr3t") && !row.contexts.contains("abc"));
    app.stop().await;
}

#[tokio::test]
async fn tokens_in_query_strings_are_filtered() {
    let app = spawn_app().await;
    let row = store(
        &app,
        json!({"message": "x", "request": {"url": "https://shop.example.com/cb?code=7&access_token=t0k",
            "query_string": "page=2&api_key=k3y"}}),
    )
    .await;
    assert_eq!(row.url, "https://shop.example.com/cb?code=7&access_token=[Filtered]");
    assert_eq!(row.contexts()["request"]["query_string"], "page=2&api_key=[Filtered]");
    app.stop().await;
}

#[tokio::test]
async fn card_numbers_in_messages_exceptions_and_breadcrumbs_are_filtered() {
    let app = spawn_app().await;
    let row = store(&app, json!({"message": "charge 4242 4242 4242 4242 declined"})).await;
    assert_eq!(row.message, "charge [Filtered] declined");
    assert_eq!(row.title, "charge [Filtered] declined");
    let row = store(
        &app,
        json!({"exception": {"values": [{"type": "CardError", "value": "bad card 5555-5555-5555-4444"}]},
            "breadcrumbs": [{"message": "typed 4111111111111111", "category": "ui.input"}]}),
    )
    .await;
    assert_eq!(row.exception_value, "bad card [Filtered]");
    assert_eq!(row.breadcrumbs()[0]["message"], "typed [Filtered]");
    app.stop().await;
}

#[tokio::test]
async fn sensitive_keys_in_extra_contexts_breadcrumbs_and_tags_are_filtered() {
    let app = spawn_app().await;
    let row = store(
        &app,
        json!({"message": "x",
            "extra": {"db_secret": "s", "cart_size": 3},
            "contexts": {"app": {"name": "shop", "session_token": "t"}},
            "breadcrumbs": {"values": [{"category": "fetch", "data": {"url": "/api", "csrf": "c"}}]},
            "tags": {"auth_mode": "sso", "locale": "de"},
            "user": {"id": "7", "data": {"credentials": "c"}}}),
    )
    .await;
    let contexts = row.contexts();
    assert_eq!(contexts["extra"], json!({"db_secret": "[Filtered]", "cart_size": 3}));
    assert_eq!(contexts["contexts"]["app"], json!({"name": "shop", "session_token": "[Filtered]"}));
    assert_eq!(row.breadcrumbs()[0]["data"], json!({"url": "/api", "csrf": "[Filtered]"}));
    assert_eq!(row.tag("auth_mode"), Some("[Filtered]"));
    assert_eq!(row.tag("locale"), Some("de"));
    app.stop().await;
}

#[tokio::test]
async fn a_project_sensitive_field_is_filtered_and_a_safe_field_is_kept() {
    let app = spawn_app().await;
    set(&app, "sensitive_fields = ARRAY['iban'], safe_fields = ARRAY['session_count']").await;
    let row = store(&app, json!({"message": "x", "extra": {"customer_IBAN": "DE89370400440532013000", "session_count": 4, "session_id": "s"}})).await;
    assert_eq!(
        row.contexts()["extra"],
        json!({"customer_IBAN": "[Filtered]", "session_count": 4, "session_id": "[Filtered]"})
    );
    app.stop().await;
}

#[tokio::test]
async fn ip_addresses_are_not_stored_when_the_option_is_on() {
    let app = spawn_app().await;
    let event = json!({"message": "x", "user": {"id": "7", "ip_address": "{{auto}}"},
        "request": {"env": {"REMOTE_ADDR": "203.0.113.9"}}});
    let kept = store(&app, event.clone()).await;
    assert_eq!(kept.user_ip, "127.0.0.1", "{{{{auto}}}} is the client address by default");
    set(&app, "scrub_ip_addresses = true").await;
    let row = store(&app, event).await;
    assert_eq!(row.user_ip, "");
    assert_eq!(row.contexts()["request"]["env"], json!({}));
    let explicit = store(&app, json!({"message": "x", "user": {"ip_address": "198.51.100.4"}})).await;
    assert_eq!(explicit.user_ip, "");
    app.stop().await;
}

#[tokio::test]
async fn with_scrubbing_off_events_are_stored_as_sent() {
    let app = spawn_app().await;
    set(&app, "scrub_data = false").await;
    let row = store(
        &app,
        json!({"message": "charge 4242 4242 4242 4242", "extra": {"password": "hunter2"}, "tags": {"token": "t"}}),
    )
    .await;
    assert_eq!(row.message, "charge 4242 4242 4242 4242");
    assert_eq!(row.contexts()["extra"]["password"], "hunter2");
    assert_eq!(row.tag("token"), Some("t"));
    app.stop().await;
}

#[tokio::test]
async fn scrubbing_settings_are_read_and_changed_through_the_project_api() {
    let app = spawn_app().await;
    let (b, me) = Browser::register(&app, "ada@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (status, project) = b.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Shop"})).await;
    assert_eq!(status, 201, "{project}");
    assert_eq!(project["scrub_data"], true, "on by default");
    assert_eq!(project["scrub_ip_addresses"], false);
    assert_eq!(project["sensitive_fields"], json!([]));
    let path = format!("/api/v1/projects/{}", project["id"]);
    let patch = |body: Value| b.call(reqwest::Method::PATCH, &path, Some(body));
    let (status, updated) = patch(json!({"scrub_ip_addresses": true, "sensitive_fields": [" iban ", "", "iban"],
        "safe_fields": ["session_count"], "allowed_origins": ["*.example.com", "https://shop.example.com:8443"]}))
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["scrub_ip_addresses"], true);
    assert_eq!(updated["scrub_data"], true, "absent fields stay");
    assert_eq!(updated["sensitive_fields"], json!(["iban"]));
    assert_eq!(updated["safe_fields"], json!(["session_count"]));
    assert_eq!(b.get(&path).await.1["allowed_origins"], json!(["*.example.com", "https://shop.example.com:8443"]));

    let too_many: Vec<String> = (0..101).map(|i| format!("f{i}")).collect();
    for bad in [
        json!({"sensitive_fields": too_many}),
        json!({"safe_fields": ["x".repeat(101)]}),
        json!({"sensitive_fields": ["tab\there"]}),
        json!({"allowed_origins": ["not an origin"]}),
        json!({"allowed_origins": ["https://"]}),
    ] {
        let (status, body) = patch(bad.clone()).await;
        assert_eq!(status, 422, "{bad} → {body}");
        assert_eq!(body["error"]["code"], "validation");
    }
    assert_eq!(b.get(&path).await.1["sensitive_fields"], json!(["iban"]), "a refused change changes nothing");
    app.stop().await;
}
