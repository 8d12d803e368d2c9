//! The schema the migrations build, replayed from the IR the way PostgreSQL applies DDL.
//!
//! [`Catalog::apply`] takes the statements in run order (the context calls it after the
//! rules have seen each statement, so rules see the schema as it stands before the statement
//! they check). It knows schemas; tables with their columns (type, nullability, default,
//! identity, generated), constraints and indexes, named the way PostgreSQL names them when
//! the SQL does not (`orders_pkey`, `orders_user_id_fkey`, `orders_email_idx1`); views and
//! materialized views; enum and other types; sequences.
//!
//! Names: an unqualified name is taken to be in `public`. bellows does not follow
//! `search_path`; migrations that set it to something else are read as if it were `public`.
//! An index lives in its table's schema, as in PostgreSQL.
//!
//! The catalog never guesses:
//! - a table first seen being altered (its `CREATE TABLE` is in migrations not replayed) is
//!   *incomplete*: what the catalog learnt about it is exact, but it may have more columns,
//!   constraints and indexes than it lists;
//! - when a statement may have changed an object in a way the catalog cannot replay (an
//!   `ALTER TABLE` action it does not model, a statement neither parser path read), that
//!   object is marked *uncertain*, and so is everything it held then; queries about it
//!   answer "unknown" (`None`, or `false` for "is there a validated CHECK"). Objects added
//!   afterwards are exact again;
//! - when the object cannot be named (dynamic SQL in a `DO` block, an unreadable statement),
//!   everything known at that point that the statement could have changed (every object,
//!   or only constraints, views, …, when its kind of statement tells) is marked uncertain,
//!   and the statement is recorded as a [`BlindSpot`].

use crate::fallback::{self, do_block};
use crate::ident::{self, Name, ObjectKey, QualifiedName, make_object_name};
use crate::ir::{
    self, ActionKind, AlterTable, ColumnDef, ConstraintKind, CreateIndex, CreateTable, Drop,
    EnumChange, EnumPosition, IndexElement, ObjectKind, Op, Origin, Statement, TypeName,
};
use crate::source::Span;
use std::collections::{BTreeMap, BTreeSet};

/// A migration unit (a file, or a block of a file) as the engine numbers them in run order.
/// The catalog records which unit created each object; the engine says which unit runs with
/// [`Catalog::begin_unit`] (through `Context::begin_unit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UnitId(pub usize);

/// The schema as the statements applied so far leave it.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    unit: UnitId,
    schemas: BTreeMap<String, Schema>,
    /// Hashed, not sorted: rules and replayed statements look tables up by name tens of
    /// thousands of times in a large history, and [`Catalog::tables`] sorts when asked.
    tables: foldhash::HashMap<ObjectKey, Table>,
    indexes: BTreeMap<ObjectKey, Index>,
    views: BTreeMap<ObjectKey, View>,
    types: BTreeMap<ObjectKey, TypeDef>,
    sequences: BTreeMap<ObjectKey, Sequence>,
    /// Tables a replayed statement dropped (and nothing re-created since).
    dropped: foldhash::HashSet<ObjectKey>,
    /// Every name a constraint has had, in any schema: a name not in it is no constraint's,
    /// which answers most questions about a name PostgreSQL would pick without a look at
    /// every table.
    constraint_names: foldhash::HashSet<String>,
    blind_spots: Vec<BlindSpot>,
}

/// A schema created by `CREATE SCHEMA` (`public` always exists).
#[derive(Debug, Clone, Default)]
pub struct Schema {
    /// The unit that created it.
    pub created_in: Option<UnitId>,
}

/// A table.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Constraints, in the order they were added.
    pub constraints: Vec<Constraint>,
    /// True when the lists above are all there is: the catalog saw the table created and
    /// nothing it could not replay happened to it since.
    pub complete: bool,
    /// The unit whose `CREATE TABLE` the catalog replayed; `None` for a table it only saw
    /// being altered (created before the replayed migrations).
    pub created_in: Option<UnitId>,
    /// The partitioned table this one is a partition of.
    pub partition_of: Option<ObjectKey>,
}

/// A column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name, folded.
    pub name: String,
    /// Its type; `None` when no replayed statement said.
    pub data_type: Option<ColumnType>,
    /// `NOT NULL` (also set by a primary key, identity and serial).
    pub not_null: bool,
    /// The `DEFAULT` expression as written.
    pub default: Option<String>,
    /// `GENERATED … AS IDENTITY`.
    pub identity: bool,
    /// `GENERATED ALWAYS AS (…) STORED`.
    pub generated: bool,
    /// Which of the facts above are sure. A statement the catalog could not replay makes
    /// them all unsure (the values stay, as the last known ones); a later statement that sets
    /// one (`ALTER COLUMN … TYPE`, `SET NOT NULL`) makes that one sure again.
    pub sure: Sure,
}

/// Which facts of a column are sure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sure {
    /// Its type.
    pub data_type: bool,
    /// Whether it is NOT NULL.
    pub not_null: bool,
    /// Everything else: default, identity, generated.
    pub rest: bool,
}

impl Sure {
    /// Every fact sure: a column whose definition the catalog replayed.
    pub const ALL: Sure = Sure {
        data_type: true,
        not_null: true,
        rest: true,
    };
    /// No fact sure.
    pub const NONE: Sure = Sure {
        data_type: false,
        not_null: false,
        rest: false,
    };
}

impl Column {
    /// True when some fact of it is not sure.
    pub fn uncertain(&self) -> bool {
        self.sure != Sure::ALL
    }
}

/// A column's type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnType {
    /// The type as bellows prints it: lower case for built-in types (`varchar(255)`), as
    /// written for others (`"Mood"`). `serial` types are their integer type.
    pub text: String,
    /// The canonical base name without modifiers or array brackets (`character varying`);
    /// for a type that is not built in, its name (`mood`).
    pub base: String,
    /// The numbers after the name (`[255]`, `[10, 2]`); `None` when they are not numbers.
    pub modifiers: Option<Vec<u32>>,
    /// An array of the base type.
    pub array: bool,
    /// For a type that is not built in, the type's schema and name.
    pub user_type: Option<ObjectKey>,
}

impl ColumnType {
    /// The type `t`, `written` as the statement's text spells it (which names a type that is
    /// not built in exactly, case and quotes included).
    pub fn of(t: &TypeName, written: &str) -> ColumnType {
        let canonical = t.base();
        let modifiers = t.modifiers();
        let array = t.is_array();
        if !canonical.is_empty() {
            // A serial column is an integer column with a sequence default.
            let integer = match canonical {
                "serial" => Some("integer"),
                "bigserial" => Some("bigint"),
                "smallserial" => Some("smallint"),
                _ => None,
            };
            return ColumnType {
                text: integer.map_or_else(|| t.text.clone(), str::to_string),
                base: integer.unwrap_or(canonical).to_string(),
                modifiers,
                array,
                user_type: None,
            };
        }
        let written = written.trim();
        let written = if written.is_empty() { &t.text } else { written };
        let user_type = type_key(written);
        ColumnType {
            text: written.to_string(),
            base: user_type
                .as_ref()
                .map_or_else(String::new, |k| k.name.clone()),
            modifiers,
            array,
            user_type,
        }
    }

    /// True when both name the same type with the same modifiers.
    pub fn same_as(&self, other: &ColumnType) -> bool {
        self.base == other.base
            && self.user_type == other.user_type
            && self.modifiers == other.modifiers
            && self.array == other.array
            && self.modifiers.is_some()
    }
}

/// A constraint of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Constraint {
    /// Its name, as given or as PostgreSQL generates it.
    pub name: String,
    /// What it is.
    pub kind: ConstraintType,
    /// The columns it is on (for a CHECK, the known columns its expression names).
    pub columns: Vec<String>,
    /// False for a CHECK or foreign key added `NOT VALID` and not validated since.
    pub valid: bool,
    /// The referenced table of a foreign key.
    pub references: Option<ObjectKey>,
    /// For `CHECK (col IS NOT NULL)`, that column.
    pub not_null_column: Option<String>,
    /// Besides kind and columns, as written: a CHECK's expression, a foreign key's
    /// `REFERENCES …` clause, an exclusion constraint's whole text (see
    /// [`Constraint::definition`]).
    pub detail: String,
    /// A statement the catalog could not replay may have dropped or changed it.
    pub uncertain: bool,
}

/// The kind of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConstraintType {
    /// PRIMARY KEY.
    PrimaryKey,
    /// UNIQUE.
    Unique,
    /// CHECK.
    Check,
    /// FOREIGN KEY.
    ForeignKey,
    /// EXCLUDE.
    Exclude,
}

impl Constraint {
    /// Its definition as SQL, without the `CONSTRAINT name` prefix
    /// (`FOREIGN KEY (a) REFERENCES b (id)`).
    pub fn definition(&self) -> String {
        let cols = self
            .columns
            .iter()
            .map(|c| ident::render(c))
            .collect::<Vec<_>>()
            .join(", ");
        match self.kind {
            ConstraintType::PrimaryKey | ConstraintType::Unique => {
                format!("{} ({cols})", self.kind.sql())
            }
            ConstraintType::Check => format!("CHECK ({})", self.detail),
            ConstraintType::ForeignKey => format!("FOREIGN KEY ({cols}) {}", self.detail),
            ConstraintType::Exclude => self.detail.clone(),
        }
    }
}

impl ConstraintType {
    /// The SQL words for it.
    pub fn sql(self) -> &'static str {
        match self {
            ConstraintType::PrimaryKey => "PRIMARY KEY",
            ConstraintType::Unique => "UNIQUE",
            ConstraintType::Check => "CHECK",
            ConstraintType::ForeignKey => "FOREIGN KEY",
            ConstraintType::Exclude => "EXCLUDE",
        }
    }

    /// True for the kinds PostgreSQL enforces with an index of the constraint's name.
    pub fn has_index(self) -> bool {
        matches!(
            self,
            ConstraintType::PrimaryKey | ConstraintType::Unique | ConstraintType::Exclude
        )
    }
}

/// An index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Index {
    /// Its table.
    pub table: ObjectKey,
    /// Its keys in order.
    pub keys: Vec<IndexKey>,
    /// `INCLUDE` columns.
    pub include: Vec<String>,
    /// `UNIQUE` (also for primary keys and unique constraints).
    pub unique: bool,
    /// The access method, when not btree.
    pub method: Option<String>,
    /// A partial index (`WHERE …`).
    pub partial: bool,
    /// False for `CREATE INDEX … ON ONLY` a partitioned table, which stays invalid until
    /// every partition has its index attached.
    pub valid: bool,
    /// True when it enforces the constraint of the same name on its table.
    pub constraint: bool,
    /// A statement the catalog could not replay may have dropped or changed it.
    pub uncertain: bool,
}

/// One key of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexKey {
    /// The column's name or the expression, as SQL.
    pub text: String,
    /// The known columns it reads.
    pub columns: Vec<String>,
}

