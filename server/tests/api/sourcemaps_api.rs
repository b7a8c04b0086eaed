//! Source-map uploads over HTTP: a `project:releases` token uploads a real
//! esbuild build (fixtures in tests/fixtures/sourcemaps, made by its
//! build.mjs), lists and deletes artifacts; bad input — a corrupt map, a map
//! of another file, a 50 MB map, a zip bomb, a full quota, a token without
//! the scope — gets a clear error and leaves what was stored untouched.

use std::{io::Write, path::PathBuf};

use reqwest::{
    multipart::{Form, Part},
    StatusCode,
};
use serde_json::{json, Value};

use crate::{
    dashboard_api::Browser,
    helpers::{spawn_app, spawn_app_with, TestApp},
};

/// A build of the fixture shop: minified file name, its bytes, its map, the real V8 stack.
pub struct Build {
    pub file: String,
    pub js: Vec<u8>,
    pub map: Vec<u8>,
    pub stack: Value,
}

/// Loads `tests/fixtures/sourcemaps/<dir>`.
pub fn build(dir: &str) -> Build {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sourcemaps").join(dir);
    let stack: Value = serde_json::from_slice(&std::fs::read(root.join("stack.json")).unwrap()).unwrap();
    let file = stack["file"].as_str().unwrap().to_string();
    let js = std::fs::read(root.join(&file)).unwrap();
    let map = std::fs::read(root.join(format!("{file}.map"))).unwrap();
    Build { file, js, map, stack }
}

/// A user's project with a logged-in browser and an API token.
pub struct Shop {
    pub id: i64,
    pub public_key: String,
    pub browser: Browser,
    pub token: String,
}

/// Registers a user, creates a project and a token with `scopes`.
pub async fn shop(app: &TestApp, scopes: &[&str]) -> Shop {
    let (browser, me) = Browser::register(app, "dev@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (_, project) = browser.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Shop"})).await;
    let (_, token) = browser.post("/api/v1/tokens", json!({"name": "ci", "scopes": scopes})).await;
    app.reload_keys().await;
    Shop {
        id: project["id"].as_i64().unwrap(),
        public_key: project["keys"][0]["public_key"].as_str().unwrap().to_string(),
        browser,
        token: token["secret"].as_str().unwrap().to_string(),
    }
}

/// A form with one named file part per `(name, bytes)`.
pub fn files<N: AsRef<str>, B: AsRef<[u8]>>(parts: &[(N, B)]) -> Form {
    parts.iter().fold(Form::new(), |form, (name, bytes)| {
        let name = name.as_ref();
        let base = name.rsplit('/').next().unwrap().to_string();
        form.text("name", name.to_string()).part("file", Part::bytes(bytes.as_ref().to_vec()).file_name(base))
    })
}

/// POSTs an upload form with the shop's token; returns status and JSON body.
pub async fn upload(app: &TestApp, shop: &Shop, release: &str, form: Form) -> (StatusCode, Value) {
    let url = format!("{}/api/v1/projects/{}/releases/{release}/sourcemaps", app.address, shop.id);
    let resp = app.http.post(url).bearer_auth(&shop.token).multipart(form).send().await.unwrap();
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn listed(shop: &Shop, release: &str) -> Vec<String> {
    let (status, list) = shop.browser.get(&format!("/api/v1/projects/{}/releases/{release}/sourcemaps", shop.id)).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().iter().map(|a| format!("{} {} {}", a["name"], a["kind"], a["sha256"])).collect()
}

#[tokio::test]
async fn a_releases_token_uploads_lists_and_deletes_a_builds_artifacts() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let b = build("debugid-a");
    let (js_name, map_name) = (format!("~/static/{}", b.file), format!("~/static/{}.map", b.file));
    let (status, body) = upload(&app, &shop, "shop@1.0", files(&[(&js_name, &b.js), (&map_name, &b.map)])).await;
    assert_eq!(status, 201, "{body}");
    let stored = body["artifacts"].as_array().unwrap();
    assert_eq!(stored.len(), 2);
    let debug_id = b.stack["debug_id"].as_str().unwrap();
    assert!(stored.iter().all(|a| a["debug_id"] == debug_id), "both carry the injected debug ID: {body}");
    assert_eq!(stored[0]["sourcemap_name"], map_name.as_str(), "sourceMappingURL resolved against the file's name");
    assert_eq!(body["usage_bytes"], (b.js.len() + b.map.len()) as i64);

    let names = listed(&shop, "shop@1.0").await;
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].starts_with(&format!("\"{js_name}\" \"minified\"")), "{names:?}");
    assert!(listed(&shop, "shop@2.0").await.is_empty(), "another release holds nothing");

    // A token without the scope cannot upload.
    let (_, reader) = shop.browser.post("/api/v1/tokens", json!({"name": "ro", "scopes": ["read"]})).await;
    let url = format!("{}/api/v1/projects/{}/releases/shop@1.0/sourcemaps", app.address, shop.id);
    let form = files(&[(&js_name, &b.js)]);
    let resp =
        app.http.post(&url).bearer_auth(reader["secret"].as_str().unwrap()).multipart(form).send().await.unwrap();
    assert_eq!(resp.status(), 403);

    let id = stored[1]["id"].as_i64().unwrap();
    let path = format!("/api/v1/projects/{}/releases/shop@1.0/sourcemaps/{id}", shop.id);
    assert_eq!(shop.browser.call(reqwest::Method::DELETE, &path, None).await.0, 204);
    assert_eq!(shop.browser.call(reqwest::Method::DELETE, &path, None).await.0, 404);
    assert_eq!(listed(&shop, "shop@1.0").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_zip_of_a_build_folder_is_unpacked_under_its_url_prefix() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let b = build("plain-b");
    let zip = zip_of(&[
        (&format!("js/{}", b.file), &b.js),
        (&format!("js/{}.map", b.file), &b.map),
        (&"index.html".to_string(), &b"<html>".to_vec()),
    ]);
    let form = Form::new().text("url_prefix", "~/static/").part("bundle", Part::bytes(zip).file_name("dist.zip"));
    let (status, body) = upload(&app, &shop, "shop@2.0", form).await;
    assert_eq!(status, 201, "{body}");
    let names: Vec<&str> = body["artifacts"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, [format!("~/static/js/{}", b.file), format!("~/static/js/{}.map", b.file)], "html skipped");
    app.stop().await;
}

