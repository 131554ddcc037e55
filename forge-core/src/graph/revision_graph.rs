//! The DAG the migration files form: validation, topological order, heads and
//! bases, ancestry and branch labels.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};

use super::error::GraphError;
use crate::script::{MigrationScript, ScriptDirectory};

/// The validated revision graph. Revisions are kept in a deterministic
/// topological order (parents and dependencies before children; among
/// revisions ready at the same time, older `created` first, then by id), and
/// referred to internally by their position in it.
#[derive(Debug, Clone)]
pub struct RevisionGraph {
    pub(super) scripts: Vec<MigrationScript>,
    pub(super) index: HashMap<String, usize>,
    /// Parents (not dependencies) of each revision.
    pub(super) parents: Vec<Vec<usize>>,
    /// Children (through parents only) of each revision.
    pub(super) children: Vec<Vec<usize>>,
    /// Parents and dependencies: what must be applied before each revision.
    pub(super) requires: Vec<Vec<usize>>,
    /// Children and dependents: what requires each revision.
    pub(super) required_by: Vec<Vec<usize>>,
    /// Each label and the revision that declares it.
    pub(super) labels: BTreeMap<String, usize>,
    /// Labels in effect on each revision: its own and those of its ancestors
    /// (through parents), as a label is inherited along its branch.
    pub(super) effective_labels: Vec<BTreeSet<String>>,
}

impl RevisionGraph {
    /// Builds and validates the graph: unique ids, existing parents and
    /// dependencies, no cycle, each branch label declared once.
    pub fn new(scripts: Vec<MigrationScript>) -> Result<Self, GraphError> {
        check_unique_revisions(&scripts)?;
        check_references(&scripts)?;
        let scripts = topological_order(scripts)?;
        let index: HashMap<String, usize> = scripts
            .iter()
            .enumerate()
            .map(|(i, s)| (s.revision.clone(), i))
            .collect();
        let n = scripts.len();
        let mut parents = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        let mut requires = vec![Vec::new(); n];
        let mut required_by = vec![Vec::new(); n];
        for (i, script) in scripts.iter().enumerate() {
            for parent in &script.parents {
                let p = index[parent];
                parents[i].push(p);
                children[p].push(i);
            }
            for required in script.requires() {
                let r = index[required];
                if !requires[i].contains(&r) {
                    requires[i].push(r);
                    required_by[r].push(i);
                }
            }
        }
        for list in children.iter_mut().chain(required_by.iter_mut()) {
            list.sort_unstable();
        }
        let labels = declared_labels(&scripts, &index)?;
        let mut effective_labels = vec![BTreeSet::new(); n];
        for i in 0..n {
            let inherited: BTreeSet<String> = parents[i]
                .iter()
                .flat_map(|&p| effective_labels[p].iter().cloned())
                .collect();
            effective_labels[i] = inherited;
            effective_labels[i].extend(scripts[i].branch_labels.iter().cloned());
        }
        Ok(RevisionGraph {
            scripts,
            index,
            parents,
            children,
            requires,
            required_by,
            labels,
            effective_labels,
        })
    }

    /// The graph of a directory's migrations.
    pub fn from_directory(directory: ScriptDirectory) -> Result<Self, GraphError> {
        Self::new(directory.scripts)
    }

    pub fn len(&self) -> usize {
        self.scripts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scripts.is_empty()
    }

    /// Every revision, parents and dependencies before children.
    pub fn scripts(&self) -> &[MigrationScript] {
        &self.scripts
    }

    /// The revision with exactly this id.
    pub fn get(&self, revision: &str) -> Option<&MigrationScript> {
        self.index.get(revision).map(|&i| &self.scripts[i])
    }

    /// Revisions no other revision has as a parent: the tips of the branches.
    pub fn heads(&self) -> Vec<&str> {
        self.ids((0..self.len()).filter(|&i| self.children[i].is_empty()))
    }

    /// Revisions without parents.
    pub fn bases(&self) -> Vec<&str> {
        self.ids((0..self.len()).filter(|&i| self.parents[i].is_empty()))
    }

    /// Revisions that have `revision` as a parent.
    pub fn children(&self, revision: &str) -> Vec<&str> {
        self.index
            .get(revision)
            .map_or_else(Vec::new, |&i| self.ids(self.children[i].iter().copied()))
    }

    /// Revisions that declare `-- forge:depends-on revision`.
    pub fn dependents(&self, revision: &str) -> Vec<&str> {
        self.index.get(revision).map_or_else(Vec::new, |&i| {
            self.ids(
                self.required_by[i]
                    .iter()
                    .copied()
                    .filter(|c| !self.children[i].contains(c)),
            )
        })
    }

