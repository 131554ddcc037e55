//! Revision specs (`head`, `ae1f`, `-1`, `feature@head`, `a:b`, ...): their
//! syntax, and their resolution against the graph and the database's heads.

use std::fmt;
use std::str::FromStr;

use super::error::GraphError;
use super::revision_graph::RevisionGraph;

/// What a user can write where a revision is expected (Alembic's meanings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevisionSpec {
    /// `base`: before the first revision.
    Base,
    /// `head`: the only head (an error when there are several).
    Head,
    /// `heads`: every head.
    Heads,
    /// A full revision id, a unique prefix of one, or a branch label (naming the
    /// revision that declares it).
    Revision(String),
    /// `+N` / `-N`: N steps up or down from the database's current revision.
    Relative(i64),
    /// `<rev>+N` / `<rev>-N`: N steps up or down from a revision.
    FromRevision { revision: String, steps: i64 },
    /// `<branch>@head`: the head of a branch.
    BranchHead(String),
    /// `<branch>@+N` / `<branch>@-N`: N steps from the database's current
    /// revision on that branch.
    BranchRelative { branch: String, steps: i64 },
    /// `FROM:TO`, for offline (`--sql`) runs that do not ask the database.
    Range {
        from: Box<RevisionSpec>,
        to: Box<RevisionSpec>,
    },
}

impl FromStr for RevisionSpec {
    type Err = GraphError;

    fn from_str(text: &str) -> Result<Self, GraphError> {
        let invalid = |reason: &str| GraphError::InvalidSpec {
            spec: text.to_string(),
            reason: reason.to_string(),
        };
        let text = text.trim();
        if let Some((from, to)) = text.split_once(':') {
            if from.is_empty() || to.is_empty() {
                return Err(invalid("a range is written FROM:TO, e.g. base:head"));
            }
            if to.contains(':') {
                return Err(invalid("a range has one `:`"));
            }
            return Ok(RevisionSpec::Range {
                from: Box::new(single(from, text)?),
                to: Box::new(single(to, text)?),
            });
        }
        single(text, text)
    }
}

/// One spec that is not a range; `whole` is what the user typed, for errors.
fn single(text: &str, whole: &str) -> Result<RevisionSpec, GraphError> {
    let invalid = |reason: &str| GraphError::InvalidSpec {
        spec: whole.to_string(),
        reason: reason.to_string(),
    };
    match text {
        "" => {
            return Err(invalid(
                "it is empty; write a revision id, head, heads, base, +N or -N",
            ))
        }
        "base" => return Ok(RevisionSpec::Base),
        "head" => return Ok(RevisionSpec::Head),
        "heads" => return Ok(RevisionSpec::Heads),
        _ => {}
    }
    if let Some((branch, rest)) = text.split_once('@') {
        check_name(branch).map_err(|reason| invalid(&reason))?;
        if rest == "head" {
            return Ok(RevisionSpec::BranchHead(branch.to_string()));
        }
        return match steps(rest) {
            Some(Ok(steps)) => Ok(RevisionSpec::BranchRelative {
                branch: branch.to_string(),
                steps,
            }),
            Some(Err(reason)) => Err(invalid(&reason)),
            None => Err(invalid(
                "after `@` comes head, +N or -N (e.g. feature@head, feature@-1)",
            )),
        };
    }
    if let Some(result) = steps(text) {
        return result
            .map(RevisionSpec::Relative)
            .map_err(|reason| invalid(&reason));
    }
    if let Some(at) = text.rfind(['+', '-']) {
        if at > 0 {
            if let Some(result) = steps(&text[at..]) {
                let revision = &text[..at];
                check_name(revision).map_err(|reason| invalid(&reason))?;
                return result
                    .map(|steps| RevisionSpec::FromRevision {
                        revision: revision.to_string(),
                        steps,
                    })
                    .map_err(|reason| invalid(&reason));
            }
        }
    }
    check_name(text).map_err(|reason| invalid(&reason))?;
    Ok(RevisionSpec::Revision(text.to_string()))
}

