//! A throwaway PostgreSQL server for tests, and the observation of what one statement does
//! to the relations of a small schema: the lock it takes on each, whether it gives one new
//! storage (a rewrite), whether it reads one with a sequential scan, and whether it may run
//! inside a transaction block.
//!
//! The observation knows nothing of what bellows claims: `observe` reports what the server
//! did, and `Expected::mismatches` compares a claim with it; `tests/pg_locks.rs` builds the
//! claims from the lock model.
//!
//! How a statement is observed:
//! - In a transaction block (`BEGIN; <statement>;`), before `ROLLBACK`: `pg_locks` of the
//!   session's own backend (every relation lock is held to the end of the transaction, so
//!   all are visible at once), `pg_class.relfilenode` (a changed one means new storage), and
//!   the session's sequential-scan counters.
//! - A statement that refuses to run in a transaction block (SQLSTATE 25001: `CREATE INDEX
//!   CONCURRENTLY`, `VACUUM`, …) runs in autocommit on a *runner* session while two
//!   *holder* sessions take turns keeping it waiting, step after step, and an *observer*
//!   reads the runner's `pg_locks` each time it waits. See [`observe_outside_transaction`].
//!
//! Relations are compared by name as they were before the statement (`ALTER TABLE t RENAME
//! TO u` reports its lock on `t`). Only the scratch schemas are looked at, so the catalog
//! locks of the observing queries never show. What the catalog said before the statement
//! (each table's indexes and partitions, the foreign keys, the tables each view reads) comes
//! with the observation, so that a claim naming relations by their relation to others
//! ("each index of t") can be resolved.

#![allow(dead_code)]

use postgres::error::SqlState;
use postgres::{Client, NoTls};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, Weak};
use std::thread;
use std::time::{Duration, Instant};
use tempfile::TempDir;

/// Where PostgreSQL's server binaries are looked for when `BELLOWS_PG_BIN` is unset: the
/// version the suite was written against first, then any other Debian-packaged version.
const DEFAULT_BIN: &str = "/usr/lib/postgresql/15/bin";
const DEBIAN_ROOT: &str = "/usr/lib/postgresql";

/// The schema every case starts from, and the schema `SET SCHEMA` moves relations to.
pub const SCHEMA: &str = "bellows_case";
pub const OTHER_SCHEMA: &str = "bellows_moved";

/// How long the server may take to start, and a statement to run.
const START_TIMEOUT_SECS: u32 = 60;
const STATEMENT_TIMEOUT: &str = "30s";
/// How long an observation outside a transaction block may keep a statement waiting.
const HOLD_BUDGET: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------
// Lock modes

/// PostgreSQL's table-level lock modes, weakest first, named as its documentation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    AccessShare,
    RowShare,
    RowExclusive,
    ShareUpdateExclusive,
    Share,
    ShareRowExclusive,
    Exclusive,
    AccessExclusive,
}

impl Mode {
    pub const ALL: [Mode; 8] = [
        Mode::AccessShare,
        Mode::RowShare,
        Mode::RowExclusive,
        Mode::ShareUpdateExclusive,
        Mode::Share,
        Mode::ShareRowExclusive,
        Mode::Exclusive,
        Mode::AccessExclusive,
    ];

