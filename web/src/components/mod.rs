//! Pieces shared by several pages: the app shell, loading/empty/error states
//! and the two SVG charts.

pub mod chart;
pub mod layout;
pub mod sparkline;
pub mod states;
