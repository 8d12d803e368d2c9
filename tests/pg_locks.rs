//! The lock model checked against a real PostgreSQL server.
//!
//! Each case sets up a small schema, runs one statement and compares what the server did
//! (locks per relation, new storage, sequential scans, whether it may run in a transaction
//! block) with what `bellows::locks` says the statement does. The setup and the statement
//! are read by bellows as one migration file: a context walks the setup, so what the file
//! declares (a column's type, a validated CHECK) informs the model as it would in a real
//! run. The model names some relations by their relation to others ("each index of t", "the
//! table foreign key c references"); they are resolved with the server's catalog as it
//! stood before the statement. The PostgreSQL version under test is read from the server
//! and given to the model, so version-dependent facts are checked on the server's side.
//!
//! Where the server proved the model wrong, the model was fixed (see `docs/locks.md`). What
//! the observation cannot tell is left out of the comparison case by case, each with the
//! reason; an expectation is written by hand only where the model deliberately says
//! nothing.
//!
//! Needs PostgreSQL's server binaries (`apt-get install postgresql`, or `BELLOWS_PG_BIN`);
//! fails without them. `cargo test --release --test pg_locks -- --nocapture` prints what was
//! observed for every case.

mod pg;

use bellows::context::Context;
use bellows::ident::QualifiedName;
use bellows::ir::{Op, Origin};
use bellows::lint::read_statements;
use bellows::locks::{self, Relation, RelationLock};
use bellows::pg_version::PgVersion;
use pg::Mode::*;
use pg::{Cluster, Expected, Method, Mode, Observation, ServerSchema, expect, observe};
use std::collections::{BTreeMap, BTreeSet};

/// The schema every case starts from: a table `t` with columns of several types, two
/// indexes, a foreign key to `p`, a view and a materialized view on it; `events` with a
/// unique index but no constraint; `audit` with no index at all; a partitioned table with
/// one partition and a table shaped to be attached as a second one; an enum, a sequence and
/// a trigger function.
const BASE: &str = r#"
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE SEQUENCE counter;
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;

