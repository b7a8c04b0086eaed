//! Two-factor log-in over the API: set-up with a QR code and a confirming
//! code, the password step answering a challenge and no session, the code
//! step (each code once, throttled like log-in), recovery codes that work
//! once, disabling with password and code, and a team that requires two
//! factors of its members.

use reqwest::{header, StatusCode};
use serde_json::json;

use crate::{
    dashboard_api::Browser,
    helpers::{spawn_app, spawn_open_app},
    twofactor_support::{code, enrol, password_step, wrong_code},
};

#[tokio::test]
async fn a_two_factor_log_in_needs_a_fresh_code_after_the_password() {
    let app = spawn_app().await;
    let (ada, _) = Browser::register(&app, "ada@example.com").await;
    let (status, off) = ada.get("/api/v1/auth/two-factor").await;
    assert_eq!((status, off), (StatusCode::OK, json!({"enabled": false, "recovery_codes_left": 0})));

    let (_, setup) = ada.post("/api/v1/auth/two-factor/setup", json!({})).await;
    let secret = setup["secret"].as_str().unwrap();
    let uri = setup["otpauth_uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/Sightline:ada%40example.com?") && uri.contains(secret), "{uri}");
    assert!(setup["qr_svg"].as_str().unwrap().starts_with("<svg"), "an SVG element");
    let (status, err) = ada.post("/api/v1/auth/two-factor/enable", json!({"code": wrong_code(secret)})).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(ada.get("/api/v1/auth/two-factor").await.1["enabled"], false, "a wrong code enables nothing");
    let (status, codes) = ada.post("/api/v1/auth/two-factor/enable", json!({"code": code(secret, 0)})).await;
    assert_eq!(status, 200, "{codes}");
    assert_eq!(codes["codes"].as_array().unwrap().len(), 10);
    assert_eq!(ada.get("/api/v1/auth/two-factor").await.1, json!({"enabled": true, "recovery_codes_left": 10}));
    let (status, _) = ada.post("/api/v1/auth/two-factor/setup", json!({})).await;
    assert_eq!(status, 409, "a second set-up would silently replace the app");

    // The password alone gives a challenge, not a session.
    let laptop = Browser::new(&app);
    let resp = laptop
        .http
        .post(format!("{}/api/v1/auth/login", app.address))
        .json(&json!({"email": "ada@example.com", "password": "correct horse"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    assert!(resp.headers().get(header::SET_COOKIE).is_none(), "no session before the code");
    let challenge = resp.json::<serde_json::Value>().await.unwrap();
    let challenge = challenge["challenge"].as_str().unwrap().to_string();
    assert_eq!(laptop.get("/api/v1/auth/me").await.0, 401);
    let second = |code: String| {
        let (laptop, challenge) = (&laptop, challenge.clone());
        async move { laptop.post("/api/v1/auth/login/two-factor", json!({"challenge": challenge, "code": code})).await }
    };
    let (status, err) = second(wrong_code(secret)).await;
    assert_eq!(status, 422, "{err}");
    // The enabling code's step is spent; the next step's code is accepted (one step of skew).
    let fresh = code(secret, 1);
    let (status, me) = second(fresh.clone()).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["email"], "ada@example.com");
    assert_eq!(laptop.get("/api/v1/auth/me").await.0, 200);
    let (status, _) = second(fresh.clone()).await;
    assert_eq!(status, 422, "a challenge logs in once");

    // Another log-in replaying the same code is refused; then the throttle
    // (5 a minute per account, counting both steps: this is the 6th) answers 429.
    let phone = Browser::new(&app);
    let (status, challenge) = password_step(&phone, "ada@example.com").await;
    assert_eq!(status, 202);
    let body = json!({"challenge": challenge["challenge"], "code": fresh});
    let (status, err) = phone.post("/api/v1/auth/login/two-factor", body.clone()).await;
    assert_eq!(status, 422, "a code works once: {err}");
    let (status, err) = phone.post("/api/v1/auth/login/two-factor", body).await;
    assert_eq!(status, 429, "{err}");
    assert_eq!(err["error"]["code"], "rate_limited");
    app.stop().await;
}

#[tokio::test]
async fn recovery_codes_work_once_and_turning_off_needs_the_password_and_a_code() {
    let app = spawn_app().await;
    let (ada, _) = Browser::register(&app, "ada@example.com").await;
    let (secret, codes) = enrol(&ada).await;

    let b = Browser::new(&app);
    let (_, c) = password_step(&b, "ada@example.com").await;
    let (status, me) = b
        .post("/api/v1/auth/login/two-factor", json!({"challenge": c["challenge"], "code": codes[0].to_uppercase()}))
        .await;
    assert_eq!(status, 200, "a recovery code logs in (case does not matter): {me}");
    assert_eq!(ada.get("/api/v1/auth/two-factor").await.1["recovery_codes_left"], 9);
    let (_, c) = password_step(&b, "ada@example.com").await;
    let (status, _) =
        b.post("/api/v1/auth/login/two-factor", json!({"challenge": c["challenge"], "code": codes[0]})).await;
    assert_eq!(status, 422, "a recovery code works once");

    let (status, _) =
        ada.post("/api/v1/auth/two-factor/disable", json!({"password": "wrong password", "code": codes[1]})).await;
    assert_eq!(status, 422);
    let (status, _) = ada
        .post("/api/v1/auth/two-factor/disable", json!({"password": "correct horse", "code": wrong_code(&secret)}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(ada.get("/api/v1/auth/two-factor").await.1["enabled"], true, "still on after refusals");
    let (status, _) =
        ada.post("/api/v1/auth/two-factor/disable", json!({"password": "correct horse", "code": codes[1]})).await;
    assert_eq!(status, 204);
    assert_eq!(ada.get("/api/v1/auth/two-factor").await.1, json!({"enabled": false, "recovery_codes_left": 0}));
    let (status, me) = password_step(&Browser::new(&app), "ada@example.com").await;
    assert_eq!(status, 200, "the password alone logs in again: {me}");
    assert_eq!(me["user"]["email"], "ada@example.com");
    app.stop().await;
}

#[tokio::test]
async fn a_team_that_requires_two_factor_refuses_members_without_it() {
    let app = spawn_open_app().await;
    let (alice, me) = Browser::register(&app, "alice@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (_, project) = alice.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Shop"})).await;
    let project = project["id"].as_i64().unwrap();
    let (_, invite) = alice
        .post(&format!("/api/v1/teams/{team}/invites"), json!({"email": "bob@example.com", "role": "member"}))
        .await;
    let token = invite["accept_url"].as_str().unwrap().split_once("token=").unwrap().1.to_string();
    let (bob, _) = Browser::register(&app, "bob@example.com").await;
    assert_eq!(bob.post("/api/v1/invites/accept", json!({"token": token})).await.0, 200);

    let (status, err) = require(&alice, team, true).await;
    assert_eq!(status, 403, "an owner without two factors cannot require them: {err}");
    enrol(&alice).await;
    let (status, err) = require(&bob, team, true).await;
    assert_eq!(status, 403, "members cannot change the setting: {err}");
    assert_eq!(require(&alice, team, true).await.0, 204);
    let (_, teams) = alice.get("/api/v1/teams").await;
    assert_eq!(teams.as_array().unwrap().iter().find(|t| t["id"] == team).unwrap()["require_two_factor"], true);

    assert_eq!(alice.get(&format!("/api/v1/projects/{project}")).await.0, 200);
    for path in [format!("/api/v1/teams/{team}/projects"), format!("/api/v1/projects/{project}")] {
        let (status, err) = bob.get(&path).await;
        assert_eq!(status, 403, "{path}: {err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("requires two-factor log-in"), "{err}");
    }
    enrol(&bob).await;
    assert_eq!(bob.get(&format!("/api/v1/projects/{project}")).await.0, 200, "enrolled: in again");
    assert_eq!(require(&alice, team, false).await.0, 204);
    app.stop().await;
}

async fn require(b: &Browser, team: i64, required: bool) -> (StatusCode, serde_json::Value) {
    b.call(reqwest::Method::PUT, &format!("/api/v1/teams/{team}/two-factor"), Some(json!({"required": required}))).await
}
