//! Roles inside a team: members use, admins manage, only owners touch
//! owners, and the last owner cannot leave.

use reqwest::Method;
use serde_json::json;

use crate::{dashboard_api::Browser, helpers::spawn_open_app};

#[tokio::test]
async fn members_use_admins_manage_and_a_team_keeps_an_owner() {
    let app = spawn_open_app().await;
    let (alice, me) = Browser::register(&app, "alice@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let alice_id = me["user"]["id"].as_i64().unwrap();
    let (bob, bob_me) = Browser::register(&app, "bob@example.com").await;
    let bob_id = bob_me["user"]["id"].as_i64().unwrap();
    // Invitations come with their own endpoints; here Bob joins directly.
    sqlx::query("INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, 'member')")
        .bind(team)
        .bind(bob_id)
        .execute(&app.pg)
        .await
        .unwrap();

    // A member sees the team and its projects but cannot change them.
    assert_eq!(bob.get(&format!("/api/v1/teams/{team}/projects")).await.0, 200);
    let (status, err) = bob.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Nope"})).await;
    assert_eq!(status, 403, "{err}");
    assert_eq!(err["error"]["code"], "forbidden");
    assert_eq!(bob.call(Method::PATCH, &format!("/api/v1/teams/{team}"), Some(json!({"name": "Bob's"}))).await.0, 403);

    // The last owner cannot leave or demote themselves.
    let (status, err) = alice.post(&format!("/api/v1/teams/{team}/leave"), json!({})).await;
    assert_eq!(status, 409, "{err}");
    let own = format!("/api/v1/teams/{team}/members/{alice_id}");
    assert_eq!(alice.call(Method::PATCH, &own, Some(json!({"role": "member"}))).await.0, 409);

    // An admin manages members but cannot make owners.
    let bobs = format!("/api/v1/teams/{team}/members/{bob_id}");
    assert_eq!(alice.call(Method::PATCH, &bobs, Some(json!({"role": "admin"}))).await.0, 204);
    assert_eq!(bob.call(Method::PATCH, &bobs, Some(json!({"role": "owner"}))).await.0, 403);
    assert_eq!(bob.post(&format!("/api/v1/teams/{team}/projects"), json!({"name": "Now allowed"})).await.0, 201);
    assert_eq!(bob.call(Method::DELETE, &own, None).await.0, 403, "admins cannot remove owners");

    // With a second owner, the first may leave.
    assert_eq!(alice.call(Method::PATCH, &bobs, Some(json!({"role": "owner"}))).await.0, 204);
    assert_eq!(alice.post(&format!("/api/v1/teams/{team}/leave"), json!({})).await.0, 204);
    assert_eq!(alice.get(&format!("/api/v1/teams/{team}/members")).await.0, 404);
    let (_, members) = bob.get(&format!("/api/v1/teams/{team}/members")).await;
    assert_eq!(members.as_array().unwrap().len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_link_lets_a_user_join_once_and_can_be_withdrawn() {
    let app = spawn_open_app().await;
    let (alice, me) = Browser::register(&app, "alice@example.com").await;
    let team = me["teams"][0]["id"].as_i64().unwrap();
    let (status, invite) = alice
        .post(&format!("/api/v1/teams/{team}/invites"), json!({"email": "bob@example.com", "role": "admin"}))
        .await;
    assert_eq!(status, 201, "{invite}");
    let url = invite["accept_url"].as_str().unwrap();
    let token = url.split("token=").nth(1).unwrap().to_string();
    let (_, pending) = alice.get(&format!("/api/v1/teams/{team}/invites")).await;
    assert_eq!(pending[0]["email"], "bob@example.com");
    assert!(pending[0].get("accept_url").is_none(), "the link is shown once");

    let (bob, _) = Browser::register(&app, "bob@example.com").await;
    let (status, joined) = bob.post("/api/v1/invites/accept", json!({"token": token})).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!((joined["id"].as_i64(), joined["role"].as_str()), (Some(team), Some("admin")));
    let (status, _) = bob.post("/api/v1/invites/accept", json!({"token": token})).await;
    assert_eq!(status, 422, "single use");
    let (_, pending) = alice.get(&format!("/api/v1/teams/{team}/invites")).await;
    assert_eq!(pending.as_array().unwrap().len(), 0);

    let (_, second) = alice
        .post(&format!("/api/v1/teams/{team}/invites"), json!({"email": "carol@example.com", "role": "member"}))
        .await;
    let id = second["id"].as_i64().unwrap();
    let token = second["accept_url"].as_str().unwrap().split("token=").nth(1).unwrap().to_string();
    assert_eq!(alice.call(Method::DELETE, &format!("/api/v1/teams/{team}/invites/{id}"), None).await.0, 204);
    let (carol, _) = Browser::register(&app, "carol@example.com").await;
    assert_eq!(carol.post("/api/v1/invites/accept", json!({"token": token})).await.0, 422, "withdrawn");
    // Members cannot invite.
    sqlx::query("INSERT INTO memberships (team_id, user_id, role) SELECT $1, id, 'member' FROM users WHERE email = 'carol@example.com'")
        .bind(team)
        .execute(&app.pg)
        .await
        .unwrap();
    let (status, _) = carol
        .post(&format!("/api/v1/teams/{team}/invites"), json!({"email": "dan@example.com", "role": "member"}))
        .await;
    assert_eq!(status, 403);
    app.stop().await;
}
