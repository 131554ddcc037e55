//! Drift: whether autogenerate would produce changes, i.e. whether the live
//! schema (introspected) differs from the models (the diff is not empty).

use sqlx::PgConnection;

use super::{Check, Expectations, Status};
use crate::autogenerate::compare;
use crate::introspect::IntrospectOptions;
use crate::runner::Bookkeeping;

/// `pending`: how many migrations are not applied yet. Drift is expected
/// while some are (WARN); at head it means the database was changed by hand
/// or a model change has no migration (FAIL).
pub(super) async fn drift(
    connection: &mut PgConnection,
    expect: &Expectations,
    pending: Option<usize>,
) -> Check {
    let Some(models) = &expect.models else {
        return Check::new("drift", Status::Skip, "this binary cannot tell its models");
    };
    let bookkeeping = Bookkeeping::new(&expect.version_table);
    let options = IntrospectOptions::default()
        .ignoring(bookkeeping.version_table)
        .ignoring(bookkeeping.history_table)
        .excluding(expect.exclude.clone());
    // The comparison autogenerate makes (the server settles what text cannot).
    let changes = match compare(connection, &expect.schema, &options, models).await {
        Ok(changes) => changes,
        Err(e) => {
            return Check::new(
                "drift",
                Status::Fail,
                format!("cannot compare the live schema with the models: {e}"),
            )
        }
    };
    if changes.is_empty() {
        return Check::new(
            "drift",
            Status::Ok,
            format!(
                "the database matches the models ({} tables)",
                models.tables.len()
            ),
        );
    }
    let shown: Vec<String> = changes.iter().take(3).map(|c| c.to_string()).collect();
    let more = changes.len().saturating_sub(shown.len());
    let list = if more > 0 {
        format!("{}; and {more} more", shown.join("; "))
    } else {
        shown.join("; ")
    };
    let count = changes.len();
    match pending {
        Some(n) if n > 0 => Check::new(
            "drift",
            Status::Warn,
            format!("autogenerate would write {count} changes ({list}) while {n} migrations are pending; upgrade first"),
        ),
        _ => Check::new(
            "drift",
            Status::Fail,
            format!("the database differs from the models: autogenerate would write {count} changes ({list}); run `migrate revision --autogenerate`"),
        ),
    }
}
