//! Two-factor log-in codes: TOTP (RFC 6238: HMAC-SHA1, 6 digits, 30-second
//! steps, one step of clock skew either way) through `totp-rs`, one-time
//! recovery codes, and the QR code that carries the `otpauth://` URI to an
//! authenticator app. A TOTP secret must be readable to check codes, so it is
//! stored as base32; recovery codes are random and stored only as hashes.
//! A code is accepted once: the caller records the matched step and refuses
//! a step that is not newer (RFC 6238 §5.2).

use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use totp_rs::{Builder, Secret, Totp};

use super::secret;

/// The issuer shown in authenticator apps.
pub const ISSUER: &str = "Sightline";
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;

/// Creates a random 160-bit secret (RFC 4226's recommended size), base32-encoded.
pub fn new_secret() -> SecretString {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    SecretString::from(Secret::from(bytes.to_vec()).to_base32())
}

fn totp(secret_b32: &SecretString, account: &str) -> anyhow::Result<Totp> {
    let secret = Secret::try_from_base32(secret_b32.expose_secret())
        .map_err(|e| anyhow::anyhow!("stored TOTP secret is not base32: {e:?}"))?;
    // totp-rs refuses a ':' in the account name (it separates issuer and account).
    let account = account.replace(':', "_");
    Builder::new()
        .with_secret(secret)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot build TOTP: {e:?}"))
}

/// Returns the `otpauth://totp/…` URI for `account` (the user's e-mail).
pub fn otpauth_uri(secret_b32: &SecretString, account: &str) -> anyhow::Result<String> {
    totp(secret_b32, account)?.to_url().map_err(|e| anyhow::anyhow!("cannot build otpauth URI: {e:?}"))
}

/// Renders `text` as an SVG QR code (black on white, with its quiet zone),
/// without the XML declaration so that it can be placed inside HTML.
pub fn qr_svg(text: &str) -> anyhow::Result<String> {
    let code = qrcode::QrCode::new(text.as_bytes())?;
    let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(200, 200).build();
    let start = svg.find("<svg").ok_or_else(|| anyhow::anyhow!("the QR renderer made no <svg> element"))?;
    Ok(svg[start..].to_string())
}

/// Returns the time step a 6-digit `code` matches now, if any.
pub fn matching_step(secret_b32: &SecretString, code: &str) -> anyhow::Result<Option<u64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(None);
    }
    Ok(totp(secret_b32, "")?.check_current(&code))
}

/// Returns true when `code` looks like a TOTP code (digits only) rather than a recovery code.
pub fn is_totp_shaped(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit())
}

/// Creates fresh recovery codes as shown to the user (`xxxxx-xxxxx`, 50 random bits each).
pub fn new_recovery_codes() -> Vec<String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut rng = rand::rng();
    (0..RECOVERY_CODES)
        .map(|_| {
            let chars: String = (0..10).map(|_| ALPHABET[(rng.next_u32() % 32) as usize] as char).collect();
            format!("{}-{}", &chars[..5], &chars[5..])
        })
        .collect()
}

/// Hashes a recovery code for storage and lookup, ignoring case, spaces and dashes.
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    secret::hash(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_code_matches_once_per_step_and_others_do_not() {
        let s = new_secret();
        let now = totp(&s, "").unwrap().generate_current().to_string();
        assert!(matching_step(&s, &now).unwrap().is_some());
        assert!(matching_step(&s, &format!("{} {}", &now[..3], &now[3..])).unwrap().is_some(), "spaces are ignored");
        let wrong = format!("{:06}", (now.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert_eq!(matching_step(&s, &wrong).unwrap(), None);
        assert_eq!(matching_step(&s, "12345").unwrap(), None);
        assert_eq!(matching_step(&s, "abcdef").unwrap(), None);
    }

    #[test]
    fn the_uri_and_qr_code_carry_the_secret() {
        let s = new_secret();
        let uri = otpauth_uri(&s, "ada:x@example.com").unwrap();
        assert!(uri.starts_with("otpauth://totp/Sightline:"), "{uri}");
        assert!(uri.contains(&format!("secret={}", s.expose_secret())), "{uri}");
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_loosely() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes.iter().collect::<std::collections::HashSet<_>>().len(), RECOVERY_CODES);
        assert_eq!(recovery_hash(&codes[0]), recovery_hash(&codes[0].to_uppercase().replace('-', " ")));
        assert!(!is_totp_shaped(&codes[0]) && is_totp_shaped("123 456"));
    }
}
