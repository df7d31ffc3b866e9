//! The account's live changes: `GET /api/account/events` is a server-sent
//! event stream (read over `fetch`, since an `EventSource` cannot carry the
//! NIP-98 header), one `account` event per change.
//!
//! Read here line by line with a bound: a server that never ends an event
//! would otherwise grow the buffer until the worker runs out of memory.

use futures::stream::LocalBoxStream;
use futures::{Stream, StreamExt};

use super::api::Changed;
use super::AccountError;

/// The longest event accepted; the server's are under 100 bytes.
const MAX_EVENT: usize = 16 * 1024;

/// The account's changes, in the order the server announced them.
pub struct Changes {
    chunks: LocalBoxStream<'static, Result<Vec<u8>, String>>,
    buffer: Vec<u8>,
}

impl Changes {
    pub(super) fn new<B: AsRef<[u8]>>(
        bytes: impl Stream<Item = reqwest::Result<B>> + 'static,
    ) -> Self {
        let chunks = bytes.map(|chunk| {
            chunk
                .map(|bytes| bytes.as_ref().to_vec())
                .map_err(|error| error.to_string())
        });
        Self::from_chunks(chunks)
    }

    fn from_chunks(chunks: impl Stream<Item = Result<Vec<u8>, String>> + 'static) -> Self {
        Self {
            chunks: chunks.boxed_local(),
            buffer: Vec::new(),
        }
    }

    /// The next change; `None` when the server ended the stream.
    pub async fn next(&mut self) -> Option<Result<Changed, AccountError>> {
        loop {
            while let Some(end) = event_end(&self.buffer) {
                let event: Vec<u8> = self.buffer.drain(..end).collect();
                if let Some(changed) = parse(&event) {
                    return Some(changed);
                }
            }
            if self.buffer.len() > MAX_EVENT {
                return Some(Err(AccountError::BadAnswer(format!(
                    "an account event over {MAX_EVENT} bytes"
                ))));
            }
            match self.chunks.next().await? {
                // CR LF line ends read as LF, so one search finds every
                // event's end (the server never ends a line with CR alone).
                Ok(chunk) => self
                    .buffer
                    .extend(chunk.into_iter().filter(|byte| *byte != b'\r')),
                Err(error) => return Some(Err(AccountError::Unreachable(error))),
            }
        }
    }
}

/// Where the first complete event in `buffer` ends (past its blank line).
fn event_end(buffer: &[u8]) -> Option<usize> {
    buffer
        .windows(2)
        .position(|pair| pair == b"\n\n")
        .map(|at| at + 2)
}

/// An `account` event's change; `None` for anything else (keep-alive
/// comments, other event names), which SSE says to skip.
fn parse(event: &[u8]) -> Option<Result<Changed, AccountError>> {
    let text = std::str::from_utf8(event).ok()?;
    let mut name = "message";
    let mut data = String::new();
    for line in text.lines() {
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match field {
            "event" => name = value,
            "data" => data.push_str(value),
            _ => {}
        }
    }
    (name == "account" && !data.is_empty()).then(|| {
        serde_json::from_str(&data).map_err(|error| AccountError::BadAnswer(error.to_string()))
    })
}

// Native only: the tests drive the stream with futures' executor, which the
// wasm32 build has not.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn changes(chunks: &[&str]) -> Changes {
        let chunks: Vec<Result<Vec<u8>, String>> = chunks
            .iter()
            .map(|chunk| Ok(chunk.as_bytes().to_vec()))
            .collect();
        Changes::from_chunks(futures::stream::iter(chunks))
    }

    #[test]
    fn reads_account_events_split_anywhere_and_skips_keep_alives() {
        let mut changes = changes(&[
            ":\n\nevent: acc",
            "ount\r\ndata: {\"balance_msat\":5000,\"version\":3}\r\n\r\n",
            "event: account\ndata: {\"balance_msat\":7000,\"version\":4}\n\n",
        ]);
        futures::executor::block_on(async {
            let first = changes.next().await.unwrap().unwrap();
            assert_eq!((first.balance_msat, first.version), (5000, 3));
            let second = changes.next().await.unwrap().unwrap();
            assert_eq!((second.balance_msat, second.version), (7000, 4));
            assert!(changes.next().await.is_none());
        });
    }

    #[test]
    fn an_event_that_never_ends_is_refused_instead_of_buffered() {
        let endless = "data: x".repeat(MAX_EVENT);
        let mut changes = changes(&[&endless, &endless]);
        let outcome = futures::executor::block_on(changes.next());
        assert!(matches!(outcome, Some(Err(AccountError::BadAnswer(_)))));
    }

    #[test]
    fn a_garbled_account_event_is_an_error_not_a_balance() {
        let mut changes = changes(&["event: account\ndata: {\"balance\":\"lots\"}\n\n"]);
        let outcome = futures::executor::block_on(changes.next());
        assert!(matches!(outcome, Some(Err(AccountError::BadAnswer(_)))));
    }
}
