//! What an app pays for Forge, measured: a crate that only defines entities
//! (`forge` without features) and an app's binary (`postgres` + `cli`), each
//! built from scratch in a fresh target directory. Prints the number of crates
//! each depends on and the clean dev build time.
//!
//! `cargo bench -p forge-tests --bench app_cost`
//! `FORGE_CHECKOUT=/path/to/another/checkout cargo bench -p forge-tests --bench app_cost`
//! measures another checkout (e.g. an older commit, for a before/after).
//! Builds are slow and the machine may be shared: compare figures taken back to back.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const ENTITIES: &str = r#"use forge::{EntityBase, EntityTable};

/// A customer of the shop.
#[derive(EntityTable)]
#[forge(table = "customers")]
pub struct CustomerTable {
    #[forge(flatten)]
    pub base: EntityBase,
    #[forge(max_length = 320, unique)]
    pub email: String,
}
"#;

const BINARY: &str = r#"use bench_crate as _;

fn main() -> std::process::ExitCode {
    forge::cli::main()
}
"#;

struct Case {
    name: &'static str,
    forge_features: &'static str,
    binary: bool,
}

fn main() {
    let checkout = std::env::var("FORGE_CHECKOUT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let checkout = std::fs::canonicalize(checkout).expect("the checkout exists");
    let cases = [
        Case {
            name: "entities only (forge, no features)",
            forge_features: "",
            binary: false,
        },
        Case {
            name: "app binary (forge: postgres, cli)",
            forge_features: r#", features = ["postgres", "cli"]"#,
            binary: true,
        },
    ];
    println!("checkout: {}", checkout.display());
    for case in cases {
        if case.binary && !checkout.join("forge-macros").is_dir() {
            println!(
                "{}: not measured (this checkout has no `cli` feature)",
                case.name
            );
            continue;
        }
        let dir = std::env::temp_dir().join(format!("forge-app-cost-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src/bin")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"bench_crate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nforge = {{ path = \"{}\"{} }}\n",
                checkout.display(),
                case.forge_features
            ),
        )
        .unwrap();
        std::fs::write(dir.join("src/lib.rs"), ENTITIES).unwrap();
        if case.binary {
            std::fs::write(dir.join("src/bin/cli.rs"), BINARY).unwrap();
        }
        std::fs::copy(checkout.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();

        let tree = Command::new("cargo")
            .args([
                "tree",
                "--offline",
                "-e",
                "normal,build",
                "--prefix",
                "none",
            ])
            .current_dir(&dir)
            .output()
            .unwrap();
        let mut crates: Vec<String> = String::from_utf8_lossy(&tree.stdout)
            .lines()
            .map(|l| l.split(" (").next().unwrap_or(l).trim().to_string())
            .filter(|l| !l.is_empty())
            .collect();
        crates.sort();
        crates.dedup();

        let target = dir.join("target");
        let started = Instant::now();
        let build = Command::new("cargo")
            .args(["build", "--offline", "--quiet"])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .unwrap();
        let elapsed = started.elapsed();
        assert!(build.success(), "the {} crate builds", case.name);
        println!(
            "{}: {} crates (itself included), clean dev build {:.1}s",
            case.name,
            crates.len(),
            elapsed.as_secs_f64()
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
