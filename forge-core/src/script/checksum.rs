//! The checksum of a migration's upgrade section, which tells an applied
//! migration from an edited one.

use sha2::{Digest, Sha256};

/// SHA-256 (lowercase hex) of `sql` after normalization, so that what an editor or
/// a git checkout changes on its own (CRLF line ends, a UTF-8 BOM, trailing
/// whitespace, blank lines around the text) does not count as an edit.
pub fn checksum(sql: &str) -> String {
    let digest = Sha256::digest(normalize(sql).as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The text a checksum is computed over: LF line ends, no BOM, no trailing
/// whitespace on any line, no leading or trailing blank lines.
pub fn normalize(sql: &str) -> String {
    let sql = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let sql = sql.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = sql.split('\n').map(str::trim_end).collect();
    let first = lines.iter().position(|l| !l.is_empty());
    let last = lines.iter().rposition(|l| !l.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQL: &str = "CREATE TABLE a (id int);\nCREATE INDEX a_id ON a (id);";

    #[test]
    fn is_lowercase_hex_sha256() {
        let sum = checksum(SQL);
        assert_eq!(sum.len(), 64);
        assert!(sum
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(
            checksum(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn crlf_line_ends_are_not_an_edit() {
        assert_eq!(checksum(SQL), checksum(&SQL.replace('\n', "\r\n")));
    }

    #[test]
    fn a_bom_is_not_an_edit() {
        assert_eq!(checksum(SQL), checksum(&format!("\u{feff}{SQL}")));
    }

    #[test]
    fn trailing_whitespace_and_surrounding_blank_lines_are_not_an_edit() {
        let noisy = format!("\n\n{}\t \n\n  \n", SQL.replace('\n', "   \n"));
        assert_eq!(checksum(SQL), checksum(&noisy));
    }

    #[test]
    fn real_edits_change_the_checksum() {
        assert_ne!(checksum(SQL), checksum(&SQL.replace("id int", "id bigint")));
        // Indentation and blank lines between statements are content.
        assert_ne!(checksum(SQL), checksum(&SQL.replace('\n', "\n  ")));
        assert_ne!(checksum(SQL), checksum(&SQL.replace('\n', "\n\n")));
    }
}
