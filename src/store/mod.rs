//! Storage: one diesel code path over SQLite (embedded default) and PostgreSQL.
//! Every function takes the tenant id first, so no query can forget it.

pub mod apps;
pub mod attempts;
pub mod audit;
pub mod auth_policy;
pub mod client_assertions;
pub mod codes;
pub mod counts;
pub mod cross_tenant;
pub mod device_codes;
pub mod dpop;
pub mod factors;
pub mod flows;
pub mod groups;
pub mod idps;
pub mod invitations;
pub mod keys;
pub mod logout_outbox;
pub mod outbox;
pub mod passcodes;
pub mod passkeys;
pub mod policies;
pub mod pushed_requests;
pub mod schema;
pub mod sessions;
pub mod sweep;
pub mod tenants;
pub mod text_search;
pub mod users;

use std::sync::Arc;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use parking_lot::Mutex;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Where the data lives, parsed once from the database URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite(String),
    Postgres(String),
}

impl Backend {
    /// `sqlite://path`, `sqlite:path` or a bare path select SQLite; `postgres://`
    /// or `postgresql://` select PostgreSQL.
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Backend::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(format!("unsupported database URL scheme in {url:?}"));
        }
        Ok(Backend::Sqlite(path.to_owned()))
    }
}

/// The r2d2 connection manager: builds the right variant for the URL scheme.
pub struct Manager(Backend);

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.0 {
            Backend::Sqlite(path) => {
                let mut conn = diesel::SqliteConnection::establish(path)
                    .map_err(r2d2::Error::ConnectionError)?;
                // FULL: with WAL, every commit is on disk before it is
                // acknowledged, so an invitation or a block survives power loss.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(conn))
            }
            Backend::Postgres(url) => diesel::PgConnection::establish(url)
                .map(DbConn::Postgres)
                .map_err(r2d2::Error::ConnectionError),
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConn) -> bool {
        false
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("database unavailable: {0}")]
    Pool(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to a conflict with a caller-chosen name.
    pub fn unique_as(err: diesel::result::Error, what: &'static str) -> StoreError {
        match err {
            diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            ) => StoreError::Conflict(what),
            diesel::result::Error::NotFound => StoreError::NotFound,
            other => StoreError::Db(other),
        }
    }
}

impl StoreError {
    /// The database could not be reached (no connection within the pool's
    /// wait, or the connection broke): callers answer 503 with Retry-After,
    /// not 500, and retry later.
    pub fn is_unavailable(&self) -> bool {
        use diesel::result::{DatabaseErrorKind, Error};
        match self {
            StoreError::Pool(_) => true,
            StoreError::Db(Error::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            )) => true,
            // libpq reports a server that went away mid-query this way.
            StoreError::Db(Error::DatabaseError(DatabaseErrorKind::Unknown, info)) => {
                let m = info.message();
                m.contains("terminating connection")
                    || m.contains("server closed the connection")
                    || m.contains("no connection to the server")
                    || m.contains("the database system is shutting down")
                    || m.contains("the database system is starting up")
            }
            _ => false,
        }
    }
}

/// Seconds a client is told to wait (Retry-After) when a request cannot be
/// taken on now: the database is away, or the password-check queue is full.
pub const RETRY_AFTER_SECONDS: u32 = 2;

pub type StoreResult<T> = Result<T, StoreError>;

/// How many more times a SQLite write is tried when `BEGIN IMMEDIATE` still
/// finds the database locked after the busy timeout (another process writing).
const BUSY_RETRIES: u32 = 5;

/// The PostgreSQL advisory lock that serialises migrations across replicas.
const MIGRATION_LOCK: i64 = 0x0070_6f72_7469_636f; // "portico" in ASCII

/// The pool, plus (for SQLite) the writers' turn: SQLite admits one writer at
/// a time, and SQLite's busy handler only polls, so a CLI waiting to write
/// could starve behind a busy server. Writers here queue instead.
#[derive(Clone)]
pub struct Db {
    pool: Pool<Manager>,
    writer: Option<Arc<WriterTurn>>,
}

/// One turn to write a SQLite database: an in-process mutex, then an advisory
/// lock on `<database>-writer` that every `portico` process (server and CLI)
/// takes, waiting in the kernel rather than polling.
struct WriterTurn {
    file: Mutex<Option<std::fs::File>>,
}

impl WriterTurn {
    fn new(path: &str) -> WriterTurn {
        let lock_path = format!("{path}-writer");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .inspect_err(|e| {
                tracing::warn!(path = lock_path, error = %e, "no writer lock file; relying on SQLite's busy timeout")
            })
            .ok();
        WriterTurn {
            file: Mutex::new(file),
        }
    }

    fn take(&self) -> Turn<'_> {
        let file = self.file.lock();
        // Without the lock (an unsupported file system), BEGIN IMMEDIATE and
        // the busy timeout still keep writers apart, only less fairly.
        let locked = file.as_ref().is_some_and(|f| f.lock().is_ok());
        Turn { file, locked }
    }
}

/// Held for one write transaction; gives the turn back when dropped.
struct Turn<'a> {
    file: parking_lot::MutexGuard<'a, Option<std::fs::File>>,
    locked: bool,
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        if let (true, Some(file)) = (self.locked, self.file.as_ref()) {
            let _ = file.unlock();
        }
    }
}

