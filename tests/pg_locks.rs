//! The lock facts of migration statements, checked against a real PostgreSQL server.
//!
//! Each case sets up a small schema, runs one statement and compares what the server did
//! (locks per relation, new storage, sequential scans, whether it may run in a transaction
//! block) with what is expected. The expectations are written from PostgreSQL's
//! documentation ("Explicit Locking" and each command's page); where the server disagreed
//! with the documentation the case says so in a `server:` comment and expects what the
//! server does. They are meant to be replaced by what `bellows::locks` claims.
//!
//! Needs PostgreSQL's server binaries (`apt-get install postgresql`, or `BELLOWS_PG_BIN`);
//! fails without them. `cargo test --release --test pg_locks -- --nocapture` prints what was
//! observed for every case.

mod pg;

use pg::Mode::*;
use pg::{Cluster, Expected, Method, Observation, expect, observe};
use std::collections::BTreeSet;

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

/// One statement kind: extra setup after `BASE`, the statement, what it should do.
struct Case {
    name: &'static str,
    setup: &'static str,
    sql: &'static str,
    expected: Expected,
}

fn case(name: &'static str, sql: &'static str, expected: Expected) -> Case {
    Case {
        name,
        setup: "",
        sql,
        expected,
    }
}

fn case_after(
    name: &'static str,
    setup: &'static str,
    sql: &'static str,
    expected: Expected,
) -> Case {
    Case {
        name,
        setup,
        sql,
        expected,
    }
}

