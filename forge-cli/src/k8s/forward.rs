//! `kubectl port-forward` as a supervised child process: a local port that is
//! free (or picked), readiness by a TCP probe with a deadline, kubectl's own
//! stderr when it dies, and a teardown that kills its whole process group
//! (kubectl may be a wrapper script whose own child does the forwarding) and
//! reaps it, on every path.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::process::Child;
use tokio::task::JoinHandle;

use super::kubectl::{one_line, Kubectl};
use crate::failure::Failure;

const PROBE_INTERVAL: Duration = Duration::from_millis(50);
const PROBE_TIMEOUT: Duration = Duration::from_millis(250);
/// kubectl's messages are short; keep at most this much of its stderr.
const STDERR_LIMIT: usize = 16 * 1024;

pub struct PortForward {
    child: Child,
    port: u16,
    description: String,
    stderr: Arc<Mutex<String>>,
    readers: Vec<JoinHandle<()>>,
}

impl PortForward {
    /// Starts `kubectl port-forward` to `pod` (it is not ready yet: see
    /// [`PortForward::wait_ready`]). `local_port` 0 picks a free port; a busy
    /// one is an error, because a probe would otherwise reach whatever holds it.
    pub fn spawn(
        kubectl: &Kubectl,
        namespace: &str,
        pod: &str,
        local_port: u16,
        remote_port: u16,
    ) -> Result<PortForward, Failure> {
        let port = local_port_to_use(local_port)?;
        let mut command = kubectl.port_forward(namespace, pod, port, remote_port);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        // Its own process group, so teardown reaches whatever it starts.
        command.process_group(0);
        die_with_parent(&mut command);
        let mut child = command.spawn().map_err(|e| kubectl.spawn_failure(e))?;
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut readers = Vec::new();
        // Both pipes are drained: kubectl logs every connection to stdout and
        // would block once a full pipe stops being read.
        if let Some(out) = child.stdout.take() {
            readers.push(tokio::spawn(drain(out, None)));
        }
        if let Some(err) = child.stderr.take() {
            readers.push(tokio::spawn(drain(err, Some(stderr.clone()))));
        }
        Ok(PortForward {
            child,
            port,
            description: format!("pod/{pod} in namespace `{namespace}`"),
            stderr,
            readers,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits until the local port accepts connections, kubectl exits (its
    /// stderr is the error), or `timeout` passes.
    pub async fn wait_ready(&mut self, timeout: Duration) -> Result<(), Failure> {
        let deadline = Instant::now() + timeout;
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        loop {
            if let Some(stderr) = self.exited().await {
                return Err(Failure::error(format!("kubectl port-forward to {} exited before the port answered: {stderr}", self.description))
                    .with_hint("check the pod with `kubectl get pods` and `kubectl describe pod`, then run the command again"));
            }
            if let Ok(Ok(_probe)) =
                tokio::time::timeout(PROBE_TIMEOUT, TcpStream::connect(address)).await
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(Failure::error(format!(
                    "the port-forward to {} did not answer on 127.0.0.1:{} within {}s",
                    self.description,
                    self.port,
                    timeout.as_secs_f32()
                ))
                .with_hint("the cluster may be slow or unreachable; raise [k8s] forward_timeout in forge.toml or check the pod"));
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    }

    /// When kubectl has exited: what it said on stderr.
    pub async fn exited(&mut self) -> Option<String> {
        let status = self.child.try_wait().ok().flatten()?;
        // Its pipes close with it: let the readers collect the last words.
        for reader in self.readers.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(1), reader).await;
        }
        let said = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
        let code = status
            .code()
            .map_or_else(|| "a signal".to_string(), |c| format!("code {c}"));
        Some(format!("{} (exit {code})", one_line(&said)))
    }

    /// Like [`PortForward::exited`], waiting up to `grace` for kubectl to exit.
    pub async fn exited_within(&mut self, grace: Duration) -> Option<String> {
        let deadline = Instant::now() + grace;
        loop {
            if let Some(said) = self.exited().await {
                return Some(said);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(PROBE_INTERVAL).await;
        }
    }

    /// Kills kubectl's process group and waits for kubectl, so no process is
    /// left behind.
    pub async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            // SAFETY: killpg only sends a signal; the group is kubectl's own
            // (process_group(0) at spawn), so it holds nothing of Forge.
            unsafe {
                libc::killpg(pid as libc::pid_t, libc::SIGKILL);
            }
        }
        let _ = self.child.start_kill();
        let _ = tokio::time::timeout(Duration::from_secs(5), self.child.wait()).await;
        for reader in self.readers.drain(..) {
            reader.abort();
        }
    }
}

/// The port to listen on: `0` picks a free one (bound, read, released); any
/// other must be free now.
fn local_port_to_use(requested: u16) -> Result<u16, Failure> {
    match TcpListener::bind((Ipv4Addr::LOCALHOST, requested)) {
        Ok(listener) => listener
            .local_addr()
            .map(|a| a.port())
            .map_err(|e| Failure::error(format!("cannot pick a free local port: {e}"))),
        Err(e) if requested == 0 => Err(Failure::error(format!("cannot pick a free local port: {e}"))),
        Err(_) => Err(Failure::error(format!("local port {requested} is already in use, so the port-forward cannot listen on it"))
            .with_hint("stop what listens there (a leftover port-forward?), pass --local-port N, or set [k8s] local_port = 0 to pick a free port")),
    }
}

async fn drain(mut pipe: impl tokio::io::AsyncRead + Unpin, keep: Option<Arc<Mutex<String>>>) {
    let mut buffer = [0u8; 4096];
    while let Ok(n) = pipe.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        if let Some(keep) = &keep {
            if let Ok(mut text) = keep.lock() {
                if text.len() < STDERR_LIMIT {
                    text.push_str(&String::from_utf8_lossy(&buffer[..n]));
                }
            }
        }
    }
}

/// On Linux, kubectl gets SIGTERM if Forge itself is killed (even by SIGKILL,
/// which no handler sees), so a forward never outlives the command.
#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut tokio::process::Command) {
    // SAFETY: prctl is async-signal-safe and touches nothing of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut tokio::process::Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_port_is_an_error_and_zero_picks_a_free_one() {
        let holder = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        let busy = holder.local_addr().unwrap().port();
        let failure = local_port_to_use(busy).unwrap_err();
        assert!(
            failure
                .message()
                .contains(&format!("local port {busy} is already in use")),
            "{}",
            failure.message()
        );
        assert_ne!(local_port_to_use(0).unwrap(), 0);
    }
}