#[tokio::test]
async fn bad_uploads_get_clear_errors_and_leave_stored_artifacts_alone() {
    let app = spawn_app_with(|raw| raw.sourcemap_quota_bytes = Some("200000".into())).await;
    let shop = shop(&app, &["project:releases"]).await;
    let (a, b) = (build("plain-a"), build("plain-b"));
    let name = |f: &str| format!("~/static/{f}");
    let (status, _) =
        upload(&app, &shop, "r1", files(&[(&name(&a.file), &a.js), (&(name(&a.file) + ".map"), &a.map)])).await;
    assert_eq!(status, 201);
    let before = listed(&shop, "r1").await;

    // A corrupt map: 422 with the parser's words.
    let corrupt = &a.map[..a.map.len() / 2];
    let (status, err) = upload(&app, &shop, "r1", files(&[(&(name(&a.file) + ".map"), corrupt)])).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["error"]["code"], "validation");
    let message = err["error"]["message"].as_str().unwrap();
    assert!(message.contains("is not a valid source map"), "{message}");

    // Build b's map uploaded as build a's: it says it is for another file.
    let (status, err) =
        upload(&app, &shop, "r1", files(&[(&name(&a.file), &a.js), (&(name(&a.file) + ".map"), &b.map)])).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("does not belong to"), "{err}");

    // A 50 MB map: 413 naming the file, without the server holding it all.
    let big = vec![b' '; 50 * 1024 * 1024];
    let (status, err) = upload(&app, &shop, "r1", files(&[("~/static/huge.js.map", &big)])).await;
    assert_eq!(status, 413, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("huge.js.map is larger than"), "{err}");

    // A zip bomb: 100 MB of zeros in a ~100 KB zip; refused while inflating.
    let bomb = zip_of(&[("bomb.js.map", &vec![0u8; 100 * 1024 * 1024])]);
    assert!(bomb.len() < 1024 * 1024);
    let form = Form::new().part("bundle", Part::bytes(bomb).file_name("dist.zip"));
    let (status, err) = upload(&app, &shop, "r1", form).await;
    assert_eq!(status, 413, "{err}");
    assert_eq!(err["error"]["code"], "too_large");

    // Over the project's 200 000-byte quota (what is stored counts).
    let filler = format!("{}\n", "x=1;".repeat(50_000));
    let (status, err) = upload(&app, &shop, "r2", files(&[("~/static/filler.js", filler.as_bytes())])).await;
    assert_eq!(status, 413, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("quota"), "{err}");

    // Not JavaScript, or no file at all.
    let (status, _) = upload(&app, &shop, "r1", files(&[("~/static/site.css", b"body{}")])).await;
    assert_eq!(status, 422);
    let (status, _) = upload(&app, &shop, "r1", Form::new().text("url_prefix", "~/")).await;
    assert_eq!(status, 422);

    assert_eq!(listed(&shop, "r1").await, before, "nothing stored changed");
    assert!(listed(&shop, "r2").await.is_empty());
    app.stop().await;
}

/// Zips `(path, bytes)` entries with deflate.
pub fn zip_of<N: AsRef<str>, B: AsRef<[u8]>>(entries: &[(N, B)]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (path, bytes) in entries {
        zip.start_file(path.as_ref(), options).unwrap();
        zip.write_all(bytes.as_ref()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}
