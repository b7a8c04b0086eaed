//! Writing user feedback and its screenshots to ClickHouse, beside the
//! events and transactions of the same batch ([`crate::pipeline::writer`]).

use clickhouse::Client;

use super::rows::{FeedbackRow, Row, ScreenshotRow};

/// Inserts the batch's feedback and screenshot rows (nothing when it has none).
pub async fn insert(client: &Client, rows: &[Row]) -> clickhouse::error::Result<()> {
    let feedback: Vec<&FeedbackRow> =
        rows.iter().filter_map(|r| if let Row::Feedback(f) = r { Some(f) } else { None }).collect();
    if !feedback.is_empty() {
        let mut insert = client.insert::<FeedbackRow>("feedback").await?;
        for row in feedback {
            insert.write(row).await?;
        }
        insert.end().await?;
    }
    let screenshots: Vec<&ScreenshotRow> =
        rows.iter().filter_map(|r| if let Row::Screenshot(s) = r { Some(s) } else { None }).collect();
    if !screenshots.is_empty() {
        let mut insert = client.insert::<ScreenshotRow>("feedback_screenshots").await?;
        for row in screenshots {
            insert.write(row).await?;
        }
        insert.end().await?;
    }
    Ok(())
}