    /// The name in the documentation ("Explicit Locking"): `ACCESS EXCLUSIVE`, …
    pub fn name(self) -> &'static str {
        match self {
            Mode::AccessShare => "ACCESS SHARE",
            Mode::RowShare => "ROW SHARE",
            Mode::RowExclusive => "ROW EXCLUSIVE",
            Mode::ShareUpdateExclusive => "SHARE UPDATE EXCLUSIVE",
            Mode::Share => "SHARE",
            Mode::ShareRowExclusive => "SHARE ROW EXCLUSIVE",
            Mode::Exclusive => "EXCLUSIVE",
            Mode::AccessExclusive => "ACCESS EXCLUSIVE",
        }
    }

    /// The mode a documentation name stands for (`"SHARE ROW EXCLUSIVE"`).
    pub fn from_name(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    /// The mode a `pg_locks.mode` value stands for (`"ShareRowExclusiveLock"`). `None` for
    /// the predicate locks of serializable transactions (`SIReadLock`), which block nothing.
    pub fn from_pg_locks(mode: &str) -> Option<Mode> {
        Some(match mode {
            "AccessShareLock" => Mode::AccessShare,
            "RowShareLock" => Mode::RowShare,
            "RowExclusiveLock" => Mode::RowExclusive,
            "ShareUpdateExclusiveLock" => Mode::ShareUpdateExclusive,
            "ShareLock" => Mode::Share,
            "ShareRowExclusiveLock" => Mode::ShareRowExclusive,
            "ExclusiveLock" => Mode::Exclusive,
            "AccessExclusiveLock" => Mode::AccessExclusive,
            _ => return None,
        })
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------
// The server

/// A PostgreSQL server of its own in a temporary folder, listening only on a unix socket
/// there. Stopped (`-m immediate`) and removed on drop.
pub struct Cluster {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    version_num: u32,
}

/// The cluster the tests of one test binary share; started by the first to ask, stopped
/// when the last one lets go of it.
static SHARED: Mutex<Weak<Cluster>> = Mutex::new(Weak::new());

impl Cluster {
    /// The shared cluster, started if no test holds it. Panics with the reason (and the
    /// server log) when no server can be started: these tests must not pass without one.
    pub fn shared() -> Arc<Cluster> {
        let mut slot = SHARED
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(cluster) = slot.upgrade() {
            return cluster;
        }
        let cluster = Arc::new(Cluster::start().unwrap_or_else(|e| panic!("{e}")));
        *slot = Arc::downgrade(&cluster);
        cluster
    }

    /// `initdb`, then `pg_ctl start -w`, in a new temporary folder.
    pub fn start() -> Result<Cluster, String> {
        let bin = find_bin()?;
        let dir = tempfile::Builder::new()
            .prefix("bellows-pg-")
            .tempdir()
            .map_err(|e| format!("cannot create a temporary folder for PostgreSQL: {e}"))?;
        // initdb and postgres refuse to run as root: run them as the `postgres` user then,
        // in a folder it owns.
        let as_postgres = fs::metadata(dir.path())
            .map_err(|e| format!("cannot read {}: {e}", dir.path().display()))?
            .uid()
            == 0;
        if as_postgres {
            let out = run(Command::new("chown").arg("postgres:").arg(dir.path()))?;
            if !out.status.success() {
                return Err(format!(
                    "running as root, PostgreSQL must run as the `postgres` user, but `chown postgres: {}` failed: {}",
                    dir.path().display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        let port = free_port()?;
        let mut cluster = Cluster {
            dir,
            bin,
            port,
            as_postgres,
            version_num: 0,
        };
        cluster.initdb()?;
        cluster.pg_ctl_start()?;
        let mut client = cluster.connect("postgres")?;
        let version: String = client
            .query_one("SHOW server_version_num", &[])
            .map_err(|e| format!("SHOW server_version_num: {e}"))?
            .get(0);
        cluster.version_num = version
            .trim()
            .parse()
            .map_err(|e| format!("server_version_num {version:?}: {e}"))?;
        Ok(cluster)
    }

    /// `SHOW server_version_num`: 150004 for 15.4.
    pub fn version_num(&self) -> u32 {
        self.version_num
    }

    /// The major version: 15.
    pub fn major(&self) -> u32 {
        self.version_num / 10000
    }

    /// The folder holding the data directory, the server log and the socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn log_file(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The server log, for error messages.
    pub fn log(&self) -> String {
        match fs::read_to_string(self.log_file()) {
            Ok(text) => {
                let lines: Vec<&str> = text.lines().collect();
                let tail = &lines[lines.len().saturating_sub(40)..];
                format!(
                    "server log ({}):\n{}",
                    self.log_file().display(),
                    tail.join("\n")
                )
            }
            Err(e) => format!("(no server log at {}: {e})", self.log_file().display()),
        }
    }

    /// A command running one of the server binaries, as `postgres` when we are root.
    fn tool(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(path);
            cmd
        } else {
            Command::new(path)
        }
    }

    fn initdb(&self) -> Result<(), String> {
        let out = run(self
            .tool("initdb")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-A", "trust", "-U", "postgres", "-E", "UTF8"])
            .args(["--locale=C", "--no-sync"]))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed ({}):\n{}{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(())
    }

    fn pg_ctl_start(&self) -> Result<(), String> {
        let options = format!(
            "-c listen_addresses='' -k {} -p {} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=20 -c shared_buffers=32MB \
             -c autovacuum=off",
            self.socket_dir().display(),
            self.port
        );
        let out = run(self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .arg("-o")
            .arg(options)
            .args(["-w", "-t", &START_TIMEOUT_SECS.to_string(), "start"]))?;
        if !out.status.success() {
            return Err(format!(
                "pg_ctl start failed ({}):\n{}{}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
                self.log()
            ));
        }
        Ok(())
    }

    /// A new session on database `dbname`, over the unix socket.
    pub fn connect(&self, dbname: &str) -> Result<Client, String> {
        postgres::Config::new()
            .host_path(self.socket_dir())
            .port(self.port)
            .user("postgres")
            .dbname(dbname)
            .application_name("bellows-tests")
            .connect_timeout(Duration::from_secs(10))
            .connect(NoTls)
            .map_err(|e| {
                format!(
                    "cannot connect to the test server (socket {}, port {}, database {dbname}): {e}\n{}",
                    self.socket_dir().display(),
                    self.port,
                    self.log()
                )
            })
    }

    /// Creates database `name` (dropping an older one) and returns a session on it. Each
    /// test works in a database of its own, so tests sharing the cluster never meet.
    pub fn fresh_database(&self, name: &str) -> Result<Client, String> {
        let mut admin = self.connect("postgres")?;
        // One statement per message: a message of several runs as one transaction block,
        // which DROP and CREATE DATABASE refuse.
        for sql in ["DROP DATABASE IF EXISTS", "CREATE DATABASE"] {
            admin
                .batch_execute(&format!("{sql} {}", quote_ident(name)))
                .map_err(|e| format!("{sql} {name}: {}", describe(&e)))?;
        }
        self.connect(name)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let stopped = self
            .tool("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "-t", "30", "stop"])
            .output();
        if let Ok(out) = stopped
            && !out.status.success()
        {
            eprintln!(
                "pg_ctl stop failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        // The TempDir removes the folder when it drops, right after this.
    }
}

/// `BELLOWS_PG_BIN`, else `/usr/lib/postgresql/15/bin`, else the newest
/// `/usr/lib/postgresql/<major>/bin` holding `initdb`.
fn find_bin() -> Result<PathBuf, String> {
    let install = "install the PostgreSQL server (`apt-get install postgresql` on Debian or \
                   Ubuntu) or point BELLOWS_PG_BIN at the folder holding initdb, pg_ctl and \
                   postgres";
    if let Some(dir) = std::env::var_os("BELLOWS_PG_BIN") {
        let dir = PathBuf::from(dir);
        return if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
            Ok(dir)
        } else {
            Err(format!(
                "BELLOWS_PG_BIN={} holds no initdb and pg_ctl: {install}",
                dir.display()
            ))
        };
    }
    let default = PathBuf::from(DEFAULT_BIN);
    if default.join("initdb").is_file() {
        return Ok(default);
    }
    let newest = fs::read_dir(DEBIAN_ROOT)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .max();
    match newest {
        Some((_, bin)) => Ok(bin),
        None => Err(format!(
            "no PostgreSQL server binaries in {DEFAULT_BIN} or {DEBIAN_ROOT}/*/bin: {install}. \
             The lock model is verified against a real server; these tests do not pass without one."
        )),
    }
}

/// A TCP port nothing listens on, for the socket file's name (`.s.PGSQL.<port>`).
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|e| format!("cannot find a free port (bind 127.0.0.1:0): {e}"))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("cannot find a free port: {e}"))
}

fn run(cmd: &mut Command) -> Result<Output, String> {
    cmd.output()
        .map_err(|e| format!("cannot run {:?}: {e}", cmd.get_program()))
}

/// `"name"` with inner quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// An error as one line: SQLSTATE and message when the server sent one.
pub fn describe(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// Observation

/// What kind of relation a `pg_class` row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelKind {
    Table,
    PartitionedTable,
    Index,
    PartitionedIndex,
    Sequence,
    View,
    MaterializedView,
    Other,
}

impl RelKind {
    fn from_relkind(kind: &str) -> RelKind {
        match kind {
            "r" => RelKind::Table,
            "p" => RelKind::PartitionedTable,
            "i" => RelKind::Index,
            "I" => RelKind::PartitionedIndex,
            "S" => RelKind::Sequence,
            "v" => RelKind::View,
            "m" => RelKind::MaterializedView,
            _ => RelKind::Other,
        }
    }

    pub fn is_index(self) -> bool {
        matches!(self, RelKind::Index | RelKind::PartitionedIndex)
    }

    /// True when it has storage of its own that a rewrite replaces: partitioned tables and
    /// indexes and views have none (their `relfilenode` is 0).
    pub fn has_storage(self) -> bool {
        !matches!(
            self,
            RelKind::PartitionedTable | RelKind::PartitionedIndex | RelKind::View
        )
    }

    /// True when the statistics count its sequential scans: tables and materialized views
    /// (`pg_stat_all_tables`), not indexes.
    pub fn scans_counted(self) -> bool {
        matches!(self, RelKind::Table | RelKind::MaterializedView)
    }

    /// What `LOCK TABLE` accepts and a holder session may lock.
    fn lockable(self) -> bool {
        matches!(
            self,
            RelKind::Table | RelKind::PartitionedTable | RelKind::MaterializedView
        )
    }
}

/// What happened to one relation that existed before the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationFacts {
    pub kind: RelKind,
    /// Every mode the statement's session held or asked for on it.
    pub modes: BTreeSet<Mode>,
    /// Its storage was replaced: `relfilenode` changed, or it was dropped and a relation of
    /// the same name with other storage took its place (`REINDEX CONCURRENTLY`). An index
    /// that `ALTER COLUMN TYPE` re-creates on its old storage is not rewritten.
    pub rewritten: bool,
    /// Read by a sequential scan (`pg_stat_*_tables.seq_scan` grew).
    pub scanned: bool,
    /// Gone after the statement.
    pub dropped: bool,
}

impl RelationFacts {
    pub fn strongest(&self) -> Option<Mode> {
        self.modes.iter().next_back().copied()
    }
}

/// How the locks were seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `BEGIN; <statement>;` then `pg_locks` of the same session.
    InTransaction,
    /// Autocommit on a runner session held back by two holders in turn; `pg_locks` read by
    /// an observer each of the `waits` times the runner waited.
    HeldBack { waits: usize },
}

/// What the server did when it ran one statement.
#[derive(Debug, Clone)]
pub struct Observation {
    /// False when `BEGIN; <statement>` failed with SQLSTATE 25001.
    pub runs_in_transaction: bool,
    /// Every relation of the scratch schemas that existed before the statement, by name
    /// (`t`, or `bellows_moved.t` outside the case schema).
    pub relations: BTreeMap<String, RelationFacts>,
    /// Relations the statement created (informative only).
    pub created: BTreeSet<String>,
    pub method: Method,
    /// The catalog before the statement.
    pub schema: ServerSchema,
}

/// What the server's catalog said about the scratch schemas before the statement, by
/// relation name (as in [`Observation::relations`]).
#[derive(Debug, Clone, Default)]
pub struct ServerSchema {
    /// Each table's (or materialized view's) indexes.
    pub indexes: BTreeMap<String, BTreeSet<String>>,
    /// Each index's table.
    pub table_of_index: BTreeMap<String, String>,
    /// Each partitioned table's partitions, at every level.
    pub partitions: BTreeMap<String, BTreeSet<String>>,
    /// Every foreign key.
    pub foreign_keys: Vec<ForeignKey>,
    /// The tables each view's or materialized view's query reads.
    pub view_tables: BTreeMap<String, BTreeSet<String>>,
}

/// One foreign key constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    /// The table it is on.
    pub table: String,
    /// The constraint's name.
    pub name: String,
    /// The table it references.
    pub references: String,
}

impl Observation {
    /// The strongest mode taken on each relation that was locked.
    pub fn locks(&self) -> BTreeMap<&str, Mode> {
        self.relations
            .iter()
            .filter_map(|(name, r)| Some((name.as_str(), r.strongest()?)))
            .collect()
    }

    pub fn lock_on(&self, relation: &str) -> Option<Mode> {
        self.relations.get(relation).and_then(|r| r.strongest())
    }

    pub fn rewritten(&self) -> BTreeSet<&str> {
        self.names(|r| r.rewritten)
    }

    pub fn scanned(&self) -> BTreeSet<&str> {
        self.names(|r| r.scanned)
    }

    fn names(&self, keep: impl Fn(&RelationFacts) -> bool) -> BTreeSet<&str> {
        self.relations
            .iter()
            .filter(|(_, r)| keep(r))
            .map(|(n, _)| n.as_str())
            .collect()
    }
}

/// One relation as `pg_class` has it.
#[derive(Debug, Clone)]
struct RelRow {
    name: String,
    namespace: String,
    relname: String,
    kind: RelKind,
    filenode: u32,
}

/// The relations of the scratch schemas, by oid.
type Relations = BTreeMap<u32, RelRow>;

const RELATIONS_SQL: &str = "\
    SELECT c.oid, n.nspname::text, c.relname::text, c.relkind::text, c.relfilenode \
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
    WHERE n.nspname IN ('bellows_case', 'bellows_moved')";

fn relations(client: &mut Client) -> Result<Relations, String> {
    let rows = client
        .query(RELATIONS_SQL, &[])
        .map_err(|e| format!("reading pg_class: {}", describe(&e)))?;
    Ok(rows
        .iter()
        .map(|row| {
            let namespace: String = row.get(1);
            let relname: String = row.get(2);
            let name = if namespace == SCHEMA {
                relname.clone()
            } else {
                format!("{namespace}.{relname}")
            };
            let kind: String = row.get(3);
            (
                row.get::<_, u32>(0),
                RelRow {
                    name,
                    namespace,
                    relname,
                    kind: RelKind::from_relkind(&kind),
                    filenode: row.get(4),
                },
            )
        })
        .collect())
}

/// Sequential scans of each table of the scratch schemas as this session sees them:
/// reported to the shared statistics plus still pending in this session (which includes the
/// current transaction), so the sum is right whenever the session last flushed.
fn seq_scans(client: &mut Client) -> Result<BTreeMap<u32, i64>, String> {
    let rows = client
        .query(
            "SELECT s.relid, coalesce(s.seq_scan, 0) + coalesce(x.seq_scan, 0) \
             FROM pg_stat_all_tables s JOIN pg_stat_xact_all_tables x USING (relid) \
             WHERE s.schemaname IN ('bellows_case', 'bellows_moved')",
            &[],
        )
        .map_err(|e| format!("reading scan statistics: {}", describe(&e)))?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<_, u32>(0), r.get::<_, i64>(1)))
        .collect())
}