impl Db {
    /// Opens the pool and applies pending migrations.
    pub fn connect(url: &str) -> anyhow::Result<Db> {
        let backend = Backend::parse(url).map_err(anyhow::Error::msg)?;
        if let Backend::Sqlite(path) = &backend {
            // WAL is a property of the file: set it once, before the pool opens
            // several connections that would race for the lock.
            let mut conn = diesel::SqliteConnection::establish(path)?;
            conn.batch_execute("PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL;")?;
        }
        // How long a request waits for a connection. A PostgreSQL server that
        // went away must not hold every request for long: after a second the
        // answer is 503 (the pool keeps reconnecting in the background).
        let (size, writer, wait) = match &backend {
            Backend::Sqlite(path) => (8, Some(Arc::new(WriterTurn::new(path))), 10),
            Backend::Postgres(_) => (16, None, 1),
        };
        let pool = Pool::builder()
            .max_size(size)
            .connection_timeout(Duration::from_secs(wait))
            .build(Manager(backend.clone()))?;
        let db = Db { pool, writer };
        db.migrate(&backend)?;
        Ok(db)
    }

    /// Applies pending migrations while holding the database's write lock, so
    /// processes starting together take turns: on PostgreSQL a session-level
    /// advisory lock on a connection of its own (closing it releases the lock
    /// whatever happens), on SQLite one `BEGIN IMMEDIATE` transaction.
    fn migrate(&self, backend: &Backend) -> anyhow::Result<()> {
        let failed = |e| anyhow::anyhow!("migrations failed: {e}");
        match backend {
            Backend::Postgres(url) => {
                let mut conn = diesel::PgConnection::establish(url)?;
                conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                conn.run_pending_migrations(MIGRATIONS).map_err(failed)?;
            }
            Backend::Sqlite(_) => {
                // Checked first without the write lock: a CLI command then
                // does not queue behind a busy server for nothing.
                if !self
                    .conn()?
                    .has_pending_migration(MIGRATIONS)
                    .map_err(failed)?
                {
                    return Ok(());
                }
                self.write_blocking(|c| -> anyhow::Result<()> {
                    c.run_pending_migrations(MIGRATIONS).map_err(failed)?;
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    /// A raw pooled connection, for tests that need to age rows.
    #[doc(hidden)]
    pub fn conn_for_tests(&self) -> PooledConnection<Manager> {
        self.pool.get().expect("pooled connection")
    }

    fn conn(&self) -> StoreResult<PooledConnection<Manager>> {
        self.pool.get().map_err(|e| StoreError::Pool(e.to_string()))
    }

    /// Runs `f` on a pooled connection, blocking the calling thread.
    pub fn read_blocking<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        f(&mut *self.conn()?)
    }

    /// Runs `f` in one write transaction, blocking the calling thread. Any
    /// error type that can carry a database error works, so domain errors roll
    /// back.
    pub fn write_blocking<T, E>(&self, f: impl FnOnce(&mut DbConn) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut pooled = self.conn()?;
        let conn: &mut DbConn = &mut pooled;
        let _turn = self.writer.as_ref().map(|w| w.take());
        begin_write(conn).map_err(StoreError::from)?;
        match f(conn) {
            Ok(value) => {
                <DbConn as Connection>::TransactionManager::commit_transaction(conn)
                    .map_err(StoreError::from)?;
                Ok(value)
            }
            Err(error) => {
                match <DbConn as Connection>::TransactionManager::rollback_transaction(conn) {
                    Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(error),
                    Err(rollback) => Err(StoreError::from(rollback).into()),
                }
            }
        }
    }

    /// Runs `f` on a pooled connection off the async runtime.
    pub async fn read<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f))
            .await
            .map_err(|e| StoreError::Pool(e.to_string()))?
    }

    /// Runs `f` in one transaction off the async runtime: all of it or none.
    pub async fn write<T, F>(&self, f: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> StoreResult<T> + Send + 'static,
    {
        self.write_as(f).await
    }

    /// Like [`Db::write`] with the caller's error type, so domain errors
    /// raised inside the transaction roll it back and come out unchanged.
    pub async fn write_as<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
    {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f))
            .await
            .map_err(|e| E::from(StoreError::Pool(e.to_string())))?
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        self.read(|c| c.batch_execute("SELECT 1").map_err(StoreError::from))
            .await
            .is_ok()
    }
}

/// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`: a deferred
/// transaction that reads first must upgrade its lock later, and SQLite
/// refuses that at once (no busy wait) when another process wrote meanwhile.
/// Taking the lock up front makes the busy timeout apply, and a begin that
/// still finds the database busy is tried again: nothing has run yet.
fn begin_write(conn: &mut DbConn) -> QueryResult<()> {
    let DbConn::Sqlite(sqlite) = conn else {
        return <DbConn as Connection>::TransactionManager::begin_transaction(conn);
    };
    let mut retries = 0;
    loop {
        match AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE") {
            Err(e) if is_busy(&e) && retries < BUSY_RETRIES => {
                retries += 1;
                tracing::warn!(retries, "SQLite database busy; trying the write again");
                std::thread::sleep(Duration::from_millis(50 << retries));
            }
            other => return other,
        }
    }
}

/// SQLITE_BUSY as diesel reports it.
fn is_busy(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => {
            let message = info.message();
            message.contains("database is locked") || message.contains("busy")
        }
        _ => false,
    }
}

/// Current time, truncated to microseconds so it round-trips through both databases.
pub fn now() -> chrono::NaiveDateTime {
    let now = chrono::Utc::now().naive_utc();
    chrono::DurationRound::duration_trunc(now, chrono::TimeDelta::microseconds(1)).unwrap_or(now)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
