//! Types and expressions read from tokens and printed the way sqlparser prints its tree:
//! the IR keeps that text (`TypeName::text`, `Expr::text`), and both readers must give the
//! same. Only forms whose printing is certain are read; anything else is `None`.
//!
//! sqlparser prints an expression's tokens in order, one space apart, except that calls,
//! parentheses, brackets, casts and commas are written tight, keyword operators and
//! built-in type names in upper case, `!=` as `<>`, `true`/`false` in lower case and
//! `NULL` in upper case. It adds or drops no parentheses, so the text does not depend on
//! how operators bind.

use crate::tokens::{Tok, Tokens};
use sqlparser::keywords::Keyword as K;
use sqlparser::tokenizer::{Token, Word};

/// Deepest nesting of parentheses and calls read; deeper text is left to sqlparser.
const MAX_DEPTH: usize = 16;

/// The type at significant token `i` (no further than `end`), as sqlparser prints it, and
/// the index after it.
pub fn data_type(toks: &Tokens, i: usize, end: usize) -> Option<(String, usize)> {
    data_type_in(toks.sig.get(..end)?, i)
}

/// Built-in types read by the words they are written with, none taking modifiers.
const PLAIN_TYPES: &[K] = &[
    K::INT,
    K::INTEGER,
    K::INT2,
    K::INT4,
    K::INT8,
    K::BIGINT,
    K::SMALLINT,
    K::TEXT,
    K::UUID,
    K::BOOLEAN,
    K::BOOL,
    K::JSONB,
    K::JSON,
    K::DATE,
    K::REAL,
    K::FLOAT4,
    K::FLOAT8,
    K::BYTEA,
    K::REGCLASS,
    K::TSVECTOR,
    K::TIMETZ,
];

/// Types with a keyword for a name that sqlparser reads as a name, not a built-in type
/// (it prints them as written).
const NAMED_KEYWORD_TYPES: &[&str] = &[
    "serial",
    "bigserial",
    "smallserial",
    "inet",
    "cidr",
    "money",
    "citext",
    "oid",
    "xml",
    "macaddr",
    "hstore",
];

/// A type without its `[]` suffixes.
fn base_type(sig: &[Tok], i: usize) -> Option<(String, usize)> {
    let w = word(sig.get(i)?)?;
    if w.quote_style.is_some() {
        return named_type(sig, i);
    }
    let kw = w.keyword;
    // A qualified name is never a built-in type.
    if kw == K::NoKeyword
        || is_token(sig, i + 1, &Token::Period)
        || NAMED_KEYWORD_TYPES
            .iter()
            .any(|n| w.value.eq_ignore_ascii_case(n))
    {
        return named_type(sig, i);
    }
    let upper = w.value.to_ascii_uppercase();
    if PLAIN_TYPES.contains(&kw) {
        // `int(11)` and the like are not PostgreSQL; sqlparser reads them its own way.
        return (!is_token(sig, i + 1, &Token::LParen)).then_some((upper, i + 1));
    }
    match kw {
        K::VARCHAR | K::CHAR | K::NUMERIC | K::DECIMAL => {
            let max = if matches!(kw, K::NUMERIC | K::DECIMAL) {
                2
            } else {
                1
            };
            let (mods, k) = modifiers(sig, i + 1, max)?;
            Some((upper + &mods, k))
        }
        K::CHARACTER if is_kw(sig, i + 1, K::VARYING) => {
            let (mods, k) = modifiers(sig, i + 2, 1)?;
            Some((format!("CHARACTER VARYING{mods}"), k))
        }
        K::CHARACTER => {
            let (mods, k) = modifiers(sig, i + 1, 1)?;
            Some((upper + &mods, k))
        }
        K::DOUBLE if is_kw(sig, i + 1, K::PRECISION) => Some(("DOUBLE PRECISION".into(), i + 2)),
        K::TIMESTAMPTZ => {
            let (mods, k) = modifiers(sig, i + 1, 1)?;
            Some((upper + &mods, k))
        }
        K::TIMESTAMP | K::TIME => {
            let (mods, mut k) = modifiers(sig, i + 1, 1)?;
            let mut text = upper + &mods;
            let zone = is_kw(sig, k + 1, K::TIME) && is_kw(sig, k + 2, K::ZONE);
            if is_kw(sig, k, K::WITH) && zone {
                text.push_str(" WITH TIME ZONE");
                k += 3;
            } else if is_kw(sig, k, K::WITHOUT) && zone {
                text.push_str(" WITHOUT TIME ZONE");
                k += 3;
            }
            Some((text, k))
        }
        _ => None,
    }
}