/// The relation locks of backend `pid` in this database, granted or awaited.
fn relation_locks(client: &mut Client, pid: i32) -> Result<Vec<(u32, Mode)>, String> {
    let rows = client
        .query(
            "SELECT relation, mode FROM pg_locks \
             WHERE pid = $1 AND locktype = 'relation' \
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            &[&pid],
        )
        .map_err(|e| format!("reading pg_locks: {}", describe(&e)))?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let mode: String = r.get(1);
            Some((r.get::<_, u32>(0), Mode::from_pg_locks(&mode)?))
        })
        .collect())
}

fn backend_pid(client: &mut Client) -> Result<i32, String> {
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .map(|r| r.get(0))
        .map_err(|e| format!("pg_backend_pid(): {}", describe(&e)))
}

/// Drops and recreates the scratch schemas, then runs `setup_sql` in the case schema.
pub fn reset(client: &mut Client, setup_sql: &str) -> Result<(), String> {
    client
        .batch_execute(&format!(
            "SET search_path = {SCHEMA}; \
             DROP SCHEMA IF EXISTS {SCHEMA}, {OTHER_SCHEMA} CASCADE; \
             CREATE SCHEMA {SCHEMA}; CREATE SCHEMA {OTHER_SCHEMA}; \
             SET search_path = {SCHEMA}"
        ))
        .map_err(|e| format!("resetting the scratch schemas: {}", describe(&e)))?;
    client
        .batch_execute(setup_sql)
        .map_err(|e| format!("setup failed: {}", describe(&e)))
}

