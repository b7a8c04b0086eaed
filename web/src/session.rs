//! Who is logged in and which team is selected, shared by every page through
//! Leptos context. The shell loads `me` once; pages set the current team
//! from their URL (a team page) or their data (a project's team).

use leptos::prelude::*;
use sightline_api_types::Me;

/// The logged-in user's data and the team being looked at.
#[derive(Clone, Copy)]
pub struct Session {
    pub me: RwSignal<Option<Me>>,
    pub team: RwSignal<Option<i64>>,
}

/// Puts a fresh session into the context.
pub fn provide() {
    provide_context(Session { me: RwSignal::new(None), team: RwSignal::new(None) });
}

/// Returns the session from the context.
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Returns the team to show: the selected one, else the user's first.
pub fn current_team(s: Session) -> Option<i64> {
    s.team.get().or_else(|| s.me.with(|m| m.as_ref().and_then(|m| m.teams.first().map(|t| t.id))))
}
