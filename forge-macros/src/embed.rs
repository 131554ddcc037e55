//! `forge::migrations!`: reads the folder, validates each file and the whole
//! revision graph with the library's own parser (so the compiler and the
//! runtime agree on what a valid file is), and generates the embedded value.
//! Every problem is reported at once, each naming its file and line.

use std::path::{Path, PathBuf};

use forge_core::graph::{GraphError, RevisionGraph};
use forge_core::script::{transaction_problem, MigrationScript};
use forge_core::settings::DEFAULT_MIGRATIONS_DIR;
use forge_core::snapshot::{self, Snapshot, Snapshots};
use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::LitStr;

use crate::config::{self, Config};

pub fn expand(input: TokenStream) -> TokenStream {
    let (span, argument) = match parse_argument(input) {
        Ok(parsed) => parsed,
        Err(error) => return error.to_compile_error(),
    };
    match embed(argument.as_deref()) {
        Ok(tokens) => tokens,
        Err(problems) => {
            let errors = problems
                .iter()
                .map(|problem| quote_spanned!(span=> ::core::compile_error!(#problem);));
            // A value of the right type after the errors: one error per
            // problem, not a cascade of type errors.
            quote! {{
                #(#errors)*
                ::forge::migrate::EmbeddedMigrations::__new(
                    "", &[], &[], ::forge::migrate::Settings::DEFAULT,
                )
            }}
        }
    }
}

/// Nothing, or the folder as a string literal.
fn parse_argument(input: TokenStream) -> syn::Result<(Span, Option<String>)> {
    if input.is_empty() {
        return Ok((Span::call_site(), None));
    }
    let literal: LitStr = syn::parse2(input).map_err(|e| {
        syn::Error::new(
            e.span(),
            "forge::migrations! takes the migrations folder as a string literal, relative to the crate's Cargo.toml, e.g. forge::migrations!(\"migrations/versions\")",
        )
    })?;
    Ok((literal.span(), Some(literal.value())))
}

/// One file of the folder: its path for messages and generated names, its
/// absolute path for `include_str!`, and its text.
struct Source {
    shown: PathBuf,
    absolute: PathBuf,
    text: String,
}

fn embed(argument: Option<&str>) -> Result<TokenStream, Vec<String>> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            vec![
                "forge::migrations! needs CARGO_MANIFEST_DIR: build the crate with cargo"
                    .to_string(),
            ]
        })?;
    let config = config::load(&manifest_dir).map_err(|e| vec![e])?;
    let (dir, shown_dir) = folder(&manifest_dir, argument, &config);
    if !dir.is_dir() {
        return Err(vec![format!(
            "the migrations folder {} does not exist ({}); create it, or name the folder relative to the crate's Cargo.toml",
            shown_dir.display(),
            dir.display()
        )]);
    }
    let (migrations, snapshots) = read_folder(&dir, &shown_dir)?;
    let scripts = parse_scripts(&migrations)?;
    let graph =
        RevisionGraph::new(scripts).map_err(|e| vec![locate_graph_error(&e, &migrations)])?;
    check_snapshots(&snapshots, &graph)?;
    Ok(generate(&dir, &migrations, &snapshots, &config))
}

/// The folder to embed (absolute) and how messages show it.
fn folder(manifest_dir: &Path, argument: Option<&str>, config: &Config) -> (PathBuf, PathBuf) {
    let dir = match (argument, &config.migrations_dir) {
        (Some(argument), _) => manifest_dir.join(argument),
        (None, Some(configured)) => configured.clone(),
        (None, None) => manifest_dir.join(DEFAULT_MIGRATIONS_DIR),
    };
    let shown = match argument {
        Some(argument) => PathBuf::from(argument),
        None => dir.strip_prefix(manifest_dir).unwrap_or(&dir).to_path_buf(),
    };
    (std::fs::canonicalize(&dir).unwrap_or(dir), shown)
}