/// A view or materialized view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    /// A materialized view.
    pub materialized: bool,
    /// The unit that created it.
    pub created_in: Option<UnitId>,
    /// A statement the catalog could not replay may have dropped or changed it.
    pub uncertain: bool,
}

/// A type created by the migrations (`CREATE TYPE`, `CREATE DOMAIN`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeDef {
    /// An enum's labels in order; `None` for other types.
    pub enum_values: Option<Vec<String>>,
    /// The unit that created it.
    pub created_in: Option<UnitId>,
    /// A statement the catalog could not replay may have changed it (for an enum first
    /// seen being altered: it may have more labels).
    pub uncertain: bool,
}

/// A sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sequence {
    /// The column it belongs to (serial and identity columns).
    pub owned_by: Option<(ObjectKey, String)>,
    /// The unit that created it.
    pub created_in: Option<UnitId>,
}

/// A statement whose effect on the schema the catalog could not know, so that everything
/// known before it is uncertain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlindSpot {
    /// The unit it is in.
    pub unit: UnitId,
    /// What it is (`dynamic SQL in a DO block`).
    pub what: String,
    /// What it makes uncertain (`every object defined before it`).
    pub affects: String,
}

impl Table {
    /// The column `name` (folded), known or uncertain.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The constraint `name` (folded).
    pub fn constraint(&self, name: &str) -> Option<&Constraint> {
        self.constraints.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// The column `name`; on an incomplete table a column the catalog has not seen is taken
    /// to exist (the statement names it), with nothing else known about it.
    fn column_entry(&mut self, name: &str) -> Option<&mut Column> {
        if self.column(name).is_none() && !self.complete {
            self.columns.push(Column::unknown(name));
        }
        self.column_mut(name)
    }

    /// Marks its constraints uncertain (and its list of them possibly incomplete).
    fn taint_constraints(&mut self) {
        self.complete = false;
        for c in &mut self.constraints {
            c.uncertain = true;
        }
    }

    /// Marks everything it holds uncertain.
    fn taint(&mut self) {
        self.complete = false;
        for c in &mut self.columns {
            c.sure = Sure::NONE;
        }
        for c in &mut self.constraints {
            c.uncertain = true;
        }
    }
}

impl Column {
    fn unknown(name: &str) -> Column {
        Column {
            name: name.to_string(),
            data_type: None,
            not_null: false,
            default: None,
            identity: false,
            generated: false,
            sure: Sure::NONE,
        }
    }
}

impl Catalog {
    /// Says that the statements applied from now on belong to `unit` (the next file or
    /// block in run order).
    pub fn begin_unit(&mut self, unit: UnitId) {
        self.unit = unit;
    }

    /// Applies `stmt`, a statement of the file whose text is `text`.
    pub fn apply(&mut self, stmt: &Statement, text: &str) {
        match (&stmt.origin, &stmt.op) {
            // Text that is not SQL does not run.
            (Origin::ParseError { .. }, _) => {}
            (Origin::Unanalyzed { command }, _) | (_, Op::Other { command }) => self.unmodelled(
                command,
                stmt.span.slice(text),
                stmt.span.start,
                "a statement bellows could not read",
            ),
            (_, Op::CreateTable(ct)) => self.create_table(ct, text),
            (_, Op::AlterTable(at)) => self.alter_table(at, text),
            (_, Op::CreateIndex(ci)) => self.create_index(ci),
            (_, Op::Drop(d)) => self.drop(d),
            (
                _,
                Op::CreateObject {
                    kind,
                    name,
                    enum_values,
                },
            ) => self.create_object(*kind, name, enum_values.as_ref()),
            (_, Op::AlterEnum { name, change }) => self.alter_enum(name, change),
            (_, Op::RenameObject { kind, name, to }) => {
                let old = name.key();
                let new = ObjectKey {
                    schema: old.schema.clone(),
                    name: to.folded(),
                };
                match kind {
                    ObjectKind::Schema => self.rename_schema(&name.name.folded(), &to.folded()),
                    _ => self.move_object(*kind, &old, new),
                }
            }
            (_, Op::SetObjectSchema { kind, name, schema }) => {
                let old = name.key();
                let new = ObjectKey {
                    schema: schema.folded(),
                    name: old.name.clone(),
                };
                self.move_object(*kind, &old, new);
            }
            (_, Op::Do { dynamic }) => self.do_block(dynamic.as_deref()),
            _ => {}
        }
    }

    // ----- queries -----

    /// The table `name`, as far as the catalog knows it.
    pub fn table(&self, name: &QualifiedName) -> Option<&Table> {
        self.tables.get(&name.key())
    }

    /// Whether table `name` exists: `Some(false)` when a replayed statement dropped it (and
    /// none re-created it), `None` when the catalog never heard of it.
    pub fn table_exists(&self, name: &QualifiedName) -> Option<bool> {
        let key = name.key();
        if self.tables.contains_key(&key) {
            Some(true)
        } else if self.dropped.contains(&key) {
            Some(false)
        } else {
            None
        }
    }

    /// The unit whose statement created table `name`, when the catalog replayed it.
    pub fn created_in(&self, name: &QualifiedName) -> Option<UnitId> {
        self.table(name).and_then(|t| t.created_in)
    }

    /// The column, as far as the catalog knows it (see [`Column::sure`]).
    pub fn column(&self, table: &QualifiedName, column: &Name) -> Option<&Column> {
        self.table(table)?.column(&column.folded())
    }

    /// The column's type, when known for sure.
    pub fn column_type(&self, table: &QualifiedName, column: &Name) -> Option<&ColumnType> {
        self.column(table, column)
            .filter(|c| c.sure.data_type)?
            .data_type
            .as_ref()
    }

    /// Whether the column is NOT NULL; `None` when unknown.
    pub fn is_not_null(&self, table: &QualifiedName, column: &Name) -> Option<bool> {
        self.column(table, column)
            .filter(|c| c.sure.not_null)
            .map(|c| c.not_null)
    }

    /// True when a validated `CHECK (column IS NOT NULL)` on `table` is known for sure, so
    /// that `SET NOT NULL` can skip its scan (PostgreSQL 12+).
    pub fn has_validated_not_null_check(&self, table: &QualifiedName, column: &Name) -> bool {
        let column = column.folded();
        self.certain_constraints(table).any(|c| {
            c.kind == ConstraintType::Check
                && c.valid
                && c.not_null_column.as_deref() == Some(&column)
        })
    }

    /// True when a validated CHECK constraint on `table` is known for sure (one that may
    /// prove a partition bound, so that ATTACH PARTITION skips its scan).
    pub fn has_validated_check(&self, table: &QualifiedName) -> bool {
        self.certain_constraints(table)
            .any(|c| c.kind == ConstraintType::Check && c.valid)
    }

    fn certain_constraints(&self, table: &QualifiedName) -> impl Iterator<Item = &Constraint> {
        self.table(table)
            .into_iter()
            .flat_map(|t| &t.constraints)
            .filter(|c| !c.uncertain)
    }

    /// The known indexes of `table` with a key on `column`, by name.
    pub fn indexes_on(&self, table: &QualifiedName, column: &Name) -> Vec<&str> {
        let (key, column) = (table.key(), column.folded());
        self.indexes
            .iter()
            .filter(|(_, i)| {
                i.table == key
                    && (i.keys.iter().any(|k| k.columns.contains(&column))
                        || i.include.contains(&column))
            })
            .map(|(k, _)| k.name.as_str())
            .collect()
    }

    /// True when a relation (table, view, index, sequence) or a constraint of schema
    /// `schema` is named `name` (folded), as far as the catalog knows: a name bellows
    /// invents for a constraint or index must be none of these.
    pub fn name_in_use(&self, schema: &str, name: &str) -> bool {
        let key = ObjectKey {
            schema: schema.to_string(),
            name: name.to_string(),
        };
        self.relation_exists(&key) || self.constraint_name_exists(schema, name)
    }

    /// True when `table` has a column named `name` (folded), as far as the catalog knows.
    pub fn column_in_use(&self, table: &QualifiedName, name: &str) -> bool {
        self.table(table).is_some_and(|t| t.column(name).is_some())
    }

    /// Every schema that exists or holds an object, sorted, with the unit that created it.
    pub fn schemas(&self) -> Vec<(&str, Option<UnitId>)> {
        let mut names: BTreeSet<&str> = self.schemas.keys().map(String::as_str).collect();
        let keys = self
            .tables
            .keys()
            .chain(self.indexes.keys())
            .chain(self.views.keys())
            .chain(self.types.keys())
            .chain(self.sequences.keys());
        names.extend(keys.map(|k| k.schema.as_str()));
        names
            .into_iter()
            .map(|n| (n, self.schemas.get(n).and_then(|s| s.created_in)))
            .collect()
    }

    /// Tables, sorted by schema and name.
    pub fn tables(&self) -> impl Iterator<Item = (&ObjectKey, &Table)> {
        let mut tables: Vec<_> = self.tables.iter().collect();
        tables.sort_unstable_by(|a, b| a.0.cmp(b.0));
        tables.into_iter()
    }

