//! The shop migrating itself at start, before it serves anything: the
//! migrations embedded in the binary are applied on the app's own pool, under
//! the same lock as `api-forge-cli migrate upgrade` (so replicas starting
//! together, or a CLI run at the same moment, apply each migration once).
//!
//! `DATABASE_URL=postgres://postgres@127.0.0.1:5432/forge_example cargo run -p shop --example migrate_at_start`

use std::process::ExitCode;

use forge::sqlx::postgres::PgPoolOptions;

#[tokio::main]
async fn main() -> ExitCode {
    let Ok(url) = std::env::var("DATABASE_URL") else {
        eprintln!("error: DATABASE_URL is not set\nhint: DATABASE_URL=postgres://user@host/database cargo run -p shop --example migrate_at_start");
        return ExitCode::from(2);
    };
    let pool = match PgPoolOptions::new().max_connections(5).connect(&url).await {
        Ok(pool) => pool,
        Err(e) => {
            eprintln!("error: cannot connect to the database: {e}");
            return ExitCode::from(2);
        }
    };
    match shop::MIGRATIONS.upgrade(&pool).await {
        Ok(applied) => {
            for migration in &applied {
                println!("applied {} {}", migration.revision, migration.message);
            }
            println!(
                "schema ready ({} migration(s) applied); serving",
                applied.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
