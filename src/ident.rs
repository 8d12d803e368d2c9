//! Identifiers as PostgreSQL compares them, and as the user wrote them.

use crate::source::Span;
use std::fmt;

/// One identifier of the user's SQL: `users`, `"Users"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// The identifier's text without quotes (`""` inside quotes already undoubled).
    pub value: String,
    /// True when written in double quotes (then case is kept).
    pub quoted: bool,
    /// Where it stands in the file.
    pub span: Span,
}

impl Name {
    /// A name as written: `quoted` keeps its case, an unquoted one folds to lower case.
    pub fn new(value: impl Into<String>, quoted: bool, span: Span) -> Self {
        Name {
            value: value.into(),
            quoted,
            span,
        }
    }

    /// The name PostgreSQL stores: unquoted names fold to lower case.
    pub fn folded(&self) -> String {
        fold(&self.value, self.quoted)
    }

    /// True when the name folds to `stored` (a folded name), without folding a copy.
    pub fn folds_to(&self, stored: &str) -> bool {
        if self.quoted {
            self.value == stored
        } else if self.value.is_ascii() {
            folds_to(&self.value, stored)
        } else {
            self.folded() == stored
        }
    }

    /// True when both name the same object.
    pub fn same_as(&self, other: &Name) -> bool {
        // Rules compare names for every statement: ASCII names, nearly all of them, are
        // compared without folding copies.
        match (self.quoted, other.quoted) {
            _ if !(self.value.is_ascii() && other.value.is_ascii()) => {
                self.folded() == other.folded()
            }
            (true, true) => self.value == other.value,
            (false, false) => self.value.eq_ignore_ascii_case(&other.value),
            (true, false) => folds_to(&other.value, &self.value),
            (false, true) => folds_to(&self.value, &other.value),
        }
    }

    /// The name rendered in SQL the way the user wrote it (quotes kept).
    pub fn sql(&self) -> String {
        let mut out = String::with_capacity(self.value.len() + 2);
        self.push_sql(&mut out);
        out
    }

    /// Appends [`Name::sql`] to `out`.
    fn push_sql(&self, out: &mut String) {
        if self.quoted {
            push_quoted(&self.value, out);
        } else {
            out.push_str(&self.value);
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql())
    }
}

/// A possibly schema-qualified name: `users`, `"public"."users"`, `app.users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualifiedName {
    /// The schema, when one is written.
    pub schema: Option<Name>,
    /// The object's own name.
    pub name: Name,
}

impl QualifiedName {
    /// The key PostgreSQL would resolve: an unqualified name is taken to be in `public`.
    pub fn key(&self) -> ObjectKey {
        ObjectKey {
            schema: self
                .schema
                .as_ref()
                .map_or_else(|| "public".to_string(), Name::folded),
            name: self.name.folded(),
        }
    }

    /// True when `key` is [`QualifiedName::key`], without building the key.
    pub fn has_key(&self, key: &ObjectKey) -> bool {
        self.name.folds_to(&key.name)
            && self
                .schema
                .as_ref()
                .map_or(key.schema == "public", |s| s.folds_to(&key.schema))
    }

    /// Span from the schema (if any) to the end of the name.
    pub fn span(&self) -> Span {
        match &self.schema {
            Some(s) => s.span.to(self.name.span),
            None => self.name.span,
        }
    }

    /// Rendered as the user wrote it.
    pub fn sql(&self) -> String {
        let Some(schema) = &self.schema else {
            return self.name.sql();
        };
        // Messages and suggestions name tables this way, often: no formatting machinery.
        let mut out = String::with_capacity(schema.value.len() + self.name.value.len() + 5);
        schema.push_sql(&mut out);
        out.push('.');
        self.name.push_sql(&mut out);
        out
    }

    /// The bare object name, folded, for messages and generated names.
    pub fn display_name(&self) -> String {
        self.name.folded()
    }

    /// This name after `RENAME TO to`: same schema, new name.
    pub fn renamed(&self, to: &Name) -> QualifiedName {
        QualifiedName {
            schema: self.schema.clone(),
            name: to.clone(),
        }
    }

    /// This name after `SET SCHEMA schema`.
    pub fn moved(&self, schema: &Name) -> QualifiedName {
        QualifiedName {
            schema: Some(schema.clone()),
            name: self.name.clone(),
        }
    }
}

