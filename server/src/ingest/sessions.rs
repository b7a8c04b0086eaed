//! Release-health items on the ingest path: a `session` item (one update)
//! or a `sessions` item (aggregates) becomes [`Row::Session`] rows, and each
//! is counted under the outcome category `session`: accepted, or invalid with
//! the reason [`crate::event::session`] gives. A refused session never fails
//! the envelope; its other items are kept.

use crate::{
    event::{session, IngestContext},
    outcomes::{ItemOutcome, Outcome},
    store::rows::Row,
};

/// The outcome category of both item types (Relay's `DataCategory::Session`).
pub const CATEGORY: &str = "session";

/// Reads a `session` or `sessions` item into `rows`, counting it in `outcomes`.
pub fn absorb(kind: &str, payload: &[u8], ctx: &IngestContext, rows: &mut Vec<Row>, outcomes: &mut Vec<ItemOutcome>) {
    if kind == "session" {
        match session::parse_update(payload, ctx) {
            Ok(row) => {
                outcomes.push(ItemOutcome::new(Outcome::Accepted, CATEGORY, "", 1));
                rows.push(Row::Session(row));
            }
            Err(reason) => outcomes.push(ItemOutcome::new(Outcome::Invalid, CATEGORY, reason, 1)),
        }
        return;
    }
    match session::parse_aggregates(payload, ctx) {
        Ok(aggregates) => {
            let accepted = aggregates.rows.len() as u64;
            outcomes.push(ItemOutcome::new(Outcome::Accepted, CATEGORY, "", accepted));
            for reason in aggregates.invalid {
                outcomes.push(ItemOutcome::new(Outcome::Invalid, CATEGORY, reason, 1));
            }
            rows.extend(aggregates.rows.into_iter().map(Row::Session));
        }
        Err(reason) => outcomes.push(ItemOutcome::new(Outcome::Invalid, CATEGORY, reason, 1)),
    }
}
