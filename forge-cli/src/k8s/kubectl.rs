//! The kubectl program: how Forge calls it (`get pods`, `port-forward`) and
//! how its failures read. The password is never on its command line.

use std::io::ErrorKind;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::failure::Failure;

/// How long `kubectl get pods` may take (an unreachable cluster can hang).
const GET_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Kubectl {
    program: String,
    context: Option<String>,
}

impl Kubectl {
    pub fn new(program: &str, context: Option<&str>) -> Kubectl {
        Kubectl {
            program: program.to_string(),
            context: context.map(str::to_string),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(&self.program);
        command.args(args);
        if let Some(context) = &self.context {
            command.arg("--context").arg(context);
        }
        command.stdin(Stdio::null()).kill_on_drop(true);
        command
    }

    /// `kubectl get pods -n NS -l SELECTOR -o json`: the JSON pod list.
    pub async fn get_pods(&self, namespace: &str, selector: &str) -> Result<String, Failure> {
        let mut command =
            self.command(&["get", "pods", "-n", namespace, "-l", selector, "-o", "json"]);
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let output = match tokio::time::timeout(GET_TIMEOUT, command.output()).await {
            Err(_) => {
                return Err(Failure::error(format!(
                    "kubectl did not answer within {}s when listing the pods in namespace `{namespace}`",
                    GET_TIMEOUT.as_secs()
                ))
                .with_hint(self.cluster_hint()))
            }
            Ok(Err(e)) => return Err(self.spawn_failure(e)),
            Ok(Ok(output)) => output,
        };
        if !output.status.success() {
            let stderr = one_line(&String::from_utf8_lossy(&output.stderr));
            let hint = if stderr.contains("unable to parse requirement")
                || stderr.contains("selector")
            {
                "check the label selector ([k8s] selector or --selector), written key=value[,key=value]".to_string()
            } else {
                self.cluster_hint()
            };
            return Err(Failure::error(format!(
                "kubectl could not list the pods in namespace `{namespace}` with selector `{selector}`: {stderr}"
            ))
            .with_hint(hint));
        }
        String::from_utf8(output.stdout)
            .map_err(|_| Failure::error("kubectl printed a pod list that is not UTF-8"))
    }

    /// The `kubectl port-forward` command (not started): it listens on
    /// 127.0.0.1 only, where Forge probes it.
    pub fn port_forward(
        &self,
        namespace: &str,
        pod: &str,
        local_port: u16,
        remote_port: u16,
    ) -> Command {
        let target = format!("pod/{pod}");
        let ports = format!("{local_port}:{remote_port}");
        self.command(&[
            "port-forward",
            "-n",
            namespace,
            &target,
            &ports,
            "--address",
            "127.0.0.1",
        ])
    }

    /// A failure to start kubectl at all, as one sentence.
    pub fn spawn_failure(&self, error: std::io::Error) -> Failure {
        match error.kind() {
            ErrorKind::NotFound => Failure::error(format!(
                "kubectl was not found: `{}` is not on PATH or does not exist",
                self.program
            ))
            .with_hint(
                "install kubectl, or set [k8s] kubectl in forge.toml (or --kubectl) to its path",
            ),
            ErrorKind::PermissionDenied => Failure::error(format!(
                "`{}` cannot be run: permission denied",
                self.program
            ))
            .with_hint("set [k8s] kubectl in forge.toml (or --kubectl) to an executable kubectl"),
            _ => Failure::error(format!("cannot run `{}`: {error}", self.program)),
        }
    }

    fn cluster_hint(&self) -> String {
        match &self.context {
            Some(context) => format!("check that the cluster of context `{context}` is reachable (kubectl --context {context} get pods), or pass another --context"),
            None => "check that the cluster is reachable and the current context is the right one (kubectl config current-context), or pass --context".to_string(),
        }
    }
}

/// How many of kubectl's distinct lines an error quotes (its last ones: the
/// final `error: ...` line says what ended it).
const QUOTED_LINES: usize = 3;
/// The longest a quoted line may be.
const QUOTED_LINE_CHARS: usize = 240;

/// kubectl's stderr as one short line, without klog's `E0101
/// 12:00:00.000000 file.go:42] ` prefixes. A port-forward logs the same error
/// for every connection it fails to relay: each line is quoted once, and only
/// the last few distinct ones.
pub(super) fn one_line(text: &str) -> String {
    let mut distinct: Vec<&str> = Vec::new();
    for line in text
        .lines()
        .map(|l| strip_klog_prefix(l.trim()))
        .filter(|l| !l.is_empty())
    {
        distinct.retain(|seen| *seen != line);
        distinct.push(line);
    }
    if distinct.is_empty() {
        return "it printed no error message".to_string();
    }
    let skipped = distinct.len().saturating_sub(QUOTED_LINES);
    let quoted: Vec<String> = distinct[skipped..]
        .iter()
        .map(|line| shorten(line))
        .collect();
    let mut text = quoted.join("; ");
    if skipped > 0 {
        text = format!("... {text}");
    }
    text
}

fn shorten(line: &str) -> String {
    if line.chars().count() <= QUOTED_LINE_CHARS {
        return line.to_string();
    }
    let kept: String = line.chars().take(QUOTED_LINE_CHARS).collect();
    format!("{kept}...")
}

fn strip_klog_prefix(line: &str) -> &str {
    let bytes = line.as_bytes();
    let klog = bytes.len() > 5
        && matches!(bytes[0], b'E' | b'W' | b'I' | b'F')
        && bytes[1..5].iter().all(u8::is_ascii_digit)
        && bytes[5] == b' ';
    match line.split_once("] ") {
        Some((_, rest)) if klog => rest.trim(),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stderr_becomes_one_line_without_klog_prefixes() {
        let text = "E0101 12:00:00.000000 portforward.go:413] an error occurred\nerror: lost connection to pod\n";
        assert_eq!(
            one_line(text),
            "an error occurred; error: lost connection to pod"
        );
    }

    #[test]
    fn repeated_log_lines_are_quoted_once_and_the_last_ones_kept() {
        let repeated = "E0101 12:00:00.000000 portforward.go:413] an error occurred forwarding 54320 -> 5432: connection refused\n".repeat(40);
        let text = format!("{repeated}W0101 12:00:01.000000 x.go:1] retrying\n{repeated}error: lost connection to pod\n");
        let line = one_line(&text);
        assert_eq!(
            line,
            "retrying; an error occurred forwarding 54320 -> 5432: connection refused; error: lost connection to pod"
        );
        let many: String = (0..10).map(|i| format!("line {i}\n")).collect();
        assert_eq!(one_line(&many), "... line 7; line 8; line 9");
        assert!(one_line(&"x".repeat(5000)).len() < 300);
    }
}