/// A type named by an identifier (`citext`, `"Status"`, `public.vector(1536)`), printed as
/// written, with its modifiers.
fn named_type(sig: &[Tok], i: usize) -> Option<(String, usize)> {
    let (mut text, mut k) = name_path(sig, i)?;
    if is_token(sig, k, &Token::LParen) {
        let mut parts = Vec::new();
        k += 1;
        loop {
            match &sig.get(k)?.token {
                Token::Number(n, false) => parts.push(n.as_str()),
                Token::Word(w) if w.quote_style.is_none() => parts.push(w.value.as_str()),
                _ => return None,
            }
            k += 1;
            match sig.get(k)?.token {
                Token::Comma => k += 1,
                Token::RParen => break,
                _ => return None,
            }
        }
        text.push('(');
        text.push_str(&parts.join(", "));
        text.push(')');
        k += 1;
    }
    Some((text, k))
}

/// `(n)` or `(p, s)` after a built-in type, at most `max` numbers, printed without spaces;
/// empty when there are none.
fn modifiers(sig: &[Tok], i: usize, max: usize) -> Option<(String, usize)> {
    if !is_token(sig, i, &Token::LParen) {
        return Some((String::new(), i));
    }
    let mut text = String::from("(");
    let mut k = i + 1;
    for n in 0..max {
        let Token::Number(digits, false) = &sig.get(k)?.token else {
            return None;
        };
        // sqlparser prints the number it read: `007` would come out as `7`.
        let plain = digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !plain {
            return None;
        }
        text.push_str(digits);
        k += 1;
        match sig.get(k)?.token {
            Token::RParen => {
                text.push(')');
                return Some((text, k + 1));
            }
            Token::Comma if n + 1 < max => {
                text.push(',');
                k += 1;
            }
            _ => return None,
        }
    }
    None
}

/// A dotted name (`a`, `"s"."f"`) printed as written, and the index after it. Its first
/// part must not be a keyword sqlparser could read another way.
fn name_path(sig: &[Tok], i: usize) -> Option<(String, usize)> {
    let first = word(sig.get(i)?)?;
    if first.quote_style.is_none() && first.keyword != K::NoKeyword {
        let named = NAMED_KEYWORD_TYPES
            .iter()
            .any(|n| first.value.eq_ignore_ascii_case(n));
        if !named && SPECIAL.contains(&first.keyword) {
            return None;
        }
    }
    let mut text = String::new();
    push_word(&mut text, first)?;
    let mut k = i + 1;
    while is_token(sig, k, &Token::Period) {
        text.push('.');
        push_word(&mut text, word(sig.get(k + 1)?)?)?;
        k += 2;
    }
    Some((text, k))
}

/// Appends a word as sqlparser prints an identifier.
fn push_word(out: &mut String, w: &Word) -> Option<()> {
    match w.quote_style {
        None => out.push_str(&w.value),
        // A doubled quote inside would be printed escaped again.
        Some('"') if !w.value.contains('"') => {
            out.push('"');
            out.push_str(&w.value);
            out.push('"');
        }
        Some(_) => return None,
    }
    Some(())
}

