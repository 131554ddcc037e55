//! Compile-time behaviour of the derives: every mistake in `tests/ui/<family>/`
//! must fail with the reviewed message in its `.stderr`, on the right token;
//! `tests/ui/pass/` must compile.

use std::path::Path;

#[test]
fn derive_ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let mut families: Vec<String> = std::fs::read_dir(&ui)
        .expect("tests/ui exists")
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|family| family != "pass")
        .collect();
    families.sort();
    for family in families {
        cases.compile_fail(format!("ui/{family}/*.rs"));
    }
}
