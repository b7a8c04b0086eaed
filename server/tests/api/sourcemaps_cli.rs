//! `sightline sourcemaps upload`, run as a real process against a running
//! server: it walks a build folder, pairs each minified file with its map,
//! shows progress, prints what the server stored, and fails clearly.

use tokio::process::Command;

use crate::{
    helpers::spawn_app,
    sourcemaps_api::{build, shop},
};

#[tokio::test]
async fn the_cli_uploads_a_build_folder_and_prints_what_it_stored() {
    let app = spawn_app().await;
    let shop = shop(&app, &["project:releases"]).await;
    let b = build("debugid-a");
    let dist = std::env::temp_dir().join(format!("sightline-dist-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dist.join("static")).unwrap();
    std::fs::write(dist.join("static").join(&b.file), &b.js).unwrap();
    std::fs::write(dist.join("static").join(format!("{}.map", b.file)), &b.map).unwrap();
    std::fs::write(dist.join("index.html"), "<html></html>").unwrap();

    let run = |token: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sightline"));
        cmd.args(["sourcemaps", "upload", "--url", &app.address, "--project", &shop.id.to_string()])
            .args(["--release", "shop@1.0", "--token", token])
            .arg(&dist);
        cmd
    };
    let out = run(&shop.token).output().await.unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    let debug_id = b.stack["debug_id"].as_str().unwrap();
    assert!(stderr.contains(&format!("[1/1] uploading ~/static/{} + ~/static/{}.map", b.file, b.file)), "{stderr}");
    assert!(
        stdout.contains(&format!("uploaded ~/static/{} (minified, {} bytes, debug ID {debug_id})", b.file, b.js.len())),
        "{stdout}"
    );
    assert!(stdout.contains(&format!("uploaded ~/static/{}.map (sourcemap", b.file)), "{stdout}");
    assert!(stdout.contains("2 files"), "{stdout}");
    let (_, list) = shop.browser.get(&format!("/api/v1/projects/{}/releases/shop@1.0/sourcemaps", shop.id)).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    let out = run("slt_wrong").output().await.unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("401") && stderr.contains("log in first"), "{stderr}");
    std::fs::remove_dir_all(&dist).unwrap();
    app.stop().await;
}