/// Runs `setup_sql` on fresh scratch schemas, then observes `statement_sql`. The database
/// is left as the statement left it when it cannot run in a transaction block, as set up
/// otherwise.
pub fn observe(
    cluster: &Cluster,
    client: &mut Client,
    setup_sql: &str,
    statement_sql: &str,
) -> Result<Observation, String> {
    reset(client, setup_sql)?;
    if cluster.version_num() >= 150000 {
        // Scan counts are read as shared + pending-in-this-session. Publish the setup's
        // pending counts now (before the next ReadyForQuery), so that they cannot land in
        // the shared counters while a statement run by another session is observed.
        client
            .batch_execute("SELECT pg_stat_force_next_flush()")
            .map_err(|e| format!("pg_stat_force_next_flush(): {}", describe(&e)))?;
    }
    let before = relations(client)?;
    let schema = server_schema(client, &before)?;
    let mut seen = match observe_in_transaction(client, &before, statement_sql)? {
        Some(observation) => observation,
        None => observe_outside_transaction(cluster, client, &before, statement_sql)?,
    };
    seen.schema = schema;
    Ok(seen)
}

/// Pairs of oids a catalog query returns, kept when both are relations of the scratch
/// schemas, as names.
fn oid_pairs(
    client: &mut Client,
    sql: &str,
    before: &Relations,
) -> Result<Vec<(String, String)>, String> {
    let rows = client
        .query(sql, &[])
        .map_err(|e| format!("reading the catalog ({sql}): {}", describe(&e)))?;
    Ok(rows
        .iter()
        .filter_map(|r| {
            let a = before.get(&r.get::<_, u32>(0))?;
            let b = before.get(&r.get::<_, u32>(1))?;
            Some((a.name.clone(), b.name.clone()))
        })
        .collect())
}

