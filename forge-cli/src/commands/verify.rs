//! `db verify` and `k8s db verify`: runs forge-core's deployment checks on
//! the configured database and prints one line per check and a summary
//! (exit 1 on any FAIL).

use std::process::ExitCode;

use forge_core::database::redact_url;
use forge_core::registry;
use forge_core::verify::{self, Expectations, Transport};
use serde::Serialize;

use crate::cli::VerifyArgs;
use crate::config::Config;
use crate::failure::CommandResult;
use crate::output::{Output, Tone};

#[derive(Serialize)]
struct JsonReport<'a> {
    target: String,
    transport: Transport,
    ok: bool,
    summary: verify::Summary,
    checks: &'a [verify::Check],
}

pub async fn exec(
    args: VerifyArgs,
    config: &Config,
    transport: Transport,
    out: &mut Output<'_>,
) -> CommandResult<Option<ExitCode>> {
    let url = config.database_url()?;
    let expect = Expectations {
        schema: config.database.schema.clone(),
        schema_owner: config.verify.schema_owner.clone(),
        app_user: config.verify.app_user.clone(),
        readonly_user: config.verify.readonly_user.clone(),
        migrations_dir: config.migrations_dir(),
        version_table: config.migrations.version_table.clone(),
        models: registry::schema().ok(),
        exclude: config.exclusions(),
        transport,
    };
    let report = verify::verify(url, &expect).await;
    let summary = report.summary();
    if args.json {
        out.json(&JsonReport {
            target: redact_url(url),
            transport,
            ok: !report.failed(),
            summary,
            checks: &report.checks,
        })?;
    } else {
        let rows: Vec<Vec<String>> = report
            .checks
            .iter()
            .map(|c| {
                let tone = match c.status {
                    verify::Status::Ok => Tone::Ok,
                    verify::Status::Warn => Tone::Warn,
                    verify::Status::Fail => Tone::Fail,
                    verify::Status::Skip => Tone::Dim,
                };
                vec![
                    out.paint(tone, c.status.label()),
                    c.name.clone(),
                    c.detail.clone(),
                ]
            })
            .collect();
        out.rows(&rows)?;
        out.line(format!(
            "{} OK, {} WARN, {} FAIL, {} skipped",
            summary.ok, summary.warn, summary.fail, summary.skip
        ))?;
    }
    Ok(report.failed().then(|| ExitCode::from(1)))
}
