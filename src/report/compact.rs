//! `--format compact`: one line per diagnostic, `file:line:col: severity[rule] message`,
//! for editors' error parsers and grep. Nothing else is printed: no summary, so every line
//! of the output is a finding (the exit code says whether there were errors).

use crate::lint::FileResult;
use crate::source::LineIndex;

/// Renders every diagnostic as one line; `line` and `col` are 1-based, `col` counts
/// characters.
pub fn render(files: &[FileResult]) -> String {
    let mut out = String::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        let path = f.path.display();
        for d in &f.diagnostics {
            let at = index.position(&f.text, d.finding.span.start);
            out.push_str(&format!(
                "{path}:{}:{}: {}[{}] {}\n",
                at.line,
                at.column,
                d.severity,
                d.rule,
                one_line(&d.finding.message)
            ));
        }
    }
    out
}

/// Messages are one line, but one that quotes a file name could hold a line break: it would
/// start a line the editor cannot parse.
fn one_line(message: &str) -> String {
    message.replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::linted;

    #[test]
    fn columns_count_characters_after_multi_byte_ones() {
        // "é" is two bytes and "名" three: DROP is the 21st character of its line, but
        // 23 bytes come before it.
        let text = "-- café 名前\nALTER TABLE \"café名\" DROP COLUMN \"x\";\n";
        let out = render(&[linted("db/1.sql", text)]);
        let line = out
            .lines()
            .find(|l| l.contains("[drop-column]"))
            .expect("drop-column reported");
        assert_eq!(
            line,
            "db/1.sql:2:21: error[drop-column] dropping column \"x\" of \"café名\" breaks every running app version that still uses it"
        );
    }

    #[test]
    fn every_line_is_a_finding() {
        let out = render(&[linted("a.sql", "SELECT 1;\nALTER TABLE t DROP COLUMN c;\n")]);
        assert_eq!(
            out,
            "a.sql:2:1: warning[lock-timeout-missing] ALTER TABLE takes an ACCESS EXCLUSIVE lock on t with no lock_timeout set\n\
             a.sql:2:15: error[drop-column] dropping column c of t breaks every running app version that still uses it\n"
        );
        assert_eq!(render(&[linted("b.sql", "SELECT 1;\n")]), "");
    }

    #[test]
    fn a_line_break_in_a_message_does_not_split_the_finding() {
        assert_eq!(
            one_line("cannot read a\nb.sql: denied"),
            "cannot read a b.sql: denied"
        );
    }
}