/// The catalog of the scratch schemas as it stands.
fn server_schema(client: &mut Client, before: &Relations) -> Result<ServerSchema, String> {
    let mut schema = ServerSchema::default();
    for (index, table) in oid_pairs(client, "SELECT indexrelid, indrelid FROM pg_index", before)? {
        schema
            .indexes
            .entry(table.clone())
            .or_default()
            .insert(index.clone());
        schema.table_of_index.insert(index, table);
    }
    let children = oid_pairs(
        client,
        "SELECT inhparent, inhrelid FROM pg_inherits",
        before,
    )?;
    let direct = |parent: &str| -> Vec<String> {
        children
            .iter()
            .filter(|(p, _)| p == parent)
            .map(|(_, c)| c.clone())
            .collect()
    };
    for (parent, _) in &children {
        let mut all = BTreeSet::new();
        let mut todo = direct(parent);
        while let Some(child) = todo.pop() {
            if all.insert(child.clone()) {
                todo.extend(direct(&child));
            }
        }
        schema.partitions.insert(parent.clone(), all);
    }
    let rows = client
        .query(
            "SELECT conrelid, confrelid, conname::text FROM pg_constraint WHERE contype = 'f'",
            &[],
        )
        .map_err(|e| format!("reading pg_constraint: {}", describe(&e)))?;
    for r in &rows {
        let (Some(table), Some(references)) = (
            before.get(&r.get::<_, u32>(0)),
            before.get(&r.get::<_, u32>(1)),
        ) else {
            continue;
        };
        schema.foreign_keys.push(ForeignKey {
            table: table.name.clone(),
            name: r.get(2),
            references: references.name.clone(),
        });
    }
    let reads = "SELECT DISTINCT r.ev_class, d.refobjid FROM pg_rewrite r \
                 JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid \
                 AND d.refclassid = 'pg_class'::regclass WHERE d.refobjid <> r.ev_class";
    for (view, table) in oid_pairs(client, reads, before)? {
        schema.view_tables.entry(view).or_default().insert(table);
    }
    Ok(schema)
}

