//! Planning: the ordered steps that move the database from its current heads to
//! a target, and the version-table rows each step deletes and inserts. Pure.

use std::collections::BTreeSet;

use serde::Serialize;

use super::error::GraphError;
use super::revision_graph::RevisionGraph;
use super::spec::RevisionSpec;
use crate::script::MigrationScript;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Direction {
    Up,
    Down,
}

/// One migration to run, and the bookkeeping that goes with it in the same
/// transaction: `DELETE` the `remove_heads` rows from the version table and
/// `INSERT` the `add_heads` rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step<'g> {
    pub revision: &'g MigrationScript,
    pub direction: Direction,
    pub remove_heads: Vec<String>,
    pub add_heads: Vec<String>,
}

impl<'g> Step<'g> {
    /// The section this step runs (None: a downgrade of a file without one).
    pub fn section(&self) -> Option<&'g crate::script::Section> {
        match self.direction {
            Direction::Up => Some(&self.revision.upgrade),
            Direction::Down => self.revision.downgrade.as_ref(),
        }
    }
}

impl RevisionGraph {
    /// The steps of `upgrade <target>` from the database's heads `current`. A
    /// range (offline mode) starts from its FROM instead of `current`.
    pub fn plan_upgrade(
        &self,
        current: &[String],
        target: &RevisionSpec,
    ) -> Result<Vec<Step<'_>>, GraphError> {
        let (from, to) = self.resolve_range(target, current)?;
        self.plan_upgrade_to(&from, &to)
    }

    /// The steps of `downgrade <target>` from `current`; a range starts from its
    /// FROM. A branch spec (`feature@-1`, `feature@head`) reverts only that
    /// branch (and whatever depends on what it reverts), as in Alembic.
    pub fn plan_downgrade(
        &self,
        current: &[String],
        target: &RevisionSpec,
    ) -> Result<Vec<Step<'_>>, GraphError> {
        let (from, to) = self.resolve_range(target, current)?;
        let branch = match target {
            RevisionSpec::BranchRelative { branch, .. } | RevisionSpec::BranchHead(branch) => {
                Some(branch.as_str())
            }
            _ => None,
        };
        self.plan_downgrade_within(&from, &to, branch)
    }

    /// Applies every revision the targets need that `current` does not stand
    /// for, parents and dependencies first (empty targets: base, nothing to do).
    pub fn plan_upgrade_to(
        &self,
        current: &[String],
        targets: &[String],
    ) -> Result<Vec<Step<'_>>, GraphError> {
        let mut applied = self.closure_up(self.current_indices(current)?, true);
        let needed = self.closure_up(self.target_indices(targets)?, true);
        let mut rows: BTreeSet<String> = current.iter().cloned().collect();
        let mut steps = Vec::new();
        for i in needed
            .difference(&applied.clone())
            .copied()
            .collect::<Vec<_>>()
        {
            applied.insert(i);
            steps.push(self.step(i, Direction::Up, &mut rows, &applied));
        }
        Ok(steps)
    }

    /// Reverts every applied revision above the targets, children and dependents
    /// first (empty targets: base, everything). A target that is not applied is
    /// an error: downgrade only moves down.
    pub fn plan_downgrade_to(
        &self,
        current: &[String],
        targets: &[String],
    ) -> Result<Vec<Step<'_>>, GraphError> {
        self.plan_downgrade_within(current, targets, None)
    }

    fn plan_downgrade_within(
        &self,
        current: &[String],
        targets: &[String],
        branch: Option<&str>,
    ) -> Result<Vec<Step<'_>>, GraphError> {
        let current_positions = self.current_indices(current)?;
        let mut applied = self.closure_up(current_positions.iter().copied(), true);
        let targets = self.target_indices(targets)?;
        if let Some(&missing) = targets.iter().find(|t| !applied.contains(t)) {
            return Err(GraphError::NotAnAncestor {
                target: self.id(missing).to_string(),
                current: self.owned_ids(current_positions),
            });
        }
        let keep = self.closure_up(targets.iter().copied(), true);
        let mut above: BTreeSet<usize> = if targets.is_empty() {
            applied.clone()
        } else {
            self.closure_down(targets.iter().copied(), true)
        };
        if let Some(label) = branch {
            // Only the branch's own revisions, then everything that requires them.
            let on_branch: Vec<usize> = above
                .iter()
                .copied()
                .filter(|&i| self.effective_labels[i].contains(label))
                .collect();
            above = self.closure_down(on_branch, true);
        }
        let remove: BTreeSet<usize> = above
            .intersection(&applied)
            .copied()
            .filter(|i| !keep.contains(i))
            .collect();
        let mut rows: BTreeSet<String> = current.iter().cloned().collect();
        let mut steps = Vec::new();
        for &i in remove.iter().rev() {
            applied.remove(&i);
            steps.push(self.step(i, Direction::Down, &mut rows, &applied));
        }
        Ok(steps)
    }

    /// Exact ids (a plan's targets come from [`Self::resolve`]).
    fn target_indices(&self, targets: &[String]) -> Result<BTreeSet<usize>, GraphError> {
        targets
            .iter()
            .map(|t| {
                self.index
                    .get(t.as_str())
                    .copied()
                    .ok_or_else(|| GraphError::UnknownRevision { spec: t.clone() })
            })
            .collect()
    }

    /// The step for revision `i`, given what is applied after it; `rows` is the
    /// version table before it, updated to after it.
    fn step(
        &self,
        i: usize,
        direction: Direction,
        rows: &mut BTreeSet<String>,
        applied: &BTreeSet<usize>,
    ) -> Step<'_> {
        let after: BTreeSet<String> = self.owned_ids(self.heads_of(applied)).into_iter().collect();
        let remove_heads = rows.difference(&after).cloned().collect();
        let add_heads = after.difference(rows).cloned().collect();
        *rows = after;
        Step {
            revision: &self.scripts[i],
            direction,
            remove_heads,
            add_heads,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::revision_graph::tests::{full, graph, labelled, rev, short};
    use super::*;

    /// (revision, direction, removed rows, added rows), with short ids.
    type Row = (String, Direction, Vec<String>, Vec<String>);

    fn rows(steps: Vec<Step<'_>>) -> Vec<Row> {
        steps
            .into_iter()
            .map(|s| {
                (
                    short([&s.revision.revision]).remove(0),
                    s.direction,
                    short(s.remove_heads),
                    short(s.add_heads),
                )
            })
            .collect()
    }

    fn up(g: &RevisionGraph, current: &[&str], target: &str) -> Vec<Row> {
        rows(
            g.plan_upgrade(&full(current), &target.parse().unwrap())
                .unwrap(),
        )
    }

    fn down(g: &RevisionGraph, current: &[&str], target: &str) -> Vec<Row> {
        rows(
            g.plan_downgrade(&full(current), &target.parse().unwrap())
                .unwrap(),
        )
    }

    fn r(id: &str, direction: Direction, remove: &[&str], add: &[&str]) -> Row {
        (
            id.to_string(),
            direction,
            remove.iter().map(|s| s.to_string()).collect(),
            add.iter().map(|s| s.to_string()).collect(),
        )
    }

    use Direction::{Down, Up};

    /// a <- b <- c
    fn linear() -> RevisionGraph {
        graph(vec![rev("a", ""), rev("b", "a"), rev("c", "b")])
    }

    /// a <- b1, a <- b2, (b1, b2) <- m
    fn diamond() -> RevisionGraph {
        graph(vec![
            rev("a", ""),
            labelled("b1", "a", &["one"]),
            labelled("b2", "a", &["two"]),
            rev("m", "b1 b2"),
        ])
    }

    #[test]
    fn upgrading_a_linear_chain_replaces_the_head_at_each_step() {
        assert_eq!(
            up(&linear(), &[], "head"),
            [
                r("a", Up, &[], &["a"]),
                r("b", Up, &["a"], &["b"]),
                r("c", Up, &["b"], &["c"])
            ]
        );
        assert_eq!(up(&linear(), &["a"], "+1"), [r("b", Up, &["a"], &["b"])]);
    }

    #[test]
    fn upgrading_to_an_applied_revision_is_an_empty_plan() {
        assert!(up(&linear(), &["c"], "head").is_empty());
        assert!(up(&linear(), &["c"], "a").is_empty());
        assert!(up(&linear(), &["c"], "base").is_empty());
    }

    #[test]
    fn downgrading_a_linear_chain_to_base_removes_the_root_last() {
        assert_eq!(
            down(&linear(), &["c"], "base"),
            [
                r("c", Down, &["c"], &["b"]),
                r("b", Down, &["b"], &["a"]),
                r("a", Down, &["a"], &[])
            ]
        );
        assert_eq!(
            down(&linear(), &["c"], "-1"),
            [r("c", Down, &["c"], &["b"])]
        );
        assert!(down(&linear(), &["b"], "b").is_empty());
    }

    #[test]
    fn downgrading_to_a_revision_above_the_current_one_is_refused() {
        let err = linear()
            .plan_downgrade(&full(&["a"]), &"c".parse().unwrap())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot downgrade to c00000000000: it is not applied below the current revision (a00000000000); use `upgrade` to move up"
        );
        let err = linear()
            .plan_downgrade(&[], &"a".parse().unwrap())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("below the current revisions (base)"),
            "{err}"
        );
    }

    #[test]
    fn upgrading_heads_applies_every_branch_parents_first() {
        let g = graph(vec![
            rev("a", ""),
            rev("b1", "a"),
            rev("c1", "b1"),
            rev("b2", "a"),
        ]);
        assert_eq!(
            up(&g, &[], "heads"),
            [
                r("a", Up, &[], &["a"]),
                r("b1", Up, &["a"], &["b1"]),
                r("b2", Up, &[], &["b2"]),
                r("c1", Up, &["b1"], &["c1"]),
            ]
        );
    }

    #[test]
    fn upgrading_one_branch_leaves_the_other_alone() {
        let g = diamond();
        assert_eq!(up(&g, &["a"], "b2"), [r("b2", Up, &["a"], &["b2"])]);
        // Starting a second branch inserts a row beside the first.
        assert_eq!(up(&g, &["b1"], "b2"), [r("b2", Up, &[], &["b2"])]);
    }

    #[test]
    fn upgrading_a_merge_replaces_all_its_parents() {
        let g = diamond();
        assert_eq!(
            up(&g, &["b1", "b2"], "head"),
            [r("m", Up, &["b1", "b2"], &["m"])]
        );
        assert_eq!(
            up(&g, &["b1"], "head"),
            [r("b2", Up, &[], &["b2"]), r("m", Up, &["b1", "b2"], &["m"])]
        );
    }

    #[test]
    fn downgrading_a_merge_restores_its_parents() {
        let g = diamond();
        assert_eq!(down(&g, &["m"], "one@head"), Vec::<Row>::new());
        assert_eq!(
            down(&g, &["m"], "b1"),
            [r("m", Down, &["m"], &["b1", "b2"])]
        );
        assert_eq!(
            down(&g, &["m"], "base"),
            [
                r("m", Down, &["m"], &["b1", "b2"]),
                r("b2", Down, &["b2"], &[]),
                r("b1", Down, &["b1"], &["a"]),
                r("a", Down, &["a"], &[]),
            ]
        );
    }

    #[test]
    fn downgrading_one_branch_keeps_a_parent_the_other_still_needs() {
        let g = diamond();
        // b1 goes; a stays needed by b2, so it does not come back as a row.
        assert_eq!(
            down(&g, &["b1", "b2"], "one@-1"),
            [r("b1", Down, &["b1"], &[])]
        );
        // Then b2 goes; now a is the head again.
        assert_eq!(
            down(&g, &["b2"], "two@-1"),
            [r("b2", Down, &["b2"], &["a"])]
        );
        // Without a branch, everything above the target goes.
        assert_eq!(
            down(&g, &["b1", "b2"], "a"),
            [r("b2", Down, &["b2"], &[]), r("b1", Down, &["b1"], &["a"])]
        );
    }

    #[test]
    fn downgrading_a_branch_point_reverts_every_branch_above_it() {
        let g = graph(vec![rev("a", ""), rev("b1", "a"), rev("b2", "a")]);
        assert_eq!(
            down(&g, &["b1", "b2"], "a"),
            [r("b2", Down, &["b2"], &[]), r("b1", Down, &["b1"], &["a"])]
        );
    }

    #[test]
    fn a_dependency_is_upgraded_first_and_its_row_absorbed() {
        // x (root of its own branch) depends on b.
        let g = graph(vec![rev("a", ""), rev("b", "a"), rev("x", "|b")]);
        assert_eq!(
            up(&g, &[], "x"),
            [
                r("a", Up, &[], &["a"]),
                r("b", Up, &["a"], &["b"]),
                r("x", Up, &["b"], &["x"])
            ]
        );
        // Downgrading b takes its dependent x down first.
        assert_eq!(
            down(&g, &["x"], "a"),
            [r("x", Down, &["x"], &["b"]), r("b", Down, &["b"], &["a"])]
        );
        // Downgrading x alone brings b back as a row.
        assert_eq!(down(&g, &["x"], "b"), [r("x", Down, &["x"], &["b"])]);
    }

    #[test]
    fn after_a_dependency_is_absorbed_nothing_is_pending() {
        let g = graph(vec![rev("a", ""), rev("b", "a"), rev("x", "|b")]);
        // Both b and x are heads of the graph, yet the table holds only x.
        let steps = g.plan_upgrade(&[], &RevisionSpec::Heads).unwrap();
        assert_eq!(steps.last().unwrap().add_heads, full(&["x"]));
        assert!(g.pending(&full(&["x"])).unwrap().is_empty());
        assert!(up(&g, &["x"], "heads").is_empty());
    }

    #[test]
    fn a_dependency_on_another_branch_is_applied_without_absorbing_its_head() {
        // a <- b1 <- c1 ; a <- b2 ; c1 depends on b2.
        let g = graph(vec![
            rev("a", ""),
            rev("b1", "a"),
            rev("c1", "b1|b2"),
            rev("b2", "a"),
        ]);
        assert_eq!(
            up(&g, &["b1"], "c1"),
            [
                r("b2", Up, &[], &["b2"]),
                r("c1", Up, &["b1", "b2"], &["c1"])
            ]
        );
        // Reverting c1 gives both rows back.
        assert_eq!(
            down(&g, &["c1"], "b1"),
            [r("c1", Down, &["c1"], &["b1", "b2"])]
        );
    }

    #[test]
    fn upgrading_along_a_branch_label() {
        let g = diamond();
        assert_eq!(up(&g, &["a"], "two@+1"), [r("b2", Up, &["a"], &["b2"])]);
        assert_eq!(up(&g, &["a"], "one"), [r("b1", Up, &["a"], &["b1"])]);
        // The merge inherits both labels, so it is the head of each branch.
        assert_eq!(
            up(&g, &["a"], "one@head"),
            [
                r("b1", Up, &["a"], &["b1"]),
                r("b2", Up, &[], &["b2"]),
                r("m", Up, &["b1", "b2"], &["m"]),
            ]
        );
    }

    #[test]
    fn relative_plans_refuse_to_guess() {
        let g = diamond();
        let err = g
            .plan_downgrade(&full(&["b1", "b2"]), &"-1".parse().unwrap())
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("`-1` is ambiguous: the database is at 2 heads"),
            "{err}"
        );
        let err = g
            .plan_upgrade(&full(&["a"]), &"+1".parse().unwrap())
            .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot walk up from a00000000000"),
            "{err}"
        );
    }

    #[test]
    fn upgrading_heads_of_the_diamond_from_base() {
        assert_eq!(
            up(&diamond(), &[], "heads"),
            [
                r("a", Up, &[], &["a"]),
                r("b1", Up, &["a"], &["b1"]),
                r("b2", Up, &[], &["b2"]),
                r("m", Up, &["b1", "b2"], &["m"]),
            ]
        );
    }

    #[test]
    fn redundant_rows_are_cleaned_by_the_first_step() {
        // A version table holding both a and its descendant b.
        assert_eq!(
            up(&linear(), &["a", "b"], "head"),
            [r("c", Up, &["a", "b"], &["c"])]
        );
    }

    #[test]
    fn a_range_plans_from_its_start_without_the_database() {
        assert_eq!(
            up(&linear(), &[], "a:head"),
            [r("b", Up, &["a"], &["b"]), r("c", Up, &["b"], &["c"])]
        );
        assert_eq!(
            down(&linear(), &[], "c:a"),
            [r("c", Down, &["c"], &["b"]), r("b", Down, &["b"], &["a"])]
        );
    }

    #[test]
    fn a_step_knows_its_section() {
        let g = linear();
        let steps = g.plan_upgrade_to(&[], &full(&["a"])).unwrap();
        assert_eq!(steps[0].section().unwrap().statements[0].sql, "SELECT 'a'");
        let steps = g.plan_downgrade_to(&full(&["a"]), &[]).unwrap();
        assert_eq!(
            steps[0].section().unwrap().statements[0].sql,
            "SELECT 'undo a'"
        );
    }

    #[test]
    fn unknown_targets_and_current_revisions_are_errors() {
        let g = linear();
        assert!(g.plan_upgrade_to(&[], &["nope".to_string()]).is_err());
        assert!(g
            .plan_upgrade(&full(&["zz"]), &RevisionSpec::Head)
            .unwrap_err()
            .to_string()
            .contains("zz0000000000"));
    }
}
