//! `--format sarif`: a SARIF 2.1.0 log, the format code scanning services read (GitHub's
//! `upload-sarif`, among others).
//!
//! One run. `tool.driver.rules` lists the rules that have results, in registry order, with
//! their pages as help; each result points at its rule by id and index. Regions are 1-based
//! and columns count characters (`columnKind: unicodeCodePoints`); `endColumn` is the column
//! just after the last character. Each result carries a `partialFingerprints` entry
//! ([`super::fingerprints`]) and, in its property bag, the help and suggestion that the JSON
//! report has.
//!
//! A result gets a `fix` only when its suggestion is one edit that replaces the flagged
//! statement in place (see [`fix_of`]).

use super::{docs_path, fingerprints, portable_path};
use crate::diagnostic::{Diagnostic, Phase, Severity, Suggestion};
use crate::lint::FileResult;
use crate::rules::{self, RuleMeta};
use crate::source::{LineIndex, Span};
use crate::split::{self, RawStatement};
use crate::tokens;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Component, Path};

/// Where the SARIF 2.1.0 JSON schema is published.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json";

/// The `partialFingerprints` key for [`super::fingerprints`], versioned as SARIF asks, so a
/// future change of scheme can use a new key.
const FINGERPRINT_KEY: &str = "bellowsFindingHash/v1";

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct Driver {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

/// SARIF's `message` and `multiformatMessageString`.
#[derive(Serialize)]
struct Text {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

/// bellows does not host its rule pages: the page's path in its repository stands in for a
/// `helpUri`.
#[derive(Serialize)]
struct RuleProperties {
    docs: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<Fix>,
    properties: ResultProperties<'a>,
}

/// What the JSON report says beyond the message, for tools that read it.
#[derive(Serialize)]
struct ResultProperties<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suggestion: Option<&'a Suggestion>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Fix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: [Replacement; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: Region,
    inserted_content: InsertedContent,
}

#[derive(Serialize)]
struct InsertedContent {
    text: String,
}

/// Renders the run as one SARIF log.
pub fn render(files: &[FileResult]) -> String {
    let used: Vec<&'static RuleMeta> = rules::all()
        .filter(|m| {
            files
                .iter()
                .any(|f| f.diagnostics.iter().any(|d| d.rule == m.id))
        })
        .collect();
    let mut results = Vec::new();
    for f in files {
        let index = LineIndex::new(&f.text);
        let region = |s: Span| {
            let start = index.position(&f.text, s.start);
            let end = index.position(&f.text, s.end);
            Region {
                start_line: start.line,
                start_column: start.column,
                end_line: end.line,
                end_column: end.column,
            }
        };
        let uri = uri(&f.path);
        let statements = split::split(&f.text).statements;
        for (d, fingerprint) in f.diagnostics.iter().zip(fingerprints(f)) {
            let fixes = fix_of(&f.text, d, &statements)
                .map(|edit| Fix {
                    description: Text {
                        text: edit.title,
                        markdown: None,
                    },
                    artifact_changes: [ArtifactChange {
                        artifact_location: ArtifactLocation { uri: uri.clone() },
                        replacements: [Replacement {
                            deleted_region: region(edit.deleted),
                            inserted_content: InsertedContent {
                                text: edit.inserted,
                            },
                        }],
                    }],
                })
                .into_iter()
                .collect();
            results.push(SarifResult {
                rule_id: d.rule,
                rule_index: used.iter().position(|m| m.id == d.rule),
                level: level(d.severity),
                message: Text {
                    text: d.finding.message.clone(),
                    markdown: None,
                },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri.clone() },
                        region: region(d.finding.span),
                    },
                }],
                partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
                fixes,
                properties: ResultProperties {
                    help: d.finding.help.as_deref(),
                    suggestion: d.finding.suggestion.as_ref(),
                },
            });
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "bellows",
                    version: env!("CARGO_PKG_VERSION"),
                    rules: used.iter().map(|m| rule(m)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    // Serialising these plain structs cannot fail; the fallback is still a valid SARIF log.
    serde_json::to_string_pretty(&log).unwrap_or_else(|_| {
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bellows"}},"results":[]}]}"#.into()
    })
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(m: &RuleMeta) -> Rule {
    Rule {
        id: m.id,
        short_description: Text {
            text: m.summary.to_string(),
            markdown: None,
        },
        full_description: {
            let flags = section(m.docs, "What it flags").unwrap_or(m.summary);
            Text {
                text: flags.to_string(),
                markdown: Some(flags.to_string()),
            }
        },
        // The page is Markdown, which reads well as plain text too.
        help: Text {
            text: m.docs.to_string(),
            markdown: Some(m.docs.to_string()),
        },
        default_configuration: Configuration {
            level: level(m.default_severity),
        },
        properties: RuleProperties {
            docs: docs_path(m.id),
        },
    }
}

/// The body of the `## {title}` section of a rule page, trimmed.
fn section<'a>(page: &'a str, title: &str) -> Option<&'a str> {
    let heading = format!("## {title}\n");
    let start = page.find(&heading)? + heading.len();
    let body = &page[start..];
    let end = body.find("\n## ").unwrap_or(body.len());
    Some(body[..end].trim()).filter(|s| !s.is_empty())
}

