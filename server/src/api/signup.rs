//! The sign-up policy as the dashboard needs it: whether to show the sign-up
//! link and form (`SIGHTLINE_SIGNUP`, see [`crate::accounts::signup`]).

use axum::{extract::State, Json};
use sightline_api_types::SignupInfo;

use super::error::ApiResult;
use crate::{accounts::signup, state::AppState};

/// `GET /api/v1/auth/signup`: the instance's sign-up policy.
#[utoipa::path(get, path = "/api/v1/auth/signup", tag = "accounts", operation_id = "accounts_signup_policy",
    responses((status = 200, description = "Who may sign up, and whether the instance has no account yet", body = SignupInfo)))]
pub async fn policy(State(state): State<AppState>) -> ApiResult<Json<SignupInfo>> {
    let first_user = signup::is_empty(&state.pg).await?;
    Ok(Json(SignupInfo { policy: state.config.signup.as_str().into(), first_user }))
}
