//! `history`: every revision from the heads down to base, with where branches
//! fork and merge — as a list, or drawn as a graph in text (`history --graph`).

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

/// One row of a drawn history: the graph's lines at the left, and the
/// revision the row shows (None for a row that only bends lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphRow<'e, 'g> {
    pub lines: String,
    pub entry: Option<&'e HistoryEntry<'g>>,
}

/// Draws `entries` (newest first, as [`RevisionGraph::history`] lists them, or
/// a subset of them) as a graph, like `git log --graph`: one lane per open
/// line of descent, `*` for a revision (`current` ones as `@`), `/` where a
/// branch rejoins its fork point, `\` where a merge opens a lane to its second
/// parent. Parents outside `entries` are left out.
pub fn draw<'e, 'g>(
    entries: &'e [HistoryEntry<'g>],
    is_current: impl Fn(&str) -> bool,
) -> Vec<GraphRow<'e, 'g>> {
    let shown: std::collections::BTreeSet<&str> =
        entries.iter().map(|e| e.script.revision.as_str()).collect();
    // Each lane waits for the revision it leads to (None: free).
    let mut lanes: Vec<Option<&str>> = Vec::new();
    let mut rows = Vec::new();
    for entry in entries {
        let id = entry.script.revision.as_str();
        let waiting: Vec<usize> = (0..lanes.len()).filter(|&i| lanes[i] == Some(id)).collect();
        let column = match waiting.first() {
            Some(&first) => first,
            None => free_lane(&mut lanes, 0),
        };
        // Children that forked from here rejoin this lane first.
        let joining = &waiting[waiting.len().min(1)..];
        if !joining.is_empty() {
            for &j in joining {
                lanes[j] = None;
            }
            let mut row = lane_chars(&lanes);
            for &j in joining {
                bend(&mut row, column, j, '/');
            }
            rows.push(GraphRow {
                lines: row.iter().collect::<String>().trim_end().to_string(),
                entry: None,
            });
        }
        let mut node = lane_chars(&lanes);
        node[2 * column] = if is_current(id) { '@' } else { '*' };
        rows.push(GraphRow {
            lines: node.iter().collect::<String>().trim_end().to_string(),
            entry: Some(entry),
        });

        let parents: Vec<&str> = entry
            .script
            .parents
            .iter()
            .map(String::as_str)
            .filter(|p| shown.contains(p))
            .collect();
        lanes[column] = parents.first().copied();
        let mut opened = Vec::new();
        for parent in parents.iter().skip(1) {
            if !lanes.contains(&Some(*parent)) {
                let lane = free_lane(&mut lanes, column + 1);
                lanes[lane] = Some(*parent);
                opened.push(lane);
            }
        }
        if !opened.is_empty() {
            let mut row = lane_chars(&lanes);
            for &lane in &opened {
                row[2 * lane] = ' ';
                bend(&mut row, column, lane, '\\');
            }
            rows.push(GraphRow {
                lines: row.iter().collect::<String>().trim_end().to_string(),
                entry: None,
            });
        }
        while lanes.last() == Some(&None) {
            lanes.pop();
        }
    }
    rows
}

/// The first free lane at or after `from`, added at the right if none is.
fn free_lane(lanes: &mut Vec<Option<&str>>, from: usize) -> usize {
    match (from..lanes.len()).find(|&i| lanes[i].is_none()) {
        Some(i) => i,
        None => {
            while lanes.len() < from {
                lanes.push(None);
            }
            lanes.push(None);
            lanes.len() - 1
        }
    }
}

/// `|` for every open lane, spaces between (two characters per lane).
fn lane_chars(lanes: &[Option<&str>]) -> Vec<char> {
    let mut chars = vec![' '; lanes.len() * 2 + 1];
    for (i, lane) in lanes.iter().enumerate() {
        if lane.is_some() {
            chars[2 * i] = '|';
        }
    }
    chars
}

/// A line between lane `from` and lane `to` (to the right of it): `/` or `\`
/// just left of `to`, `_` over the free space between.
fn bend(row: &mut [char], from: usize, to: usize, slant: char) {
    row[2 * to - 1] = slant;
    for c in row.iter_mut().take(2 * to - 1).skip(2 * from + 1) {
        if *c == ' ' {
            *c = '_';
        }
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

    fn drawn(g: &crate::graph::RevisionGraph, current: &[&str]) -> Vec<String> {
        let history = g.history();
        super::draw(&history, |id| {
            current
                .iter()
                .any(|c| super::super::revision_graph::tests::pad(c) == id)
        })
        .into_iter()
        .map(|row| match row.entry {
            Some(e) => format!("{} {}", row.lines, short([&e.script.revision])[0]),
            None => row.lines,
        })
        .collect()
    }

    #[test]
    fn a_line_of_revisions_is_one_lane() {
        let g = graph(vec![rev("a", ""), rev("b", "a"), rev("c", "b")]);
        assert_eq!(drawn(&g, &["b"]), ["* c", "@ b", "* a"]);
    }

    #[test]
    fn a_branch_and_its_merge_open_and_close_a_lane() {
        let g = graph(vec![
            rev("a", ""),
            labelled("b1", "a", &["feat"]),
            rev("b2", "a"),
            rev("m", "b1 b2"),
        ]);
        assert_eq!(
            drawn(&g, &["m"]),
            ["@ m", "|\\", "| * b2", "* | b1", "|/", "* a"]
        );
    }

    #[test]
    fn two_open_heads_are_two_lanes_that_meet_at_their_fork() {
        let g = graph(vec![
            rev("a", ""),
            rev("b", "a"),
            rev("c", "a"),
            rev("d", "c"),
        ]);
        assert_eq!(drawn(&g, &[]), ["* d", "* c", "| * b", "|/", "* a"]);
    }

    #[test]
    fn a_lane_far_away_bends_over_the_free_space() {
        // Three branches from a; the outer ones rejoin across the middle lane.
        let g = graph(vec![
            rev("a", ""),
            rev("b", "a"),
            rev("c", "a"),
            rev("d", "a"),
        ]);
        assert_eq!(drawn(&g, &[]), ["* d", "| * c", "| | * b", "|/_/", "* a"]);
    }

    #[test]
    fn several_roots_each_start_a_lane() {
        let g = graph(vec![rev("a", ""), rev("b", "")]);
        assert_eq!(drawn(&g, &[]), ["* b", "* a"]);
    }

    #[test]
    fn an_empty_graph_has_no_history() {
        assert!(graph(vec![]).history().is_empty());
    }
}