CREATE TABLE p (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO p SELECT g, 'parent ' || g FROM generate_series(1, 25) g;

CREATE TABLE t (
    id int PRIMARY KEY,
    p_id int NOT NULL REFERENCES p (id),
    q_id int,
    n int,
    big bigint NOT NULL,
    code varchar(10),
    body text,
    at timestamptz DEFAULT now(),
    m mood,
    flag boolean
);
INSERT INTO t
SELECT g, 1 + g % 20, 1 + g % 20, g, g * 1000, 'c' || g, repeat('x', g), now(), 'ok', g % 2 = 0
FROM generate_series(1, 200) g;
CREATE INDEX t_n_idx ON t (n);
CREATE UNIQUE INDEX t_code_idx ON t (code);
CREATE VIEW t_view AS SELECT id, body FROM t;
CREATE MATERIALIZED VIEW t_totals AS SELECT p_id, count(*) AS total FROM t GROUP BY p_id;
CREATE UNIQUE INDEX t_totals_p_id_idx ON t_totals (p_id);

CREATE TABLE events (id int NOT NULL, kind text);
INSERT INTO events SELECT g, 'e' FROM generate_series(1, 50) g;
CREATE UNIQUE INDEX events_id_idx ON events (id);

CREATE TABLE audit (id bigint, note text);
INSERT INTO audit SELECT g, 'a' FROM generate_series(1, 50) g;

CREATE TABLE measurements (id int, at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE measurements_2024 PARTITION OF measurements
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
INSERT INTO measurements SELECT g, date '2024-01-01' + g, g FROM generate_series(1, 100) g;
CREATE TABLE measurements_2025 (id int, at date NOT NULL, v int);
INSERT INTO measurements_2025 SELECT g, date '2025-01-01' + g, g FROM generate_series(1, 100) g;
"#;

/// One statement kind: extra setup after `BASE`, the statement, and what of the model's
/// claims the observation cannot tell.
struct Case {
    name: &'static str,
    setup: &'static str,
    sql: &'static str,
    scan_not_compared: Vec<&'static str>,
    rewrite_not_compared: Vec<&'static str>,
    /// Where the model deliberately says nothing, an expectation written by hand.
    by_hand: Option<Expected>,
}

fn case(name: &'static str, sql: &'static str) -> Case {
    Case {
        name,
        setup: "",
        sql,
        scan_not_compared: Vec::new(),
        rewrite_not_compared: Vec::new(),
        by_hand: None,
    }
}

impl Case {
    /// Extra setup after `BASE`.
    fn after(mut self, setup: &'static str) -> Self {
        self.setup = setup;
        self
    }

    /// The server's scan of `relation` says nothing about the model: see the case.
    fn scan_not_compared(mut self, relation: &'static str) -> Self {
        self.scan_not_compared.push(relation);
        self
    }

    /// The server's new storage for `relation` says nothing about the model: see the case.
    fn rewrite_not_compared(mut self, relation: &'static str) -> Self {
        self.rewrite_not_compared.push(relation);
        self
    }

    fn by_hand(mut self, expected: Expected) -> Self {
        self.by_hand = Some(expected);
        self
    }
}

/// The cases for PostgreSQL `major`: statements older servers reject are left out.
fn cases(major: u32) -> Vec<Case> {
    let mut cases = vec![
        // --- CREATE / DROP / REINDEX INDEX ------------------------------------------------
        case("create_index", "CREATE INDEX t_big_idx ON t (big)"),
        case(
            "create_unique_index",
            "CREATE UNIQUE INDEX t_big_key ON t (big)",
        ),
        // Built on every partition under the same lock; the parent has no rows of its own.
        case(
            "create_index_on_partitioned_table",
            "CREATE INDEX measurements_v_idx ON measurements (v)",
        ),
        case(
            "create_index_on_only_partitioned_table",
            "CREATE INDEX measurements_v_idx ON ONLY measurements (v)",
        ),
        case(
            "create_index_concurrently",
            "CREATE INDEX CONCURRENTLY t_big_idx ON t (big)",
        ),
        case("drop_index", "DROP INDEX t_n_idx"),
        // Observed while it waits for other transactions; its last step, deleting the index
        // once no query can see it, takes ACCESS EXCLUSIVE on the index, which no one can
        // wait for and the observation does not see: the model states SHARE UPDATE
        // EXCLUSIVE, the lock that matters.
        case("drop_index_concurrently", "DROP INDEX CONCURRENTLY t_n_idx"),
        case("reindex_index", "REINDEX INDEX t_n_idx"),
        case("reindex_table", "REINDEX TABLE t"),
        case(
            "alter_index_rename",
            "ALTER INDEX t_n_idx RENAME TO t_n_index",
        ),
        // --- ALTER TABLE … ADD COLUMN ------------------------------------------------------
        case("add_column", "ALTER TABLE t ADD COLUMN note text"),
    ];

    if major >= 12 {
        cases.extend([
            case(
                "reindex_index_concurrently",
                "REINDEX INDEX CONCURRENTLY t_n_idx",
            ),
            case("reindex_table_concurrently", "REINDEX TABLE CONCURRENTLY t"),
        ]);
    }

    cases.extend([
        case(
            "add_column_constant_default",
            "ALTER TABLE t ADD COLUMN score int DEFAULT 0",
        ),
        case(
            "add_column_not_null_with_default",
            "ALTER TABLE t ADD COLUMN status text NOT NULL DEFAULT 'new'",
        ),
        // now() is STABLE: evaluated once, stored in the catalog.
        case(
            "add_column_now_default",
            "ALTER TABLE t ADD COLUMN seen_at timestamptz DEFAULT now()",
        ),
        case(
            "add_column_gen_random_uuid_default",
            "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()",
        ),
        case(
            "add_column_random_default",
            "ALTER TABLE t ADD COLUMN r float8 DEFAULT random()",
        ),
        case(
            "add_column_clock_timestamp_default",
            "ALTER TABLE t ADD COLUMN stamped_at timestamptz DEFAULT clock_timestamp()",
        ),
        case("add_column_serial", "ALTER TABLE t ADD COLUMN seq serial"),
        case(
            "add_column_identity",
            "ALTER TABLE t ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY",
        ),
        case(
            "add_column_stored_generated",
            "ALTER TABLE t ADD COLUMN n2 int GENERATED ALWAYS AS (n * 2) STORED",
        ),
        // An all-null new column cannot violate its foreign key: nothing is checked.
        case(
            "add_column_references",
            "ALTER TABLE t ADD COLUMN owner_id int REFERENCES p (id)",
        ),
        // With a default every row has a value to check, in both tables.
        case(
            "add_column_references_with_default",
            "ALTER TABLE t ADD COLUMN owner_id int DEFAULT 1 REFERENCES p (id)",
        ),
        case(
            "add_column_check",
            "ALTER TABLE t ADD COLUMN c int CHECK (c > 0)",
        ),
        case("add_column_unique", "ALTER TABLE t ADD COLUMN c int UNIQUE"),
        // --- other column changes ----------------------------------------------------------
        case("drop_column", "ALTER TABLE t DROP COLUMN flag"),
        case("rename_column", "ALTER TABLE t RENAME COLUMN body TO content"),
        case("rename_table", "ALTER TABLE t RENAME TO t_renamed"),
        case(
            "alter_type_int_to_bigint",
            "ALTER TABLE t ALTER COLUMN n TYPE bigint",
        ),
        // Binary coercible from varchar(10), which the setup declares: no rewrite (the
        // index on the column is re-created on its old storage).
        case(
            "alter_type_varchar_longer",
            "ALTER TABLE t ALTER COLUMN code TYPE varchar(20)",
        ),
        case(
            "alter_type_varchar_to_text",
            "ALTER TABLE t ALTER COLUMN code TYPE text",
        ),
        case(
            "alter_type_varchar_unbounded",
            "ALTER TABLE t ALTER COLUMN code TYPE varchar",
        ),
        // Shortening needs every value checked (and cast): not binary coercible.
        case(
            "alter_type_varchar_shorter",
            "ALTER TABLE t ALTER COLUMN code TYPE varchar(5)",
        ),
        case("set_not_null", "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
        case("drop_not_null", "ALTER TABLE t ALTER COLUMN big DROP NOT NULL"),
        case("set_default", "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0"),
        case("drop_default", "ALTER TABLE t ALTER COLUMN at DROP DEFAULT"),
        case(
            "set_statistics",
            "ALTER TABLE t ALTER COLUMN n SET STATISTICS 500",
        ),
        case(
            "set_attribute_options",
            "ALTER TABLE t ALTER COLUMN n SET (n_distinct = 5)",
        ),
        case(
            "set_storage",
            "ALTER TABLE t ALTER COLUMN n SET STORAGE PLAIN",
        ),
        // --- table settings ---------------------------------------------------------------
        case("set_fillfactor", "ALTER TABLE t SET (fillfactor = 70)"),
        case("reset_fillfactor", "ALTER TABLE t RESET (fillfactor)"),
        case("cluster_on", "ALTER TABLE t CLUSTER ON t_pkey"),
        case("set_without_cluster", "ALTER TABLE t SET WITHOUT CLUSTER"),
        case("owner_to", "ALTER TABLE t OWNER TO postgres"),
        case("replica_identity", "ALTER TABLE t REPLICA IDENTITY FULL"),
        // --- constraints ------------------------------------------------------------------
        case(
            "add_check",
            "ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0)",
        ),
        case(
            "add_check_not_valid",
            "ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0) NOT VALID",
        ),
        case(
            "validate_check",
            "ALTER TABLE t VALIDATE CONSTRAINT t_n_positive",
        )
        .after("ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0) NOT VALID;"),
        // server: the check is one query joining t to p, and it reads p by a sequential scan
        // too (at this size; with a large p the planner may use p's primary key instead).
        case(
            "add_foreign_key",
            "ALTER TABLE t ADD CONSTRAINT t_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id)",
        ),
        case(
            "add_foreign_key_not_valid",
            "ALTER TABLE t ADD CONSTRAINT t_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id) NOT VALID",
        ),
        // ROW SHARE on the referenced table, which the check reads as for ADD FOREIGN KEY.
        case(
            "validate_foreign_key",
            "ALTER TABLE t VALIDATE CONSTRAINT t_q_id_fkey",
        )
        .after(
            "ALTER TABLE t ADD CONSTRAINT t_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id) NOT VALID;",
        ),
        case(
            "add_unique",
            "ALTER TABLE t ADD CONSTRAINT t_big_key UNIQUE (big)",
        ),
        // audit.id is nullable: PRIMARY KEY also sets NOT NULL, checked by a scan.
        case("add_primary_key", "ALTER TABLE audit ADD PRIMARY KEY (id)"),
        case(
            "add_exclusion_constraint",
            "ALTER TABLE t ADD CONSTRAINT t_big_excl EXCLUDE USING btree (big WITH =)",
        ),
        // USING INDEX: the index exists, nothing is built or scanned; the index itself
        // takes SHARE UPDATE EXCLUSIVE.
        case(
            "add_unique_using_index",
            "ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_idx",
        ),
        case(
            "add_primary_key_using_index",
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx",
        ),
        case(
            "drop_constraint_check",
            "ALTER TABLE t DROP CONSTRAINT t_n_positive",
        )
        .after("ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0);"),
        // server: ACCESS EXCLUSIVE on p as well (the constraint's triggers on p are dropped),
        // which the documentation does not name: dropping a foreign key blocks reads of the
        // referenced table.
        case(
            "drop_constraint_foreign_key",
            "ALTER TABLE t DROP CONSTRAINT t_p_id_fkey",
        ),
        case(
            "alter_constraint",
            "ALTER TABLE t ALTER CONSTRAINT t_p_id_fkey DEFERRABLE",
        ),
        case(
            "rename_constraint",
            "ALTER TABLE t RENAME CONSTRAINT t_p_id_fkey TO t_p_fk",
        ),
        // --- partitions ---------------------------------------------------------------------
        case(
            "attach_partition",
            "ALTER TABLE measurements ATTACH PARTITION measurements_2025 \
             FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
        ),
        case(
            "detach_partition",
            "ALTER TABLE measurements DETACH PARTITION measurements_2024",
        ),
        case(
            "create_partition_of",
            "CREATE TABLE measurements_2026 PARTITION OF measurements \
             FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
        ),
        // Column and constraint changes reach every partition under the same lock; renaming
        // the table does not.
        case(
            "partitioned_add_column",
            "ALTER TABLE measurements ADD COLUMN note text",
        ),
        case(
            "partitioned_set_not_null",
            "ALTER TABLE measurements ALTER COLUMN v SET NOT NULL",
        ),
        case(
            "partitioned_alter_type",
            "ALTER TABLE measurements ALTER COLUMN v TYPE bigint",
        ),
        case(
            "partitioned_set_statistics",
            "ALTER TABLE measurements ALTER COLUMN v SET STATISTICS 100",
        ),
        case(
            "partitioned_rename",
            "ALTER TABLE measurements RENAME TO measurements_old",
        ),
        // --- whole tables -----------------------------------------------------------------
        case("set_schema", "ALTER TABLE audit SET SCHEMA bellows_moved"),
        case("drop_table", "DROP TABLE audit"),
        // CASCADE drops t's foreign key, an ALTER TABLE of t.
        case("drop_referenced_table_cascade", "DROP TABLE p CASCADE"),
        // server: the foreign key's triggers on t go with child: ACCESS EXCLUSIVE on t.
        case("drop_referencing_table", "DROP TABLE child")
            .after("CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id));"),
        case("drop_partitioned_table", "DROP TABLE measurements"),
        case("drop_view", "DROP VIEW t_view"),
        case("drop_materialized_view", "DROP MATERIALIZED VIEW t_totals"),
        case("rename_view", "ALTER VIEW t_view RENAME TO t_view2"),
        case(
            "rename_materialized_view",
            "ALTER MATERIALIZED VIEW t_totals RENAME TO t_totals2",
        ),
        case("rename_sequence", "ALTER SEQUENCE counter RENAME TO counter2"),
        case("create_table_references", "CREATE TABLE orders (id int, t_id int REFERENCES t (id))"),
        // TRUNCATE gives the table and its indexes new, empty storage: relfilenode changes,
        // but no row is copied, which the model does not call a rewrite.
        case("truncate", "TRUNCATE audit").rewrite_not_compared("audit"),
        // Rebuilding the unique index on the new, empty table counts as a scan of it.
        case("truncate_with_index", "TRUNCATE events")
            .rewrite_not_compared("events")
            .rewrite_not_compared("events_id_idx")
            .scan_not_compared("events"),
        case("truncate_partitioned_table", "TRUNCATE measurements")
            .rewrite_not_compared("measurements_2024"),
        // VACUUM reads pages directly, which the statistics do not count as a sequential
        // scan: the model's scan is not observable.
        case("vacuum", "VACUUM t").scan_not_compared("t"),
        case("vacuum_analyze", "VACUUM ANALYZE t").scan_not_compared("t"),
        case("vacuum_full", "VACUUM FULL t"),
        case("analyze", "ANALYZE t"),
        case("cluster", "CLUSTER t USING t_pkey"),
        // server: the new contents are also read in full, to rebuild the view's index.
        case("refresh_materialized_view", "REFRESH MATERIALIZED VIEW t_totals"),
        // CONCURRENTLY (needs a unique index): EXCLUSIVE, so reads go on; diffs in place.
        case(
            "refresh_materialized_view_concurrently",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY t_totals",
        ),
        case("set_unlogged", "ALTER TABLE audit SET UNLOGGED"),
        case("set_logged", "ALTER TABLE scratchpad SET LOGGED").after(
            "CREATE UNLOGGED TABLE scratchpad (id int, note text); \
             INSERT INTO scratchpad SELECT g, 'x' FROM generate_series(1, 50) g;",
        ),
        // --- data changes -----------------------------------------------------------------
        case("update", "UPDATE t SET n = n + 1"),
        // With a WHERE clause, whether rows are found by a scan or an index is the
        // planner's choice (a scan here, for most of a small table).
        case("delete", "DELETE FROM t WHERE n > 150").scan_not_compared("t"),
        // The foreign key's check reads the referencing table (ROW SHARE); with no index on
        // t.p_id, by a sequential scan, again the planner's choice.
        case(
            "delete_from_referenced_table",
            "DELETE FROM p WHERE name = 'parent 25'",
        )
        .scan_not_compared("p")
        .scan_not_compared("t"),
        // The foreign key's check reads p with SELECT … FOR KEY SHARE: ROW SHARE.
        case("insert", "INSERT INTO t (id, p_id, big) VALUES (1000, 1, 1)"),
        case("insert_into_referencing_table", "INSERT INTO child VALUES (1, 1)")
            .after("CREATE TABLE child (id int PRIMARY KEY, t_id int REFERENCES t (id));")
            .scan_not_compared("t"),
        // --- explicit locks, types, triggers, comments ------------------------------------
        case("lock_table_share", "LOCK TABLE t IN SHARE MODE"),
        case("lock_table", "LOCK TABLE t"),
        // A view is locked with the tables its query reads (11+).
        case("lock_view", "LOCK TABLE t_view IN ACCESS SHARE MODE"),
        case("lock_partitioned_table", "LOCK TABLE measurements IN SHARE MODE"),
        case(
            "lock_only_partitioned_table",
            "LOCK TABLE ONLY measurements IN SHARE MODE",
        ),
        // May run in a transaction block from 12.
        case("alter_type_add_value", "ALTER TYPE mood ADD VALUE 'happy'"),
        case(
            "create_trigger",
            "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
        ),
        case("disable_trigger", "ALTER TABLE t DISABLE TRIGGER USER"),
        case("enable_trigger", "ALTER TABLE t ENABLE TRIGGER ALL"),
        case(
            "enable_row_level_security",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
        ),
        case("comment_on_table", "COMMENT ON TABLE t IS 'facts'"),
        case("comment_on_column", "COMMENT ON COLUMN t.n IS 'facts'"),
        case("comment_on_index", "COMMENT ON INDEX t_n_idx IS 'facts'"),
        // bellows does not read CREATE STATISTICS (it reports it as unanalyzed), so the
        // model says nothing of it; the documented lock is checked instead.
        case(
            "create_statistics",
            "CREATE STATISTICS t_n_big ON n, big FROM t",
        )
        .by_hand(expect().lock("t", ShareUpdateExclusive)),
    ]);

    if major >= 12 {
        // A valid CHECK (col IS NOT NULL), which the setup declares, proves the column:
        // SET NOT NULL skips its scan.
        cases.push(
            case(
                "set_not_null_proven_by_check",
                "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
            )
            .after("ALTER TABLE t ADD CONSTRAINT t_n_not_null CHECK (n IS NOT NULL);"),
        );
    }
    if major >= 14 {
        // DETACH … CONCURRENTLY (14+): SHARE UPDATE EXCLUSIVE on the parent, then, in a
        // second transaction, ACCESS EXCLUSIVE on the partition.
        cases.push(case(
            "detach_partition_concurrently",
            "ALTER TABLE measurements DETACH PARTITION measurements_2024 CONCURRENTLY",
        ));
    }
    cases
}

/// What bellows says the case's statement does on `pg`: the setup and the statement read
/// as one migration file, the context walked over the setup, then the statement's locks
/// and whether it may run in a transaction block.
fn claimed(case: &Case, pg: PgVersion) -> Result<(Vec<RelationLock>, bool), String> {
    let text = format!("{BASE}\n{}\n{};\n", case.setup, case.sql);
    let (_, statements) = read_statements(&text);
    let Some((statement, setup)) = statements.split_last() else {
        return Err("bellows reads no statement".into());
    };
    let read_as = statement.span.slice(&text).trim();
    if read_as != case.sql.trim() {
        return Err(format!("bellows reads the last statement as {read_as:?}"));
    }
    // A skimmed statement is read when the skim names what it acts on (INSERT, COMMENT ON,
    // CREATE TRIGGER); a GRANT, skimmed to its command alone, is not.
    let skimmed_to_op =
        statement.origin == Origin::Skimmed && !matches!(statement.op, Op::Other { .. });
    if !(matches!(statement.origin, Origin::Parsed | Origin::Fallback) || skimmed_to_op) {
        return Err(format!(
            "bellows does not read the statement: {:?}",
            statement.origin
        ));
    }
    let mut cx = Context::new(&text, pg);
    for s in setup {
        cx.apply(s);
    }
    Ok((
        locks::statement_in(statement, pg, &cx),
        locks::transactional(statement, pg),
    ))
}

/// The server's name of a relation the model names: `t` in the case schema (where an
/// unqualified name resolves, as `public` does in a migration), `bellows_moved.t` outside.
fn server_name(name: &QualifiedName) -> String {
    let key = name.key();
    if key.schema == "public" || key.schema == pg::SCHEMA {
        key.name
    } else {
        format!("{}.{}", key.schema, key.name)
    }
}

/// The relations of the setup a claimed relation stands for.
fn resolve(relation: &Relation, schema: &ServerSchema) -> Vec<String> {
    let set = |map: &BTreeMap<String, BTreeSet<String>>, name: &QualifiedName| {
        map.get(&server_name(name))
            .map(|s| s.iter().cloned().collect())
            .unwrap_or_default()
    };
    match relation {
        Relation::Table(t) | Relation::Index(t) => vec![server_name(t)],
        Relation::TableOfIndex(i) => schema
            .table_of_index
            .get(&server_name(i))
            .cloned()
            .into_iter()
            .collect(),
        Relation::IndexesOf(t) => set(&schema.indexes, t),
        Relation::PartitionsOf(t) => set(&schema.partitions, t),
        Relation::ViewTables(v) => set(&schema.view_tables, v),
        Relation::ConstraintTarget { table, constraint } => schema
            .foreign_keys
            .iter()
            .filter(|fk| fk.table == server_name(table) && fk.name == constraint.folded())
            .map(|fk| fk.references.clone())
            .collect(),
        Relation::ReferencedTables(t) => schema
            .foreign_keys
            .iter()
            .filter(|fk| fk.table == server_name(t))
            .map(|fk| fk.references.clone())
            .collect(),
        Relation::ReferencingTables(t) => schema
            .foreign_keys
            .iter()
            .filter(|fk| fk.references == server_name(t))
            .map(|fk| fk.table.clone())
            .collect(),
    }
}

/// The model's claims resolved to the relations of the setup: the strongest mode on each,
/// the relations rewritten and scanned.
fn expectation(claims: &[RelationLock], transactional: bool, schema: &ServerSchema) -> Expected {
    let mut modes: BTreeMap<String, Mode> = BTreeMap::new();
    let mut expected = expect();
    expected.runs_in_transaction = transactional;
    for claim in claims {
        let mode = Mode::from_name(claim.facts.mode.name())
            .unwrap_or_else(|| panic!("no mode named {}", claim.facts.mode.name()));
        for name in resolve(&claim.relation, schema) {
            let held = modes.entry(name.clone()).or_insert(mode);
            *held = (*held).max(mode);
            if claim.facts.rewrite && !expected.rewrite.contains(&name) {
                expected.rewrite.push(name.clone());
            }
            if claim.facts.scan && !expected.scan.contains(&name) {
                expected.scan.push(name);
            }
        }
    }
    expected.locks = modes.into_iter().collect();
    expected
}

/// The model's claims as the model states them, for failure messages.
fn describe_claims(claims: &[RelationLock], transactional: bool) -> String {
    let locks = claims
        .iter()
        .map(|c| {
            let mut facts = c.facts.mode.name().to_string();
            if c.facts.rewrite {
                facts.push_str(" rewrite");
            }
            if c.facts.scan {
                facts.push_str(" scan");
            }
            format!("{}: {facts}", c.relation.describe())
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!("[{locks}]; transactional: {transactional}")
}

/// What the server did, in one line per fact, for `--nocapture` and failure messages.
fn summary(seen: &Observation) -> String {
    let locks = seen
        .locks()
        .into_iter()
        .map(|(r, m)| format!("{r}={m}"))
        .collect::<Vec<_>>()
        .join(", ");
    let list = |set: BTreeSet<&str>| set.into_iter().collect::<Vec<_>>().join(", ");
    let method = match seen.method {
        Method::InTransaction => "in a transaction block".to_string(),
        Method::HeldBack { waits } => format!("held back, {waits} waits observed"),
    };
    format!(
        "locks [{locks}]; rewritten [{}]; scanned [{}]; runs in transaction: {}; {method}",
        list(seen.rewritten()),
        list(seen.scanned()),
        seen.runs_in_transaction
    )
}

fn describe_expected(e: &Expected) -> String {
    let locks = e
        .locks
        .iter()
        .map(|(r, m)| format!("{r}={m}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "locks [{locks}]; rewritten [{}]; scanned [{}]; runs in transaction: {}",
        e.rewrite.join(", "),
        e.scan.join(", "),
        e.runs_in_transaction
    )
}

#[test]
fn the_lock_model_agrees_with_the_server() {
    let cluster = Cluster::shared();
    let mut client = cluster
        .fresh_database("bellows_cases")
        .expect("a database for the cases");
    // The version under test, read from the server, is the one the model is asked about.
    let pg = PgVersion(cluster.major());
    let cases = cases(cluster.major());

    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
    let from_model = cases.iter().filter(|c| c.by_hand.is_none()).count();
    assert!(
        from_model >= 40,
        "only {from_model} statement kinds are compared with the lock model"
    );

    let mut failures = Vec::new();
    for case in &cases {
        let setup = format!("{BASE}\n{}", case.setup);
        let seen = match observe(&cluster, &mut client, &setup, case.sql) {
            Ok(seen) => seen,
            Err(e) => {
                failures.push(format!("{}: {}\n    {e}", case.name, case.sql));
                continue;
            }
        };
        eprintln!("{:<40} {}", case.name, summary(&seen));
        let (mut expected, claims) = match &case.by_hand {
            Some(by_hand) => (by_hand.clone(), "written by hand".to_string()),
            None => match claimed(case, pg) {
                Ok((claims, transactional)) => (
                    expectation(&claims, transactional, &seen.schema),
                    describe_claims(&claims, transactional),
                ),
                Err(e) => {
                    failures.push(format!("{}: {}\n    {e}", case.name, case.sql));
                    continue;
                }
            },
        };
        for relation in &case.scan_not_compared {
            expected = expected.scan_not_compared(relation);
        }
        for relation in &case.rewrite_not_compared {
            expected = expected.rewrite_not_compared(relation);
        }
        let mismatches = expected.mismatches(&seen);
        if !mismatches.is_empty() {
            failures.push(format!(
                "{}: {}\n    locks.rs: {claims}\n    expected: {}\n    observed: {}\n    - {}",
                case.name,
                case.sql,
                describe_expected(&expected),
                summary(&seen),
                mismatches.join("\n    - ")
            ));
        }
    }
    eprintln!(
        "{} statement kinds checked against PostgreSQL {}, {from_model} of them against the lock model",
        cases.len(),
        cluster.version_num()
    );
    assert!(
        failures.is_empty(),
        "{} of {} cases disagree with PostgreSQL {}:\n\n{}",
        failures.len(),
        cases.len(),
        cluster.version_num(),
        failures.join("\n\n")
    );
}

/// The harness sees a lock it did not ask for by name, and reports a wrong expectation.
#[test]
fn harness_observes_an_explicit_lock() {
    let cluster = Cluster::shared();
    let mut client = cluster
        .fresh_database("bellows_harness_lock")
        .expect("a database for the harness test");
    let seen = observe(&cluster, &mut client, BASE, "LOCK TABLE t IN SHARE MODE")
        .expect("LOCK TABLE is observed");
    assert_eq!(seen.method, Method::InTransaction);
    assert!(seen.runs_in_transaction);
    assert_eq!(seen.lock_on("t"), Some(Share), "{}", summary(&seen));
    assert_eq!(seen.lock_on("p"), None, "{}", summary(&seen));
    assert!(seen.rewritten().is_empty(), "{}", summary(&seen));
    assert!(seen.scanned().is_empty(), "{}", summary(&seen));

    assert!(expect().lock("t", Share).mismatches(&seen).is_empty());
    let wrong = expect().lock("t", AccessExclusive).mismatches(&seen);
    assert_eq!(
        wrong,
        vec!["lock on t: expected ACCESS EXCLUSIVE, server took SHARE".to_string()]
    );
    let missing = expect().mismatches(&seen);
    assert_eq!(
        missing,
        vec!["lock on t: expected no lock, server took SHARE".to_string()]
    );
    let outside = expect()
        .lock("t", Share)
        .outside_transaction()
        .mismatches(&seen);
    assert_eq!(outside.len(), 1, "{outside:?}");

    // Nothing locked, nothing rewritten: a query that touches no relation of the schema.
    let quiet = observe(&cluster, &mut client, BASE, "SELECT 1").expect("SELECT 1");
    assert!(quiet.locks().is_empty(), "{}", summary(&quiet));
}

/// Rewrites and scans are seen, and a statement that refuses a transaction block is
/// observed from other sessions while it waits.
#[test]
fn harness_observes_rewrites_scans_and_concurrent_statements() {
    let cluster = Cluster::shared();
    let mut client = cluster
        .fresh_database("bellows_harness_rewrite")
        .expect("a database for the harness test");

    let rewrite = observe(
        &cluster,
        &mut client,
        BASE,
        "ALTER TABLE t ALTER COLUMN n TYPE bigint",
    )
    .expect("ALTER COLUMN TYPE is observed");
    assert!(rewrite.rewritten().contains("t"), "{}", summary(&rewrite));
    assert!(
        rewrite.rewritten().contains("t_n_idx"),
        "the index on the column is rebuilt: {}",
        summary(&rewrite)
    );
    assert!(rewrite.scanned().contains("t"), "{}", summary(&rewrite));
    assert!(!rewrite.rewritten().contains("p"), "{}", summary(&rewrite));

    let concurrent = observe(
        &cluster,
        &mut client,
        BASE,
        "CREATE INDEX CONCURRENTLY t_big_idx ON t (big)",
    )
    .expect("CREATE INDEX CONCURRENTLY is observed");
    assert!(!concurrent.runs_in_transaction);
    assert!(
        matches!(concurrent.method, Method::HeldBack { waits } if waits > 0),
        "{}",
        summary(&concurrent)
    );
    assert_eq!(
        concurrent.lock_on("t"),
        Some(ShareUpdateExclusive),
        "{}",
        summary(&concurrent)
    );
    assert!(
        concurrent.created.contains("t_big_idx"),
        "the index was built: {:?}",
        concurrent.created
    );
}

/// What each lock mode makes ordinary traffic wait for (`LockMode::blocks`, which
/// `lock-timeout-missing` and the reports rely on), checked on the server: one session holds
/// the lock on `t`, another tries a read, a write and an ANALYZE under a short lock_timeout.
#[test]
fn what_each_lock_mode_blocks_is_what_the_server_blocks() {
    use bellows::locks::{Blocked, LockMode};
    let cluster = Cluster::shared();
    let mut holder = cluster
        .fresh_database("bellows_lock_conflicts")
        .expect("a database for the conflict test");
    holder
        .batch_execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1);")
        .expect("setup");
    let mut other = cluster
        .connect("bellows_lock_conflicts")
        .expect("a second session");
    other
        .batch_execute("SET lock_timeout = '200ms'")
        .expect("lock_timeout");
    let probes = [
        (Blocked::Reads, "SELECT count(*) FROM t"),
        (Blocked::Writes, "UPDATE t SET id = id WHERE false"),
        (Blocked::Ddl, "ANALYZE t"),
    ];
    let modes = [
        LockMode::AccessShare,
        LockMode::RowShare,
        LockMode::RowExclusive,
        LockMode::ShareUpdateExclusive,
        LockMode::Share,
        LockMode::ShareRowExclusive,
        LockMode::Exclusive,
        LockMode::AccessExclusive,
    ];
    for mode in modes {
        holder
            .batch_execute(&format!("BEGIN; LOCK TABLE t IN {} MODE", mode.name()))
            .expect("take the lock");
        let blocked: Vec<Blocked> = probes
            .iter()
            .filter(|(_, sql)| other.batch_execute(sql).is_err())
            .map(|(kind, _)| *kind)
            .collect();
        holder.batch_execute("ROLLBACK").expect("release the lock");
        assert_eq!(blocked, mode.blocks(), "{}", mode.name());
        assert_eq!(
            mode.blocks_traffic(),
            blocked.contains(&Blocked::Writes),
            "{}",
            mode.name()
        );
    }
}
