//! Offline mode (`--sql`): the script an upgrade, downgrade or stamp would
//! run — version-table DDL, `BEGIN`/`COMMIT` around each migration with its
//! bookkeeping — for `psql -v ON_ERROR_STOP=1 -f` to run to the same result.

use super::bookkeeping::Timing;
use super::error::RunnerError;
use super::migrator::Migrator;
use crate::database::quote_identifier;
use crate::graph::{Direction, RevisionSpec, Step};

impl Migrator {
    /// The script of `upgrade target` from `current` (a range starts at its FROM).
    pub fn upgrade_sql(
        &self,
        current: &[String],
        target: &RevisionSpec,
    ) -> Result<String, RunnerError> {
        let steps = self.graph().plan_upgrade(current, target)?;
        self.check_plan(&steps)?;
        let (from, _) = self.graph().resolve_range(target, current)?;
        Ok(self.script(&format!("upgrade {target}"), &from, &steps))
    }

    /// The script of `downgrade target` from `current` (a range starts at its FROM).
    pub fn downgrade_sql(
        &self,
        current: &[String],
        target: &RevisionSpec,
    ) -> Result<String, RunnerError> {
        let steps = self.graph().plan_downgrade(current, target)?;
        self.check_plan(&steps)?;
        let (from, _) = self.graph().resolve_range(target, current)?;
        Ok(self.script(&format!("downgrade {target}"), &from, &steps))
    }

    /// The script of `stamp targets` over `current` (`purge`: empty the table first).
    pub fn stamp_sql(
        &self,
        current: &[String],
        targets: &[RevisionSpec],
        purge: bool,
    ) -> Result<String, RunnerError> {
        let current = if purge { &[][..] } else { current };
        let (_, sql) = self.stamp_plan(current, targets, purge, Timing::ServerClock)?;
        let names: Vec<String> = targets.iter().map(ToString::to_string).collect();
        let from = if purge {
            "any revision (--purge empties the version table first)".to_string()
        } else {
            describe(current)
        };
        let mut out = self.preamble(&format!("stamp {}", names.join(" ")), &from);
        out.push_str(&format!("BEGIN;\n{sql}COMMIT;\n"));
        Ok(out)
    }

    /// The script's header: what it does, from where (a script only does the
    /// same as the online command on a database at that revision), how to run it.
    fn preamble(&self, what: &str, from: &str) -> String {
        let mut out = format!(
            "-- forge {what} (offline)\n-- starts at: {from}\n-- run with: psql -v ON_ERROR_STOP=1 -f <this file>\n\n"
        );
        if let Some(schema) = self.schema() {
            out.push_str(&format!(
                "SET search_path TO {};\n\n",
                quote_identifier(schema)
            ));
        }
        out.push_str(&self.bookkeeping().create_sql());
        out.push('\n');
        out
    }

    fn script(&self, what: &str, from: &[String], steps: &[Step<'_>]) -> String {
        let mut out = self.preamble(what, &describe(from));
        if steps.is_empty() {
            out.push_str("-- nothing to do\n");
        }
        for step in steps {
            let script = step.revision;
            let side = |ids: &[String]| {
                if ids.is_empty() {
                    "base".to_string()
                } else {
                    ids.join(", ")
                }
            };
            let arrow = format!("{} -> {}", side(&step.remove_heads), side(&step.add_heads));
            let verb = match step.direction {
                Direction::Up => "upgrade",
                Direction::Down => "downgrade",
            };
            out.push_str(&format!(
                "-- {verb} {}: {} ({}; heads {})\n",
                script.revision,
                script.message,
                script.file_name(),
                arrow
            ));
            let statements = step.section().map_or(&[][..], |s| &s.statements[..]);
            if script.transactional {
                out.push_str("BEGIN;\n");
            } else {
                out.push_str("-- transaction off: each statement runs on its own\n");
            }
            for statement in statements {
                out.push_str(&statement.sql);
                out.push_str(";\n");
            }
            if !script.transactional {
                out.push_str("BEGIN;\n");
            }
            out.push_str(&self.bookkeeping().step_sql(step, Timing::ServerClock));
            out.push_str("COMMIT;\n\n");
        }
        out
    }
}

/// Revision ids as the script's header names them.
fn describe(heads: &[String]) -> String {
    if heads.is_empty() {
        "base".to_string()
    } else {
        heads.join(", ")
    }
}
