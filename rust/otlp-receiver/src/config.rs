//! Settings of a [`Receiver`](crate::Receiver): port, socket timeouts, body limit.

use std::time::Duration;

/// Default limit on a request body, on the wire and after decompression: 64 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024 * 1024;
/// Default read and write timeout of a connection socket: 30 s.
pub const DEFAULT_SOCKET_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of a [`Receiver`](crate::Receiver), built with chained setters:
///
/// ```
/// use std::time::Duration;
/// use otlp_receiver::{Receiver, ReceiverConfig};
///
/// let receiver = Receiver::start_with(
///     ReceiverConfig::default().read_timeout(Duration::from_secs(2)),
/// )?;
/// receiver.stop();
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiverConfig {
    pub(crate) port: u16,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) write_timeout: Option<Duration>,
    pub(crate) max_body_bytes: usize,
}

impl Default for ReceiverConfig {
    /// Ephemeral port, 30 s socket timeouts, 64 MiB body limit.
    fn default() -> Self {
        ReceiverConfig {
            port: 0,
            read_timeout: Some(DEFAULT_SOCKET_TIMEOUT),
            write_timeout: Some(DEFAULT_SOCKET_TIMEOUT),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

impl ReceiverConfig {
    /// The port to bind on 127.0.0.1; 0 (the default) lets the system pick a free one.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long a connection may stay silent while the receiver waits for bytes (the next
    /// request head on an idle keep-alive connection, or the rest of a head or body) before
    /// it is closed. `Duration::ZERO` means no limit.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = non_zero(timeout);
        self
    }

    /// How long writing an answer may block on a client that does not read before the
    /// connection is dropped. `Duration::ZERO` means no limit.
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = non_zero(timeout);
        self
    }

    /// The largest request body accepted, in bytes, both as sent and after gzip is undone;
    /// larger bodies are answered 413. A declared `Content-Length` above it is refused
    /// without reading the body.
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }
}

fn non_zero(timeout: Duration) -> Option<Duration> {
    (!timeout.is_zero()).then_some(timeout)
}