    /// Everything that must be applied before `revision` (through parents and
    /// dependencies), in topological order.
    pub fn ancestors(&self, revision: &str) -> Vec<&str> {
        self.index.get(revision).map_or_else(Vec::new, |&i| {
            let mut set = self.closure_up([i], true);
            set.remove(&i);
            self.ids(set)
        })
    }

    /// Everything that requires `revision`, directly or not, in topological order.
    pub fn descendants(&self, revision: &str) -> Vec<&str> {
        self.index.get(revision).map_or_else(Vec::new, |&i| {
            let mut set = self.closure_down([i], true);
            set.remove(&i);
            self.ids(set)
        })
    }

    /// The branch labels in effect on `revision`: declared by it or inherited
    /// from an ancestor on its branch.
    pub fn branch_labels(&self, revision: &str) -> Vec<&str> {
        self.index.get(revision).map_or_else(Vec::new, |&i| {
            self.effective_labels[i]
                .iter()
                .map(String::as_str)
                .collect()
        })
    }

    /// Every declared label and the revision that declares it.
    pub fn labels(&self) -> impl Iterator<Item = (&str, &str)> {
        self.labels
            .iter()
            .map(|(l, &i)| (l.as_str(), self.scripts[i].revision.as_str()))
    }

    /// The revisions that `current` (the heads stored in the database) stands
    /// for: the heads and all they require, in topological order.
    pub fn applied(&self, current: &[String]) -> Result<Vec<&str>, GraphError> {
        let current = self.current_indices(current)?;
        Ok(self.ids(self.closure_up(current, true)))
    }

    /// The revisions not yet applied when the database is at `current`.
    pub fn pending(&self, current: &[String]) -> Result<Vec<&MigrationScript>, GraphError> {
        let applied = self.closure_up(self.current_indices(current)?, true);
        Ok((0..self.len())
            .filter(|i| !applied.contains(i))
            .map(|i| &self.scripts[i])
            .collect())
    }

    // --- internal helpers on positions ---

    pub(super) fn id(&self, i: usize) -> &str {
        &self.scripts[i].revision
    }

    pub(super) fn ids(&self, positions: impl IntoIterator<Item = usize>) -> Vec<&str> {
        positions.into_iter().map(|i| self.id(i)).collect()
    }

    pub(super) fn owned_ids(&self, positions: impl IntoIterator<Item = usize>) -> Vec<String> {
        positions
            .into_iter()
            .map(|i| self.id(i).to_string())
            .collect()
    }

    /// Positions of the database's heads; an id no file defines is an error.
    pub(super) fn current_indices(
        &self,
        current: &[String],
    ) -> Result<BTreeSet<usize>, GraphError> {
        current
            .iter()
            .map(|c| {
                self.index.get(c.as_str()).copied().ok_or_else(|| {
                    GraphError::UnknownCurrentRevision {
                        revision: c.clone(),
                    }
                })
            })
            .collect()
    }

    /// `start` and everything it requires (with `deps`: through dependencies too).
    pub(super) fn closure_up(
        &self,
        start: impl IntoIterator<Item = usize>,
        deps: bool,
    ) -> BTreeSet<usize> {
        let edges = if deps { &self.requires } else { &self.parents };
        walk(start, edges)
    }

    /// `start` and everything that requires it (with `deps`: through dependencies too).
    pub(super) fn closure_down(
        &self,
        start: impl IntoIterator<Item = usize>,
        deps: bool,
    ) -> BTreeSet<usize> {
        let edges = if deps {
            &self.required_by
        } else {
            &self.children
        };
        walk(start, edges)
    }

    /// The minimal set that stands for `applied`: the applied revisions nothing
    /// applied requires. This is what the version table stores.
    pub(super) fn heads_of(&self, applied: &BTreeSet<usize>) -> BTreeSet<usize> {
        applied
            .iter()
            .copied()
            .filter(|&i| !self.required_by[i].iter().any(|c| applied.contains(c)))
            .collect()
    }
}

fn walk(start: impl IntoIterator<Item = usize>, edges: &[Vec<usize>]) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<usize> = start.into_iter().collect();
    while let Some(i) = stack.pop() {
        if seen.insert(i) {
            stack.extend(edges[i].iter().copied());
        }
    }
    seen
}

/// Two files with one id cannot both be applied or referred to.
fn check_unique_revisions(scripts: &[MigrationScript]) -> Result<(), GraphError> {
    let mut seen: HashMap<&str, &MigrationScript> = HashMap::new();
    for script in scripts {
        if let Some(first) = seen.insert(&script.revision, script) {
            return Err(GraphError::DuplicateRevision {
                revision: script.revision.clone(),
                first: first.path.clone(),
                second: script.path.clone(),
            });
        }
    }
    Ok(())
}

