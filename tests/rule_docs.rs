//! Every rule page's ```sql bad block raises that rule and every ```sql good block does
//! not; every suggested rewrite parses and lints clean.

use bellows::context::Context;
use bellows::diagnostic::Severity;
use bellows::engine;
use bellows::ir::OpKinds;
use bellows::ir::Origin;
use bellows::layout::Runner;
use bellows::lint::{Settings, lint_text, read_statements};
use bellows::report::render_suggestion;
use bellows::rules;
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::path::PathBuf;
use std::sync::Arc;

/// A fenced example: its kind (`bad`/`good`), settings from the info string, and its SQL.
struct Example {
    bad: bool,
    pg: Option<String>,
    sql: String,
}

fn examples(page: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Example> = None;
    for line in page.lines() {
        if let Some(ex) = current.as_mut() {
            if line.trim_start().starts_with("```") {
                out.extend(current.take());
            } else {
                ex.sql.push_str(line);
                ex.sql.push('\n');
            }
            continue;
        }
        let Some(info) = line.trim_start().strip_prefix("```sql") else {
            continue;
        };
        let words: Vec<&str> = info.split_whitespace().collect();
        let bad = words.contains(&"bad");
        let good = words.contains(&"good");
        assert!(
            bad || good,
            "every ```sql block is marked bad or good: {line}"
        );
        current = Some(Example {
            bad,
            pg: words
                .iter()
                .find_map(|w| w.strip_prefix("pg=").map(str::to_string)),
            sql: String::new(),
        });
    }
    out
}

fn settings(ex: &Example) -> Settings {
    Settings {
        pg_version: ex.pg.as_deref().map_or_else(Default::default, |v| {
            v.parse().expect("valid pg= in example")
        }),
        ..Settings::default()
    }
}

#[test]
fn every_statement_rule_page_has_bad_and_good_examples() {
    // Rules about files rather than SQL (unreadable files, edited or unjournaled migrations)
    // have no SQL that shows them.
    let about_files = [
        rules::IO_ERROR.id,
        rules::MIGRATION_MODIFIED.id,
        rules::MIGRATION_JOURNAL.id,
    ];
    for meta in rules::all().filter(|m| !about_files.contains(&m.id)) {
        let ex = examples(meta.docs);
        assert!(
            ex.iter().any(|e| e.bad),
            "rules/{}.md has no ```sql bad block",
            meta.id
        );
        assert!(
            ex.iter().any(|e| !e.bad),
            "rules/{}.md has no ```sql good block",
            meta.id
        );
    }
}

#[test]
fn bad_examples_raise_the_rule_and_good_ones_do_not() {
    for meta in rules::all() {
        for ex in examples(meta.docs) {
            let (diags, _) = lint_text(&ex.sql, &settings(&ex));
            let raised = diags.iter().any(|d| d.rule == meta.id);
            if ex.bad {
                assert!(
                    raised,
                    "rules/{}.md bad example does not raise it:\n{}",
                    meta.id, ex.sql
                );
            } else {
                assert!(
                    !raised,
                    "rules/{}.md good example raises it:\n{}\n{:#?}",
                    meta.id, ex.sql, diags
                );
            }
        }
    }
}

/// Calls every rule on each statement whose kind the rule says it does not look at
/// ([`rules::Rule::looks_at`]), and keeps what they report: the walk never calls them
/// there, so a rule that would report must say it looks at that kind.
struct OutsideLooksAt {
    reported: Vec<String>,
}

impl engine::Visitor for OutsideLooksAt {
    fn statement(&mut self, _i: usize, file: &engine::FileView, k: usize, cx: &Context) {
        let stmt = &file.reading.statements[k];
        let kind = OpKinds::of(&stmt.op);
        for rule in rules::RULES {
            if rule.looks_at().intersects(kind) {
                continue;
            }
            let mut findings = Vec::new();
            rule.check(stmt, cx, &mut findings);
            for f in findings {
                self.reported
                    .push(format!("{}: {}", rule.meta().id, f.message));
            }
        }
    }
}

