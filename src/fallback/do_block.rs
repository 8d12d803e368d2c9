//! `DO` blocks. Their PL/pgSQL body runs at migration time, so bellows reads the SQL
//! statements in it; function bodies, which do not run then, are not read.
//!
//! The body is read at the level of its statements, not as a program:
//! - control text is stepped over: `DECLARE` sections, `BEGIN`/`EXCEPTION WHEN … THEN`/
//!   `END`, `IF … THEN`/`ELSIF`/`ELSE`/`END IF`, `CASE … WHEN … THEN`, loop heads and
//!   `END LOOP`, `<<labels>>`, `#option value`, `RAISE`, `RETURN`, `ASSERT`, `NULL;`,
//!   `EXIT`, `CONTINUE`, `GET DIAGNOSTICS`, cursor statements and assignments (`x := …`,
//!   `x = …`);
//! - every other statement is SQL, read as such: `PERFORM …` as the SELECT it is, and the
//!   PL/pgSQL `INTO target` of SELECT and of `… RETURNING` left out;
//! - each statement is read once, whether it stands in a branch that may not run or in a
//!   loop that may run it many times: what it would do is what rules judge;
//! - the query of `FOR r IN SELECT … LOOP` is read too; an integer range is not SQL;
//! - `EXECUTE '…'` of one string literal is read with spans inside the literal; EXECUTE of
//!   anything else (`format(…)`, a variable, a concatenation) is built at run time: it is
//!   counted, not read;
//! - `COMMIT` and `ROLLBACK` in a body are not read: they end the DO block's own
//!   transaction, not the migration's.

use crate::source::{OffsetMap, Span};
use crate::tokens::{self, Edits, Tok, Tokens};
use sqlparser::tokenizer::Token;

/// Text read from inside a literal, and where its bytes stand in the text around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Literal {
    /// The literal's value (quotes undoubled).
    pub text: String,
    /// Where each byte of `text` stands in the text the literal was written in.
    pub map: OffsetMap,
}

/// A part of a PL/pgSQL body that is SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// An SQL statement: its range in the body.
    Sql(Span),
    /// `EXECUTE 'literal'`: the SQL inside the literal.
    Execute(Literal),
    /// `EXECUTE` of a string built at run time. `prefix` is the value of the string literal
    /// the string starts with, when it does (`'DROP TABLE ' || t`, `format('ALTER TABLE %I
    /// …', t)`): it tells the command, and sometimes its object.
    Dynamic {
        /// The leading literal's value.
        prefix: Option<String>,
    },
}

/// True when the tokens are a `DO [ LANGUAGE l ] body [ LANGUAGE l ]` statement.
pub fn is_do(toks: &Tokens) -> bool {
    parts(toks).is_some()
}

/// The body of the `DO` statement `text` when its language is PL/pgSQL (the default), with
/// the map of the body into `text`.
pub fn body(text: &str) -> Option<Literal> {
    let toks = tokens::spanned(text, &OffsetMap::Shift(0)).ok()?;
    let (body, language) = parts(&toks)?;
    if language.is_some_and(|l| l != "plpgsql") {
        return None;
    }
    literal(text, toks.sig[body].span)
}

/// The index of the body literal of a DO statement, and its language if named (folded).
fn parts(toks: &Tokens) -> Option<(usize, Option<String>)> {
    if !toks.is_kw(0, "DO") {
        return None;
    }
    let mut body = None;
    let mut language = None;
    let mut i = 1;
    while i < toks.sig.len() {
        let t = &toks.sig[i];
        if t.is_kw("LANGUAGE") && language.is_none() {
            let name = toks.sig.get(i + 1)?;
            language = Some(match &name.token {
                Token::SingleQuotedString(s) => s.to_lowercase(),
                _ => name.name()?.folded(),
            });
            i += 2;
        } else if is_string(t) && body.is_none() {
            body = Some(i);
            i += 1;
        } else {
            return None;
        }
    }
    Some((body?, language))
}

