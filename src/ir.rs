//! bellows' own model of what a migration statement does.
//!
//! Rules, the context and the lock model read this, never sqlparser's AST: the AST changes
//! every release and does not cover everything PostgreSQL accepts, so the parser path
//! (`lower.rs`), the direct reader of the common DDL (`direct/`) and the token fallback
//! (`fallback/`) all produce these types.

use crate::ident::{Name, QualifiedName};
use crate::locks::LockMode;
use crate::source::Span;

/// One statement of a migration file, lowered.
#[derive(Debug, Clone)]
pub struct Statement {
    /// The statement text's byte range in the file (without its `;`).
    pub span: Span,
    /// The leading keywords (`CREATE INDEX`, `ALTER TABLE`): the default place to point at.
    pub keyword_span: Span,
    /// What it does.
    pub op: Op,
    /// How bellows read it.
    pub origin: Origin,
    /// The `CONCURRENTLY` keyword, when the statement has one at its top level.
    pub concurrently: Option<Span>,
    /// True when the statement stands inside a `DO` block's body.
    pub in_do_block: bool,
}

/// How a statement was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read in full: sqlparser parsed it and it was lowered from the AST, or `direct` read
    /// it from its tokens into the IR that lowering would give.
    Parsed,
    /// sqlparser rejected it; the token fallback recognised it.
    Fallback,
    /// Read by its leading keywords only, because no rule or context fact needs more of it
    /// (`GRANT`, `REVOKE`, policies, the bodies of `CREATE FUNCTION`): it is not
    /// tokenized or parsed, which saves a third of the work on real migrations.
    Skimmed,
    /// A PostgreSQL command neither path models in detail. `command` names it (`GRANT`).
    Unanalyzed {
        /// The command's leading keywords, upper case.
        command: String,
    },
    /// Not SQL: no PostgreSQL command starts this way.
    ParseError {
        /// The parser's message.
        message: String,
        /// Where the parser stopped.
        at: Span,
    },
}

