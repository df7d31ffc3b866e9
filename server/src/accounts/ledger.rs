//! The double-entry ledger: every movement of money is one journal entry
//! whose lines sum to zero, and a user's balance never goes below zero.
//!
//! Balances are kept on the account rows and changed in the same transaction
//! that writes the lines, by a conditional `UPDATE` (the balance plus the
//! amount must stay at or above zero), so concurrent payments from one
//! account cannot overspend it on either database: PostgreSQL re-checks the
//! condition under the row lock, SQLite runs one writer at a time.

use std::fmt;

use sqlx::Row;

use crate::database::{self, Database};

/// An account of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccountId(String);

impl AccountId {
    /// The account of the user with this NOSTR public key (hex).
    pub fn user(pubkey_hex: &str) -> Self {
        Self(format!("user:{pubkey_hex}"))
    }

    /// What the server's Lightning node holds for its users: Lightning
    /// received is credited to a user and debited here, and the reverse.
    pub fn liquidity() -> Self {
        Self("system:liquidity".to_owned())
    }

    /// Routing fees paid to the network.
    pub fn fees() -> Self {
        Self("system:fees".to_owned())
    }

    /// Payments sent to the node and not yet settled or failed.
    pub fn pending_outgoing() -> Self {
        Self("system:pending_outgoing".to_owned())
    }

    /// The NOSTR public key (hex) of a user's account id as stored.
    pub fn pubkey_of(stored: &str) -> Option<&str> {
        stored.strip_prefix("user:")
    }

    /// An id as the database stores it.
    pub(crate) fn from_stored(id: String) -> Self {
        Self(id)
    }

    fn kind(&self) -> &'static str {
        if self.0.starts_with("user:") {
            "user"
        } else {
            "system"
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a journal entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    /// From one user of this server to another: settled in the ledger alone.
    InternalPayment,
    /// Lightning received by the node for a user.
    Received,
    /// A payment through the node: its amount and fee reserve held from the
    /// user until the node says how it ended.
    PaymentReserved,
    /// The node paid: the amount to the network, the fee to fees, the unused
    /// reserve back to the user.
    PaymentSettled,
    /// The node could not pay: everything held goes back to the user.
    PaymentRefunded,
}

impl EntryKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::InternalPayment => "internal_payment",
            Self::Received => "received",
            Self::PaymentReserved => "payment_reserved",
            Self::PaymentSettled => "payment_settled",
            Self::PaymentRefunded => "payment_refunded",
        }
    }
}

/// One line of an entry: `amount_msat` added to `account` (negative: taken).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub account: AccountId,
    pub amount_msat: i64,
}

/// A movement of money to record.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Who asked for it; with `idempotency_key` it names the request.
    pub initiator: AccountId,
    /// Chosen by the client: the same key again answers with the first entry
    /// instead of moving the money twice.
    pub idempotency_key: String,
    pub kind: EntryKind,
    pub lines: Vec<Line>,
}

/// What [`Ledger::post`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// The entry was written now.
    New { entry_id: String },
    /// An entry with this initiator and idempotency key was written before;
    /// nothing moved this time.
    Repeated { entry_id: String },
}

impl Posted {
    pub fn entry_id(&self) -> &str {
        match self {
            Self::New { entry_id } | Self::Repeated { entry_id } => entry_id,
        }
    }
}

/// Why an entry was not written. Nothing moved in any case.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("an entry's lines must sum to zero")]
    Unbalanced,
    #[error("an entry needs at least two lines, each for a different account, none of zero")]
    MalformedEntry,
    #[error("the amount must be between 1 and {max} msat", max = i64::MAX)]
    AmountOutOfRange,
    #[error("the idempotency key must be 1 to 64 characters of A-Z, a-z, 0-9, '-' or '_'")]
    BadIdempotencyKey,
    #[error("insufficient balance: {available_msat} msat available")]
    InsufficientBalance { available_msat: i64 },
    #[error("no such account: {0}")]
    UnknownAccount(AccountId),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("no randomness for an entry id")]
    Random(#[from] getrandom::Error),
}

/// The sums that must hold on a healthy ledger, for audits and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audit {
    /// Sum of every account's balance: zero.
    pub balances_msat: i64,
    /// Sum of every journal line: zero.
    pub lines_msat: i64,
    /// Accounts whose balance differs from the sum of their lines: none.
    pub mismatched: Vec<AccountId>,
}

