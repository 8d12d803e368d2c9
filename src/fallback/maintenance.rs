//! Maintenance commands sqlparser 0.63 rejects or misreads: `REINDEX`, `CLUSTER`, `VACUUM`
//! and `REFRESH MATERIALIZED VIEW`. Each reader accepts the command's whole grammar and
//! nothing after it, so a statement it returns is one PostgreSQL would accept.

use crate::ident::QualifiedName;
use crate::ir::{ObjectKind, Op};
use crate::tokens::Tokens;
use sqlparser::tokenizer::Token;

/// `REINDEX [ ( options ) ] { INDEX | TABLE | SCHEMA | DATABASE | SYSTEM } [ CONCURRENTLY ]
/// [ name ]` (the name is optional for DATABASE and SYSTEM since PostgreSQL 15).
pub fn reindex(toks: &Tokens) -> Option<Op> {
    let mut i = 1;
    if toks.is(i, &Token::LParen) {
        i = toks.matching_paren(i) + 1;
    }
    let target = match toks.sig.get(i)?.keyword()?.as_str() {
        "INDEX" => ObjectKind::Index,
        "TABLE" => ObjectKind::Table,
        "SCHEMA" => ObjectKind::Schema,
        "DATABASE" => ObjectKind::Database,
        "SYSTEM" => ObjectKind::System,
        _ => return None,
    };
    i += 1;
    if toks.is_kw(i, "CONCURRENTLY") {
        i += 1;
    }
    let name = name_to_end(toks, i)?;
    let optional = matches!(target, ObjectKind::Database | ObjectKind::System);
    (name.is_some() || optional).then_some(Op::Reindex { target, name })
}

/// `CLUSTER [ VERBOSE ] [ ( options ) ] [ table [ USING index ] ]`, and the old
/// `CLUSTER index ON table`.
pub fn cluster(toks: &Tokens) -> Option<Op> {
    let n = toks.sig.len();
    let mut i = 1;
    if toks.is_kw(i, "VERBOSE") {
        i += 1;
    }
    if toks.is(i, &Token::LParen) {
        i = toks.matching_paren(i) + 1;
    }
    if i >= n {
        return Some(Op::Cluster { table: None });
    }
    let (first, next) = toks.qualified_name(i)?;
    let table = if next == n {
        first
    } else if toks.is_kw(next, "USING") {
        name_to_end(toks, next + 1)??;
        first
    } else if toks.is_kw(next, "ON") {
        name_to_end(toks, next + 1)??
    } else {
        return None;
    };
    Some(Op::Cluster { table: Some(table) })
}

/// `VACUUM [ ( options ) ] [ table [ (columns) ] [, …] ]` and the older
/// `VACUUM [ FULL ] [ FREEZE ] [ VERBOSE ] [ ANALYZE ] [ tables ]`. sqlparser reads
/// `VACUUM ANALYZE` as a vacuum of a table named "analyze", so parsed VACUUM statements are
/// read here too.
pub fn vacuum(toks: &Tokens) -> Option<Op> {
    let n = toks.sig.len();
    let mut i = 1;
    let mut full = false;
    if toks.is(i, &Token::LParen) {
        let close = toks.matching_paren(i);
        for (from, to) in toks.split_top_level_commas(i + 1, close) {
            let switched_off = to > from + 1
                && toks.sig[from + 1..to].iter().any(|t| {
                    t.is_kw("FALSE")
                        || t.is_kw("OFF")
                        || t.token == Token::Number("0".into(), false)
                });
            full |= toks.is_kw(from, "FULL") && !switched_off;
        }
        i = close + 1;
    } else {
        while let Some(word) = toks.sig.get(i).and_then(|t| t.keyword()) {
            match word.as_str() {
                "FULL" => full = true,
                "FREEZE" | "VERBOSE" | "ANALYZE" | "ANALYSE" => {}
                _ => break,
            }
            i += 1;
        }
    }
    let mut tables = Vec::new();
    for (from, to) in toks.split_top_level_commas(i, n) {
        let (table, next) = toks.qualified_name(from)?;
        let columns_to_end = toks.is(next, &Token::LParen) && toks.matching_paren(next) + 1 == to;
        if next != to && !columns_to_end {
            return None;
        }
        tables.push(table);
    }
    if i < n && tables.is_empty() {
        return None;
    }
    Some(Op::Vacuum { full, tables })
}

