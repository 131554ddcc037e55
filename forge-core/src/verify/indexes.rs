//! Invalid indexes: an interrupted or failed `CREATE INDEX CONCURRENTLY`
//! leaves one behind, which queries ignore and writes still pay for.

use sqlx::PgConnection;

use super::{Check, Status};
use crate::runner::invalid_indexes;

/// The `indexes` check: FAIL, with the repair, for every invalid index.
pub(super) async fn indexes(connection: &mut PgConnection) -> Check {
    match invalid_indexes(connection).await {
        Err(e) => Check::new(
            "indexes",
            Status::Warn,
            format!("cannot look for invalid indexes: {e}"),
        ),
        Ok(found) if found.is_empty() => Check::new("indexes", Status::Ok, "no invalid index"),
        Ok(found) => {
            let listed: Vec<String> = found
                .iter()
                .map(|i| format!("{} on {} (repair: {})", i.name(), i.table, i.repair()))
                .collect();
            Check::new(
                "indexes",
                Status::Fail,
                format!(
                    "{} invalid (an interrupted or failed CREATE INDEX CONCURRENTLY; queries ignore it, writes still maintain it): {}; then build it again (`migrate upgrade` re-runs a migration that was not recorded)",
                    if found.len() == 1 { "an index is".to_string() } else { format!("{} indexes are", found.len()) },
                    listed.join(", ")
                ),
            )
        }
    }
}