/// What a statement does, in migration terms.
#[derive(Debug, Clone)]
pub enum Op {
    /// `CREATE TABLE`.
    CreateTable(CreateTable),
    /// `CREATE [UNIQUE] INDEX`.
    CreateIndex(CreateIndex),
    /// `ALTER TABLE … action, action`.
    AlterTable(AlterTable),
    /// `DROP <kind> …`.
    Drop(Drop),
    /// `CREATE [OR REPLACE] <kind> name …` for views, materialized views, types, domains,
    /// functions, procedures, sequences and schemas: read so that later statements know the
    /// object is new.
    CreateObject {
        /// What is created.
        kind: ObjectKind,
        /// Its name.
        name: QualifiedName,
        /// The labels of `CREATE TYPE … AS ENUM (…)`, in order; `None` for anything else.
        enum_values: Option<Vec<String>>,
    },
    /// `ALTER TYPE name ADD VALUE …` or `… RENAME VALUE …`: a change to an enum's labels.
    AlterEnum {
        /// The enum type.
        name: QualifiedName,
        /// What changes.
        change: EnumChange,
    },
    /// `ALTER <kind> name RENAME TO new` for objects other than tables and columns.
    RenameObject {
        /// What is renamed.
        kind: ObjectKind,
        /// Its current name.
        name: QualifiedName,
        /// The new name.
        to: Name,
    },
    /// `ALTER <kind> name SET SCHEMA s` for objects other than tables.
    SetObjectSchema {
        /// What is moved.
        kind: ObjectKind,
        /// Its name.
        name: QualifiedName,
        /// The new schema.
        schema: Name,
    },
    /// `REINDEX`.
    Reindex {
        /// `INDEX`, `TABLE`, `SCHEMA`, `DATABASE` or `SYSTEM`.
        target: ObjectKind,
        /// The named object, when there is one.
        name: Option<QualifiedName>,
    },
    /// `CLUSTER [table]`.
    Cluster {
        /// The table, when named.
        table: Option<QualifiedName>,
    },
    /// `VACUUM`.
    Vacuum {
        /// `VACUUM FULL` (rewrites under ACCESS EXCLUSIVE).
        full: bool,
        /// The tables named, if any.
        tables: Vec<QualifiedName>,
    },
    /// `REFRESH MATERIALIZED VIEW`.
    RefreshMaterializedView {
        /// The view.
        name: QualifiedName,
    },
    /// `TRUNCATE`.
    Truncate {
        /// The tables.
        tables: Vec<QualifiedName>,
    },
    /// `UPDATE`.
    Update {
        /// The table.
        table: QualifiedName,
        /// True when there is a WHERE clause.
        has_where: bool,
        /// The `SET` list, when it reads on its own: every target a plain column, and no
        /// alias or `FROM` list that values could name. Empty otherwise.
        assignments: Vec<Assignment>,
        /// The `WHERE` condition, when there is one and it reads on its own (as above).
        filter: Option<Expr>,
    },
    /// `DELETE`.
    Delete {
        /// The table.
        table: QualifiedName,
        /// True when there is a WHERE clause.
        has_where: bool,
        /// The `WHERE` condition, when there is one and it reads on its own: no alias or
        /// `USING` list that it could name.
        filter: Option<Expr>,
    },
    /// `INSERT`.
    Insert {
        /// The table.
        table: QualifiedName,
    },
    /// `SET [LOCAL|SESSION] name = value`.
    Set {
        /// The setting, folded (`lock_timeout`).
        name: String,
        /// True for `SET LOCAL`.
        local: bool,
        /// The value as written.
        value: String,
    },
    /// `LOCK TABLE`.
    Lock {
        /// The tables.
        tables: Vec<QualifiedName>,
        /// `IN … MODE`; ACCESS EXCLUSIVE when the statement names none.
        mode: LockMode,
        /// `ONLY` before every table: partitions and inheritance children are not locked.
        only: bool,
    },
    /// `ANALYZE [table, …]`.
    Analyze {
        /// The tables named; none for the whole database.
        tables: Vec<QualifiedName>,
    },
    /// `CREATE [OR REPLACE] [CONSTRAINT] TRIGGER … ON table`.
    CreateTrigger {
        /// The table (or view) the trigger is on.
        table: QualifiedName,
    },
    /// `COMMENT ON …`.
    Comment {
        /// `TABLE` (also for `COLUMN`), `VIEW`, `MATERIALIZED VIEW`, `INDEX` or `SEQUENCE`;
        /// `Other` for objects that are not relations.
        kind: ObjectKind,
        /// The relation whose comment, or whose column's comment, changes; `None` for
        /// objects that are not relations.
        relation: Option<QualifiedName>,
    },
    /// `BEGIN` / `START TRANSACTION`.
    Begin,
    /// `COMMIT` / `END`.
    Commit,
    /// `ROLLBACK` / `ABORT` (not `ROLLBACK TO SAVEPOINT`).
    Rollback,
    /// `DO $$ … $$`: its inner statements follow it as their own statements.
    Do {
        /// What its body runs that bellows does not read: for each `EXECUTE` of a string
        /// built at run time, the string's leading literal, when it has one. `None` when the
        /// body cannot be read (another language, text that does not tokenize).
        dynamic: Option<Vec<Option<String>>>,
    },
    /// `GRANT`, `SELECT`, `CREATE POLICY`, `COMMENT`, …: read, nothing modelled.
    Other {
        /// The command's leading keywords, upper case (`CREATE FUNCTION`).
        command: String,
    },
}

/// A change to an enum type's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumChange {
    /// `ADD VALUE [IF NOT EXISTS] 'v' [BEFORE | AFTER 'w']`.
    AddValue {
        /// The new label.
        value: String,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
        /// `BEFORE 'w'` or `AFTER 'w'`; at the end when absent.
        position: Option<EnumPosition>,
    },
    /// `RENAME VALUE 'a' TO 'b'`.
    RenameValue {
        /// The current label.
        from: String,
        /// The new label.
        to: String,
    },
}

/// Where `ADD VALUE` puts a new enum label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnumPosition {
    /// `BEFORE 'label'`.
    Before(String),
    /// `AFTER 'label'`.
    After(String),
}