/// `+N` or `-N` (N ≥ 1); None when `text` is not of that shape at all.
fn steps(text: &str) -> Option<Result<i64, String>> {
    let sign = match text.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits = &text[1..];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(match digits.parse::<i64>() {
        Ok(0) => Err("a relative step is at least 1 (+1, -1)".to_string()),
        Ok(n) => Ok(sign * n),
        Err(_) => Err("that is too many steps".to_string()),
    })
}

/// A revision id, prefix or branch label: letters, digits, `_` and `.`.
fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("a revision or branch name is missing".to_string())
    } else if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    {
        Err(format!(
            "`{name}` is neither a revision id nor a branch label"
        ))
    } else {
        Ok(())
    }
}

impl fmt::Display for RevisionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RevisionSpec::Base => f.write_str("base"),
            RevisionSpec::Head => f.write_str("head"),
            RevisionSpec::Heads => f.write_str("heads"),
            RevisionSpec::Revision(r) => f.write_str(r),
            RevisionSpec::Relative(n) => write!(f, "{n:+}"),
            RevisionSpec::FromRevision { revision, steps } => write!(f, "{revision}{steps:+}"),
            RevisionSpec::BranchHead(b) => write!(f, "{b}@head"),
            RevisionSpec::BranchRelative { branch, steps } => write!(f, "{branch}@{steps:+}"),
            RevisionSpec::Range { from, to } => write!(f, "{from}:{to}"),
        }
    }
}

impl RevisionGraph {
    /// The revision with id, unique id prefix or branch label `name` (an exact id
    /// wins over a label, a label over a prefix).
    pub fn lookup(&self, name: &str) -> Result<&crate::script::MigrationScript, GraphError> {
        self.position(name).map(|i| &self.scripts[i])
    }

    pub(super) fn position(&self, name: &str) -> Result<usize, GraphError> {
        if let Some(&i) = self.index.get(name) {
            return Ok(i);
        }
        if let Some(&i) = self.labels.get(name) {
            return Ok(i);
        }
        let matches: Vec<usize> = (0..self.len())
            .filter(|&i| self.id(i).starts_with(name))
            .collect();
        match matches.as_slice() {
            [i] => Ok(*i),
            [] => Err(GraphError::UnknownRevision {
                spec: name.to_string(),
            }),
            _ => Err(GraphError::AmbiguousPrefix {
                prefix: name.to_string(),
                candidates: self.owned_ids(matches),
            }),
        }
    }

    /// The revisions `spec` names when the database is at `current` (its heads);
    /// an empty list is `base`. A range is an error here (see [`Self::resolve_range`]).
    pub fn resolve(
        &self,
        spec: &RevisionSpec,
        current: &[String],
    ) -> Result<Vec<String>, GraphError> {
        let current_positions = self.current_indices(current)?;
        let current_ids = || self.owned_ids(current_positions.iter().copied());
        let one = |i: Option<usize>| self.owned_ids(i);
        Ok(match spec {
            RevisionSpec::Base => Vec::new(),
            RevisionSpec::Heads => self.heads().into_iter().map(String::from).collect(),
            RevisionSpec::Head => match self.heads().as_slice() {
                [] => return Err(GraphError::NoRevisions),
                [head] => vec![head.to_string()],
                heads => {
                    return Err(GraphError::MultipleHeads {
                        heads: heads.iter().map(|h| h.to_string()).collect(),
                    })
                }
            },
            RevisionSpec::Revision(name) => one(Some(self.position(name)?)),
            RevisionSpec::FromRevision { revision, steps } => {
                let start = self.position(revision)?;
                one(self.walk(Some(start), *steps, None)?)
            }
            RevisionSpec::Relative(steps) => {
                let start = match current_positions.len() {
                    0 => None,
                    1 => current_positions.first().copied(),
                    _ => {
                        return Err(GraphError::AmbiguousCurrent {
                            spec: spec.to_string(),
                            current: current_ids(),
                        })
                    }
                };
                one(self.walk(start, *steps, None)?)
            }
            RevisionSpec::BranchHead(branch) => one(Some(self.branch_head_position(branch)?)),
            RevisionSpec::BranchRelative { branch, steps } => {
                let start = self.branch_position(branch, &current_positions, spec)?;
                if start.is_none() && *steps < 0 {
                    return Err(GraphError::BranchNotApplied {
                        label: branch.clone(),
                        spec: spec.to_string(),
                    });
                }
                one(self.walk(start, *steps, Some(branch))?)
            }
            RevisionSpec::Range { .. } => {
                return Err(GraphError::RangeNotAllowed {
                    spec: spec.to_string(),
                })
            }
        })
    }

