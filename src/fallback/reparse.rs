//! Statements sqlparser 0.63 rejects only for a clause no rule reads: the clause is left out
//! of the token stream, sqlparser reads the rest, and the AST is lowered as usual. Every
//! token keeps its location, so the IR's spans are the user's bytes.
//!
//! The clauses dropped, and why that loses nothing:
//! - identity sequence options, `GENERATED … AS IDENTITY ( sequence name "t_id_seq" … )`, as
//!   drizzle-kit writes them: sqlparser does not know `sequence name`; the IR only records
//!   that the column is an identity;
//! - the column list of `ON DELETE SET NULL ( cols )` (PostgreSQL 15): which columns are
//!   cleared does not change the foreign key's locks;
//! - `COLLATE c` after `ALTER COLUMN … TYPE t`: a collation change rewrites like any other
//!   type change, and the IR's type text is the type alone;
//! - `ON ONLY` in `CREATE INDEX … ON ONLY t`: put back as `CreateIndex::only`;
//! - `TABLESPACE x` of `CREATE INDEX` and `USING INDEX TABLESPACE x` of constraints: storage
//!   placement, invisible to rules;
//! - `CONCURRENTLY` of `DROP INDEX`: `Statement::concurrently` keeps it, read from the
//!   original tokens.

use crate::dialect::Postgres;
use crate::ir::Op;
use crate::lower;
use crate::parse::RECURSION_LIMIT;
use crate::source::Span;
use crate::tokens::{Edits, Tokens};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan};

/// What the edits removed that the IR still records.
#[derive(Debug, Clone, Copy, Default)]
struct Removed {
    on_only: bool,
}

/// Reads the statement again without the clauses sqlparser rejects, if it has any.
pub(super) fn reparse(raw: &[TokenWithSpan], toks: &Tokens, span: Span) -> Option<Op> {
    let (edits, removed) = edits(toks);
    if edits.is_empty() {
        return None;
    }
    let (raw, toks) = toks.edited(raw, &edits);
    let mut op = parse_one(raw, &toks, span)?;
    if let Op::CreateIndex(ci) = &mut op {
        ci.only |= removed.on_only;
    }
    Some(op)
}

/// Parses `raw` as exactly one statement and lowers it with `toks`, its spanned copy.
pub(super) fn parse_one(raw: Vec<TokenWithSpan>, toks: &Tokens, span: Span) -> Option<Op> {
    let stmts = Parser::new(&Postgres)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(raw)
        .parse_statements()
        .ok()?;
    match stmts.as_slice() {
        [one] => Some(lower::lower(one, toks, span)),
        _ => None,
    }
}

/// The tokens to drop for every clause of the list above that the statement has.
fn edits(toks: &Tokens) -> (Edits, Removed) {
    let mut edits = Edits::default();
    let mut removed = Removed::default();
    let n = toks.sig.len();
    identity_options(toks, &mut edits);
    referential_action_columns(toks, &mut edits);
    using_index_tablespace(toks, &mut edits);
    if toks.is_kw(0, "ALTER") && toks.is_kw(1, "TABLE") {
        for (from, to) in toks.split_top_level_commas(2, n) {
            type_collation(toks, from, to, &mut edits);
        }
    }
    if toks.is_kw(0, "CREATE") {
        let index = if toks.is_kw(1, "UNIQUE") { 2 } else { 1 };
        if toks.is_kw(index, "INDEX") {
            removed.on_only = create_index_clauses(toks, index + 1, &mut edits);
        }
    }
    if toks.is_kw(0, "DROP") && toks.is_kw(1, "INDEX") && toks.is_kw(2, "CONCURRENTLY") {
        edits.hide.push(2);
    }
    (edits, removed)
}

/// `AS IDENTITY ( … )`: the parenthesised sequence options.
fn identity_options(toks: &Tokens, edits: &mut Edits) {
    let mut from = 0;
    while let Some((i, _)) = toks.find_seq(from, toks.sig.len(), &["AS", "IDENTITY"]) {
        let open = i + 2;
        if toks.is(open, &Token::LParen) {
            let close = toks.matching_paren(open);
            edits.hide_range(open, (close + 1).min(toks.sig.len()));
        }
        from = open;
    }
}

