//! `set_user`: user ids are hashed (SHA-256 over a per-install random salt and the id)
//! before they touch telemetry, so the backend can count and correlate users without
//! learning who they are.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const SALT_FILE: &str = "user-salt";

/// A per-install salt, created on first use and kept in the storage directory.
pub(crate) struct UserHasher {
    path: PathBuf,
}

impl UserHasher {
    pub fn new(storage_dir: &Path) -> Self {
        UserHasher {
            path: storage_dir.join(SALT_FILE),
        }
    }

    /// The salt file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hex SHA-256 of salt ‖ id.
    pub fn hash(&self, id: &str) -> io::Result<String> {
        let salt = self.salt()?;
        let mut h = Sha256::new();
        h.update(salt.as_bytes());
        h.update([0u8]);
        h.update(id.as_bytes());
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Forgets the salt: the same user hashes differently afterwards.
    pub fn forget(&self) {
        let _ = fs::remove_file(&self.path);
    }

    fn salt(&self) -> io::Result<String> {
        if let Ok(s) = fs::read_to_string(&self.path) {
            if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Ok(s);
            }
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
        let salt: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = self.path.with_extension("tmp");
        fs::write(&tmp, &salt)?;
        fs::rename(&tmp, &self.path)?;
        Ok(salt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_install_same_hash_new_salt_new_hash() {
        let dir = tempfile::tempdir().unwrap();
        let h = UserHasher::new(dir.path());
        let a = h.hash("alice@example.com").unwrap();
        assert_eq!(a.len(), 64);
        assert!(!a.contains("alice"));
        assert_eq!(
            UserHasher::new(dir.path())
                .hash("alice@example.com")
                .unwrap(),
            a
        );
        assert_ne!(h.hash("bob").unwrap(), a);
        h.forget();
        assert_ne!(h.hash("alice@example.com").unwrap(), a);
    }
}