/// `DROP <kind> name, …`.
#[derive(Debug, Clone)]
pub struct Drop {
    /// What is dropped.
    pub kind: ObjectKind,
    /// The objects.
    pub names: Vec<QualifiedName>,
    /// `IF EXISTS`.
    pub if_exists: bool,
    /// `CASCADE`.
    pub cascade: bool,
}

/// The kind of a database object, as `DROP`, `ALTER` and `REINDEX` name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// TABLE
    Table,
    /// INDEX
    Index,
    /// VIEW
    View,
    /// MATERIALIZED VIEW
    MaterializedView,
    /// SCHEMA
    Schema,
    /// TYPE (also DOMAIN)
    Type,
    /// FUNCTION
    Function,
    /// PROCEDURE
    Procedure,
    /// SEQUENCE
    Sequence,
    /// DATABASE
    Database,
    /// SYSTEM (REINDEX SYSTEM)
    System,
    /// TRIGGER
    Trigger,
    /// EXTENSION
    Extension,
    /// Anything else (POLICY, ROLE, …)
    Other,
}

impl ObjectKind {
    /// The SQL keyword(s) for this kind.
    pub fn sql(self) -> &'static str {
        match self {
            ObjectKind::Table => "TABLE",
            ObjectKind::Index => "INDEX",
            ObjectKind::View => "VIEW",
            ObjectKind::MaterializedView => "MATERIALIZED VIEW",
            ObjectKind::Schema => "SCHEMA",
            ObjectKind::Type => "TYPE",
            ObjectKind::Function => "FUNCTION",
            ObjectKind::Procedure => "PROCEDURE",
            ObjectKind::Sequence => "SEQUENCE",
            ObjectKind::Database => "DATABASE",
            ObjectKind::System => "SYSTEM",
            ObjectKind::Trigger => "TRIGGER",
            ObjectKind::Extension => "EXTENSION",
            ObjectKind::Other => "OBJECT",
        }
    }
}

/// `CREATE TABLE`.
#[derive(Debug, Clone)]
pub struct CreateTable {
    /// The table.
    pub table: QualifiedName,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// Column definitions in order.
    pub columns: Vec<ColumnDef>,
    /// Table constraints (column constraints are on the columns).
    pub constraints: Vec<Constraint>,
    /// `PARTITION OF parent`, when present.
    pub partition_of: Option<QualifiedName>,
    /// `TEMPORARY` / `TEMP`: the table lives only as long as the session.
    pub temporary: bool,
    /// The table has columns besides `columns`, taken from elsewhere: `AS query`,
    /// `INHERITS (parent)`, `LIKE other`, `OF type`.
    pub other_columns: bool,
}

/// `CREATE INDEX`.
#[derive(Debug, Clone)]
pub struct CreateIndex {
    /// The index name, when given.
    pub name: Option<QualifiedName>,
    /// The table.
    pub table: QualifiedName,
    /// `UNIQUE`.
    pub unique: bool,
    /// `CONCURRENTLY`.
    pub concurrently: bool,
    /// `IF NOT EXISTS`.
    pub if_not_exists: bool,
    /// `ON ONLY` (partitioned parent only).
    pub only: bool,
    /// The text from the first word through the table name, for suggestions that rewrite
    /// the head of the statement.
    pub head: Span,
    /// The indexed columns and expressions, in order.
    pub columns: Vec<IndexElement>,
    /// `INCLUDE (…)` columns.
    pub include: Vec<Name>,
    /// The access method of `USING method`, folded (`gin`); `None` for the default, btree.
    pub method: Option<String>,
    /// `WHERE …`: a partial index.
    pub partial: bool,
}

/// One key of an index.
#[derive(Debug, Clone)]
pub enum IndexElement {
    /// A column, by name.
    Column(Name),
    /// An expression (`lower(email)`).
    Expression(Expr),
}