    /// The indexes of `table`, sorted by name.
    pub fn indexes_of<'a>(
        &'a self,
        table: &ObjectKey,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Index)> + use<'a> {
        let table = table.clone();
        self.indexes.iter().filter(move |(_, i)| i.table == table)
    }

    /// Views and materialized views, sorted.
    pub fn views(&self) -> impl Iterator<Item = (&ObjectKey, &View)> {
        self.views.iter()
    }

    /// Types, sorted.
    pub fn types(&self) -> impl Iterator<Item = (&ObjectKey, &TypeDef)> {
        self.types.iter()
    }

    /// Sequences, sorted.
    pub fn sequences(&self) -> impl Iterator<Item = (&ObjectKey, &Sequence)> {
        self.sequences.iter()
    }

    /// Statements whose effect the catalog could not know, in order.
    pub fn blind_spots(&self) -> &[BlindSpot] {
        &self.blind_spots
    }

    // ----- names -----

    fn relation_exists(&self, key: &ObjectKey) -> bool {
        self.tables.contains_key(key)
            || self.indexes.contains_key(key)
            || self.views.contains_key(key)
            || self.sequences.contains_key(key)
    }

    fn constraint_name_exists(&self, schema: &str, name: &str) -> bool {
        self.constraint_names.contains(name)
            && self
                .tables
                .iter()
                .filter(|(k, _)| k.schema == schema)
                .any(|(_, t)| t.constraint(name).is_some())
    }

    /// The name PostgreSQL picks for an index or sequence it names itself
    /// (`ChooseRelationName`): `name1_name2_label`, else with `label1`, `label2`, … until no
    /// relation of the schema (nor, for a constraint's index, constraint) has it.
    fn choose_relation_name(
        &self,
        schema: &str,
        name1: &str,
        name2: &str,
        label: &str,
        for_constraint: bool,
    ) -> String {
        choose(name1, name2, label, |n| {
            let key = ObjectKey {
                schema: schema.to_string(),
                name: n.to_string(),
            };
            self.relation_exists(&key) || (for_constraint && self.constraint_name_exists(schema, n))
        })
    }

    /// The name PostgreSQL picks for a CHECK or foreign key it names itself
    /// (`ChooseConstraintName`): unique among the schema's constraints.
    fn choose_constraint_name(
        &self,
        schema: &str,
        name1: &str,
        name2: &str,
        label: &str,
    ) -> String {
        choose(name1, name2, label, |n| {
            self.constraint_name_exists(schema, n)
        })
    }

    // ----- tables -----

    /// The table `key`; one the catalog never saw created is added, incomplete.
    fn table_entry(&mut self, key: &ObjectKey) -> &mut Table {
        if !self.dropped.is_empty() {
            self.dropped.remove(key);
        }
        self.tables.entry(key.clone()).or_default()
    }

    fn create_table(&mut self, ct: &CreateTable, text: &str) {
        // A temporary table lives in the session's own schema and is gone when it ends.
        if ct.temporary {
            return;
        }
        let key = ct.table.key();
        if ct.if_not_exists && self.tables.contains_key(&key) {
            return;
        }
        // Replaying `CREATE TABLE` over a table the catalog holds means it missed a drop.
        self.remove_table(&key);
        self.dropped.remove(&key);
        let mut table = Table {
            complete: !ct.other_columns,
            created_in: Some(self.unit),
            partition_of: ct.partition_of.as_ref().map(QualifiedName::key),
            ..Table::default()
        };
        let parent = ct.partition_of.as_ref().map(QualifiedName::key);
        if let Some(p) = parent.as_ref() {
            match self.tables.get(p) {
                Some(parent) => {
                    table.columns = parent.columns.clone();
                    table.complete &= parent.complete;
                }
                None => table.complete = false,
            }
        }
        // The table is in the catalog while its columns are made, as in PostgreSQL: no
        // sequence of theirs takes its name.
        self.tables.insert(key.clone(), table);
        let columns: Vec<Column> = ct
            .columns
            .iter()
            .map(|col| self.new_column(&key, col, text))
            .collect();
        if let Some(table) = self.tables.get_mut(&key) {
            for column in columns {
                // A partition's column definitions add options to the parent's columns.
                match table.column_mut(&column.name) {
                    Some(c) => c.not_null |= column.not_null,
                    None => table.columns.push(column),
                }
            }
        }
        if let Some(p) = parent {
            self.clone_for_partition(&p, &key);
        }
        // A new table is empty: NOT VALID means nothing for it.
        let all: Vec<_> = ct
            .columns
            .iter()
            .flat_map(|c| &c.constraints)
            .chain(&ct.constraints)
            .map(|k| (k, true))
            .collect();
        self.add_constraints(&key, &all, text);
    }

    /// A column as `col` defines it; serial and identity columns get their sequence.
    fn new_column(&mut self, table: &ObjectKey, col: &ColumnDef, text: &str) -> Column {
        let name = col.name.folded();
        let mut column = Column {
            data_type: Some(ColumnType::of(
                &col.data_type,
                col.data_type.span.slice(text),
            )),
            not_null: col.not_null,
            default: col.non_null_default().map(|d| d.text.clone()),
            identity: col.identity,
            generated: col.generated_stored,
            sure: Sure::ALL,
            name,
        };
        if col.is_serial() || col.identity {
            let seq =
                self.choose_relation_name(&table.schema, &table.name, &column.name, "seq", false);
            if col.is_serial() {
                column.default = Some(format!(
                    "nextval('{}'::regclass)",
                    ident::render(&seq).replace('\'', "''")
                ));
            }
            column.not_null = true;
            self.sequences.insert(
                ObjectKey {
                    schema: table.schema.clone(),
                    name: seq,
                },
                Sequence {
                    owned_by: Some((table.clone(), column.name.clone())),
                    created_in: Some(self.unit),
                },
            );
        }
        column
    }

    /// A new partition gets its parent's constraints and indexes: CHECK and foreign keys
    /// under their names, unique constraints and indexes under names of its own.
    fn clone_for_partition(&mut self, parent: &ObjectKey, partition: &ObjectKey) {
        let Some(p) = self.tables.get(parent) else {
            return;
        };
        let constraints = p.constraints.clone();
        let indexes: Vec<Index> = self
            .indexes_of(parent)
            .filter(|(_, i)| !i.constraint)
            .map(|(_, i)| i.clone())
            .collect();
        for mut c in constraints {
            if c.kind.has_index() {
                let label = constraint_index_label(c.kind);
                let cols = if c.kind == ConstraintType::PrimaryKey {
                    String::new()
                } else {
                    c.columns.join("_")
                };
                c.name = self.choose_relation_name(
                    &partition.schema,
                    &partition.name,
                    &cols,
                    label,
                    true,
                );
                self.add_index(partition, &c.name, &c.columns, c.kind, false);
            }
            self.constraint_names.insert(c.name.clone());
            self.table_entry(partition).constraints.push(c);
        }
        for mut index in indexes {
            let labels: Vec<String> = index.keys.iter().map(|k| key_label(&k.text)).collect();
            let name = self.choose_relation_name(
                &partition.schema,
                &partition.name,
                &labels.join("_"),
                "idx",
                false,
            );
            index.table = partition.clone();
            self.indexes.insert(
                ObjectKey {
                    schema: partition.schema.clone(),
                    name,
                },
                index,
            );
        }
    }

    fn alter_table(&mut self, at: &AlterTable, text: &str) {
        let mut key = at.table.key();
        // `ALTER TABLE` renames and moves views too.
        if !self.tables.contains_key(&key) && self.views.contains_key(&key) {
            for action in &at.actions {
                let new = match &action.kind {
                    ActionKind::RenameTable { to } => ObjectKey {
                        schema: key.schema.clone(),
                        name: to.folded(),
                    },
                    ActionKind::SetSchema { schema } => ObjectKey {
                        schema: schema.folded(),
                        name: key.name.clone(),
                    },
                    _ => continue,
                };
                self.move_object(ObjectKind::View, &key, new.clone());
                key = new;
            }
            return;
        }
        if at.if_exists && self.dropped.contains(&key) {
            return;
        }
        for action in &at.actions {
            key = self.alter_action(key, &action.kind, text);
        }
    }

    /// Applies one `ALTER TABLE` action to table `key`; returns the table's key after it.
    fn alter_action(&mut self, key: ObjectKey, kind: &ActionKind, text: &str) -> ObjectKey {
        match kind {
            ActionKind::AddColumn {
                column,
                if_not_exists,
            } => {
                let name = column.name.folded();
                let table = self.table_entry(&key);
                if table.column(&name).is_some() {
                    if *if_not_exists {
                        return key;
                    }
                    // The column is there, so the catalog missed a drop.
                    self.drop_column(&key, &name);
                }
                // On a table the catalog does not fully know, `IF NOT EXISTS` may have found
                // the column there already, as something else: then nothing was added.
                let table = self.table_entry(&key);
                let maybe_skipped = *if_not_exists && !table.complete;
                let before = table.constraints.len();
                let mut new = self.new_column(&key, column, text);
                if maybe_skipped {
                    new.sure = Sure::NONE;
                }
                self.table_entry(&key).columns.push(new);
                let inline: Vec<_> = column
                    .constraints
                    .iter()
                    .map(|c| (c, !c.not_valid))
                    .collect();
                self.add_constraints(&key, &inline, text);
                if maybe_skipped {
                    let table = self.table_entry(&key);
                    for c in table.constraints.iter_mut().skip(before) {
                        c.uncertain = true;
                    }
                }
            }
            ActionKind::DropColumn { column, .. } => self.drop_column(&key, &column.folded()),
            ActionKind::RenameColumn { from, to } => {
                self.rename_column(&key, &from.folded(), &to.folded())
            }
            ActionKind::AlterColumnType {
                column, data_type, ..
            } => {
                let ty = ColumnType::of(data_type, data_type.span.slice(text));
                if let Some(c) = self.table_entry(&key).column_entry(&column.folded()) {
                    c.data_type = Some(ty);
                    c.sure.data_type = true;
                }
            }
            ActionKind::SetNotNull { column } | ActionKind::DropNotNull { column } => {
                let set = matches!(kind, ActionKind::SetNotNull { .. });
                if let Some(c) = self.table_entry(&key).column_entry(&column.folded()) {
                    c.not_null = set;
                    c.sure.not_null = true;
                }
            }
            ActionKind::SetDefault { column, default } => {
                if let Some(c) = self.table_entry(&key).column_entry(&column.folded()) {
                    c.default = (!default.is_null).then(|| default.text.clone());
                }
            }
            ActionKind::DropDefault { column } => {
                if let Some(c) = self.table_entry(&key).column_entry(&column.folded()) {
                    c.default = None;
                }
            }
            ActionKind::AddConstraint(c) => {
                self.table_entry(&key);
                self.add_constraints(&key, &[(c, !c.not_valid)], text);
            }
            ActionKind::ValidateConstraint { name } => {
                let name = name.folded();
                let table = self.table_entry(&key);
                if let Some(c) = table.constraints.iter_mut().find(|c| c.name == name) {
                    c.valid = true;
                }
            }
            ActionKind::DropConstraint { name, .. } => self.drop_constraint(&key, &name.folded()),
            ActionKind::RenameConstraint { from, to } => {
                self.rename_constraint(&key, &from.folded(), &to.folded())
            }
            ActionKind::RenameTable { to } => {
                let new = ObjectKey {
                    schema: key.schema.clone(),
                    name: to.folded(),
                };
                self.move_table(&key, new.clone());
                return new;
            }
            ActionKind::SetSchema { schema } => {
                let new = ObjectKey {
                    schema: schema.folded(),
                    name: key.name.clone(),
                };
                self.move_table(&key, new.clone());
                return new;
            }
            ActionKind::AttachPartition { partition } => {
                self.table_entry(&key);
                let p = self.table_entry(&partition.key());
                p.partition_of = Some(key.clone());
                // PostgreSQL attaches or builds the parent's indexes on it: the catalog does
                // not follow which.
                p.complete = false;
            }
            ActionKind::DetachPartition { partition, .. } => {
                self.table_entry(&partition.key()).partition_of = None;
            }
            ActionKind::Other { description } => {
                if !cosmetic_action(description) {
                    self.table_entry(&key).taint();
                    self.taint_indexes(&key);
                }
            }
        }
        key
    }

    fn drop_column(&mut self, key: &ObjectKey, column: &str) {
        let Some(table) = self.tables.get_mut(key) else {
            return;
        };
        table.columns.retain(|c| c.name != column);
        // Indexes and constraints on the column go with it.
        table
            .constraints
            .retain(|c| !c.columns.iter().any(|k| k == column));
        let gone: Vec<ObjectKey> = self
            .indexes_of(key)
            .filter(|(_, i)| {
                i.keys.iter().any(|k| k.columns.iter().any(|c| c == column))
                    || i.include.iter().any(|c| c == column)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(i) = self.indexes.remove(&k)
                && i.constraint
            {
                self.drop_constraint(key, &k.name);
            }
        }
    }

    fn rename_column(&mut self, key: &ObjectKey, from: &str, to: &str) {
        let table = self.table_entry(key);
        if let Some(c) = table.column_mut(from) {
            c.name = to.to_string();
        } else if !table.complete {
            table.columns.push(Column::unknown(to));
        }
        for c in &mut table.constraints {
            if matches!(c.kind, ConstraintType::Check | ConstraintType::Exclude) {
                c.detail = rename_ident(&c.detail, from, to);
            }
            rename_in(&mut c.columns, from, to);
            if c.not_null_column.as_deref() == Some(from) {
                c.not_null_column = Some(to.to_string());
            }
        }
        for index in self.indexes.values_mut().filter(|i| &i.table == key) {
            rename_in(&mut index.include, from, to);
            for k in &mut index.keys {
                if k.columns.iter().any(|c| c == from) {
                    k.text = rename_ident(&k.text, from, to);
                }
                rename_in(&mut k.columns, from, to);
            }
        }
    }

    /// Renames or moves table `old` to `new`; its indexes and owned sequences move with it
    /// to its new schema, and references to it follow.
    fn move_table(&mut self, old: &ObjectKey, new: ObjectKey) {
        let table = self.tables.remove(old).unwrap_or_default();
        self.dropped.remove(&new);
        self.tables.insert(new.clone(), table);
        if old.schema != new.schema {
            let indexes: Vec<ObjectKey> = self.indexes_of(old).map(|(k, _)| k.clone()).collect();
            for k in indexes {
                if let Some(i) = self.indexes.remove(&k) {
                    let moved = ObjectKey {
                        schema: new.schema.clone(),
                        name: k.name,
                    };
                    self.indexes.insert(moved, i);
                }
            }
            let owned: Vec<ObjectKey> = self
                .sequences
                .iter()
                .filter(|(_, s)| s.owned_by.as_ref().is_some_and(|(t, _)| t == old))
                .map(|(k, _)| k.clone())
                .collect();
            for k in owned {
                if let Some(s) = self.sequences.remove(&k) {
                    let moved = ObjectKey {
                        schema: new.schema.clone(),
                        name: k.name,
                    };
                    self.sequences.insert(moved, s);
                }
            }
        }
        self.retarget(old, &new);
    }

    /// Points every reference to table `old` at `new`.
    fn retarget(&mut self, old: &ObjectKey, new: &ObjectKey) {
        for t in self.tables.values_mut() {
            if t.partition_of.as_ref() == Some(old) {
                t.partition_of = Some(new.clone());
            }
            for c in &mut t.constraints {
                if c.references.as_ref() == Some(old) {
                    c.references = Some(new.clone());
                }
            }
        }
        for i in self.indexes.values_mut().filter(|i| &i.table == old) {
            i.table = new.clone();
        }
        for s in self.sequences.values_mut() {
            if let Some((t, _)) = &mut s.owned_by
                && t == old
            {
                *t = new.clone();
            }
        }
    }

    /// Drops table `key` with what PostgreSQL drops with it: its indexes, owned sequences,
    /// partitions, and the foreign keys of other tables that reference it.
    fn drop_table(&mut self, key: &ObjectKey) {
        let partitions: Vec<ObjectKey> = self
            .tables
            .iter()
            .filter(|(_, t)| t.partition_of.as_ref() == Some(key))
            .map(|(k, _)| k.clone())
            .collect();
        self.remove_table(key);
        self.dropped.insert(key.clone());
        for p in partitions {
            self.drop_table(&p);
        }
    }

    fn remove_table(&mut self, key: &ObjectKey) {
        if self.tables.remove(key).is_none() {
            return;
        }
        self.indexes.retain(|_, i| &i.table != key);
        self.sequences
            .retain(|_, s| s.owned_by.as_ref().is_none_or(|(t, _)| t != key));
        for t in self.tables.values_mut() {
            t.constraints.retain(|c| c.references.as_ref() != Some(key));
        }
    }

    fn taint_indexes(&mut self, table: &ObjectKey) {
        for i in self.indexes.values_mut().filter(|i| &i.table == table) {
            i.uncertain = true;
        }
    }

    // ----- constraints and indexes -----

    /// Adds constraints to table `key` in the order PostgreSQL names them: CHECK first, then
    /// the primary key, unique and exclusion constraints (whose indexes are built after the
    /// table), then foreign keys. Each comes with whether it is valid.
    fn add_constraints(
        &mut self,
        key: &ObjectKey,
        constraints: &[(&ir::Constraint, bool)],
        text: &str,
    ) {
        let rank = |c: &ir::Constraint| match c.kind {
            ConstraintKind::Check { .. } => 0,
            ConstraintKind::PrimaryKey => 1,
            ConstraintKind::Unique | ConstraintKind::Exclude => 2,
            ConstraintKind::ForeignKey { .. } => 3,
        };
        let mut ordered = constraints.to_vec();
        ordered.sort_by_key(|(c, _)| rank(c));
        for (c, valid) in ordered {
            self.add_constraint(key, c, valid, text);
        }
    }

    fn add_constraint(&mut self, key: &ObjectKey, c: &ir::Constraint, valid: bool, text: &str) {
        let schema = key.schema.clone();
        let mut columns: Vec<String> = c.columns.iter().map(Name::folded).collect();
        let mut uncertain = false;
        let (kind, references, not_null_column) = match &c.kind {
            ConstraintKind::PrimaryKey => (ConstraintType::PrimaryKey, None, None),
            ConstraintKind::Unique => (ConstraintType::Unique, None, None),
            ConstraintKind::Exclude => (ConstraintType::Exclude, None, None),
            ConstraintKind::ForeignKey { references } => {
                (ConstraintType::ForeignKey, Some(references.key()), None)
            }
            ConstraintKind::Check {
                expr,
                not_null_column,
            } => {
                let known = self.tables.get(key);
                columns = Vec::new();
                for ident in &expr.idents {
                    let is_column = known.is_some_and(|t| t.column(ident).is_some());
                    if is_column && !columns.contains(ident) {
                        columns.push(ident.clone());
                    }
                }
                (
                    ConstraintType::Check,
                    None,
                    not_null_column.as_ref().map(Name::folded),
                )
            }
        };
        let name = match (&c.name, &c.using_index) {
            (Some(n), _) => n.folded(),
            (None, Some(index)) => index.folded(),
            (None, None) => match kind {
                ConstraintType::Check => {
                    let single = if columns.len() == 1 { &columns[0] } else { "" };
                    self.choose_constraint_name(&schema, &key.name, single, "check")
                }
                ConstraintType::ForeignKey => {
                    self.choose_constraint_name(&schema, &key.name, &columns.join("_"), "fkey")
                }
                ConstraintType::PrimaryKey => {
                    self.choose_relation_name(&schema, &key.name, "", "pkey", true)
                }
                ConstraintType::Unique | ConstraintType::Exclude => self.choose_relation_name(
                    &schema,
                    &key.name,
                    &columns.join("_"),
                    constraint_index_label(kind),
                    true,
                ),
            },
        };
        if let Some(index) = &c.using_index {
            // The index becomes the constraint's, under the constraint's name.
            let old = ObjectKey {
                schema: schema.clone(),
                name: index.folded(),
            };
            match self.indexes.remove(&old) {
                Some(mut i) => {
                    columns = i.keys.iter().flat_map(|k| k.columns.clone()).collect();
                    i.constraint = true;
                    self.indexes.insert(
                        ObjectKey {
                            schema: schema.clone(),
                            name: name.clone(),
                        },
                        i,
                    );
                }
                None => uncertain = true,
            }
        } else if kind.has_index() {
            self.add_index(key, &name, &columns, kind, uncertain);
        }
        if kind == ConstraintType::PrimaryKey {
            let table = self.table_entry(key);
            for col in &columns {
                if let Some(c) = table.column_entry(col) {
                    c.not_null = true;
                    c.sure.not_null = true;
                }
            }
        }
        let constraint = Constraint {
            detail: detail(c, text),
            name,
            kind,
            columns,
            valid: valid || !matches!(kind, ConstraintType::Check | ConstraintType::ForeignKey),
            references,
            not_null_column,
            uncertain,
        };
        self.constraint_names.insert(constraint.name.clone());
        let table = self.table_entry(key);
        table.constraints.retain(|k| k.name != constraint.name);
        table.constraints.push(constraint);
    }

    /// Adds the index that enforces constraint `name` of `kind` on `columns` of `table`.
    fn add_index(
        &mut self,
        table: &ObjectKey,
        name: &str,
        columns: &[String],
        kind: ConstraintType,
        uncertain: bool,
    ) {
        self.indexes.insert(
            ObjectKey {
                schema: table.schema.clone(),
                name: name.to_string(),
            },
            Index {
                table: table.clone(),
                keys: columns
                    .iter()
                    .map(|c| IndexKey {
                        text: ident::render(c),
                        columns: vec![c.clone()],
                    })
                    .collect(),
                include: Vec::new(),
                unique: kind != ConstraintType::Exclude,
                method: None,
                partial: false,
                valid: true,
                constraint: true,
                uncertain,
            },
        );
    }

    fn drop_constraint(&mut self, key: &ObjectKey, name: &str) {
        let Some(table) = self.tables.get_mut(key) else {
            return;
        };
        let Some(at) = table.constraints.iter().position(|c| c.name == name) else {
            return;
        };
        let c = table.constraints.remove(at);
        if c.kind.has_index() {
            self.indexes.remove(&ObjectKey {
                schema: key.schema.clone(),
                name: name.to_string(),
            });
        }
    }

    fn rename_constraint(&mut self, key: &ObjectKey, from: &str, to: &str) {
        let table = self.table_entry(key);
        let Some(c) = table.constraints.iter_mut().find(|c| c.name == from) else {
            return;
        };
        c.name = to.to_string();
        let has_index = c.kind.has_index();
        self.constraint_names.insert(to.to_string());
        // A constraint and its index share their name.
        if has_index {
            let old = ObjectKey {
                schema: key.schema.clone(),
                name: from.to_string(),
            };
            if let Some(i) = self.indexes.remove(&old) {
                let new = ObjectKey {
                    schema: key.schema.clone(),
                    name: to.to_string(),
                };
                self.indexes.insert(new, i);
            }
        }
    }

    fn create_index(&mut self, ci: &CreateIndex) {
        let table = ci.table.key();
        let known: Vec<String> = self
            .table_entry(&table)
            .columns
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let keys: Vec<IndexKey> = ci
            .columns
            .iter()
            .map(|e| match e {
                IndexElement::Column(n) => IndexKey {
                    text: ident::render(&n.folded()),
                    columns: vec![n.folded()],
                },
                IndexElement::Expression(x) => {
                    let mut columns: Vec<String> = Vec::new();
                    for i in &x.idents {
                        if known.contains(i) && !columns.contains(i) {
                            columns.push(i.clone());
                        }
                    }
                    IndexKey {
                        text: x.text.clone(),
                        columns,
                    }
                }
            })
            .collect();
        let include: Vec<String> = ci.include.iter().map(Name::folded).collect();
        let name = match &ci.name {
            Some(n) => n.name.folded(),
            None => {
                let labels: Vec<String> = keys
                    .iter()
                    .map(|k| key_label(&k.text))
                    .chain(include.iter().cloned())
                    .collect();
                self.choose_relation_name(
                    &table.schema,
                    &table.name,
                    &labels.join("_"),
                    "idx",
                    false,
                )
            }
        };
        let key = ObjectKey {
            schema: table.schema.clone(),
            name,
        };
        if ci.if_not_exists && self.relation_exists(&key) {
            return;
        }
        // On a table the catalog does not fully know, `IF NOT EXISTS` may have found another
        // index of that name.
        let uncertain = ci.if_not_exists && self.tables.get(&table).is_some_and(|t| !t.complete);
        self.indexes.insert(
            key,
            Index {
                table,
                keys,
                include,
                unique: ci.unique,
                method: ci.method.clone(),
                partial: ci.partial,
                valid: !ci.only,
                constraint: false,
                uncertain,
            },
        );
    }

    // ----- other objects -----

    fn create_object(
        &mut self,
        kind: ObjectKind,
        name: &QualifiedName,
        enum_values: Option<&Vec<String>>,
    ) {
        let key = name.key();
        let created_in = Some(self.unit);
        match kind {
            ObjectKind::Schema => {
                self.schemas
                    .entry(name.name.folded())
                    .or_insert(Schema { created_in });
            }
            ObjectKind::View | ObjectKind::MaterializedView => {
                // CREATE OR REPLACE keeps the view's identity.
                let created_in = self.views.get(&key).map_or(created_in, |v| v.created_in);
                self.views.insert(
                    key,
                    View {
                        materialized: kind == ObjectKind::MaterializedView,
                        created_in,
                        uncertain: false,
                    },
                );
            }
            ObjectKind::Type => {
                self.types.insert(
                    key,
                    TypeDef {
                        enum_values: enum_values.cloned(),
                        created_in,
                        uncertain: false,
                    },
                );
            }
            ObjectKind::Sequence => {
                self.sequences.insert(
                    key,
                    Sequence {
                        owned_by: None,
                        created_in,
                    },
                );
            }
            _ => {}
        }
    }

    fn alter_enum(&mut self, name: &QualifiedName, change: &EnumChange) {
        let t = self.types.entry(name.key()).or_insert(TypeDef {
            enum_values: None,
            created_in: None,
            uncertain: true,
        });
        let values = t.enum_values.get_or_insert_with(Vec::new);
        match change {
            EnumChange::AddValue {
                value, position, ..
            } => {
                if values.contains(value) {
                    return;
                }
                let at = match position {
                    Some(EnumPosition::Before(v)) => values.iter().position(|x| x == v),
                    Some(EnumPosition::After(v)) => {
                        values.iter().position(|x| x == v).map(|i| i + 1)
                    }
                    None => None,
                };
                values.insert(at.unwrap_or(values.len()), value.clone());
            }
            EnumChange::RenameValue { from, to } => {
                for v in values.iter_mut().filter(|v| *v == from) {
                    v.clone_from(to);
                }
            }
        }
    }

    fn drop(&mut self, d: &Drop) {
        for n in &d.names {
            let key = n.key();
            match d.kind {
                ObjectKind::Table => self.drop_table(&key),
                ObjectKind::View | ObjectKind::MaterializedView => {
                    self.views.remove(&key);
                }
                ObjectKind::Index => {
                    if let Some(i) = self.indexes.remove(&key)
                        && i.constraint
                    {
                        self.drop_constraint(&i.table, &key.name);
                    }
                }
                ObjectKind::Type => {
                    self.types.remove(&key);
                    if d.cascade {
                        // CASCADE drops the columns of that type.
                        let columns: Vec<(ObjectKey, String)> = self
                            .tables
                            .iter()
                            .flat_map(|(k, t)| {
                                t.columns
                                    .iter()
                                    .filter(|c| {
                                        c.data_type.as_ref().and_then(|t| t.user_type.as_ref())
                                            == Some(&key)
                                    })
                                    .map(move |c| (k.clone(), c.name.clone()))
                            })
                            .collect();
                        for (t, c) in columns {
                            self.drop_column(&t, &c);
                        }
                    }
                }
                ObjectKind::Sequence => {
                    self.sequences.remove(&key);
                }
                ObjectKind::Schema => self.drop_schema(&n.name.folded()),
                _ => {}
            }
        }
        // Views that depend on what was dropped go with it; the catalog does not know which.
        if d.cascade {
            for v in self.views.values_mut() {
                v.uncertain = true;
            }
        }
    }

    fn drop_schema(&mut self, schema: &str) {
        self.schemas.remove(schema);
        let tables: Vec<ObjectKey> = self
            .tables
            .keys()
            .filter(|k| k.schema == schema)
            .cloned()
            .collect();
        for t in tables {
            self.drop_table(&t);
        }
        self.indexes.retain(|k, _| k.schema != schema);
        self.views.retain(|k, _| k.schema != schema);
        self.types.retain(|k, _| k.schema != schema);
        self.sequences.retain(|k, _| k.schema != schema);
    }

    /// Renames or moves an object other than a table (or a table, through `ALTER <kind>`).
    fn move_object(&mut self, kind: ObjectKind, old: &ObjectKey, new: ObjectKey) {
        match kind {
            ObjectKind::Table => self.move_table(old, new),
            ObjectKind::Index => {
                if let Some(i) = self.indexes.remove(old) {
                    // An index and the constraint it enforces share their name.
                    if i.constraint
                        && let Some(t) = self.tables.get_mut(&i.table)
                        && let Some(c) = t.constraints.iter_mut().find(|c| c.name == old.name)
                    {
                        c.name = new.name.clone();
                        self.constraint_names.insert(new.name.clone());
                    }
                    self.indexes.insert(new, i);
                }
            }
            ObjectKind::View | ObjectKind::MaterializedView => {
                if let Some(v) = self.views.remove(old) {
                    self.views.insert(new, v);
                }
            }
            ObjectKind::Type => {
                if let Some(t) = self.types.remove(old) {
                    self.types.insert(new.clone(), t);
                }
                for t in self.tables.values_mut() {
                    for c in &mut t.columns {
                        if let Some(ty) = &mut c.data_type
                            && ty.user_type.as_ref() == Some(old)
                        {
                            ty.text = type_text(&new, &ty.text);
                            ty.base.clone_from(&new.name);
                            ty.user_type = Some(new.clone());
                        }
                    }
                }
            }
            ObjectKind::Sequence => {
                if let Some(s) = self.sequences.remove(old) {
                    self.sequences.insert(new, s);
                }
            }
            _ => {}
        }
    }

    fn rename_schema(&mut self, old: &str, new: &str) {
        let rekey = |k: &ObjectKey| ObjectKey {
            schema: if k.schema == old {
                new.to_string()
            } else {
                k.schema.clone()
            },
            name: k.name.clone(),
        };
        if let Some(s) = self.schemas.remove(old) {
            self.schemas.insert(new.to_string(), s);
        }
        fn rekey_map<T, M>(map: &mut M, rekey: &dyn Fn(&ObjectKey) -> ObjectKey)
        where
            M: Default + IntoIterator<Item = (ObjectKey, T)> + FromIterator<(ObjectKey, T)>,
        {
            *map = std::mem::take(map)
                .into_iter()
                .map(|(k, v)| (rekey(&k), v))
                .collect();
        }
        rekey_map(&mut self.tables, &rekey);
        rekey_map(&mut self.indexes, &rekey);
        rekey_map(&mut self.views, &rekey);
        rekey_map(&mut self.types, &rekey);
        rekey_map(&mut self.sequences, &rekey);
        for t in self.tables.values_mut() {
            t.partition_of = t.partition_of.as_ref().map(rekey);
            for c in &mut t.constraints {
                c.references = c.references.as_ref().map(rekey);
            }
            for c in &mut t.columns {
                if let Some(ty) = &mut c.data_type {
                    ty.user_type = ty.user_type.as_ref().map(rekey);
                }
            }
        }
        for i in self.indexes.values_mut() {
            i.table = rekey(&i.table);
        }
        for s in self.sequences.values_mut() {
            if let Some((t, _)) = &mut s.owned_by {
                *t = rekey(t);
            }
        }
    }

    // ----- what the catalog cannot replay -----

    /// The statements of a `DO` block bellows reads follow it; this is about what it does not
    /// read: `EXECUTE` of strings built at run time, or a body it cannot read at all.
    fn do_block(&mut self, dynamic: Option<&[Option<String>]>) {
        let Some(dynamic) = dynamic else {
            self.blind("a DO block whose body bellows cannot read", Scope::All);
            return;
        };
        for prefix in dynamic {
            self.dynamic(prefix.as_deref());
        }
    }

    /// `EXECUTE` of a string built at run time, whose leading literal is `prefix`. The
    /// literal often names the command (`format('UPDATE …`), and sometimes its object
    /// (`'ALTER TABLE t DROP CONSTRAINT ' || c`); read with its placeholders as an unknown
    /// name, it can tell what kind of fact may change (only constraints, say).
    fn dynamic(&mut self, prefix: Option<&str>) {
        const WHAT: &str = "dynamic SQL in a DO block";
        let Some(sql) = prefix.map(do_block::fill_template) else {
            self.blind(WHAT, Scope::All);
            return;
        };
        let Some((command, _)) = fallback::classify(&fallback::words_of_text(&sql, 8)) else {
            self.blind(WHAT, Scope::All);
            return;
        };
        if let Op::AlterTable(at) = crate::parse::statement(&sql, Span::new(0, sql.len())).op {
            self.dynamic_alter_table(&at);
        } else {
            self.unmodelled(&command, &sql, 0, WHAT);
        }
    }

    /// An `ALTER TABLE` read from a dynamic SQL template: what it may change on the table it
    /// names, or, when a placeholder names the table, on every table.
    fn dynamic_alter_table(&mut self, at: &AlterTable) {
        let touches_constraints_only = at.actions.iter().all(|a| match &a.kind {
            // A primary key also sets its columns NOT NULL.
            ActionKind::AddConstraint(c) => !matches!(c.kind, ConstraintKind::PrimaryKey),
            ActionKind::DropConstraint { .. }
            | ActionKind::ValidateConstraint { .. }
            | ActionKind::RenameConstraint { .. } => true,
            ActionKind::Other { description } => cosmetic_action(description),
            _ => false,
        });
        let cosmetic = at
            .actions
            .iter()
            .all(|a| matches!(&a.kind, ActionKind::Other { description } if cosmetic_action(description)));
        if cosmetic {
            return;
        }
        let what = "dynamic SQL in a DO block (ALTER TABLE)";
        if do_block::is_placeholder(&at.table.name) {
            let scope = if touches_constraints_only {
                Scope::Constraints
            } else {
                Scope::All
            };
            self.blind(what, scope);
            return;
        }
        let key = at.table.key();
        if let Some(t) = self.tables.get_mut(&key) {
            if touches_constraints_only {
                t.taint_constraints();
            } else {
                t.taint();
            }
        }
        self.taint_indexes(&key);
    }

    /// A statement bellows did not model: `command` names it, `sql` is its text (or the part
    /// of it known), starting at file byte `base`; `source` says what it is, for the record
    /// when it is a blind spot. The object it names becomes uncertain; when it cannot be
    /// named, every object of its kind does.
    fn unmodelled(&mut self, command: &str, sql: &str, base: usize, source: &str) {
        let (verb, object) = command.split_once(' ').unwrap_or((command, ""));
        if !matches!(verb, "CREATE" | "ALTER" | "DROP") {
            return;
        }
        let kind = match object {
            "TABLE" => ObjectKind::Table,
            "INDEX" => ObjectKind::Index,
            "VIEW" => ObjectKind::View,
            "MATERIALIZED VIEW" => ObjectKind::MaterializedView,
            "TYPE" | "DOMAIN" => ObjectKind::Type,
            "SCHEMA" => ObjectKind::Schema,
            _ => return,
        };
        let target = fallback::command_target(sql, base);
        if target.as_ref().is_some_and(|t| t.cosmetic) {
            return;
        }
        let Some(target) = target.filter(|t| !do_block::is_placeholder(&t.name.name)) else {
            let scope = match kind {
                ObjectKind::Index => Scope::Indexes,
                ObjectKind::View | ObjectKind::MaterializedView => Scope::Views,
                ObjectKind::Type => Scope::Types,
                _ => Scope::All,
            };
            self.blind(&format!("{source} ({command})"), scope);
            return;
        };
        let key = target.name.key();
        let create = verb == "CREATE";
        let unit = self.unit;
        match kind {
            // For CREATE INDEX the target is the table: it has an index the catalog lacks.
            ObjectKind::Index if create => {
                if let Some(t) = self.tables.get_mut(&key) {
                    t.complete = false;
                }
            }
            ObjectKind::Index => {
                if let Some(i) = self.indexes.get_mut(&key) {
                    i.uncertain = true;
                }
            }
            ObjectKind::Table if create => {
                self.remove_table(&key);
                self.dropped.remove(&key);
                self.tables.insert(
                    key,
                    Table {
                        created_in: Some(unit),
                        ..Table::default()
                    },
                );
            }
            ObjectKind::Table => {
                if let Some(t) = self.tables.get_mut(&key) {
                    t.taint();
                }
                self.taint_indexes(&key);
            }
            ObjectKind::Schema if create => {
                self.schemas
                    .entry(target.name.name.folded())
                    .or_insert(Schema {
                        created_in: Some(unit),
                    });
            }
            ObjectKind::Schema => self.taint(Scope::All, Some(&target.name.name.folded())),
            ObjectKind::Type => {
                let t = self.types.entry(key).or_insert(TypeDef {
                    enum_values: None,
                    created_in: create.then_some(unit),
                    uncertain: true,
                });
                t.uncertain = true;
            }
            _ => {
                let v = self.views.entry(key).or_insert(View {
                    materialized: kind == ObjectKind::MaterializedView,
                    created_in: create.then_some(unit),
                    uncertain: true,
                });
                v.uncertain = true;
            }
        }
    }

    /// A statement that may have changed any object of `scope`: every such object known so
    /// far becomes uncertain, and the statement is recorded.
    fn blind(&mut self, what: &str, scope: Scope) {
        self.blind_spots.push(BlindSpot {
            unit: self.unit,
            what: what.to_string(),
            affects: scope.describe(),
        });
        self.taint(scope, None);
    }

    /// Marks every object of `scope` (in `schema`, or anywhere) uncertain.
    fn taint(&mut self, scope: Scope, schema: Option<&str>) {
        let within = |k: &ObjectKey| schema.is_none_or(|s| k.schema == s);
        for (_, t) in self.tables.iter_mut().filter(|(k, _)| within(k)) {
            match scope {
                Scope::All => t.taint(),
                Scope::Constraints => t.taint_constraints(),
                _ => {}
            }
        }
        if matches!(scope, Scope::All | Scope::Constraints | Scope::Indexes) {
            for (_, i) in self.indexes.iter_mut().filter(|(k, _)| within(k)) {
                i.uncertain = true;
            }
        }
        if matches!(scope, Scope::All | Scope::Views) {
            for (_, v) in self.views.iter_mut().filter(|(k, _)| within(k)) {
                v.uncertain = true;
            }
        }
        if matches!(scope, Scope::All | Scope::Types) {
            for (_, t) in self.types.iter_mut().filter(|(k, _)| within(k)) {
                t.uncertain = true;
            }
        }
    }
}

