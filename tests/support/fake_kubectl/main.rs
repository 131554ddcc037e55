//! A fake `kubectl` for Forge's Kubernetes tests: it does what Forge uses —
//! `get pods -n NS -l SELECTOR -o json` and `port-forward -n NS pod/NAME
//! LOCAL:REMOTE` (relaying TCP to the local PostgreSQL) — and fails the way the
//! real one does, chosen by environment variables:
//!
//! - `FAKE_KUBECTL_LOG=path`: append `PID<TAB>ARGS` for every invocation.
//! - `FAKE_KUBECTL_CLUSTER=unreachable`: every command fails as with a dead API server.
//! - `FAKE_KUBECTL_CONTEXTS=a,b`: the contexts that exist (default: any).
//! - `FAKE_KUBECTL_PODS=ready|none|not-ready|/path/to/pods.json` (default ready).
//! - `FAKE_KUBECTL_FORWARD=ok|exit|flood|slow|die|hang` (default ok): `exit`
//!   fails at once with a message on stderr, `flood` fails at once after
//!   logging the same error line many times (as a forward that retries does), `slow` listens after `FAKE_KUBECTL_DELAY_MS`
//!   (default 1500), `die` exits when connection number
//!   `FAKE_KUBECTL_DIE_AFTER` + 1 arrives (default 1: Forge's probe is the
//!   first), `hang` never listens.
//! - `FAKE_KUBECTL_IGNORE_TERM=1`: ignore SIGTERM, so only a SIGKILL from Forge
//!   (not the parent-death signal) ends it.
//! - `FAKE_KUBECTL_UPSTREAM=host:port` (default 127.0.0.1:5432).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::process::exit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    log(&args);
    if std::env::var("FAKE_KUBECTL_IGNORE_TERM").is_ok_and(|v| v == "1") {
        // SAFETY: installing SIG_IGN for SIGTERM has no other effect.
        unsafe {
            libc::signal(libc::SIGTERM, libc::SIG_IGN);
        }
    }
    let parsed = Args::parse(&args);
    if let Some(context) = &parsed.context {
        if let Ok(known) = std::env::var("FAKE_KUBECTL_CONTEXTS") {
            if !known.split(',').any(|k| k == context) {
                fail(&format!("error: context \"{context}\" does not exist"));
            }
        }
    }
    if std::env::var("FAKE_KUBECTL_CLUSTER").is_ok_and(|v| v == "unreachable") {
        fail("E0101 12:00:00.000000 memcache.go:265] couldn't get current server API group list: Get \"https://10.96.0.1:6443/api?timeout=32s\": dial tcp 10.96.0.1:6443: connect: connection refused\nThe connection to the server 10.96.0.1:6443 was refused - did you specify the right host or port?");
    }
    match parsed.positional.first().map(String::as_str) {
        Some("get") => get_pods(&parsed),
        Some("port-forward") => port_forward(&parsed),
        _ => fail(&format!(
            "error: unknown command \"{}\" for \"kubectl\"",
            args.join(" ")
        )),
    }
}

#[derive(Default)]
struct Args {
    positional: Vec<String>,
    namespace: Option<String>,
    selector: Option<String>,
    output: Option<String>,
    context: Option<String>,
}

impl Args {
    fn parse(args: &[String]) -> Args {
        let mut parsed = Args::default();
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let mut value = || {
                iter.next()
                    .cloned()
                    .unwrap_or_else(|| fail(&format!("error: flag needs an argument: {arg}")))
            };
            match arg.as_str() {
                "-n" | "--namespace" => parsed.namespace = Some(value()),
                "-l" | "--selector" => parsed.selector = Some(value()),
                "-o" | "--output" => parsed.output = Some(value()),
                "--context" => parsed.context = Some(value()),
                "--address" => {
                    value();
                }
                flag if flag.starts_with('-') => fail(&format!("error: unknown flag: {flag}")),
                _ => parsed.positional.push(arg.clone()),
            }
        }
        parsed
    }
}

fn get_pods(args: &Args) {
    if args.positional.get(1).map(String::as_str) != Some("pods")
        || args.output.as_deref() != Some("json")
    {
        fail("error: the fake kubectl only answers `get pods -o json`");
    }
    let namespace = args
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    if let Some(selector) = &args.selector {
        let valid = !selector.is_empty()
            && !selector.starts_with('=')
            && selector
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-/=,!".contains(c));
        if !valid {
            fail(&format!(
                "error: unable to parse requirement: found '{selector}', expected: identifier"
            ));
        }
    }
    let pods = std::env::var("FAKE_KUBECTL_PODS").unwrap_or_else(|_| "ready".to_string());
    let json = match pods.as_str() {
        "ready" => list(&[pod("postgres-0", &namespace, "Running", true)]),
        "none" => list(&[]),
        "not-ready" => list(&[pod("postgres-0", &namespace, "Running", false)]),
        path => std::fs::read_to_string(path)
            .unwrap_or_else(|e| fail(&format!("fake kubectl: cannot read {path}: {e}"))),
    };
    println!("{json}");
}

