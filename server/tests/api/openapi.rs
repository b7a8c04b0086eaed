//! The OpenAPI document at `/api/v1/openapi.json`, fetched from a running
//! server: it lists exactly the routes of `api::ROUTES` (so a route added
//! without a `#[utoipa::path]` fails here), every operation has a success
//! answer and the right security, every `$ref` resolves, and the schemas
//! match what the server really sends. A real validator
//! (`openapi-spec-validator` from PyPI, installed by scripts/test.sh) checks
//! the document against the OpenAPI specification.

use std::{collections::BTreeSet, process::Stdio};

use serde_json::{json, Value};
use sightline::api::{Access, ROUTES};
use tokio::io::AsyncWriteExt;

use crate::{dashboard_api::Browser, helpers::spawn_app};

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

#[tokio::test]
async fn the_openapi_document_describes_exactly_the_api_routes() {
    let app = spawn_app().await;
    let response = app.http.get(format!("{}/api/v1/openapi.json", app.address)).send().await.unwrap();
    assert_eq!(response.status(), 200, "public: no cookie or token needed");
    assert_eq!(response.headers()["content-type"], "application/json");
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")), "OpenAPI 3.x: {}", doc["openapi"]);
    assert!(doc.get("security").is_none(), "no global security: public routes need none");

    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS.iter().filter(|m| item.get(**m).is_some()).map(move |m| (m.to_string(), path.clone()))
        })
        .collect();
    let routed: BTreeSet<(String, String)> =
        ROUTES.iter().map(|(m, p, _)| (m.as_str().to_lowercase(), p.to_string())).collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routes without a #[utoipa::path] (or not listed in api/openapi.rs): {missing:?}");
    assert!(extra.is_empty(), "documented but not routed: {extra:?}");

    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(
        schemes["session"],
        json!({"type": "apiKey", "in": "cookie", "name": "sightline_session", "description": schemes["session"]["description"]})
    );
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    let mut operation_ids = BTreeSet::new();
    for (method, path, access) in ROUTES.iter() {
        let op = &doc["paths"][path][method.as_str().to_lowercase()];
        let what = format!("{method} {path}");
        assert!(operation_ids.insert(op["operationId"].as_str().unwrap_or("")), "{what}: operationId missing or taken");
        let statuses: Vec<&String> = op["responses"].as_object().expect("responses").keys().collect();
        assert!(statuses.iter().any(|s| s.starts_with('2')), "{what} has no 2xx answer: {statuses:?}");
        assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{what} has no tag");
        match access {
            Access::Public => assert!(op.get("security").is_none(), "{what} is public but documents security"),
            _ => {
                let names: BTreeSet<&str> = op["security"]
                    .as_array()
                    .expect("security")
                    .iter()
                    .flat_map(|r| r.as_object().unwrap().keys())
                    .map(String::as_str)
                    .collect();
                assert_eq!(names, BTreeSet::from(["bearer", "session"]), "{what}");
                for status in ["401", "403"] {
                    assert_eq!(
                        op["responses"][status]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody",
                        "{what} {status}"
                    );
                }
            }
        }
        // Every `{name}` of the path is a documented path parameter, and nothing else is.
        let in_template: BTreeSet<&str> =
            path.split('/').filter_map(|s| s.strip_prefix('{')?.strip_suffix('}')).collect();
        let declared: BTreeSet<&str> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["in"] == "path")
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(in_template, declared, "{what}: path parameters");
    }

    let schemas = doc["components"]["schemas"].as_object().expect("component schemas");
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 40, "the operations refer to their schemas: {} $refs", refs.len());
    for r in refs {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(schemas.contains_key(name), "$ref {r} does not resolve");
    }

    // The schemas are the wire types: what the server sends has exactly their fields.
    let (browser, me) = Browser::register(&app, "ada@example.com").await;
    assert_eq!(keys(&me), properties(&doc, "Me"));
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (status, project) = browser.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Shop"})).await;
    assert_eq!(status, 201);
    assert_eq!(keys(&project), properties(&doc, "Project"));
    assert_eq!(keys(&project["keys"][0]), properties(&doc, "ProjectKey"));
    let (status, error) = Browser::new(&app).get("/api/v1/auth/me").await;
    assert_eq!(status, 401);
    assert_eq!(keys(&error), properties(&doc, "ErrorBody"));
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_passes_a_real_validator() {
    let python = std::env::var("SIGHTLINE_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let app = spawn_app().await;
    let doc = app.http.get(format!("{}/api/v1/openapi.json", app.address)).send().await.unwrap().bytes().await.unwrap();
    app.stop().await;
    let mut child = tokio::process::Command::new(&python)
        .args(["-c", "import json, sys; from openapi_spec_validator import validate; validate(json.load(sys.stdin))"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {python}: {e} (scripts/test.sh installs openapi-spec-validator)"));
    child.stdin.take().unwrap().write_all(&doc).await.unwrap();
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "openapi-spec-validator refused the document: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn collect_refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r);
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("a JSON object").keys().cloned().collect()
}

fn properties(doc: &Value, schema: &str) -> BTreeSet<String> {
    let props = doc["components"]["schemas"][schema]["properties"].as_object();
    props.unwrap_or_else(|| panic!("schema {schema} has properties")).keys().cloned().collect()
}