/// What a statement the catalog cannot replay may have changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// Anything.
    All,
    /// Constraints and indexes of tables, not their columns.
    Constraints,
    /// Indexes.
    Indexes,
    /// Views and materialized views.
    Views,
    /// Types.
    Types,
}

impl Scope {
    fn describe(self) -> String {
        match self {
            Scope::All => "every object defined before it",
            Scope::Constraints => "the constraints and indexes of every table defined before it",
            Scope::Indexes => "every index defined before it",
            Scope::Views => "every view defined before it",
            Scope::Types => "every type defined before it",
        }
        .to_string()
    }
}

/// `ALTER TABLE` actions bellows does not model that change no column, constraint or index:
/// ownership, row security, triggers, replica identity, storage parameters, clustering,
/// inheritance and typed-table links.
fn cosmetic_action(description: &str) -> bool {
    let first = description.split(' ').next().unwrap_or("");
    matches!(
        first,
        "OWNER"
            | "ENABLE"
            | "DISABLE"
            | "FORCE"
            | "NO"
            | "REPLICA"
            | "SET"
            | "RESET"
            | "CLUSTER"
            | "INHERIT"
            | "OF"
            | "NOT"
    ) || description.starts_with("ALTER CONSTRAINT")
}

/// PostgreSQL's label for the index of a constraint it names itself.
fn constraint_index_label(kind: ConstraintType) -> &'static str {
    match kind {
        ConstraintType::PrimaryKey => "pkey",
        ConstraintType::Exclude => "excl",
        _ => "key",
    }
}

