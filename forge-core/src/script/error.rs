//! What can be wrong with a migration file or the directory of them.

use std::path::PathBuf;

use super::splitter::SplitError;

/// A broken rule of the migration file format; every variant names the file and,
/// where there is one, the line.
#[derive(Debug, thiserror::Error)]
pub enum ScriptError {
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("the migrations directory {} does not exist; create it or set `[migrations] dir` in forge.toml", .dir.display())]
    MissingDirectory { dir: PathBuf },

    #[error("{}:{line}: malformed `-- forge:{directive}` line: {reason}", .file.display())]
    MalformedHeader {
        file: PathBuf,
        line: usize,
        directive: String,
        reason: String,
    },

    #[error("{}:{line}: a `-- forge:` line contains the control character {}; remove it (printed, it could rewrite what a terminal shows)", .file.display(), .character.escape_unicode())]
    ControlCharacter {
        file: PathBuf,
        line: usize,
        character: char,
    },

    #[error("{}:{line}: unknown directive `-- forge:{directive}`; known are revision, parents, message, created, branch, depends-on, transaction, upgrade, downgrade and warning", .file.display())]
    UnknownDirective {
        file: PathBuf,
        line: usize,
        directive: String,
    },

    #[error("{}:{line}: `-- forge:{directive}` appears twice (first on line {first_line}); keep one", .file.display())]
    DuplicateHeader {
        file: PathBuf,
        line: usize,
        directive: String,
        first_line: usize,
    },

    #[error("{}:{line}: `-- forge:{directive}` belongs in the header, before `-- forge:upgrade`", .file.display())]
    HeaderInSection {
        file: PathBuf,
        line: usize,
        directive: String,
    },

    #[error("{}:{line}: SQL before `-- forge:upgrade`; statements belong in the upgrade or downgrade section", .file.display())]
    SqlOutsideSection { file: PathBuf, line: usize },

    #[error("{}: no `-- forge:revision` header; every migration file starts with one", .file.display())]
    MissingRevision { file: PathBuf },

    #[error("{}:{line}: `{value}` in `-- forge:{directive}` is not a revision id (12 lowercase hex characters, e.g. 19becf30b774)", .file.display())]
    InvalidRevisionId {
        file: PathBuf,
        line: usize,
        directive: String,
        value: String,
    },

    #[error("{}:{line}: `{value}` in `-- forge:created` is not an RFC 3339 timestamp (e.g. 2025-12-24T03:27:41Z)", .file.display())]
    InvalidCreated {
        file: PathBuf,
        line: usize,
        value: String,
    },

    #[error("{}:{line}: `{label}` cannot be a branch label: {reason}", .file.display())]
    InvalidBranchLabel {
        file: PathBuf,
        line: usize,
        label: String,
        reason: String,
    },

    #[error("{}:{line}: a second `-- forge:{section}` section (the first is on line {first_line}); a file has one of each", .file.display())]
    DuplicateSection {
        file: PathBuf,
        line: usize,
        section: String,
        first_line: usize,
    },

    #[error("{}: no `-- forge:upgrade` section; add one with the statements that apply this revision", .file.display())]
    MissingUpgrade { file: PathBuf },

    #[error("{}:{}: {source}", .file.display(), .source.line)]
    Sql {
        file: PathBuf,
        #[source]
        source: SplitError,
    },

    #[error("revision {revision} is defined twice, in {} and {}; give one of them a new id", .first.display(), .second.display())]
    DuplicateRevision {
        revision: String,
        first: PathBuf,
        second: PathBuf,
    },

    #[error("cannot write {}: the file exists (and so does the name with the revision id); nothing was overwritten", .path.display())]
    FileExists { path: PathBuf },
}
