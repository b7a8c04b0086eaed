//! The `period` query parameter: `1h`, `24h`, `7d`, `14d`, `30d`, `90d`
//! (a number and `h` or `d`, up to a year).

use super::error::ApiError;

/// A look-back window ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub seconds: u32,
}

impl Period {
    /// Parses `24h`, `14d` and the like.
    pub fn parse(raw: &str) -> Result<Period, ApiError> {
        let bad = || ApiError::Validation(format!("period {raw:?} is not like 24h or 14d (at most 365d)"));
        let raw = raw.trim();
        // Split off the last character, not the last byte: `raw` is whatever the client sent.
        let unit_at = raw.char_indices().next_back().map_or(0, |(i, _)| i);
        let (n, unit) = raw.split_at(unit_at);
        let n: u32 = n.parse().map_err(|_| bad())?;
        let seconds = match unit {
            "h" => n.checked_mul(3600),
            "d" => n.checked_mul(86_400),
            _ => None,
        }
        .filter(|s| *s > 0 && *s <= 365 * 86_400)
        .ok_or_else(bad)?;
        Ok(Period { seconds })
    }

    /// Returns the window's start, epoch seconds.
    pub fn since(self) -> u32 {
        (chrono::Utc::now().timestamp() as u32).saturating_sub(self.seconds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_parse_and_bad_ones_are_refused() {
        assert_eq!(Period::parse("24h").unwrap().seconds, 86_400);
        assert_eq!(Period::parse("14d").unwrap().seconds, 14 * 86_400);
        for bad in ["", "d", "0h", "5w", "-1d", "999d", "abc"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_period_ending_in_a_multibyte_character_is_refused_not_a_panic() {
        // Found by schemathesis (scripts/test-api-fuzz.sh): `?period=` ending in U+8367D
        // made the handler slice inside the character and drop the connection.
        let raw = std::str::from_utf8(b"\xc2\x9d\xf2\x8b\xa4\xa6\xf1\xb1\x9e\x99\xc3\xbe>6\xf3\xa0\xb7\x85\xf4\x82\xa5\x9c\xc2\x80\x0e\xc3\xad\xf2\x83\x99\xbd").unwrap();
        assert!(matches!(Period::parse(raw), Err(ApiError::Validation(_))));
        for bad in ["1\u{e9}", "\u{1f600}", "7\u{64}\u{301}", "24\u{2095}"] {
            assert!(Period::parse(bad).is_err(), "{bad:?}");
        }
    }
}
