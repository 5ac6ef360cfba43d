//! `set_user`: user ids are hashed (SHA-256 over a per-install random salt and the id)
//! before they touch telemetry, so the backend can count and correlate users without
//! learning who they are.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use otel_sessions_engine::files;

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

    /// The salt, made when there is none (or what is there is not one). An error of the
    /// system's (too many open files) is returned as it is: the salt may be fine, and a new one
    /// would silently give every user a new hash.
    fn salt(&self) -> io::Result<String> {
        match files::read_regular(&self.path) {
            Ok(b) if b.len() == 64 && b.iter().all(u8::is_ascii_hexdigit) => {
                return Ok(String::from_utf8_lossy(&b).into_owned());
            }
            Ok(_) => {} // damaged: a new salt
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::InvalidData
                ) => {}
            Err(e) => return Err(e),
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
        let salt: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = self.path.with_extension("tmp");
        let _ = fs::remove_file(&tmp);
        files::open_no_wait(fs::OpenOptions::new().write(true).create_new(true), &tmp)?
            .write_all(salt.as_bytes())?;
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

    #[test]
    fn a_fifo_or_garbage_in_place_of_the_salt_gets_a_new_salt_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SALT_FILE);
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let d = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let _ = tx.send(UserHasher::new(&d).hash("alice"));
        });
        // Reading the FIFO would wait for a writer for ever (on the app's thread: set_user).
        let first = rx
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("hash returns without waiting on the FIFO")
            .unwrap();
        assert!(path.is_file(), "a salt file replaced the FIFO");
        let h = UserHasher::new(dir.path());
        assert_eq!(h.hash("alice").unwrap(), first, "and it is kept");
        fs::write(&path, "not a salt").unwrap();
        assert_ne!(h.hash("alice").unwrap(), first, "garbage: a new salt");
    }
}