/// `ON DELETE SET NULL ( cols )` and `… SET DEFAULT ( cols )`: the column list.
fn referential_action_columns(toks: &Tokens, edits: &mut Edits) {
    for i in 0..toks.sig.len() {
        let action =
            toks.is_kw(i, "ON") && (toks.is_kw(i + 1, "DELETE") || toks.is_kw(i + 1, "UPDATE"));
        let set =
            toks.is_kw(i + 2, "SET") && (toks.is_kw(i + 3, "NULL") || toks.is_kw(i + 3, "DEFAULT"));
        if action && set && toks.is(i + 4, &Token::LParen) {
            let close = toks.matching_paren(i + 4);
            edits.hide_range(i + 4, (close + 1).min(toks.sig.len()));
        }
    }
}

/// `USING INDEX TABLESPACE x` of a PRIMARY KEY, UNIQUE or EXCLUDE constraint.
fn using_index_tablespace(toks: &Tokens, edits: &mut Edits) {
    let mut from = 0;
    while let Some((i, _)) = toks.find_seq(from, toks.sig.len(), &["USING", "INDEX", "TABLESPACE"])
    {
        if toks.sig.get(i + 3).and_then(|t| t.name()).is_some() {
            edits.hide_range(i, i + 4);
        }
        from = i + 3;
    }
}

/// `COLLATE c` after `TYPE t` in the ALTER TABLE action `from..to`.
fn type_collation(toks: &Tokens, from: usize, to: usize, edits: &mut Edits) {
    let Some(ty) = toks.find_top_level(from, to, |t| t.is_kw("TYPE")) else {
        return;
    };
    let Some(collate) = toks.find_top_level(ty + 1, to, |t| t.is_kw("COLLATE")) else {
        return;
    };
    if let Some((_, after)) = toks.qualified_name(collate + 1) {
        edits.hide_range(collate, after.min(to));
    }
}

