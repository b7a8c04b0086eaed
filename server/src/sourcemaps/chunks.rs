//! sentry-cli's chunked upload, stored: a build's bundle arrives as chunks
//! named by their SHA-1 (each checked against its name, decompressed under a
//! cap), kept per team in Postgres (`upload_chunks`) under the team's quota
//! until an assemble request joins them. Assembled bundles are remembered
//! (`artifact_bundles`), so uploading the same bundle again sends no chunk.

use std::io::Read;

use sha1::{Digest, Sha1};
use sqlx::PgPool;

/// Size of the chunks sentry-cli cuts a bundle into (what it is told to use).
pub const CHUNK_SIZE: u64 = 8 * 1024 * 1024;
/// Most chunks one upload request may carry.
pub const CHUNKS_PER_REQUEST: usize = 64;
/// Largest chunk upload request.
pub const MAX_REQUEST_BYTES: u64 = 32 * 1024 * 1024;
/// Chunks not assembled within this many hours are dropped.
const CHUNK_TTL_HOURS: i32 = 24;

/// How a chunk part is encoded, from its multipart field name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// `file`
    Plain,
    /// `file_gzip`
    Gzip,
    /// `file_zstd`
    Zstd,
}

impl Encoding {
    /// Returns the encoding a multipart field name announces, if any.
    pub fn from_field(name: &str) -> Option<Self> {
        match name {
            "file" => Some(Encoding::Plain),
            "file_gzip" => Some(Encoding::Gzip),
            "file_zstd" => Some(Encoding::Zstd),
            _ => None,
        }
    }
}

/// Why a chunk was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ChunkError {
    #[error("chunk {0:?} is not named by a SHA-1 (40 hex digits)")]
    BadName(String),
    #[error("chunk {name} is larger than {limit} bytes once decompressed")]
    TooLarge { name: String, limit: u64 },
    #[error("chunk {name} does not decompress: {reason}")]
    BadEncoding { name: String, reason: String },
    #[error("chunk {name} has the checksum {actual}: its content does not match its name")]
    ChecksumMismatch { name: String, actual: String },
}

/// Returns the lowercase hex SHA-1 of `bytes`.
pub fn sha1_hex(bytes: &[u8]) -> String {
    hex::encode(Sha1::digest(bytes))
}

/// Parses a SHA-1 as sentry-cli writes it (40 hex digits), lowercased.
pub fn parse_sha1(s: &str) -> Option<String> {
    (s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| s.to_ascii_lowercase())
}

/// Decodes one chunk (at most `limit` bytes once decompressed, counted while
/// inflating) and checks it against the SHA-1 it is named by.
pub fn decode(name: &str, encoding: Encoding, body: &[u8], limit: u64) -> Result<Vec<u8>, ChunkError> {
    let sha1 = parse_sha1(name).ok_or_else(|| ChunkError::BadName(name.chars().take(80).collect()))?;
    let bad = |e: std::io::Error| ChunkError::BadEncoding { name: sha1.clone(), reason: e.to_string() };
    let content = match encoding {
        Encoding::Plain => body.to_vec(),
        Encoding::Gzip => capped(flate2::read::GzDecoder::new(body), limit).map_err(bad)?,
        Encoding::Zstd => {
            let mut decoder = zstd::stream::read::Decoder::with_buffer(body).map_err(bad)?;
            // A frame may ask for a 2 GiB window before its first byte; a chunk needs at most 8 MiB.
            decoder.window_log_max(24).map_err(bad)?;
            capped(decoder, limit).map_err(bad)?
        }
    };
    if content.len() as u64 > limit {
        return Err(ChunkError::TooLarge { name: sha1, limit });
    }
    let actual = sha1_hex(&content);
    if actual != sha1 {
        return Err(ChunkError::ChecksumMismatch { name: sha1, actual });
    }
    Ok(content)
}

/// Reads at most `limit + 1` bytes, so an oversized result is seen without inflating it all.
fn capped(reader: impl Read, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    reader.take(limit + 1).read_to_end(&mut out)?;
    Ok(out)
}

