//! `bellows schema`: replays migration files into a [`Catalog`] and prints the schema they
//! build, as a readable listing or as JSON (documented in `docs/schema-output.md`).

use crate::catalog::{
    BlindSpot, Catalog, Column, Constraint, ConstraintType, Index, Sequence, Table, TypeDef,
    UnitId, View,
};
use crate::discover::Input;
use crate::ident::{ObjectKey, render};
use crate::lint;
use serde::Serialize;
use std::fmt::Write as _;
use std::path::PathBuf;

/// The JSON document's version: bumped only when a field is renamed or removed.
pub const VERSION: u32 = 1;

/// The schema some migration files build.
#[derive(Debug, Clone, Default)]
pub struct Replay {
    /// The files replayed, in order: file `i` is unit `i` of the catalog.
    pub files: Vec<PathBuf>,
    /// The schema they leave.
    pub catalog: Catalog,
    /// Files that could not be read, and why: the schema lacks what they do.
    pub unreadable: Vec<String>,
}

/// Replays `inputs` in order, each file its own migration unit.
pub fn replay(inputs: &[Input]) -> Replay {
    let mut out = Replay::default();
    for input in inputs {
        let path = match input {
            Input::File(p) => p,
            Input::Unreadable { message, .. } => {
                out.unreadable.push(message.clone());
                continue;
            }
        };
        let text = match lint::read_sql(path) {
            Ok(t) => t,
            Err(message) => {
                out.unreadable.push(message);
                continue;
            }
        };
        out.catalog.begin_unit(UnitId(out.files.len()));
        out.files.push(path.clone());
        for stmt in lint::read(&text).statements {
            out.catalog.apply(&stmt, &text);
        }
    }
    out
}

impl Replay {
    /// The file of a unit.
    fn file(&self, unit: Option<UnitId>) -> Option<String> {
        unit.and_then(|u| self.files.get(u.0))
            .map(|p| p.display().to_string())
    }
}