/// `ON ONLY` and `TABLESPACE x` of a CREATE INDEX whose words after INDEX start at `from`.
/// Returns true when `ONLY` was dropped.
fn create_index_clauses(toks: &Tokens, from: usize, edits: &mut Edits) -> bool {
    let n = toks.sig.len();
    let mut only = false;
    if let Some(on) = toks.find_top_level(from, n, |t| t.is_kw("ON"))
        && toks.is_kw(on + 1, "ONLY")
    {
        edits.hide.push(on + 1);
        only = true;
    }
    if let Some(ts) = toks.find_top_level(from, n, |t| t.is_kw("TABLESPACE"))
        && toks.sig.get(ts + 1).and_then(|t| t.name()).is_some()
    {
        edits.hide_range(ts, ts + 2);
    }
    only
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{ActionKind, ObjectKind, Op};
    use crate::tokens::tokenize;

    fn read(sql: &str) -> Option<Op> {
        let (raw, toks) = tokenize(sql, 0).unwrap();
        reparse(&raw, &toks, Span::new(0, sql.len()))
    }

    #[test]
    fn drizzle_identity_columns_in_create_table() {
        let sql = r#"CREATE TABLE "t" ("id" integer PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "t_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 2147483647 START WITH 1 CACHE 1), "n" text)"#;
        let Some(Op::CreateTable(ct)) = read(sql) else {
            panic!("not read")
        };
        assert_eq!(ct.columns.len(), 2);
        let id = &ct.columns[0];
        assert!(id.identity && id.not_null);
        assert_eq!(id.name.span.slice(sql), r#""id""#);
        assert_eq!(id.data_type.span.slice(sql), "integer");
        assert!(id.span.slice(sql).ends_with("CACHE 1)"));
        assert_eq!(ct.columns[1].span.slice(sql), r#""n" text"#);
    }

    #[test]
    fn drizzle_identity_columns_in_add_column() {
        let sql = r#"ALTER TABLE "t" ADD COLUMN "id" bigint PRIMARY KEY GENERATED BY DEFAULT AS IDENTITY (sequence name "t_id_seq" INCREMENT BY 1 MINVALUE 1 START WITH 1 CACHE 1)"#;
        let Some(Op::AlterTable(at)) = read(sql) else {
            panic!("not read")
        };
        let ActionKind::AddColumn { column, .. } = &at.actions[0].kind else {
            panic!("{:?}", at.actions)
        };
        assert!(column.identity);
        assert_eq!(column.name.span.slice(sql), r#""id""#);
        assert_eq!(
            at.actions[0].span.slice(sql),
            &sql[r#"ALTER TABLE "t" "#.len()..]
        );
    }

    #[test]
    fn type_change_with_collation() {
        let sql = r#"ALTER TABLE "user_table_rows" ALTER COLUMN "order_key" SET DATA TYPE text COLLATE "C""#;
        let Some(Op::AlterTable(at)) = read(sql) else {
            panic!("not read")
        };
        let a = &at.actions[0];
        let ActionKind::AlterColumnType {
            column, data_type, ..
        } = &a.kind
        else {
            panic!("{:?}", a.kind)
        };
        assert_eq!(column.span.slice(sql), r#""order_key""#);
        assert_eq!(data_type.text, "text");
        assert_eq!(a.focus.slice(sql), r#"TYPE text COLLATE "C""#);
        assert!(a.span.slice(sql).starts_with(r#"ALTER COLUMN "order_key""#));
    }

    #[test]
    fn type_change_with_collation_and_using() {
        let sql = r#"ALTER TABLE users ALTER COLUMN username TYPE citext COLLATE pg_catalog."C" USING username::citext"#;
        let Some(Op::AlterTable(at)) = read(sql) else {
            panic!("not read")
        };
        let ActionKind::AlterColumnType { using, .. } = &at.actions[0].kind else {
            panic!()
        };
        assert!(using);
    }

    #[test]
    fn create_index_on_only_and_tablespace() {
        let sql = "CREATE INDEX CONCURRENTLY i ON ONLY public.t USING btree (a) TABLESPACE fast WHERE a > 0";
        let Some(Op::CreateIndex(ci)) = read(sql) else {
            panic!("not read")
        };
        assert!(ci.only && ci.concurrently);
        assert_eq!(ci.table.span().slice(sql), "public.t");
        assert_eq!(
            ci.head.slice(sql),
            "CREATE INDEX CONCURRENTLY i ON ONLY public.t"
        );
        let sql = "CREATE UNIQUE INDEX i ON t (a) TABLESPACE fast";
        let Some(Op::CreateIndex(ci)) = read(sql) else {
            panic!("not read")
        };
        assert!(ci.unique && !ci.only);
    }

    #[test]
    fn drop_index_concurrently() {
        let sql = r#"DROP INDEX CONCURRENTLY IF EXISTS "public"."a_idx", b_idx CASCADE"#;
        let Some(Op::Drop(d)) = read(sql) else {
            panic!("not read")
        };
        assert_eq!(d.kind, ObjectKind::Index);
        assert!(d.if_exists && d.cascade);
        let names: Vec<_> = d.names.iter().map(|n| n.span().slice(sql)).collect();
        assert_eq!(names, vec![r#""public"."a_idx""#, "b_idx"]);
        let sql = "DROP INDEX CONCURRENTLY a_idx";
        assert!(matches!(read(sql), Some(Op::Drop(_))));
    }

    #[test]
    fn foreign_key_set_null_column_list() {
        let sql = r#"alter table "public"."answers" add constraint "answers_option_fkey" FOREIGN KEY (option_id, quiz_id) REFERENCES quiz_options(id, quiz_id) ON UPDATE CASCADE ON DELETE SET NULL (option_id)"#;
        let Some(Op::AlterTable(at)) = read(sql) else {
            panic!("not read")
        };
        let ActionKind::AddConstraint(c) = &at.actions[0].kind else {
            panic!()
        };
        assert_eq!(
            c.name.as_ref().unwrap().span.slice(sql),
            r#""answers_option_fkey""#
        );
    }

    #[test]
    fn using_index_tablespace_in_create_table() {
        let sql = "CREATE TABLE t (a int, CONSTRAINT p PRIMARY KEY (a) USING INDEX TABLESPACE x)";
        let Some(Op::CreateTable(ct)) = read(sql) else {
            panic!("not read")
        };
        assert_eq!(ct.constraints.len(), 1);
    }

    #[test]
    fn statements_without_such_clauses_are_left_alone() {
        assert!(read("REINDEX TABLE t").is_none());
        assert!(read("ALTER TABLE t SET SCHEMA s").is_none());
    }
}
