//! Model snapshots: the schema the models described when a revision was
//! written, kept beside its migration file (`<file stem>.schema.json`) and
//! reviewed like code. Comparing the models with the snapshot at the heads
//! tells, with no database at all, whether the models changed since the last
//! revision (Django's `makemigrations --check`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::graph::RevisionGraph;
use crate::model::Schema;

/// The version of the snapshot file format this library reads and writes.
pub const FORMAT_VERSION: u32 = 1;

/// What a snapshot file's name ends with (the migrations loader reads only `*.sql`).
pub const SUFFIX: &str = ".schema.json";

/// A broken rule of snapshot files, or a head without one.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read or write {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{}:{line}: not a model snapshot: {reason}", .file.display())]
    Malformed {
        file: PathBuf,
        line: usize,
        reason: String,
    },

    #[error("{} is a snapshot of format version {found}, and this version of Forge reads version {FORMAT_VERSION}", .file.display())]
    UnsupportedFormat { file: PathBuf, found: u32 },

    #[error("revision {revision} has two snapshots, {} and {}; delete the one that does not sit beside its migration file", .first.display(), .second.display())]
    DuplicateRevision {
        revision: String,
        first: PathBuf,
        second: PathBuf,
    },

    #[error("{} is the snapshot of revision {revision}, which no migration file defines; delete it with the migration it belonged to", .file.display())]
    UnknownRevision { file: PathBuf, revision: String },

    #[error("there are no migrations yet, so no snapshot records the models")]
    NoRevisions,

    #[error("head revision {revision} has no model snapshot ({} is missing), so the models cannot be compared with the migrations without a database", .expected.display())]
    MissingAtHead { revision: String, expected: PathBuf },

    #[error("the heads record different models ({}); merge them, and the merge revision records the merged models", .heads.join(", "))]
    DivergingHeads { heads: Vec<String> },
}

/// The models as they were when `revision` was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub revision: String,
    pub schema: Schema,
    /// Where it was read from (or is to be written).
    pub path: PathBuf,
}

/// The file's layout: a version first, so a future format is refused clearly.
#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    format_version: u32,
    revision: String,
    schema: Schema,
}

#[derive(Deserialize)]
struct VersionOnly {
    format_version: u32,
}

impl Snapshot {
    /// The snapshot of `revision`, to be written beside the migration file `migration`.
    pub fn new(revision: impl Into<String>, schema: Schema, migration: &Path) -> Self {
        Snapshot {
            revision: revision.into(),
            schema: schema.normalized(),
            path: path_for(migration),
        }
    }

    /// Parses a snapshot file's text; `path` names it in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Self, SnapshotError> {
        let malformed = |e: serde_json::Error| SnapshotError::Malformed {
            file: path.to_path_buf(),
            line: e.line(),
            reason: e.to_string(),
        };
        // The version is checked first: a newer format may not parse as this one.
        let version: VersionOnly = serde_json::from_str(text).map_err(malformed)?;
        if version.format_version != FORMAT_VERSION {
            return Err(SnapshotError::UnsupportedFormat {
                file: path.to_path_buf(),
                found: version.format_version,
            });
        }
        let file: SnapshotFile = serde_json::from_str(text).map_err(malformed)?;
        Ok(Snapshot {
            revision: file.revision,
            schema: file.schema.normalized(),
            path: path.to_path_buf(),
        })
    }

    /// Reads one snapshot file.
    pub fn read(path: &Path) -> Result<Self, SnapshotError> {
        let text = std::fs::read_to_string(path).map_err(|source| SnapshotError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// The file's text: pretty, deterministic JSON (the model is sorted), so a
    /// model change reads as a small diff in review.
    pub fn render(&self) -> String {
        let file = SnapshotFile {
            format_version: FORMAT_VERSION,
            revision: self.revision.clone(),
            schema: self.schema.clone(),
        };
        let mut text =
            serde_json::to_string_pretty(&file).expect("a schema model always serializes to JSON");
        text.push('\n');
        text
    }

    /// Writes the file at [`Snapshot::path`], replacing an older snapshot of the
    /// same revision (through a temporary file, so a reader never sees half of it).
    pub fn write(&self) -> Result<(), SnapshotError> {
        let io = |source| SnapshotError::Io {
            path: self.path.clone(),
            source,
        };
        let partial = self.path.with_extension("json.partial");
        std::fs::write(&partial, self.render()).map_err(io)?;
        std::fs::rename(&partial, &self.path).map_err(io)
    }
}

/// The snapshot file that belongs beside a migration file: `x.sql` -> `x.schema.json`.
pub fn path_for(migration: &Path) -> PathBuf {
    let stem = migration
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    migration.with_file_name(format!("{stem}{SUFFIX}"))
}

/// Whether `path` names a snapshot file.
pub fn is_snapshot_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(SUFFIX))
}