/// The cases for PostgreSQL `major`. Version-dependent facts take the side of `major`.
fn cases(major: u32) -> Vec<Case> {
    let mut cases = vec![
        // --- CREATE / DROP / REINDEX INDEX ------------------------------------------------
        // CREATE INDEX: SHARE on the table (blocks writes), reads every row.
        case(
            "create_index",
            "CREATE INDEX t_big_idx ON t (big)",
            expect().lock("t", Share).scan("t"),
        ),
        case(
            "create_unique_index",
            "CREATE UNIQUE INDEX t_big_key ON t (big)",
            expect().lock("t", Share).scan("t"),
        ),
        // On a partitioned table the index is built on every partition under the same lock.
        case(
            "create_index_on_partitioned_table",
            "CREATE INDEX measurements_v_idx ON measurements (v)",
            expect()
                .lock("measurements", Share)
                .lock("measurements_2024", Share)
                .scan("measurements_2024"),
        ),
        // CONCURRENTLY: SHARE UPDATE EXCLUSIVE; not in a transaction block.
        case(
            "create_index_concurrently",
            "CREATE INDEX CONCURRENTLY t_big_idx ON t (big)",
            expect()
                .lock("t", ShareUpdateExclusive)
                .scan("t")
                .outside_transaction(),
        ),
        // DROP INDEX: "acquires an ACCESS EXCLUSIVE lock on the table".
        case(
            "drop_index",
            "DROP INDEX t_n_idx",
            expect()
                .lock("t", AccessExclusive)
                .lock("t_n_idx", AccessExclusive),
        ),
        // DROP INDEX CONCURRENTLY: does not lock out selects, inserts, updates, deletes.
        // Observed while it waits for other transactions; its last step, deleting the index
        // once no query can see it, takes no lock anyone could wait for, so is not seen.
        case(
            "drop_index_concurrently",
            "DROP INDEX CONCURRENTLY t_n_idx",
            expect()
                .lock("t", ShareUpdateExclusive)
                .lock("t_n_idx", ShareUpdateExclusive)
                .outside_transaction(),
        ),
        // REINDEX: "locks out writes but not reads of the index's parent table", ACCESS
        // EXCLUSIVE on the index being processed.
        case(
            "reindex_index",
            "REINDEX INDEX t_n_idx",
            expect()
                .lock("t", Share)
                .lock("t_n_idx", AccessExclusive)
                .rewrite("t_n_idx")
                .scan("t"),
        ),
        case(
            "reindex_table",
            "REINDEX TABLE t",
            expect()
                .lock("t", Share)
                .lock("t_pkey", AccessExclusive)
                .lock("t_n_idx", AccessExclusive)
                .lock("t_code_idx", AccessExclusive)
                .rewrite("t_pkey")
                .rewrite("t_n_idx")
                .rewrite("t_code_idx")
                .scan("t"),
        ),
        case(
            "alter_index_rename",
            "ALTER INDEX t_n_idx RENAME TO t_n_index",
            expect().lock(
                "t_n_idx",
                if major >= 12 {
                    ShareUpdateExclusive
                } else {
                    AccessExclusive
                },
            ),
        ),
        // --- ALTER TABLE … ADD COLUMN ------------------------------------------------------
        case(
            "add_column",
            "ALTER TABLE t ADD COLUMN note text",
            expect().lock("t", AccessExclusive),
        ),
    ];

    if major >= 12 {
        cases.extend([
            // REINDEX CONCURRENTLY (12+): SHARE UPDATE EXCLUSIVE on the table and the index;
            // the index is built anew and swapped in.
            case(
                "reindex_index_concurrently",
                "REINDEX INDEX CONCURRENTLY t_n_idx",
                expect()
                    .lock("t", ShareUpdateExclusive)
                    .lock("t_n_idx", ShareUpdateExclusive)
                    .rewrite("t_n_idx")
                    .scan("t")
                    .outside_transaction(),
            ),
            case(
                "reindex_table_concurrently",
                "REINDEX TABLE CONCURRENTLY t",
                expect()
                    .lock("t", ShareUpdateExclusive)
                    .lock("t_pkey", ShareUpdateExclusive)
                    .lock("t_n_idx", ShareUpdateExclusive)
                    .lock("t_code_idx", ShareUpdateExclusive)
                    .rewrite("t_pkey")
                    .rewrite("t_n_idx")
                    .rewrite("t_code_idx")
                    .scan("t")
                    .outside_transaction(),
            ),
        ]);
    }

    // From 11 a constant or stable default is stored in the catalog: no rewrite.
    let no_rewrite_default = major >= 11;
    let stored_default = |e: Expected| {
        if no_rewrite_default {
            e
        } else {
            e.rewrite("t").scan("t")
        }
    };
    let rewrite_t = || expect().lock("t", AccessExclusive).rewrite("t").scan("t");

    cases.extend([
        case(
            "add_column_constant_default",
            "ALTER TABLE t ADD COLUMN score int DEFAULT 0",
            stored_default(expect().lock("t", AccessExclusive)),
        ),
        case(
            "add_column_not_null_with_default",
            "ALTER TABLE t ADD COLUMN status text NOT NULL DEFAULT 'new'",
            stored_default(expect().lock("t", AccessExclusive)),
        ),
        // now() is STABLE: evaluated once, stored in the catalog.
        case(
            "add_column_now_default",
            "ALTER TABLE t ADD COLUMN seen_at timestamptz DEFAULT now()",
            stored_default(expect().lock("t", AccessExclusive)),
        ),
        // A volatile default is computed per row: rewrite.
        case(
            "add_column_gen_random_uuid_default",
            "ALTER TABLE t ADD COLUMN token uuid DEFAULT gen_random_uuid()",
            rewrite_t(),
        ),
        case(
            "add_column_random_default",
            "ALTER TABLE t ADD COLUMN r float8 DEFAULT random()",
            rewrite_t(),
        ),
        case(
            "add_column_clock_timestamp_default",
            "ALTER TABLE t ADD COLUMN stamped_at timestamptz DEFAULT clock_timestamp()",
            rewrite_t(),
        ),
        // serial = a default of nextval(), volatile.
        case(
            "add_column_serial",
            "ALTER TABLE t ADD COLUMN seq serial",
            rewrite_t(),
        ),
        case(
            "add_column_identity",
            "ALTER TABLE t ADD COLUMN ident bigint GENERATED ALWAYS AS IDENTITY",
            rewrite_t(),
        ),
        case(
            "add_column_stored_generated",
            "ALTER TABLE t ADD COLUMN n2 int GENERATED ALWAYS AS (n * 2) STORED",
            rewrite_t(),
        ),
        // A column with a foreign key: ADD FOREIGN KEY takes SHARE ROW EXCLUSIVE on the
        // referenced table.
        case(
            "add_column_references",
            "ALTER TABLE t ADD COLUMN owner_id int REFERENCES p (id)",
            expect()
                .lock("t", AccessExclusive)
                .lock("p", ShareRowExclusive),
        ),
        // --- other column changes ----------------------------------------------------------
        case(
            "drop_column",
            "ALTER TABLE t DROP COLUMN flag",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "rename_column",
            "ALTER TABLE t RENAME COLUMN body TO content",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "rename_table",
            "ALTER TABLE t RENAME TO t_renamed",
            expect().lock("t", AccessExclusive),
        ),
        // "changing the type of an existing column will require the entire table and its
        // indexes to be rewritten", unless the old type is binary coercible to the new one.
        case(
            "alter_type_int_to_bigint",
            "ALTER TABLE t ALTER COLUMN n TYPE bigint",
            rewrite_t(),
        ),
        case(
            "alter_type_varchar_longer",
            "ALTER TABLE t ALTER COLUMN code TYPE varchar(20)",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "alter_type_varchar_to_text",
            "ALTER TABLE t ALTER COLUMN code TYPE text",
            expect().lock("t", AccessExclusive),
        ),
        // Shortening needs every value checked (and cast): not binary coercible.
        case(
            "alter_type_varchar_shorter",
            "ALTER TABLE t ALTER COLUMN code TYPE varchar(5)",
            rewrite_t(),
        ),
        case(
            "set_not_null",
            "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
            expect().lock("t", AccessExclusive).scan("t"),
        ),
        case(
            "drop_not_null",
            "ALTER TABLE t ALTER COLUMN big DROP NOT NULL",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "set_default",
            "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "drop_default",
            "ALTER TABLE t ALTER COLUMN at DROP DEFAULT",
            expect().lock("t", AccessExclusive),
        ),
        // SET STATISTICS and storage parameters: SHARE UPDATE EXCLUSIVE.
        case(
            "set_statistics",
            "ALTER TABLE t ALTER COLUMN n SET STATISTICS 500",
            expect().lock("t", ShareUpdateExclusive),
        ),
        case(
            "set_fillfactor",
            "ALTER TABLE t SET (fillfactor = 70)",
            expect().lock("t", ShareUpdateExclusive),
        ),
        // --- constraints ------------------------------------------------------------------
        case(
            "add_check",
            "ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0)",
            expect().lock("t", AccessExclusive).scan("t"),
        ),
        case(
            "add_check_not_valid",
            "ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0) NOT VALID",
            expect().lock("t", AccessExclusive),
        ),
        // VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE on the table, which it scans.
        case_after(
            "validate_check",
            "ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0) NOT VALID;",
            "ALTER TABLE t VALIDATE CONSTRAINT t_n_positive",
            expect().lock("t", ShareUpdateExclusive).scan("t"),
        ),
        // ADD FOREIGN KEY: SHARE ROW EXCLUSIVE on both tables; rows of t are checked.
        // server: the check is one query joining t to p, and it read p by a sequential scan
        // too (at this size; with a large p the planner may use p's primary key instead).
        case(
            "add_foreign_key",
            "ALTER TABLE t ADD CONSTRAINT t_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id)",
            expect()
                .lock("t", ShareRowExclusive)
                .lock("p", ShareRowExclusive)
                .scan("t")
                .scan("p"),
        ),
        case(
            "add_foreign_key_not_valid",
            "ALTER TABLE t ADD CONSTRAINT t_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id) NOT VALID",
            expect()
                .lock("t", ShareRowExclusive)
                .lock("p", ShareRowExclusive),
        ),
        // "If the constraint is a foreign key then a ROW SHARE lock is also required on the
        // table referenced by the constraint."
        // server: as for ADD FOREIGN KEY, the check read p by a sequential scan as well.
        case_after(
            "validate_foreign_key",
            "ALTER TABLE t ADD CONSTRAINT t_q_id_fkey FOREIGN KEY (q_id) REFERENCES p (id) NOT VALID;",
            "ALTER TABLE t VALIDATE CONSTRAINT t_q_id_fkey",
            expect()
                .lock("t", ShareUpdateExclusive)
                .lock("p", RowShare)
                .scan("t")
                .scan("p"),
        ),
        case(
            "add_unique",
            "ALTER TABLE t ADD CONSTRAINT t_big_key UNIQUE (big)",
            expect().lock("t", AccessExclusive).scan("t"),
        ),
        // audit.id is nullable: PRIMARY KEY also sets NOT NULL, checked by a scan.
        case(
            "add_primary_key",
            "ALTER TABLE audit ADD PRIMARY KEY (id)",
            expect().lock("audit", AccessExclusive).scan("audit"),
        ),
        // USING INDEX: the index exists, nothing is built or scanned.
        case(
            "add_unique_using_index",
            "ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_idx",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "add_primary_key_using_index",
            "ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY USING INDEX events_id_idx",
            expect().lock("events", AccessExclusive),
        ),
        case_after(
            "drop_constraint_check",
            "ALTER TABLE t ADD CONSTRAINT t_n_positive CHECK (n > 0);",
            "ALTER TABLE t DROP CONSTRAINT t_n_positive",
            expect().lock("t", AccessExclusive),
        ),
        // The documentation names no lock on the referenced table.
        // server: ACCESS EXCLUSIVE on p as well (the constraint's triggers on p are dropped):
        // dropping a foreign key blocks reads of the referenced table.
        case(
            "drop_constraint_foreign_key",
            "ALTER TABLE t DROP CONSTRAINT t_p_id_fkey",
            expect()
                .lock("t", AccessExclusive)
                .lock("p", AccessExclusive),
        ),
        // --- partitions ---------------------------------------------------------------------
        // ATTACH PARTITION: SHARE UPDATE EXCLUSIVE on the parent from 12 (ACCESS EXCLUSIVE
        // before), ACCESS EXCLUSIVE on the table attached, whose rows are checked.
        case(
            "attach_partition",
            "ALTER TABLE measurements ATTACH PARTITION measurements_2025 \
             FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
            expect()
                .lock(
                    "measurements",
                    if major >= 12 {
                        ShareUpdateExclusive
                    } else {
                        AccessExclusive
                    },
                )
                .lock("measurements_2025", AccessExclusive)
                .scan("measurements_2025"),
        ),
        case(
            "detach_partition",
            "ALTER TABLE measurements DETACH PARTITION measurements_2024",
            expect()
                .lock("measurements", AccessExclusive)
                .lock("measurements_2024", AccessExclusive),
        ),
        // --- whole tables -----------------------------------------------------------------
        case(
            "set_schema",
            "ALTER TABLE audit SET SCHEMA bellows_moved",
            expect().lock("audit", AccessExclusive),
        ),
        case(
            "drop_table",
            "DROP TABLE audit",
            expect().lock("audit", AccessExclusive),
        ),
        // CASCADE drops t's foreign key, an ALTER TABLE of t.
        case(
            "drop_referenced_table_cascade",
            "DROP TABLE p CASCADE",
            expect()
                .lock("p", AccessExclusive)
                .lock("t", AccessExclusive),
        ),
        // TRUNCATE gives the table a new, empty file: relfilenode changes (no row is copied).
        case(
            "truncate",
            "TRUNCATE audit",
            expect().lock("audit", AccessExclusive).rewrite("audit"),
        ),
        // VACUUM (SHARE UPDATE EXCLUSIVE) cannot run in a transaction block; it reads pages
        // directly, which the statistics do not count as a sequential scan.
        case(
            "vacuum",
            "VACUUM t",
            expect()
                .lock("t", ShareUpdateExclusive)
                .outside_transaction(),
        ),
        case(
            "vacuum_analyze",
            "VACUUM ANALYZE t",
            expect()
                .lock("t", ShareUpdateExclusive)
                .outside_transaction(),
        ),
        // VACUUM FULL rewrites the table under ACCESS EXCLUSIVE.
        case(
            "vacuum_full",
            "VACUUM FULL t",
            expect()
                .lock("t", AccessExclusive)
                .rewrite("t")
                .scan("t")
                .outside_transaction(),
        ),
        case(
            "analyze",
            "ANALYZE t",
            expect().lock("t", ShareUpdateExclusive),
        ),
        case(
            "cluster",
            "CLUSTER t USING t_pkey",
            expect().lock("t", AccessExclusive).rewrite("t").scan("t"),
        ),
        // REFRESH: ACCESS EXCLUSIVE on the view, new storage; its query reads t.
        // server: the new contents are also read in full, to rebuild the view's index.
        case(
            "refresh_materialized_view",
            "REFRESH MATERIALIZED VIEW t_totals",
            expect()
                .lock("t_totals", AccessExclusive)
                .lock("t", AccessShare)
                .rewrite("t_totals")
                .scan("t")
                .scan("t_totals"),
        ),
        // CONCURRENTLY (needs a unique index): EXCLUSIVE, so reads go on; diffs in place.
        case(
            "refresh_materialized_view_concurrently",
            "REFRESH MATERIALIZED VIEW CONCURRENTLY t_totals",
            expect()
                .lock("t_totals", Exclusive)
                .lock("t", AccessShare)
                .scan("t")
                .scan("t_totals"),
        ),
        case(
            "set_unlogged",
            "ALTER TABLE audit SET UNLOGGED",
            expect()
                .lock("audit", AccessExclusive)
                .rewrite("audit")
                .scan("audit"),
        ),
        case_after(
            "set_logged",
            "CREATE UNLOGGED TABLE scratchpad (id int, note text); \
             INSERT INTO scratchpad SELECT g, 'x' FROM generate_series(1, 50) g;",
            "ALTER TABLE scratchpad SET LOGGED",
            expect()
                .lock("scratchpad", AccessExclusive)
                .rewrite("scratchpad")
                .scan("scratchpad"),
        ),
        // --- data changes -----------------------------------------------------------------
        case(
            "update",
            "UPDATE t SET n = n + 1",
            expect().lock("t", RowExclusive).scan("t"),
        ),
        case(
            "delete",
            "DELETE FROM t WHERE n > 150",
            expect().lock("t", RowExclusive).scan("t"),
        ),
        // The foreign key's check reads the referencing table (SELECT … FOR KEY SHARE: ROW
        // SHARE); with no index on t.p_id, by a sequential scan.
        case(
            "delete_from_referenced_table",
            "DELETE FROM p WHERE name = 'parent 25'",
            expect()
                .lock("p", RowExclusive)
                .lock("t", RowShare)
                .scan("p")
                .scan("t"),
        ),
        // The foreign key's check reads p with SELECT … FOR KEY SHARE: ROW SHARE.
        case(
            "insert",
            "INSERT INTO t (id, p_id, big) VALUES (1000, 1, 1)",
            expect().lock("t", RowExclusive).lock("p", RowShare),
        ),
        // --- explicit locks, types, triggers, security ------------------------------------
        case(
            "lock_table_share",
            "LOCK TABLE t IN SHARE MODE",
            expect().lock("t", Share),
        ),
        case(
            "lock_table",
            "LOCK TABLE t",
            expect().lock("t", AccessExclusive),
        ),
        // A view is locked with the tables its query reads (11+).
        case(
            "lock_view",
            "LOCK TABLE t_view IN ACCESS SHARE MODE",
            expect().lock("t_view", AccessShare).lock("t", AccessShare),
        ),
        case(
            "alter_type_add_value",
            "ALTER TYPE mood ADD VALUE 'happy'",
            if major >= 12 {
                expect()
            } else {
                expect().outside_transaction()
            },
        ),
        case(
            "create_trigger",
            "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
            expect().lock("t", ShareRowExclusive),
        ),
        case(
            "disable_trigger",
            "ALTER TABLE t DISABLE TRIGGER USER",
            expect().lock("t", ShareRowExclusive),
        ),
        case(
            "enable_row_level_security",
            "ALTER TABLE t ENABLE ROW LEVEL SECURITY",
            expect().lock("t", AccessExclusive),
        ),
        case(
            "comment_on_table",
            "COMMENT ON TABLE t IS 'facts'",
            expect().lock("t", ShareUpdateExclusive),
        ),
        case(
            "create_statistics",
            "CREATE STATISTICS t_n_big ON n, big FROM t",
            expect().lock("t", ShareUpdateExclusive),
        ),
    ]);

    if major >= 12 {
        // A valid CHECK (col IS NOT NULL) proves the column: SET NOT NULL skips its scan.
        cases.push(case_after(
            "set_not_null_proven_by_check",
            "ALTER TABLE t ADD CONSTRAINT t_n_not_null CHECK (n IS NOT NULL);",
            "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
            expect().lock("t", AccessExclusive),
        ));
    }
    if major >= 14 {
        // DETACH … CONCURRENTLY (14+): SHARE UPDATE EXCLUSIVE on both, then, in a second
        // transaction, ACCESS EXCLUSIVE on the partition. Not in a transaction block.
        cases.push(case(
            "detach_partition_concurrently",
            "ALTER TABLE measurements DETACH PARTITION measurements_2024 CONCURRENTLY",
            expect()
                .lock("measurements", ShareUpdateExclusive)
                .lock("measurements_2024", AccessExclusive)
                .outside_transaction(),
        ));
    }
    cases
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
fn every_statement_kind_takes_the_documented_locks() {
    let cluster = Cluster::shared();
    let mut client = cluster
        .fresh_database("bellows_cases")
        .expect("a database for the cases");
    let cases = cases(cluster.major());

    let names: BTreeSet<&str> = cases.iter().map(|c| c.name).collect();
    assert_eq!(names.len(), cases.len(), "two cases share a name");
    assert!(
        cases.len() >= 40,
        "only {} statement kinds are verified",
        cases.len()
    );

    let mut failures = Vec::new();
    for case in &cases {
        let setup = format!("{BASE}\n{}", case.setup);
        match observe(&cluster, &mut client, &setup, case.sql) {
            Ok(seen) => {
                eprintln!("{:<40} {}", case.name, summary(&seen));
                let mismatches = case.expected.mismatches(&seen);
                if !mismatches.is_empty() {
                    failures.push(format!(
                        "{}: {}\n    expected: {}\n    observed: {}\n    - {}",
                        case.name,
                        case.sql,
                        describe_expected(&case.expected),
                        summary(&seen),
                        mismatches.join("\n    - ")
                    ));
                }
            }
            Err(e) => failures.push(format!("{}: {}\n    {e}", case.name, case.sql)),
        }
    }
    eprintln!(
        "{} statement kinds checked against PostgreSQL {}",
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