impl fmt::Display for QualifiedName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sql())
    }
}

/// A resolved object identity: folded schema and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectKey {
    /// Folded schema name (`public` when none was written).
    pub schema: String,
    /// Folded object name.
    pub name: String,
}

/// True when the unquoted ASCII name `bare` folds to `stored`.
fn folds_to(bare: &str, stored: &str) -> bool {
    bare.len() == stored.len()
        && bare
            .bytes()
            .zip(stored.bytes())
            .all(|(b, s)| b.to_ascii_lowercase() == s)
}

/// Folds an identifier the PostgreSQL way: quoted names keep their case.
pub fn fold(value: &str, quoted: bool) -> String {
    if quoted {
        value.to_string()
    } else if value.is_ascii() {
        // Names are folded for every lookup; nearly all are ASCII.
        value.to_ascii_lowercase()
    } else {
        value.to_lowercase()
    }
}

/// Double-quotes an identifier, doubling embedded quotes.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    push_quoted(value, &mut out);
    out
}

/// Appends [`quote`] of `value` to `out`.
fn push_quoted(value: &str, out: &mut String) {
    out.push('"');
    for (i, part) in value.split('"').enumerate() {
        if i > 0 {
            out.push_str("\"\"");
        }
        out.push_str(part);
    }
    out.push('"');
}

/// Renders a new identifier (one bellows invents, like a constraint name) in the style of
/// `like`: quoted if the user quotes, bare otherwise when the name allows it.
pub fn render_like(value: &str, like: &Name) -> String {
    if like.quoted {
        quote(value)
    } else {
        render(value)
    }
}

/// Renders a stored (folded) name: bare when it reads the same unquoted, quoted otherwise.
pub fn render(value: &str) -> String {
    let bare_ok = value
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if bare_ok {
        value.to_string()
    } else {
        quote(value)
    }
}

/// The longest identifier PostgreSQL keeps, in bytes (`NAMEDATALEN - 1`).
pub const MAX_IDENTIFIER: usize = 63;

/// A PostgreSQL identifier is at most 63 bytes; longer generated names are cut like
/// PostgreSQL cuts them, on a character boundary.
pub fn truncate_identifier(value: &str) -> String {
    cut(value, MAX_IDENTIFIER).to_string()
}

/// `value` cut to at most `max` bytes, on a character boundary.
fn cut(value: &str, max: usize) -> &str {
    let mut end = max.min(value.len());
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    &value[..end]
}

/// The name PostgreSQL gives an object it names itself (`makeObjectName`):
/// `<name1>_<name2>_<label>` (`orders_user_id_fkey`; without `name2` when it is empty),
/// where the longer of `name1` and `name2` is shortened first until the whole fits in 63
/// bytes.
pub fn make_object_name(name1: &str, name2: &str, label: &str) -> String {
    let overhead = label.len() + 1 + usize::from(!name2.is_empty());
    let avail = MAX_IDENTIFIER.saturating_sub(overhead);
    let (mut a, mut b) = (name1.len(), name2.len());
    while a + b > avail {
        if a > b {
            a -= 1;
        } else {
            b -= 1;
        }
    }
    if name2.is_empty() {
        format!("{}_{label}", cut(name1, a))
    } else {
        format!("{}_{}_{label}", cut(name1, a), cut(name2, b))
    }
}