/// `ALTER TABLE`.
#[derive(Debug, Clone)]
pub struct AlterTable {
    /// The table.
    pub table: QualifiedName,
    /// `IF EXISTS`.
    pub if_exists: bool,
    /// `ONLY`.
    pub only: bool,
    /// Its actions in order.
    pub actions: Vec<Action>,
}

/// One action of an `ALTER TABLE`.
#[derive(Debug, Clone)]
pub struct Action {
    /// The action's text (`ALTER COLUMN x SET NOT NULL`).
    pub span: Span,
    /// The words a finding about it underlines (`SET NOT NULL`).
    pub focus: Span,
    /// What it does.
    pub kind: ActionKind,
}

/// What an `ALTER TABLE` action does.
#[derive(Debug, Clone)]
pub enum ActionKind {
    /// `ADD [COLUMN]`.
    AddColumn {
        /// The new column.
        column: ColumnDef,
        /// `IF NOT EXISTS`.
        if_not_exists: bool,
    },
    /// `DROP [COLUMN]`.
    DropColumn {
        /// The column.
        column: Name,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `RENAME [COLUMN] a TO b`.
    RenameColumn {
        /// Old name.
        from: Name,
        /// New name.
        to: Name,
    },
    /// `ALTER [COLUMN] c [SET DATA] TYPE t [COLLATE …] [USING …]`.
    AlterColumnType {
        /// The column.
        column: Name,
        /// The new type.
        data_type: TypeName,
        /// A `USING` expression is present.
        using: bool,
    },
    /// `ALTER COLUMN c SET NOT NULL`.
    SetNotNull {
        /// The column.
        column: Name,
    },
    /// `ALTER COLUMN c DROP NOT NULL`.
    DropNotNull {
        /// The column.
        column: Name,
    },
    /// `ALTER COLUMN c SET DEFAULT e`.
    SetDefault {
        /// The column.
        column: Name,
        /// The default.
        default: Expr,
    },
    /// `ALTER COLUMN c DROP DEFAULT`.
    DropDefault {
        /// The column.
        column: Name,
    },
    /// `ADD [CONSTRAINT n] …`.
    AddConstraint(Constraint),
    /// `VALIDATE CONSTRAINT n`.
    ValidateConstraint {
        /// The constraint.
        name: Name,
    },
    /// `DROP CONSTRAINT n`.
    DropConstraint {
        /// The constraint.
        name: Name,
        /// `IF EXISTS`.
        if_exists: bool,
    },
    /// `RENAME CONSTRAINT a TO b`.
    RenameConstraint {
        /// Old name.
        from: Name,
        /// New name.
        to: Name,
    },
    /// `RENAME TO new`.
    RenameTable {
        /// The new name.
        to: Name,
    },
    /// `SET SCHEMA s`.
    SetSchema {
        /// The new schema.
        schema: Name,
    },
    /// `ATTACH PARTITION p FOR VALUES …`.
    AttachPartition {
        /// The partition.
        partition: QualifiedName,
    },
    /// `DETACH PARTITION p [CONCURRENTLY | FINALIZE]`.
    DetachPartition {
        /// The partition.
        partition: QualifiedName,
        /// `CONCURRENTLY`.
        concurrently: bool,
        /// `FINALIZE`.
        finalize: bool,
    },
    /// Anything else (`OWNER TO`, `ENABLE ROW LEVEL SECURITY`, …), by its leading words.
    Other {
        /// The action's leading keywords, upper case.
        description: String,
    },
}

/// A column definition (`CREATE TABLE` or `ADD COLUMN`).
#[derive(Debug, Clone)]
pub struct ColumnDef {
    /// The column.
    pub name: Name,
    /// Its type.
    pub data_type: TypeName,
    /// `NOT NULL` (also implied by `PRIMARY KEY`).
    pub not_null: bool,
    /// `DEFAULT e`.
    pub default: Option<Expr>,
    /// `GENERATED … AS IDENTITY`.
    pub identity: bool,
    /// `GENERATED ALWAYS AS (e) STORED`.
    pub generated_stored: bool,
    /// Inline constraints (`PRIMARY KEY`, `UNIQUE`, `REFERENCES`, `CHECK`).
    pub constraints: Vec<Constraint>,
    /// The whole definition.
    pub span: Span,
}

impl ColumnDef {
    /// The column `name` of type `data_type`, defined by the text at `span`, before any of
    /// its options is read.
    pub fn new(name: Name, data_type: TypeName, span: Span) -> Self {
        ColumnDef {
            name,
            data_type,
            not_null: false,
            default: None,
            identity: false,
            generated_stored: false,
            constraints: Vec::new(),
            span,
        }
    }

