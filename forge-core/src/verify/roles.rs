//! The schema and the application roles: the schema exists and is owned as
//! configured; the owner is NOLOGIN; the app user logs in with USAGE and
//! CREATE on the schema; the read-only user logs in and can SELECT every table
//! (and should not be able to write).

use sqlx::PgConnection;

use super::{describe, Check, Expectations, Status};
use crate::database::quote_identifier;
use crate::runner::Bookkeeping;

/// The `schema` check; returns whether the schema exists.
pub(super) async fn schema(
    connection: &mut PgConnection,
    expect: &Expectations,
    checks: &mut Vec<Check>,
) -> bool {
    let owner: Result<Option<String>, _> = sqlx::query_scalar(
        "SELECT pg_get_userbyid(nspowner)::text FROM pg_namespace WHERE nspname = $1",
    )
    .bind(&expect.schema)
    .fetch_optional(&mut *connection)
    .await;
    let schema = &expect.schema;
    let (status, detail, exists) = match (owner, &expect.schema_owner) {
        (Err(e), _) => (Status::Fail, format!("cannot read schema `{schema}`: {}", describe(&e)), false),
        (Ok(None), _) => (Status::Fail, format!("schema `{schema}` does not exist ([database] schema in forge.toml)"), false),
        (Ok(Some(owner)), Some(expected)) if owner != *expected => (
            Status::Fail,
            format!("schema `{schema}` is owned by `{owner}`, expected `{expected}` ([verify] schema_owner); ALTER SCHEMA {} OWNER TO {}", quote_identifier(schema), quote_identifier(expected)),
            true,
        ),
        (Ok(Some(owner)), _) => (Status::Ok, format!("schema `{schema}` exists, owned by `{owner}`"), true),
    };
    checks.push(Check::new("schema", status, detail));
    exists
}

/// One check per role named in [verify]; one SKIP line when none is.
pub(super) async fn roles(
    connection: &mut PgConnection,
    expect: &Expectations,
    checks: &mut Vec<Check>,
) {
    if expect.schema_owner.is_none() && expect.app_user.is_none() && expect.readonly_user.is_none()
    {
        checks.push(Check::new(
            "roles",
            Status::Skip,
            "no roles configured ([verify] schema_owner, app_user, readonly_user in forge.toml)",
        ));
        return;
    }
    if let Some(owner) = &expect.schema_owner {
        checks.push(schema_owner(connection, owner).await);
    }
    if let Some(user) = &expect.app_user {
        checks.push(app_user(connection, user, &expect.schema).await);
    }
    if let Some(user) = &expect.readonly_user {
        checks.push(readonly_user(connection, user, expect).await);
    }
}

/// Whether the role exists and may log in; `None` when it does not exist.
async fn can_login(connection: &mut PgConnection, role: &str) -> Result<Option<bool>, sqlx::Error> {
    sqlx::query_scalar("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1")
        .bind(role)
        .fetch_optional(connection)
        .await
}

fn missing(role: &str, key: &str) -> String {
    format!(
        "role `{role}` does not exist ([verify] {key}); CREATE ROLE {}",
        quote_identifier(role)
    )
}

async fn schema_owner(connection: &mut PgConnection, role: &str) -> Check {
    let name = "schema_owner";
    match can_login(connection, role).await {
        Err(e) => Check::new(name, Status::Fail, format!("cannot read role `{role}`: {}", describe(&e))),
        Ok(None) => Check::new(name, Status::Fail, format!("{} NOLOGIN", missing(role, name))),
        // The owner can run any DDL; a session that logs in as it bypasses every grant.
        Ok(Some(true)) => Check::new(
            name,
            Status::Warn,
            format!("role `{role}` can log in; the schema owner should be NOLOGIN (ALTER ROLE {} NOLOGIN)", quote_identifier(role)),
        ),
        Ok(Some(false)) => Check::new(name, Status::Ok, format!("role `{role}` exists, NOLOGIN")),
    }
}

/// An application role must exist and be able to log in: the FAIL that says
/// which, or None when it can.
async fn must_log_in(
    connection: &mut PgConnection,
    role: &str,
    name: &'static str,
) -> Option<Check> {
    match can_login(connection, role).await {
        Err(e) => Some(Check::new(
            name,
            Status::Fail,
            format!("cannot read role `{role}`: {}", describe(&e)),
        )),
        Ok(None) => Some(Check::new(
            name,
            Status::Fail,
            format!("{} LOGIN", missing(role, name)),
        )),
        Ok(Some(false)) => Some(Check::new(
            name,
            Status::Fail,
            format!(
                "role `{role}` cannot log in (ALTER ROLE {} LOGIN)",
                quote_identifier(role)
            ),
        )),
        Ok(Some(true)) => None,
    }
}