    /// A range's FROM and TO (TO resolved relative to FROM, so `a:+1` works);
    /// any other spec is the move from `current` to it.
    pub fn resolve_range(
        &self,
        spec: &RevisionSpec,
        current: &[String],
    ) -> Result<(Vec<String>, Vec<String>), GraphError> {
        match spec {
            RevisionSpec::Range { from, to } => {
                let from = self.resolve(from, current)?;
                let to = self.resolve(to, &from)?;
                Ok((from, to))
            }
            _ => {
                self.current_indices(current)?;
                Ok((current.to_vec(), self.resolve(spec, current)?))
            }
        }
    }

    /// The head reachable from the revision that declares `label`.
    pub fn branch_head(&self, label: &str) -> Result<&str, GraphError> {
        self.branch_head_position(label).map(|i| self.id(i))
    }

    fn branch_head_position(&self, label: &str) -> Result<usize, GraphError> {
        let &declared = self
            .labels
            .get(label)
            .ok_or_else(|| GraphError::UnknownBranch {
                label: label.to_string(),
            })?;
        let heads: Vec<usize> = self
            .closure_down([declared], false)
            .into_iter()
            .filter(|&i| self.children[i].is_empty())
            .collect();
        match heads.as_slice() {
            [head] => Ok(*head),
            _ => Err(GraphError::BranchHasMultipleHeads {
                label: label.to_string(),
                heads: self.owned_ids(heads),
            }),
        }
    }

    /// Whether revision `i` lies on the line of `label`: an ancestor or a
    /// descendant (through parents) of the revision that declares it.
    pub(super) fn on_branch(&self, i: usize, label: &str) -> bool {
        self.labels.get(label).is_some_and(|&declared| {
            self.closure_up([declared], false).contains(&i)
                || self.effective_labels[i].contains(label)
        })
    }