/// The migration files and the snapshot files of the folder, sorted by name.
fn read_folder(dir: &Path, shown_dir: &Path) -> Result<(Vec<Source>, Vec<Source>), Vec<String>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| vec![format!("cannot read {}: {e}", dir.display())])?;
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| snapshot::is_embedded_file(name))
        .collect();
    names.sort();
    let mut migrations = Vec::new();
    let mut snapshots = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let absolute = dir.join(&name);
        match std::fs::read_to_string(&absolute) {
            Ok(text) => {
                let source = Source {
                    shown: shown_dir.join(&name),
                    absolute,
                    text,
                };
                if name.ends_with(snapshot::SUFFIX) {
                    snapshots.push(source);
                } else {
                    migrations.push(source);
                }
            }
            Err(e) => problems.push(format!("cannot read {}: {e}", absolute.display())),
        }
    }
    if problems.is_empty() {
        Ok((migrations, snapshots))
    } else {
        Err(problems)
    }
}

/// Every file parsed; all broken files reported together, and two files
/// with one revision id named with both lines.
fn parse_scripts(sources: &[Source]) -> Result<Vec<MigrationScript>, Vec<String>> {
    let mut problems = Vec::new();
    let mut scripts: Vec<MigrationScript> = Vec::new();
    for source in sources {
        match MigrationScript::parse(&source.shown, &source.text) {
            Ok(script) => {
                if let Some(problem) = transaction_problem(&script) {
                    problems.push(problem);
                }
                if let Some(first) = scripts.iter().find(|s| s.revision == script.revision) {
                    problems.push(format!(
                        "{}:{}: revision {} is already defined by {}:{}; give one of them a new id",
                        source.shown.display(),
                        directive_line(&source.text, "revision", None),
                        script.revision,
                        first.path.display(),
                        line_in(sources, &first.revision, "revision", None),
                    ));
                }
                scripts.push(script);
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(scripts)
    } else {
        Err(problems)
    }
}

/// The graph's own message, led by the file and line to fix.
fn locate_graph_error(error: &GraphError, sources: &[Source]) -> String {
    let at = |revision: &str, directive: &str, value: Option<&str>| -> String {
        let path = sources
            .iter()
            .find(|s| defines(s, revision))
            .map(|s| s.shown.display().to_string())
            .unwrap_or_else(|| revision.to_string());
        format!("{path}:{}", line_in(sources, revision, directive, value))
    };
    match error {
        GraphError::MissingParent {
            revision, parent, ..
        } => format!(
            "{}: parent {parent} of revision {revision} has no migration file; restore it or fix `-- forge:parents`",
            at(revision, "parents", Some(parent))
        ),
        GraphError::MissingDependency {
            revision,
            dependency,
            ..
        } => format!(
            "{}: revision {revision} depends on {dependency}, which has no migration file; restore it or fix `-- forge:depends-on`",
            at(revision, "depends-on", Some(dependency))
        ),
        GraphError::Cycle { cycle } => {
            let members: Vec<String> = cycle
                .iter()
                .take(cycle.len().saturating_sub(1).max(1))
                .map(|r| format!("{} ({r})", at(r, "parents", None)))
                .collect();
            format!(
                "the revisions form a cycle ({}): {}; a revision cannot be its own ancestor, fix their `-- forge:parents` or `-- forge:depends-on`",
                cycle.join(" -> "),
                members.join(", ")
            )
        }
        GraphError::DuplicateBranchLabel {
            label,
            first,
            second,
        } => format!(
            "{}: branch label `{label}` is already declared by {}; a label names one branch, rename one of them",
            at(second, "branch", Some(label)),
            at(first, "branch", Some(label))
        ),
        GraphError::BranchLabelIsRevision { label, revision } => format!(
            "{}: branch label `{label}` is also a revision id; choose another label",
            at(revision, "branch", Some(label))
        ),
        other => other.to_string(),
    }
}

/// The snapshots parse, one per revision, each of a revision of the graph.
fn check_snapshots(sources: &[Source], graph: &RevisionGraph) -> Result<(), Vec<String>> {
    let mut problems = Vec::new();
    let mut parsed = Vec::new();
    for source in sources {
        match Snapshot::parse(&source.shown, &source.text) {
            Ok(snapshot) => parsed.push(snapshot),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        match Snapshots::from_snapshots(parsed) {
            Ok(snapshots) => {
                if let Err(e) = snapshots.check_against(graph) {
                    problems.push(e.to_string());
                }
            }
            Err(e) => problems.push(e.to_string()),
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn defines(source: &Source, revision: &str) -> bool {
    directive_values(&source.text, "revision").any(|(_, value)| value == revision)
}

/// The line of `-- forge:<directive>` (holding `value`, when given) in the
/// file that defines `revision`; 1 when it cannot be found.
fn line_in(sources: &[Source], revision: &str, directive: &str, value: Option<&str>) -> usize {
    sources
        .iter()
        .find(|s| defines(s, revision))
        .map_or(1, |s| directive_line(&s.text, directive, value))
}

fn directive_line(text: &str, directive: &str, value: Option<&str>) -> usize {
    directive_values(text, directive)
        .find(|(_, values)| match value {
            None => true,
            Some(v) => values.split_whitespace().any(|w| w == v),
        })
        .map_or(1, |(line, _)| line)
}

/// The `-- forge:<directive> VALUES` lines of a file: (line number, values).
fn directive_values<'t>(
    text: &'t str,
    directive: &'t str,
) -> impl Iterator<Item = (usize, &'t str)> + 't {
    text.lines().enumerate().filter_map(move |(index, line)| {
        let rest = line
            .trim()
            .strip_prefix("--")?
            .trim_start()
            .strip_prefix("forge:")?;
        let (name, values) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        (name == directive).then_some((index + 1, values.trim()))
    })
}

fn generate(
    dir: &Path,
    migrations: &[Source],
    snapshots: &[Source],
    config: &Config,
) -> TokenStream {
    let files = |sources: &[Source]| -> Vec<TokenStream> {
        sources
            .iter()
            .map(|source| {
                let shown = source.shown.display().to_string();
                let absolute = source.absolute.display().to_string();
                // include_str! makes the compiler record the file: editing or
                // removing it rebuilds the crate.
                quote! {
                    ::forge::migrate::EmbeddedFile { path: #shown, text: ::core::include_str!(#absolute) }
                }
            })
            .collect()
    };
    let migration_files = files(migrations);
    let snapshot_files = files(snapshots);
    let dir = dir.display().to_string();
    let schema = &config.schema;
    let version_table = &config.version_table;
    let (config_file, track_config) = match &config.file {
        Some(path) => {
            let path = path.display().to_string();
            (
                quote!(::core::option::Option::Some(#path)),
                quote!(
                    const _: &str = ::core::include_str!(#path);
                ),
            )
        }
        None => (quote!(::core::option::Option::None), quote!()),
    };
    quote! {{
        #track_config
        ::forge::migrate::EmbeddedMigrations::__new(
            #dir,
            &[#(#migration_files),*],
            &[#(#snapshot_files),*],
            ::forge::migrate::Settings {
                schema: #schema,
                version_table: #version_table,
                config: #config_file,
            },
        )
    }}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(name: &str, text: &str) -> Source {
        Source {
            shown: PathBuf::from(format!("migrations/versions/{name}")),
            absolute: PathBuf::from(format!("/abs/{name}")),
            text: text.to_string(),
        }
    }

    fn file(id: &str, parents: &str) -> String {
        format!("-- forge:revision {id}\n-- forge:parents {parents}\n-- forge:message m\n\n-- forge:upgrade\nSELECT 1;\n")
    }

    fn graph_error(sources: &[Source]) -> String {
        let scripts = parse_scripts(sources).unwrap();
        let error = RevisionGraph::new(scripts).unwrap_err();
        locate_graph_error(&error, sources)
    }

    fn config(migrations_dir: Option<&str>) -> Config {
        Config {
            file: None,
            schema: "public".into(),
            version_table: "forge_version".into(),
            migrations_dir: migrations_dir.map(PathBuf::from),
        }
    }

    #[test]
    fn the_folder_is_the_argument_else_forge_tomls_else_the_default() {
        let crate_dir = Path::new("/nonexistent/app");
        let (dir, shown) = folder(crate_dir, Some("../db/versions"), &config(Some("/x/y")));
        assert_eq!(dir, Path::new("/nonexistent/app/../db/versions"));
        assert_eq!(shown, Path::new("../db/versions"));

        let (dir, shown) = folder(
            crate_dir,
            None,
            &config(Some("/nonexistent/app/sql/versions")),
        );
        assert_eq!(dir, Path::new("/nonexistent/app/sql/versions"));
        assert_eq!(shown, Path::new("sql/versions"));

        let (dir, shown) = folder(crate_dir, None, &config(None));
        assert_eq!(dir, Path::new("/nonexistent/app/migrations/versions"));
        assert_eq!(shown, Path::new("migrations/versions"));
    }

    #[test]
    fn every_broken_file_is_reported_with_its_line() {
        let sources = [
            source(
                "1_a.sql",
                "-- forge:revision nothex\n-- forge:upgrade\nSELECT 1;\n",
            ),
            source("2_b.sql", &file("bbbbbbbbbbbb", "")),
            source(
                "3_c.sql",
                "-- forge:revision cccccccccccc\n-- forge:upgrade\nSELECT 'unterminated;\n",
            ),
        ];
        let problems = parse_scripts(&sources).unwrap_err();
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert!(
            problems[0].starts_with("migrations/versions/1_a.sql:1: `nothex` in `-- forge:revision` is not a revision id"),
            "{}",
            problems[0]
        );
        assert!(
            problems[1].starts_with("migrations/versions/3_c.sql:3: "),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn a_duplicate_revision_names_both_files_and_lines() {
        let sources = [
            source("1_a.sql", &file("aaaaaaaaaaaa", "")),
            source(
                "2_a.sql",
                &format!("-- a comment\n{}", file("aaaaaaaaaaaa", "")),
            ),
        ];
        let problems = parse_scripts(&sources).unwrap_err();
        assert_eq!(
            problems,
            ["migrations/versions/2_a.sql:2: revision aaaaaaaaaaaa is already defined by migrations/versions/1_a.sql:1; give one of them a new id"]
        );
    }

    #[test]
    fn an_unknown_parent_names_the_parents_line() {
        let sources = [
            source("1_a.sql", &file("aaaaaaaaaaaa", "")),
            source("2_b.sql", &file("bbbbbbbbbbbb", "ffffffffffff")),
        ];
        assert_eq!(
            graph_error(&sources),
            "migrations/versions/2_b.sql:2: parent ffffffffffff of revision bbbbbbbbbbbb has no migration file; restore it or fix `-- forge:parents`"
        );
    }

    #[test]
    fn a_cycle_names_each_file_in_it() {
        let sources = [
            source("1_a.sql", &file("aaaaaaaaaaaa", "bbbbbbbbbbbb")),
            source("2_b.sql", &file("bbbbbbbbbbbb", "aaaaaaaaaaaa")),
        ];
        let message = graph_error(&sources);
        assert!(
            message.starts_with("the revisions form a cycle ("),
            "{message}"
        );
        assert!(
            message.contains("migrations/versions/1_a.sql:2 (aaaaaaaaaaaa)")
                && message.contains("migrations/versions/2_b.sql:2 (bbbbbbbbbbbb)"),
            "{message}"
        );
    }

    #[test]
    fn a_statement_that_needs_transaction_off_is_a_compile_error() {
        let sources = [source(
            "1_a.sql",
            "-- forge:revision aaaaaaaaaaaa\n-- forge:upgrade\nCREATE INDEX CONCURRENTLY i ON t (c);\n",
        )];
        let problems = parse_scripts(&sources).unwrap_err();
        assert!(
            problems[0].contains("line 3") && problems[0].contains("transaction off"),
            "{}",
            problems[0]
        );
    }
}