/// Why chunks could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("these chunks would use {needed} bytes of the team's {quota}-byte upload quota ({used} already waiting)")]
    OverQuota { needed: u64, used: u64, quota: u64 },
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// Saves checked chunks of `team_id` (known ones are kept) if the team's
/// waiting chunks stay within `quota` bytes; all or nothing.
pub async fn save(pg: &PgPool, team_id: i64, chunks: &[(String, Vec<u8>)], quota: u64) -> Result<(), SaveError> {
    let mut tx = pg.begin().await?;
    // Serialises the team's uploads, so two cannot both pass the quota check.
    sqlx::query("SELECT id FROM teams WHERE id = $1 FOR UPDATE").bind(team_id).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM upload_chunks WHERE team_id = $1 AND created_at < now() - make_interval(hours => $2)")
        .bind(team_id)
        .bind(CHUNK_TTL_HOURS)
        .execute(&mut *tx)
        .await?;
    let names: Vec<&str> = chunks.iter().map(|(n, _)| n.as_str()).collect();
    let used: i64 = sqlx::query_scalar(
        "SELECT COALESCE(SUM(size), 0)::BIGINT FROM upload_chunks WHERE team_id = $1 AND NOT sha1 = ANY($2)",
    )
    .bind(team_id)
    .bind(&names)
    .fetch_one(&mut *tx)
    .await?;
    let needed: u64 = chunks.iter().map(|(_, c)| c.len() as u64).sum();
    if used as u64 + needed > quota {
        return Err(SaveError::OverQuota { needed, used: used as u64, quota });
    }
    for (sha1, content) in chunks {
        sqlx::query(
            "INSERT INTO upload_chunks (team_id, sha1, size, content) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (team_id, sha1) DO UPDATE SET created_at = now()",
        )
        .bind(team_id)
        .bind(sha1)
        .bind(content.len() as i64)
        .bind(content)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Returns which of `wanted` the team has not uploaded, in their order.
pub async fn missing(pg: &PgPool, team_id: i64, wanted: &[String]) -> sqlx::Result<Vec<String>> {
    let have: Vec<String> = sqlx::query_scalar("SELECT sha1 FROM upload_chunks WHERE team_id = $1 AND sha1 = ANY($2)")
        .bind(team_id)
        .bind(wanted)
        .fetch_all(pg)
        .await?;
    let mut out: Vec<String> = wanted.iter().filter(|c| !have.contains(c)).cloned().collect();
    out.dedup();
    Ok(out)
}

/// Joins the team's chunks in `order` into one buffer, or `None` if one is gone.
pub async fn join(pg: &PgPool, team_id: i64, order: &[String]) -> sqlx::Result<Option<Vec<u8>>> {
    let rows: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT sha1, content FROM upload_chunks WHERE team_id = $1 AND sha1 = ANY($2)")
            .bind(team_id)
            .bind(order)
            .fetch_all(pg)
            .await?;
    let mut out = Vec::new();
    for sha1 in order {
        match rows.iter().find(|(s, _)| s == sha1) {
            Some((_, content)) => out.extend_from_slice(content),
            None => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// Forgets chunks once their bundle is assembled.
pub async fn discard(pg: &PgPool, team_id: i64, chunks: &[String]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM upload_chunks WHERE team_id = $1 AND sha1 = ANY($2)")
        .bind(team_id)
        .bind(chunks)
        .execute(pg)
        .await?;
    Ok(())
}

/// Tells whether the bundle `checksum` was already stored into all of
/// `project_ids` under `release`.
pub async fn assembled(
    pg: &PgPool,
    team_id: i64,
    checksum: &str,
    project_ids: &[i64],
    release: &str,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM artifact_bundles WHERE team_id = $1 AND checksum = $2 \
         AND release = $3 AND project_ids @> $4)",
    )
    .bind(team_id)
    .bind(checksum)
    .bind(release)
    .bind(project_ids)
    .fetch_one(pg)
    .await
}

/// Remembers an assembled bundle (adding `project_ids` to a known one).
pub async fn remember(
    pg: &PgPool,
    team_id: i64,
    checksum: &str,
    project_ids: &[i64],
    release: &str,
    files: usize,
    size: usize,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO artifact_bundles (team_id, checksum, project_ids, release, files, size) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (team_id, checksum) DO UPDATE SET \
           project_ids = ARRAY(SELECT DISTINCT unnest(artifact_bundles.project_ids || EXCLUDED.project_ids)), \
           release = EXCLUDED.release, files = EXCLUDED.files, size = EXCLUDED.size, created_at = now()",
    )
    .bind(team_id)
    .bind(checksum)
    .bind(project_ids)
    .bind(release)
    .bind(files as i32)
    .bind(size as i64)
    .execute(pg)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_chunk_must_match_the_sha1_it_is_named_by() {
        let body = b"hello chunk";
        let name = sha1_hex(body);
        assert_eq!(decode(&name, Encoding::Plain, body, 100).unwrap(), body);
        let other = sha1_hex(b"other");
        assert!(matches!(decode(&other, Encoding::Plain, body, 100), Err(ChunkError::ChecksumMismatch { .. })));
        assert!(matches!(decode("nope", Encoding::Plain, body, 100), Err(ChunkError::BadName(_))));
    }

    #[test]
    fn compressed_chunks_inflate_under_the_cap() {
        let content = vec![b'a'; 10_000];
        let name = sha1_hex(&content);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&content).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(decode(&name, Encoding::Gzip, &gz, 10_000).unwrap().len(), 10_000);
        assert!(matches!(decode(&name, Encoding::Gzip, &gz, 9_999), Err(ChunkError::TooLarge { .. })));
        let zst = zstd::encode_all(&content[..], 3).unwrap();
        assert_eq!(decode(&name, Encoding::Zstd, &zst, 10_000).unwrap().len(), 10_000);
        assert!(matches!(decode(&name, Encoding::Zstd, b"not zstd", 10), Err(ChunkError::BadEncoding { .. })));
    }
}
