//! A real PostgreSQL database for each test.
//!
//! The server comes from `FORGE_TEST_DATABASE_URL` (any database on it; tests
//! create their own), defaulting to the local server at 127.0.0.1:5432. When
//! that variable is unset and nothing listens there, a throwaway server is
//! started once from the installed PostgreSQL binaries and shared by every test
//! process. Each test creates a database with a unique name and drops it when
//! the [`TestDatabase`] is dropped, so parallel tests and leftovers from earlier
//! runs never interfere.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{ConnectOptions, Connection, PgConnection, PgPool};

const ENV_URL: &str = "FORGE_TEST_DATABASE_URL";
const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const THROWAWAY_PORT: u16 = 55439;

/// A uniquely named database on the test server, dropped on drop.
pub struct TestDatabase {
    pub name: String,
    /// URL of this database (no password in it unless the server URL had one).
    pub url: String,
    pub pool: PgPool,
    admin_url: String,
}

impl TestDatabase {
    /// Creates a fresh, empty database for one test.
    pub async fn create() -> TestDatabase {
        let admin_url = server_url();
        let name = unique_name();
        let mut admin = PgConnection::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!(
                "cannot connect to the test PostgreSQL at {}: {e}; {}",
                redact(&admin_url),
                HOW_TO_PROVIDE
            )
        });
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
        admin.close().await.ok();
        let url = with_database(&admin_url, &name);
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to test database {name}: {e}"));
        TestDatabase {
            name,
            url,
            pool,
            admin_url,
        }
    }

    /// Runs SQL (several statements allowed) in this database.
    pub async fn execute(&self, sql: &str) {
        sqlx::raw_sql(sql)
            .execute(&self.pool)
            .await
            .unwrap_or_else(|e| panic!("test SQL failed: {e}\n{sql}"));
    }

    /// The server's URL for another database name (for a second, scratch database).
    pub fn sibling_url(&self, database: &str) -> String {
        with_database(&self.admin_url, database)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop may run inside the test's runtime, which cannot be blocked on:
        // use a private runtime on a thread. The pool is left alone (closing it
        // would wait on the blocked runtime); FORCE ends its connections.
        let admin_url = self.admin_url.clone();
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move {
                let mut admin = PgConnection::connect(&admin_url).await.ok()?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .execute(&mut admin)
                    .await
                    .ok()?;
                Some(())
            })
        })
        .join();
    }
}

const HOW_TO_PROVIDE: &str = "set FORGE_TEST_DATABASE_URL to a PostgreSQL server the tests may create databases on (e.g. postgres://postgres@127.0.0.1:5432/postgres), or install the PostgreSQL server binaries (initdb, pg_ctl) so the tests can start a throwaway one";

fn unique_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let random = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "forge_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        &random[..8]
    )
}

/// The admin URL of the server the tests use, starting a throwaway server when needed.
pub fn server_url() -> String {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var(ENV_URL) {
            return url;
        }
        if listens("127.0.0.1:5432") {
            return DEFAULT_URL.to_string();
        }
        start_throwaway_server().unwrap_or_else(|problem| {
            panic!("no PostgreSQL for the tests: {problem}; {HOW_TO_PROVIDE}")
        })
    })
    .clone()
}

fn listens(addr: &str) -> bool {
    let addr: SocketAddr = addr.parse().expect("valid socket address");
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

fn with_database(url: &str, database: &str) -> String {
    let options: PgConnectOptions = url
        .parse()
        .unwrap_or_else(|e| panic!("{ENV_URL} is not a PostgreSQL URL: {e}"));
    options.database(database).to_url_lossy().to_string()
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.split_once("//"), url.rfind('@')) {
        (Some((scheme, rest)), Some(_)) => match rest.split_once('@') {
            Some((user_info, host)) => format!(
                "{scheme}//{}@{host}",
                user_info.split(':').next().unwrap_or("")
            ),
            None => url.to_string(),
        },
        _ => url.to_string(),
    }
}

/// Starts (once per machine, shared by every test process) a PostgreSQL server
/// from the installed binaries, in a directory under the temp dir.
fn start_throwaway_server() -> Result<String, String> {
    let url = format!("postgres://postgres@127.0.0.1:{THROWAWAY_PORT}/postgres");
    let addr = format!("127.0.0.1:{THROWAWAY_PORT}");
    let root = std::env::temp_dir().join("forge-test-postgres");
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    // Serialize start-up across the test processes that nextest runs in parallel.
    let lock = std::fs::File::create(root.join("start.lock")).map_err(|e| e.to_string())?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", root.display()))?;
    if listens(&addr) {
        return Ok(url);
    }
    let bin =
        postgres_bin_dir().ok_or("no initdb/pg_ctl found on PATH or under /usr/lib/postgresql")?;
    let data = root.join("data");
    let as_root = is_root();
    if as_root {
        // PostgreSQL refuses to run as root: hand the directory to `postgres`.
        run(Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&root))?;
    }
    if !data.join("PG_VERSION").exists() {
        run(&mut server_command(
            &bin.join("initdb"),
            as_root,
            &[
                "-D",
                &data.to_string_lossy(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
            ],
        ))?;
    }
    let log = root.join("server.log");
    let options = format!(
        "-p {THROWAWAY_PORT} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
        root.display()
    );
    run(&mut server_command(
        &bin.join("pg_ctl"),
        as_root,
        &[
            "-D",
            &data.to_string_lossy(),
            "-l",
            &log.to_string_lossy(),
            "-o",
            &options,
            "-w",
            "start",
        ],
    ))?;
    if listens(&addr) {
        Ok(url)
    } else {
        Err(format!(
            "the throwaway server did not start; see {}",
            log.display()
        ))
    }
}

pub(crate) fn postgres_bin_dir() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .find(|dir| dir.join("initdb").exists() && dir.join("pg_ctl").exists())
    });
    on_path.or_else(|| {
        let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .collect();
        versions.sort();
        versions
            .into_iter()
            .rev()
            .find(|dir| dir.join("initdb").exists())
    })
}

pub(crate) fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

pub(crate) fn server_command(program: &Path, as_root: bool, args: &[&str]) -> Command {
    if as_root {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(program)
            .args(args);
        command
    } else {
        let mut command = Command::new(program);
        command.args(args);
        command
    }
}

pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

#[cfg(test)]
mod tests {
    /// Exercises the fallback a machine without a listening server takes. It
    /// starts (or reuses) a real server on port 55439, so it is opt-in:
    /// `cargo test -p forge-tests --lib -- --ignored`.
    #[test]
    #[ignore = "starts a PostgreSQL server on port 55439"]
    fn a_throwaway_server_starts_from_the_installed_binaries() {
        let url = super::start_throwaway_server().expect("the throwaway server starts");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let one: i32 = runtime.block_on(async {
            let mut connection = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
                .await
                .unwrap();
            sqlx::query_scalar("SELECT 1")
                .fetch_one(&mut connection)
                .await
                .unwrap()
        });
        assert_eq!(one, 1);
    }
}
