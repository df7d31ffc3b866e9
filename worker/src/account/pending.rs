//! Payments the user confirmed, kept in the vault from before the server
//! hears of them until it has answered with their outcome.
//!
//! The idempotency key is drawn here and stored with the payment: asking
//! again after a crash or a lost answer sends the same key, and the server
//! answers with the payment it already made instead of paying twice.

use serde::{Deserialize, Serialize};

use super::AccountError;

/// One payment not yet answered for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPayment {
    pub key: String,
    pub invoice: String,
    pub amount_msat: Option<u64>,
}

impl PendingPayment {
    /// A new payment of `invoice`, with a fresh key.
    pub fn new(invoice: &str, amount_msat: Option<u64>) -> Result<Self, AccountError> {
        let mut key = [0u8; 16];
        getrandom::fill(&mut key).map_err(|error| AccountError::Signer(error.to_string()))?;
        Ok(Self {
            key: key.iter().map(|byte| format!("{byte:02x}")).collect(),
            invoice: invoice.to_owned(),
            amount_msat,
        })
    }
}

/// The payments not answered for, as the vault keeps them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPayments(Vec<PendingPayment>);

impl PendingPayments {
    /// Reads what the vault kept; a record it cannot read is damaged.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        // A list of plain strings always serialises.
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn add(&mut self, payment: PendingPayment) {
        self.0.push(payment);
    }

    pub fn remove(&mut self, key: &str) {
        self.0.retain(|payment| payment.key != key);
    }

    pub fn iter(&self) -> impl Iterator<Item = &PendingPayment> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_payments_read_back_and_keys_differ() {
        let mut payments = PendingPayments::default();
        let first = PendingPayment::new("lnbcrt1…", None).unwrap();
        let second = PendingPayment::new("lnbcrt1…", Some(5000)).unwrap();
        assert_ne!(first.key, second.key);
        payments.add(first.clone());
        payments.add(second.clone());
        let read = PendingPayments::from_bytes(&payments.to_bytes()).unwrap();
        assert_eq!(read, payments);
        payments.remove(&first.key);
        assert_eq!(payments.iter().collect::<Vec<_>>(), vec![&second]);
    }
}
