//! Function volatility: whether PostgreSQL may evaluate a function once for a whole
//! statement (IMMUTABLE, STABLE) or must call it for every row (VOLATILE).
//!
//! The one place bellows writes these facts. `ADD COLUMN … DEFAULT f()` rewrites the table
//! exactly when the default is volatile: PostgreSQL 11+ evaluates a non-volatile default
//! once and stores it in the catalog, but a volatile one must be computed row by row.
//!
//! The tables list common built-in functions and those of the widely installed extensions
//! (`pgcrypto`, `uuid-ossp`) as their `pg_proc.provolatile` says. A function bellows does
//! not know counts as volatile: `CREATE FUNCTION` makes a function VOLATILE unless it says
//! otherwise, so that is the safe guess, and findings based on it say it was a guess.

use crate::ir::Expr;

/// How often PostgreSQL must evaluate a function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Volatility {
    /// Same result for the same arguments, forever.
    Immutable,
    /// Same result within one statement (`now()`).
    Stable,
    /// May differ on every call (`random()`).
    Volatile,
}

/// Built-in and common extension functions that are VOLATILE.
const VOLATILE: &[&str] = &[
    "clock_timestamp",
    "currval",
    "gen_random_bytes",
    "gen_random_uuid",
    "gen_salt",
    "lastval",
    "nextval",
    "random",
    "random_normal",
    "setseed",
    "setval",
    "timeofday",
    "uuid_generate_v1",
    "uuid_generate_v1mc",
    "uuid_generate_v4",
    "uuidv4",
    "uuidv7",
];

/// Built-in functions that are STABLE: constant within one statement. The SQL value
/// functions written without parentheses (`CURRENT_TIMESTAMP`) are here too.
const STABLE: &[&str] = &[
    "age",
    "array_to_json",
    "concat",
    "concat_ws",
    "current_database",
    "current_date",
    "current_role",
    "current_schema",
    "current_setting",
    "current_time",
    "current_timestamp",
    "current_user",
    "date_part",
    "date_trunc",
    "extract",
    "format",
    "json_build_array",
    "json_build_object",
    "jsonb_build_array",
    "jsonb_build_object",
    "localtime",
    "localtimestamp",
    "make_timestamptz",
    "now",
    "row_to_json",
    "session_user",
    "statement_timestamp",
    "to_char",
    "to_date",
    "to_json",
    "to_jsonb",
    "to_timestamp",
    "transaction_timestamp",
    "user",
];

/// Built-in functions and function-like expression forms (`COALESCE`, `GREATEST`) that are
/// IMMUTABLE.
const IMMUTABLE: &[&str] = &[
    "abs",
    "array_append",
    "array_cat",
    "array_fill",
    "array_length",
    "array_prepend",
    "ascii",
    "bit_length",
    "btrim",
    "cardinality",
    "ceil",
    "ceiling",
    "char_length",
    "character_length",
    "chr",
    "coalesce",
    "daterange",
    "decode",
    "digest",
    "div",
    "encode",
    "exp",
    "floor",
    "greatest",
    "initcap",
    "int4range",
    "int8range",
    "jsonb_set",
    "jsonb_strip_nulls",
    "least",
    "left",
    "length",
    "ln",
    "log",
    "lower",
    "lpad",
    "ltrim",
    "make_date",
    "make_interval",
    "make_time",
    "make_timestamp",
    "md5",
    "mod",
    "nullif",
    "numrange",
    "octet_length",
    "overlay",
    "position",
    "power",
    "quote_ident",
    "regexp_replace",
    "repeat",
    "replace",
    "reverse",
    "right",
    "round",
    "rpad",
    "rtrim",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "sign",
    "split_part",
    "sqrt",
    "string_to_array",
    "strpos",
    "substr",
    "substring",
    "translate",
    "trim",
    "trunc",
    "tsrange",
    "tstzrange",
    "upper",
    "uuid_generate_v3",
    "uuid_generate_v5",
    "uuid_nil",
];

/// The volatility of a function called `name` (folded, without schema), if bellows knows it.
pub fn of_function(name: &str) -> Option<Volatility> {
    if VOLATILE.contains(&name) {
        Some(Volatility::Volatile)
    } else if STABLE.contains(&name) {
        Some(Volatility::Stable)
    } else if IMMUTABLE.contains(&name) {
        Some(Volatility::Immutable)
    } else {
        None
    }
}

/// Why an expression must be evaluated row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolatileCall {
    /// It calls this built-in VOLATILE function.
    Known(String),
    /// It calls this function, which bellows does not know and so takes to be VOLATILE.
    Unknown(String),
}

impl VolatileCall {
    /// The function's name.
    pub fn function(&self) -> &str {
        match self {
            VolatileCall::Known(f) | VolatileCall::Unknown(f) => f,
        }
    }
}

/// The call that makes `expr` volatile: a known volatile function first, else the first
/// function bellows does not know. `None` when every call is immutable or stable.
pub fn volatile_call(expr: &Expr) -> Option<VolatileCall> {
    let known = expr
        .calls
        .iter()
        .find(|c| of_function(c) == Some(Volatility::Volatile));
    if let Some(f) = known {
        return Some(VolatileCall::Known(f.clone()));
    }
    expr.calls
        .iter()
        .find(|c| of_function(c).is_none())
        .map(|f| VolatileCall::Unknown(f.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn expr(calls: &[&str]) -> Expr {
        Expr {
            text: String::new(),
            span: Span::default(),
            calls: calls.iter().map(|c| c.to_string()).collect(),
            is_null: false,
            idents: Vec::new(),
        }
    }

    #[test]
    fn every_function_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for f in VOLATILE.iter().chain(STABLE).chain(IMMUTABLE) {
            assert!(seen.insert(f), "{f} is listed twice");
            assert_eq!(f.to_lowercase(), *f, "{f}: names are folded");
        }
    }

    #[test]
    fn known_volatile_wins_over_unknown() {
        assert_eq!(
            volatile_call(&expr(&["my_func", "random"])),
            Some(VolatileCall::Known("random".into()))
        );
        assert_eq!(
            volatile_call(&expr(&["lower", "my_func"])),
            Some(VolatileCall::Unknown("my_func".into()))
        );
    }

    #[test]
    fn stable_and_immutable_are_not_volatile() {
        assert_eq!(volatile_call(&expr(&["now"])), None);
        assert_eq!(volatile_call(&expr(&["current_timestamp"])), None);
        assert_eq!(volatile_call(&expr(&["lower", "coalesce"])), None);
        assert_eq!(volatile_call(&expr(&[])), None);
        assert_eq!(of_function("now"), Some(Volatility::Stable));
        assert_eq!(of_function("gen_random_uuid"), Some(Volatility::Volatile));
    }
}
