// forge::migrations! embeds this folder: rebuild the crate when a migration is
// added to it (edits and removals are noticed without this line).
fn main() {
    println!("cargo:rerun-if-changed=../../migrations/versions");
}
