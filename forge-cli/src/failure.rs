//! How a command fails: one clear sentence, an optional hint, and an exit code
//! (1 = the command ran and found a problem, 2 = bad input or an error).

use std::fmt;

#[derive(Debug)]
pub struct Failure {
    message: String,
    hint: Option<String>,
    exit_code: u8,
}

impl Failure {
    /// Bad input or an error: exit 2.
    pub fn error(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: None,
            exit_code: 2,
        }
    }

    /// The command ran and found a problem: exit 1.
    pub fn problem(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            hint: None,
            exit_code: 1,
        }
    }

    /// Whoever read the output stopped (a closed pipe: `| head -1`): the
    /// command ends there, quietly and successfully, as `cat` or ripgrep do.
    pub fn reader_gone() -> Self {
        Failure {
            message: String::new(),
            hint: None,
            exit_code: 0,
        }
    }

    /// A failure with nothing to say ([`Failure::reader_gone`]).
    pub fn is_silent(&self) -> bool {
        self.message.is_empty()
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    pub fn exit_code(&self) -> u8 {
        self.exit_code
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Any error of the core library becomes a one-sentence failure (exit 2).
impl<E: std::error::Error> From<E> for Failure {
    fn from(error: E) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Failure::error(message)
    }
}

pub type CommandResult<T = std::process::ExitCode> = Result<T, Failure>;
