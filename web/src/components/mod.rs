//! Pieces shared by several pages: the app shell, loading/empty/error states,
//! the SVG charts, forms that call the API, the period filter, and polling.

pub mod bars;
pub mod chart;
pub mod form;
pub mod layout;
pub mod period;
pub mod poll;
pub mod sparkline;
pub mod states;
