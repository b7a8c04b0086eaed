//! sentry-cli's chunked upload over HTTP, as the CLI speaks it: the upload
//! options, chunks named by their SHA-1 (plain, gzip, zstd), and the
//! artifact-bundle assembly answering the missing chunks, then storing the
//! bundle's files as artifacts; a second upload of the same bundle needs no
//! chunk. Bad input — wrong org, foreign project, oversized chunk, checksum
//! mismatch, zstd bomb, bad zip, a token without the scope or of another
//! team — gets a clear 4xx and stores nothing.

use std::io::Write;

use reqwest::{
    multipart::{Form, Part},
    StatusCode,
};
use serde_json::{json, Value};
use sha1::{Digest, Sha1};

use crate::{
    helpers::{spawn_app, spawn_open_app, TestApp},
    sourcemaps_api::{build, shop, Shop},
};

fn sha1(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// An artifact bundle as sentry-cli builds it: `SYSB` header, then a zip with
/// `manifest.json` and the files under `files/`.
pub fn bundle_of(files: &[(&str, &str, Value, &[u8])]) -> Vec<u8> {
    let mut manifest = serde_json::Map::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (i, (url, ty, headers, content)) in files.iter().enumerate() {
        let path = format!("files/_/_/{i}");
        manifest.insert(path.clone(), json!({"type": ty, "url": url, "headers": headers}));
        zip.start_file(&path, options).unwrap();
        zip.write_all(content).unwrap();
    }
    zip.start_file("manifest.json", options).unwrap();
    zip.write_all(json!({"files": manifest, "org": "x"}).to_string().as_bytes()).unwrap();
    let mut out = b"SYSB\x02\x00\x00\x00".to_vec();
    out.extend(zip.finish().unwrap().into_inner());
    out
}

/// The fixture build `debugid-a` as a bundle under `~/static/`.
fn fixture_bundle() -> (Vec<u8>, String) {
    let b = build("debugid-a");
    let id = b.stack["debug_id"].as_str().unwrap().to_string();
    let (js, map) = (format!("~/static/{}", b.file), format!("~/static/{}.map", b.file));
    let headers = json!({"debug-id": id, "sourcemap": format!("{}.map", b.file)});
    let bundle = bundle_of(&[
        (&js, "minified_source", headers, &b.js),
        (&map, "source_map", json!({"debug-id": id}), &b.map),
        ("~/src/cart.ts", "source", json!({}), b"export {}"),
    ]);
    (bundle, id)
}

async fn team_slug(shop: &Shop) -> String {
    let (_, me) = shop.browser.get("/api/v1/auth/me").await;
    me["teams"][0]["slug"].as_str().unwrap().to_string()
}

async fn call(app: &TestApp, token: &str, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let resp = req.bearer_auth(token).send().await.unwrap();
    let status = resp.status();
    let _ = app;
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn assemble(app: &TestApp, token: &str, org: &str, body: Value) -> (StatusCode, Value) {
    let url = format!("{}/api/0/organizations/{org}/artifactbundle/assemble/", app.address);
    call(app, token, app.http.post(url).json(&body)).await
}

async fn upload_chunks(
    app: &TestApp,
    token: &str,
    org: &str,
    parts: Vec<(&str, String, Vec<u8>)>,
) -> (StatusCode, Value) {
    let form = parts
        .into_iter()
        .fold(Form::new(), |f, (field, name, bytes)| f.part(field.to_string(), Part::bytes(bytes).file_name(name)));
    let url = format!("{}/api/0/organizations/{org}/chunk-upload/", app.address);
    call(app, token, app.http.post(url).multipart(form)).await
}

async fn count(app: &TestApp, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pg).await.unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn a_chunked_bundle_becomes_artifacts_and_a_second_upload_sends_no_chunk() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let org = team_slug(&shop).await;
    let url = format!("{}/api/0/organizations/{org}/chunk-upload/", app.address);
    let (status, options) = call(&app, &shop.token, app.http.get(url)).await;
    assert_eq!(status, 200, "{options}");
    assert_eq!(options["hashAlgorithm"], "sha1");
    let chunk_url = options["url"].as_str().unwrap();
    assert!(chunk_url.starts_with("http") && chunk_url.ends_with(&format!("/api/0/organizations/{org}/chunk-upload/")));
    assert!(options["chunkSize"].as_u64().unwrap() >= 1 << 20, "{options}");
    assert_eq!(options["compression"], json!(["zstd", "gzip"]));

    let (bundle, debug_id) = fixture_bundle();
    let half = bundle.len() / 2;
    let (a, b) = (bundle[..half].to_vec(), bundle[half..].to_vec());
    let request =
        json!({"checksum": sha1(&bundle), "chunks": [sha1(&a), sha1(&b)], "projects": ["shop"], "version": "shop@1.0"});
    let (status, answer) = assemble(&app, &shop.token, &org, request.clone()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["state"], "not_found");
    assert_eq!(answer["missingChunks"], json!([sha1(&a), sha1(&b)]), "the real list, so the CLI uploads them");

    let (status, body) =
        upload_chunks(&app, &shop.token, &org, vec![("file", sha1(&a), a.clone()), ("file_gzip", sha1(&b), gzip(&b))])
            .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM upload_chunks").await, 2);
    let (status, answer) = assemble(&app, &shop.token, &org, request.clone()).await;
    assert_eq!((status, answer["state"].as_str()), (StatusCode::OK, Some("ok")), "{answer}");

    let (_, list) = shop.browser.get(&format!("/api/v1/projects/{}/releases/shop@1.0/sourcemaps", shop.id)).await;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "the minified file and its map; the source is skipped: {list:?}");
    assert!(list.iter().all(|a| a["debug_id"] == debug_id.as_str()), "{list:?}");
    assert_eq!(list[0]["sourcemap_name"], format!("{}.map", list[0]["name"].as_str().unwrap()));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM upload_chunks").await, 0, "chunks dropped once assembled");

    // The same bundle again: nothing missing, nothing to upload, still ok.
    let (status, answer) = assemble(&app, &shop.token, &org, request).await;
    assert_eq!(status, 200);
    assert_eq!(answer["state"], "ok");
    assert_eq!(answer["missingChunks"], json!([]));

    // Without a release, the files are stored for matching by debug ID.
    let mut alone = bundle.clone();
    alone.extend_from_slice(b"\0"); // another checksum, same zip
    let request = json!({"checksum": sha1(&alone), "chunks": [sha1(&alone)], "projects": [shop.id]});
    assert_eq!(upload_chunks(&app, &shop.token, &org, vec![("file", sha1(&alone), alone.clone())]).await.0, 200);
    let (status, answer) = assemble(&app, &shop.token, &org, request).await;
    assert_eq!((status, answer["state"].as_str()), (StatusCode::OK, Some("ok")), "{answer}");
    let stored =
        count(&app, "SELECT COUNT(*) FROM sourcemap_artifacts WHERE release = '' AND debug_id IS NOT NULL").await;
    assert_eq!(stored, 2);
    app.stop().await;
}

