//! The server's SQL database: SQLite in a file by default, PostgreSQL when
//! the operator names a `postgres://` URL (several instances share it).
//!
//! Queries go through sqlx's `Any` driver with portable SQL and `$n`
//! placeholders (both backends read them), so every store has one
//! implementation that the tests run against both databases.

use std::{str::FromStr, time::Duration};

use sqlx::{
    any::{AnyConnectOptions, AnyPoolOptions},
    AnyPool,
};

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
        Ok(Self { pool })
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
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
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
