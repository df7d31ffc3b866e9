//! A Lightning invoice (BOLT 11) as the user pastes or scans it, read the
//! same way whichever wallet pays it.
//!
//! QR codes carry an invoice upper-case (their alphanumeric mode is denser)
//! and often behind a `lightning:` scheme, which RFC 3986 makes
//! case-insensitive. What is behind the scheme is parsed strictly, and
//! checked against the chain this wallet pays on: an invoice for another
//! chain would fail at the mint or the server, or worse, at one that does
//! not check.

use std::str::FromStr;

use cdk::lightning_invoice::Currency;
use cdk::Bolt11Invoice;

use crate::protocol::InvoiceDetails;

/// The URI scheme QR codes put before an invoice.
const SCHEME: &str = "lightning:";

/// Why a pasted text is not an invoice this wallet can pay.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("this is not a Lightning invoice ({0})")]
    NotAnInvoice(String),
    #[error("this invoice is for {found}, and this wallet pays {expected} invoices: it cannot be paid from here")]
    WrongNetwork {
        found: &'static str,
        expected: &'static str,
    },
    #[error("this invoice leaves the amount to the payer: say how many sat to pay")]
    AmountNeeded,
}

/// The invoice in `text`, if it is one for `network`.
pub fn read(text: &str, network: &Currency) -> Result<Bolt11Invoice, InvoiceError> {
    let text = text.trim();
    let text = strip_prefix_ignore_case(text, SCHEME).unwrap_or(text);
    let invoice = Bolt11Invoice::from_str(text)
        .map_err(|error| InvoiceError::NotAnInvoice(error.to_string()))?;
    if invoice.currency() != *network {
        return Err(InvoiceError::WrongNetwork {
            found: chain_name(&invoice.currency()),
            expected: chain_name(network),
        });
    }
    Ok(invoice)
}

/// The sat the payer chose, for an invoice that leaves the amount to them
/// ([`InvoiceError::AmountNeeded`] without one); `None` for an invoice that
/// names its own amount, which is the one paid whatever `amount` says.
pub fn payer_amount(
    invoice: &Bolt11Invoice,
    amount: Option<u64>,
) -> Result<Option<u64>, InvoiceError> {
    match invoice.amount_milli_satoshis() {
        Some(_) => Ok(None),
        None => amount.map(Some).ok_or(InvoiceError::AmountNeeded),
    }
}

/// `text` after `prefix`, if it starts with it in any case (URI schemes
/// are case-insensitive, RFC 3986).
pub fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// What `invoice` asks for, as the user reads it before paying.
pub fn details(invoice: &Bolt11Invoice) -> InvoiceDetails {
    let description = match invoice.description() {
        cdk::lightning_invoice::Bolt11InvoiceDescriptionRef::Direct(memo) => {
            Some(memo.to_string()).filter(|memo| !memo.is_empty())
        }
        // Only a hash: the text it commits to is elsewhere (LNURL).
        cdk::lightning_invoice::Bolt11InvoiceDescriptionRef::Hash(_) => None,
    };
    InvoiceDetails {
        // Whole sat: a fraction of one is rounded up, as the payer pays it.
        amount: invoice
            .amount_milli_satoshis()
            .map(|msat| msat.div_ceil(1000)),
        description,
        expiry: invoice
            .expires_at()
            .map_or(u64::MAX, |expiry| expiry.as_secs()),
    }
}

/// A chain's name, as the user reads it.
fn chain_name(network: &Currency) -> &'static str {
    match network {
        Currency::Bitcoin => "Bitcoin",
        Currency::BitcoinTestnet => "Bitcoin testnet",
        Currency::Regtest => "regtest",
        Currency::Simnet => "simnet",
        Currency::Signet => "signet",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BOLT 11's first example: 0 amount ("please make a donation"), mainnet.
    const DONATION: &str = "lnbc1pvjluezsp5zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygspp5qqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqqqsyqcyq5rqwzqfqypqdpl2pkx2ctnv5sxxmmwwd5kgetjypeh2ursdae8g6twvus8g6rfwvs8qun0dfjkxaq9qrsgq357wnc5r2ueh7ck6q93dj32dlqnls087fxdwk8qakdyafkq3yap9us6v52vjjsrvywa6rt52cm9r9zqt8r2t7mlcwspyetp5h2tztugp9lfyql";

    #[test]
    fn reads_an_invoice_behind_a_scheme_in_any_case() {
        for text in [
            DONATION.to_owned(),
            format!("lightning:{DONATION}"),
            format!("  LIGHTNING:{}\n", DONATION.to_uppercase()),
            format!("Lightning:{DONATION}"),
        ] {
            let invoice = read(&text, &Currency::Bitcoin).expect(&text);
            assert_eq!(invoice.to_string(), DONATION);
        }
    }

    #[test]
    fn refuses_what_is_not_an_invoice_for_this_chain() {
        assert!(matches!(
            read("lightning:", &Currency::Bitcoin),
            Err(InvoiceError::NotAnInvoice(_))
        ));
        assert!(matches!(
            read(&format!("bitcoin:{DONATION}"), &Currency::Bitcoin),
            Err(InvoiceError::NotAnInvoice(_))
        ));
        assert!(matches!(
            read("lightning:é", &Currency::Bitcoin),
            Err(InvoiceError::NotAnInvoice(_))
        ));
        assert_eq!(
            read(DONATION, &Currency::Regtest),
            Err(InvoiceError::WrongNetwork {
                found: "Bitcoin",
                expected: "regtest"
            })
        );
    }

    #[test]
    fn an_invoice_without_an_amount_leaves_it_to_the_payer() {
        let details = details(&read(DONATION, &Currency::Bitcoin).unwrap());
        assert_eq!(details.amount, None);
        assert_eq!(
            details.description.as_deref(),
            Some("Please consider supporting this project")
        );
    }
}