/// `BEGIN; <statement>;`, read everything, `ROLLBACK`. `None` when the statement refuses
/// to run in a transaction block.
fn observe_in_transaction(
    client: &mut Client,
    before: &Relations,
    statement_sql: &str,
) -> Result<Option<Observation>, String> {
    client
        .batch_execute(&format!(
            "SET statement_timeout = '{STATEMENT_TIMEOUT}'; BEGIN"
        ))
        .map_err(|e| format!("BEGIN: {}", describe(&e)))?;
    let outcome = (|| {
        let scans_before = seq_scans(client)?;
        if let Err(e) = client.batch_execute(statement_sql) {
            if e.code() == Some(&SqlState::ACTIVE_SQL_TRANSACTION) {
                return Ok(None);
            }
            return Err(format!("the statement failed: {}", describe(&e)));
        }
        let pid = backend_pid(client)?;
        let locks = relation_locks(client, pid)?;
        let after = relations(client)?;
        let scans_after = seq_scans(client)?;
        Ok(Some(Observation {
            runs_in_transaction: true,
            relations: facts(before, &after, &locks, &scans_before, &scans_after),
            created: created(before, &after),
            method: Method::InTransaction,
            schema: ServerSchema::default(),
        }))
    })();
    client
        .batch_execute("ROLLBACK")
        .map_err(|e| format!("ROLLBACK: {}", describe(&e)))?;
    outcome
}

/// A session that keeps a runner waiting. In one REPEATABLE READ transaction (whose
/// snapshot makes the runner wait where it waits for older snapshots) it locks every table
/// of the case, each in the strongest of SHARE UPDATE EXCLUSIVE, ROW EXCLUSIVE and ACCESS
/// SHARE it gets without waiting (`NOWAIT`), then plans a query on it, which takes ACCESS
/// SHARE on its indexes. So the runner waits when it asks for a lock that conflicts (and
/// `pg_locks` shows the mode it asked for), and when it waits for the transactions that
/// hold locks on the table (the steps of the concurrent commands). The holder never waits
/// for the runner: `NOWAIT`, and a short `lock_timeout` for the index locks of planning.
struct Holder {
    client: Client,
    pid: i32,
    tables: Vec<String>,
    holding: bool,
}

impl Holder {
    fn new(mut client: Client, before: &Relations) -> Result<Holder, String> {
        client
            .batch_execute("SET lock_timeout = '10ms'")
            .map_err(|e| format!("holder: {}", describe(&e)))?;
        let pid = backend_pid(&mut client)?;
        let tables = before
            .values()
            .filter(|r| r.kind.lockable())
            .map(|r| format!("{}.{}", quote_ident(&r.namespace), quote_ident(&r.relname)))
            .collect();
        Ok(Holder {
            client,
            pid,
            tables,
            holding: false,
        })
    }

    /// Runs `sql` in a savepoint; false (and the transaction still usable) if it failed.
    fn attempt(&mut self, sql: &str) -> Result<bool, String> {
        match self
            .client
            .batch_execute(&format!("SAVEPOINT hold; {sql}; RELEASE hold"))
        {
            Ok(()) => Ok(true),
            Err(_) => {
                self.client
                    .batch_execute("ROLLBACK TO hold; RELEASE hold")
                    .map_err(|e| format!("holder: {}", describe(&e)))?;
                Ok(false)
            }
        }
    }

    fn hold(&mut self) -> Result<(), String> {
        self.client
            .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1")
            .map_err(|e| format!("holder BEGIN: {}", describe(&e)))?;
        self.holding = true;
        for table in self.tables.clone() {
            let mut locked = false;
            for mode in ["SHARE UPDATE EXCLUSIVE", "ROW EXCLUSIVE", "ACCESS SHARE"] {
                if self.attempt(&format!("LOCK TABLE ONLY {table} IN {mode} MODE NOWAIT"))? {
                    locked = true;
                    break;
                }
            }
            if locked {
                self.attempt(&format!("SELECT FROM ONLY {table} LIMIT 0"))?;
            }
        }
        Ok(())
    }

    fn release(&mut self) -> Result<(), String> {
        if self.holding {
            self.holding = false;
            self.client
                .batch_execute("ROLLBACK")
                .map_err(|e| format!("holder ROLLBACK: {}", describe(&e)))?;
        }
        Ok(())
    }
}