/// True for the string literal forms a body or an EXECUTE argument can take.
fn is_string(t: &Tok) -> bool {
    matches!(
        t.token,
        Token::SingleQuotedString(_)
            | Token::EscapedStringLiteral(_)
            | Token::DollarQuotedString(_)
    )
}

/// The value of the string literal at `span` of `text`: `'…'`, `E'…'` or `$tag$…$tag$`.
/// `None` for escapes whose value bellows does not compute (octal, hex, Unicode).
pub fn literal(text: &str, span: Span) -> Option<Literal> {
    let s = text.get(span.start..span.end)?;
    if let Some(rest) = s.strip_prefix('$') {
        let tag_len = rest.find('$')? + 2;
        let inner = s.get(tag_len..s.len().checked_sub(tag_len)?)?;
        return Some(Literal {
            text: inner.to_string(),
            map: OffsetMap::Shift(span.start + tag_len),
        });
    }
    if s.starts_with('\'') {
        return unquote(s, span.start, false);
    }
    if s.starts_with("E'") || s.starts_with("e'") {
        return unquote(&s[1..], span.start + 1, true);
    }
    None
}

/// The value of the quoted literal `s` (quotes included) that starts at `base`.
fn unquote(s: &str, base: usize, backslashes: bool) -> Option<Literal> {
    let inner = s.strip_prefix('\'')?.strip_suffix('\'')?;
    let start = base + 1;
    let escaped = inner.contains('\'') || backslashes && inner.contains('\\');
    if !escaped {
        return Some(Literal {
            text: inner.to_string(),
            map: OffsetMap::Shift(start),
        });
    }
    let mut text = String::with_capacity(inner.len());
    let mut starts = Vec::with_capacity(inner.len() + 1);
    let mut chars = inner.char_indices().peekable();
    while let Some((j, c)) = chars.next() {
        let value = match c {
            '\'' => {
                chars.next().filter(|&(_, q)| q == '\'')?;
                '\''
            }
            '\\' if backslashes => {
                let (_, e) = chars.next()?;
                match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    _ if e.is_ascii_alphanumeric() => return None,
                    other => other,
                }
            }
            other => other,
        };
        starts.extend(std::iter::repeat_n(start + j, value.len_utf8()));
        text.push(value);
    }
    starts.push(start + inner.len());
    Some(Literal {
        text,
        map: OffsetMap::Table(starts),
    })
}

/// What the `DO` statement `text` runs that bellows does not read: for each `EXECUTE` of a
/// string built at run time, the string's leading literal, when it has one. `None` when the
/// body itself cannot be read (another language, text that does not tokenize).
pub fn dynamic_sql(text: &str) -> Option<Vec<Option<String>>> {
    let pieces = pieces(&body(text)?.text)?;
    Some(
        pieces
            .into_iter()
            .filter_map(|p| match p {
                Piece::Dynamic { prefix } => Some(prefix),
                _ => None,
            })
            .collect(),
    )
}

/// The identifier a `format()` placeholder is read as by [`fill_template`].
const PLACEHOLDER: &str = "bellows_format_placeholder";