/// Keywords with a meaning of their own where an expression or a type starts (sqlparser
/// reads them specially, or they cannot start one): never read as a plain name here.
const SPECIAL: &[K] = &[
    K::TRUE,
    K::FALSE,
    K::NULL,
    K::CURRENT_CATALOG,
    K::CURRENT_USER,
    K::CURRENT_ROLE,
    K::SESSION_USER,
    K::USER,
    K::CURRENT_TIMESTAMP,
    K::CURRENT_TIME,
    K::CURRENT_DATE,
    K::LOCALTIME,
    K::LOCALTIMESTAMP,
    K::CASE,
    K::CONVERT,
    K::TRY_CONVERT,
    K::CAST,
    K::TRY_CAST,
    K::SAFE_CAST,
    K::EXISTS,
    K::EXTRACT,
    K::CEIL,
    K::FLOOR,
    K::POSITION,
    K::SUBSTR,
    K::SUBSTRING,
    K::OVERLAY,
    K::TRIM,
    K::INTERVAL,
    K::ARRAY,
    K::NOT,
    K::MATCH,
    K::STRUCT,
    K::PRIOR,
    K::MAP,
    K::LAMBDA,
    K::CIRCLE,
    K::BOX,
    K::PATH,
    K::LINE,
    K::LSEG,
    K::POINT,
    K::POLYGON,
    K::AND,
    K::OR,
    K::IS,
    K::IN,
    K::LIKE,
    K::ILIKE,
    K::SIMILAR,
    K::BETWEEN,
    K::ESCAPE,
    K::COLLATE,
    K::AT,
    K::ANY,
    K::ALL,
    K::SOME,
    K::SELECT,
    K::WITH,
    K::DISTINCT,
    K::FROM,
    K::WHERE,
    K::AS,
    K::ON,
    K::USING,
    K::DEFAULT,
    K::CONSTRAINT,
    K::CHECK,
    K::PRIMARY,
    K::UNIQUE,
    K::REFERENCES,
    K::GENERATED,
    K::NOTNULL,
    K::OVERLAPS,
    K::OPERATOR,
    K::ROW,
    K::UNION,
    K::EXCEPT,
    K::INTERSECT,
    K::ORDER,
    K::GROUP,
    K::HAVING,
    K::LIMIT,
    K::OVER,
    K::FILTER,
    K::WITHIN,
    K::CURRENT,
    K::NEW,
    K::OLD,
];

/// True when `w` can be read as a plain name: quoted, or a word without a special meaning.
pub fn plain_name(w: &Word) -> bool {
    w.quote_style.is_some() || !SPECIAL.contains(&w.keyword)
}

/// SQL value functions written without parentheses.
const BARE_FUNCTIONS: &[K] = &[
    K::CURRENT_TIMESTAMP,
    K::CURRENT_DATE,
    K::CURRENT_TIME,
    K::LOCALTIMESTAMP,
    K::LOCALTIME,
];

/// The expression that is exactly significant tokens `from..to`, as sqlparser prints it.
pub fn expr(toks: &Tokens, from: usize, to: usize) -> Option<String> {
    let sig = toks.sig.get(..to)?;
    let mut reader = ExprReader { sig, i: from };
    let text = reader.expr(0)?;
    (reader.i == to).then_some(text)
}

/// Reads an expression, printing it as it goes.
struct ExprReader<'a> {
    sig: &'a [Tok],
    i: usize,
}

