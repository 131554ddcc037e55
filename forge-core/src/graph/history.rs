//! `history`: every revision from the heads down to base, with where branches
//! fork and merge.

use serde::Serialize;

use super::revision_graph::RevisionGraph;
use crate::script::MigrationScript;

/// One line of `migrate history`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry<'g> {
    pub script: &'g MigrationScript,
    pub children: Vec<String>,
    /// Labels in effect (declared here or inherited along the branch).
    pub branch_labels: Vec<String>,
    pub is_head: bool,
    /// A root: no parents.
    pub is_base: bool,
    /// Several children start here.
    pub is_branch_point: bool,
    /// Several parents join here.
    pub is_merge_point: bool,
}

impl RevisionGraph {
    /// All revisions, newest first: children (and dependents) before the
    /// revisions they require, deterministic.
    pub fn history(&self) -> Vec<HistoryEntry<'_>> {
        (0..self.len())
            .rev()
            .map(|i| HistoryEntry {
                script: &self.scripts[i],
                children: self.owned_ids(self.children[i].iter().copied()),
                branch_labels: self.effective_labels[i].iter().cloned().collect(),
                is_head: self.children[i].is_empty(),
                is_base: self.parents[i].is_empty(),
                is_branch_point: self.children[i].len() > 1,
                is_merge_point: self.parents[i].len() > 1,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::revision_graph::tests::{graph, labelled, rev, short};

    #[test]
    fn lists_from_heads_to_base_with_forks_and_merges() {
        let g = graph(vec![
            rev("a", ""),
            labelled("b1", "a", &["feat"]),
            rev("b2", "a"),
            rev("m", "b1 b2"),
        ]);
        let h = g.history();
        assert_eq!(
            short(h.iter().map(|e| &e.script.revision)),
            ["m", "b2", "b1", "a"]
        );
        let flags: Vec<_> = h
            .iter()
            .map(|e| (e.is_head, e.is_base, e.is_branch_point, e.is_merge_point))
            .collect();
        assert_eq!(
            flags,
            [
                (true, false, false, true),
                (false, false, false, false),
                (false, false, false, false),
                (false, true, true, false)
            ]
        );
        assert_eq!(short(&h[3].children), ["b1", "b2"]);
        assert_eq!(h[0].branch_labels, ["feat"]);
        assert!(h[1].branch_labels.is_empty());
    }

    #[test]
    fn an_empty_graph_has_no_history() {
        assert!(graph(vec![]).history().is_empty());
    }
}
