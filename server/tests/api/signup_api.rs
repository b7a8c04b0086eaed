//! The sign-up policy (`SIGHTLINE_SIGNUP`): the first account of an empty
//! instance may always register and becomes superuser; after that `invite`
//! needs a pending invitation (and joins its team), `closed` refuses everyone
//! (the CLI still creates users), `open` lets anyone in. The public policy
//! endpoint tells the dashboard which of these holds.

use reqwest::StatusCode;
use serde_json::{json, Value};
use sightline::accounts::{self, Email};

use crate::{
    dashboard_api::Browser,
    helpers::{spawn_app, spawn_app_with, TestApp},
};

async fn sign_up(app: &TestApp, email: &str, invite: Option<&str>) -> (StatusCode, Value) {
    let mut body = json!({"email": email, "password": "correct horse"});
    if let Some(token) = invite {
        body["invite"] = json!(token);
    }
    Browser::new(app).post("/api/v1/auth/register", body).await
}

async fn is_superuser(app: &TestApp, email: &str) -> bool {
    sqlx::query_scalar("SELECT is_superuser FROM users WHERE email = $1").bind(email).fetch_one(&app.pg).await.unwrap()
}

async fn invite(admin: &Browser, team: i64, email: &str) -> String {
    let (status, invite) =
        admin.post(&format!("/api/v1/teams/{team}/invites"), json!({"email": email, "role": "member"})).await;
    assert_eq!(status, 201, "{invite}");
    let link = invite["accept_url"].as_str().unwrap();
    link.split_once("token=").unwrap().1.to_string()
}

#[tokio::test]
async fn by_default_only_the_first_account_and_invited_people_can_sign_up() {
    let app = spawn_app().await;
    let anonymous = Browser::new(&app);
    assert_eq!(anonymous.get("/api/v1/auth/signup").await.1, json!({"policy": "invite", "first_user": true}));

    let (status, alice) = sign_up(&app, "alice@example.com", None).await;
    assert_eq!(status, 201, "the first account of an empty instance registers: {alice}");
    assert!(is_superuser(&app, "alice@example.com").await, "and becomes superuser");
    assert_eq!(anonymous.get("/api/v1/auth/signup").await.1, json!({"policy": "invite", "first_user": false}));

    let (status, err) = sign_up(&app, "mallory@example.com", None).await;
    assert_eq!(status, 403, "{err}");
    assert_eq!(err["error"]["code"], "forbidden");
    assert!(err["error"]["message"].as_str().unwrap().contains("needs an invitation"), "{err}");
    let (status, err) = sign_up(&app, "mallory@example.com", Some("guessed-token")).await;
    assert_eq!(status, 403, "{err}");
    assert!(err["error"]["message"].as_str().unwrap().contains("invalid, used or expired"), "{err}");

    // Alice invites Bob; Bob signs up with the link's token and is in her team.
    let admin = Browser::new(&app);
    let (status, _) =
        admin.post("/api/v1/auth/login", json!({"email": "alice@example.com", "password": "correct horse"})).await;
    assert_eq!(status, 200);
    let team = alice["teams"][0]["id"].as_i64().unwrap();
    let token = invite(&admin, team, "bob@example.com").await;
    let (status, bob) = sign_up(&app, "bob@example.com", Some(&token)).await;
    assert_eq!(status, 201, "{bob}");
    let joined = bob["teams"].as_array().unwrap().iter().find(|t| t["id"] == team).expect("Bob is in Alice's team");
    assert_eq!(joined["role"], "member");
    assert!(!is_superuser(&app, "bob@example.com").await);
    // The invitation was spent: it neither signs up nor is pending any more.
    let (status, _) = sign_up(&app, "carol@example.com", Some(&token)).await;
    assert_eq!(status, 403);
    assert_eq!(admin.get(&format!("/api/v1/teams/{team}/invites")).await.1, json!([]));
    let users: i64 = sqlx::query_scalar("SELECT count(*) FROM users").fetch_one(&app.pg).await.unwrap();
    assert_eq!(users, 2, "no refused sign-up created an account");
    app.stop().await;
}

#[tokio::test]
async fn a_refused_sign_up_with_a_taken_address_keeps_the_invitation() {
    let app = spawn_app().await;
    let (_, alice) = sign_up(&app, "alice@example.com", None).await;
    let admin = Browser::new(&app);
    admin.post("/api/v1/auth/login", json!({"email": "alice@example.com", "password": "correct horse"})).await;
    let token = invite(&admin, alice["teams"][0]["id"].as_i64().unwrap(), "bob@example.com").await;
    let (status, _) = sign_up(&app, "ALICE@example.com", Some(&token)).await;
    assert_eq!(status, 409, "the address is taken");
    let (status, _) = sign_up(&app, "bob@example.com", Some(&token)).await;
    assert_eq!(status, 201, "the failed attempt did not spend the invitation");
    app.stop().await;
}

#[tokio::test]
async fn closed_sign_up_refuses_all_but_the_first_account_and_the_cli_still_creates_users() {
    let app = spawn_app_with(|c| c.signup = Some("closed".into())).await;
    let anonymous = Browser::new(&app);
    assert_eq!(anonymous.get("/api/v1/auth/signup").await.1, json!({"policy": "closed", "first_user": true}));
    let (status, alice) = sign_up(&app, "alice@example.com", None).await;
    assert_eq!(status, 201, "{alice}");
    let admin = Browser::new(&app);
    admin.post("/api/v1/auth/login", json!({"email": "alice@example.com", "password": "correct horse"})).await;
    let token = invite(&admin, alice["teams"][0]["id"].as_i64().unwrap(), "bob@example.com").await;
    for invite in [None, Some(token.as_str())] {
        let (status, err) = sign_up(&app, "bob@example.com", invite).await;
        assert_eq!(status, 403, "{err}");
        assert!(err["error"]["message"].as_str().unwrap().contains("sign-up is closed"), "{err}");
    }
    // What `sightline user create` does still works, and that user can log in.
    let email = Email::parse("bob@example.com").unwrap();
    accounts::create_user(&app.pg, &email, "correct horse", 4).await.unwrap();
    let (status, _) = Browser::new(&app)
        .post("/api/v1/auth/login", json!({"email": "bob@example.com", "password": "correct horse"}))
        .await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn open_sign_up_lets_anyone_register() {
    let app = spawn_app_with(|c| c.signup = Some("open".into())).await;
    assert_eq!(Browser::new(&app).get("/api/v1/auth/signup").await.1["policy"], "open");
    for email in ["alice@example.com", "bob@example.com", "carol@example.com"] {
        let (status, me) = sign_up(&app, email, None).await;
        assert_eq!(status, 201, "{me}");
    }
    assert!(is_superuser(&app, "alice@example.com").await);
    assert!(!is_superuser(&app, "carol@example.com").await);
    app.stop().await;
}