/// The readable listing: per schema, its tables (columns, constraints, indexes), views,
/// types and sequences; objects the catalog is not sure of are marked.
pub fn human(r: &Replay) -> String {
    let c = &r.catalog;
    let mut out = String::new();
    let in_schema = |k: &ObjectKey, s: &str| k.schema == s;
    for (schema, created_in) in c.schemas() {
        let _ = writeln!(out, "schema {}{}", render(schema), created(r, created_in));
        for (key, table) in c.tables().filter(|(k, _)| in_schema(k, schema)) {
            out.push('\n');
            table_listing(&mut out, r, key, table);
        }
        let mut others = String::new();
        for (key, view) in c.views().filter(|(k, _)| in_schema(k, schema)) {
            let kind = if view.materialized {
                "materialized view"
            } else {
                "view"
            };
            let _ = writeln!(
                others,
                "  {kind} {}{}{}",
                render(&key.name),
                uncertain(view.uncertain),
                created(r, view.created_in)
            );
        }
        for (key, t) in c.types().filter(|(k, _)| in_schema(k, schema)) {
            let what = match &t.enum_values {
                Some(values) => format!(
                    "enum {} ({})",
                    render(&key.name),
                    values
                        .iter()
                        .map(|v| format!("'{}'", v.replace('\'', "''")))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => format!("type {}", render(&key.name)),
            };
            let _ = writeln!(
                others,
                "  {what}{}{}",
                uncertain(t.uncertain),
                created(r, t.created_in)
            );
        }
        for (key, s) in c.sequences().filter(|(k, _)| in_schema(k, schema)) {
            let owner = s.owned_by.as_ref().map_or(String::new(), |(t, col)| {
                format!(" (owned by {}.{})", qualified(t, schema), render(col))
            });
            let _ = writeln!(others, "  sequence {}{owner}", render(&key.name));
        }
        if !others.is_empty() {
            out.push('\n');
            out.push_str(&others);
        }
        out.push('\n');
    }
    if c.schemas().is_empty() {
        out.push_str("no schema objects\n\n");
    }
    for spot in c.blind_spots() {
        let _ = writeln!(
            out,
            "not replayed: {} in {}; it may have changed {}",
            spot.what,
            r.file(Some(spot.unit)).unwrap_or_default(),
            spot.affects
        );
    }
    for message in &r.unreadable {
        let _ = writeln!(out, "not replayed: {message}");
    }
    out
}

fn table_listing(out: &mut String, r: &Replay, key: &ObjectKey, table: &Table) {
    let partition = table.partition_of.as_ref().map_or(String::new(), |p| {
        format!(" partition of {}", qualified(p, &key.schema))
    });
    let origin = match (table.created_in, table.complete) {
        (Some(_), true) => created(r, table.created_in),
        (Some(_), false) => format!(
            "{} (incomplete: it may have more than is listed)",
            created(r, table.created_in)
        ),
        (None, _) => " (defined before these migrations: it may have more than is listed)".into(),
    };
    let _ = writeln!(out, "  table {}{partition}{origin}", render(&key.name));
    let width = table
        .columns
        .iter()
        .map(|c| render(&c.name).chars().count())
        .max()
        .unwrap_or(0);
    for col in &table.columns {
        let _ = writeln!(
            out,
            "    {:width$}  {}",
            render(&col.name),
            column_text(col)
        );
    }
    if !table.constraints.is_empty() {
        out.push_str("    constraints\n");
        for con in &table.constraints {
            let not_valid = if con.valid { "" } else { " NOT VALID" };
            let _ = writeln!(
                out,
                "      {} {}{not_valid}{}",
                render(&con.name),
                con.definition(),
                uncertain(con.uncertain)
            );
        }
    }
    let indexes: Vec<_> = r.catalog.indexes_of(key).collect();
    if !indexes.is_empty() {
        out.push_str("    indexes\n");
        for (k, index) in indexes {
            let _ = writeln!(out, "      {} {}", render(&k.name), index_text(index));
        }
    }
}

/// `type [NOT NULL] [DEFAULT …] [identity] [generated]`, `?` for an unknown type.
fn column_text(col: &Column) -> String {
    let mut s = col
        .data_type
        .as_ref()
        .map_or_else(|| "?".to_string(), |t| t.text.clone());
    if col.not_null {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &col.default {
        let _ = write!(s, " DEFAULT {d}");
    }
    if col.identity {
        s.push_str(" identity");
    }
    if col.generated {
        s.push_str(" generated");
    }
    s.push_str(&uncertain(col.uncertain()));
    s
}

/// `[UNIQUE] [USING method] (keys) [INCLUDE (…)] [partial] [INVALID] [constraint]`.
fn index_text(index: &Index) -> String {
    let mut s = String::new();
    if index.unique {
        s.push_str("UNIQUE ");
    }
    if let Some(m) = &index.method {
        let _ = write!(s, "USING {m} ");
    }
    let keys: Vec<&str> = index.keys.iter().map(|k| k.text.as_str()).collect();
    let _ = write!(s, "({})", keys.join(", "));
    if !index.include.is_empty() {
        let include: Vec<String> = index.include.iter().map(|c| render(c)).collect();
        let _ = write!(s, " INCLUDE ({})", include.join(", "));
    }
    if index.partial {
        s.push_str(" partial");
    }
    if !index.valid {
        s.push_str(" INVALID");
    }
    if index.constraint {
        s.push_str(" (enforces the constraint)");
    }
    s.push_str(&uncertain(index.uncertain));
    s
}

fn uncertain(yes: bool) -> String {
    if yes {
        " (uncertain)".into()
    } else {
        String::new()
    }
}

fn created(r: &Replay, unit: Option<UnitId>) -> String {
    r.file(unit)
        .map_or(String::new(), |f| format!(" — created in {f}"))
}

/// A name qualified with its schema unless that is `schema`.
fn qualified(key: &ObjectKey, schema: &str) -> String {
    if key.schema == schema {
        render(&key.name)
    } else {
        format!("{}.{}", render(&key.schema), render(&key.name))
    }
}

// ----- JSON -----

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    files: Vec<String>,
    schemas: Vec<JsonSchema<'a>>,
    blind_spots: Vec<JsonBlindSpot<'a>>,
    unreadable: &'a [String],
}

#[derive(Serialize)]
struct JsonSchema<'a> {
    name: &'a str,
    created_in: Option<String>,
    tables: Vec<JsonTable<'a>>,
    views: Vec<JsonView<'a>>,
    types: Vec<JsonType<'a>>,
    sequences: Vec<JsonSequence<'a>>,
}

#[derive(Serialize)]
struct JsonName<'a> {
    schema: &'a str,
    name: &'a str,
}

impl<'a> From<&'a ObjectKey> for JsonName<'a> {
    fn from(k: &'a ObjectKey) -> Self {
        JsonName {
            schema: &k.schema,
            name: &k.name,
        }
    }
}

#[derive(Serialize)]
struct JsonTable<'a> {
    name: &'a str,
    created_in: Option<String>,
    complete: bool,
    partition_of: Option<JsonName<'a>>,
    columns: Vec<JsonColumn<'a>>,
    constraints: Vec<JsonConstraint<'a>>,
    indexes: Vec<JsonIndex<'a>>,
}

#[derive(Serialize)]
struct JsonColumn<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    data_type: Option<&'a str>,
    base: Option<&'a str>,
    modifiers: Option<&'a [u32]>,
    array: bool,
    not_null: bool,
    default: Option<&'a str>,
    identity: bool,
    generated: bool,
    uncertain: bool,
}

#[derive(Serialize)]
struct JsonConstraint<'a> {
    name: &'a str,
    kind: &'static str,
    columns: &'a [String],
    valid: bool,
    references: Option<JsonName<'a>>,
    definition: String,
    uncertain: bool,
}

#[derive(Serialize)]
struct JsonIndex<'a> {
    name: &'a str,
    keys: Vec<&'a str>,
    include: &'a [String],
    unique: bool,
    method: Option<&'a str>,
    partial: bool,
    valid: bool,
    constraint: bool,
    uncertain: bool,
}