    /// Where the database stands on `label`: the current head on that line, else
    /// the newest applied revisions on it, else None (base).
    fn branch_position(
        &self,
        label: &str,
        current: &std::collections::BTreeSet<usize>,
        spec: &RevisionSpec,
    ) -> Result<Option<usize>, GraphError> {
        if !self.labels.contains_key(label) {
            return Err(GraphError::UnknownBranch {
                label: label.to_string(),
            });
        }
        let mut on_line: Vec<usize> = current
            .iter()
            .copied()
            .filter(|&i| self.on_branch(i, label))
            .collect();
        if on_line.is_empty() {
            let applied: std::collections::BTreeSet<usize> = self
                .closure_up(current.iter().copied(), true)
                .into_iter()
                .filter(|&i| self.on_branch(i, label))
                .collect();
            on_line = applied
                .iter()
                .copied()
                .filter(|&i| !self.children[i].iter().any(|c| applied.contains(c)))
                .collect();
        }
        match on_line.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(GraphError::AmbiguousCurrent {
                spec: spec.to_string(),
                current: self.owned_ids(on_line),
            }),
        }
    }

    /// `steps` steps up (positive) or down (negative) from `start` (None: base),
    /// through parents; on a branch line when `label` is given. None is base.
    fn walk(
        &self,
        start: Option<usize>,
        steps: i64,
        label: Option<&str>,
    ) -> Result<Option<usize>, GraphError> {
        let name =
            |i: Option<usize>| i.map_or_else(|| "base".to_string(), |i| self.id(i).to_string());
        let wanted = steps.unsigned_abs() as usize;
        let mut at = start;
        for taken in 0..wanted {
            let mut next: Vec<usize> = if steps > 0 {
                match at {
                    None => (0..self.len())
                        .filter(|&i| self.parents[i].is_empty())
                        .collect(),
                    Some(i) => self.children[i].clone(),
                }
            } else {
                match at {
                    None => {
                        return Err(GraphError::TooFarDown {
                            from: name(start),
                            steps: wanted,
                            available: taken,
                        })
                    }
                    Some(i) => self.parents[i].clone(),
                }
            };
            if let Some(label) = label {
                if next.len() > 1 || steps > 0 {
                    next.retain(|&i| self.on_branch(i, label));
                }
            }
            at = match next.as_slice() {
                [] if steps > 0 => {
                    return Err(GraphError::TooFarUp {
                        from: name(start),
                        steps: wanted,
                        available: taken,
                    })
                }
                [] => None,
                [one] => Some(*one),
                _ => {
                    return Err(GraphError::AmbiguousWalk {
                        from: name(at),
                        direction: if steps > 0 { "up" } else { "down" },
                        choices: self.owned_ids(next),
                    })
                }
            };
        }
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::super::revision_graph::tests::{full, graph, labelled, pad, rev, short};
    use super::*;

    fn parse(text: &str) -> RevisionSpec {
        text.parse().unwrap()
    }

    fn parse_err(text: &str) -> String {
        text.parse::<RevisionSpec>().unwrap_err().to_string()
    }

    /// a <- b <- c
    fn linear() -> RevisionGraph {
        graph(vec![rev("a", ""), rev("b", "a"), rev("c", "b")])
    }

    /// a <- b1 <- c1 (feat), a <- b2 (other)
    fn branched() -> RevisionGraph {
        graph(vec![
            rev("a", ""),
            labelled("b1", "a", &["feat"]),
            rev("c1", "b1"),
            labelled("b2", "a", &["other"]),
        ])
    }

    fn resolve(g: &RevisionGraph, spec: &str, current: &[&str]) -> Vec<String> {
        short(g.resolve(&parse(spec), &full(current)).unwrap())
    }

    fn resolve_err(g: &RevisionGraph, spec: &str, current: &[&str]) -> String {
        g.resolve(&parse(spec), &full(current))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_every_form() {
        assert_eq!(parse("base"), RevisionSpec::Base);
        assert_eq!(parse("head"), RevisionSpec::Head);
        assert_eq!(parse("heads"), RevisionSpec::Heads);
        assert_eq!(parse("ae1f"), RevisionSpec::Revision("ae1f".into()));
        assert_eq!(parse("+2"), RevisionSpec::Relative(2));
        assert_eq!(parse("-1"), RevisionSpec::Relative(-1));
        assert_eq!(
            parse("ae1f+2"),
            RevisionSpec::FromRevision {
                revision: "ae1f".into(),
                steps: 2
            }
        );
        assert_eq!(
            parse("ae1f-3"),
            RevisionSpec::FromRevision {
                revision: "ae1f".into(),
                steps: -3
            }
        );
        assert_eq!(parse("feat@head"), RevisionSpec::BranchHead("feat".into()));
        assert_eq!(
            parse("feat@-1"),
            RevisionSpec::BranchRelative {
                branch: "feat".into(),
                steps: -1
            }
        );
        assert_eq!(
            parse("feat@+2"),
            RevisionSpec::BranchRelative {
                branch: "feat".into(),
                steps: 2
            }
        );
        assert_eq!(
            parse("base:head"),
            RevisionSpec::Range {
                from: Box::new(RevisionSpec::Base),
                to: Box::new(RevisionSpec::Head)
            }
        );
        assert_eq!(
            parse("ae1f:feat@head"),
            RevisionSpec::Range {
                from: Box::new(RevisionSpec::Revision("ae1f".into())),
                to: Box::new(RevisionSpec::BranchHead("feat".into()))
            }
        );
    }

    #[test]
    fn displays_as_written() {
        for text in [
            "base",
            "head",
            "heads",
            "ae1f",
            "+2",
            "-1",
            "ae1f+2",
            "ae1f-3",
            "feat@head",
            "feat@-1",
            "feat@+2",
            "a:b",
        ] {
            assert_eq!(parse(text).to_string(), text);
        }
    }

    #[test]
    fn malformed_specs_say_why() {
        assert_eq!(parse_err(""), "`` is not a revision spec: it is empty; write a revision id, head, heads, base, +N or -N");
        assert_eq!(
            parse_err("+0"),
            "`+0` is not a revision spec: a relative step is at least 1 (+1, -1)"
        );
        assert_eq!(
            parse_err("a:"),
            "`a:` is not a revision spec: a range is written FROM:TO, e.g. base:head"
        );
        assert_eq!(
            parse_err("a:b:c"),
            "`a:b:c` is not a revision spec: a range has one `:`"
        );
        assert_eq!(
            parse_err("feat@tail"),
            "`feat@tail` is not a revision spec: after `@` comes head, +N or -N (e.g. feature@head, feature@-1)"
        );
        assert_eq!(
            parse_err("@head"),
            "`@head` is not a revision spec: a revision or branch name is missing"
        );
        assert_eq!(
            parse_err("a b"),
            "`a b` is not a revision spec: `a b` is neither a revision id nor a branch label"
        );
    }

    #[test]
    fn full_ids_and_unique_prefixes() {
        let g = graph(vec![rev("ab1", ""), rev("ab2", "ab1"), rev("cd", "ab2")]);
        assert_eq!(resolve(&g, &pad("ab1"), &[]), ["ab1"]);
        assert_eq!(resolve(&g, "c", &[]), ["cd"]);
        assert_eq!(
            resolve_err(&g, "ab", &[]),
            "`ab` matches several revisions (ab1000000000, ab2000000000); type more characters of the one you mean"
        );
        assert_eq!(
            resolve_err(&g, "ff", &[]),
            "no revision matches `ff`; run `migrate history` to list the revisions"
        );
        assert_eq!(short([g.lookup("ab2").unwrap().revision.as_str()]), ["ab2"]);
    }

    #[test]
    fn a_branch_label_names_its_revision() {
        assert_eq!(resolve(&branched(), "feat", &[]), ["b1"]);
    }

    #[test]
    fn head_heads_and_base() {
        let g = linear();
        assert_eq!(resolve(&g, "head", &[]), ["c"]);
        assert_eq!(resolve(&g, "heads", &[]), ["c"]);
        assert_eq!(resolve(&g, "base", &["c"]), Vec::<String>::new());
        let g = branched();
        assert_eq!(resolve(&g, "heads", &[]), ["b2", "c1"]);
        assert_eq!(
            resolve_err(&g, "head", &[]),
            "`head` is ambiguous: there are 2 heads (b20000000000, c10000000000); use `heads` to apply them all, `<branch>@head`, or a revision id"
        );
        assert_eq!(
            resolve_err(&graph(vec![]), "head", &[]),
            "there are no migrations yet; create one with `migrate revision`"
        );
    }

    #[test]
    fn relative_steps_from_the_current_revision() {
        let g = linear();
        assert_eq!(resolve(&g, "+1", &[]), ["a"]);
        assert_eq!(resolve(&g, "+2", &["a"]), ["c"]);
        assert_eq!(resolve(&g, "-1", &["c"]), ["b"]);
        assert_eq!(resolve(&g, "-3", &["c"]), Vec::<String>::new());
        assert_eq!(
            resolve_err(&g, "+3", &["a"]),
            "cannot go 3 steps up from a00000000000: only 2 revisions above it"
        );
        assert_eq!(
            resolve_err(&g, "+4", &[]),
            "cannot go 4 steps up from base: only 3 revisions above it"
        );
        assert_eq!(
            resolve_err(&g, "-4", &["c"]),
            "cannot go 4 steps down from c00000000000: it is only 3 steps above base"
        );
        assert_eq!(
            resolve_err(&g, "-1", &[]),
            "cannot go 1 step down from base: it is only 0 steps above base"
        );
    }

    #[test]
    fn relative_steps_from_a_revision() {
        let g = linear();
        assert_eq!(resolve(&g, "a+2", &[]), ["c"]);
        assert_eq!(resolve(&g, "c-1", &["a"]), ["b"]);
        assert_eq!(
            resolve_err(&g, "b+2", &[]),
            "cannot go 2 steps up from b00000000000: only 1 revision above it"
        );
    }

    #[test]
    fn walking_into_a_fork_is_ambiguous() {
        let g = branched();
        assert_eq!(
            resolve_err(&g, "+1", &["a"]),
            "cannot walk up from a00000000000: it leads to b10000000000, b20000000000; name the branch (`<branch>@+1`) or a revision id"
        );
        let m = graph(vec![
            rev("a", ""),
            rev("b1", "a"),
            rev("b2", "a"),
            rev("m", "b1 b2"),
        ]);
        assert!(resolve_err(&m, "-1", &["m"]).starts_with(
            "cannot walk down from m00000000000: it leads to b10000000000, b20000000000"
        ));
    }

    #[test]
    fn relative_steps_need_a_single_current_revision() {
        assert_eq!(
            resolve_err(&branched(), "-1", &["c1", "b2"]),
            "`-1` is ambiguous: the database is at 2 heads (b20000000000, c10000000000); use `<branch>@-1` or a revision id"
        );
    }

    #[test]
    fn branch_heads() {
        let g = branched();
        assert_eq!(resolve(&g, "feat@head", &[]), ["c1"]);
        assert_eq!(resolve(&g, "other@head", &[]), ["b2"]);
        assert_eq!(
            resolve_err(&g, "nope@head", &[]),
            "no branch is labelled `nope`; run `migrate history` to see the labels"
        );
        let forked = graph(vec![
            labelled("a", "", &["feat"]),
            rev("b1", "a"),
            rev("b2", "a"),
        ]);
        assert_eq!(
            resolve_err(&forked, "feat@head", &[]),
            "branch `feat` has 2 heads (b10000000000, b20000000000); name one of them by revision id, or merge them"
        );
    }

    #[test]
    fn branch_relative_steps_follow_the_branch() {
        let g = branched();
        // One step down from where the database is on `feat`, whatever happens on `other`.
        assert_eq!(resolve(&g, "feat@-1", &["c1", "b2"]), ["b1"]);
        assert_eq!(resolve(&g, "feat@-2", &["c1", "b2"]), ["a"]);
        assert_eq!(resolve(&g, "other@-1", &["c1", "b2"]), ["a"]);
        // Upward from the fork point, the label picks the way.
        assert_eq!(resolve(&g, "feat@+1", &["a"]), ["b1"]);
        assert_eq!(resolve(&g, "other@+1", &["a"]), ["b2"]);
        assert_eq!(resolve(&g, "feat@+2", &[]), ["b1"]);
        assert_eq!(resolve(&g, "feat@+1", &["b2"]), ["b1"]);
        assert_eq!(
            resolve_err(&g, "feat@-1", &[]),
            "branch `feat` is not applied to the database, so `feat@-1` has nothing to step from; upgrade it first or name a revision"
        );
        assert_eq!(
            resolve_err(&g, "feat@+3", &["a"]),
            "cannot go 3 steps up from a00000000000: only 2 revisions above it"
        );
    }

    #[test]
    fn ranges_resolve_both_ends_and_are_refused_elsewhere() {
        let g = linear();
        let (from, to) = g.resolve_range(&parse("a:head"), &[]).unwrap();
        assert_eq!(
            (short(from), short(to)),
            (vec!["a".to_string()], vec!["c".to_string()])
        );
        let (from, to) = g.resolve_range(&parse("a:+1"), &[]).unwrap();
        assert_eq!(
            (short(from), short(to)),
            (vec!["a".to_string()], vec!["b".to_string()])
        );
        let (from, to) = g.resolve_range(&parse("head"), &full(&["a"])).unwrap();
        assert_eq!(
            (short(from), short(to)),
            (vec!["a".to_string()], vec!["c".to_string()])
        );
        assert_eq!(
            resolve_err(&g, "base:head", &[]),
            "`base:head` is a range, which only offline mode (`--sql`) accepts; name one revision"
        );
    }

    #[test]
    fn unknown_current_revisions_are_reported() {
        assert!(resolve_err(&linear(), "-1", &["ff"])
            .contains("the database is at revision ff0000000000"));
    }
}
