//! `k8s db migrate ...` and `k8s db verify`: the same commands against a
//! deployment in Kubernetes — through a kubectl port-forward to the bundled
//! PostgreSQL (found by label, always torn down: after success, an error,
//! Ctrl-C or SIGTERM), or straight to an external database over TLS.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use forge_core::graph::RevisionSpec;
use forge_core::verify::Transport;
use tokio::signal::unix::{signal, Signal, SignalKind};

use super::migrate::{self, MigrateCommand};
use super::verify;
use crate::cli::{K8sArgs, K8sCommand, K8sDbCommand, K8sTarget, VerifyArgs};
use crate::config::{Config, K8sConfig, Secret};
use crate::failure::{CommandResult, Failure};
use crate::k8s::{self, Kubectl, PortForward, Redacting};
use crate::output::Output;

/// What runs once the database is reachable.
enum Work {
    Migrate(MigrateCommand),
    Verify(VerifyArgs),
}

impl Work {
    async fn run(
        self,
        config: &Config,
        transport: Transport,
        out: &mut Output<'_>,
    ) -> CommandResult<Option<ExitCode>> {
        match self {
            Work::Migrate(command) => migrate::exec(command, config, out).await,
            Work::Verify(args) => verify::exec(args, config, transport, out).await,
        }
    }
}

pub async fn exec(
    args: K8sArgs,
    config: &Config,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let mut config = config.clone();
    apply_flags(&args.target, &mut config.k8s);
    let work = match args.command {
        K8sCommand::Db(K8sDbCommand::Migrate(command)) if !needs_database(&command) => {
            // Work on the migration files alone: no pod, no forward, no password.
            return migrate::exec(command, &config, out).await;
        }
        K8sCommand::Db(K8sDbCommand::Migrate(command)) => Work::Migrate(command),
        K8sCommand::Db(K8sDbCommand::Verify(args)) => Work::Verify(args),
    };
    let mut interrupts = Interrupts::install()?;
    if config.k8s.bundled {
        bundled(work, config, out, &mut interrupts).await
    } else {
        external(work, config, out, &mut interrupts).await
    }
}

/// Flags win over the environment and forge.toml.
fn apply_flags(flags: &K8sTarget, k8s: &mut K8sConfig) {
    if let Some(namespace) = &flags.namespace {
        k8s.namespace = namespace.clone();
    }
    if let Some(context) = &flags.context {
        k8s.context = Some(context.clone());
    }
    if let Some(selector) = &flags.selector {
        k8s.selector = selector.clone();
    }
    if let Some(port) = flags.local_port {
        k8s.local_port = port;
    }
    if let Some(kubectl) = &flags.kubectl {
        k8s.kubectl = kubectl.clone();
    }
}

/// Whether the command reads or writes the database. Those that do not work
/// from the migration files alone: `heads`, `show`, `merge`, `revision
/// --no-autogenerate` (and `--merge`), offline SQL between two named
/// revisions (`upgrade`/`downgrade --sql FROM:TO`), `stamp --sql --purge` and
/// `check --offline`.
fn needs_database(command: &MigrateCommand) -> bool {
    let range = |revision: &str| {
        matches!(
            revision.parse::<RevisionSpec>(),
            Ok(RevisionSpec::Range { .. })
        )
    };
    match command {
        MigrateCommand::Heads(_) | MigrateCommand::Show(_) | MigrateCommand::Merge(_) => false,
        MigrateCommand::Revision(args) => !(args.no_autogenerate || args.merge),
        MigrateCommand::Upgrade(args) => !(args.sql && range(&args.revision)),
        MigrateCommand::Downgrade(args) => !(args.sql && range(&args.revision)),
        MigrateCommand::Stamp(args) => !(args.sql && args.purge),
        MigrateCommand::Check(args) => !args.offline,
        MigrateCommand::Current(_) | MigrateCommand::History(_) | MigrateCommand::Baseline(_) => {
            true
        }
    }
}