#[derive(Serialize)]
struct JsonView<'a> {
    name: &'a str,
    materialized: bool,
    created_in: Option<String>,
    uncertain: bool,
}

#[derive(Serialize)]
struct JsonType<'a> {
    name: &'a str,
    kind: &'static str,
    values: Option<&'a [String]>,
    created_in: Option<String>,
    uncertain: bool,
}

#[derive(Serialize)]
struct JsonSequence<'a> {
    name: &'a str,
    owned_by: Option<JsonOwner<'a>>,
    created_in: Option<String>,
}

#[derive(Serialize)]
struct JsonOwner<'a> {
    table: JsonName<'a>,
    column: &'a str,
}

#[derive(Serialize)]
struct JsonBlindSpot<'a> {
    file: Option<String>,
    what: &'a str,
    affects: &'a str,
}

/// The schema as one JSON document.
pub fn json(r: &Replay) -> String {
    let c = &r.catalog;
    let schemas = c
        .schemas()
        .into_iter()
        .map(|(schema, created_in)| JsonSchema {
            name: schema,
            created_in: r.file(created_in),
            tables: c
                .tables()
                .filter(|(k, _)| k.schema == schema)
                .map(|(k, t)| json_table(r, k, t))
                .collect(),
            views: c
                .views()
                .filter(|(k, _)| k.schema == schema)
                .map(|(k, v): (&ObjectKey, &View)| JsonView {
                    name: &k.name,
                    materialized: v.materialized,
                    created_in: r.file(v.created_in),
                    uncertain: v.uncertain,
                })
                .collect(),
            types: c
                .types()
                .filter(|(k, _)| k.schema == schema)
                .map(|(k, t): (&ObjectKey, &TypeDef)| JsonType {
                    name: &k.name,
                    kind: if t.enum_values.is_some() {
                        "enum"
                    } else {
                        "other"
                    },
                    values: t.enum_values.as_deref(),
                    created_in: r.file(t.created_in),
                    uncertain: t.uncertain,
                })
                .collect(),
            sequences: c
                .sequences()
                .filter(|(k, _)| k.schema == schema)
                .map(|(k, s): (&ObjectKey, &Sequence)| JsonSequence {
                    name: &k.name,
                    owned_by: s.owned_by.as_ref().map(|(t, col)| JsonOwner {
                        table: t.into(),
                        column: col,
                    }),
                    created_in: r.file(s.created_in),
                })
                .collect(),
        })
        .collect();
    let doc = Document {
        version: VERSION,
        files: r.files.iter().map(|p| p.display().to_string()).collect(),
        schemas,
        blind_spots: c
            .blind_spots()
            .iter()
            .map(|b: &BlindSpot| JsonBlindSpot {
                file: r.file(Some(b.unit)),
                what: &b.what,
                affects: &b.affects,
            })
            .collect(),
        unreadable: &r.unreadable,
    };
    // Serialising these plain structs cannot fail; an empty object would still be valid JSON.
    serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".into()) + "\n"
}

fn json_table<'a>(r: &'a Replay, key: &'a ObjectKey, t: &'a Table) -> JsonTable<'a> {
    JsonTable {
        name: &key.name,
        created_in: r.file(t.created_in),
        complete: t.complete,
        partition_of: t.partition_of.as_ref().map(Into::into),
        columns: t
            .columns
            .iter()
            .map(|c| JsonColumn {
                name: &c.name,
                data_type: c.data_type.as_ref().map(|t| t.text.as_str()),
                base: c.data_type.as_ref().map(|t| t.base.as_str()),
                modifiers: c.data_type.as_ref().and_then(|t| t.modifiers.as_deref()),
                array: c.data_type.as_ref().is_some_and(|t| t.array),
                not_null: c.not_null,
                default: c.default.as_deref(),
                identity: c.identity,
                generated: c.generated,
                uncertain: c.uncertain(),
            })
            .collect(),
        constraints: t.constraints.iter().map(json_constraint).collect(),
        indexes: r
            .catalog
            .indexes_of(key)
            .map(|(k, i)| JsonIndex {
                name: &k.name,
                keys: i.keys.iter().map(|k| k.text.as_str()).collect(),
                include: &i.include,
                unique: i.unique,
                method: i.method.as_deref(),
                partial: i.partial,
                valid: i.valid,
                constraint: i.constraint,
                uncertain: i.uncertain,
            })
            .collect(),
    }
}

fn json_constraint(c: &Constraint) -> JsonConstraint<'_> {
    JsonConstraint {
        name: &c.name,
        kind: match c.kind {
            ConstraintType::PrimaryKey => "primary_key",
            ConstraintType::Unique => "unique",
            ConstraintType::Check => "check",
            ConstraintType::ForeignKey => "foreign_key",
            ConstraintType::Exclude => "exclude",
        },
        columns: &c.columns,
        valid: c.valid,
        references: c.references.as_ref().map(Into::into),
        definition: c.definition(),
        uncertain: c.uncertain,
    }
}