fn pod(name: &str, namespace: &str, phase: &str, ready: bool) -> String {
    let ready = if ready { "True" } else { "False" };
    format!(
        r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"{namespace}","labels":{{"app.kubernetes.io/name":"postgres"}}}},"status":{{"phase":"{phase}","conditions":[{{"type":"Initialized","status":"True"}},{{"type":"Ready","status":"{ready}"}}]}}}}"#
    )
}

fn list(items: &[String]) -> String {
    format!(
        r#"{{"apiVersion":"v1","items":[{}],"kind":"List","metadata":{{"resourceVersion":""}}}}"#,
        items.join(",")
    )
}

fn port_forward(args: &Args) {
    let target = args.positional.get(1).cloned().unwrap_or_else(|| {
        fail("error: TYPE/NAME and list of ports are required for port-forward")
    });
    if !target.starts_with("pod/") {
        fail(&format!(
            "error: the fake kubectl forwards to pod/NAME only, not {target}"
        ));
    }
    let ports = args
        .positional
        .get(2)
        .cloned()
        .unwrap_or_else(|| fail("error: at least 1 PORT is required for port-forward"));
    let (local, remote) = ports
        .split_once(':')
        .unwrap_or_else(|| fail(&format!("error: invalid port spec {ports}")));
    let local: u16 = local.parse().unwrap_or_else(|_| fail(&format!("error: Error parsing local port '{local}': strconv.Atoi: parsing \"{local}\": invalid syntax")));
    let mode = std::env::var("FAKE_KUBECTL_FORWARD").unwrap_or_else(|_| "ok".to_string());
    match mode.as_str() {
        "exit" => {
            fail("error: unable to forward port because pod is not running. Current status=Pending")
        }
        "flood" => {
            for _ in 0..60 {
                eprintln!("E0101 12:00:00.000000 portforward.go:413] an error occurred forwarding {local} -> {remote}: error forwarding port {remote} to pod, uid : failed to execute portforward in network namespace: connection refused");
            }
            fail("error: lost connection to pod")
        }
        "hang" => loop {
            thread::sleep(Duration::from_secs(3600));
        },
        "slow" => {
            let delay = std::env::var("FAKE_KUBECTL_DELAY_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1500);
            thread::sleep(Duration::from_millis(delay));
        }
        _ => {}
    }
    let listener = TcpListener::bind(("127.0.0.1", local)).unwrap_or_else(|e| {
        fail(&format!(
            "Unable to listen on port {local}: Listeners failed to create with the following errors: [unable to create listener: Error listen tcp4 127.0.0.1:{local}: bind: {e}]\nerror: unable to listen on any of the requested ports: [{{{local} {remote}}}]"
        ))
    });
    println!("Forwarding from 127.0.0.1:{local} -> {remote}");
    let _ = std::io::stdout().flush();
    let die_after: usize = std::env::var("FAKE_KUBECTL_DIE_AFTER")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let upstream =
        std::env::var("FAKE_KUBECTL_UPSTREAM").unwrap_or_else(|_| "127.0.0.1:5432".to_string());
    static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
    for client in listener.incoming() {
        let Ok(client) = client else { continue };
        let count = CONNECTIONS.fetch_add(1, Ordering::SeqCst) + 1;
        if mode == "die" && count > die_after {
            drop(client);
            fail(&format!("E0101 12:00:00.000000 portforward.go:413] an error occurred forwarding {local} -> {remote}: error forwarding port {remote} to pod, uid : network namespace for sandbox is closed\nerror: lost connection to pod"));
        }
        println!("Handling connection for {local}");
        let _ = std::io::stdout().flush();
        let upstream = upstream.clone();
        thread::spawn(move || relay(client, &upstream));
    }
}

fn relay(client: TcpStream, upstream: &str) {
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let (Ok(client_reader), Ok(server_reader)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let up = thread::spawn(move || copy(client_reader, server));
    copy(server_reader, client);
    let _ = up.join();
}

fn copy(mut from: TcpStream, mut to: TcpStream) {
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}

fn log(args: &[String]) {
    let Ok(path) = std::env::var("FAKE_KUBECTL_LOG") else {
        return;
    };
    let line = format!("{}\t{}\n", std::process::id(), args.join(" "));
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
    {
        let _ = file.write_all(line.as_bytes());
    }
}

fn fail(message: &str) -> ! {
    eprintln!("{message}");
    exit(1)
}