/// One edit of a file, in the file's bytes.
#[derive(Debug, PartialEq, Eq)]
struct Edit {
    title: String,
    deleted: Span,
    inserted: String,
}

/// The fix for `d`, when its suggestion is one edit that rewrites the flagged statement in
/// place and leaves the file right as far as bellows can see:
///
/// - the suggestion is mechanical (safe to apply as is) and has exactly one step, which is
///   not an app change;
/// - that step is one SQL statement, and it starts with the same command keyword as the
///   flagged statement: it rewrites that statement (`CREATE INDEX` → `CREATE INDEX
///   CONCURRENTLY`) rather than adding one before it (`lock-timeout-missing`'s
///   `SET lock_timeout`);
/// - the flagged statement is one of the file's own `statements`, not one inside a `DO`
///   block, where it cannot simply be rewritten;
/// - a step that must run in its own transaction (CONCURRENTLY cannot run in one) is a fix
///   only for a statement alone in its file: next to other statements, in a `BEGIN` block or
///   a file sent as one message, the rewritten statement would fail, and moving it to a
///   migration of its own is not an edit of this file.
///
/// The statement's text (its span excludes the `;`) becomes the step's SQL without its `;`.
/// The edit is narrowed to the words that differ, so that fixes of different words of one
/// statement do not overlap.
fn fix_of(text: &str, d: &Diagnostic, statements: &[RawStatement]) -> Option<Edit> {
    let s = d.finding.suggestion.as_ref()?;
    let [step] = s.steps.as_slice() else {
        return None;
    };
    let top_level = statements.iter().any(|s| s.span == d.statement);
    let alone = top_level && statements.len() == 1;
    if !s.mechanical
        || step.phase == Phase::App
        || !top_level
        || (step.separate_transaction && !alone)
        || d.statement.is_empty()
    {
        return None;
    }
    let sql = step.sql.trim();
    let sql = sql.strip_suffix(';').unwrap_or(sql).trim_end();
    let parts = split::split(sql);
    if parts.statements.len() != 1 || parts.unterminated.is_some() {
        return None;
    }
    let old = d.statement.slice(text);
    if command_word(old)? != command_word(sql)? {
        return None;
    }
    let (prefix, suffix) = common_ends(old, sql);
    Some(Edit {
        title: s.title.clone(),
        deleted: Span::new(d.statement.start + prefix, d.statement.end - suffix),
        inserted: sql[prefix..sql.len() - suffix].to_string(),
    })
}

/// The statement's first keyword (upper case), after any leading comments.
fn command_word(sql: &str) -> Option<String> {
    let (_, toks) = tokens::tokenize(sql, 0).ok()?;
    toks.sig.first()?.keyword()
}

/// Byte lengths of the common prefix and suffix of `a` and `b` that an edit can keep: the
/// longest ones, not overlapping, cut back to word boundaries so that the edit replaces whole
/// words (`serial` → `bigserial`, not an inserted `big`).
fn common_ends(a: &str, b: &str) -> (usize, usize) {
    let mut prefix: usize = a
        .chars()
        .zip(b.chars())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    while prefix > 0 && (mid_word(a, prefix) || mid_word(b, prefix)) {
        prefix -= a[..prefix].chars().next_back().map_or(1, char::len_utf8);
    }
    let mut suffix: usize = a[prefix..]
        .chars()
        .rev()
        .zip(b[prefix..].chars().rev())
        .take_while(|(x, y)| x == y)
        .map(|(x, _)| x.len_utf8())
        .sum();
    while suffix > 0 && (mid_word(a, a.len() - suffix) || mid_word(b, b.len() - suffix)) {
        suffix -= a[a.len() - suffix..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
    }
    (prefix, suffix)
}

/// True when byte `at` of `s` falls between two characters of one word.
fn mid_word(s: &str, at: usize) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let before = s[..at].chars().next_back().is_some_and(word);
    let after = s[at..].chars().next().is_some_and(word);
    before && after
}

/// A URI reference for `path`: relative paths stay relative (resolved against the
/// repository root by code scanning services), absolute ones become `file://` URIs.
fn uri(path: &Path) -> String {
    let portable = portable_path(path);
    if path.has_root() {
        // `/srv/x.sql` → `file:///srv/x.sql`; `C:/x.sql` → `file:///C:/x.sql`.
        let drive = matches!(path.components().next(), Some(Component::Prefix(_)));
        let slash = if drive { "/" } else { "" };
        format!("file://{slash}{}", percent_encode(&portable, b":"))
    } else {
        // In a relative reference, a `:` in the first segment would read as a scheme.
        percent_encode(&portable, b"")
    }
}

