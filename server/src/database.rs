//! The server's SQL database: SQLite in a file by default, PostgreSQL when
//! the operator names a `postgres://` URL (several instances share it).
//!
//! Queries go through sqlx's `Any` driver with portable SQL and `$n`
//! placeholders (both backends read them), so every store has one
//! implementation that the tests run against both databases.

use std::{
    ops::{Deref, DerefMut},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyConnection, AnyPool,
};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// The migrations under `server/migrations`, compiled in.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// Why the database could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(
        "unsupported database URL {url:?}: use sqlite://PATH (created if missing) or postgres://…"
    )]
    UnsupportedUrl { url: String },
    #[error("could not connect to the database")]
    Connect(#[source] sqlx::Error),
    #[error("could not bring the database schema up to date")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error")]
    Query(#[from] sqlx::Error),
}

/// A pool of connections to the migrated database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    /// SQLite runs one writer at a time and makes the others sleep and
    /// retry; queueing write transactions here instead serves them in
    /// order, without the sleeps (PostgreSQL needs no such turn).
    writers: Option<Arc<Mutex<()>>>,
}

/// A write transaction (see [`Database::begin_write`]): the connection of an
/// open transaction, rolled back if dropped uncommitted.
pub struct WriteTransaction {
    // Declared first, so it is rolled back before the turn is released.
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl Deref for WriteTransaction {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

impl Database {
    /// Connects to `url` (`sqlite://…` or `postgres://…`), creating a SQLite
    /// file if it is missing, and runs the migrations not yet applied.
    pub async fn open(url: &str) -> Result<Self, DatabaseError> {
        sqlx::any::install_default_drivers();
        let url = if let Some(path) = url.strip_prefix("sqlite://") {
            // `mode=rwc` creates the file; the other SQLite defaults (WAL,
            // foreign keys, a 5 s busy timeout) are what concurrent writers need.
            if path.contains('?') {
                url.to_owned()
            } else {
                format!("sqlite://{path}?mode=rwc")
            }
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            url.to_owned()
        } else {
            return Err(DatabaseError::UnsupportedUrl { url: redact(url) });
        };
        let options = AnyConnectOptions::from_str(&url).map_err(DatabaseError::Connect)?;
        let pool = AnyPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(DatabaseError::Connect)?;
        MIGRATOR.run(&pool).await?;
        let writers = url.starts_with("sqlite:").then(|| Arc::new(Mutex::new(())));
        Ok(Self { pool, writers })
    }

    /// A transaction that writes, in its turn among this process's writers.
    pub(crate) async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let turn = match &self.writers {
            Some(writers) => Some(writers.clone().lock_owned().await),
            None => None,
        };
        Ok(WriteTransaction {
            tx: self.pool.begin().await?,
            _turn: turn,
        })
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// `url` without its password, for messages and logs.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://…@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Seconds since the Unix epoch, as the database stores times.
pub(crate) fn now() -> i64 {
    now_ms() / 1000
}

/// Milliseconds since the Unix epoch, for leases.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX)
        })
}

/// A fresh random identifier (128 bits, hex), for rows the database does not
/// number itself (auto-increment is not portable).
pub(crate) fn random_id() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}