#[tokio::test]
async fn bad_chunks_and_bundles_get_a_clear_4xx_and_store_nothing() {
    let app = spawn_open_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let org = team_slug(&shop).await;
    let (bundle, _) = fixture_bundle();
    let request =
        |bytes: &[u8]| json!({"checksum": sha1(bytes), "chunks": [sha1(bytes)], "projects": ["shop"], "version": "1"});

    // Another team's user (a valid token with the scope) reaches nothing.
    let (other, me) = crate::dashboard_api::Browser::register(&app, "mallory@example.com").await;
    let (_, token) = other.post("/api/v1/tokens", json!({"name": "ci", "scopes": ["project:releases"]})).await;
    let mallory = token["secret"].as_str().unwrap().to_string();
    let (status, err) = upload_chunks(&app, &mallory, &org, vec![("file", sha1(&bundle), bundle.clone())]).await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{err}");
    assert_eq!(assemble(&app, &mallory, &org, request(&bundle)).await.0, 404);
    // Her own org, naming a project of the first team: the project is not found.
    let her_org = me["teams"][0]["slug"].as_str().unwrap().to_string();
    let foreign = json!({"checksum": sha1(&bundle), "chunks": [sha1(&bundle)], "projects": [shop.id], "version": "1"});
    assert_eq!(assemble(&app, &mallory, &her_org, foreign).await.0, 404);
    assert_eq!(assemble(&app, &shop.token, "no-such-org", request(&bundle)).await.0, 404, "wrong org");
    // A token without the releases scope is refused by the route.
    let (_, reader) = shop.browser.post("/api/v1/tokens", json!({"name": "ro", "scopes": ["read"]})).await;
    assert_eq!(assemble(&app, reader["secret"].as_str().unwrap(), &org, request(&bundle)).await.0, 403);

    // A chunk whose content is not its name.
    let (status, err) = upload_chunks(&app, &shop.token, &org, vec![("file", sha1(b"other"), bundle.clone())]).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("does not match its name"), "{err}");
    // A chunk over the chunk size, and a zstd bomb (a few KB inflating past it).
    let big = vec![7u8; 9 * 1024 * 1024];
    assert_eq!(upload_chunks(&app, &shop.token, &org, vec![("file", sha1(&big), big.clone())]).await.0, 413);
    let zeros = vec![0u8; 64 * 1024 * 1024];
    let bomb = zstd::encode_all(&zeros[..], 19).unwrap();
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    let (status, err) = upload_chunks(&app, &shop.token, &org, vec![("file_zstd", sha1(&zeros), bomb)]).await;
    assert_eq!(status, 413, "{err}");
    let (status, _) = upload_chunks(&app, &shop.token, &org, vec![("file", "not-a-sha1".into(), b"x".to_vec())]).await;
    assert_eq!(status, 422);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM upload_chunks").await, 0, "no refused chunk is kept");

    // Chunks that join into something else than the announced checksum.
    let chunk = bundle[..100].to_vec();
    assert_eq!(upload_chunks(&app, &shop.token, &org, vec![("file", sha1(&chunk), chunk.clone())]).await.0, 200);
    let lying = json!({"checksum": sha1(&bundle), "chunks": [sha1(&chunk)], "projects": ["shop"], "version": "1"});
    let (status, err) = assemble(&app, &shop.token, &org, lying).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("checksum"), "{err}");
    // A bundle that is no zip, and one with a corrupt map.
    let junk = b"SYSB\x02\x00\x00\x00 this is no zip".to_vec();
    assert_eq!(upload_chunks(&app, &shop.token, &org, vec![("file", sha1(&junk), junk.clone())]).await.0, 200);
    let (status, err) = assemble(&app, &shop.token, &org, request(&junk)).await;
    assert_eq!(status, 422, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("zip"), "{err}");
    let corrupt = bundle_of(&[("~/a.js.map", "source_map", json!({}), b"{\"version\":3,")]);
    assert_eq!(upload_chunks(&app, &shop.token, &org, vec![("file", sha1(&corrupt), corrupt.clone())]).await.0, 200);
    assert_eq!(assemble(&app, &shop.token, &org, request(&corrupt)).await.0, 422);
    // Malformed requests.
    let (status, _) =
        assemble(&app, &shop.token, &org, json!({"checksum": "x", "chunks": [], "projects": ["shop"]})).await;
    assert_eq!(status, 422);
    let (status, _) = assemble(&app, &shop.token, &org, json!({"checksum": sha1(b""), "chunks": [sha1(b"")]})).await;
    assert_eq!(status, 422, "no project named");

    assert_eq!(count(&app, "SELECT COUNT(*) FROM sourcemap_artifacts").await, 0, "nothing stored");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM artifact_bundles").await, 0);
    app.stop().await;
}
