//! The dialect statements are parsed with: sqlparser's PostgreSQL dialect, except that the
//! commonest expressions, literals and plain names, are read at once.
//!
//! sqlparser first tries every expression as a typed literal (`DATE '2024-01-01'`): it reads
//! a type name, fails, formats an error message, and backs off. For a number, a string or a
//! name that is not a keyword, that attempt cannot succeed unless a string follows, and the
//! messages it formats and drops were 3 to 4% of a corpus run's instructions. Here such
//! expressions are read the way sqlparser reads them after the attempt fails; everything
//! else is left to it. `tests/dialect.rs` parses every statement of the corpus both ways
//! and requires the same tree, spans included, and the same errors.
//!
//! Every setting `PostgreSqlDialect` overrides is delegated to it, one by one: after a
//! sqlparser upgrade, compare this list with that dialect's `impl Dialect`.

use sqlparser::ast::{Expr, ObjectName};
use sqlparser::dialect::{Dialect, PostgreSqlDialect, Precedence};
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;
use std::any::TypeId;

/// sqlparser's PostgreSQL dialect with a faster reading of plain prefix expressions.
#[derive(Debug, Default)]
pub struct Postgres;

/// The dialect every setting is delegated to.
const PG: PostgreSqlDialect = PostgreSqlDialect {};

/// Delegates settings without arguments to [`PG`].
macro_rules! as_postgres {
    ($($name:ident),* $(,)?) => {
        $(fn $name(&self) -> bool {
            PG.$name()
        })*
    };
}

impl Dialect for Postgres {
    /// sqlparser asks `dialect_of!(… is PostgreSqlDialect)` through this: it is that dialect.
    fn dialect(&self) -> TypeId {
        TypeId::of::<PostgreSqlDialect>()
    }

    fn parse_prefix(&self, parser: &mut Parser) -> Option<Result<Expr, ParserError>> {
        let next = &parser.peek_nth_token_ref(1).token;
        // A string after the first token could make the pair a typed literal.
        if is_string(next) {
            return None;
        }
        match &parser.peek_token_ref().token {
            Token::Number(..)
            | Token::SingleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::EscapedStringLiteral(_) => Some(parser.parse_value().map(Expr::Value)),
            Token::Word(w)
                if matches!(w.keyword, Keyword::NULL | Keyword::TRUE | Keyword::FALSE) =>
            {
                Some(parser.parse_value().map(Expr::Value))
            }
            // A `[` could make the name an array type (`name[] '{}'`).
            Token::Word(w) if w.keyword == Keyword::NoKeyword && *next != Token::LBracket => {
                let call = *next == Token::LParen;
                let token = parser.next_token();
                let Token::Word(w) = &token.token else {
                    return None;
                };
                let ident = w.to_ident(token.span);
                Some(if call {
                    parser.parse_function(ObjectName::from(vec![ident]))
                } else {
                    Ok(Expr::Identifier(ident))
                })
            }
            _ => None,
        }
    }

    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        PG.identifier_quote_style(identifier)
    }

    fn is_delimited_identifier_start(&self, ch: char) -> bool {
        PG.is_delimited_identifier_start(ch)
    }

    fn is_identifier_start(&self, ch: char) -> bool {
        PG.is_identifier_start(ch)
    }

    fn is_identifier_part(&self, ch: char) -> bool {
        PG.is_identifier_part(ch)
    }

    fn is_reserved_for_identifier(&self, kw: Keyword) -> bool {
        PG.is_reserved_for_identifier(kw)
    }

    fn is_table_alias(&self, kw: &Keyword, parser: &mut Parser) -> bool {
        PG.is_table_alias(kw, parser)
    }

    fn is_custom_operator_part(&self, ch: char) -> bool {
        PG.is_custom_operator_part(ch)
    }

    fn get_next_precedence(&self, parser: &Parser) -> Option<Result<u8, ParserError>> {
        PG.get_next_precedence(parser)
    }

    fn prec_value(&self, prec: Precedence) -> u8 {
        PG.prec_value(prec)
    }

    as_postgres!(
        supports_unicode_string_literal,
        supports_filter_during_aggregation,
        supports_group_by_expr,
        supports_alter_user_as_alter_role,
        allow_extract_custom,
        allow_extract_single_quotes,
        supports_create_index_with_clause,
        supports_explain_with_utility_options,
        supports_listen_notify,
        supports_exclude_constraint,
        supports_factorial_operator,
        supports_bitwise_shift_operators,
        supports_comment_on,
        supports_load_extension,
        supports_named_fn_args_with_colon_operator,
        supports_named_fn_args_with_expr_name,
        supports_empty_projections,
        supports_nested_comments,
        supports_string_escape_constant,
        supports_numeric_literal_underscores,
        supports_array_typedef_with_brackets,
        supports_geometric_types,
        supports_order_by_using_operator,
        supports_set_names,
        supports_alter_column_type_using,
        supports_left_associative_joins_without_parens,
        supports_notnull_operator,
        supports_interval_options,
        supports_insert_table_alias,
        supports_create_table_like_parenthesized,
        supports_select_wildcard_with_alias,
        supports_comma_separated_trim,
        supports_xml_expressions,
        supports_aliased_function_args,
        supports_comment_optimizer_hint,
    );
}

/// Whether `token` is a string literal of any kind.
fn is_string(token: &Token) -> bool {
    matches!(
        token,
        Token::SingleQuotedString(_)
            | Token::DoubleQuotedString(_)
            | Token::TripleSingleQuotedString(_)
            | Token::TripleDoubleQuotedString(_)
            | Token::DollarQuotedString(_)
            | Token::SingleQuotedByteStringLiteral(_)
            | Token::DoubleQuotedByteStringLiteral(_)
            | Token::TripleSingleQuotedByteStringLiteral(_)
            | Token::TripleDoubleQuotedByteStringLiteral(_)
            | Token::SingleQuotedRawStringLiteral(_)
            | Token::DoubleQuotedRawStringLiteral(_)
            | Token::TripleSingleQuotedRawStringLiteral(_)
            | Token::TripleDoubleQuotedRawStringLiteral(_)
            | Token::NationalStringLiteral(_)
            | Token::QuoteDelimitedStringLiteral(_)
            | Token::NationalQuoteDelimitedStringLiteral(_)
            | Token::EscapedStringLiteral(_)
            | Token::UnicodeStringLiteral(_)
            | Token::HexStringLiteral(_)
    )
}