/// A parent or dependency without a file makes every plan through it impossible.
fn check_references(scripts: &[MigrationScript]) -> Result<(), GraphError> {
    let known: BTreeSet<&str> = scripts.iter().map(|s| s.revision.as_str()).collect();
    for script in scripts {
        if let Some(parent) = script.parents.iter().find(|p| !known.contains(p.as_str())) {
            return Err(GraphError::MissingParent {
                revision: script.revision.clone(),
                parent: parent.clone(),
                file: script.path.clone(),
            });
        }
        if let Some(dependency) = script
            .depends_on
            .iter()
            .find(|d| !known.contains(d.as_str()))
        {
            return Err(GraphError::MissingDependency {
                revision: script.revision.clone(),
                dependency: dependency.clone(),
                file: script.path.clone(),
            });
        }
    }
    Ok(())
}

/// Kahn's algorithm over parents and dependencies; what is left over lies on a cycle.
fn topological_order(scripts: Vec<MigrationScript>) -> Result<Vec<MigrationScript>, GraphError> {
    let position: HashMap<&str, usize> = scripts
        .iter()
        .enumerate()
        .map(|(i, s)| (s.revision.as_str(), i))
        .collect();
    let n = scripts.len();
    let mut waiting_on = vec![0usize; n];
    let mut unblocks = vec![Vec::new(); n];
    for (i, script) in scripts.iter().enumerate() {
        let required: BTreeSet<usize> = script.requires().map(|r| position[r.as_str()]).collect();
        waiting_on[i] = required.len();
        for r in required {
            unblocks[r].push(i);
        }
    }
    let key = |i: usize| -> (Option<DateTime<Utc>>, &str, usize) {
        (scripts[i].created, &scripts[i].revision, i)
    };
    let mut ready: BTreeSet<_> = (0..n).filter(|&i| waiting_on[i] == 0).map(key).collect();
    let mut order = Vec::with_capacity(n);
    while let Some((_, _, i)) = ready.pop_first() {
        order.push(i);
        for &next in &unblocks[i] {
            waiting_on[next] -= 1;
            if waiting_on[next] == 0 {
                ready.insert(key(next));
            }
        }
    }
    if order.len() < n {
        let stuck: BTreeSet<usize> = (0..n).filter(|&i| waiting_on[i] > 0).collect();
        let cycle = find_cycle(&scripts, &position, &stuck);
        return Err(GraphError::Cycle { cycle });
    }
    let mut slots: Vec<Option<MigrationScript>> = scripts.into_iter().map(Some).collect();
    Ok(order
        .into_iter()
        .map(|i| slots[i].take().expect("each position once"))
        .collect())
}

/// A cycle among `stuck` (the revisions Kahn's algorithm could not order), as
/// ids from a revision back to itself.
fn find_cycle(
    scripts: &[MigrationScript],
    position: &HashMap<&str, usize>,
    stuck: &BTreeSet<usize>,
) -> Vec<String> {
    // Every stuck revision requires a stuck revision, so following requirements
    // from any of them must revisit one: that stretch is a cycle.
    let Some(&start) = stuck.first() else {
        return Vec::new();
    };
    let mut path = vec![start];
    loop {
        let current = *path.last().expect("path is never empty");
        let next = scripts[current]
            .requires()
            .map(|r| position[r.as_str()])
            .filter(|p| stuck.contains(p))
            .min()
            .expect("a stuck revision requires a stuck revision");
        if let Some(at) = path.iter().position(|&p| p == next) {
            let mut cycle: Vec<String> = path[at..]
                .iter()
                .map(|&p| scripts[p].revision.clone())
                .collect();
            // Read it parent -> child, the way history is drawn, from its smallest id.
            cycle.reverse();
            let smallest = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap_or(0);
            cycle.rotate_left(smallest);
            cycle.push(cycle[0].clone());
            return cycle;
        }
        path.push(next);
    }
}

