//! `bellows::dialect::Postgres` reads literals and plain names itself instead of letting
//! sqlparser try each as a typed literal first. It must not change what sqlparser makes of
//! any statement: every statement of the corpus, and the forms below, parse to the same tree
//! (spans included, through `Debug`) or fail with the same error under both dialects.

use bellows::dialect::Postgres;
use bellows::discover::{Input, discover, globs};
use bellows::parse::RECURSION_LIMIT;
use sqlparser::dialect::{Dialect, PostgreSqlDialect};
use sqlparser::parser::Parser;
use std::path::Path;

/// sqlparser's reading of `sql` under `dialect`: the tree or the error, as `Debug` text.
fn reading(dialect: &dyn Dialect, sql: &str) -> Option<String> {
    let (raw, _) = bellows::tokens::tokenize(sql, 0).ok()?;
    let parsed = Parser::new(dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(raw)
        .parse_statements();
    Some(format!("{parsed:?}"))
}

/// How many statements of `sql` both dialects parsed (a statement that does not tokenize
/// is parsed by neither), and those on which they disagree.
fn compare(sql: &str) -> (usize, Vec<String>) {
    let mut compared = 0;
    let mut differ = Vec::new();
    for s in &bellows::split::split(sql).statements {
        let stmt = s.span.slice(sql);
        let theirs = reading(&PostgreSqlDialect {}, stmt);
        compared += usize::from(theirs.is_some());
        if theirs != reading(&Postgres, stmt) {
            differ.push(stmt.to_string());
        }
    }
    (compared, differ)
}

#[test]
fn forms_the_dialect_reads_itself_or_leaves_to_sqlparser_parse_as_before() {
    let sql = "
        SELECT a, b.c, \"Quoted\", t.* FROM t WHERE a = 1 AND b <> 'x' OR c IS NULL;
        SELECT 1, -1, 1.5e3, 'a' 'b', E'\\n', $$body$$, $tag$x$tag$, NULL, TRUE, FALSE;
        SELECT DATE '2024-01-01', TIMESTAMP WITH TIME ZONE '2024-01-01', INTERVAL '1' DAY;
        SELECT mytype 'literal', xml '<a/>', arr[1], arr[1:2], x::int, x::text[];
        SELECT now(), f(1, 'x'), s.f(a => 1), count(*) FILTER (WHERE a > 1), coalesce(a, b);
        SELECT CASE WHEN a THEN b ELSE c END, NOT a, EXISTS (SELECT 1), ARRAY[1, 2];
        SELECT a IN (1, 2), a BETWEEN 1 AND 2, a LIKE 'x%', (a, b), (SELECT 1);
        CREATE TABLE t (id bigint DEFAULT nextval('s'), n numeric(10, 2) DEFAULT 0,
            ok boolean DEFAULT true, at timestamptz DEFAULT now(), tags text[] DEFAULT '{}',
            CHECK (n >= 0 AND ok IS NOT NULL), CONSTRAINT c CHECK (length(name) > 0));
        ALTER TABLE t ADD COLUMN x int DEFAULT 42 NOT NULL, ALTER COLUMN y SET DEFAULT 'v';
        INSERT INTO t (a, b) VALUES (1, 'x'), (DEFAULT, NULL) ON CONFLICT (a) DO NOTHING;
        UPDATE t SET a = b + 1, c = lower(d) WHERE id = $1;
        CREATE INDEX i ON t (lower(email)) WHERE deleted_at IS NULL;
        SELECT f(;
        SELECT 1 'x';
        SELECT a b c;
        SELECT nosuch(1 2);
        SELECT x FROM;
    ";
    let (compared, differ) = compare(sql);
    assert_eq!(differ, Vec::<String>::new());
    assert_eq!(compared, 17, "every form above is parsed");
}

#[test]
fn every_corpus_statement_parses_as_under_sqlparsers_own_dialect() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
    if !dir.is_dir() {
        eprintln!("SKIPPED: ../shared/corpus is absent, so the corpus comparison did not run");
        return;
    }
    let found = discover(&[dir.to_path_buf()], &globs(&[]).expect("no globs"));
    let mut statements = 0;
    let mut differ = Vec::new();
    for input in &found.inputs {
        let Input::File(path) = input else {
            panic!("unreadable corpus entry: {input:?}");
        };
        let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
        let (compared, these) = compare(&text);
        statements += compared;
        differ.extend(
            these
                .into_iter()
                .map(|s| format!("{}: {s}", path.display())),
        );
    }
    assert!(statements > 20_000, "only {statements} statements compared");
    assert!(differ.is_empty(), "the dialects disagree on: {differ:#?}");
}
