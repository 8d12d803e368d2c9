//! `-- bellows-ignore rule[, rule]: reason` comments.
//!
//! An ignore comment between two statements applies to the next statement, unless it stands
//! on the last line of the previous one (then it is that statement's trailing comment).
//! `-- bellows-ignore-file rule: reason` applies to the whole file.

use crate::diagnostic::Finding;
use crate::rules;
use crate::source::Span;

/// Where an ignore comment applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The statement with this index.
    Statement(usize),
    /// Every statement of the file.
    File,
}

/// One ignore comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ignore {
    /// The rule ids it names.
    pub rules: Vec<String>,
    /// The reason after the colon, if any.
    pub reason: Option<String>,
    /// The comment's bytes.
    pub span: Span,
    /// What it silences.
    pub target: Target,
}

impl Ignore {
    /// True when this ignore silences `rule` on statement `index`.
    pub fn covers(&self, rule: &str, index: usize) -> bool {
        (self.target == Target::File || self.target == Target::Statement(index))
            && self.rules.iter().any(|r| r == rule)
    }

    /// True when this is a file-level ignore of `rule`.
    pub fn covers_file(&self, rule: &str) -> bool {
        self.target == Target::File && self.rules.iter().any(|r| r == rule)
    }
}

/// Finds the ignore comments of `text`, whose statements are `statements` (in order).
pub fn scan(text: &str, statements: &[Span]) -> Vec<Ignore> {
    let mut out = Vec::new();
    let mut gap_start = 0;
    let dashes = memchr::memmem::Finder::new(b"--");
    for i in 0..=statements.len() {
        let gap_end = statements.get(i).map_or(text.len(), |s| s.start);
        scan_gap(text, gap_start, gap_end, i, &dashes, &mut out);
        if let Some(s) = statements.get(i) {
            gap_start = s.end;
        }
    }
    out
}

/// Reads the comments in `text[start..end]`, which holds only white space, `;` and
/// comments. `next` is the index of the statement after the gap.
/// `dashes` finds `--`.
fn scan_gap(
    text: &str,
    start: usize,
    end: usize,
    next: usize,
    dashes: &memchr::memmem::Finder,
    out: &mut Vec<Ignore>,
) {
    let gap = &text[start..end];
    let mut pos = 0;
    while let Some(found) = dashes.find(&gap.as_bytes()[pos..]) {
        let at = pos + found;
        let line_end = gap[at..].find('\n').map_or(gap.len(), |e| at + e);
        let comment = &gap[at + 2..line_end];
        let span = Span::new(start + at, start + line_end);
        // A comment after the first one is on a later line: the first runs to its line's end.
        let on_previous_line = next > 0 && pos == 0 && !gap[..at].contains('\n');
        let target = if on_previous_line {
            Some(Target::Statement(next - 1))
        } else {
            Some(Target::Statement(next))
        };
        if let Some(ignore) = parse_comment(comment.trim(), span, target) {
            out.push(ignore);
        }
        pos = line_end;
    }
}

fn parse_comment(comment: &str, span: Span, target: Option<Target>) -> Option<Ignore> {
    let (rest, target) = if let Some(r) = comment.strip_prefix("bellows-ignore-file") {
        (r, Target::File)
    } else {
        (comment.strip_prefix("bellows-ignore")?, target?)
    };
    if !(rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return None;
    }
    let (rules, reason) = match rest.split_once(':') {
        Some((r, why)) => (r, Some(why.trim().to_string()).filter(|w| !w.is_empty())),
        None => (rest, None),
    };
    Some(Ignore {
        rules: rules
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect(),
        reason,
        span,
        target,
    })
}

/// What is wrong with the ignore comments of a file: unknown rule ids, a missing reason
/// (when one is required: such an ignore silences nothing), and ignores that silenced
/// nothing. `used[i]` says whether `ignores[i]` silenced a finding.
pub fn problems(ignores: &[Ignore], used: &[bool], require_reason: bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, ignore) in ignores.iter().enumerate() {
        let unknown: Vec<&str> = ignore
            .rules
            .iter()
            .map(String::as_str)
            .filter(|r| rules::find(r).is_none())
            .collect();
        let finding = if ignore.rules.is_empty() {
            Some(Finding::new(
                ignore.span,
                "this bellows-ignore names no rule",
                "name the rule it silences",
            ))
        } else if !unknown.is_empty() {
            Some(Finding::new(
                ignore.span,
                format!("`{}` is not a bellows rule", unknown.join("`, `")),
                "unknown rule",
            ))
        } else if require_reason && ignore.reason.is_none() {
            Some(
                Finding::new(ignore.span, "this bellows-ignore gives no reason, so it silences nothing", "reason missing")
                    .help("write why it is safe after a colon: `-- bellows-ignore drop-column: the app stopped using it in v42`"),
            )
        } else if !used.get(i).copied().unwrap_or(false) {
            Some(Finding::new(
                ignore.span,
                "this bellows-ignore silences nothing",
                "nothing to silence here",
            ))
        } else {
            None
        };
        out.extend(finding.map(|f| {
            f.help_if_missing("remove it, or move it to the line above the statement it is about")
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::split::split;

    fn ignores(sql: &str) -> Vec<Ignore> {
        let spans: Vec<Span> = split(sql).statements.iter().map(|s| s.span).collect();
        scan(sql, &spans)
    }

    #[test]
    fn line_above_applies_to_next_statement() {
        let ig = ignores(
            "SELECT 1;\n-- bellows-ignore drop-column, rename-column: app deployed\nALTER TABLE t DROP COLUMN c;",
        );
        assert_eq!(ig.len(), 1);
        assert_eq!(ig[0].rules, vec!["drop-column", "rename-column"]);
        assert_eq!(ig[0].reason.as_deref(), Some("app deployed"));
        assert_eq!(ig[0].target, Target::Statement(1));
    }

    #[test]
    fn end_of_line_applies_to_that_statement() {
        let ig =
            ignores("ALTER TABLE t DROP COLUMN c; -- bellows-ignore drop-column: ok\nSELECT 1;");
        assert_eq!(ig[0].target, Target::Statement(0));
    }

    #[test]
    fn file_level_and_missing_reason() {
        let ig = ignores("-- bellows-ignore-file set-not-null\nSELECT 1;");
        assert_eq!(ig[0].target, Target::File);
        assert_eq!(ig[0].reason, None);
    }

    #[test]
    fn problems_of_ignores() {
        let ig = ignores(
            "-- bellows-ignore nope: x\n-- bellows-ignore drop-column\n-- bellows-ignore set-not-null: ok\nSELECT 1;",
        );
        let found: Vec<String> = problems(&ig, &[false, false, false], true)
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            found,
            vec![
                "`nope` is not a bellows rule",
                "this bellows-ignore gives no reason, so it silences nothing",
                "this bellows-ignore silences nothing",
            ]
        );
        assert!(problems(&ig[2..], &[true], true).is_empty());
        assert!(problems(&ig[1..2], &[true], false).is_empty());
    }

    #[test]
    fn ignore_text_inside_a_string_is_not_a_comment() {
        assert!(ignores("SELECT '-- bellows-ignore drop-column: x';").is_empty());
        assert!(ignores("-- bellows-ignored drop-column\nSELECT 1;").is_empty());
    }
}