/// A label must name one branch; it must not read as a revision id.
fn declared_labels(
    scripts: &[MigrationScript],
    index: &HashMap<String, usize>,
) -> Result<BTreeMap<String, usize>, GraphError> {
    let mut labels = BTreeMap::new();
    for (i, script) in scripts.iter().enumerate() {
        for label in &script.branch_labels {
            if index.contains_key(label) {
                return Err(GraphError::BranchLabelIsRevision {
                    label: label.clone(),
                    revision: script.revision.clone(),
                });
            }
            if let Some(first) = labels.insert(label.clone(), i) {
                return Err(GraphError::DuplicateBranchLabel {
                    label: label.clone(),
                    first: scripts[first].revision.clone(),
                    second: script.revision.clone(),
                });
            }
        }
    }
    Ok(labels)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A migration with `id` whose parents (and `depends-on` after a `|`) are
    /// given as a space-separated list; ids are padded to 12 characters with `0`
    /// (built directly, so tests may use readable non-hex ids such as `m`).
    pub(crate) fn rev(id: &str, parents: &str) -> MigrationScript {
        let (parents, deps) = parents.split_once('|').unwrap_or((parents, ""));
        let section = |sql: String| crate::script::Section {
            statements: crate::script::split_statements(&sql, 1).unwrap(),
            sql,
            line: 1,
        };
        let upgrade = section(format!("SELECT '{id}';"));
        MigrationScript {
            revision: pad(id),
            parents: parents.split_whitespace().map(pad).collect(),
            message: format!("revision {id}"),
            created: None,
            branch_labels: Vec::new(),
            depends_on: deps.split_whitespace().map(pad).collect(),
            transactional: true,
            checksum: crate::script::checksum(&upgrade.sql),
            upgrade,
            downgrade: Some(section(format!("SELECT 'undo {id}';"))),
            path: format!("versions/{id}.sql").into(),
        }
    }

    /// `rev` with branch labels.
    pub(crate) fn labelled(id: &str, parents: &str, labels: &[&str]) -> MigrationScript {
        let mut script = rev(id, parents);
        script.branch_labels = labels.iter().map(|l| l.to_string()).collect();
        script
    }

    pub(crate) fn pad(id: &str) -> String {
        format!("{id:0<12}")
    }

    pub(crate) fn graph(scripts: Vec<MigrationScript>) -> RevisionGraph {
        RevisionGraph::new(scripts).unwrap()
    }

    /// Ids with their `0` padding removed, for readable assertions.
    pub(crate) fn short<S: AsRef<str>>(ids: impl IntoIterator<Item = S>) -> Vec<String> {
        ids.into_iter()
            .map(|s| s.as_ref().trim_end_matches('0').to_string())
            .collect()
    }

    pub(crate) fn full(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|i| pad(i)).collect()
    }

    fn error(scripts: Vec<MigrationScript>) -> String {
        RevisionGraph::new(scripts).unwrap_err().to_string()
    }

    /// a <- b <- c
    fn linear() -> RevisionGraph {
        graph(vec![rev("c", "b"), rev("a", ""), rev("b", "a")])
    }

    /// a <- b1, a <- b2, (b1, b2) <- m
    fn diamond() -> RevisionGraph {
        graph(vec![
            rev("a", ""),
            rev("b1", "a"),
            rev("b2", "a"),
            rev("m", "b1 b2"),
        ])
    }

    #[test]
    fn a_linear_chain_is_ordered_from_base_to_head() {
        let g = linear();
        assert_eq!(
            short(g.scripts().iter().map(|s| &s.revision)),
            ["a", "b", "c"]
        );
        assert_eq!(short(g.heads()), ["c"]);
        assert_eq!(short(g.bases()), ["a"]);
        assert_eq!(short(g.children(&pad("a"))), ["b"]);
        assert_eq!(short(g.ancestors(&pad("c"))), ["a", "b"]);
        assert_eq!(short(g.descendants(&pad("a"))), ["b", "c"]);
        assert_eq!(g.len(), 3);
    }

    #[test]
    fn an_empty_graph_has_no_heads() {
        let g = graph(vec![]);
        assert!(g.is_empty() && g.heads().is_empty() && g.bases().is_empty());
    }

    #[test]
    fn branches_have_several_heads_and_merges_join_them() {
        let g = graph(vec![rev("a", ""), rev("b1", "a"), rev("b2", "a")]);
        assert_eq!(short(g.heads()), ["b1", "b2"]);
        let g = diamond();
        assert_eq!(short(g.heads()), ["m"]);
        assert_eq!(short(g.ancestors(&pad("m"))), ["a", "b1", "b2"]);
        assert_eq!(short(g.children(&pad("a"))), ["b1", "b2"]);
    }

    #[test]
    fn several_roots_are_several_bases() {
        let g = graph(vec![rev("a", ""), rev("x", ""), rev("b", "a")]);
        assert_eq!(short(g.bases()), ["a", "x"]);
        assert_eq!(short(g.heads()), ["b", "x"]);
    }

    #[test]
    fn a_dependency_orders_but_does_not_merge() {
        // x depends on b, on another branch: b comes first, both stay heads.
        let g = graph(vec![rev("x", "|b"), rev("a", ""), rev("b", "a")]);
        assert_eq!(
            short(g.scripts().iter().map(|s| &s.revision)),
            ["a", "b", "x"]
        );
        assert_eq!(short(g.heads()), ["b", "x"]);
        assert_eq!(short(g.dependents(&pad("b"))), ["x"]);
        assert_eq!(short(g.ancestors(&pad("x"))), ["a", "b"]);
    }

    #[test]
    fn ties_are_broken_by_creation_time_then_id() {
        let mut late = rev("a1", "r");
        late.created = Some("2025-02-01T00:00:00Z".parse().unwrap());
        let mut early = rev("b1", "r");
        early.created = Some("2025-01-01T00:00:00Z".parse().unwrap());
        let g = graph(vec![late, early, rev("r", "")]);
        assert_eq!(
            short(g.scripts().iter().map(|s| &s.revision)),
            ["r", "b1", "a1"]
        );
    }

    #[test]
    fn a_missing_parent_names_the_file() {
        assert_eq!(
            error(vec![rev("a", ""), rev("b", "f")]),
            "versions/b.sql: parent f00000000000 of revision b00000000000 has no migration file; restore it or fix `-- forge:parents`"
        );
    }

    #[test]
    fn a_missing_dependency_names_the_file() {
        assert!(error(vec![rev("a", "|f")]).starts_with(
            "versions/a.sql: revision a00000000000 depends on f00000000000, which has no migration file"
        ));
    }

    #[test]
    fn duplicate_ids_name_both_files() {
        let mut other = rev("a", "");
        other.path = "versions/other.sql".into();
        assert_eq!(
            error(vec![rev("a", ""), other]),
            "revision a00000000000 is defined twice, in versions/a.sql and versions/other.sql; give one of them a new id"
        );
    }

    #[test]
    fn cycles_are_named() {
        let e = error(vec![
            rev("r", ""),
            rev("a", "r c"),
            rev("b", "a"),
            rev("c", "b"),
        ]);
        assert!(
            e.starts_with("the revisions form a cycle (a00000000000 -> b00000000000 -> c00000000000 -> a00000000000)"),
            "{e}"
        );
        let e = error(vec![rev("a", "a")]);
        assert!(e.contains("(a00000000000 -> a00000000000)"), "{e}");
        let e = error(vec![rev("a", "|b"), rev("b", "a")]);
        assert!(e.contains("cycle"), "{e}");
    }

    #[test]
    fn a_branch_label_is_declared_once() {
        assert_eq!(
            error(vec![labelled("a", "", &["feat"]), labelled("b", "a", &["feat"])]),
            "branch label `feat` is declared by both a00000000000 and b00000000000; a label names one branch, rename one of them"
        );
        assert!(
            error(vec![rev("a", ""), labelled("b", "a", &["a00000000000"])])
                .contains("is also a revision id")
        );
    }

    #[test]
    fn labels_are_inherited_by_descendants() {
        let g = graph(vec![
            rev("a", ""),
            labelled("b1", "a", &["feat"]),
            rev("c1", "b1"),
            rev("b2", "a"),
            rev("m", "c1 b2"),
        ]);
        assert!(g.branch_labels(&pad("a")).is_empty());
        assert_eq!(g.branch_labels(&pad("b1")), ["feat"]);
        assert_eq!(g.branch_labels(&pad("c1")), ["feat"]);
        assert!(g.branch_labels(&pad("b2")).is_empty());
        assert_eq!(g.branch_labels(&pad("m")), ["feat"]);
        assert_eq!(
            g.labels()
                .map(|(l, r)| (l, r.to_string()))
                .collect::<Vec<_>>(),
            [("feat", pad("b1"))]
        );
    }

    #[test]
    fn applied_and_pending_follow_the_database_heads() {
        let g = diamond();
        assert_eq!(short(g.applied(&full(&["b1"])).unwrap()), ["a", "b1"]);
        assert_eq!(
            short(
                g.pending(&full(&["b1"]))
                    .unwrap()
                    .iter()
                    .map(|s| &s.revision)
            ),
            ["b2", "m"]
        );
        assert_eq!(g.pending(&full(&["m"])).unwrap().len(), 0);
        assert_eq!(g.pending(&[]).unwrap().len(), 4);
        assert_eq!(
            g.applied(&full(&["zz"])).unwrap_err().to_string(),
            "the database is at revision zz0000000000, which no migration file defines; restore the file, or `migrate stamp` the database to a known revision"
        );
    }
}