/// Whether a migrations folder's file belongs to the migrations (what
/// `forge::migrations!` embeds): a migration (`*.sql`) or a snapshot; not a
/// README, not a hidden file.
pub fn is_embedded_file(file_name: &str) -> bool {
    !file_name.starts_with('.') && (file_name.ends_with(".sql") || file_name.ends_with(SUFFIX))
}

/// The snapshots of a migrations directory, by revision.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshots {
    by_revision: BTreeMap<String, Snapshot>,
}

impl Snapshots {
    /// Reads every `*.schema.json` of `dir` (a missing directory has none).
    pub fn load(dir: &Path) -> Result<Self, SnapshotError> {
        let io = |source| SnapshotError::Io {
            path: dir.to_path_buf(),
            source,
        };
        if !dir.is_dir() {
            return Ok(Snapshots::default());
        }
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let path = entry.map_err(io)?.path();
            if is_snapshot_file(&path) && path.is_file() {
                paths.push(path);
            }
        }
        paths.sort();
        let snapshots = paths
            .iter()
            .map(|p| Snapshot::read(p))
            .collect::<Result<Vec<_>, _>>()?;
        Self::from_snapshots(snapshots)
    }

    /// Snapshots from elsewhere (embedded in a binary); one per revision.
    pub fn from_snapshots(snapshots: Vec<Snapshot>) -> Result<Self, SnapshotError> {
        let mut by_revision: BTreeMap<String, Snapshot> = BTreeMap::new();
        for snapshot in snapshots {
            if let Some(first) = by_revision.get(&snapshot.revision) {
                return Err(SnapshotError::DuplicateRevision {
                    revision: snapshot.revision.clone(),
                    first: first.path.clone(),
                    second: snapshot.path,
                });
            }
            by_revision.insert(snapshot.revision.clone(), snapshot);
        }
        Ok(Snapshots { by_revision })
    }

    pub fn get(&self, revision: &str) -> Option<&Snapshot> {
        self.by_revision.get(revision)
    }

    pub fn len(&self) -> usize {
        self.by_revision.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_revision.is_empty()
    }

    /// The schema all of `revisions` recorded, when each has a snapshot and they
    /// agree: what a revision that changes nothing (a hand-written template, a
    /// merge) carries forward.
    pub fn agreed(&self, revisions: &[String]) -> Option<&Schema> {
        let mut schemas = revisions.iter().map(|r| self.get(r).map(|s| &s.schema));
        let first = schemas.next()??;
        schemas.all(|s| s == Some(first)).then_some(first)
    }

    /// Every snapshot belongs to a revision of `graph`: one left behind by a
    /// deleted migration would otherwise go unnoticed.
    pub fn check_against(&self, graph: &RevisionGraph) -> Result<(), SnapshotError> {
        match self
            .by_revision
            .values()
            .find(|s| graph.get(&s.revision).is_none())
        {
            Some(orphan) => Err(SnapshotError::UnknownRevision {
                file: orphan.path.clone(),
                revision: orphan.revision.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The models the migrations' heads record: the head's snapshot, or the
    /// one all heads agree on.
    pub fn at_heads(&self, graph: &RevisionGraph) -> Result<&Snapshot, SnapshotError> {
        let heads = graph.heads();
        let mut recorded = Vec::new();
        for head in &heads {
            match self.get(head) {
                Some(snapshot) => recorded.push(snapshot),
                None => {
                    let script = graph.get(head).expect("a head is a revision of the graph");
                    return Err(SnapshotError::MissingAtHead {
                        revision: head.to_string(),
                        expected: path_for(&script.path),
                    });
                }
            }
        }
        let Some(first) = recorded.first() else {
            return Err(SnapshotError::NoRevisions);
        };
        if recorded.iter().any(|s| s.schema != first.schema) {
            return Err(SnapshotError::DivergingHeads {
                heads: heads.iter().map(|h| h.to_string()).collect(),
            });
        }
        Ok(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, ColumnType, Table};
    use crate::script::MigrationScript;

    fn schema(columns: &[&str]) -> Schema {
        let mut table = Table::new("users");
        table.columns = columns
            .iter()
            .map(|name| Column::new(*name, ColumnType::Text, false))
            .collect();
        Schema {
            tables: vec![table],
            ..Schema::default()
        }
    }

    fn script(id: &str, parents: &str) -> MigrationScript {
        let text = format!(
            "-- forge:revision {id}\n-- forge:parents {parents}\n-- forge:upgrade\nSELECT 1;\n"
        );
        MigrationScript::parse(Path::new(&format!("versions/{id}.sql")), &text).unwrap()
    }

    #[test]
    fn a_snapshot_reads_back_what_it_wrote() {
        let snapshot = Snapshot::new(
            "aaaaaaaaaaaa",
            schema(&["id", "email"]),
            Path::new("v/1_init.sql"),
        );
        assert_eq!(snapshot.path, Path::new("v/1_init.schema.json"));
        let text = snapshot.render();
        assert!(
            text.starts_with("{\n  \"format_version\": 1,\n  \"revision\": \"aaaaaaaaaaaa\",\n"),
            "{text}"
        );
        assert_eq!(Snapshot::parse(&snapshot.path, &text).unwrap(), snapshot);
    }

    #[test]
    fn a_broken_snapshot_names_its_file_and_line() {
        let err = Snapshot::parse(
            Path::new("v/1.schema.json"),
            "{\n  \"format_version\": 1,\n  \"revision\": \"aaaaaaaaaaaa\",\n  \"schema\": {\"tables\": [}\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with("v/1.schema.json:4: not a model snapshot: "),
            "{err}"
        );
    }

    #[test]
    fn a_future_format_is_refused_by_its_version() {
        let err = Snapshot::parse(
            Path::new("v/1.schema.json"),
            r#"{"format_version": 2, "model": {}}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "v/1.schema.json is a snapshot of format version 2, and this version of Forge reads version 1");
    }

    #[test]
    fn the_heads_snapshot_is_what_the_models_are_compared_with() {
        let graph = RevisionGraph::new(vec![
            script("aaaaaaaaaaaa", ""),
            script("bbbbbbbbbbbb", "aaaaaaaaaaaa"),
        ])
        .unwrap();
        let old = Snapshot::new(
            "aaaaaaaaaaaa",
            schema(&["id"]),
            Path::new("versions/aaaaaaaaaaaa.sql"),
        );
        let only_old = Snapshots::from_snapshots(vec![old.clone()]).unwrap();
        let err = only_old.at_heads(&graph).unwrap_err().to_string();
        assert_eq!(err, "head revision bbbbbbbbbbbb has no model snapshot (versions/bbbbbbbbbbbb.schema.json is missing), so the models cannot be compared with the migrations without a database");

        let new = Snapshot::new(
            "bbbbbbbbbbbb",
            schema(&["id", "email"]),
            Path::new("versions/bbbbbbbbbbbb.sql"),
        );
        let both = Snapshots::from_snapshots(vec![old, new.clone()]).unwrap();
        assert_eq!(both.at_heads(&graph).unwrap(), &new);
    }

    #[test]
    fn heads_that_record_different_models_must_be_merged_first() {
        let graph = RevisionGraph::new(vec![
            script("aaaaaaaaaaaa", ""),
            script("bbbbbbbbbbbb", "aaaaaaaaaaaa"),
            script("cccccccccccc", "aaaaaaaaaaaa"),
        ])
        .unwrap();
        let at = |id: &str, columns: &[&str]| {
            Snapshot::new(
                id,
                schema(columns),
                Path::new(&format!("versions/{id}.sql")),
            )
        };
        let same = Snapshots::from_snapshots(vec![
            at("bbbbbbbbbbbb", &["id"]),
            at("cccccccccccc", &["id"]),
        ])
        .unwrap();
        assert!(same.at_heads(&graph).is_ok());
        let different = Snapshots::from_snapshots(vec![
            at("bbbbbbbbbbbb", &["id"]),
            at("cccccccccccc", &["id", "email"]),
        ])
        .unwrap();
        assert!(matches!(
            different.at_heads(&graph),
            Err(SnapshotError::DivergingHeads { heads }) if heads == ["bbbbbbbbbbbb", "cccccccccccc"]
        ));
    }

    #[test]
    fn a_revision_that_changes_nothing_carries_what_its_parents_agree_on() {
        let at = |id: &str, columns: &[&str]| {
            Snapshot::new(id, schema(columns), Path::new(&format!("v/{id}.sql")))
        };
        let snapshots = Snapshots::from_snapshots(vec![
            at("aaaaaaaaaaaa", &["id"]),
            at("bbbbbbbbbbbb", &["id"]),
            at("cccccccccccc", &["id", "email"]),
        ])
        .unwrap();
        let ids = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            snapshots.agreed(&ids(&["aaaaaaaaaaaa", "bbbbbbbbbbbb"])),
            Some(&schema(&["id"]))
        );
        assert_eq!(
            snapshots.agreed(&ids(&["aaaaaaaaaaaa", "cccccccccccc"])),
            None
        );
        assert_eq!(
            snapshots.agreed(&ids(&["aaaaaaaaaaaa", "dddddddddddd"])),
            None
        );
        assert_eq!(snapshots.agreed(&[]), None);
    }

    #[test]
    fn a_snapshot_without_its_migration_is_reported() {
        let graph = RevisionGraph::new(vec![script("aaaaaaaaaaaa", "")]).unwrap();
        let orphan = Snapshot::new("dddddddddddd", schema(&["id"]), Path::new("v/9_gone.sql"));
        let err = Snapshots::from_snapshots(vec![orphan])
            .unwrap()
            .check_against(&graph)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "v/9_gone.schema.json is the snapshot of revision dddddddddddd, which no migration file defines; delete it with the migration it belonged to");
    }

    #[test]
    fn a_folder_embeds_its_migrations_and_snapshots_only() {
        assert!(is_embedded_file("20251224_0327_init.sql"));
        assert!(is_embedded_file("20251224_0327_init.schema.json"));
        assert!(!is_embedded_file("README.md"));
        assert!(!is_embedded_file(".forge-write-check-1a2b.sql"));
        assert!(!is_embedded_file("notes.json"));
    }

    #[test]
    fn two_snapshots_of_one_revision_are_refused() {
        let a = Snapshot::new("aaaaaaaaaaaa", schema(&["id"]), Path::new("v/1_a.sql"));
        let b = Snapshot::new("aaaaaaaaaaaa", schema(&["id"]), Path::new("v/2_a.sql"));
        assert!(matches!(
            Snapshots::from_snapshots(vec![a, b]),
            Err(SnapshotError::DuplicateRevision { .. })
        ));
    }
}