/// `name1_name2_label`, else with the label numbered (`label1`, `label2`, …) until `taken`
/// accepts it, as PostgreSQL numbers the names it generates.
fn choose(name1: &str, name2: &str, label: &str, taken: impl Fn(&str) -> bool) -> String {
    let mut name = make_object_name(name1, name2, label);
    let mut pass = 0u32;
    // Finitely many names are known, so a free one comes quickly; the bound keeps the loop
    // finite whatever `taken` says.
    while taken(&name) && pass < 10_000 {
        pass += 1;
        name = make_object_name(name1, name2, &format!("{label}{pass}"));
    }
    name
}

/// The name part an index key gives a generated index name (PostgreSQL's
/// `FigureIndexColname`): a column's name, a function call's function name, `expr` for other
/// expressions.
fn key_label(text: &str) -> String {
    let mut t = strip_parens(text.trim());
    // A cast is named after what it casts.
    if let Some((head, _)) = t.rsplit_once("::")
        && balanced(head)
    {
        t = strip_parens(head.trim());
    }
    let word_end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"'))
        .unwrap_or(t.len());
    let (word, rest) = t.split_at(word_end);
    let last = word.rsplit('.').next().unwrap_or(word);
    let plain = !last.is_empty() && !last.starts_with(|c: char| c.is_ascii_digit());
    let call = rest.starts_with('(') && rest.ends_with(')') && balanced(&rest[1..rest.len() - 1]);
    match () {
        _ if plain && (rest.is_empty() || call) => match last.strip_prefix('"') {
            Some(q) => q.trim_end_matches('"').to_string(),
            None => last.to_lowercase(),
        },
        _ if t.get(..4).is_some_and(|w| w.eq_ignore_ascii_case("case")) => "case".into(),
        _ => "expr".into(),
    }
}

