//! Helpers for two-factor tests: codes computed here with the same crate the
//! server uses (`totp-rs`, RFC 6238), and enrolling a logged-in browser.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use totp_rs::{Builder, Secret};

use crate::dashboard_api::Browser;

/// Returns the code of `secret` for the time step `steps` away from now.
pub fn code(secret: &str, steps: i64) -> String {
    let totp = Builder::new().with_secret(Secret::try_from_base32(secret).unwrap()).build().unwrap();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    totp.generate((now + steps * 30) as u64).to_string()
}

/// Returns a 6-digit code that is none of the codes the server accepts now.
pub fn wrong_code(secret: &str) -> String {
    let taken: Vec<String> = (-1..=1).map(|s| code(secret, s)).collect();
    (0..1_000_000).map(|n| format!("{n:06}")).find(|c| !taken.contains(c)).unwrap()
}

/// Turns two-factor log-in on for the browser's account; returns the secret and recovery codes.
pub async fn enrol(browser: &Browser) -> (String, Vec<String>) {
    let (status, setup) = browser.post("/api/v1/auth/two-factor/setup", json!({})).await;
    assert_eq!(status, 200, "{setup}");
    let secret = setup["secret"].as_str().unwrap().to_string();
    let (status, codes) = browser.post("/api/v1/auth/two-factor/enable", json!({"code": code(&secret, 0)})).await;
    assert_eq!(status, 200, "{codes}");
    let codes = codes["codes"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().to_string()).collect();
    (secret, codes)
}

/// Logs in with the password; returns the status and body (a challenge for two-factor accounts).
pub async fn password_step(browser: &Browser, email: &str) -> (reqwest::StatusCode, Value) {
    browser.post("/api/v1/auth/login", json!({"email": email, "password": "correct horse"})).await
}
