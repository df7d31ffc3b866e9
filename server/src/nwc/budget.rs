//! What a connection may spend: a budget per period (a calendar day, week or
//! month in UTC, or its whole life), counted from the payments it made —
//! each one's amount and fee, its fee reserve while pending, nothing once
//! failed — and charged in the transaction that writes the payment
//! ([`Budget`] is the payment path's [`Allowance`]), so a budget holds
//! across instances and concurrent requests.

use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::accounts::{
    ledger,
    payments::{Allowance, PaymentError},
};

/// When a budget starts again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Renewal {
    Daily,
    Weekly,
    Monthly,
    Never,
}

impl Renewal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Never => "never",
        }
    }

    pub fn from_stored(stored: &str) -> Self {
        match stored {
            "daily" => Self::Daily,
            "weekly" => Self::Weekly,
            "monthly" => Self::Monthly,
            _ => Self::Never,
        }
    }

    /// When the period holding `now` (seconds since the epoch) began: UTC
    /// midnight, Monday or the first of the month.
    pub fn period_start(self, now: i64) -> i64 {
        const DAY: i64 = 86_400;
        let days = now.div_euclid(DAY);
        let start_day = match self {
            Self::Daily => days,
            // 1970-01-01 was a Thursday: three days after a Monday.
            Self::Weekly => days - (days + 3).rem_euclid(7),
            Self::Monthly => {
                let (year, month, _) = civil_from_days(days);
                days_from_civil(year, month, 1)
            }
            Self::Never => return 0,
        };
        start_day * DAY
    }
}

/// The date of a day counted from 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day counted from 1970-01-01 of a date (the inverse of the above).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// What `client_pubkey`'s payments made since `since` hold or spent, in msat.
pub async fn spent_msat<'c, E>(executor: E, client_pubkey: &str, since: i64) -> sqlx::Result<i64>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    // SUM is a NUMERIC on PostgreSQL: cast it back to BIGINT for `Any`.
    sqlx::query(
        "SELECT CAST(COALESCE(SUM(p.amount_msat + CASE WHEN p.state = 'pending' \
         THEN p.fee_reserve_msat ELSE p.fee_msat END), 0) AS BIGINT) \
         FROM nwc_requests r JOIN account_payments p ON p.id = r.payment_id \
         WHERE r.client_pubkey = $1 AND r.payment_id IS NOT NULL \
         AND p.state <> 'failed' AND p.created_at >= $2",
    )
    .bind(client_pubkey)
    .bind(since)
    .fetch_one(executor)
    .await?
    .try_get(0)
}

/// One request's payment, charged to its connection's budget.
#[derive(Debug, Clone)]
pub struct Budget {
    pub client_pubkey: String,
    /// The request that pays.
    pub event_id: String,
    /// `None`: no limit.
    pub budget_msat: Option<i64>,
    pub renewal: Renewal,
}

#[async_trait::async_trait]
impl Allowance for Budget {
    async fn charge(
        &self,
        tx: &mut ledger::Transaction,
        payment_id: &str,
    ) -> Result<(), PaymentError> {
        // The connection's row first: a second payment of this connection
        // waits here (PostgreSQL's row lock; SQLite has one writer) until
        // this one's transaction ends, and then counts it. A connection
        // revoked meanwhile may spend nothing.
        let live = sqlx::query(
            "UPDATE nwc_connections SET version = version + 1 \
             WHERE client_pubkey = $1 AND revoked_at IS NULL",
        )
        .bind(&self.client_pubkey)
        .execute(&mut **tx)
        .await?;
        if live.rows_affected() == 0 {
            return Err(PaymentError::OverBudget { left_msat: 0 });
        }
        if let Some(budget_msat) = self.budget_msat {
            let since = self.renewal.period_start(crate::database::now());
            let spent = spent_msat(&mut **tx, &self.client_pubkey, since).await?;
            let this: i64 = sqlx::query(
                "SELECT amount_msat + fee_reserve_msat FROM account_payments WHERE id = $1",
            )
            .bind(payment_id)
            .fetch_one(&mut **tx)
            .await?
            .try_get(0)?;
            if spent.saturating_add(this) > budget_msat {
                return Err(PaymentError::OverBudget {
                    left_msat: (budget_msat - spent).max(0),
                });
            }
        }
        sqlx::query(
            "UPDATE nwc_requests SET payment_id = $1 WHERE client_pubkey = $2 AND event_id = $3",
        )
        .bind(payment_id)
        .bind(&self.client_pubkey)
        .bind(&self.event_id)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Renewal;

    #[test]
    fn periods_start_at_utc_midnight_monday_and_the_first_of_the_month() {
        // 2026-12-04 18:07:35 UTC, a Friday.
        let now = 1_796_407_655;
        assert_eq!(Renewal::Daily.period_start(now), 1_796_342_400); // 12-04 00:00
        assert_eq!(Renewal::Weekly.period_start(now), 1_795_996_800); // 11-30 (Monday)
        assert_eq!(Renewal::Monthly.period_start(now), 1_796_083_200); // 12-01
        assert_eq!(Renewal::Never.period_start(now), 0);
        // 2024-02-29 12:00 UTC, a leap day.
        assert_eq!(Renewal::Monthly.period_start(1_709_208_000), 1_706_745_600);
    }
}