/// Bundled PostgreSQL: pod by label, port-forward, run, stop kubectl.
async fn bundled(
    work: Work,
    mut config: Config,
    out: &mut Output<'_>,
    interrupts: &mut Interrupts,
) -> CommandResult<Option<ExitCode>> {
    let k8s = config.k8s.clone();
    validate(&k8s)?;
    let target = format!(
        "database `{}` in namespace `{}`",
        k8s.database, k8s.namespace
    );
    let password =
        k8s::resolve_password(k8s.password.as_ref(), &k8s.user, &target, interrupts.recv()).await?;
    let kubectl = Kubectl::new(&k8s.kubectl, k8s.context.as_deref());
    let pods = tokio::select! {
        listed = kubectl.get_pods(&k8s.namespace, &k8s.selector) => listed?,
        name = interrupts.recv() => return Err(interrupted(name)),
    };
    let pod = k8s::choose_pod(&k8s::parse_pods(&pods)?, &k8s.namespace, &k8s.selector)?;
    let mut forward = PortForward::spawn(
        &kubectl,
        &k8s.namespace,
        &pod.name,
        k8s.local_port,
        k8s.remote_port,
    )?;
    let secrets = secrets(&password);
    let mut ready = false;
    let outcome = async {
        tokio::select! {
            answered = forward.wait_ready(Duration::from_secs(k8s.forward_timeout)) => answered?,
            name = interrupts.recv() => return Err(interrupted(name)),
        }
        ready = true;
        status(&format!(
            "forwarding 127.0.0.1:{} -> pod/{}:{} in namespace `{}`",
            forward.port(),
            pod.name,
            k8s.remote_port,
            k8s.namespace
        ));
        config.database.url = Some(k8s::forward_url(
            &k8s.user,
            &password,
            forward.port(),
            &k8s.database,
        ));
        run_redacted(
            work,
            &config,
            Transport::PortForward,
            out,
            interrupts,
            &secrets,
        )
        .await
    }
    .await;
    // If kubectl died while the command ran, its own words explain the failure.
    // A failure right as kubectl dies may reach us before its exit does: give it a moment.
    let died = match (&outcome, ready) {
        (Err(_), true) => forward.exited_within(Duration::from_millis(500)).await,
        _ => None,
    };
    forward.stop().await;
    outcome.map_err(|failure| match died {
        Some(said) => {
            let message = format!("{}; kubectl port-forward to pod/{} had stopped: {said}", failure.message(), pod.name);
            rebuild(&failure, message, Some("the pod may have restarted or the connection to the cluster dropped; run the command again".to_string()))
        }
        None => failure,
    })
}

/// External PostgreSQL: the URL from [k8s] external_url, TLS unless it says otherwise.
async fn external(
    work: Work,
    mut config: Config,
    out: &mut Output<'_>,
    interrupts: &mut Interrupts,
) -> CommandResult<Option<ExitCode>> {
    let k8s = config.k8s.clone();
    let Some(url) = k8s.external_url.clone() else {
        return Err(Failure::error("[k8s] bundled = false, but no [k8s] external_url says where the database is")
            .with_hint("set external_url = \"postgres://USER@HOST/DATABASE\" in [k8s] of forge.toml, or bundled = true"));
    };
    forge_core::database::parse_url(&url)?;
    let mut secrets = Vec::new();
    let url = if k8s::has_password(&url) {
        url
    } else {
        let target = forge_core::database::redact_url(&url);
        let user = forge_core::database::user_of(&url).unwrap_or_else(|| k8s.user.clone());
        let password =
            k8s::resolve_password(k8s.password.as_ref(), &user, &target, interrupts.recv()).await?;
        secrets = self::secrets(&password);
        k8s::with_password(&url, &password).ok_or_else(|| {
            Failure::error(format!(
                "[k8s] external_url {target} names no user to log in as"
            ))
            .with_hint("write it as postgres://USER@HOST/DATABASE")
        })?
    };
    let tls_chosen = k8s::has_sslmode(&url);
    config.database.url = Some(k8s::require_tls(&url));
    run_redacted(work, &config, Transport::Direct, out, interrupts, &secrets).await.map_err(|failure| {
        if !tls_chosen && failure.message().contains("TLS") {
            let message = format!("{}; Forge requires TLS for an external database unless its URL says otherwise", failure.message());
            rebuild(&failure, message, Some("enable TLS on the server, or add ?sslmode=disable (or prefer) to [k8s] external_url if the network is trusted".to_string()))
        } else {
            failure
        }
    })
}