impl<'a> ExprReader<'a> {
    fn token(&self, k: usize) -> Option<&'a Token> {
        self.sig.get(k).map(|t| &t.token)
    }

    fn kw(&self, k: usize) -> Option<K> {
        match self.token(k)? {
            Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
            _ => None,
        }
    }

    /// Operands joined by operators: `a > 0 AND b IS NOT NULL`.
    fn expr(&mut self, depth: usize) -> Option<String> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut out = self.unary(depth)?;
        while self.i < self.sig.len() {
            let k = self.i;
            match (self.kw(k), self.kw(k + 1), self.kw(k + 2)) {
                (Some(K::IS), Some(K::NOT), Some(K::NULL)) => {
                    out.push_str(" IS NOT NULL");
                    self.i += 3;
                    continue;
                }
                (Some(K::IS), Some(K::NULL), _) => {
                    out.push_str(" IS NULL");
                    self.i += 2;
                    continue;
                }
                (Some(K::IN), _, _) => {
                    out.push_str(" IN ");
                    self.i += 1;
                    out.push_str(&self.list(depth)?);
                    continue;
                }
                (Some(K::NOT), Some(K::IN), _) => {
                    out.push_str(" NOT IN ");
                    self.i += 2;
                    out.push_str(&self.list(depth)?);
                    continue;
                }
                _ => {}
            }
            let Some((op, len)) = self.operator(k) else {
                break;
            };
            self.i += len;
            let rhs = self.unary(depth)?;
            out.push(' ');
            out.push_str(op);
            out.push(' ');
            out.push_str(&rhs);
        }
        Some(out)
    }

    /// The binary operator at `k`, as printed, and how many tokens it takes.
    fn operator(&self, k: usize) -> Option<(&'static str, usize)> {
        let op = match self.token(k)? {
            Token::Eq => "=",
            Token::Neq => "<>",
            Token::Lt => "<",
            Token::Gt => ">",
            Token::LtEq => "<=",
            Token::GtEq => ">=",
            Token::Plus => "+",
            Token::Minus => "-",
            Token::Mul => "*",
            Token::Div => "/",
            Token::StringConcat => "||",
            Token::Tilde => "~",
            Token::Word(_) => {
                return match (self.kw(k)?, self.kw(k + 1)) {
                    (K::AND, _) => Some(("AND", 1)),
                    (K::OR, _) => Some(("OR", 1)),
                    (K::LIKE, _) => Some(("LIKE", 1)),
                    (K::ILIKE, _) => Some(("ILIKE", 1)),
                    (K::NOT, Some(K::LIKE)) => Some(("NOT LIKE", 2)),
                    (K::NOT, Some(K::ILIKE)) => Some(("NOT ILIKE", 2)),
                    (K::BETWEEN, _) => Some(("BETWEEN", 1)),
                    (K::AT, Some(K::TIME)) if self.kw(k + 2) == Some(K::ZONE) => {
                        Some(("AT TIME ZONE", 3))
                    }
                    (K::NOT, Some(K::BETWEEN)) => Some(("NOT BETWEEN", 2)),
                    _ => None,
                };
            }
            _ => return None,
        };
        Some((op, 1))
    }

    /// `NOT x`, `-x`, or an operand.
    fn unary(&mut self, depth: usize) -> Option<String> {
        match (self.kw(self.i), self.token(self.i)?) {
            (Some(K::NOT), _) => {
                self.i += 1;
                Some(format!("NOT {}", self.unary(depth + 1)?))
            }
            (_, Token::Minus) => {
                self.i += 1;
                Some(format!("-{}", self.unary(depth + 1)?))
            }
            _ => self.postfix(depth),
        }
    }

    /// An operand with its casts: `'{}'::jsonb` prints `'{}'::JSONB`.
    fn postfix(&mut self, depth: usize) -> Option<String> {
        let mut out = self.primary(depth)?;
        while matches!(self.token(self.i), Some(Token::DoubleColon)) {
            let (ty, next) = data_type_in(self.sig, self.i + 1)?;
            out.push_str("::");
            out.push_str(&ty);
            self.i = next;
        }
        Some(out)
    }

    fn primary(&mut self, depth: usize) -> Option<String> {
        let k = self.i;
        let out = match self.token(k)? {
            Token::Number(n, false) => {
                self.i += 1;
                n.clone()
            }
            Token::SingleQuotedString(s) => {
                // A doubled quote or a backslash would be printed escaped again.
                if s.contains(['\'', '\\']) {
                    return None;
                }
                self.i += 1;
                format!("'{s}'")
            }
            Token::LParen => {
                self.i += 1;
                let inner = self.expr(depth + 1)?;
                if !matches!(self.token(self.i), Some(Token::RParen)) {
                    return None;
                }
                self.i += 1;
                format!("({inner})")
            }
            Token::Word(w) => return self.word(w, depth),
            _ => return None,
        };
        Some(out)
    }

    /// A literal keyword, an array, a value function, a call or a column.
    fn word(&mut self, w: &Word, depth: usize) -> Option<String> {
        let k = self.i;
        let next = self.token(k + 1);
        if w.quote_style.is_none() {
            match w.keyword {
                K::TRUE | K::FALSE | K::NULL => {
                    self.i += 1;
                    return Some(match w.keyword {
                        K::TRUE => "true".into(),
                        K::FALSE => "false".into(),
                        _ => "NULL".into(),
                    });
                }
                kw if BARE_FUNCTIONS.contains(&kw) => {
                    if matches!(next, Some(Token::LParen | Token::Period)) {
                        return None;
                    }
                    self.i += 1;
                    return Some(w.value.clone());
                }
                K::ARRAY if matches!(next, Some(Token::LBracket)) => {
                    self.i += 2;
                    let items = self.items(depth, &Token::RBracket)?;
                    return Some(format!("ARRAY[{items}]"));
                }
                _ => {}
            }
        }
        // sqlparser reads `trim(x)` as its TRIM expression, printed in upper case.
        if w.quote_style.is_none() && w.keyword == K::TRIM && matches!(next, Some(Token::LParen)) {
            self.i += 2;
            let inner = self.expr(depth + 1)?;
            if !matches!(self.token(self.i), Some(Token::RParen)) {
                return None;
            }
            self.i += 1;
            return Some(format!("TRIM({inner})"));
        }
        let (name, after) = name_path(self.sig, k)?;
        self.i = after;
        if !matches!(self.token(after), Some(Token::LParen)) {
            return Some(name);
        }
        self.i += 1;
        let args = self.items(depth, &Token::RParen)?;
        Some(format!("{name}({args})"))
    }

    /// Comma-separated expressions up to `close` (consumed), printed `a, b`.
    fn items(&mut self, depth: usize, close: &Token) -> Option<String> {
        if self.token(self.i)? == close {
            self.i += 1;
            return Some(String::new());
        }
        let mut out = String::new();
        loop {
            out.push_str(&self.expr(depth + 1)?);
            match self.token(self.i)? {
                Token::Comma => {
                    out.push_str(", ");
                    self.i += 1;
                }
                t if t == close => {
                    self.i += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    /// The parenthesised list of `IN (…)`.
    fn list(&mut self, depth: usize) -> Option<String> {
        if !matches!(self.token(self.i), Some(Token::LParen)) {
            return None;
        }
        self.i += 1;
        if matches!(self.token(self.i), Some(Token::RParen)) {
            return None;
        }
        Some(format!("({})", self.items(depth, &Token::RParen)?))
    }
}

/// [`data_type`] over a slice of tokens.
fn data_type_in(sig: &[Tok], i: usize) -> Option<(String, usize)> {
    let (mut text, mut k) = base_type(sig, i)?;
    // `[]` suffixes; a size inside the brackets is left to sqlparser.
    while matches!(sig.get(k).map(|t| &t.token), Some(Token::LBracket)) {
        if !matches!(sig.get(k + 1).map(|t| &t.token), Some(Token::RBracket)) {
            return None;
        }
        text.push_str("[]");
        k += 2;
    }
    Some((text, k))
}

fn word(t: &Tok) -> Option<&Word> {
    match &t.token {
        Token::Word(w) => Some(w),
        _ => None,
    }
}

fn is_kw(sig: &[Tok], i: usize, kw: K) -> bool {
    matches!(sig.get(i).map(|t| &t.token), Some(Token::Word(w)) if w.quote_style.is_none() && w.keyword == kw)
}

fn is_token(sig: &[Tok], i: usize, token: &Token) -> bool {
    sig.get(i).is_some_and(|t| &t.token == token)
}
