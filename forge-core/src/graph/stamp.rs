//! `stamp`: the version-table rows after declaring the database to be at a
//! revision without running anything.

use std::collections::BTreeSet;

use serde::Serialize;

use super::error::GraphError;
use super::revision_graph::RevisionGraph;

/// The version table after a stamp, and the rows that change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stamp {
    pub heads: Vec<String>,
    pub remove_heads: Vec<String>,
    pub add_heads: Vec<String>,
}

impl RevisionGraph {
    /// Stamps `targets` over `current`: each target counts as applied with all it
    /// requires, what lies above it on its line counts as not applied, and other
    /// branches stay (empty targets: base, nothing applied). For `--purge`, pass
    /// no `current`.
    pub fn stamp(&self, current: &[String], targets: &[String]) -> Result<Stamp, GraphError> {
        let mut applied = self.closure_up(self.current_indices(current)?, true);
        let targets = self.current_indices(targets).map_err(|e| match e {
            GraphError::UnknownCurrentRevision { revision } => {
                GraphError::UnknownRevision { spec: revision }
            }
            other => other,
        })?;
        if targets.is_empty() {
            applied.clear();
        }
        for &t in &targets {
            let mut above = self.closure_down([t], true);
            above.remove(&t);
            applied.retain(|i| !above.contains(i));
            applied.extend(self.closure_up([t], true));
        }
        let heads: BTreeSet<String> = self
            .owned_ids(self.heads_of(&applied))
            .into_iter()
            .collect();
        let before: BTreeSet<String> = current.iter().cloned().collect();
        Ok(Stamp {
            remove_heads: before.difference(&heads).cloned().collect(),
            add_heads: heads.difference(&before).cloned().collect(),
            heads: heads.into_iter().collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::revision_graph::tests::{full, graph, rev, short};

    fn stamp(current: &[&str], targets: &[&str]) -> (Vec<String>, Vec<String>, Vec<String>) {
        let g = graph(vec![
            rev("a", ""),
            rev("b", "a"),
            rev("c", "b"),
            rev("x", "a"),
        ]);
        let s = g.stamp(&full(current), &full(targets)).unwrap();
        (short(s.heads), short(s.remove_heads), short(s.add_heads))
    }

    fn v(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn stamping_an_empty_database() {
        assert_eq!(stamp(&[], &["b"]), (v(&["b"]), v(&[]), v(&["b"])));
    }

    #[test]
    fn stamping_up_and_down_a_line_replaces_its_row() {
        assert_eq!(stamp(&["a"], &["c"]), (v(&["c"]), v(&["a"]), v(&["c"])));
        assert_eq!(stamp(&["c"], &["a"]), (v(&["a"]), v(&["c"]), v(&["a"])));
    }

    #[test]
    fn stamping_one_branch_keeps_the_others() {
        assert_eq!(stamp(&["x"], &["c"]), (v(&["c", "x"]), v(&[]), v(&["c"])));
        assert_eq!(
            stamp(&["c", "x"], &["b"]),
            (v(&["b", "x"]), v(&["c"]), v(&["b"]))
        );
    }

    #[test]
    fn stamping_base_clears_the_table() {
        assert_eq!(stamp(&["c", "x"], &[]), (v(&[]), v(&["c", "x"]), v(&[])));
    }

    #[test]
    fn purge_is_stamping_over_nothing() {
        assert_eq!(stamp(&[], &["c"]).0, v(&["c"]));
    }

    #[test]
    fn an_unknown_target_is_an_error() {
        let g = graph(vec![rev("a", "")]);
        assert!(g
            .stamp(&[], &full(&["f"]))
            .unwrap_err()
            .to_string()
            .starts_with("no revision matches"));
    }
}
