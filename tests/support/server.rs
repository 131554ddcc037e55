//! A PostgreSQL server of one test's own, started from the installed
//! binaries in a temporary directory, that the test may crash — an immediate
//! stop: the server's processes end at once, with no checkpoint, as in a
//! power cut of the server (the operating system keeps what was written to
//! it) — and start again, recovering from its WAL.

use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::Command;

use crate::postgres::{is_root, postgres_bin_dir, run, server_command};
use crate::TempDir;

pub struct Server {
    dir: TempDir,
    bin: PathBuf,
    as_root: bool,
    pub port: u16,
}

impl Server {
    /// Creates and starts a server (trust authentication, 127.0.0.1 only).
    pub fn start() -> Server {
        Self::start_with(None)
    }

    /// A server whose TCP connections must log in with `password` (SCRAM)
    /// as user `postgres`.
    pub fn with_password(password: &str) -> Server {
        Self::start_with(Some(password))
    }

    fn start_with(password: Option<&str>) -> Server {
        let bin = postgres_bin_dir().expect("the PostgreSQL server binaries (initdb, pg_ctl)");
        let dir = TempDir::new("forge-server");
        let as_root = is_root();
        if as_root {
            // PostgreSQL refuses to run as root: hand the directory to `postgres`.
            run(Command::new("chown")
                .args(["-R", "postgres:postgres"])
                .arg(dir.path()))
            .expect("chown the server directory");
        }
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let server = Server {
            dir,
            bin,
            as_root,
            port,
        };
        let data = server.data();
        let host_auth = if password.is_some() {
            "--auth-host=scram-sha-256"
        } else {
            "--auth-host=trust"
        };
        let initdb = [
            "-D",
            &data,
            "-U",
            "postgres",
            "--auth-local=trust",
            host_auth,
            "--no-sync",
            "-E",
            "UTF8",
        ];
        run(&mut server_command(
            &server.bin.join("initdb"),
            as_root,
            &initdb,
        ))
        .expect("initdb");
        server.up();
        if let Some(password) = password {
            // Over the Unix socket, which trusts its local user.
            let sql = format!(
                "ALTER ROLE postgres PASSWORD '{}'",
                password.replace('\'', "''")
            );
            let socket = server.dir.path().to_string_lossy().into_owned();
            let port = server.port.to_string();
            let psql = [
                "-X", "-q", "-h", &socket, "-p", &port, "-U", "postgres", "-d", "postgres", "-c",
                &sql,
            ];
            run(&mut server_command(
                std::path::Path::new("psql"),
                as_root,
                &psql,
            ))
            .expect("set the password");
        }
        server
    }

    /// The URL of `database` on this server.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Stops the server immediately: what its shared memory held (WAL not
    /// yet written out, among others) is gone.
    pub fn crash(&self) {
        self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }

    /// Starts the server again (it recovers from its WAL first).
    pub fn up(&self) {
        let log = self.dir.path().join("server.log");
        let options = format!(
            "-p {} -c listen_addresses=127.0.0.1 -k {}",
            self.port,
            self.dir.path().display()
        );
        self.pg_ctl(&["-l", &log.to_string_lossy(), "-o", &options, "-w", "start"]);
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_string_lossy().into_owned()
    }

    fn pg_ctl(&self, args: &[&str]) {
        let data = self.data();
        let mut full = vec!["-D", data.as_str()];
        full.extend_from_slice(args);
        run(&mut server_command(
            &self.bin.join("pg_ctl"),
            self.as_root,
            &full,
        ))
        .unwrap_or_else(|e| panic!("pg_ctl {args:?}: {e}"));
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.data();
        let _ = server_command(
            &self.bin.join("pg_ctl"),
            self.as_root,
            &["-D", &data, "stop", "-m", "immediate", "-w"],
        )
        .output();
    }
}
