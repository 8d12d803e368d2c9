//! The lock model: per statement and PostgreSQL version, which lock it takes on each
//! relation involved, what that blocks, whether it rewrites or scans them, and whether it
//! may run inside a transaction block. The one place these PostgreSQL facts are written;
//! rules, the context and `bellows locks` read them.
//!
//! Sources: the PostgreSQL documentation's "Explicit Locking" table and the pages of each
//! command; `tests/pg_locks.rs` runs every statement kind on a real server and compares what
//! it does with what this module says, and where the two disagreed this module follows the
//! server (see `docs/locks.md`).
//!
//! Some relations a statement locks are not named in it: the indexes of a table it rewrites,
//! the partitions of a partitioned table, the tables a foreign key references. The model
//! names them by their relation to what the statement names ([`Relation::IndexesOf`], …);
//! a reader that knows the schema resolves them.

use crate::ident::{Name, QualifiedName};
use crate::ir::{
    ActionKind, AlterTable, ColumnDef, Constraint, ConstraintKind, EnumChange, ObjectKind, Op,
    Statement, TypeName,
};
use crate::pg_version::PgVersion;
use crate::volatility::{self, VolatileCall};
use serde::Serialize;

/// PostgreSQL's table-level lock modes, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LockMode {
    /// ACCESS SHARE (SELECT).
    AccessShare,
    /// ROW SHARE (SELECT FOR UPDATE).
    RowShare,
    /// ROW EXCLUSIVE (INSERT, UPDATE, DELETE).
    RowExclusive,
    /// SHARE UPDATE EXCLUSIVE (VACUUM, CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT).
    ShareUpdateExclusive,
    /// SHARE (CREATE INDEX).
    Share,
    /// SHARE ROW EXCLUSIVE (ADD FOREIGN KEY, CREATE TRIGGER).
    ShareRowExclusive,
    /// EXCLUSIVE (REFRESH MATERIALIZED VIEW CONCURRENTLY).
    Exclusive,
    /// ACCESS EXCLUSIVE (most ALTER TABLE forms, DROP, TRUNCATE).
    AccessExclusive,
}

impl LockMode {
    /// The mode's name as PostgreSQL's documentation writes it.
    pub fn name(self) -> &'static str {
        match self {
            LockMode::AccessShare => "ACCESS SHARE",
            LockMode::RowShare => "ROW SHARE",
            LockMode::RowExclusive => "ROW EXCLUSIVE",
            LockMode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            LockMode::Share => "SHARE",
            LockMode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            LockMode::Exclusive => "EXCLUSIVE",
            LockMode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The name with the article it takes, for messages: "an ACCESS EXCLUSIVE", "a SHARE".
    pub fn with_article(self) -> String {
        let article = match self {
            LockMode::AccessShare | LockMode::AccessExclusive | LockMode::Exclusive => "an",
            _ => "a",
        };
        format!("{article} {}", self.name())
    }

    /// True when the lock stops the application's traffic: it conflicts with the ROW
    /// EXCLUSIVE lock every INSERT, UPDATE and DELETE takes (and, at the top, with reads).
    pub fn blocks_traffic(self) -> bool {
        self >= LockMode::Share
    }

    /// What ordinary traffic this mode makes wait: reads (ACCESS SHARE) conflict only with
    /// ACCESS EXCLUSIVE; writes (ROW EXCLUSIVE) with SHARE and stronger; schema changes
    /// with SHARE UPDATE EXCLUSIVE and stronger.
    pub fn blocks(self) -> Vec<Blocked> {
        let mut b = Vec::new();
        if self == LockMode::AccessExclusive {
            b.push(Blocked::Reads);
        }
        if self.blocks_traffic() {
            b.push(Blocked::Writes);
        }
        if self >= LockMode::ShareUpdateExclusive {
            b.push(Blocked::Ddl);
        }
        b
    }

    /// "reads and writes", "writes": for messages.
    pub fn blocks_phrase(self) -> &'static str {
        match self {
            LockMode::AccessExclusive => "blocks reads and writes",
            m if m >= LockMode::Share => "blocks writes",
            m if m >= LockMode::ShareUpdateExclusive => "blocks other schema changes",
            _ => "blocks ACCESS EXCLUSIVE locks only",
        }
    }
}

impl Serialize for LockMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// Traffic a lock makes wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Blocked {
    /// SELECT.
    Reads,
    /// INSERT, UPDATE, DELETE.
    Writes,
    /// Other schema changes, VACUUM, index builds.
    Ddl,
}

/// What one statement does to one relation under its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockFacts {
    /// The lock taken on the relation.
    pub mode: LockMode,
    /// True when every row is copied into new storage (and, for a table, every index
    /// rebuilt).
    pub rewrite: bool,
    /// True when every row is read (to check, to build an index, to compute) while the lock
    /// is held.
    pub scan: bool,
}

impl LockFacts {
    const fn catalog(mode: LockMode) -> Self {
        LockFacts {
            mode,
            rewrite: false,
            scan: false,
        }
    }

    const fn scan(mode: LockMode) -> Self {
        LockFacts {
            mode,
            rewrite: false,
            scan: true,
        }
    }

    const fn rewrite(mode: LockMode) -> Self {
        LockFacts {
            mode,
            rewrite: true,
            scan: true,
        }
    }

    /// Two operations of one statement on the same relation: the statement takes the
    /// stronger lock for all of them, and rewrites or scans if either does.
    fn and(self, other: LockFacts) -> LockFacts {
        LockFacts {
            mode: self.mode.max(other.mode),
            rewrite: self.rewrite || other.rewrite,
            scan: self.scan || other.scan,
        }
    }
}

/// A relation a statement locks: one it names, or one it reaches through a name (the
/// indexes of a table, the tables a foreign key references), which a reader that knows the
/// schema resolves to the relations themselves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Relation {
    /// A table, partition, view, materialized view or sequence the statement names.
    Table(QualifiedName),
    /// An index the statement names.
    Index(QualifiedName),
    /// The table of an index the statement names: `DROP INDEX` and `REINDEX INDEX` lock it
    /// without naming it.
    TableOfIndex(QualifiedName),
    /// Every index of the table (or materialized view): rebuilt by a rewrite, by `REINDEX
    /// TABLE`, dropped with the table.
    IndexesOf(QualifiedName),
    /// Every partition of the table, when it is partitioned: most `ALTER TABLE` actions,
    /// `CREATE INDEX`, `LOCK`, `TRUNCATE` and `DROP` reach them under the same lock.
    PartitionsOf(QualifiedName),
    /// The table constraint `constraint` of `table` references, when it is a foreign key:
    /// `VALIDATE CONSTRAINT` reads it, `DROP CONSTRAINT` drops the constraint's triggers on it.
    ConstraintTarget {
        /// The table the constraint is on.
        table: QualifiedName,
        /// The constraint.
        constraint: Name,
    },
    /// Every table the foreign keys of the table reference: `INSERT` checks new rows there,
    /// `DROP TABLE` drops the keys' triggers there.
    ReferencedTables(QualifiedName),
    /// Every table with a foreign key to the table: `DELETE` checks them for rows pointing
    /// at deleted ones, `DROP TABLE … CASCADE` drops their keys.
    ReferencingTables(QualifiedName),
    /// Every table the query of the view (or materialized view) reads.
    ViewTables(QualifiedName),
}