async fn app_user(connection: &mut PgConnection, role: &str, schema: &str) -> Check {
    let name = "app_user";
    if let Some(failed) = must_log_in(connection, role, name).await {
        return failed;
    }
    let privileges: Result<(bool, bool), _> = sqlx::query_as(
        "SELECT has_schema_privilege($1, $2, 'USAGE'), has_schema_privilege($1, $2, 'CREATE')",
    )
    .bind(role)
    .bind(schema)
    .fetch_one(connection)
    .await;
    match privileges {
        Err(e) => Check::new(
            name,
            Status::Fail,
            format!("cannot read the privileges of `{role}`: {}", describe(&e)),
        ),
        Ok((true, true)) => Check::new(
            name,
            Status::Ok,
            format!("role `{role}` exists, LOGIN, USAGE and CREATE on schema `{schema}`"),
        ),
        Ok((usage, create)) => {
            let lacking: Vec<&str> = [(!usage).then_some("USAGE"), (!create).then_some("CREATE")]
                .into_iter()
                .flatten()
                .collect();
            Check::new(
                name,
                Status::Fail,
                format!(
                    "role `{role}` lacks {} on schema `{schema}` (GRANT {} ON SCHEMA {} TO {})",
                    lacking.join(" and "),
                    lacking.join(", "),
                    quote_identifier(schema),
                    quote_identifier(role)
                ),
            )
        }
    }
}

async fn readonly_user(connection: &mut PgConnection, role: &str, expect: &Expectations) -> Check {
    let name = "readonly_user";
    let schema = &expect.schema;
    if let Some(failed) = must_log_in(connection, role, name).await {
        return failed;
    }
    // Forge's own bookkeeping tables are not the app's data.
    let bookkeeping = Bookkeeping::new(&expect.version_table);
    let rows: Result<Vec<(String, bool, bool)>, _> = sqlx::query_as(
        "SELECT c.relname::text, has_table_privilege($1, c.oid, 'SELECT'), \
                has_table_privilege($1, c.oid, 'INSERT, UPDATE, DELETE, TRUNCATE') \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname = $2 AND c.relkind IN ('r', 'p') AND c.relname <> ALL($3) ORDER BY 1",
    )
    .bind(role)
    .bind(schema)
    .bind(vec![
        bookkeeping.version_table.clone(),
        bookkeeping.history_table.clone(),
    ])
    .fetch_all(&mut *connection)
    .await;
    let usage: Result<bool, _> = sqlx::query_scalar("SELECT has_schema_privilege($1, $2, 'USAGE')")
        .bind(role)
        .bind(schema)
        .fetch_one(&mut *connection)
        .await;
    let (rows, usage) = match (rows, usage) {
        (Ok(rows), Ok(usage)) => (rows, usage),
        (Err(e), _) | (_, Err(e)) => {
            return Check::new(
                name,
                Status::Fail,
                format!("cannot read the privileges of `{role}`: {}", describe(&e)),
            )
        }
    };
    if !usage {
        return Check::new(
            name,
            Status::Fail,
            format!(
                "role `{role}` lacks USAGE on schema `{schema}` (GRANT USAGE ON SCHEMA {} TO {})",
                quote_identifier(schema),
                quote_identifier(role)
            ),
        );
    }
    let unreadable: Vec<&str> = rows
        .iter()
        .filter(|(_, select, _)| !select)
        .map(|(t, _, _)| t.as_str())
        .collect();
    if !unreadable.is_empty() {
        return Check::new(
            name,
            Status::Fail,
            format!(
                "role `{role}` cannot SELECT {} of {} tables: {} (GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {})",
                unreadable.len(),
                rows.len(),
                shortlist(&unreadable),
                quote_identifier(schema),
                quote_identifier(role)
            ),
        );
    }
    let writable: Vec<&str> = rows
        .iter()
        .filter(|(_, _, write)| *write)
        .map(|(t, _, _)| t.as_str())
        .collect();
    if !writable.is_empty() {
        return Check::new(
            name,
            Status::Warn,
            format!(
                "role `{role}` is meant to be read-only but can write to {}",
                shortlist(&writable)
            ),
        );
    }
    Check::new(
        name,
        Status::Ok,
        format!(
            "role `{role}` exists, LOGIN, SELECT on all {} tables of schema `{schema}`",
            rows.len()
        ),
    )
}

/// At most five names, then how many more.
fn shortlist(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(5).copied().collect();
    match names.len().saturating_sub(5) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}
