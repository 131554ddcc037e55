//! Forge's function-like and attribute macros (the derives live in
//! `forge-derive`): `forge::migrations!`, which embeds a folder of migration
//! files and validates every file and the revision graph while the crate
//! compiles, and `#[forge::test]`, a test with a database of its own.
//!
//! Use them through the `forge` crate: the generated code names `::forge`.

mod config;
mod embed;
mod test_attr;

use proc_macro::TokenStream;

/// Embeds the migration files of a folder (path relative to the crate's
/// `Cargo.toml`; default: `[migrations] dir` of the nearest `forge.toml`, else
/// `migrations/versions`) into a `forge::migrate::EmbeddedMigrations`, with the
/// `[database] schema` and `[migrations] version_table` of that `forge.toml`.
///
/// Every file is parsed and the whole revision graph validated while the crate
/// compiles: a broken header, a duplicate revision id, an unknown parent, a
/// cycle, a statement that needs `transaction off`, a broken model snapshot —
/// each is a compile error naming the file and line.
///
/// Editing or removing a file rebuilds the crate. Cargo cannot be told from a
/// macro (on stable Rust) that a *new* file appeared in the folder: give the
/// crate a build script that watches it —
/// `fn main() { println!("cargo:rerun-if-changed=migrations/versions"); }` —
/// and a binary built before a file was added refuses to run while the folder
/// is there to compare with.
#[proc_macro]
pub fn migrations(input: TokenStream) -> TokenStream {
    embed::expand(input.into()).into()
}

/// A test with a database of its own: `async fn` taking a
/// `forge::testing::TestDatabase` (or a `sqlx::PgPool`, or nothing), run on a
/// fresh database of the test server with the migrations applied when
/// `migrations = MIGRATIONS` (a static, or a folder as `forge::migrations!`
/// takes it) is given. The database is dropped when the test ends, also when
/// it panics.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    test_attr::expand(args.into(), item.into()).into()
}
