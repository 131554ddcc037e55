//! Where commands write: a writer passed in (stdout in the binary, a buffer in
//! tests) and whether it is a terminal (tables and progress) or a pipe (plain).

use std::io::Write;

use serde::Serialize;

use crate::failure::Failure;

pub struct Output<'a> {
    out: &'a mut dyn Write,
    terminal: bool,
}

impl<'a> Output<'a> {
    pub fn new(out: &'a mut dyn Write, terminal: bool) -> Self {
        Output { out, terminal }
    }

    pub fn is_terminal(&self) -> bool {
        self.terminal
    }

    /// Writes one line.
    pub fn line(&mut self, text: impl AsRef<str>) -> Result<(), Failure> {
        writeln!(self.out, "{}", text.as_ref()).map_err(write_failed)
    }

    /// Writes text as is.
    pub fn text(&mut self, text: impl AsRef<str>) -> Result<(), Failure> {
        self.out
            .write_all(text.as_ref().as_bytes())
            .map_err(write_failed)?;
        self.out.flush().map_err(write_failed)
    }

    /// Writes a value as pretty JSON followed by a newline.
    pub fn json<T: Serialize>(&mut self, value: &T) -> Result<(), Failure> {
        let text = serde_json::to_string_pretty(value)
            .map_err(|e| Failure::error(format!("cannot write JSON: {e}")))?;
        self.line(text)
    }

    /// Writes rows as aligned columns (a readable table on a terminal, the same
    /// text when piped: a stable format is easier to grep than one that changes).
    pub fn table(&mut self, header: &[&str], rows: &[Vec<String>]) -> Result<(), Failure> {
        let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
        self.aligned(Some(&header), rows)
    }

    /// Writes rows as aligned columns, without a header.
    pub fn rows(&mut self, rows: &[Vec<String>]) -> Result<(), Failure> {
        self.aligned(None, rows)
    }

    fn aligned(
        &mut self,
        header: Option<&Vec<String>>,
        rows: &[Vec<String>],
    ) -> Result<(), Failure> {
        let columns = header
            .map(Vec::len)
            .or_else(|| rows.first().map(Vec::len))
            .unwrap_or(0);
        let mut widths: Vec<usize> = vec![0; columns];
        for row in header.into_iter().chain(rows) {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let render = |cells: &mut dyn Iterator<Item = &str>| -> String {
            let mut line = String::new();
            for (i, cell) in cells.enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(cell);
                if i + 1 < widths.len() {
                    line.push_str(&" ".repeat(widths[i] - cell.chars().count()));
                }
            }
            line.trim_end().to_string()
        };
        for row in header.into_iter().chain(rows) {
            self.line(render(&mut row.iter().map(String::as_str)))?;
        }
        Ok(())
    }
}

fn write_failed(e: std::io::Error) -> Failure {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        return Failure::reader_gone();
    }
    Failure::error(format!("cannot write the output: {e}"))
}