/// Percent-encodes every byte that may not stand as is in a URI path, and `:` unless it is
/// in `keep`.
fn percent_encode(path: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~!$&'()*+,;=@".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::{Settings, lint_text};

    /// The fix of the first `rule` diagnostic in `text` (which must have one), applied to
    /// `text`.
    fn fixed(text: &str, rule: &str) -> Option<String> {
        let (found, _) = lint_text(text, &Settings::default());
        let d = found
            .iter()
            .find(|d| d.rule == rule)
            .unwrap_or_else(|| panic!("{rule} not reported on {text}"));
        let edit = fix_of(text, d, &split::split(text).statements)?;
        Some(format!(
            "{}{}{}",
            &text[..edit.deleted.start],
            edit.inserted,
            &text[edit.deleted.end..]
        ))
    }

    #[test]
    fn create_index_fix_adds_concurrently_and_keeps_the_semicolon() {
        let text = "CREATE INDEX i ON t (a);\n";
        assert_eq!(
            fixed(text, "create-index-non-concurrently").as_deref(),
            Some("CREATE INDEX CONCURRENTLY i ON t (a);\n")
        );
        // A statement without its `;` gets none either.
        assert_eq!(
            fixed(
                "-- bellows-ignore-file lock-timeout-missing: the runner sets it\nCREATE INDEX i ON t (a)",
                "create-index-non-concurrently"
            )
            .as_deref(),
            Some("-- bellows-ignore-file lock-timeout-missing: the runner sets it\nCREATE INDEX CONCURRENTLY i ON t (a)")
        );
    }

    #[test]
    fn a_step_needing_its_own_transaction_is_a_fix_only_alone_in_its_file() {
        // CONCURRENTLY next to other statements, or in BEGIN … COMMIT, would fail.
        for text in [
            "SET lock_timeout = '5s';\nCREATE INDEX i ON t (a);\n",
            "BEGIN;\nCREATE INDEX i ON t (a);\nCOMMIT;\n",
        ] {
            assert_eq!(fixed(text, "create-index-non-concurrently"), None, "{text}");
        }
        // A rewrite that may share its transaction is a fix anywhere in the file.
        assert_eq!(
            fixed("SELECT 1;\nCREATE TABLE t (a json);\n", "prefer-jsonb").as_deref(),
            Some("SELECT 1;\nCREATE TABLE t (a jsonb);\n")
        );
    }

    #[test]
    fn edits_replace_whole_words() {
        let text = "CREATE TABLE t (id serial PRIMARY KEY, at timestamp);";
        let (found, _) = lint_text(text, &Settings::default());
        let statements = split::split(text).statements;
        let edits: Vec<(&str, String)> = found
            .iter()
            .filter_map(|d| fix_of(text, d, &statements))
            .map(|e| (e.deleted.slice(text), e.inserted))
            .collect();
        assert!(edits.contains(&("serial", "bigserial".into())), "{edits:?}");
        assert!(
            edits.contains(&("timestamp", "timestamptz".into())),
            "{edits:?}"
        );
        assert_eq!(common_ends("a é b", "a é c"), (5, 0));
        assert_eq!(common_ends("same", "same"), (4, 0));
    }

    #[test]
    fn no_fix_for_an_added_statement_a_do_block_or_several_steps() {
        // lock-timeout-missing's one mechanical step adds a SET before the statement.
        assert_eq!(
            fixed("ALTER TABLE t ADD COLUMN c int;", "lock-timeout-missing"),
            None
        );
        assert_eq!(
            fixed(
                "DO $$ BEGIN CREATE INDEX i ON t (a); END $$;",
                "create-index-non-concurrently"
            ),
            None
        );
        assert_eq!(
            fixed("ALTER TABLE t ALTER COLUMN c SET NOT NULL;", "set-not-null"),
            None
        );
        // Not mechanical: the app must stop using the column first.
        assert_eq!(fixed("ALTER TABLE t DROP COLUMN c;", "drop-column"), None);
    }

    #[test]
    fn uris_are_relative_with_forward_slashes_and_encoded() {
        assert_eq!(uri(Path::new("./db/1 init.sql")), "db/1%20init.sql");
        assert_eq!(uri(Path::new("db/v1:x/é.sql")), "db/v1%3Ax/%C3%A9.sql");
        assert_eq!(
            uri(Path::new("/srv/db:v1/1.sql")),
            "file:///srv/db:v1/1.sql"
        );
    }

    #[test]
    fn full_description_is_the_what_it_flags_section() {
        let page = "# r\n\n## What it flags\nThis.\n\nAnd that.\n\n## Why\nno\n";
        assert_eq!(section(page, "What it flags"), Some("This.\n\nAnd that."));
        assert_eq!(section(page, "Lock"), None);
        for m in rules::all() {
            assert!(section(m.docs, "What it flags").is_some(), "{}", m.id);
        }
    }
}