impl Relation {
    /// What the relation is, for people: `users`, `index users_email_idx`, `each index of
    /// users`, `the table orders_user_fk references`.
    pub fn describe(&self) -> String {
        match self {
            Relation::Table(t) => t.sql(),
            Relation::Index(i) => format!("index {}", i.sql()),
            Relation::TableOfIndex(i) => format!("the table of {}", i.sql()),
            Relation::IndexesOf(t) => format!("each index of {}", t.sql()),
            Relation::PartitionsOf(t) => format!("each partition of {}", t.sql()),
            // Constraint names are unique per table: the table is left out, to keep it short.
            Relation::ConstraintTarget { constraint, .. } => {
                format!("the table {} references", constraint.sql())
            }
            Relation::ReferencedTables(t) => format!("each table {} references", t.sql()),
            Relation::ReferencingTables(t) => format!("each table referencing {}", t.sql()),
            Relation::ViewTables(v) => format!("each table {} reads", v.sql()),
        }
    }

    /// What kind of relation it is, one word for machines: `table`, `index`,
    /// `table_of_index`, `indexes`, `partitions`, `constraint_target`, `referenced_tables`,
    /// `referencing_tables`, `view_tables`.
    pub fn kind(&self) -> &'static str {
        match self {
            Relation::Table(_) => "table",
            Relation::Index(_) => "index",
            Relation::TableOfIndex(_) => "table_of_index",
            Relation::IndexesOf(_) => "indexes",
            Relation::PartitionsOf(_) => "partitions",
            Relation::ConstraintTarget { .. } => "constraint_target",
            Relation::ReferencedTables(_) => "referenced_tables",
            Relation::ReferencingTables(_) => "referencing_tables",
            Relation::ViewTables(_) => "view_tables",
        }
    }

    /// True when both stand for the same relations.
    fn same(&self, other: &Relation) -> bool {
        use Relation::*;
        match (self, other) {
            (Table(x), Table(y))
            | (Index(x), Index(y))
            | (TableOfIndex(x), TableOfIndex(y))
            | (IndexesOf(x), IndexesOf(y))
            | (PartitionsOf(x), PartitionsOf(y))
            | (ReferencedTables(x), ReferencedTables(y))
            | (ReferencingTables(x), ReferencingTables(y))
            | (ViewTables(x), ViewTables(y)) => x.key() == y.key(),
            (
                ConstraintTarget {
                    table: t1,
                    constraint: c1,
                },
                ConstraintTarget {
                    table: t2,
                    constraint: c2,
                },
            ) => t1.key() == t2.key() && c1.same_as(c2),
            _ => false,
        }
    }
}

/// One lock one statement takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationLock {
    /// What is locked.
    pub relation: Relation,
    /// The lock and what the statement does under it.
    pub facts: LockFacts,
}

/// What the lock model may ask about the schema as it stands before a statement. Without
/// an answer it assumes the costlier case: a column type change rewrites, `SET NOT NULL`
/// and `ATTACH PARTITION` scan.
pub trait Schema {
    /// The type of `table.column`, when known.
    fn column_type(&self, _table: &QualifiedName, _column: &Name) -> Option<TypeName> {
        None
    }

    /// True when a validated `CHECK (column IS NOT NULL)` on `table` is known.
    fn proves_not_null(&self, _table: &QualifiedName, _column: &Name) -> bool {
        false
    }

    /// True when a validated CHECK constraint on `partition` is known, one that may prove
    /// the rows fit the partition bound.
    fn proves_partition_bound(&self, _partition: &QualifiedName) -> bool {
        false
    }
}

/// A schema nothing is known of.
pub struct UnknownSchema;

impl Schema for UnknownSchema {}

/// Why `ADD COLUMN` rewrites every row of the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddColumnRewrite {
    /// `serial`, `bigserial`, `smallserial`: each row gets its own `nextval()`.
    Serial,
    /// `GENERATED … AS IDENTITY`: each row gets its own sequence value.
    Identity,
    /// `GENERATED ALWAYS AS (…) STORED`: computed and stored for each row.
    GeneratedStored,
    /// A volatile default is computed for each row.
    VolatileDefault(VolatileCall),
    /// Before PostgreSQL 11, every non-null default is written into each row.
    DefaultBefore11,
}

/// Whether and why adding `column` to an existing table rewrites it on `pg`.
pub fn add_column_rewrite(column: &ColumnDef, pg: PgVersion) -> Option<AddColumnRewrite> {
    if column.is_serial() {
        return Some(AddColumnRewrite::Serial);
    }
    if column.identity {
        return Some(AddColumnRewrite::Identity);
    }
    if column.generated_stored {
        return Some(AddColumnRewrite::GeneratedStored);
    }
    let default = column.non_null_default()?;
    if let Some(call) = volatility::volatile_call(default) {
        return Some(AddColumnRewrite::VolatileDefault(call));
    }
    (!pg.at_least(11)).then_some(AddColumnRewrite::DefaultBefore11)
}

/// True when `ALTER COLUMN … TYPE new` rewrites the table: unless the old type is known and
/// binary coercible to the new one with no check needed (`varchar(n)` to a longer
/// `varchar`, to `varchar` or to `text`; `text` to `varchar`; `numeric(p,s)` to a wider
/// precision of the same scale or to `numeric`; the same type), every row is rewritten. A
/// `USING` expression counts as a rewrite.
pub fn alter_column_type_rewrites(old: Option<&TypeName>, new: &TypeName, using: bool) -> bool {
    let Some(old) = old else { return true };
    if using || old.is_array() != new.is_array() {
        return true;
    }
    let squash = |t: &TypeName| t.text.split_whitespace().collect::<String>();
    if squash(old) == squash(new) {
        return false;
    }
    let (from, to) = (old.base(), new.base());
    let limit = |t: &TypeName| type_modifiers(&t.text);
    match (from, to) {
        ("character varying" | "text", "text") | ("cidr", "inet") => false,
        ("text", "character varying") => !limit(new).is_empty(),
        ("character varying", "character varying") | ("bit varying", "bit varying") => {
            match (limit(old).first(), limit(new).first()) {
                (_, None) => false,
                (Some(a), Some(b)) => b < a,
                (None, Some(_)) => true,
            }
        }
        ("numeric", "numeric") => match (limit(old).as_slice(), limit(new).as_slice()) {
            (_, []) => false,
            ([p, s], [p2, s2]) => !(s == s2 && p2 >= p),
            ([p], [p2]) => p2 < p,
            ([p], [p2, 0]) => p2 < p,
            _ => true,
        },
        _ => true,
    }
}

