//! Random secrets that are shown once and stored only as SHA-256 hashes:
//! session tokens, password-reset and invite tokens, API tokens. A leaked
//! database therefore holds nothing that logs anyone in.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Creates a random URL-safe secret, prefixed (e.g. `slt_` for API tokens).
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Hashes a secret for storage and lookup.
pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_unique_prefixed_and_hash_stably() {
        let a = generate("slt_");
        let b = generate("slt_");
        assert!(a.starts_with("slt_") && a.len() > 40);
        assert_ne!(a, b);
        assert_eq!(hash(&a), hash(&a));
        assert_eq!(hash(&a).len(), 64);
    }
}
