//! `--format human`: miette's graphical report, one block per diagnostic, then a summary.

use super::{Summary, render_suggestion};
use crate::diagnostic::{Diagnostic, Severity};
use crate::lint::FileResult;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};
use std::fmt;
use std::sync::Arc;

/// Renders the run for a person. `color` picks the coloured theme.
pub fn render(files: &[FileResult], color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    // Suggested SQL must stay pasteable, so lines are never wrapped.
    let handler = GraphicalReportHandler::new_themed(theme).with_wrap_lines(false);
    let mut out = String::new();
    for f in files {
        let source = Arc::new(NamedSource::new(
            f.path.display().to_string(),
            f.text.clone(),
        ));
        for d in &f.diagnostics {
            let shown = Shown {
                d,
                source: source.clone(),
                has_source: !f.text.is_empty(),
            };
            if handler.render_report(&mut out, &shown).is_err() {
                out.push_str(&format!(
                    "{}[{}]: {}\n",
                    d.severity, d.rule, d.finding.message
                ));
            }
            out.push('\n');
        }
    }
    out.push_str(&summary_line(&Summary::of(files)));
    out
}

/// The closing line: counts of findings, files and statements.
pub fn summary_line(s: &Summary) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    // DO block text bellows could not check is said only when there is some.
    let unchecked = s.stats.dynamic_sql + s.stats.do_unreadable;
    let unchecked = if unchecked > 0 {
        format!(", {} of DO blocks not checked", plural(unchecked, "part"))
    } else {
        String::new()
    };
    format!(
        "{}, {} in {} ({}, {} unanalyzed, {}{unchecked})\n",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.files, "file"),
        plural(s.stats.statements, "statement"),
        s.stats.unanalyzed,
        plural(s.stats.parse_errors, "parse error"),
    )
}

/// A diagnostic as miette wants it.
struct Shown<'a> {
    d: &'a Diagnostic,
    source: Arc<NamedSource<Arc<String>>>,
    has_source: bool,
}

impl fmt::Debug for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.finding.message)
    }
}

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.d.finding.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl miette::Diagnostic for Shown<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.d.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        let f = &self.d.finding;
        let mut help = f.help.clone().unwrap_or_default();
        if let Some(s) = &f.suggestion {
            help.push_str(&format!(":\n\n{}", render_suggestion(s)));
        }
        if !help.ends_with('\n') && !help.is_empty() {
            help.push('\n');
        }
        help.push_str(&format!("docs: bellows explain {}", self.d.rule));
        Some(Box::new(help))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.has_source
            .then_some(self.source.as_ref() as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if !self.has_source {
            return None;
        }
        let span = self.d.finding.span;
        let label = Some(self.d.finding.label.clone()).filter(|l| !l.is_empty());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label,
            SourceSpan::new(span.start.into(), span.len()),
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Stats;

    #[test]
    fn summary_mentions_unchecked_do_block_parts_only_when_there_are_some() {
        let mut s = Summary {
            files: 1,
            stats: Stats {
                statements: 2,
                ..Stats::default()
            },
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&s),
            "0 errors, 0 warnings in 1 file (2 statements, 0 unanalyzed, 0 parse errors)\n"
        );
        s.stats.dynamic_sql = 2;
        assert_eq!(
            summary_line(&s),
            "0 errors, 0 warnings in 1 file (2 statements, 0 unanalyzed, 0 parse errors, 2 parts of DO blocks not checked)\n"
        );
    }
}