/// Observes a statement that cannot run in a transaction block.
///
/// It runs in autocommit on a runner session (in a thread of its own) while two holder
/// sessions (see [`Holder`]) take turns keeping it waiting. The first holds before the
/// runner starts. Each time `pg_blocking_pids` says the runner waits for the holder on
/// duty, the observer (`client`) reads the runner's `pg_locks`, granted and awaited (the
/// runner stands still, so the reading is stable); then the other holder takes its locks,
/// and only then does the holder on duty end its transaction. The runner thus never runs
/// unheld: it is stopped again at its next lock request that conflicts, or its next wait
/// for other transactions, and read there. The observation is the union of those readings.
/// A lock taken and released between two stops is not seen; every step of PostgreSQL's
/// concurrent commands ends by waiting for other transactions, so none is missed there.
fn observe_outside_transaction(
    cluster: &Cluster,
    client: &mut Client,
    before: &Relations,
    statement_sql: &str,
) -> Result<Observation, String> {
    let dbname: String = client
        .query_one("SELECT current_database()::text", &[])
        .map_err(|e| describe(&e))?
        .get(0);
    let session = |role: &str| -> Result<Client, String> {
        let mut c = cluster.connect(&dbname)?;
        c.batch_execute(&format!(
            "SET search_path = {SCHEMA}; SET statement_timeout = '{STATEMENT_TIMEOUT}'"
        ))
        .map_err(|e| format!("{role}: {}", describe(&e)))?;
        Ok(c)
    };
    let mut runner = session("runner")?;
    let runner_pid = backend_pid(&mut runner)?;
    let scans_before = seq_scans(&mut runner)?;
    let mut holders = [
        Holder::new(session("holder")?, before)?,
        Holder::new(session("holder")?, before)?,
    ];
    let mut on_duty = 0;
    holders[on_duty].hold()?;

    let statement = statement_sql.to_string();
    let handle = thread::spawn(move || {
        let result = runner.batch_execute(&statement).map_err(|e| describe(&e));
        // A fresh transaction: the statistics the statement left pending in this session.
        let scans = seq_scans(&mut runner);
        (result, scans)
    });

    let mut seen: Vec<(u32, Mode)> = Vec::new();
    let mut waits = 0;
    let started = Instant::now();
    let blocked_sql = "SELECT $2::int = ANY(pg_blocking_pids($1))";
    let outcome = (|| -> Result<(), String> {
        while !handle.is_finished() {
            if started.elapsed() > HOLD_BUDGET {
                // Let it finish unobserved rather than hang: the readings so far stand.
                for h in holders.iter_mut() {
                    h.release()?;
                }
                thread::sleep(Duration::from_millis(5));
                continue;
            }
            let duty_pid = holders[on_duty].pid;
            let blocked: bool = client
                .query_one(blocked_sql, &[&runner_pid, &duty_pid])
                .map_err(|e| format!("pg_blocking_pids: {}", describe(&e)))?
                .get(0);
            if !blocked {
                thread::sleep(Duration::from_millis(1));
                continue;
            }
            seen.extend(relation_locks(client, runner_pid)?);
            waits += 1;
            let next = 1 - on_duty;
            holders[next].hold()?;
            holders[on_duty].release()?;
            on_duty = next;
        }
        Ok(())
    })();
    for h in holders.iter_mut() {
        h.release()?;
    }
    let (result, scans_after) = handle
        .join()
        .map_err(|_| "the runner thread panicked".to_string())?;
    outcome?;
    result.map_err(|e| format!("the statement failed outside a transaction block: {e}"))?;
    let scans_after = scans_after?;
    let after = relations(client)?;
    Ok(Observation {
        runs_in_transaction: false,
        relations: facts(before, &after, &seen, &scans_before, &scans_after),
        created: created(before, &after),
        method: Method::HeldBack { waits },
        schema: ServerSchema::default(),
    })
}

fn facts(
    before: &Relations,
    after: &Relations,
    locks: &[(u32, Mode)],
    scans_before: &BTreeMap<u32, i64>,
    scans_after: &BTreeMap<u32, i64>,
) -> BTreeMap<String, RelationFacts> {
    before
        .iter()
        .map(|(oid, row)| {
            let modes = locks
                .iter()
                .filter(|(o, _)| o == oid)
                .map(|(_, m)| *m)
                .collect();
            let (rewritten, dropped) = match after.get(oid) {
                Some(now) => (now.filenode != row.filenode, false),
                // Dropped, or dropped and created anew under the same name (ALTER COLUMN
                // TYPE re-creates the indexes on the column, keeping their storage when
                // it can; REINDEX CONCURRENTLY swaps in a new index).
                None => match after.values().find(|r| {
                    r.namespace == row.namespace && r.relname == row.relname && r.kind == row.kind
                }) {
                    Some(successor) => (successor.filenode != row.filenode, false),
                    None => (false, true),
                },
            };
            let scanned = match (scans_before.get(oid), scans_after.get(oid)) {
                (Some(b), Some(a)) => a > b,
                _ => false,
            };
            (
                row.name.clone(),
                RelationFacts {
                    kind: row.kind,
                    modes,
                    rewritten,
                    scanned,
                    dropped,
                },
            )
        })
        .collect()
}

fn created(before: &Relations, after: &Relations) -> BTreeSet<String> {
    after
        .iter()
        .filter(|(oid, _)| !before.contains_key(oid))
        .map(|(_, r)| r.name.clone())
        .collect()
}

// ---------------------------------------------------------------------------------------
// Expectations

/// What a statement should do, per relation: in `tests/pg_locks.rs`, what the lock model
/// claims, resolved to the relations of the setup.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    /// The strongest lock on each relation that gets one.
    pub locks: Vec<(String, Mode)>,
    /// Relations given new storage.
    pub rewrite: Vec<String>,
    /// Relations read in full by a sequential scan.
    pub scan: Vec<String>,
    pub runs_in_transaction: bool,
    /// Relations whose scan is not compared: the observation cannot tell (a scan by the
    /// planner's choice, a read the statistics do not count).
    pub scan_not_compared: BTreeSet<String>,
    /// Relations whose new storage is not compared (`TRUNCATE` gives new, empty storage,
    /// which is not a rewrite).
    pub rewrite_not_compared: BTreeSet<String>,
}

/// A new expectation: no locks, no rewrite, no scan, runs in a transaction block.
pub fn expect() -> Expected {
    Expected {
        runs_in_transaction: true,
        ..Expected::default()
    }
}