/// `base`, or when `taken` says it is in use, the first of `base_1`, `base_2`, … that is not,
/// each cut to fit 63 bytes: a name bellows invents that must not collide with one the
/// catalog knows.
pub fn first_free(base: &str, taken: impl Fn(&str) -> bool) -> String {
    let base = truncate_identifier(base);
    if !taken(&base) {
        return base;
    }
    // Finitely many names are known, so a free one comes quickly; the bound keeps the loop
    // finite whatever `taken` says.
    let mut name = base.clone();
    for n in 1..=10_000u32 {
        let suffix = format!("_{n}");
        name = format!("{}{suffix}", cut(&base, MAX_IDENTIFIER - suffix.len()));
        if !taken(&name) {
            break;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(v: &str, q: bool) -> Name {
        Name::new(v, q, Span::default())
    }

    #[test]
    fn unquoted_names_fold_quoted_names_do_not() {
        assert!(n("Users", false).same_as(&n("users", true)));
        assert!(!n("Users", true).same_as(&n("users", false)));
    }

    /// `same_as` compares ASCII names without folding copies: it must agree with comparing
    /// the folded names, whatever the quoting, case and alphabet.
    #[test]
    fn same_as_agrees_with_folded_names() {
        let values = [
            "users",
            "Users",
            "USERS",
            "user",
            "usersx",
            "Ünïcode",
            "ünïcode",
            "",
        ];
        for a in values {
            for b in values {
                for (qa, qb) in [(false, false), (false, true), (true, false), (true, true)] {
                    let (x, y) = (n(a, qa), n(b, qb));
                    assert_eq!(
                        x.same_as(&y),
                        x.folded() == y.folded(),
                        "{a:?} quoted {qa} / {b:?} quoted {qb}"
                    );
                }
            }
        }
    }

    /// `has_key` compares without building the key: it must agree with comparing keys.
    #[test]
    fn has_key_agrees_with_key() {
        let values = [
            "users",
            "Users",
            "USERS",
            "public",
            "Public",
            "app",
            "Ünïcode",
            "",
        ];
        let names = values.iter().flat_map(|v| [n(v, false), n(v, true)]);
        let schemas: Vec<Option<Name>> = std::iter::once(None)
            .chain(
                values
                    .iter()
                    .flat_map(|v| [Some(n(v, false)), Some(n(v, true))]),
            )
            .collect();
        let qualified: Vec<QualifiedName> = names
            .flat_map(|name| {
                schemas.iter().map(move |schema| QualifiedName {
                    schema: schema.clone(),
                    name: name.clone(),
                })
            })
            .collect();
        for a in &qualified {
            for b in &qualified {
                assert_eq!(a.has_key(&b.key()), a.key() == b.key(), "{a:?} / {b:?}");
            }
        }
    }

    #[test]
    fn public_is_the_default_schema() {
        let a = QualifiedName {
            schema: Some(n("public", true)),
            name: n("users", true),
        };
        let b = QualifiedName {
            schema: None,
            name: n("USERS", false),
        };
        assert_eq!(a.key(), b.key());
        let c = QualifiedName {
            schema: Some(n("app", false)),
            name: n("users", false),
        };
        assert_ne!(a.key(), c.key());
    }

    #[test]
    fn quoting_is_kept_and_escaped() {
        assert_eq!(n("a\"b", true).sql(), "\"a\"\"b\"");
        assert_eq!(n("\"", true).sql(), "\"\"\"\"");
        let qualified = QualifiedName {
            schema: Some(n("My\"Schema", true)),
            name: n("Users", false),
        };
        assert_eq!(qualified.sql(), "\"My\"\"Schema\".Users");
        assert_eq!(fold("Users", false), "users");
        assert_eq!(fold("ÜSERS", false), "üsers");
        assert_eq!(fold("Users", true), "Users");
        assert_eq!(
            render_like("users_email_idx", &n("x", false)),
            "users_email_idx"
        );
        assert_eq!(
            render_like("users_email_idx", &n("x", true)),
            "\"users_email_idx\""
        );
        assert_eq!(render_like("Users_idx", &n("x", false)), "\"Users_idx\"");
    }

    #[test]
    fn generated_names_follow_postgresql() {
        assert_eq!(
            make_object_name("orders", "user_id", "fkey"),
            "orders_user_id_fkey"
        );
        assert_eq!(make_object_name("orders", "", "pkey"), "orders_pkey");
        let n = make_object_name(&"a".repeat(60), &"b".repeat(10), "key");
        assert_eq!(n.len(), 63);
        assert!(n.ends_with("_bbbbbbbbbb_key"), "{n}");
    }

    #[test]
    fn free_names_take_a_number() {
        let taken = ["t_a_key", "t_a_key_1"];
        assert_eq!(first_free("t_b_key", |n| taken.contains(&n)), "t_b_key");
        assert_eq!(first_free("t_a_key", |n| taken.contains(&n)), "t_a_key_2");
        let long = "x".repeat(63);
        let free = first_free(&long, |n| n == long);
        assert_eq!(free.len(), 63);
        assert!(free.ends_with("x_1"), "{free}");
    }

    #[test]
    fn long_names_are_cut_to_63_bytes() {
        let long = "é".repeat(40);
        let cut = truncate_identifier(&long);
        assert!(cut.len() <= 63);
        assert!(cut.chars().all(|c| c == 'é'));
    }
}