/// The ledger on the server's database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Ledger {
    db: Database,
}

impl Ledger {
    /// The ledger on `db`, with the server's own accounts created.
    pub async fn open(db: Database) -> Result<Self, LedgerError> {
        let ledger = Self { db };
        for account in [
            AccountId::liquidity(),
            AccountId::fees(),
            AccountId::pending_outgoing(),
        ] {
            ledger.create_account(&account).await?;
        }
        Ok(ledger)
    }

    /// A transaction on the ledger's database.
    pub(crate) async fn begin(&self) -> Result<Transaction, LedgerError> {
        Ok(self.db.begin_write().await?)
    }

    pub(crate) fn db(&self) -> &Database {
        &self.db
    }

    /// Creates `account` if it does not exist (a user's account is created
    /// on their first signed request). It reads first, so only the first
    /// call for an account pays for a write.
    pub async fn create_account(&self, account: &AccountId) -> Result<(), LedgerError> {
        let exists = sqlx::query("SELECT 1 FROM ledger_accounts WHERE id = $1")
            .bind(account.as_str())
            .fetch_optional(self.db.pool())
            .await?;
        if exists.is_some() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO ledger_accounts (id, kind, balance_msat, created_at) \
             VALUES ($1, $2, 0, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(account.as_str())
        .bind(account.kind())
        .bind(database::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The balance of `account`.
    pub async fn balance(&self, account: &AccountId) -> Result<i64, LedgerError> {
        let row = sqlx::query("SELECT balance_msat FROM ledger_accounts WHERE id = $1")
            .bind(account.as_str())
            .fetch_optional(self.db.pool())
            .await?;
        match row {
            Some(row) => Ok(row.try_get::<i64, _>(0)?),
            None => Err(LedgerError::UnknownAccount(account.clone())),
        }
    }

    /// Moves `amount_msat` from one user to another, settled at once.
    pub async fn pay_internal(
        &self,
        from: &AccountId,
        to: &AccountId,
        amount_msat: i64,
        idempotency_key: &str,
    ) -> Result<Posted, LedgerError> {
        if amount_msat <= 0 {
            return Err(LedgerError::AmountOutOfRange);
        }
        self.post(Entry {
            initiator: from.clone(),
            idempotency_key: idempotency_key.to_owned(),
            kind: EntryKind::InternalPayment,
            lines: vec![
                Line {
                    account: from.clone(),
                    amount_msat: -amount_msat,
                },
                Line {
                    account: to.clone(),
                    amount_msat,
                },
            ],
        })
        .await
    }

    /// Writes `entry` and changes the balances it names, all or nothing.
    pub async fn post(&self, entry: Entry) -> Result<Posted, LedgerError> {
        let mut tx = self.begin().await?;
        match write(&mut tx, entry.clone()).await {
            Ok(Some(entry_id)) => {
                tx.commit().await?;
                Ok(Posted::New { entry_id })
            }
            Ok(None) => {
                tx.rollback().await?;
                self.repeated(&entry).await
            }
            Err(err) => {
                tx.rollback().await?;
                Err(err)
            }
        }
    }

    async fn repeated(&self, entry: &Entry) -> Result<Posted, LedgerError> {
        let row = sqlx::query(
            "SELECT id FROM journal_entries WHERE initiator = $1 AND idempotency_key = $2",
        )
        .bind(entry.initiator.as_str())
        .bind(&entry.idempotency_key)
        .fetch_one(self.db.pool())
        .await?;
        Ok(Posted::Repeated {
            entry_id: row.try_get(0)?,
        })
    }

    /// Checks the ledger's invariants over every account and line.
    pub async fn audit(&self) -> Result<Audit, LedgerError> {
        let pool = self.db.pool();
        // SUM is a NUMERIC on PostgreSQL: cast it back to BIGINT for `Any`.
        let balances_msat = sqlx::query(
            "SELECT CAST(COALESCE(SUM(balance_msat), 0) AS BIGINT) FROM ledger_accounts",
        )
        .fetch_one(pool)
        .await?
        .try_get(0)?;
        let lines_msat =
            sqlx::query("SELECT CAST(COALESCE(SUM(amount_msat), 0) AS BIGINT) FROM journal_lines")
                .fetch_one(pool)
                .await?
                .try_get(0)?;
        let mismatched = sqlx::query(
            "SELECT a.id FROM ledger_accounts a \
             WHERE a.balance_msat <> CAST(COALESCE((SELECT SUM(l.amount_msat) FROM journal_lines l \
             WHERE l.account_id = a.id), 0) AS BIGINT) ORDER BY a.id",
        )
        .fetch_all(pool)
        .await?
        .iter()
        .map(|row| row.try_get::<String, _>(0).map(AccountId))
        .collect::<Result<_, _>>()?;
        Ok(Audit {
            balances_msat,
            lines_msat,
            mismatched,
        })
    }
}

/// A transaction on the server's database, for writing an entry together
/// with the rows it accounts for (a payment and its reserve, an invoice and
/// its credit).
pub(crate) type Transaction = database::WriteTransaction;

/// Writes `entry` in `tx`: its id, or `None` when an entry with its
/// initiator and idempotency key exists (the caller rolls back; nothing was
/// written). On an error the caller rolls back too.
pub(crate) async fn write(
    tx: &mut Transaction,
    mut entry: Entry,
) -> Result<Option<String>, LedgerError> {
    check_idempotency_key(&entry.idempotency_key)?;
    check_lines(&entry.lines)?;
    // One order for every transaction, so two opposite payments on
    // PostgreSQL lock their rows in the same order and never deadlock.
    entry.lines.sort_by(|a, b| a.account.cmp(&b.account));
    let entry_id = database::random_id()?;

    // The first statement writes, so SQLite takes its write lock at once
    // (a read first could not be upgraded while another writer waits).
    let inserted = sqlx::query(
        "INSERT INTO journal_entries (id, initiator, idempotency_key, kind, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&entry_id)
    .bind(entry.initiator.as_str())
    .bind(&entry.idempotency_key)
    .bind(entry.kind.as_str())
    .bind(database::now())
    .execute(&mut **tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(sqlx::Error::Database(err)) if err.is_unique_violation() => return Ok(None),
        Err(sqlx::Error::Database(err)) if err.is_foreign_key_violation() => {
            return Err(LedgerError::UnknownAccount(entry.initiator));
        }
        Err(err) => return Err(err.into()),
    }

    for line in &entry.lines {
        let updated = sqlx::query(
            "UPDATE ledger_accounts SET balance_msat = balance_msat + $1, version = version + 1 \
             WHERE id = $2 AND (kind <> 'user' OR balance_msat + $1 >= 0)",
        )
        .bind(line.amount_msat)
        .bind(line.account.as_str())
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            let row = sqlx::query("SELECT balance_msat FROM ledger_accounts WHERE id = $1")
                .bind(line.account.as_str())
                .fetch_optional(&mut **tx)
                .await?;
            return Err(match row {
                Some(row) => LedgerError::InsufficientBalance {
                    available_msat: row.try_get(0)?,
                },
                None => LedgerError::UnknownAccount(line.account.clone()),
            });
        }
        sqlx::query(
            "INSERT INTO journal_lines (entry_id, account_id, amount_msat) VALUES ($1, $2, $3)",
        )
        .bind(&entry_id)
        .bind(line.account.as_str())
        .bind(line.amount_msat)
        .execute(&mut **tx)
        .await?;
    }
    Ok(Some(entry_id))
}

/// A client's idempotency key: 1 to 64 of A-Z, a-z, 0-9, '-' and '_'.
pub(crate) fn check_idempotency_key(key: &str) -> Result<(), LedgerError> {
    let well_formed = (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_');
    if well_formed {
        Ok(())
    } else {
        Err(LedgerError::BadIdempotencyKey)
    }
}

fn check_lines(lines: &[Line]) -> Result<(), LedgerError> {
    let mut accounts: Vec<&AccountId> = lines.iter().map(|line| &line.account).collect();
    accounts.sort();
    accounts.dedup();
    if lines.len() < 2
        || accounts.len() != lines.len()
        || lines.iter().any(|line| line.amount_msat == 0)
    {
        return Err(LedgerError::MalformedEntry);
    }
    let sum = lines
        .iter()
        .try_fold(0i64, |sum, line| sum.checked_add(line.amount_msat));
    match sum {
        Some(0) => Ok(()),
        Some(_) => Err(LedgerError::Unbalanced),
        None => Err(LedgerError::AmountOutOfRange),
    }
}
