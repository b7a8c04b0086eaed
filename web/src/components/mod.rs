//! Pieces shared by several pages: the app shell, loading/empty/error states,
//! the SVG charts and polling.

pub mod bars;
pub mod chart;
pub mod layout;
pub mod poll;
pub mod sparkline;
pub mod states;
