// forge::migrations! embeds the fixture folders: rebuild the tests when a
// migration is added to one (edits and removals are noticed without this).
fn main() {
    println!("cargo:rerun-if-changed=fixtures/migrations");
}