    /// True for `serial`, `bigserial` and `smallserial`: an integer column whose default
    /// draws from a new sequence.
    pub fn is_serial(&self) -> bool {
        matches!(
            self.data_type.base(),
            "serial" | "bigserial" | "smallserial"
        )
    }

    /// True when the column has a value for existing rows without a `DEFAULT`: identity,
    /// serial and generated columns.
    pub fn has_implicit_value(&self) -> bool {
        self.identity || self.generated_stored || self.is_serial()
    }

    /// The `DEFAULT`, unless it is the `NULL` literal (which is no default at all).
    pub fn non_null_default(&self) -> Option<&Expr> {
        self.default.as_ref().filter(|d| !d.is_null)
    }
}

/// A type as written, with a normalised name for comparisons.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeName {
    /// The type as sqlparser prints it, lower case (`varchar(255)`, `timestamp with time zone`).
    pub text: String,
    /// Where it stands in the file.
    pub span: Span,
    /// `canonical_type` of `text`, worked out once: rules ask for it again and again.
    base: &'static str,
}

impl TypeName {
    /// The type written `text` (lower case) at `span`.
    pub fn new(text: String, span: Span) -> Self {
        TypeName {
            base: canonical_type(&text),
            text,
            span,
        }
    }

    /// The canonical base name without modifiers or array brackets: `int`, `integer` and
    /// `int4` are all `integer`; `varchar(20)` is `character varying`.
    pub fn base(&self) -> &'static str {
        self.base
    }

    /// True for `type[]` (and `type ARRAY`).
    pub fn is_array(&self) -> bool {
        self.text.ends_with(']') || self.text.ends_with(" array")
    }

    /// The type's modifiers (see [`type_modifiers`]).
    pub fn modifiers(&self) -> Option<Vec<u32>> {
        type_modifiers(&self.text)
    }
}

/// The numbers in parentheses after a lower-case type text's name: `varchar(20)` has `[20]`,
/// `numeric(10, 2)` `[10, 2]`, `timestamp(3) with time zone` `[3]`, `text` none. `None` when
/// the parentheses hold anything else (`geometry(point, 4326)`), which bellows cannot compare.
pub fn type_modifiers(text: &str) -> Option<Vec<u32>> {
    let t = text.trim();
    let t = t.split('[').next().unwrap_or(t);
    let Some(open) = t.find('(') else {
        return Some(Vec::new());
    };
    let inside = t.get(open + 1..)?;
    let close = inside.find(')')?;
    inside[..close]
        .split(',')
        .map(|p| p.trim().parse().ok())
        .collect()
}

/// Canonical base type for a lower-case type text. Unknown types map to `""`.
pub fn canonical_type(text: &str) -> &'static str {
    let t = text.trim();
    let t = t.split('[').next().unwrap_or(t).trim();
    let head = t.split('(').next().unwrap_or(t).trim();
    let head = head.rsplit('.').next().unwrap_or(head).trim_matches('"');
    // Asked of every column's type: the zone is looked for only in time types.
    let tz = || t.contains("with time zone") && !t.contains("without time zone");
    match head {
        "int" | "integer" | "int4" => "integer",
        "smallint" | "int2" => "smallint",
        "bigint" | "int8" => "bigint",
        "serial" | "serial4" => "serial",
        "bigserial" | "serial8" => "bigserial",
        "smallserial" | "serial2" => "smallserial",
        "varchar" | "character varying" => "character varying",
        "char" | "character" | "bpchar" => "character",
        "text" => "text",
        "json" => "json",
        "jsonb" => "jsonb",
        "timestamptz" => "timestamp with time zone",
        "timestamp" if tz() => "timestamp with time zone",
        "timestamp" => "timestamp without time zone",
        "timetz" => "time with time zone",
        "time" if tz() => "time with time zone",
        "time" => "time without time zone",
        "numeric" | "decimal" => "numeric",
        "boolean" | "bool" => "boolean",
        "uuid" => "uuid",
        "date" => "date",
        "real" | "float4" => "real",
        "double precision" | "float8" | "double" => "double precision",
        "bytea" => "bytea",
        "inet" => "inet",
        "cidr" => "cidr",
        "varbit" | "bit varying" => "bit varying",
        _ if head.starts_with("character varying") => "character varying",
        _ if head.starts_with("timestamp") && tz() => "timestamp with time zone",
        _ if head.starts_with("timestamp") => "timestamp without time zone",
        _ => "",
    }
}

