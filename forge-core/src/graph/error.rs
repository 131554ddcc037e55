//! What can be wrong with the revision graph, a revision spec or a plan.

use std::path::PathBuf;

fn list(ids: &[String]) -> String {
    ids.join(", ")
}

fn sign(direction: &str) -> &'static str {
    if direction == "up" {
        "+"
    } else {
        "-"
    }
}

fn at(current: &[String]) -> String {
    if current.is_empty() {
        "base".to_string()
    } else {
        list(current)
    }
}

fn plural(n: &usize) -> &'static str {
    if *n == 1 {
        ""
    } else {
        "s"
    }
}

/// A broken rule of the revision graph; each message is one sentence with a hint.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    // --- the files do not form a valid graph ---
    #[error("revision {revision} is defined twice, in {} and {}; give one of them a new id", .first.display(), .second.display())]
    DuplicateRevision {
        revision: String,
        first: PathBuf,
        second: PathBuf,
    },

    #[error("{}: parent {parent} of revision {revision} has no migration file; restore it or fix `-- forge:parents`", .file.display())]
    MissingParent {
        revision: String,
        parent: String,
        file: PathBuf,
    },

    #[error("{}: revision {revision} depends on {dependency}, which has no migration file; restore it or fix `-- forge:depends-on`", .file.display())]
    MissingDependency {
        revision: String,
        dependency: String,
        file: PathBuf,
    },

    #[error("the revisions form a cycle ({}); a revision cannot be its own ancestor, fix their `-- forge:parents` or `-- forge:depends-on`", .cycle.join(" -> "))]
    Cycle { cycle: Vec<String> },

    #[error("branch label `{label}` is declared by both {first} and {second}; a label names one branch, rename one of them")]
    DuplicateBranchLabel {
        label: String,
        first: String,
        second: String,
    },

    #[error(
        "branch label `{label}` of revision {revision} is also a revision id; choose another label"
    )]
    BranchLabelIsRevision { label: String, revision: String },

    // --- a revision spec is malformed or names nothing ---
    #[error("`{spec}` is not a revision spec: {reason}")]
    InvalidSpec { spec: String, reason: String },

    #[error("no revision matches `{spec}`; run `migrate history` to list the revisions")]
    UnknownRevision { spec: String },

    #[error("`{prefix}` matches several revisions ({}); type more characters of the one you mean", list(.candidates))]
    AmbiguousPrefix {
        prefix: String,
        candidates: Vec<String>,
    },

    #[error("there are no migrations yet; create one with `migrate revision`")]
    NoRevisions,

    #[error("`head` is ambiguous: there are {} heads ({}); use `heads` to apply them all, `<branch>@head`, or a revision id", .heads.len(), list(.heads))]
    MultipleHeads { heads: Vec<String> },

    #[error("no branch is labelled `{label}`; run `migrate history` to see the labels")]
    UnknownBranch { label: String },

    #[error("branch `{label}` has {} heads ({}); name one of them by revision id, or merge them", .heads.len(), list(.heads))]
    BranchHasMultipleHeads { label: String, heads: Vec<String> },

    #[error("cannot go {steps} step{} up from {from}: only {available} revision{} above it", plural(.steps), plural(.available))]
    TooFarUp {
        from: String,
        steps: usize,
        available: usize,
    },

    #[error("cannot go {steps} step{} down from {from}: it is only {available} step{} above base", plural(.steps), plural(.available))]
    TooFarDown {
        from: String,
        steps: usize,
        available: usize,
    },

    #[error("cannot walk {direction} from {from}: it leads to {}; name the branch (`<branch>@{}1`) or a revision id", list(.choices), sign(.direction))]
    AmbiguousWalk {
        from: String,
        direction: &'static str,
        choices: Vec<String>,
    },

    #[error("`{spec}` is ambiguous: the database is at {} heads ({}); use `<branch>@{spec}` or a revision id", .current.len(), list(.current))]
    AmbiguousCurrent { spec: String, current: Vec<String> },

    #[error("branch `{label}` is not applied to the database, so `{spec}` has nothing to step from; upgrade it first or name a revision")]
    BranchNotApplied { label: String, spec: String },

    #[error("`{spec}` is a range, which only offline mode (`--sql`) accepts; name one revision")]
    RangeNotAllowed { spec: String },

    // --- the database's state or the requested move does not fit the graph ---
    #[error("the database is at revision {revision}, which no migration file defines; restore the file, or `migrate stamp` the database to a known revision")]
    UnknownCurrentRevision { revision: String },

    #[error("cannot downgrade to {target}: it is not applied below the current revision{} ({}); use `upgrade` to move up", plural(&.current.len()), at(.current))]
    NotAnAncestor {
        target: String,
        current: Vec<String>,
    },
}