/// Runs the work with its output and errors scrubbed of the secrets, until
/// it ends or a signal arrives.
async fn run_redacted(
    work: Work,
    config: &Config,
    transport: Transport,
    out: &mut Output<'_>,
    interrupts: &mut Interrupts,
    secrets: &[String],
) -> CommandResult<Option<ExitCode>> {
    let terminal = out.presentation();
    let result = {
        // Dropped at the end of this block, which flushes what is left.
        let mut redacting = Redacting::new(out, secrets.to_vec());
        let mut scoped = Output::new(&mut redacting, terminal);
        tokio::select! {
            result = work.run(config, transport, &mut scoped) => result,
            name = interrupts.recv() => Err(interrupted(name)),
        }
    };
    result.map_err(|failure| {
        let message = Redacting::scrub(secrets, failure.message());
        let hint = failure.hint().map(|h| Redacting::scrub(secrets, h));
        rebuild(&failure, message, hint)
    })
}

/// The forms a password can take in text: as typed and percent-encoded.
fn secrets(password: &Secret) -> Vec<String> {
    let raw = password.expose().to_string();
    // Very short passwords would blank out ordinary words; URLs are redacted anyway.
    if raw.chars().count() < 3 {
        return Vec::new();
    }
    let encoded = crate::k8s::encode_component(&raw);
    if encoded == raw {
        vec![raw]
    } else {
        vec![raw, encoded]
    }
}

/// Settings that would make kubectl fail obscurely, as one sentence.
fn validate(k8s: &K8sConfig) -> Result<(), Failure> {
    if k8s.namespace.trim().is_empty() {
        return Err(Failure::error("the namespace is empty")
            .with_hint("set [k8s] namespace, K8S_NAMESPACE or --namespace"));
    }
    if k8s.selector.trim().is_empty() {
        return Err(Failure::error("the pod selector is empty")
            .with_hint("set [k8s] selector (e.g. app.kubernetes.io/name=postgres) or --selector"));
    }
    if k8s.remote_port == 0 {
        return Err(Failure::error(
            "[k8s] remote_port is 0; the database port in the pod is usually 5432",
        ));
    }
    Ok(())
}

/// A progress line, on a terminal only (stdout may be JSON for a script).
fn status(text: &str) {
    if std::io::stderr().is_terminal() {
        eprintln!("{text}");
    }
}

fn rebuild(failure: &Failure, message: String, hint: Option<String>) -> Failure {
    if failure.is_silent() {
        return Failure::reader_gone();
    }
    let rebuilt = if failure.exit_code() == 1 {
        Failure::problem(message)
    } else {
        Failure::error(message)
    };
    match hint {
        Some(hint) => rebuilt.with_hint(hint),
        None => rebuilt,
    }
}

fn interrupted(signal: &str) -> Failure {
    Failure::error(format!("interrupted by {signal}; the port-forward (if any) was stopped"))
        .with_hint("a migration that was running is rolled back by the server when its session ends; `k8s db migrate current` shows where the database is")
}

/// SIGINT and SIGTERM, caught from before kubectl starts until it is stopped.
struct Interrupts {
    int: Signal,
    term: Signal,
}

impl Interrupts {
    fn install() -> Result<Interrupts, Failure> {
        let int = signal(SignalKind::interrupt())
            .map_err(|e| Failure::error(format!("cannot handle SIGINT: {e}")))?;
        let term = signal(SignalKind::terminate())
            .map_err(|e| Failure::error(format!("cannot handle SIGTERM: {e}")))?;
        Ok(Interrupts { int, term })
    }

    async fn recv(&mut self) -> &'static str {
        tokio::select! {
            _ = self.int.recv() => "SIGINT",
            _ = self.term.recv() => "SIGTERM",
        }
    }
}