/// `text` without parentheses that enclose all of it.
fn strip_parens(mut text: &str) -> &str {
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        text = inner.trim();
    }
    text
}

/// True when the parentheses of `text` pair up (quotes are not looked into).
fn balanced(text: &str) -> bool {
    let mut depth = 0i32;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ => {}
        }
        if depth < 0 {
            return false;
        }
    }
    depth == 0
}

/// Renames `from` to `to` in a list of column names.
fn rename_in(columns: &mut [String], from: &str, to: &str) {
    for c in columns.iter_mut().filter(|c| *c == from) {
        *c = to.to_string();
    }
}

/// The schema and name of a type as written (`mood`, `app."Mood"`, `"Mood"[]`): the leading
/// possibly qualified name, folded. Unqualified names are in `public`.
fn type_key(written: &str) -> Option<ObjectKey> {
    let mut parts = Vec::new();
    let mut rest = written.trim_start();
    loop {
        let (part, after) = match rest.strip_prefix('"') {
            Some(quoted) => {
                let mut value = String::new();
                let mut end = None;
                let mut chars = quoted.char_indices().peekable();
                while let Some((i, c)) = chars.next() {
                    if c != '"' {
                        value.push(c);
                    } else if chars.peek().is_some_and(|&(_, n)| n == '"') {
                        value.push('"');
                        chars.next();
                    } else {
                        end = Some(i + 1);
                        break;
                    }
                }
                (ident::fold(&value, true), quoted.get(end?..)?)
            }
            None => {
                let len = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                    .unwrap_or(rest.len());
                if len == 0 {
                    return None;
                }
                (ident::fold(&rest[..len], false), &rest[len..])
            }
        };
        parts.push(part);
        match after.strip_prefix('.') {
            Some(r) => rest = r,
            None => break,
        }
    }
    let name = parts.pop()?;
    Some(ObjectKey {
        schema: parts.pop().unwrap_or_else(|| "public".into()),
        name,
    })
}

/// The text of a column type after its type was renamed or moved to `new`: the name part
/// replaced, array brackets and modifiers kept.
fn type_text(new: &ObjectKey, old_text: &str) -> String {
    let suffix_at = old_text.find(['(', '[']).unwrap_or(old_text.len());
    let suffix = &old_text[suffix_at..];
    let name = if new.schema == "public" && !old_text[..suffix_at].contains('.') {
        ident::render(&new.name)
    } else {
        format!(
            "{}.{}",
            ident::render(&new.schema),
            ident::render(&new.name)
        )
    };
    format!("{name}{suffix}")
}

