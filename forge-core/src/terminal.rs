//! Text from migration files and database servers, made safe to show: a
//! control character (an escape sequence can rewrite or hide what a terminal
//! shows) is written as its `\u{..}` escape instead.

use std::borrow::Cow;

/// `text` with every control character but newline and tab escaped.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if is_unsafe(c) {
                    c.escape_unicode().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// The first control character of `text` other than tab, if any.
pub fn first_control(text: &str) -> Option<char> {
    text.chars().find(|&c| c != '\t' && c.is_control())
}

fn is_unsafe(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(
            escape_controls("a\u{1b}[2Jb\u{9b}c\u{7}"),
            "a\\u{1b}[2Jb\\u{9b}c\\u{7}"
        );
        assert!(matches!(
            escape_controls("line\n\tnext é"),
            Cow::Borrowed(_)
        ));
        assert_eq!(first_control("a\tb\rc"), Some('\r'));
    }
}
