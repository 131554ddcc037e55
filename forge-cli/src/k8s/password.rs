//! The database password: `POSTGRES_PASSWORD`, else a hidden prompt on a
//! terminal, else a clear error; and a writer that keeps it out of output.

use std::future::Future;
use std::io::{IsTerminal, Write};

use crate::config::Secret;
use crate::failure::Failure;
use crate::output::Output;

/// The password for `user`: the configured one (POSTGRES_PASSWORD), else asked
/// on the terminal without echo. Without a terminal, an error (exit 2).
/// `interrupted` resolves (to the signal's name) when Ctrl-C or SIGTERM
/// arrives: the prompt then ends at once, with the terminal's echo restored.
pub async fn resolve_password(
    configured: Option<&Secret>,
    user: &str,
    target: &str,
    interrupted: impl Future<Output = &'static str>,
) -> Result<Secret, Failure> {
    if let Some(secret) = configured {
        return Ok(secret.clone());
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::error(format!(
            "no password for database user `{user}`: POSTGRES_PASSWORD is not set and there is no terminal to ask on"
        ))
        .with_hint("set POSTGRES_PASSWORD in the environment or in .env"));
    }
    let password = prompt(&format!("Password for `{user}` on {target}: "), interrupted)
        .await
        .map_err(|e| Failure::error(format!("cannot read the password from the terminal: {e}")))?
        .map_err(|signal| {
            Failure::error(format!(
                "interrupted by {signal} at the password prompt; nothing was run"
            ))
        })?;
    if password.is_empty() {
        return Err(Failure::error("no password was entered")
            .with_hint("set POSTGRES_PASSWORD to skip the prompt"));
    }
    Ok(Secret::new(password))
}

/// Reads one line from the terminal on stdin with echo off (restored after,
/// also when reading fails or a signal ends the prompt: `Err(signal)`).
///
/// The line is read on a thread of its own: the signal handlers Forge
/// installs keep Ctrl-C from killing the process, so a read on this thread
/// would swallow it until Enter. The reading thread is left blocked on a
/// prompt that was interrupted; the process ends right after.
async fn prompt(
    text: &str,
    interrupted: impl Future<Output = &'static str>,
) -> std::io::Result<Result<String, &'static str>> {
    // Echo off before the prompt shows: nothing typed after it is echoed.
    let echo = EchoOff::new()?;
    let mut stderr = std::io::stderr();
    write!(stderr, "{text}")?;
    stderr.flush()?;
    let (sender, line) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().read_line(&mut line).map(|_| line);
        let _ = sender.send(read);
    });
    let outcome = tokio::select! {
        read = line => Ok(read.unwrap_or_else(|_| Err(std::io::Error::other("the reading thread ended")))),
        signal = interrupted => Err(signal),
    };
    drop(echo);
    writeln!(stderr)?;
    match outcome {
        Ok(read) => Ok(Ok(read?.trim_end_matches(['\n', '\r']).to_string())),
        Err(signal) => Ok(Err(signal)),
    }
}

/// Terminal echo switched off on stdin for as long as it lives.
struct EchoOff {
    saved: libc::termios,
}

impl EchoOff {
    fn new() -> std::io::Result<EchoOff> {
        // SAFETY: tcgetattr/tcsetattr on fd 0 with a termios we own.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut quiet = saved;
            quiet.c_lflag &= !libc::ECHO;
            quiet.c_lflag |= libc::ECHONL;
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &quiet) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(EchoOff { saved })
        }
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        // SAFETY: restores the attributes read in `new`.
        unsafe {
            libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &self.saved);
        }
    }
}

/// Writes to an [`Output`], replacing every occurrence of the secrets with
/// `***` (whole lines at a time, so a secret split across writes is caught).
pub struct Redacting<'o, 'w> {
    out: &'o mut Output<'w>,
    secrets: Vec<String>,
    pending: Vec<u8>,
}

impl<'o, 'w> Redacting<'o, 'w> {
    pub fn new(out: &'o mut Output<'w>, secrets: Vec<String>) -> Self {
        let secrets = secrets.into_iter().filter(|s| !s.is_empty()).collect();
        Redacting {
            out,
            secrets,
            pending: Vec::new(),
        }
    }

    /// `text` with the secrets replaced.
    pub fn scrub(secrets: &[String], text: &str) -> String {
        secrets
            .iter()
            .filter(|s| !s.is_empty())
            .fold(text.to_string(), |text, secret| {
                text.replace(secret.as_str(), "***")
            })
    }

    fn emit(&mut self, upto: usize) -> std::io::Result<()> {
        let chunk: Vec<u8> = self.pending.drain(..upto).collect();
        let text = Self::scrub(&self.secrets, &String::from_utf8_lossy(&chunk));
        self.out
            .text(text)
            .map_err(|f| std::io::Error::other(f.message().to_string()))
    }
}

impl Write for Redacting<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.pending.extend_from_slice(buf);
        if let Some(last_newline) = self.pending.iter().rposition(|b| *b == b'\n') {
            self.emit(last_newline + 1)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let all = self.pending.len();
        self.emit(all)
    }
}

impl Drop for Redacting<'_, '_> {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_split_across_writes_is_still_redacted() {
        let mut buffer = Vec::new();
        {
            let mut out = Output::new(&mut buffer, false);
            let mut redacting = Redacting::new(&mut out, vec!["hunter2".to_string()]);
            redacting.write_all(b"url postgres://u:hun").unwrap();
            redacting.write_all(b"ter2@h/d\ntail hunter2").unwrap();
        }
        assert_eq!(
            String::from_utf8(buffer).unwrap(),
            "url postgres://u:***@h/d\ntail ***"
        );
    }
}
