//! Passwords, stored as slow, salted hashes.
//!
//! A table of passwords is one leaked backup away from every account. So
//! the server keeps a **hash** instead: a one-way function of the password,
//! checked by hashing what was typed and comparing. Two more things make a
//! stolen table expensive to guess through:
//!
//! - a **salt**, 16 random bytes hashed in with each password, so two
//!   people with the same password get different hashes and no table of
//!   hashes computed in advance fits;
//! - a **slow** function, Argon2id, which costs memory and time on
//!   purpose: fine for one login, ruinous for a billion guesses.
//!
//! The stored string is a PHC string, `$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`:
//! the algorithm, its costs and the salt travel with the hash. The `argon2`
//! crate does the cryptography, and its comparison takes constant time.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// The shortest password an admin may have.
pub const MIN_PASSWORD_CHARS: usize = 8;

/// The Argon2id PHC string of `password`, with a fresh random salt.
///
/// # Errors
/// argon2's, if the operating system has no random bytes for the salt.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let mut bytes = [0u8; 16];
    getrandom::getrandom(&mut bytes).map_err(|_| argon2::password_hash::Error::Crypto)?;
    let salt = SaltString::encode_b64(&bytes)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored PHC string. Without one (no such
/// user) a dummy hash is checked all the same, so that the time a refusal
/// takes does not tell an attacker which names exist.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash_password("nobody's password").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_right_password_verifies_and_a_wrong_one_does_not() {
        let stored = hash_password("correct horse").unwrap();
        assert!(stored.starts_with("$argon2id$v=19$"), "{stored}");
        assert!(verify_password("correct horse", Some(&stored)));
        assert!(!verify_password("correct horsE", Some(&stored)));
        assert!(!verify_password("", Some(&stored)));
    }

    #[test]
    fn the_same_password_gets_a_different_salt_each_time() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn no_user_or_a_broken_hash_never_verifies() {
        assert!(!verify_password("nobody's password", None));
        assert!(!verify_password("x", Some("not a phc string")));
    }
}
