//! Reads the commonest DDL straight from its tokens into the IR: `CREATE TABLE`, `ALTER
//! TABLE` and `CREATE INDEX` in the forms migration tools write. They are half of a
//! migration folder's statements and most of the time spent reading them, and sqlparser
//! builds a whole tree for each that the lowering then mostly throws away.
//!
//! What this reads is exactly what sqlparser's tree lowers to, spans and texts included
//! (`tests/direct.rs` reads every statement of the corpus both ways and compares). Any form
//! it does not know, down to one word, is left to sqlparser: `None`.

mod alter_table;
mod column;
mod create_index;
mod create_table;
mod sql_text;

use crate::ir::Op;
use crate::tokens::Tokens;
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::Token;

/// The commands this module reads, in their common forms.
pub const COMMANDS: &[&str] = &["CREATE TABLE", "ALTER TABLE", "CREATE INDEX"];

/// The statement `toks` read into the IR, when it is one of the forms this module reads.
pub fn read(toks: &Tokens) -> Option<Op> {
    // A statement separator or a parameter inside means a form sqlparser must judge.
    let odd = toks
        .sig
        .iter()
        .any(|t| matches!(t.token, Token::SemiColon | Token::Placeholder(_)));
    if odd {
        return None;
    }
    let kw = |i: usize, w: K| toks.is_keyword(i, w);
    if kw(0, K::CREATE) && kw(1, K::TABLE) {
        create_table::read(toks)
    } else if kw(0, K::CREATE) && (kw(1, K::INDEX) || kw(1, K::UNIQUE)) {
        create_index::read(toks)
    } else if kw(0, K::ALTER) && kw(1, K::TABLE) {
        alter_table::read(toks)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Postgres;
    use crate::parse::RECURSION_LIMIT;
    use crate::source::Span;
    use sqlparser::parser::Parser;
    use std::path::Path;

    /// How the statement `sql` (at file byte `base`) reads both ways: `None` when this
    /// module leaves it to sqlparser, else this module's IR and sqlparser's, as `Debug`
    /// text (sqlparser's is an error message when it rejects the statement).
    fn both(sql: &str, base: usize) -> Option<(String, String)> {
        let (raw, toks) = crate::tokens::tokenize(sql, base).ok()?;
        let span = Span::new(base, base + sql.len());
        let direct = read(&toks)?;
        let parsed = Parser::new(&Postgres)
            .with_recursion_limit(RECURSION_LIMIT)
            .with_tokens_with_locations(raw)
            .parse_statements();
        let theirs = match parsed.as_deref() {
            Ok([one]) => format!("{:?}", crate::lower::lower(one, &toks, span)),
            Ok(many) => format!("{} statements", many.len()),
            Err(e) => format!("sqlparser rejects it: {e}"),
        };
        Some((format!("{direct:?}"), theirs))
    }

    /// Statements this module reads that differ from sqlparser's reading.
    fn differences<'a>(
        statements: impl Iterator<Item = (&'a str, usize)>,
    ) -> (usize, usize, Vec<String>) {
        let (mut seen, mut read_here) = (0, 0);
        let mut differ = Vec::new();
        for (sql, base) in statements {
            seen += 1;
            if let Some((ours, theirs)) = both(sql, base) {
                read_here += 1;
                if ours != theirs {
                    differ.push(format!("{sql}\n  ours:   {ours}\n  theirs: {theirs}"));
                }
            }
        }
        (seen, read_here, differ)
    }

    #[test]
    fn every_corpus_statement_read_here_reads_as_sqlparser_reads_it() {
        let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
        if !dir.is_dir() {
            eprintln!("SKIPPED: ../shared/corpus is absent, so the corpus comparison did not run");
            return;
        }
        let found = crate::discover::discover(
            &[dir.to_path_buf()],
            &crate::discover::globs(&[]).expect("no globs"),
        );
        let mut texts = Vec::new();
        for input in &found.inputs {
            let crate::discover::Input::File(path) = input else {
                panic!("unreadable corpus entry: {input:?}");
            };
            if let Ok(text) = std::fs::read_to_string(path) {
                texts.push(text);
            }
        }
        let mut statements = Vec::new();
        for text in &texts {
            for s in crate::split::split(text).statements {
                statements.push((s.span.slice(text), s.span.start));
            }
        }
        let candidates = statements.iter().filter(|(sql, _)| {
            let words = crate::fallback::words_in_text(sql, 8);
            crate::fallback::Command::of(&words).is_some_and(|c| COMMANDS.iter().any(|n| c.is(n)))
        });
        let (seen, read_here, differ) = differences(candidates.copied());
        assert!(
            differ.is_empty(),
            "{} differ:\n{}",
            differ.len(),
            differ.join("\n")
        );
        // 10,566 of 11,155 when this was written: a change that sends most of them back to
        // sqlparser costs a tenth of a corpus run.
        assert!(
            read_here * 10 >= seen * 9,
            "only {read_here} of {seen} read here"
        );
    }

    /// Forms migration tools write, and some they do not: each either read here as
    /// sqlparser reads it, or left to sqlparser.
    #[test]
    fn hand_written_forms_read_as_sqlparser_reads_them() {
        let forms = [
            "CREATE TABLE IF NOT EXISTS \"public\".\"User\" (\"id\" serial PRIMARY KEY NOT NULL, \"email\" varchar(255) NOT NULL, \"role\" \"Role\" DEFAULT 'user' NOT NULL, \"at\" timestamp(3) with time zone DEFAULT now() NOT NULL, CONSTRAINT \"User_email_key\" UNIQUE(\"email\"))",
            "CREATE TABLE t (a int, b numeric(10, 2) CHECK (b >= 0) DEFAULT 0, c text[] DEFAULT '{}'::text[], d jsonb DEFAULT '{}'::jsonb, e uuid DEFAULT gen_random_uuid() PRIMARY KEY)",
            "CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY, g int GENERATED ALWAYS AS (n * 2) STORED)",
            "CREATE TABLE t (a int REFERENCES u (id) ON DELETE CASCADE ON UPDATE NO ACTION, b int CONSTRAINT fk REFERENCES s.u ON DELETE SET NULL, c text COLLATE \"C\", d int NULL)",
            "CREATE TABLE t (a int, b int, PRIMARY KEY (a, b), FOREIGN KEY (b) REFERENCES u (id) ON DELETE RESTRICT, CHECK ((a IS NOT NULL)), CONSTRAINT c CHECK (a > 0 AND b < 10 OR NOT a IN (1, 2)))",
            "CREATE TABLE t (a double precision, b character varying(20), c time without time zone, d timestamptz(6), e int8[][], f public.citext, g vector(1536), h bool DEFAULT true, i decimal DEFAULT -1.5)",
            "CREATE TABLE t (a text DEFAULT CURRENT_TIMESTAMP, b text DEFAULT 'a' || 'b', c int DEFAULT nextval('t_c_seq'::regclass), d text[] DEFAULT ARRAY[]::text[], e text DEFAULT ARRAY['x', 'y'])",
            "CREATE TABLE t (a int CHECK (a <> 0), b text CHECK (b LIKE 'x%' AND b NOT LIKE 'y%' AND b ~ '^z'), c int CHECK (c IS NULL OR c BETWEEN 1 AND 2))",
            "ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_fk\" FOREIGN KEY (\"b\") REFERENCES \"public\".\"b\"(\"id\") ON DELETE cascade ON UPDATE no action",
            "ALTER TABLE ONLY a ADD CONSTRAINT c CHECK (x > 0) NOT VALID, VALIDATE CONSTRAINT c",
            "ALTER TABLE IF EXISTS a ADD COLUMN IF NOT EXISTS b int DEFAULT 0 NOT NULL, DROP COLUMN IF EXISTS c CASCADE, DROP CONSTRAINT IF EXISTS d",
            "ALTER TABLE a ADD b text, ALTER COLUMN c SET NOT NULL, ALTER d DROP NOT NULL, ALTER COLUMN e SET DEFAULT now(), ALTER COLUMN f DROP DEFAULT",
            "ALTER TABLE a ALTER COLUMN b SET DATA TYPE bigint USING b::bigint, ALTER COLUMN c TYPE varchar(20)",
            "ALTER TABLE a RENAME COLUMN b TO c",
            "ALTER TABLE a RENAME CONSTRAINT b TO c",
            "ALTER TABLE a RENAME TO b",
            "ALTER TABLE a ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE a FORCE ROW LEVEL SECURITY",
            "ALTER TABLE a DISABLE ROW LEVEL SECURITY",
            "ALTER TABLE a OWNER TO postgres",
            "ALTER TABLE a ADD PRIMARY KEY (id), ADD UNIQUE (a, b)",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS \"i\" ON \"public\".\"t\" USING btree (\"a\" DESC NULLS LAST, b)",
            "CREATE INDEX ON t USING gin (doc jsonb_path_ops) INCLUDE (c) WHERE deleted_at IS NULL AND NOT archived",
            "CREATE INDEX i ON t (a) WHERE status IN ('a', 'b')",
            "CREATE TABLE t (a int, PRIMARY KEY (a), b int, CHECK (b > 0), c text)",
            "CREATE TABLE t (key varchar(250) NOT NULL PRIMARY KEY, index int, created timestamptz DEFAULT (now() AT TIME ZONE 'utc'::text), n text CHECK (char_length(trim(n)) BETWEEN 1 AND 80))",
            // Forms left to sqlparser, some of which it rejects.
            // `DEFAULT` there starts an option of its own in the token reading.
            "CREATE TABLE t (n int GENERATED BY DEFAULT AS IDENTITY)",
            "CREATE TABLE t (a int,)",
            "CREATE TABLE t (a)",
            "CREATE TABLE t (a int DEFAULT)",
            "CREATE TABLE t (a int NOT)",
            "CREATE TABLE t (a int CHECK (a >))",
            "CREATE TABLE t (a varchar(007))",
            "CREATE TABLE t (a int DEFAULT 'it''s')",
            "CREATE TABLE t (a int) PARTITION BY RANGE (a)",
            "CREATE TABLE t (LIKE u)",
            "CREATE TABLE t (a int DEFAULT f(1 2))",
            "CREATE TABLE t (a int DEFAULT CAST(1 AS int))",
            "CREATE TABLE t (a int DEFAULT (1, 2))",
            "CREATE INDEX i ON t (lower(a))",
            "CREATE INDEX i ON ONLY t (a)",
            "CREATE INDEX i ON t (a) TABLESPACE x",
            "ALTER TABLE a ADD COLUMN b int, ",
            "ALTER TABLE a DROP b",
            "ALTER TABLE a ALTER COLUMN b TYPE text COLLATE \"C\"",
            "ALTER TABLE a ADD CONSTRAINT c UNIQUE NULLS NOT DISTINCT (a)",
            "ALTER TABLE a SET SCHEMA b",
        ];
        let (seen, read_here, differ) = differences(forms.iter().map(|sql| (*sql, 7)));
        // Cut short anywhere, each is still read as sqlparser reads it, or left to it.
        let prefixes: Vec<&str> = forms
            .iter()
            .flat_map(|sql| sql.char_indices().map(|(i, _)| &sql[..i]))
            .collect();
        let (_, _, cut) = differences(prefixes.iter().map(|sql| (*sql, 0)));
        assert!(cut.is_empty(), "{} differ:\n{}", cut.len(), cut.join("\n"));
        assert!(
            differ.is_empty(),
            "{} differ:\n{}",
            differ.len(),
            differ.join("\n")
        );
        assert_eq!(seen, forms.len());
        // Every form above the line is read here.
        assert_eq!(read_here, 26, "forms read here");
    }

    #[test]
    fn types_and_expressions_print_as_sqlparser_prints_them() {
        for (sql, want) in [
            ("int", "INT"),
            ("timestamp(3) WITH time zone", "TIMESTAMP(3) WITH TIME ZONE"),
            ("numeric(10, 2)", "NUMERIC(10,2)"),
            ("Character Varying(5)[]", "CHARACTER VARYING(5)[]"),
            ("geometry(Point, 4326)", "geometry(Point, 4326)"),
            ("\"My\".\"Type\"[]", "\"My\".\"Type\"[]"),
        ] {
            let (_, toks) = crate::tokens::tokenize(sql, 0).unwrap();
            let got = sql_text::data_type(&toks, 0, toks.sig.len());
            assert_eq!(got, Some((want.to_string(), toks.sig.len())), "{sql}");
        }
        for (sql, want) in [
            ("'{}'::jsonb", "'{}'::JSONB"),
            ("a != b", "a <> b"),
            ("x  IS  NOT  NULL", "x IS NOT NULL"),
            ("status in ('a','b')", "status IN ('a', 'b')"),
            ("TRUE", "true"),
            ("null", "NULL"),
            ("- 1", "-1"),
            ("now()", "now()"),
            ("\"s\".f(a,b)", "\"s\".f(a, b)"),
        ] {
            let (_, toks) = crate::tokens::tokenize(sql, 0).unwrap();
            assert_eq!(
                sql_text::expr(&toks, 0, toks.sig.len()).as_deref(),
                Some(want),
                "{sql}"
            );
        }
    }
}