/// An expression, reduced to what rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expr {
    /// The expression's text as written.
    pub text: String,
    /// Where it stands.
    pub span: Span,
    /// Functions it calls, folded, without schema (`gen_random_uuid`, `now`).
    pub calls: Vec<String>,
    /// True when the expression is the `NULL` literal.
    pub is_null: bool,
    /// The identifiers it names outside function names, type names and qualifiers, folded:
    /// the columns it may read (keywords such as `and` can be among them: match them against
    /// known column names).
    pub idents: Vec<String>,
}

/// One `column = value` of an `UPDATE … SET` list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The column set.
    pub column: Name,
    /// The value, as written.
    pub value: Expr,
}

/// A table constraint.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// `CONSTRAINT name`, when given.
    pub name: Option<Name>,
    /// What it is.
    pub kind: ConstraintKind,
    /// Its columns (empty for CHECK and EXCLUDE).
    pub columns: Vec<Name>,
    /// `USING INDEX name` (UNIQUE / PRIMARY KEY built from an existing index).
    pub using_index: Option<Name>,
    /// `NOT VALID`.
    pub not_valid: bool,
    /// The constraint's text, from `CONSTRAINT name` (or its first keyword) to its end; for
    /// a column constraint only its own words (`REFERENCES users (id)`).
    pub span: Span,
}

impl Constraint {
    /// Where the constraint's text stands without its `CONSTRAINT name` prefix (`FOREIGN
    /// KEY (a) REFERENCES b`), for suggestions that re-add it under another name or form.
    pub fn body_span(&self) -> Span {
        match &self.name {
            Some(n) if self.span.start <= n.span.start && n.span.end <= self.span.end => {
                Span::new(n.span.end, self.span.end)
            }
            _ => self.span,
        }
    }
}

/// The kind of a constraint.
#[derive(Debug, Clone)]
pub enum ConstraintKind {
    /// PRIMARY KEY.
    PrimaryKey,
    /// UNIQUE.
    Unique,
    /// CHECK (expr).
    Check {
        /// The expression.
        expr: Expr,
        /// When the expression is exactly `col IS NOT NULL`, that column.
        not_null_column: Option<Name>,
    },
    /// FOREIGN KEY … REFERENCES table.
    ForeignKey {
        /// The referenced table.
        references: QualifiedName,
    },
    /// EXCLUDE USING ….
    Exclude,
}