/// What a constraint's definition holds besides its kind and columns, as written: a CHECK's
/// expression, a foreign key's `REFERENCES …` clause, an exclusion constraint's whole text.
fn detail(c: &ir::Constraint, text: &str) -> String {
    match &c.kind {
        ConstraintKind::PrimaryKey | ConstraintKind::Unique => String::new(),
        ConstraintKind::Check { expr, .. } => expr.text.clone(),
        ConstraintKind::ForeignKey { references } => {
            let body = c.body_span().slice(text).trim();
            // ASCII upper-casing keeps byte offsets.
            body.to_ascii_uppercase()
                .find("REFERENCES")
                .and_then(|at| body.get(at..))
                .map_or_else(
                    || format!("REFERENCES {}", references.sql()),
                    str::to_string,
                )
        }
        ConstraintKind::Exclude => c.body_span().slice(text).trim().to_string(),
    }
}

/// SQL `text` with the column `from` (folded) renamed to `to` wherever it stands as a whole
/// word outside string literals: how PostgreSQL, which stores expressions by column number,
/// would print them after `RENAME COLUMN`.
fn rename_ident(text: &str, from: &str, to: &str) -> String {
    let old = ident::render(from);
    let new = ident::render(to);
    let quoted = old.starts_with('"');
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '$' || c == '"';
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut prev: Option<char> = None;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let starts_here = !in_string
            && !prev.is_some_and(is_word)
            && rest.get(..old.len()).is_some_and(|w| {
                if quoted {
                    w == old
                } else {
                    w.eq_ignore_ascii_case(&old)
                }
            })
            && !rest[old.len()..].chars().next().is_some_and(is_word);
        if starts_here {
            out.push_str(&new);
            prev = old.chars().last();
            rest = &rest[old.len()..];
            continue;
        }
        if c == '\'' {
            in_string = !in_string;
        }
        out.push(c);
        prev = Some(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::read_statements;
    use crate::source::Span;

    /// The catalog after every statement of `sql`, all in unit 0.
    fn replay(sql: &str) -> Catalog {
        let mut catalog = Catalog::default();
        for s in read_statements(sql).1 {
            catalog.apply(&s, sql);
        }
        catalog
    }

    #[test]
    fn tables_are_listed_by_schema_then_name_whatever_their_creation_order() {
        let c = replay(
            "CREATE SCHEMA b; CREATE TABLE zeta (a int); CREATE TABLE b.alpha (a int); \
             CREATE TABLE alpha (a int); CREATE TABLE mid (a int); CREATE TABLE b.beta (a int);",
        );
        let names: Vec<String> = c
            .tables()
            .map(|(k, _)| format!("{}.{}", k.schema, k.name))
            .collect();
        assert_eq!(
            names,
            [
                "b.alpha",
                "b.beta",
                "public.alpha",
                "public.mid",
                "public.zeta"
            ]
        );
    }

    fn q(name: &str) -> QualifiedName {
        let (schema, name) = match name.split_once('.') {
            Some((s, n)) => (Some(Name::new(s, false, Span::default())), n),
            None => (None, name),
        };
        QualifiedName {
            schema,
            name: Name::new(name, false, Span::default()),
        }
    }

    fn n(name: &str) -> Name {
        Name::new(name, false, Span::default())
    }

    fn constraint_names(c: &Catalog, table: &str) -> Vec<String> {
        c.table(&q(table))
            .map(|t| t.constraints.iter().map(|c| c.name.clone()).collect())
            .unwrap_or_default()
    }

    fn index_names(c: &Catalog, table: &str) -> Vec<String> {
        c.indexes_of(&q(table).key())
            .map(|(k, _)| k.name.clone())
            .collect()
    }

    fn type_of(c: &Catalog, table: &str, column: &str) -> Option<String> {
        c.column_type(&q(table), &n(column)).map(|t| t.text.clone())
    }

    #[test]
    fn create_table_names_constraints_like_postgresql() {
        let c = replay(
            "CREATE TABLE orders (
               id bigserial PRIMARY KEY,
               user_id bigint NOT NULL REFERENCES users (id),
               code varchar(20) UNIQUE,
               qty int CHECK (qty > 0),
               CHECK (qty < 100 AND code <> ''),
               UNIQUE (code)
             );",
        );
        assert_eq!(
            constraint_names(&c, "orders"),
            vec![
                "orders_qty_check",
                "orders_check",
                "orders_pkey",
                "orders_code_key",
                "orders_code_key1",
                "orders_user_id_fkey"
            ]
        );
        assert_eq!(
            index_names(&c, "orders"),
            vec!["orders_code_key", "orders_code_key1", "orders_pkey"]
        );
        let t = c.table(&q("orders")).unwrap();
        assert!(t.complete);
        let id = t.column("id").unwrap();
        assert_eq!(id.data_type.as_ref().unwrap().text, "bigint");
        assert!(id.not_null);
        assert_eq!(
            id.default.as_deref(),
            Some("nextval('orders_id_seq'::regclass)")
        );
        assert!(c.sequences.contains_key(&q("orders_id_seq").key()));
        let fk = t.constraint("orders_user_id_fkey").unwrap();
        assert_eq!(fk.references, Some(q("users").key()));
        assert_eq!(
            fk.definition(),
            "FOREIGN KEY (user_id) REFERENCES users (id)"
        );
        assert_eq!(
            t.constraint("orders_check").unwrap().columns,
            vec!["qty", "code"]
        );
        assert_eq!(c.is_not_null(&q("orders"), &n("code")), Some(false));
    }

    #[test]
    fn types_keep_their_modifiers() {
        let c = replay(
            "CREATE TABLE t (a varchar(20), b numeric(10,2), c \"Mood\"[], d app.kind, e serial);",
        );
        let t = c.column_type(&q("t"), &n("b")).unwrap();
        assert_eq!(
            (t.base.as_str(), t.modifiers.clone()),
            ("numeric", Some(vec![10, 2]))
        );
        let t = c.column_type(&q("t"), &n("c")).unwrap();
        assert_eq!(t.text, "\"Mood\"[]");
        assert!(t.array);
        assert_eq!(
            t.user_type,
            Some(ObjectKey {
                schema: "public".into(),
                name: "Mood".into()
            })
        );
        assert_eq!(
            c.column_type(&q("t"), &n("d")).unwrap().user_type,
            Some(q("app.kind").key())
        );
        assert_eq!(type_of(&c, "t", "e").as_deref(), Some("integer"));
    }

    #[test]
    fn alter_table_actions_replay_in_order() {
        let c = replay(
            "CREATE TABLE t (id int PRIMARY KEY, a text);
             ALTER TABLE t ADD COLUMN b varchar(10) NOT NULL DEFAULT 'x',
                           ALTER COLUMN a SET NOT NULL;
             ALTER TABLE t ALTER COLUMN b TYPE varchar(20), ALTER COLUMN b DROP DEFAULT;
             ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;
             ALTER TABLE t RENAME COLUMN a TO c;
             CREATE INDEX ON t (c);
             ALTER TABLE t DROP COLUMN b;",
        );
        let t = c.table(&q("t")).unwrap();
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, vec!["id", "c"]);
        assert_eq!(c.is_not_null(&q("t"), &n("c")), Some(true));
        let check = t.constraint("a_nn").unwrap();
        assert!(!check.valid);
        assert_eq!(check.not_null_column.as_deref(), Some("c"));
        assert!(!c.has_validated_not_null_check(&q("t"), &n("c")));
        assert_eq!(index_names(&c, "t"), vec!["t_c_idx", "t_pkey"]);
        assert_eq!(c.indexes_on(&q("t"), &n("c")), vec!["t_c_idx"]);

        let c = replay(
            "CREATE TABLE t (a text, b varchar(10));
             ALTER TABLE t ALTER COLUMN b TYPE varchar(20);
             ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL) NOT VALID;
             ALTER TABLE t VALIDATE CONSTRAINT a_nn;",
        );
        assert!(c.has_validated_not_null_check(&q("t"), &n("a")));
        assert_eq!(type_of(&c, "t", "b").as_deref(), Some("varchar(20)"));
        let c = replay(&format!(
            "{} ALTER TABLE t DROP CONSTRAINT a_nn;",
            "CREATE TABLE t (a text); ALTER TABLE t ADD CONSTRAINT a_nn CHECK (a IS NOT NULL);"
        ));
        assert!(!c.has_validated_not_null_check(&q("t"), &n("a")));
    }

    #[test]
    fn dropping_a_column_drops_its_indexes_and_constraints() {
        let c = replay(
            "CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE, b int, CHECK (a > b));
             CREATE INDEX t_b ON t (b, a);
             CREATE INDEX t_lower ON t (lower(b::text));
             ALTER TABLE t DROP COLUMN a;",
        );
        assert_eq!(constraint_names(&c, "t"), vec!["t_pkey"]);
        assert_eq!(index_names(&c, "t"), vec!["t_lower", "t_pkey"]);
    }

    #[test]
    fn generated_index_names_avoid_every_relation() {
        let c = replay(
            "CREATE TABLE t (a int, b text);
             CREATE TABLE t_a_idx (x int);
             CREATE INDEX ON t (a);
             CREATE UNIQUE INDEX ON t (lower(b), (a + 1)) INCLUDE (b);
             CREATE INDEX ON t ((b::int));",
        );
        assert_eq!(
            index_names(&c, "t"),
            vec!["t_a_idx1", "t_b_idx", "t_lower_expr_b_idx"]
        );
    }

    #[test]
    fn renames_follow_tables_constraints_and_indexes() {
        let c = replay(
            "CREATE TABLE users (id int PRIMARY KEY);
             CREATE TABLE orders (user_id int REFERENCES users);
             ALTER TABLE users RENAME TO accounts;
             ALTER TABLE accounts RENAME CONSTRAINT users_pkey TO accounts_pkey;
             ALTER INDEX accounts_pkey RENAME TO accounts_pk;
             ALTER TABLE accounts SET SCHEMA app;",
        );
        assert!(c.table(&q("users")).is_none());
        assert_eq!(constraint_names(&c, "app.accounts"), vec!["accounts_pk"]);
        assert_eq!(index_names(&c, "app.accounts"), vec!["accounts_pk"]);
        let fk = c
            .table(&q("orders"))
            .unwrap()
            .constraint("orders_user_id_fkey")
            .unwrap();
        assert_eq!(fk.references, Some(q("app.accounts").key()));
        assert_eq!(c.table_exists(&q("users")), None);
    }

    #[test]
    fn using_index_turns_an_index_into_the_constraint() {
        let c = replay(
            "CREATE TABLE t (a int, b int);
             CREATE UNIQUE INDEX CONCURRENTLY t_a_b ON t (a, b);
             ALTER TABLE t ADD CONSTRAINT t_pk PRIMARY KEY USING INDEX t_a_b;",
        );
        assert_eq!(index_names(&c, "t"), vec!["t_pk"]);
        let pk = c.table(&q("t")).unwrap().constraint("t_pk").unwrap();
        assert_eq!(pk.columns, vec!["a", "b"]);
        assert_eq!(c.is_not_null(&q("t"), &n("b")), Some(true));
    }

    #[test]
    fn drops_take_dependents_with_them() {
        let c = replay(
            "CREATE TABLE users (id int PRIMARY KEY);
             CREATE TABLE orders (id int, user_id int REFERENCES users);
             CREATE TYPE mood AS ENUM ('ok');
             ALTER TABLE orders ADD COLUMN m mood;
             CREATE VIEW v AS SELECT 1;
             DROP TABLE users CASCADE;
             DROP TYPE mood CASCADE;",
        );
        assert_eq!(c.table_exists(&q("users")), Some(false));
        assert!(constraint_names(&c, "orders").is_empty());
        assert!(c.table(&q("orders")).unwrap().column("m").is_none());
        assert!(c.views().all(|(_, v)| v.uncertain));
        assert!(c.sequences().next().is_none());
    }

    #[test]
    fn enums_keep_their_labels_in_order() {
        let c = replay(
            "CREATE TYPE mood AS ENUM ('sad', 'happy');
             ALTER TYPE mood ADD VALUE 'ok' BEFORE 'happy';
             ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad';
             ALTER TYPE mood ADD VALUE 'ecstatic';
             ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
        );
        let (_, t) = c.types().next().unwrap();
        assert_eq!(
            t.enum_values.as_deref(),
            Some(&["blue", "ok", "happy", "ecstatic"].map(String::from)[..])
        );
        assert!(!t.uncertain);
    }

    #[test]
    fn if_not_exists_on_a_table_not_fully_known_may_have_done_nothing() {
        let c = replay(
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS a text NOT NULL DEFAULT 'x';
             CREATE TABLE u (id int);
             ALTER TABLE u ADD COLUMN IF NOT EXISTS a text NOT NULL DEFAULT 'x';",
        );
        assert_eq!(c.is_not_null(&q("t"), &n("a")), None);
        assert_eq!(c.is_not_null(&q("u"), &n("a")), Some(true));
    }

    #[test]
    fn tables_first_seen_altered_are_incomplete_but_exact() {
        let c = replay(
            "ALTER TABLE t ADD COLUMN a varchar(10);
             ALTER TABLE t ALTER COLUMN b SET NOT NULL;",
        );
        let t = c.table(&q("t")).unwrap();
        assert!(!t.complete && t.created_in.is_none());
        assert_eq!(type_of(&c, "t", "a").as_deref(), Some("varchar(10)"));
        // That b exists and is NOT NULL is sure; its type the catalog never saw.
        assert!(t.column("b").is_some());
        assert_eq!(c.is_not_null(&q("t"), &n("b")), Some(true));
        assert_eq!(type_of(&c, "t", "b"), None);
    }

    #[test]
    fn what_cannot_be_replayed_makes_objects_uncertain() {
        let c = replay(
            "CREATE TABLE t (a varchar(10) NOT NULL);
             CREATE TABLE u (a text);
             ALTER TABLE t OWNER TO admin, ENABLE ROW LEVEL SECURITY;
             ALTER TABLE u ALTER COLUMN a SET STATISTICS 100;",
        );
        assert_eq!(type_of(&c, "t", "a").as_deref(), Some("varchar(10)"));
        assert!(c.table(&q("t")).unwrap().complete);
        assert_eq!(type_of(&c, "u", "a"), None);
        assert!(!c.table(&q("u")).unwrap().complete);

        // Added after the unknown statement: exact again.
        let c = replay(
            "CREATE TABLE t (a text);
             DO $$ BEGIN EXECUTE format('ALTER TABLE %I DROP COLUMN a', 't'); END $$;
             ALTER TABLE t ADD COLUMN b int;",
        );
        assert_eq!(type_of(&c, "t", "a"), None);
        assert_eq!(type_of(&c, "t", "b").as_deref(), Some("int"));
        assert_eq!(c.blind_spots().len(), 1);

        // A dynamic ALTER TABLE that only adds constraints leaves the columns sure.
        let c = replay(
            "CREATE TABLE t (a varchar(10) NOT NULL, CONSTRAINT a_nn CHECK (a IS NOT NULL));
             DO $$ BEGIN
               EXECUTE format('ALTER TABLE public.%I ADD CONSTRAINT %I CHECK (length(a) < 5)', 't', 'c');
               EXECUTE format('ALTER VIEW %I SET (security_invoker = on)', 'v');
             END $$;",
        );
        assert_eq!(type_of(&c, "t", "a").as_deref(), Some("varchar(10)"));
        assert_eq!(c.is_not_null(&q("t"), &n("a")), Some(true));
        assert!(!c.has_validated_not_null_check(&q("t"), &n("a")));
        assert_eq!(c.blind_spots().len(), 1);
        // A literal table name: only that table.
        let c = replay(
            "CREATE TABLE t (a int); CREATE TABLE u (a int);
             DO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN a SET STORAGE ' || s; END $$;",
        );
        assert_eq!(type_of(&c, "t", "a"), None);
        assert_eq!(type_of(&c, "u", "a").as_deref(), Some("int"));
        assert!(c.blind_spots().is_empty());
    }

    #[test]
    fn partitions_get_the_parents_columns_and_own_index_names() {
        let c = replay(
            "CREATE TABLE m (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at);
             CREATE INDEX ON m (at);
             CREATE TABLE m_2024 PARTITION OF m FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');",
        );
        let p = c.table(&q("m_2024")).unwrap();
        assert_eq!(p.partition_of, Some(q("m").key()));
        assert_eq!(p.columns.len(), 2);
        assert_eq!(
            index_names(&c, "m_2024"),
            vec!["m_2024_at_idx", "m_2024_pkey"]
        );
        let c = replay(&format!(
            "{} DROP TABLE m;",
            "CREATE TABLE m (id int) PARTITION BY LIST (id); CREATE TABLE m1 PARTITION OF m FOR VALUES IN (1);"
        ));
        assert_eq!(c.table_exists(&q("m1")), Some(false));
    }

    #[test]
    fn schemas_are_created_renamed_and_dropped() {
        let c = replay(
            "CREATE SCHEMA app;
             CREATE TABLE app.t (a int);
             CREATE TYPE app.kind AS ENUM ('x');
             ALTER TABLE app.t ADD COLUMN k app.kind;
             ALTER SCHEMA app RENAME TO core;",
        );
        assert!(c.table(&q("core.t")).is_some());
        assert_eq!(
            c.column_type(&q("core.t"), &n("k")).unwrap().user_type,
            Some(q("core.kind").key())
        );
        assert_eq!(
            c.schemas().iter().map(|s| s.0).collect::<Vec<_>>(),
            vec!["core"]
        );
        let c = replay("CREATE SCHEMA app; CREATE TABLE app.t (a int); DROP SCHEMA app CASCADE;");
        assert!(c.tables().next().is_none());
    }

    #[test]
    fn renamed_columns_are_renamed_in_expressions() {
        assert_eq!(
            rename_ident(
                "total >= 0 AND Total <> 'total' AND subtotal > x.total",
                "total",
                "amount"
            ),
            "amount >= 0 AND amount <> 'total' AND subtotal > x.amount"
        );
        assert_eq!(
            rename_ident("\"Total\" > total", "Total", "Sum"),
            "\"Sum\" > total"
        );
        let c = replay(
            "CREATE TABLE t (total int CHECK (total >= 0), b int);
             CREATE INDEX ON t (lower(total::text));
             ALTER TABLE t RENAME COLUMN total TO amount;",
        );
        let t = c.table(&q("t")).unwrap();
        assert_eq!(t.constraints[0].definition(), "CHECK (amount >= 0)");
        assert_eq!(t.constraints[0].name, "t_total_check");
        let (_, i) = c.indexes_of(&q("t").key()).next().unwrap();
        assert_eq!(i.keys[0].text, "lower(amount::TEXT)");
    }

    #[test]
    fn index_key_labels_follow_postgresql() {
        for (text, want) in [
            ("lower(email)", "lower"),
            ("(lower(email))", "lower"),
            ("public.f(a, b)", "f"),
            ("(b)::int", "b"),
            ("a + 1", "expr"),
            ("lower(a) || lower(b)", "expr"),
            ("CASE WHEN a THEN 1 END", "case"),
            ("data ->> 'k'", "expr"),
        ] {
            assert_eq!(key_label(text), want, "{text}");
        }
    }

    #[test]
    fn units_say_where_tables_were_created() {
        let sql = "CREATE TABLE a (x int); ALTER TABLE b ADD COLUMN y int;";
        let mut c = Catalog::default();
        c.begin_unit(UnitId(3));
        for s in read_statements(sql).1 {
            c.apply(&s, sql);
        }
        assert_eq!(c.created_in(&q("a")), Some(UnitId(3)));
        assert_eq!(c.created_in(&q("b")), None);
        assert_eq!(c.table_exists(&q("b")), Some(true));
    }

    #[test]
    fn names_in_use_are_relations_and_constraints() {
        let c = replay(
            "CREATE TABLE t (a int CONSTRAINT a_positive CHECK (a > 0)); CREATE INDEX i ON t (a);",
        );
        assert!(c.name_in_use("public", "t"));
        assert!(c.name_in_use("public", "i"));
        assert!(c.name_in_use("public", "a_positive"));
        assert!(!c.name_in_use("app", "a_positive"));
        assert!(c.column_in_use(&q("t"), "a"));
    }

    #[test]
    fn generated_names_skip_names_constraints_took_in_any_way() {
        // A constraint gets a name when added, renamed, renamed through its index, or copied
        // to a partition (under its parent's name, already known then); PostgreSQL then
        // skips the name: `t_a_check1`, not `t_a_check` again.
        let renamed = replay(
            "CREATE TABLE t (a int CONSTRAINT c1 CHECK (a > 0));\n\
             ALTER TABLE t RENAME CONSTRAINT c1 TO t_a_check;\n\
             ALTER TABLE t ADD CHECK (a > 1);",
        );
        assert_eq!(constraint_names(&renamed, "t"), ["t_a_check", "t_a_check1"]);
        let through_index = replay(
            "CREATE TABLE t (a int, CONSTRAINT u UNIQUE (a));\n\
             ALTER INDEX u RENAME TO t_a_check;\n\
             ALTER TABLE t ADD CHECK (a > 1);",
        );
        assert_eq!(
            constraint_names(&through_index, "t"),
            ["t_a_check", "t_a_check1"]
        );
        let partition = replay(
            "CREATE TABLE p (a int, CONSTRAINT c_a_check CHECK (a > 0)) PARTITION BY RANGE (a);\n\
             CREATE TABLE c PARTITION OF p FOR VALUES FROM (0) TO (10);\n\
             ALTER TABLE c ADD CHECK (a > 1);",
        );
        assert_eq!(
            constraint_names(&partition, "c"),
            ["c_a_check", "c_a_check1"]
        );
    }
}