/// A dynamic SQL template (`ALTER TABLE public.%I DROP CONSTRAINT %I`) with each `format()`
/// placeholder (`%I`, `%s`, `%L`, `%1$I`, …) replaced by an identifier bellows recognises
/// ([`is_placeholder`]), so that it reads as a statement; `%%` is a `%`.
pub fn fill_template(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(r) = after.strip_prefix('%') {
            out.push('%');
            rest = r;
            continue;
        }
        // An optional position (`1$`) and width (`-10`), then the conversion letter.
        let spec = after
            .find(|c: char| !(c.is_ascii_digit() || c == '$' || c == '-' || c == '*'))
            .unwrap_or(after.len());
        match after[spec..].chars().next() {
            Some(c @ ('I' | 's' | 'L')) => {
                out.push_str(if c == 'L' { "'x'" } else { PLACEHOLDER });
                rest = &after[spec + 1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// True for the name [`fill_template`] puts where a placeholder stood.
pub fn is_placeholder(name: &crate::ident::Name) -> bool {
    name.folded() == PLACEHOLDER
}

/// The SQL in a PL/pgSQL body, in order. `None` when the body cannot be cut into tokens.
pub fn pieces(body: &str) -> Option<Vec<Piece>> {
    let toks = tokens::spanned(body, &OffsetMap::Shift(0)).ok()?;
    let mut walk = Walk {
        body,
        toks,
        out: Vec::new(),
    };
    walk.run();
    Some(walk.out)
}

/// Words that start a PL/pgSQL statement that is not SQL and runs none: stepped over to its
/// `;`. (`END` closes blocks, IFs, loops and CASEs alike.)
const SKIPPED: &[&str] = &[
    "END", "RETURN", "RAISE", "ASSERT", "NULL", "EXIT", "CONTINUE", "GET", "OPEN", "FETCH", "MOVE",
    "CLOSE", "COMMIT", "ROLLBACK",
];

/// Words a query after `FOR … IN` starts with.
const QUERY_WORDS: &[&str] = &["SELECT", "WITH", "VALUES", "TABLE"];

struct Walk<'a> {
    body: &'a str,
    toks: Tokens,
    out: Vec<Piece>,
}

impl Walk<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.toks.sig.len() {
            i = self.statement(i);
        }
    }

    /// Reads the statement at `i`; returns where the next one starts.
    fn statement(&mut self, i: usize) -> usize {
        let n = self.toks.sig.len();
        let t = &self.toks.sig[i];
        if t.token == Token::SemiColon {
            return i + 1;
        }
        if t.token == Token::ShiftLeft {
            return self.find(i + 1, n, |t| t.token == Token::ShiftRight) + 1;
        }
        // A compiler option, `#variable_conflict use_column`: the sign, its name and value.
        if t.token == Token::Sharp {
            return i + 3;
        }
        let word = t.keyword().unwrap_or_default();
        match word.as_str() {
            "DECLARE" => self.find(i + 1, n, |t| t.is_kw("BEGIN")),
            "BEGIN" | "ELSE" | "LOOP" | "EXCEPTION" => i + 1,
            "IF" | "ELSIF" | "ELSEIF" | "WHEN" => self.condition_end(i + 1, "THEN") + 1,
            "WHILE" | "FOREACH" => self.condition_end(i + 1, "LOOP") + 1,
            "CASE" => self.condition_end(i + 1, "WHEN"),
            "FOR" => self.for_loop(i),
            "EXECUTE" => {
                let end = self.statement_end(i);
                self.execute(i + 1, end);
                end + 1
            }
            w if SKIPPED.contains(&w) => self.statement_end(i) + 1,
            _ if self.is_assignment(i) => self.statement_end(i) + 1,
            _ => {
                let end = self.statement_end(i);
                self.sql(i, end);
                end + 1
            }
        }
    }

    /// `FOR target IN { query | EXECUTE e | range | cursor } LOOP`: the query or the
    /// EXECUTE is read.
    fn for_loop(&mut self, i: usize) -> usize {
        let body = self.condition_end(i + 1, "LOOP");
        if let Some(k) = self.toks.find_top_level(i + 1, body, |t| t.is_kw("IN")) {
            let q = if self.toks.is_kw(k + 1, "REVERSE") {
                k + 2
            } else {
                k + 1
            };
            let first = self
                .toks
                .sig
                .get(q)
                .and_then(Tok::keyword)
                .unwrap_or_default();
            if QUERY_WORDS.contains(&first.as_str()) {
                self.sql(q, body);
            } else if first == "EXECUTE" {
                self.execute(q + 1, body);
            }
        }
        body + 1
    }

    /// `EXECUTE e [ INTO … ] [ USING … ]` whose expression starts at `from`.
    fn execute(&mut self, from: usize, end: usize) {
        let stop = self
            .toks
            .find_top_level(from, end, |t| t.is_kw("INTO") || t.is_kw("USING"))
            .unwrap_or(end);
        let expr = &self.toks.sig[from.min(stop)..stop];
        let piece = match expr {
            [one] if is_string(one) => literal(self.body, one.span).map(Piece::Execute),
            _ => None,
        };
        // `'…' || x` or `format('…', x)`: the literal the string starts with.
        let leading = match expr {
            [first, ..] if is_string(first) => Some(first),
            [f, open, first, ..]
                if f.is_kw("format") && open.token == Token::LParen && is_string(first) =>
            {
                Some(first)
            }
            _ => None,
        };
        let prefix = leading
            .and_then(|t| literal(self.body, t.span))
            .map(|l| l.text);
        self.out.push(piece.unwrap_or(Piece::Dynamic { prefix }));
    }

    fn sql(&mut self, from: usize, to: usize) {
        if let Some(span) = self.toks.span_of(from, to) {
            self.out.push(Piece::Sql(span));
        }
    }

    /// `target := e`, `target = e`, with `target` a variable, a field or an array element.
    fn is_assignment(&self, i: usize) -> bool {
        let sig = &self.toks.sig;
        let mut j = i + 1;
        while sig.get(j).is_some_and(|t| t.token == Token::Period) {
            j += 2;
        }
        if sig.get(j).is_some_and(|t| t.token == Token::LBracket) {
            j = self.find(j + 1, sig.len(), |t| t.token == Token::RBracket) + 1;
        }
        sig.get(i).and_then(Tok::name).is_some()
            && sig
                .get(j)
                .is_some_and(|t| matches!(t.token, Token::Assignment | Token::Eq))
    }

    /// Index of the `;` ending the statement at `i` (or the end).
    fn statement_end(&self, i: usize) -> usize {
        let n = self.toks.sig.len();
        self.toks
            .find_top_level(i, n, |t| t.token == Token::SemiColon)
            .unwrap_or(n)
    }

    /// Index of the keyword `kw` ending a condition that starts at `from`, outside
    /// parentheses and CASE expressions (or the end).
    fn condition_end(&self, from: usize, kw: &str) -> usize {
        let mut cases = 0usize;
        let n = self.toks.sig.len();
        self.toks
            .find_top_level(from, n, |t| {
                if cases == 0 && t.is_kw(kw) {
                    return true;
                }
                if t.is_kw("CASE") {
                    cases += 1;
                } else if t.is_kw("END") {
                    cases = cases.saturating_sub(1);
                }
                false
            })
            .unwrap_or(n)
    }

    /// Index of the first token in `from..to` that `is` accepts, or `to`.
    fn find(&self, from: usize, to: usize, is: impl Fn(&Tok) -> bool) -> usize {
        (from..to).find(|&k| is(&self.toks.sig[k])).unwrap_or(to)
    }
}

/// Statements whose PL/pgSQL form may carry `INTO target`.
const INTO_STATEMENTS: &[&str] = &["SELECT", "WITH", "INSERT", "UPDATE", "DELETE", "MERGE"];

/// Edits that turn a PL/pgSQL form of an SQL statement into plain SQL: `PERFORM` reads as
/// `SELECT`, and `INTO [STRICT] target, …` (which names PL/pgSQL variables) is hidden.
pub fn plpgsql_edits(toks: &Tokens) -> Edits {
    let mut edits = Edits::default();
    let Some(first) = toks.sig.first() else {
        return edits;
    };
    let perform = first.is_kw("PERFORM");
    if perform {
        edits.replace.push((0, Token::make_keyword("SELECT")));
    }
    let word = first.keyword().unwrap_or_default();
    if !(perform || INTO_STATEMENTS.contains(&word.as_str())) {
        return edits;
    }
    let n = toks.sig.len();
    let mut from = 0;
    while let Some(into) = toks.find_top_level(from, n, |t| t.is_kw("INTO")) {
        from = into + 1;
        let sql_into =
            into > 0 && (toks.is_kw(into - 1, "INSERT") || toks.is_kw(into - 1, "MERGE"));
        if sql_into {
            continue;
        }
        let mut end = into + 1;
        if toks.is_kw(end, "STRICT") {
            end += 1;
        }
        while let Some((_, next)) = toks.qualified_name(end) {
            end = next;
            if !(toks.is(end, &Token::Comma) && toks.qualified_name(end + 1).is_some()) {
                break;
            }
            end += 1;
        }
        edits.hide_range(into, end);
        from = end;
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sql_pieces(body: &str) -> Vec<String> {
        pieces(body)
            .unwrap()
            .iter()
            .map(|p| match p {
                Piece::Sql(s) => s.slice(body).to_string(),
                Piece::Execute(l) => format!("EXECUTE: {}", l.text),
                Piece::Dynamic { .. } => "DYNAMIC".to_string(),
            })
            .collect()
    }

    #[test]
    fn format_templates_read_as_statements() {
        assert_eq!(
            fill_template("ALTER TABLE public.%I ADD CHECK (x <> %L) -- 100%% %1$s %"),
            "ALTER TABLE public.bellows_format_placeholder ADD CHECK (x <> 'x') -- 100% bellows_format_placeholder %"
        );
    }

    #[test]
    fn dynamic_sql_keeps_its_leading_literal() {
        assert_eq!(
            dynamic_sql("DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD c int'; END $$"),
            Some(vec![])
        );
        assert_eq!(
            dynamic_sql(
                "DO $$ BEGIN EXECUTE format('DROP TABLE %I', n); EXECUTE 'GRANT ' || r; EXECUTE q; END $$"
            ),
            Some(vec![
                Some("DROP TABLE %I".into()),
                Some("GRANT ".into()),
                None
            ])
        );
        assert_eq!(dynamic_sql("DO LANGUAGE plperl $$ 1; $$"), None);
    }

    #[test]
    fn drizzle_foreign_key_block() {
        let body = " BEGIN\n ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_fk\" FOREIGN KEY (\"b\") REFERENCES \"public\".\"b\"(\"id\") ON DELETE cascade ON UPDATE no action;\nEXCEPTION\n WHEN duplicate_object THEN null;\nEND ";
        assert_eq!(
            sql_pieces(body),
            vec![
                "ALTER TABLE \"a\" ADD CONSTRAINT \"a_b_fk\" FOREIGN KEY (\"b\") REFERENCES \"public\".\"b\"(\"id\") ON DELETE cascade ON UPDATE no action"
            ]
        );
    }

    #[test]
    fn control_text_is_stepped_over() {
        let body = r#"
#variable_conflict use_column
<<outer>>
DECLARE
    r RECORD;
    n integer := 0;
    s varchar(32);
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c') THEN
        ALTER TABLE t ADD CONSTRAINT c UNIQUE (a);
    ELSIF (CASE WHEN n > 0 THEN true ELSE false END) THEN
        n := n + 1;
    ELSE
        s = 'Running';
        RAISE NOTICE 'skipped %', n;
    END IF;
    FOR r IN SELECT id FROM t WHERE a IS NULL LOOP
        UPDATE t SET a = 0 WHERE id = r.id;
        EXIT WHEN n > 10;
    END LOOP;
    FOR i IN 1..10 LOOP
        PERFORM pg_sleep(0);
    END LOOP;
    CASE n WHEN 1 THEN DELETE FROM t; ELSE NULL; END CASE;
    WHILE n < 3 LOOP n := n + 1; END LOOP;
    BEGIN
        CREATE INDEX i ON t (a);
    EXCEPTION WHEN duplicate_table OR unique_violation THEN
        GET STACKED DIAGNOSTICS s = MESSAGE_TEXT;
    END;
    RETURN;
END outer"#;
        assert_eq!(
            sql_pieces(body),
            vec![
                "ALTER TABLE t ADD CONSTRAINT c UNIQUE (a)",
                "SELECT id FROM t WHERE a IS NULL",
                "UPDATE t SET a = 0 WHERE id = r.id",
                "PERFORM pg_sleep(0)",
                "DELETE FROM t",
                "CREATE INDEX i ON t (a)",
            ]
        );
    }

    #[test]
    fn execute_of_a_literal_is_read_and_anything_else_counted() {
        let body = "BEGIN EXECUTE 'ALTER TABLE t ADD CHECK (a <> ''x'')'; EXECUTE format('DROP TABLE %I', n); EXECUTE $q$SELECT 1$q$ INTO v; EXECUTE 'a' || n; END";
        assert_eq!(
            sql_pieces(body),
            vec![
                "EXECUTE: ALTER TABLE t ADD CHECK (a <> 'x')",
                "DYNAMIC",
                "EXECUTE: SELECT 1",
                "DYNAMIC",
            ]
        );
    }

    #[test]
    fn literals_map_back_to_their_bytes() {
        let text = "x 'it''s' y";
        let lit = literal(text, Span::new(2, 9)).unwrap();
        assert_eq!(lit.text, "it's");
        assert_eq!(lit.map.span(Span::new(0, 4)).slice(text), "it''s");
        assert_eq!(lit.map.span(Span::new(3, 4)).slice(text), "s");
        let text = r"E'a\'b\\c'";
        let lit = literal(text, Span::new(0, text.len())).unwrap();
        assert_eq!(lit.text, r"a'b\c");
        assert_eq!(lit.map.span(Span::new(2, 3)).slice(text), "b");
        assert!(literal(r"E'\x41'", Span::new(0, 7)).is_none());
        let text = "$body$ SELECT 1 $body$";
        let lit = literal(text, Span::new(0, text.len())).unwrap();
        assert_eq!(lit.map.span(Span::new(1, 7)).slice(text), "SELECT");
    }

    #[test]
    fn do_shapes_and_languages() {
        let body_of = |sql: &str| {
            body(sql).map(|l| {
                l.map
                    .span(Span::new(0, l.text.len()))
                    .slice(sql)
                    .to_string()
            })
        };
        assert_eq!(
            body_of("DO $$ BEGIN END $$").as_deref(),
            Some(" BEGIN END ")
        );
        assert_eq!(
            body_of("DO LANGUAGE plpgsql $x$BEGIN END$x$").as_deref(),
            Some("BEGIN END")
        );
        assert_eq!(
            body_of("do $$BEGIN END$$ language 'plpgsql'").as_deref(),
            Some("BEGIN END")
        );
        assert_eq!(
            body_of("DO 'BEGIN PERFORM ''a''; END'").as_deref(),
            Some("BEGIN PERFORM ''a''; END")
        );
        assert_eq!(body_of("DO LANGUAGE plv8 $$ x $$"), None);
        let toks = |sql: &str| tokens::tokenize(sql, 0).unwrap().1;
        assert!(is_do(&toks("DO $$ BEGIN END $$")));
        assert!(!is_do(&toks("DO $$ a $$ $$ b $$")));
        assert!(!is_do(&toks("DO")));
    }

    #[test]
    fn plpgsql_into_and_perform_become_sql() {
        let hidden = |sql: &str| {
            let toks = tokens::tokenize(sql, 0).unwrap().1;
            let e = plpgsql_edits(&toks);
            let shown: Vec<String> = toks
                .sig
                .iter()
                .enumerate()
                .filter(|(i, _)| !e.hide.contains(i))
                .map(|(_, t)| t.span.slice(sql).to_string())
                .collect();
            (shown.join(" "), !e.replace.is_empty())
        };
        assert_eq!(
            hidden("SELECT INTO scanner_info * FROM s WHERE a = 1"),
            ("SELECT * FROM s WHERE a = 1".into(), false)
        );
        assert_eq!(
            hidden("select max(t) into STRICT v, w.x from r"),
            ("select max ( t ) from r".into(), false)
        );
        assert_eq!(
            hidden("INSERT INTO s (a) VALUES (1) RETURNING id INTO new_id"),
            (
                "INSERT INTO s ( a ) VALUES ( 1 ) RETURNING id".into(),
                false
            )
        );
        assert_eq!(hidden("PERFORM f(1)"), ("PERFORM f ( 1 )".into(), true));
        assert_eq!(
            hidden("IMPORT FOREIGN SCHEMA a FROM SERVER s INTO b"),
            ("IMPORT FOREIGN SCHEMA a FROM SERVER s INTO b".into(), false)
        );
    }
}
