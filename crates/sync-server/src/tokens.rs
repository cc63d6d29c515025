//! Device tokens and pairing codes: how they are made and how they are kept.
//!
//! Owns: making both from the OS's random source, the canonical form of a
//! code as typed, and the SHA-256 hash that is all the storage ever holds.
//! A token is 32 random bytes, so a plain hash (no salt, no slow KDF) is
//! enough and lets a request find its device by the hash alone. Must not know
//! storage or HTTP. Neither a token nor a code is ever logged.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// What storage keeps of a token or a code.
pub type Hash = [u8; 32];

/// No 0/O, 1/I/L: a code is read aloud or typed from a screen.
const CODE_ALPHABET: &[u8; 31] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_GROUPS: usize = 4;
const CODE_GROUP_LEN: usize = 4;

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    // Without the OS's random source nothing secret can be made: fail loudly.
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    bytes
}

/// A new device token: 32 random bytes, base64url without padding.
pub fn new_token() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes::<32>())
}

/// A new pairing code: `XXXX-XXXX-XXXX-XXXX` from [`CODE_ALPHABET`] (about 79 bits).
pub fn new_code() -> String {
    let mut chars = Vec::with_capacity(CODE_GROUPS * CODE_GROUP_LEN);
    while chars.len() < CODE_GROUPS * CODE_GROUP_LEN {
        for byte in random_bytes::<32>() {
            // Bytes of 248 and above would favour the first letters: drop them.
            if usize::from(byte) < CODE_ALPHABET.len() * 8 && chars.len() < chars.capacity() {
                chars.push(CODE_ALPHABET[usize::from(byte) % CODE_ALPHABET.len()]);
            }
        }
    }
    chars
        .chunks(CODE_GROUP_LEN)
        .map(|group| std::str::from_utf8(group).expect("ASCII alphabet"))
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as the person typed it, in the form that was hashed: upper case,
/// without spaces or dashes.
pub fn canonical_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

pub fn hash(secret: &str) -> Hash {
    Sha256::digest(secret.as_bytes()).into()
}

/// The hash a code is stored and looked up by.
pub fn hash_code(typed: &str) -> Hash {
    hash(&canonical_code(typed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_32_bytes_of_base64url_and_differ() {
        let a = new_token();
        assert_eq!(URL_SAFE_NO_PAD.decode(&a).unwrap().len(), 32);
        assert_ne!(a, new_token());
    }

    #[test]
    fn codes_are_four_groups_of_the_alphabet_and_read_back_loosely() {
        let code = new_code();
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 4);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| CODE_ALPHABET.contains(&b)))
        );
        let typed = format!(" {} ", code.to_lowercase().replace('-', " "));
        assert_eq!(hash_code(&typed), hash_code(&code));
        assert_ne!(hash_code(&new_code()), hash_code(&code));
    }
}