/// `REFRESH MATERIALIZED VIEW [ CONCURRENTLY ] name [ WITH [ NO ] DATA ]`.
pub fn refresh_materialized_view(toks: &Tokens) -> Option<Op> {
    if !(toks.is_kw(1, "MATERIALIZED") && toks.is_kw(2, "VIEW")) {
        return None;
    }
    let mut i = 3;
    if toks.is_kw(i, "CONCURRENTLY") {
        i += 1;
    }
    let (name, mut next) = toks.qualified_name(i)?;
    if toks.is_kw(next, "WITH") {
        next += 1;
        if toks.is_kw(next, "NO") {
            next += 1;
        }
        if !toks.is_kw(next, "DATA") {
            return None;
        }
        next += 1;
    }
    (next == toks.sig.len()).then_some(Op::RefreshMaterializedView { name })
}

/// A qualified name at `i` that ends the statement: `Some(Some(name))`; nothing at `i`:
/// `Some(None)`; anything else: `None`.
fn name_to_end(toks: &Tokens, i: usize) -> Option<Option<QualifiedName>> {
    if i >= toks.sig.len() {
        return Some(None);
    }
    let (name, next) = toks.qualified_name(i)?;
    (next == toks.sig.len()).then_some(Some(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tokens::tokenize;

    fn toks(sql: &str) -> Tokens {
        tokenize(sql, 0).unwrap().1
    }

    #[test]
    fn reindex_forms() {
        let sql = r#"REINDEX (VERBOSE) INDEX CONCURRENTLY "public"."users_email_idx""#;
        let Some(Op::Reindex { target, name }) = reindex(&toks(sql)) else {
            panic!()
        };
        assert_eq!(target, ObjectKind::Index);
        assert_eq!(
            name.unwrap().span().slice(sql),
            r#""public"."users_email_idx""#
        );
        let sql = "reindex table users";
        let Some(Op::Reindex { target, name }) = reindex(&toks(sql)) else {
            panic!()
        };
        assert_eq!(target, ObjectKind::Table);
        assert_eq!(name.unwrap().span().slice(sql), "users");
        assert!(matches!(
            reindex(&toks("REINDEX DATABASE")),
            Some(Op::Reindex {
                target: ObjectKind::Database,
                name: None
            })
        ));
        for bad in ["REINDEX TABLE", "REINDEX users", "REINDEX TABLE a b"] {
            assert!(reindex(&toks(bad)).is_none(), "{bad}");
        }
    }

    #[test]
    fn cluster_forms() {
        for (sql, table) in [
            ("CLUSTER VERBOSE s.t USING t_idx", Some("s.t")),
            ("CLUSTER t", Some("t")),
            ("CLUSTER (VERBOSE) t USING i", Some("t")),
            ("CLUSTER t_idx ON t", Some("t")),
            ("CLUSTER", None),
        ] {
            let Some(Op::Cluster { table: got }) = cluster(&toks(sql)) else {
                panic!("{sql}")
            };
            assert_eq!(
                got.map(|t| t.span().slice(sql).to_string()).as_deref(),
                table,
                "{sql}"
            );
        }
        assert!(cluster(&toks("CLUSTER t USING")).is_none());
    }

    #[test]
    fn vacuum_forms() {
        for (sql, want_full, want_tables) in [
            ("VACUUM ANALYZE users", false, vec!["users"]),
            (
                "VACUUM FULL FREEZE VERBOSE ANALYZE a, s.b (x, y)",
                true,
                vec!["a", "s.b"],
            ),
            ("VACUUM (FULL, ANALYZE) users", true, vec!["users"]),
            ("VACUUM (FULL false, VERBOSE) users", false, vec!["users"]),
            ("VACUUM (ANALYZE)", false, vec![]),
            ("VACUUM ANALYZE", false, vec![]),
            ("VACUUM", false, vec![]),
        ] {
            let Some(Op::Vacuum { full, tables }) = vacuum(&toks(sql)) else {
                panic!("{sql}")
            };
            assert_eq!(full, want_full, "{sql}");
            let got: Vec<_> = tables.iter().map(|t| t.span().slice(sql)).collect();
            assert_eq!(got, want_tables, "{sql}");
        }
        assert!(vacuum(&toks("VACUUM a b")).is_none());
    }

    #[test]
    fn refresh_forms() {
        let sql = "REFRESH MATERIALIZED VIEW CONCURRENTLY stats.daily WITH DATA";
        let Some(Op::RefreshMaterializedView { name }) = refresh_materialized_view(&toks(sql))
        else {
            panic!()
        };
        assert_eq!(name.span().slice(sql), "stats.daily");
        assert!(
            refresh_materialized_view(&toks("REFRESH MATERIALIZED VIEW v WITH NO DATA")).is_some()
        );
        assert!(refresh_materialized_view(&toks("REFRESH MATERIALIZED VIEW v WITH")).is_none());
    }
}
