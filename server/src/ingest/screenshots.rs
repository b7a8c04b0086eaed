//! Screenshots sent with user feedback: `attachment` items in the envelope
//! of a `feedback` item (the feedback widget's "Add a screenshot"). An image
//! (PNG, JPEG, WebP) of at most `SIGHTLINE_MAX_SCREENSHOT_BYTES` is stored
//! with the feedback; a larger one is `invalid`/`too_large`, any other
//! attachment (or one without feedback beside it) `filtered`/`not_stored` —
//! and the feedback itself is kept either way.

use crate::{
    event::feedback::SCREENSHOT_TYPES,
    outcomes::{ItemOutcome, Outcome},
    store::rows::{Row, ScreenshotRow},
};

use super::envelope::Item;

/// Screenshots kept per piece of feedback, at most.
const MAX_PER_FEEDBACK: usize = 2;

/// Stores the envelope's screenshots with its feedback and counts every attachment.
pub fn attach(attachments: &[&Item], rows: &mut Vec<Row>, outcomes: &mut Vec<ItemOutcome>, max_bytes: usize) {
    if attachments.is_empty() {
        return;
    }
    let feedback = rows.iter().position(|r| matches!(r, Row::Feedback(_)));
    let mut kept = Vec::new();
    for item in attachments {
        let content_type = image_type(item);
        let outcome = match (feedback, content_type) {
            (Some(_), Some(_)) if item.payload.len() > max_bytes => {
                ItemOutcome::new(Outcome::Invalid, "attachment", "too_large", 1)
            }
            (Some(_), Some(ct)) if kept.len() < MAX_PER_FEEDBACK => {
                kept.push((ct, *item));
                ItemOutcome::new(Outcome::Accepted, "attachment", "", 1)
            }
            _ => ItemOutcome::new(Outcome::Filtered, "attachment", "not_stored", 1),
        };
        outcomes.push(outcome);
    }
    let Some(Row::Feedback(fb)) = feedback.and_then(|i| rows.get_mut(i)) else { return };
    if kept.is_empty() {
        return;
    }
    fb.has_screenshot = 1;
    let (project_id, feedback_id, timestamp) = (fb.project_id, fb.feedback_id, fb.timestamp);
    for (content_type, item) in kept {
        rows.push(Row::Screenshot(ScreenshotRow {
            project_id,
            feedback_id,
            timestamp,
            filename: crate::event::feedback::file_name(item.filename.as_deref()),
            content_type: content_type.to_owned(),
            data: item.payload.to_vec(),
        }));
    }
}

/// Returns the attachment's image type, from its header or its first bytes.
fn image_type(item: &Item) -> Option<&'static str> {
    let declared = item.content_type.as_deref().unwrap_or_default();
    let sniffed = match &item.payload[..] {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xff, 0xd8, 0xff, ..] => "image/jpeg",
        [b'R', b'I', b'F', b'F', _, _, _, _, b'W', b'E', b'B', b'P', ..] => "image/webp",
        _ => return None,
    };
    // The bytes decide; a declared type that disagrees is not an image we serve.
    (declared.is_empty() || declared == sniffed || declared == "application/octet-stream")
        .then_some(sniffed)
        .filter(|t| SCREENSHOT_TYPES.contains(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn item(payload: &'static [u8], content_type: &str) -> Item {
        Item {
            ty: "attachment".into(),
            content_type: Some(content_type.into()),
            filename: Some("screenshot.png".into()),
            payload: Bytes::from_static(payload),
        }
    }

    fn feedback() -> Row {
        Row::Feedback(crate::store::rows::FeedbackRow {
            project_id: 1,
            feedback_id: uuid::Uuid::new_v4(),
            timestamp: 1,
            message: "hi".into(),
            name: String::new(),
            email: String::new(),
            url: String::new(),
            source: String::new(),
            associated_event_id: String::new(),
            replay_id: String::new(),
            release: String::new(),
            environment: String::new(),
            browser: String::new(),
            os: String::new(),
            has_screenshot: 0,
        })
    }

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n0000";

    #[test]
    fn a_png_beside_feedback_is_stored_and_an_oversize_one_counted_invalid() {
        let (small, big, text) =
            (item(PNG, "image/png"), item(b"\x89PNG\r\n\x1a\n0123456789", "image/png"), item(b"hello", "text/plain"));
        let mut rows = vec![feedback()];
        let mut outcomes = Vec::new();
        attach(&[&small, &big, &text], &mut rows, &mut outcomes, 12);
        assert_eq!(rows.len(), 2);
        let (Row::Feedback(fb), Row::Screenshot(shot)) = (&rows[0], &rows[1]) else { panic!() };
        assert_eq!((fb.has_screenshot, shot.feedback_id), (1, fb.feedback_id));
        assert_eq!((shot.content_type.as_str(), shot.data.as_slice()), ("image/png", PNG));
        let reasons: Vec<_> = outcomes.iter().map(|o| (o.outcome, o.reason.as_str())).collect();
        assert_eq!(
            reasons,
            [(Outcome::Accepted, "unknown"), (Outcome::Invalid, "too_large"), (Outcome::Filtered, "not_stored")]
        );
    }

    #[test]
    fn an_attachment_without_feedback_or_lying_about_its_type_is_not_stored() {
        let mut rows = Vec::new();
        let mut outcomes = Vec::new();
        attach(&[&item(PNG, "image/png")], &mut rows, &mut outcomes, 1000);
        assert!(rows.is_empty());
        let mut rows = vec![feedback()];
        attach(
            &[&item(b"<svg onload=alert(1)>", "image/png"), &item(PNG, "text/html")],
            &mut rows,
            &mut outcomes,
            1000,
        );
        assert_eq!(rows.len(), 1, "neither an SVG nor a mislabelled PNG is served back as an image");
    }
}