/// The numbers in a type's parentheses: `varchar(20)` gives `[20]`, `numeric(10,2)` gives
/// `[10, 2]`.
fn type_modifiers(text: &str) -> Vec<u32> {
    let inner = text
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map_or("", |(inside, _)| inside);
    inner
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// True when a validated `CHECK (column IS NOT NULL)` lets `SET NOT NULL` skip its scan on
/// `pg` (from PostgreSQL 12).
pub fn not_null_check_skips_scan(pg: PgVersion) -> bool {
    pg.at_least(12)
}

/// The lock an `ALTER TABLE` action takes on its table (for ATTACH and DETACH PARTITION,
/// the partitioned table), knowing nothing of the schema.
pub fn alter_table_action(kind: &ActionKind, pg: PgVersion) -> LockFacts {
    table_action(None, kind, pg, &UnknownSchema)
}

/// The lock an `ALTER TABLE` action takes on `table`, with what `schema` knows: a type
/// change that is binary coercible from the known old type does not rewrite, and `SET NOT
/// NULL` proven by a validated CHECK does not scan.
pub fn alter_table_action_in(
    table: &QualifiedName,
    kind: &ActionKind,
    pg: PgVersion,
    schema: &dyn Schema,
) -> LockFacts {
    table_action(Some(table), kind, pg, schema)
}

fn table_action(
    table: Option<&QualifiedName>,
    kind: &ActionKind,
    pg: PgVersion,
    schema: &dyn Schema,
) -> LockFacts {
    use LockMode::*;
    match kind {
        ActionKind::AddColumn { column, .. } => {
            if add_column_rewrite(column, pg).is_some() {
                LockFacts::rewrite(AccessExclusive)
            } else if column
                .constraints
                .iter()
                .any(|c| checks_new_column(c, column))
            {
                LockFacts::scan(AccessExclusive)
            } else {
                LockFacts::catalog(AccessExclusive)
            }
        }
        ActionKind::SetNotNull { column } => {
            let proven = table.is_some_and(|t| schema.proves_not_null(t, column));
            if proven && not_null_check_skips_scan(pg) {
                LockFacts::catalog(AccessExclusive)
            } else {
                LockFacts::scan(AccessExclusive)
            }
        }
        ActionKind::AlterColumnType {
            column,
            data_type,
            using,
        } => {
            let old = table.and_then(|t| schema.column_type(t, column));
            if alter_column_type_rewrites(old.as_ref(), data_type, *using) {
                LockFacts::rewrite(AccessExclusive)
            } else {
                LockFacts::catalog(AccessExclusive)
            }
        }
        ActionKind::AddConstraint(c) => match &c.kind {
            ConstraintKind::ForeignKey { .. } if c.not_valid => {
                LockFacts::catalog(ShareRowExclusive)
            }
            ConstraintKind::ForeignKey { .. } => LockFacts::scan(ShareRowExclusive),
            ConstraintKind::Check { .. } if c.not_valid => LockFacts::catalog(AccessExclusive),
            ConstraintKind::PrimaryKey | ConstraintKind::Unique if c.using_index.is_some() => {
                LockFacts::catalog(AccessExclusive)
            }
            _ => LockFacts::scan(AccessExclusive),
        },
        ActionKind::ValidateConstraint { .. } => LockFacts::scan(ShareUpdateExclusive),
        // From 12 the parent takes SHARE UPDATE EXCLUSIVE; the partition is locked (and
        // scanned) on its own, see `partition_lock`.
        ActionKind::AttachPartition { .. } if pg.at_least(12) => {
            LockFacts::catalog(ShareUpdateExclusive)
        }
        ActionKind::DetachPartition {
            concurrently,
            finalize,
            ..
        } if *concurrently || *finalize => LockFacts::catalog(ShareUpdateExclusive),
        ActionKind::Other { description } => other_action(description),
        _ => LockFacts::catalog(AccessExclusive),
    }
}

/// True when adding `c` with the new `column` reads the table: a CHECK is checked and a
/// UNIQUE or PRIMARY KEY index built over every row; a foreign key is checked only when
/// the column gets a non-null default (an all-null new column cannot violate it).
fn checks_new_column(c: &Constraint, column: &ColumnDef) -> bool {
    match c.kind {
        ConstraintKind::ForeignKey { .. } => column.non_null_default().is_some(),
        _ => c.using_index.is_none(),
    }
}

/// The lock of an `ALTER TABLE` action bellows knows by its leading words only.
fn other_action(description: &str) -> LockFacts {
    use LockMode::*;
    let words: Vec<&str> = description.split(' ').collect();
    match words.as_slice() {
        // Column statistics and attribute options (`SET (n_distinct = …)`), storage
        // parameters (`SET (fillfactor = …)`; PostgreSQL takes ACCESS EXCLUSIVE for the
        // rare `user_catalog_table`), the clustering index: planner and maintenance data.
        ["ALTER", "COLUMN", "SET", "STATISTICS", ..]
        | ["ALTER", "COLUMN", "SET" | "RESET"]
        | ["SET" | "RESET"]
        | ["CLUSTER", "ON", ..]
        | ["SET", "WITHOUT", "CLUSTER"] => LockFacts::catalog(ShareUpdateExclusive),
        ["ENABLE" | "DISABLE", rest @ ..] if rest.contains(&"TRIGGER") => {
            LockFacts::catalog(ShareRowExclusive)
        }
        // New storage, every row copied: WAL-logged or not, another tablespace or table
        // access method.
        ["SET", "LOGGED" | "UNLOGGED"]
        | ["SET", "TABLESPACE", ..]
        | ["SET", "ACCESS", "METHOD"] => LockFacts::rewrite(AccessExclusive),
        _ => LockFacts::catalog(AccessExclusive),
    }
}

/// True when a partitioned table passes the action on to its partitions, under the same
/// lock: changes to columns and constraints do; renaming or moving the table, ownership,
/// row security, triggers, storage parameters and partition changes do not.
fn reaches_partitions(kind: &ActionKind) -> bool {
    match kind {
        ActionKind::AddColumn { .. }
        | ActionKind::DropColumn { .. }
        | ActionKind::RenameColumn { .. }
        | ActionKind::AlterColumnType { .. }
        | ActionKind::SetNotNull { .. }
        | ActionKind::DropNotNull { .. }
        | ActionKind::SetDefault { .. }
        | ActionKind::DropDefault { .. }
        | ActionKind::AddConstraint(_)
        | ActionKind::ValidateConstraint { .. }
        | ActionKind::DropConstraint { .. } => true,
        ActionKind::Other { description } => description.starts_with("ALTER COLUMN"),
        _ => false,
    }
}

/// The lock ATTACH or DETACH PARTITION takes on the partition itself: ACCESS EXCLUSIVE
/// (in the second of DETACH CONCURRENTLY's two transactions), and for ATTACH a scan that
/// proves every row fits the partition bound unless a validated CHECK already does.
fn partition_lock(kind: &ActionKind, schema: &dyn Schema) -> Option<(QualifiedName, LockFacts)> {
    match kind {
        ActionKind::AttachPartition { partition } => {
            let facts = if schema.proves_partition_bound(partition) {
                LockFacts::catalog(LockMode::AccessExclusive)
            } else {
                LockFacts::scan(LockMode::AccessExclusive)
            };
            Some((partition.clone(), facts))
        }
        ActionKind::DetachPartition { partition, .. } => Some((
            partition.clone(),
            LockFacts::catalog(LockMode::AccessExclusive),
        )),
        _ => None,
    }
}

/// Every lock a statement takes, strongest facts per relation, knowing nothing of the
/// schema. See [`statement_in`].
pub fn statement(stmt: &Statement, pg: PgVersion) -> Vec<RelationLock> {
    statement_in(stmt, pg, &UnknownSchema)
}

/// Every lock a statement takes on `pg`, strongest facts per relation, with what `schema`
/// knows. Statements that lock nothing bellows can name (`REINDEX DATABASE`, `CLUSTER`
/// without a table, `CREATE VIEW`, whose query the IR does not read) give none.
///
/// Not modelled: the weak locks of foreign key checks when `UPDATE` changes a key column;
/// `TRUNCATE … CASCADE`; `REINDEX TABLE` of a partitioned table; the catalog's own locks.
pub fn statement_in(stmt: &Statement, pg: PgVersion, schema: &dyn Schema) -> Vec<RelationLock> {
    use LockMode::*;
    use Relation::*;
    let concurrently = stmt.concurrently.is_some();
    let mut locks = Vec::new();
    let table = |t: &QualifiedName| Table(t.clone());
    match &stmt.op {
        Op::CreateTable(ct) => {
            // PARTITION OF locks the parent; a foreign key adds triggers to the referenced
            // table, which takes SHARE ROW EXCLUSIVE there. The new table is nobody's yet.
            if let Some(parent) = &ct.partition_of {
                push(
                    &mut locks,
                    table(parent),
                    LockFacts::catalog(AccessExclusive),
                );
            }
            let inline = ct.columns.iter().flat_map(|c| &c.constraints);
            for c in ct.constraints.iter().chain(inline) {
                referenced_table(&mut locks, c, &ct.table, false);
            }
        }
        Op::CreateIndex(ci) => {
            let facts = create_index(ci.concurrently);
            push(&mut locks, table(&ci.table), facts);
            if !ci.only && !ci.concurrently {
                push(&mut locks, PartitionsOf(ci.table.clone()), facts);
            }
        }
        Op::AlterTable(at) => alter_table(&mut locks, at, pg, schema),
        Op::Drop(d) => drop(&mut locks, d, concurrently),
        Op::RenameObject { kind, name, .. } | Op::SetObjectSchema { kind, name, .. } => {
            match kind {
                // From 12, renaming an index takes SHARE UPDATE EXCLUSIVE; moving it to
                // another schema is not possible (it follows its table).
                ObjectKind::Index => {
                    let mode = if pg.at_least(12) {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    };
                    push(&mut locks, Index(name.clone()), LockFacts::catalog(mode));
                }
                ObjectKind::View | ObjectKind::MaterializedView | ObjectKind::Sequence => {
                    push(&mut locks, table(name), LockFacts::catalog(AccessExclusive));
                }
                _ => {}
            }
        }
        Op::Reindex {
            target,
            name: Some(name),
        } => {
            let (table_facts, index_facts) = reindex(concurrently);
            match target {
                ObjectKind::Index => {
                    push(&mut locks, TableOfIndex(name.clone()), table_facts);
                    push(&mut locks, Index(name.clone()), index_facts);
                }
                ObjectKind::Table => {
                    push(&mut locks, table(name), table_facts);
                    push(&mut locks, IndexesOf(name.clone()), index_facts);
                }
                _ => {}
            }
        }
        Op::Cluster { table: Some(t) } => rewrite_table(&mut locks, t, cluster()),
        Op::Vacuum { full, tables } => {
            for t in tables {
                rewrite_table(&mut locks, t, vacuum(*full));
            }
        }
        Op::Analyze { tables } => {
            for t in tables {
                push(
                    &mut locks,
                    table(t),
                    LockFacts::catalog(ShareUpdateExclusive),
                );
            }
        }
        Op::RefreshMaterializedView { name } => {
            let facts = refresh_materialized_view(concurrently);
            push(&mut locks, table(name), facts);
            // The query reruns over its tables; CONCURRENTLY applies the difference to the
            // view with INSERT, UPDATE and DELETE, which take ROW EXCLUSIVE on its indexes.
            push(
                &mut locks,
                ViewTables(name.clone()),
                LockFacts::scan(AccessShare),
            );
            let indexes = if concurrently {
                LockFacts::catalog(RowExclusive)
            } else {
                LockFacts::rewrite(AccessExclusive)
            };
            push(&mut locks, IndexesOf(name.clone()), indexes);
        }
        Op::Truncate { tables } => {
            for t in tables {
                let facts = truncate();
                push(&mut locks, table(t), facts);
                push(&mut locks, IndexesOf(t.clone()), facts);
                push(&mut locks, PartitionsOf(t.clone()), facts);
            }
        }
        Op::Update {
            table: t,
            has_where,
            ..
        } => push(&mut locks, table(t), dml(*has_where)),
        Op::Delete {
            table: t,
            has_where,
            ..
        } => {
            push(&mut locks, table(t), dml(*has_where));
            // The foreign keys' checks read the referencing tables (SELECT … FOR KEY SHARE).
            push(
                &mut locks,
                ReferencingTables(t.clone()),
                LockFacts::catalog(RowShare),
            );
        }
        Op::Insert { table: t } => {
            push(&mut locks, table(t), LockFacts::catalog(RowExclusive));
            // The foreign keys' checks read the referenced rows (SELECT … FOR KEY SHARE).
            push(
                &mut locks,
                ReferencedTables(t.clone()),
                LockFacts::catalog(RowShare),
            );
        }
        Op::Lock { tables, mode, only } => {
            let facts = LockFacts::catalog(*mode);
            for t in tables {
                push(&mut locks, table(t), facts);
                if !only {
                    push(&mut locks, PartitionsOf(t.clone()), facts);
                }
                // From 11 a view is locked with the tables its query reads.
                if pg.at_least(11) {
                    push(&mut locks, ViewTables(t.clone()), facts);
                }
            }
        }
        Op::CreateTrigger { table: t } => {
            push(&mut locks, table(t), LockFacts::catalog(ShareRowExclusive));
        }
        Op::Comment {
            kind,
            relation: Some(r),
        } => {
            let relation = if *kind == ObjectKind::Index {
                Index(r.clone())
            } else {
                table(r)
            };
            push(
                &mut locks,
                relation,
                LockFacts::catalog(ShareUpdateExclusive),
            );
        }
        _ => {}
    }
    locks
}

/// The lock of `UPDATE` or `DELETE` on its table: ROW EXCLUSIVE, and without a WHERE
/// clause every row is read. (With one, whether the rows are found by an index or by a
/// scan is the planner's choice.)
fn dml(has_where: bool) -> LockFacts {
    LockFacts {
        mode: LockMode::RowExclusive,
        rewrite: false,
        scan: !has_where,
    }
}

/// The locks of `DROP`.
fn drop(locks: &mut Vec<RelationLock>, d: &crate::ir::Drop, concurrently: bool) {
    use Relation::*;
    let gone = LockFacts::catalog(LockMode::AccessExclusive);
    for name in &d.names {
        match d.kind {
            ObjectKind::Table => {
                push(locks, Table(name.clone()), gone);
                push(locks, IndexesOf(name.clone()), gone);
                push(locks, PartitionsOf(name.clone()), gone);
                // Its foreign keys' triggers on the tables they reference go with it.
                push(locks, ReferencedTables(name.clone()), gone);
                // Without CASCADE, a table other tables reference cannot be dropped.
                if d.cascade {
                    push(locks, ReferencingTables(name.clone()), gone);
                }
            }
            ObjectKind::MaterializedView => {
                push(locks, Table(name.clone()), gone);
                push(locks, IndexesOf(name.clone()), gone);
            }
            ObjectKind::View | ObjectKind::Sequence => push(locks, Table(name.clone()), gone),
            ObjectKind::Index => {
                let facts = drop_index(concurrently);
                push(locks, TableOfIndex(name.clone()), facts);
                push(locks, Index(name.clone()), facts);
            }
            _ => {}
        }
    }
}

/// A table rewritten or scanned under `facts`; a rewrite rebuilds each of its indexes under
/// the same lock.
fn rewrite_table(locks: &mut Vec<RelationLock>, t: &QualifiedName, facts: LockFacts) {
    push(locks, Relation::Table(t.clone()), facts);
    if facts.rewrite {
        push(locks, Relation::IndexesOf(t.clone()), facts);
    }
}

/// The locks of an `ALTER TABLE`: its table (and its indexes when it is rewritten), its
/// partitions, the tables its foreign keys reference, the index a constraint is made from,
/// and the partition it attaches or detaches.
fn alter_table(locks: &mut Vec<RelationLock>, at: &AlterTable, pg: PgVersion, schema: &dyn Schema) {
    use Relation::*;
    for action in &at.actions {
        let facts = alter_table_action_in(&at.table, &action.kind, pg, schema);
        rewrite_table(locks, &at.table, facts);
        if !at.only && reaches_partitions(&action.kind) {
            push(locks, PartitionsOf(at.table.clone()), facts);
        }
        for (c, column) in action.added_constraints() {
            let checked = match column {
                Some(col) => !c.not_valid && checks_new_column(c, col),
                None => !c.not_valid,
            };
            referenced_table(locks, c, &at.table, checked);
            if let Some(index) = &c.using_index {
                // The index becomes the constraint's: SHARE UPDATE EXCLUSIVE on it. It
                // lives in its table's schema.
                let index = QualifiedName {
                    schema: at.table.schema.clone(),
                    name: index.clone(),
                };
                push(
                    locks,
                    Index(index),
                    LockFacts::catalog(LockMode::ShareUpdateExclusive),
                );
            }
        }
        match &action.kind {
            // When the constraint is a foreign key, its check reads the referenced table
            // (one query joins both tables) under ROW SHARE.
            ActionKind::ValidateConstraint { name } => push(
                locks,
                ConstraintTarget {
                    table: at.table.clone(),
                    constraint: name.clone(),
                },
                LockFacts::scan(LockMode::RowShare),
            ),
            // Dropping a foreign key drops its triggers on the referenced table: ACCESS
            // EXCLUSIVE there too, so reads of both tables wait.
            ActionKind::DropConstraint { name, .. } => push(
                locks,
                ConstraintTarget {
                    table: at.table.clone(),
                    constraint: name.clone(),
                },
                LockFacts::catalog(LockMode::AccessExclusive),
            ),
            _ => {}
        }
        if let Some((partition, facts)) = partition_lock(&action.kind, schema) {
            push(locks, Table(partition), facts);
        }
    }
}

/// The lock a foreign key of `table` takes on the table it references (unless that is
/// `table` itself): SHARE ROW EXCLUSIVE, for the triggers it adds there. When the key is
/// `checked`, its check reads the referenced table as well (one query joins both tables).
fn referenced_table(
    locks: &mut Vec<RelationLock>,
    c: &Constraint,
    table: &QualifiedName,
    checked: bool,
) {
    if let ConstraintKind::ForeignKey { references } = &c.kind
        && references.key() != table.key()
    {
        let mode = LockMode::ShareRowExclusive;
        let facts = if checked {
            LockFacts::scan(mode)
        } else {
            LockFacts::catalog(mode)
        };
        push(locks, Relation::Table(references.clone()), facts);
    }
}

/// Adds a lock, merging it with an earlier one on the same relation.
fn push(locks: &mut Vec<RelationLock>, relation: Relation, facts: LockFacts) {
    match locks.iter_mut().find(|l| l.relation.same(&relation)) {
        Some(l) => l.facts = l.facts.and(facts),
        None => locks.push(RelationLock { relation, facts }),
    }
}

/// True when the statement may run inside a transaction block on `pg`. The `CONCURRENTLY`
/// forms of CREATE INDEX, DROP INDEX, REINDEX and DETACH PARTITION, VACUUM, REINDEX of a
/// schema or database, CLUSTER without a table, `ALTER TYPE … ADD VALUE` before 12, and
/// CREATE or DROP DATABASE and TABLESPACE must run on their own. (`REFRESH MATERIALIZED
/// VIEW CONCURRENTLY` may run in one. `REINDEX TABLE` of a partitioned table may not, which
/// the statement alone does not tell.)
pub fn transactional(stmt: &Statement, pg: PgVersion) -> bool {
    let concurrently = stmt.concurrently.is_some();
    match &stmt.op {
        Op::CreateIndex(ci) => !ci.concurrently,
        Op::Drop(d) => match d.kind {
            ObjectKind::Index => !concurrently,
            ObjectKind::Database => false,
            _ => true,
        },
        Op::Reindex { target, .. } => {
            !concurrently && matches!(target, ObjectKind::Index | ObjectKind::Table)
        }
        Op::Vacuum { .. } => false,
        Op::Cluster { table } => table.is_some(),
        Op::AlterTable(at) => !at.actions.iter().any(|a| {
            matches!(
                a.kind,
                ActionKind::DetachPartition {
                    concurrently: true,
                    ..
                }
            )
        }),
        // ADD VALUE may run in a transaction block from PostgreSQL 12.
        Op::AlterEnum {
            change: EnumChange::AddValue { .. },
            ..
        } => pg.at_least(12),
        Op::Other { command } => !matches!(
            command.as_str(),
            "CREATE DATABASE"
                | "DROP DATABASE"
                | "CREATE TABLESPACE"
                | "DROP TABLESPACE"
                | "ALTER SYSTEM"
        ),
        _ => true,
    }
}

/// The lock `DROP INDEX` takes on the index and its table: ACCESS EXCLUSIVE, or SHARE
/// UPDATE EXCLUSIVE with `CONCURRENTLY` (whose last step takes ACCESS EXCLUSIVE on the
/// index when no query can use it any more, so that no one waits for it).
pub fn drop_index(concurrently: bool) -> LockFacts {
    LockFacts::catalog(if concurrently {
        LockMode::ShareUpdateExclusive
    } else {
        LockMode::AccessExclusive
    })
}

/// The locks `REINDEX` takes on the table and on each index it rebuilds: SHARE on the
/// table (writes wait) and ACCESS EXCLUSIVE on the index (so do reads that would use it,
/// and the planner opens every index of a table it plans for); with `CONCURRENTLY`
/// (PostgreSQL 12+), SHARE UPDATE EXCLUSIVE on both while a new index is built and swapped
/// in.
pub fn reindex(concurrently: bool) -> (LockFacts, LockFacts) {
    if concurrently {
        (
            LockFacts::scan(LockMode::ShareUpdateExclusive),
            LockFacts::rewrite(LockMode::ShareUpdateExclusive),
        )
    } else {
        (
            LockFacts::scan(LockMode::Share),
            LockFacts::rewrite(LockMode::AccessExclusive),
        )
    }
}

/// The lock `TRUNCATE` takes on each table it empties, and on its indexes and partitions:
/// ACCESS EXCLUSIVE. They get new, empty storage; no row is copied.
pub fn truncate() -> LockFacts {
    LockFacts::catalog(LockMode::AccessExclusive)
}

/// The lock `CLUSTER` takes on each table it reorders: ACCESS EXCLUSIVE, for a rewrite.
pub fn cluster() -> LockFacts {
    LockFacts::rewrite(LockMode::AccessExclusive)
}

/// The lock `VACUUM` takes on each table: SHARE UPDATE EXCLUSIVE while it reads the pages
/// not known all-visible, or with `FULL` ACCESS EXCLUSIVE for a rewrite.
pub fn vacuum(full: bool) -> LockFacts {
    if full {
        LockFacts::rewrite(LockMode::AccessExclusive)
    } else {
        LockFacts::scan(LockMode::ShareUpdateExclusive)
    }
}

/// The lock `REFRESH MATERIALIZED VIEW` takes on the view: ACCESS EXCLUSIVE while the
/// query reruns, the contents are replaced and read again to rebuild the view's indexes; or
/// EXCLUSIVE (reads go on) with `CONCURRENTLY`, which compares old and new rows.
pub fn refresh_materialized_view(concurrently: bool) -> LockFacts {
    if concurrently {
        LockFacts::scan(LockMode::Exclusive)
    } else {
        LockFacts::rewrite(LockMode::AccessExclusive)
    }
}

/// The lock `CREATE INDEX` takes on its table.
pub fn create_index(concurrently: bool) -> LockFacts {
    if concurrently {
        LockFacts::scan(LockMode::ShareUpdateExclusive)
    } else {
        LockFacts::scan(LockMode::Share)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ident::Name;
    use crate::ir::Origin;
    use crate::source::Span;

    fn read(sql: &str) -> Statement {
        crate::parse::statement(sql, Span::new(0, sql.len()))
    }

    /// Each lock as (relation, mode, rewrite, scan).
    fn locks(sql: &str, pg: u32) -> Vec<(String, &'static str, bool, bool)> {
        shown(statement(&read(sql), PgVersion(pg)))
    }

    fn shown(locks: Vec<RelationLock>) -> Vec<(String, &'static str, bool, bool)> {
        locks
            .into_iter()
            .map(|l| {
                (
                    l.relation.describe(),
                    l.facts.mode.name(),
                    l.facts.rewrite,
                    l.facts.scan,
                )
            })
            .collect()
    }

    fn lock(
        relation: &str,
        mode: &'static str,
        rewrite: bool,
        scan: bool,
    ) -> (String, &'static str, bool, bool) {
        (relation.to_string(), mode, rewrite, scan)
    }

    fn qname(n: &str) -> QualifiedName {
        QualifiedName {
            schema: None,
            name: Name::new(n, false, Span::default()),
        }
    }

    fn type_name(text: &str) -> TypeName {
        TypeName::new(text.into(), Span::default())
    }

    /// A statement the token fallback produces, built by hand.
    fn built(op: Op, concurrently: bool) -> Statement {
        Statement {
            span: Span::default(),
            keyword_span: Span::default(),
            op,
            origin: Origin::Fallback,
            concurrently: concurrently.then(Span::default),
            in_do_block: false,
        }
    }

    #[test]
    fn add_column_rewrites_for_volatile_defaults_and_generated_values() {
        let rw = |sql: &str, pg: u32| locks(sql, pg)[0].2;
        assert!(rw(
            "ALTER TABLE t ADD COLUMN a uuid DEFAULT gen_random_uuid()",
            15
        ));
        assert!(rw("ALTER TABLE t ADD COLUMN a bigserial", 15));
        assert!(rw(
            "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS IDENTITY",
            15
        ));
        assert!(rw(
            "ALTER TABLE t ADD COLUMN a int GENERATED ALWAYS AS (b * 2) STORED",
            15
        ));
        assert!(rw("ALTER TABLE t ADD COLUMN a int DEFAULT my_func()", 15));
        assert!(!rw(
            "ALTER TABLE t ADD COLUMN a timestamptz DEFAULT now()",
            15
        ));
        assert!(!rw(
            "ALTER TABLE t ADD COLUMN a jsonb DEFAULT '{}'::jsonb",
            15
        ));
        assert!(rw("ALTER TABLE t ADD COLUMN a int DEFAULT 0", 10));
        assert!(!rw("ALTER TABLE t ADD COLUMN a int DEFAULT NULL", 10));
        assert!(!rw("ALTER TABLE t ADD COLUMN a int", 10));
    }

    #[test]
    fn a_rewrite_rebuilds_every_index_and_reaches_the_partitions() {
        assert_eq!(
            locks("ALTER TABLE t ADD COLUMN a bigserial", 15),
            vec![
                lock("t", "ACCESS EXCLUSIVE", true, true),
                lock("each index of t", "ACCESS EXCLUSIVE", true, true),
                lock("each partition of t", "ACCESS EXCLUSIVE", true, true),
            ]
        );
        // ONLY keeps the partitions out; renaming the table never reaches them.
        assert_eq!(
            locks("ALTER TABLE ONLY t ALTER COLUMN a SET NOT NULL", 15),
            vec![lock("t", "ACCESS EXCLUSIVE", false, true)]
        );
        assert_eq!(
            locks("ALTER TABLE t RENAME TO u", 15),
            vec![lock("t", "ACCESS EXCLUSIVE", false, false)]
        );
    }

    #[test]
    fn foreign_keys_lock_and_read_both_tables() {
        assert_eq!(
            locks(
                "ALTER TABLE ONLY orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id)",
                15
            ),
            vec![
                lock("orders", "SHARE ROW EXCLUSIVE", false, true),
                lock("users", "SHARE ROW EXCLUSIVE", false, true),
            ]
        );
        assert_eq!(
            locks(
                "ALTER TABLE ONLY orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID",
                15
            ),
            vec![
                lock("orders", "SHARE ROW EXCLUSIVE", false, false),
                lock("users", "SHARE ROW EXCLUSIVE", false, false),
            ]
        );
        // A new column is all null: nothing to check, unless a default fills it.
        assert_eq!(
            locks(
                "ALTER TABLE ONLY orders ADD COLUMN user_id bigint REFERENCES users",
                15
            ),
            vec![
                lock("orders", "ACCESS EXCLUSIVE", false, false),
                lock("users", "SHARE ROW EXCLUSIVE", false, false),
            ]
        );
        assert_eq!(
            locks(
                "ALTER TABLE ONLY orders ADD COLUMN user_id bigint DEFAULT 1 REFERENCES users",
                15
            ),
            vec![
                lock("orders", "ACCESS EXCLUSIVE", false, true),
                lock("users", "SHARE ROW EXCLUSIVE", false, true),
            ]
        );
        assert_eq!(
            locks("CREATE TABLE orders (user_id bigint REFERENCES users)", 15),
            vec![lock("users", "SHARE ROW EXCLUSIVE", false, false)]
        );
        // A CHECK on a new column is checked over every row, even without a default.
        assert!(locks("ALTER TABLE ONLY t ADD COLUMN c int CHECK (c > 0)", 15)[0].3);
    }

    #[test]
    fn validating_or_dropping_a_constraint_reaches_the_table_it_references() {
        assert_eq!(
            locks("ALTER TABLE ONLY orders VALIDATE CONSTRAINT fk", 15),
            vec![
                lock("orders", "SHARE UPDATE EXCLUSIVE", false, true),
                lock("the table fk references", "ROW SHARE", false, true),
            ]
        );
        assert_eq!(
            locks("ALTER TABLE ONLY orders DROP CONSTRAINT fk", 15),
            vec![
                lock("orders", "ACCESS EXCLUSIVE", false, false),
                lock("the table fk references", "ACCESS EXCLUSIVE", false, false),
            ]
        );
    }

    #[test]
    fn one_statement_takes_its_strongest_lock_once_per_relation() {
        assert_eq!(
            locks(
                "ALTER TABLE ONLY t VALIDATE CONSTRAINT c, ALTER COLUMN a TYPE bigint",
                15
            ),
            vec![
                lock("t", "ACCESS EXCLUSIVE", true, true),
                lock("the table c references", "ROW SHARE", false, true),
                lock("each index of t", "ACCESS EXCLUSIVE", true, true),
            ]
        );
    }

    #[test]
    fn type_changes_rewrite_unless_binary_coercible_from_a_known_type() {
        let rewrites = |old: Option<&str>, new: &str| {
            alter_column_type_rewrites(old.map(type_name).as_ref(), &type_name(new), false)
        };
        assert!(rewrites(None, "text"));
        assert!(!rewrites(Some("varchar(10)"), "varchar(20)"));
        assert!(!rewrites(Some("character varying(10)"), "varchar"));
        assert!(!rewrites(Some("varchar(10)"), "text"));
        assert!(!rewrites(Some("text"), "varchar"));
        assert!(rewrites(Some("text"), "varchar(20)"));
        assert!(rewrites(Some("varchar(10)"), "varchar(5)"));
        assert!(rewrites(Some("varchar"), "varchar(5)"));
        assert!(!rewrites(Some("numeric(10,2)"), "numeric(12,2)"));
        assert!(!rewrites(Some("numeric(10,2)"), "numeric"));
        assert!(rewrites(Some("numeric(10,2)"), "numeric(12,3)"));
        assert!(rewrites(Some("int"), "bigint"));
        assert!(!rewrites(Some("int"), "int"));
        assert!(rewrites(Some("varchar(10)[]"), "text"));
        assert!(alter_column_type_rewrites(
            Some(&type_name("varchar(10)")),
            &type_name("varchar(20)"),
            true
        ));
    }

    /// A schema that knows one column's type and one proof.
    struct Known;

    impl Schema for Known {
        fn column_type(&self, _: &QualifiedName, column: &Name) -> Option<TypeName> {
            (column.folded() == "code").then(|| type_name("varchar(10)"))
        }

        fn proves_not_null(&self, _: &QualifiedName, column: &Name) -> bool {
            column.folded() == "n"
        }

        fn proves_partition_bound(&self, partition: &QualifiedName) -> bool {
            partition.name.folded() == "proven"
        }
    }

    #[test]
    fn what_the_schema_knows_spares_rewrites_and_scans() {
        let with = |sql: &str, pg: u32| shown(statement_in(&read(sql), PgVersion(pg), &Known));
        assert_eq!(
            with("ALTER TABLE ONLY t ALTER COLUMN code TYPE varchar(20)", 15),
            vec![lock("t", "ACCESS EXCLUSIVE", false, false)]
        );
        assert!(with("ALTER TABLE ONLY t ALTER COLUMN code TYPE varchar(5)", 15)[0].2);
        assert_eq!(
            with("ALTER TABLE ONLY t ALTER COLUMN n SET NOT NULL", 15),
            vec![lock("t", "ACCESS EXCLUSIVE", false, false)]
        );
        // Before 12 SET NOT NULL scans whatever CHECK proves the column.
        assert!(with("ALTER TABLE ONLY t ALTER COLUMN n SET NOT NULL", 11)[0].3);
        let attach = |partition: &str| {
            let op = Op::AlterTable(AlterTable {
                table: qname("parent"),
                if_exists: false,
                only: false,
                actions: vec![crate::ir::Action {
                    span: Span::default(),
                    focus: Span::default(),
                    kind: ActionKind::AttachPartition {
                        partition: qname(partition),
                    },
                }],
            });
            statement_in(&built(op, false), PgVersion(15), &Known)[1]
                .facts
                .scan
        };
        assert!(attach("unproven"));
        assert!(!attach("proven"));
    }

    #[test]
    fn drop_index_locks_the_index_and_its_table() {
        assert_eq!(
            locks("DROP INDEX i", 15),
            vec![
                lock("the table of i", "ACCESS EXCLUSIVE", false, false),
                lock("index i", "ACCESS EXCLUSIVE", false, false),
            ]
        );
        let concurrent = built(
            Op::Drop(crate::ir::Drop {
                kind: ObjectKind::Index,
                names: vec![qname("i")],
                if_exists: false,
                cascade: false,
            }),
            true,
        );
        assert!(
            statement(&concurrent, PgVersion(15))
                .iter()
                .all(|l| l.facts.mode == LockMode::ShareUpdateExclusive)
        );
        assert!(!transactional(&concurrent, PgVersion(15)));
    }

    #[test]
    fn dropping_a_table_reaches_what_its_foreign_keys_touch() {
        assert_eq!(
            locks("DROP TABLE orders", 15),
            vec![
                lock("orders", "ACCESS EXCLUSIVE", false, false),
                lock("each index of orders", "ACCESS EXCLUSIVE", false, false),
                lock("each partition of orders", "ACCESS EXCLUSIVE", false, false),
                lock(
                    "each table orders references",
                    "ACCESS EXCLUSIVE",
                    false,
                    false
                ),
            ]
        );
        assert!(locks("DROP TABLE users CASCADE", 15).contains(&lock(
            "each table referencing users",
            "ACCESS EXCLUSIVE",
            false,
            false
        )));
        assert_eq!(
            locks("DROP VIEW v", 15),
            vec![lock("v", "ACCESS EXCLUSIVE", false, false)]
        );
    }

    #[test]
    fn data_changes_take_weak_locks_where_foreign_keys_are_checked() {
        assert_eq!(
            locks("INSERT INTO orders (user_id) VALUES (1)", 15),
            vec![
                lock("orders", "ROW EXCLUSIVE", false, false),
                lock("each table orders references", "ROW SHARE", false, false),
            ]
        );
        assert_eq!(
            locks("DELETE FROM users WHERE id = 1", 15),
            vec![
                lock("users", "ROW EXCLUSIVE", false, false),
                lock("each table referencing users", "ROW SHARE", false, false),
            ]
        );
        assert_eq!(
            locks("UPDATE t SET a = 1", 15),
            vec![lock("t", "ROW EXCLUSIVE", false, true)]
        );
    }

    #[test]
    fn explicit_locks_triggers_comments_and_statistics() {
        assert_eq!(
            locks("LOCK TABLE ONLY t IN SHARE MODE", 15),
            vec![
                lock("t", "SHARE", false, false),
                lock("each table t reads", "SHARE", false, false),
            ]
        );
        assert_eq!(
            locks("LOCK TABLE v", 15),
            vec![
                lock("v", "ACCESS EXCLUSIVE", false, false),
                lock("each partition of v", "ACCESS EXCLUSIVE", false, false),
                lock("each table v reads", "ACCESS EXCLUSIVE", false, false),
            ]
        );
        assert_eq!(locks("LOCK TABLE v", 10).len(), 2);
        assert_eq!(
            locks(
                "CREATE TRIGGER x AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
                15
            ),
            vec![lock("t", "SHARE ROW EXCLUSIVE", false, false)]
        );
        assert_eq!(
            locks("COMMENT ON COLUMN app.t.a IS 'x'", 15),
            vec![lock("app.t", "SHARE UPDATE EXCLUSIVE", false, false)]
        );
        assert_eq!(
            locks("COMMENT ON INDEX i IS 'x'", 15),
            vec![lock("index i", "SHARE UPDATE EXCLUSIVE", false, false)]
        );
        assert!(locks("COMMENT ON FUNCTION f() IS 'x'", 15).is_empty());
        assert_eq!(
            locks("ANALYZE t", 15),
            vec![lock("t", "SHARE UPDATE EXCLUSIVE", false, false)]
        );
    }

    #[test]
    fn alter_table_forms_known_by_their_words() {
        let mode = |sql: &str| locks(sql, 15)[0].1;
        assert_eq!(
            mode("ALTER TABLE t ALTER COLUMN a SET STATISTICS 500"),
            "SHARE UPDATE EXCLUSIVE"
        );
        assert_eq!(
            mode("ALTER TABLE t ALTER COLUMN a SET (n_distinct = 5)"),
            "SHARE UPDATE EXCLUSIVE"
        );
        assert_eq!(
            mode("ALTER TABLE t SET (fillfactor = 70)"),
            "SHARE UPDATE EXCLUSIVE"
        );
        assert_eq!(mode("ALTER TABLE t CLUSTER ON i"), "SHARE UPDATE EXCLUSIVE");
        assert_eq!(
            mode("ALTER TABLE t DISABLE TRIGGER USER"),
            "SHARE ROW EXCLUSIVE"
        );
        assert_eq!(
            mode("ALTER TABLE t ALTER COLUMN a SET STORAGE PLAIN"),
            "ACCESS EXCLUSIVE"
        );
        assert_eq!(
            mode("ALTER TABLE t ENABLE ROW LEVEL SECURITY"),
            "ACCESS EXCLUSIVE"
        );
        assert_eq!(
            mode("ALTER TABLE t ALTER CONSTRAINT c DEFERRABLE"),
            "ACCESS EXCLUSIVE"
        );
        assert!(locks("ALTER TABLE t SET UNLOGGED", 15)[0].2);
        assert_eq!(
            locks(
                "ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k_idx",
                15
            )[2],
            lock("index k_idx", "SHARE UPDATE EXCLUSIVE", false, false)
        );
    }

    #[test]
    fn renames_lock_the_relation_renamed() {
        assert_eq!(
            locks("ALTER INDEX i RENAME TO j", 15),
            vec![lock("index i", "SHARE UPDATE EXCLUSIVE", false, false)]
        );
        assert_eq!(
            locks("ALTER INDEX i RENAME TO j", 11)[0].1,
            "ACCESS EXCLUSIVE"
        );
        assert_eq!(
            locks("ALTER VIEW v RENAME TO w", 15),
            vec![lock("v", "ACCESS EXCLUSIVE", false, false)]
        );
        assert!(locks("ALTER TYPE k RENAME TO l", 15).is_empty());
    }

    #[test]
    fn maintenance_commands() {
        let pg = PgVersion(15);
        let reindex = |target, name, concurrently| {
            shown(statement(
                &built(
                    Op::Reindex {
                        target,
                        name: Some(qname(name)),
                    },
                    concurrently,
                ),
                pg,
            ))
        };
        assert_eq!(
            reindex(ObjectKind::Index, "i", false),
            vec![
                lock("the table of i", "SHARE", false, true),
                lock("index i", "ACCESS EXCLUSIVE", true, true),
            ]
        );
        assert_eq!(
            reindex(ObjectKind::Table, "t", true),
            vec![
                lock("t", "SHARE UPDATE EXCLUSIVE", false, true),
                lock("each index of t", "SHARE UPDATE EXCLUSIVE", true, true),
            ]
        );
        let cluster = built(
            Op::Cluster {
                table: Some(qname("t")),
            },
            false,
        );
        assert_eq!(
            shown(statement(&cluster, pg)),
            vec![
                lock("t", "ACCESS EXCLUSIVE", true, true),
                lock("each index of t", "ACCESS EXCLUSIVE", true, true),
            ]
        );
        assert_eq!(
            locks("VACUUM FULL t", 15),
            vec![
                lock("t", "ACCESS EXCLUSIVE", true, true),
                lock("each index of t", "ACCESS EXCLUSIVE", true, true),
            ]
        );
        let refresh = |c| {
            shown(statement(
                &built(Op::RefreshMaterializedView { name: qname("v") }, c),
                pg,
            ))
        };
        assert_eq!(
            refresh(false),
            vec![
                lock("v", "ACCESS EXCLUSIVE", true, true),
                lock("each table v reads", "ACCESS SHARE", false, true),
                lock("each index of v", "ACCESS EXCLUSIVE", true, true),
            ]
        );
        assert_eq!(
            refresh(true),
            vec![
                lock("v", "EXCLUSIVE", false, true),
                lock("each table v reads", "ACCESS SHARE", false, true),
                lock("each index of v", "ROW EXCLUSIVE", false, false),
            ]
        );
        assert_eq!(
            locks("TRUNCATE t", 15),
            vec![
                lock("t", "ACCESS EXCLUSIVE", false, false),
                lock("each index of t", "ACCESS EXCLUSIVE", false, false),
                lock("each partition of t", "ACCESS EXCLUSIVE", false, false),
            ]
        );
    }

    #[test]
    fn partitions_by_version() {
        let attach = |pg| {
            let op = Op::AlterTable(AlterTable {
                table: qname("parent"),
                if_exists: false,
                only: false,
                actions: vec![crate::ir::Action {
                    span: Span::default(),
                    focus: Span::default(),
                    kind: ActionKind::AttachPartition {
                        partition: qname("part"),
                    },
                }],
            });
            statement(&built(op, false), PgVersion(pg))
                .into_iter()
                .map(|l| l.facts)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            attach(12),
            vec![
                LockFacts::catalog(LockMode::ShareUpdateExclusive),
                LockFacts::scan(LockMode::AccessExclusive)
            ]
        );
        assert_eq!(attach(11)[0].mode, LockMode::AccessExclusive);
        let detach = |concurrently| {
            alter_table_action(
                &ActionKind::DetachPartition {
                    partition: qname("part"),
                    concurrently,
                    finalize: false,
                },
                PgVersion(14),
            )
            .mode
        };
        assert_eq!(detach(false), LockMode::AccessExclusive);
        assert_eq!(detach(true), LockMode::ShareUpdateExclusive);
        assert_eq!(
            locks("CREATE INDEX i ON t (a)", 15),
            vec![
                lock("t", "SHARE", false, true),
                lock("each partition of t", "SHARE", false, true),
            ]
        );
        assert_eq!(locks("CREATE INDEX i ON ONLY t (a)", 15).len(), 1);
    }

    #[test]
    fn what_may_run_in_a_transaction_block() {
        let tx = |sql: &str, pg: u32| transactional(&read(sql), PgVersion(pg));
        assert!(tx("CREATE INDEX i ON t (a)", 15));
        assert!(!tx("CREATE INDEX CONCURRENTLY i ON t (a)", 15));
        assert!(!tx("VACUUM t", 15));
        assert!(tx("ANALYZE t", 15));
        assert!(tx("ALTER TYPE mood ADD VALUE 'x'", 12));
        assert!(!tx("ALTER TYPE mood ADD VALUE 'x'", 11));
        assert!(!tx("CREATE DATABASE x", 15));
        assert!(tx("ALTER TABLE t ADD COLUMN a int", 15));
        let reindex = |target, concurrently| {
            transactional(
                &built(
                    Op::Reindex {
                        target,
                        name: Some(qname("x")),
                    },
                    concurrently,
                ),
                PgVersion(15),
            )
        };
        assert!(reindex(ObjectKind::Table, false));
        assert!(!reindex(ObjectKind::Table, true));
        assert!(!reindex(ObjectKind::Schema, false));
        let refresh = built(Op::RefreshMaterializedView { name: qname("v") }, true);
        assert!(transactional(&refresh, PgVersion(15)));
    }

    #[test]
    fn what_each_mode_blocks() {
        assert_eq!(
            LockMode::AccessExclusive.blocks(),
            vec![Blocked::Reads, Blocked::Writes, Blocked::Ddl]
        );
        assert_eq!(
            LockMode::Share.blocks(),
            vec![Blocked::Writes, Blocked::Ddl]
        );
        assert_eq!(LockMode::ShareUpdateExclusive.blocks(), vec![Blocked::Ddl]);
        assert!(LockMode::RowExclusive.blocks().is_empty());
    }
}