#[test]
fn rules_report_nothing_on_statements_they_do_not_look_at() {
    let mut looked = 0;
    for meta in rules::all() {
        for ex in examples(meta.docs) {
            let source =
                engine::Source::new(PathBuf::from("example.sql"), Arc::new(ex.sql.clone()));
            let sources = [&source];
            let mut visitor = OutsideLooksAt {
                reported: Vec::new(),
            };
            engine::walk(
                Runner::Plain,
                &&sources[..],
                &settings(&ex),
                &[true],
                &mut visitor,
            );
            assert!(
                visitor.reported.is_empty(),
                "rules/{}.md example, rules called outside their kinds report:\n{}\n{:#?}",
                meta.id,
                ex.sql,
                visitor.reported
            );
            looked += source.reading.statements.len();
        }
    }
    assert!(
        looked > 100,
        "only {looked} statements in the rule pages' examples"
    );
}

#[test]
fn suggestions_parse_and_lint_clean() {
    let mut checked = 0;
    for meta in rules::all() {
        for ex in examples(meta.docs).into_iter().filter(|e| e.bad) {
            let s = settings(&ex);
            let (diags, _) = lint_text(&ex.sql, &s);
            for d in diags.iter().filter(|d| d.rule == meta.id) {
                let Some(suggestion) = &d.finding.suggestion else {
                    assert!(
                        d.severity != Severity::Error || meta.id == rules::PARSE_ERROR,
                        "error-level rule {} gives no suggestion",
                        meta.id
                    );
                    continue;
                };
                let sql = render_suggestion(suggestion);
                let (_, statements) = read_statements(&sql);
                assert!(!statements.is_empty(), "{}: empty suggestion", meta.id);
                for st in &statements {
                    // A skimmed statement's syntax past its name is not read: sqlparser
                    // must read it all.
                    let skimmed_parses = st.origin == Origin::Skimmed
                        && Parser::parse_sql(&PostgreSqlDialect {}, st.span.slice(&sql)).is_ok();
                    assert!(
                        matches!(st.origin, Origin::Parsed | Origin::Fallback) || skimmed_parses,
                        "{}: suggested statement does not parse ({:?}):\n{}",
                        meta.id,
                        st.origin,
                        st.span.slice(&sql)
                    );
                }
                let (again, _) = lint_text(&sql, &s);
                let errors: Vec<_> = again
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(|d| format!("{}: {}", d.rule, d.finding.message))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{}: suggestion does not lint clean:\n{sql}\n{errors:#?}",
                    meta.id
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} suggestions checked");
}

/// The lock modes as PostgreSQL's documentation names them, longest first, so that
/// `ACCESS EXCLUSIVE` is found before `EXCLUSIVE`.
const MODES: [&str; 8] = [
    "SHARE UPDATE EXCLUSIVE",
    "SHARE ROW EXCLUSIVE",
    "ACCESS EXCLUSIVE",
    "ROW EXCLUSIVE",
    "ACCESS SHARE",
    "ROW SHARE",
    "EXCLUSIVE",
    "SHARE",
];

/// A rule's one-line summary is static text; where it names a lock mode, that mode must be
/// the one the lock model gives the findings of the rule's bad examples.
#[test]
fn summaries_name_the_lock_the_model_gives() {
    let mut checked = 0;
    for meta in rules::all() {
        let Some(named) = MODES.iter().find(|m| meta.summary.contains(*m)) else {
            continue;
        };
        for ex in examples(meta.docs).into_iter().filter(|e| e.bad) {
            let (diags, _) = lint_text(&ex.sql, &settings(&ex));
            for d in diags.iter().filter(|d| d.rule == meta.id) {
                if let Some(lock) = d.finding.lock {
                    assert_eq!(
                        lock.mode.name(),
                        *named,
                        "{}: the summary names {named}, the model says {}:\n{}",
                        meta.id,
                        lock.mode.name(),
                        ex.sql
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 8, "only {checked} findings checked");
}

#[test]
fn readme_lists_every_rule() {
    let readme = include_str!("../README.md");
    for meta in rules::all() {
        assert!(
            readme.contains(&format!("| `{}` | {} |", meta.id, meta.default_severity)),
            "README.md's rules table lacks `{}` ({})",
            meta.id,
            meta.default_severity
        );
    }
}
