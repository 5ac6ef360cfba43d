//! Files of the storage directory, opened without ever waiting on them.
//!
//! A FIFO put in place of one of the library's files (a damaged or tampered directory) would
//! block a plain `open` until another process opens its other end, and a read of it until
//! someone writes: a thread of the library, or the app's, would hang. These open with
//! `O_NONBLOCK`, which changes nothing for a regular file, and the readers accept only regular
//! files. The engine's state store uses them, and so do the telemetry crate's journal, outbox
//! and salt.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` with `options`, never waiting (see the module doc).
pub fn open_no_wait(options: &mut OpenOptions, path: &Path) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Opens the regular file at `path` for reading, never waiting; returns it with its length.
/// A FIFO, a directory or a device in its place is an [`io::ErrorKind::InvalidData`] error:
/// what is there is not the file and never will be. Any other error (not found, too many open
/// files, permissions) is the system's, as it reported it.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let file = open_no_wait(OpenOptions::new().read(true), path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "not a regular file",
        ));
    }
    Ok((file, meta.len()))
}

/// Whether an error of these functions may pass: the system refused for now (too many open
/// files, no memory, an I/O error, permissions), as opposed to [`io::ErrorKind::NotFound`] (the
/// file is not there) and [`io::ErrorKind::InvalidData`] (what is there is not the file). A file
/// refused this way may be whole: its reader tries it again before giving it up (the state
/// store for 130 ms, the journal and the outbox for a minute).
pub fn may_pass(e: &io::Error) -> bool {
    !matches!(
        e.kind(),
        io::ErrorKind::NotFound | io::ErrorKind::InvalidData
    )
}

/// Reads the whole regular file at `path`, never waiting (see [`open_regular`]).
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let (mut file, len) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read_and_a_fifo_never_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("file");
        std::fs::write(&file, b"bytes").unwrap();
        assert_eq!(read_regular(&file).unwrap(), b"bytes");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        // Without O_NONBLOCK the open itself would wait here for a writer, for ever.
        for odd in [fifo, dir.path().to_path_buf()] {
            let e = read_regular(&odd).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidData, "{}", odd.display());
        }
        let missing = read_regular(&dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }
}