impl Action {
    /// The constraints this action adds: the one of `ADD CONSTRAINT`, or the inline
    /// constraints of `ADD COLUMN` with that column.
    pub fn added_constraints(&self) -> Vec<(&Constraint, Option<&ColumnDef>)> {
        match &self.kind {
            ActionKind::AddConstraint(c) => vec![(c, None)],
            ActionKind::AddColumn { column, .. } => column
                .constraints
                .iter()
                .map(|c| (c, Some(column)))
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// A set of kinds of [`Op`]: the statements a rule looks at, so that the walk need not
/// call it for the others (most rules look at one kind; a statement is asked of every
/// rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpKinds(u32);

impl OpKinds {
    /// Every statement.
    pub const ALL: OpKinds = OpKinds(u32::MAX);
    /// `CREATE TABLE`.
    pub const CREATE_TABLE: OpKinds = OpKinds(1);
    /// `CREATE INDEX`.
    pub const CREATE_INDEX: OpKinds = OpKinds(1 << 1);
    /// `ALTER TABLE`.
    pub const ALTER_TABLE: OpKinds = OpKinds(1 << 2);
    /// `DROP …`.
    pub const DROP: OpKinds = OpKinds(1 << 3);
    /// `ALTER … RENAME TO` of an object other than a table.
    pub const RENAME_OBJECT: OpKinds = OpKinds(1 << 4);
    /// `REINDEX`.
    pub const REINDEX: OpKinds = OpKinds(1 << 5);
    /// `CLUSTER`.
    pub const CLUSTER: OpKinds = OpKinds(1 << 6);
    /// `VACUUM`.
    pub const VACUUM: OpKinds = OpKinds(1 << 7);
    /// `REFRESH MATERIALIZED VIEW`.
    pub const REFRESH_MATERIALIZED_VIEW: OpKinds = OpKinds(1 << 8);
    /// `TRUNCATE`.
    pub const TRUNCATE: OpKinds = OpKinds(1 << 9);
    /// `BEGIN`.
    pub const BEGIN: OpKinds = OpKinds(1 << 10);
    /// Every other kind.
    const OTHER: OpKinds = OpKinds(1 << 31);

    /// The kinds of both sets.
    pub const fn or(self, other: OpKinds) -> OpKinds {
        OpKinds(self.0 | other.0)
    }

    /// True when the sets share a kind.
    pub fn intersects(self, other: OpKinds) -> bool {
        self.0 & other.0 != 0
    }

    /// The kind of `op`, as a set of one.
    pub fn of(op: &Op) -> OpKinds {
        match op {
            Op::CreateTable(_) => OpKinds::CREATE_TABLE,
            Op::CreateIndex(_) => OpKinds::CREATE_INDEX,
            Op::AlterTable(_) => OpKinds::ALTER_TABLE,
            Op::Drop(_) => OpKinds::DROP,
            Op::RenameObject { .. } => OpKinds::RENAME_OBJECT,
            Op::Reindex { .. } => OpKinds::REINDEX,
            Op::Cluster { .. } => OpKinds::CLUSTER,
            Op::Vacuum { .. } => OpKinds::VACUUM,
            Op::RefreshMaterializedView { .. } => OpKinds::REFRESH_MATERIALIZED_VIEW,
            Op::Truncate { .. } => OpKinds::TRUNCATE,
            Op::Begin => OpKinds::BEGIN,
            _ => OpKinds::OTHER,
        }
    }
}

impl Statement {
    /// The statement as an `ALTER TABLE`, if it is one.
    pub fn alter_table(&self) -> Option<&AlterTable> {
        match &self.op {
            Op::AlterTable(a) => Some(a),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_types() {
        for (text, want) in [
            ("int", "integer"),
            ("int4", "integer"),
            ("varchar(255)", "character varying"),
            ("character varying(20)", "character varying"),
            ("timestamp", "timestamp without time zone"),
            ("timestamp(3) with time zone", "timestamp with time zone"),
            (
                "timestamp(3) without time zone",
                "timestamp without time zone",
            ),
            ("timestamptz", "timestamp with time zone"),
            ("text[]", "text"),
            ("pg_catalog.int8", "bigint"),
            ("my_enum", ""),
        ] {
            assert_eq!(canonical_type(text), want, "{text}");
        }
    }

    #[test]
    fn modifiers_are_the_numbers_after_the_name() {
        for (text, want) in [
            ("varchar(20)", Some(vec![20])),
            ("numeric(10,2)", Some(vec![10, 2])),
            ("numeric(30, 6)", Some(vec![30, 6])),
            ("timestamp(3) with time zone", Some(vec![3])),
            ("bit varying(5)[]", Some(vec![5])),
            ("text", Some(vec![])),
            ("varchar[]", Some(vec![])),
            ("public.geometry(point, 4326)", None),
            ("varchar(20", None),
        ] {
            assert_eq!(type_modifiers(text), want, "{text}");
        }
    }
}