impl Expected {
    pub fn lock(mut self, relation: &str, mode: Mode) -> Self {
        self.locks.push((relation.to_string(), mode));
        self
    }

    pub fn rewrite(mut self, relation: &str) -> Self {
        self.rewrite.push(relation.to_string());
        self
    }

    pub fn scan(mut self, relation: &str) -> Self {
        self.scan.push(relation.to_string());
        self
    }

    pub fn outside_transaction(mut self) -> Self {
        self.runs_in_transaction = false;
        self
    }

    /// Leaves the scan of `relation` out of the comparison.
    pub fn scan_not_compared(mut self, relation: &str) -> Self {
        self.scan_not_compared.insert(relation.to_string());
        self
    }

    /// Leaves the new storage of `relation` out of the comparison.
    pub fn rewrite_not_compared(mut self, relation: &str) -> Self {
        self.rewrite_not_compared.insert(relation.to_string());
        self
    }

    /// Every relation the expectation names.
    fn named(&self) -> BTreeSet<&str> {
        self.locks
            .iter()
            .map(|(r, _)| r.as_str())
            .chain(self.rewrite.iter().map(String::as_str))
            .chain(self.scan.iter().map(String::as_str))
            .collect()
    }

    /// Where the server disagrees, one line each; empty when it agrees.
    ///
    /// Compared: every relation that is not an index, and every index the expectation
    /// names. Indexes otherwise follow their table (DML takes ROW EXCLUSIVE on each index
    /// it maintains, the planner ACCESS SHARE on each index of a table it plans for).
    ///
    /// What cannot be observed is not compared: a rewrite of a relation without storage
    /// (a partitioned table, a view), a scan of anything but a table or materialized view
    /// (the statistics count no other), the relations [`Expected::scan_not_compared`] and
    /// [`Expected::rewrite_not_compared`] list, and, for a statement held back outside a
    /// transaction block, an expected lock on an index the server did not show: once the
    /// statement holds its table, the holders cannot make it wait for the table's indexes.
    pub fn mismatches(&self, seen: &Observation) -> Vec<String> {
        let named = self.named();
        let kind = |name: &str| seen.relations.get(name).map(|r| r.kind);
        let compared = |name: &str| -> bool {
            named.contains(name) || kind(name).is_some_and(|k| !k.is_index())
        };
        let held_back = matches!(seen.method, Method::HeldBack { .. });
        let mut out = Vec::new();
        if self.runs_in_transaction != seen.runs_in_transaction {
            out.push(format!(
                "runs in a transaction block: expected {}, server says {}",
                self.runs_in_transaction, seen.runs_in_transaction
            ));
        }
        for name in &named {
            if !seen.relations.contains_key(*name) {
                out.push(format!(
                    "{name}: named by the expectation but not a relation of the setup"
                ));
            }
        }
        let expected_locks: BTreeMap<&str, Mode> =
            self.locks.iter().map(|(r, m)| (r.as_str(), *m)).collect();
        let seen_locks = seen.locks();
        let all: BTreeSet<&str> = expected_locks
            .keys()
            .chain(seen_locks.keys())
            .copied()
            .filter(|n| compared(n))
            .collect();
        for name in all {
            let want = expected_locks.get(name).copied();
            let got = seen_locks.get(name).copied();
            let unseen_index =
                held_back && got.is_none() && kind(name).is_some_and(RelKind::is_index);
            if want != got && !unseen_index {
                let held = seen
                    .relations
                    .get(name)
                    .map(|r| {
                        r.modes
                            .iter()
                            .map(|m| m.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                out.push(format!(
                    "lock on {name}: expected {}, server took {}{}",
                    show(want),
                    show(got),
                    if held.contains(',') {
                        format!(" (all modes: {held})")
                    } else {
                        String::new()
                    }
                ));
            }
        }
        // A name that is not a relation of the setup stays compared, so that it shows.
        let rewrite_compared = |name: &str| {
            compared(name)
                && kind(name).is_none_or(RelKind::has_storage)
                && !self.rewrite_not_compared.contains(name)
        };
        let scan_compared = |name: &str| {
            compared(name)
                && kind(name).is_none_or(RelKind::scans_counted)
                && !self.scan_not_compared.contains(name)
        };
        set_mismatch(
            &mut out,
            "rewrite",
            &self.rewrite,
            &seen.rewritten(),
            &rewrite_compared,
        );
        set_mismatch(
            &mut out,
            "scan",
            &self.scan,
            &seen.scanned(),
            &scan_compared,
        );
        out
    }
}

fn show(mode: Option<Mode>) -> &'static str {
    mode.map_or("no lock", Mode::name)
}

fn set_mismatch(
    out: &mut Vec<String>,
    what: &str,
    expected: &[String],
    seen: &BTreeSet<&str>,
    compared: &dyn Fn(&str) -> bool,
) {
    let want: BTreeSet<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|n| compared(n))
        .collect();
    let seen: BTreeSet<&str> = seen.iter().copied().filter(|n| compared(n)).collect();
    if want != seen {
        out.push(format!(
            "{what}: expected [{}], server [{}]",
            want.into_iter().collect::<Vec<_>>().join(", "),
            seen.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
}
