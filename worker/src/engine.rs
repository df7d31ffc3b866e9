//! The target-neutral engine: answers [`Command`]s and tracks its status.
//!
//! Nothing here touches the browser, so every behaviour is tested natively;
//! the `browser` module only moves messages in and out of the worker.

use crate::protocol::{decode, Command, EngineError, EngineStatus, FromEngine, Reply, ToEngine};

/// The engine's version, shown to the user so bug reports name the build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The engine. One instance lives in the worker for the app's lifetime.
#[derive(Debug)]
pub struct Engine {
    status: EngineStatus,
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

impl Engine {
    pub fn new() -> Self {
        Self {
            status: EngineStatus::Starting,
        }
    }

    pub fn status(&self) -> &EngineStatus {
        &self.status
    }

    /// Marks the engine ready to serve requests.
    pub fn ready(&mut self) -> &EngineStatus {
        self.status = EngineStatus::Ready {
            version: VERSION.to_owned(),
        };
        &self.status
    }

    /// Marks the engine unusable, with a message the user can act on.
    pub fn fail(&mut self, message: impl Into<String>) -> &EngineStatus {
        self.status = EngineStatus::Failed {
            message: message.into(),
        };
        &self.status
    }

    /// Answers one command.
    pub fn handle(&mut self, command: Command) -> Result<Reply, EngineError> {
        match command {
            Command::GetStatus => Ok(Reply::Status {
                status: self.status.clone(),
            }),
        }
    }

    /// Reads one raw message from the app and produces what to send back.
    ///
    /// Input from the page is untrusted: a message that cannot be read is
    /// answered with [`EngineError::MalformedMessage`], never a panic.
    pub fn receive(&mut self, raw: &str) -> FromEngine {
        match decode::<ToEngine>(raw) {
            Ok(ToEngine::Request { id, command }) => FromEngine::Response {
                id,
                outcome: self.handle(command),
            },
            Err(error) => FromEngine::Event(crate::protocol::Event::Rejected {
                error: EngineError::MalformedMessage {
                    reason: error.to_string(),
                },
            }),
        }
    }
}
