//! `--format github`: GitHub Actions workflow commands, one line per diagnostic, which the
//! runner turns into annotations on the pull request's diff:
//!
//! ```text
//! ::error file=db/1.sql,line=2,col=31,endLine=2,endColumn=66,title=drop-column::dropping column …
//! ```
//!
//! `col` and `endColumn` count characters and both name a character of the span (the first
//! and the last), as GitHub's annotation columns do; GitHub takes columns only for an
//! annotation on one line, so a span over several lines gives `line` and `endLine` alone.
//! The message holds the headline, the help, the suggested rewrite and where the rule's page
//! is, on separate lines. Nothing else is printed.

use super::{portable_path, render_suggestion};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::FileResult;
use crate::source::{LineIndex, Position};

/// Renders every diagnostic as one workflow command.
pub fn render(files: &[FileResult]) -> String {
    let mut out = String::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        let file = escape_property(&portable_path(&f.path));
        for d in &f.diagnostics {
            let span = d.finding.span;
            let start = index.position(&f.text, span.start);
            let last = index.position(&f.text, last_char_start(&f.text, span.start, span.end));
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            out.push_str(&format!(
                "::{command} file={file},{},title={}::{}\n",
                location(start, last),
                escape_property(d.rule),
                escape_data(&message(d))
            ));
        }
    }
    out
}

/// `line=…,col=…,endLine=…,endColumn=…` from the first and last character of a span.
fn location(start: Position, last: Position) -> String {
    if start.line == last.line {
        format!(
            "line={},col={},endLine={},endColumn={}",
            start.line, start.column, last.line, last.column
        )
    } else {
        format!("line={},endLine={}", start.line, last.line)
    }
}

/// Where the last character of `start..end` starts in `text`: `start` itself for an empty
/// span.
fn last_char_start(text: &str, start: usize, end: usize) -> usize {
    text.get(start..end)
        .and_then(|s| s.char_indices().next_back())
        .map_or(start, |(i, _)| start + i)
}

/// The annotation's text: headline, help, rewrite, rule page.
fn message(d: &Diagnostic) -> String {
    let f = &d.finding;
    let mut lines = vec![f.message.clone()];
    if let Some(help) = &f.help {
        let colon = if f.suggestion.is_some() { ":" } else { "" };
        lines.push(format!("{help}{colon}"));
    }
    if let Some(s) = &f.suggestion {
        lines.push(render_suggestion(s).trim_end().to_string());
    }
    lines.push(format!("docs: bellows explain {}", d.rule));
    lines.join("\n")
}

/// Escapes a command's message: `%`, carriage return and line feed.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property's value: as a message, plus `:` and `,`, which end it.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Finding;
    use crate::report::linted;
    use crate::source::Span;

    #[test]
    fn messages_escape_percent_and_line_breaks() {
        assert_eq!(
            escape_data("100% sure\r\nnext: a, b"),
            "100%25 sure%0D%0Anext: a, b"
        );
        // `%` goes first, or the escapes themselves would be escaped again.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(
            escape_property("db/v1:init,2%\n.sql"),
            "db/v1%3Ainit%2C2%25%0A.sql"
        );
    }

    #[test]
    fn one_command_per_diagnostic_with_escaped_file_and_message() {
        let out = render(&[linted(
            "./db/a,b: 100%.sql",
            "ALTER TABLE t DROP COLUMN c;\n",
        )]);
        // lock-timeout-missing, then drop-column: one line each.
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(
            lines[1].starts_with(
                "::error file=db/a%2Cb%3A 100%25.sql,line=1,col=15,endLine=1,endColumn=27,title=drop-column::dropping column c of t breaks"
            ),
            "{}",
            lines[1]
        );
        assert!(lines[1].ends_with("%0Adocs: bellows explain drop-column"));
    }

    #[test]
    fn a_span_over_lines_gives_lines_only_and_an_io_error_line_one() {
        let mut unreadable = linted("b.sql", "");
        unreadable.diagnostics.push(Diagnostic {
            rule: "io-error",
            severity: Severity::Error,
            finding: Finding::new(Span::default(), "cannot read b.sql", ""),
            statement: Span::default(),
            run: None,
        });
        let out = render(&[linted("a.sql", "CREATE INDEX i\nON t (a);\n"), unreadable]);
        assert!(
            out.contains(
                "::error file=a.sql,line=1,endLine=2,title=create-index-non-concurrently::"
            ),
            "{out}"
        );
        assert!(out.contains(
            "::error file=b.sql,line=1,col=1,endLine=1,endColumn=1,title=io-error::cannot read b.sql%0Adocs: bellows explain io-error\n"
        ));
    }
}
