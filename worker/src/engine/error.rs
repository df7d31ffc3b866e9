//! How the layers below the engine fail, in the engine's words: one `From`
//! per layer, so a command's steps chain with `?`, and each failure keeps
//! the code the app acts on (locked, wrong passphrase, not enough eCash, a
//! mint out of reach, …).

use crate::account::AccountError;
use crate::contacts::ContactsError;
use crate::ecash::token::TokenError;
use crate::ecash::wallet::EcashError;
use crate::invoice::InvoiceError;
use crate::lnurl::LnurlError;
use crate::messaging::at_rest::AtRestError;
use crate::protocol::{EngineError, Field};
use crate::relays::RelayListError;
use crate::signer::bunker::BunkerError;
use crate::storage::StoreError;
use crate::vault::VaultError;

/// Input the engine refused, in words saying why.
pub(super) fn invalid(error: impl std::fmt::Display) -> EngineError {
    EngineError::Invalid {
        field: None,
        message: error.to_string(),
    }
}

/// Input the engine refused, naming which, so the app shows why beside it.
pub(super) fn invalid_input(field: Field, error: impl std::fmt::Display) -> EngineError {
    EngineError::Invalid {
        field: Some(field),
        message: error.to_string(),
    }
}

/// A storage failure (the vault's, the eCash store's, …) in the user's words.
pub(super) fn storage_error(error: impl std::fmt::Display) -> EngineError {
    EngineError::Storage {
        message: error.to_string(),
    }
}

impl From<VaultError> for EngineError {
    fn from(error: VaultError) -> Self {
        match error {
            VaultError::WrongPassphrase { retry_in_ms } => Self::WrongPassphrase { retry_in_ms },
            VaultError::TooSoon { retry_in_ms } => Self::TooSoon { retry_in_ms },
            VaultError::Locked => Self::Locked,
            VaultError::NoVault => Self::NoWallet,
            VaultError::AlreadyCreated => Self::AlreadyExists,
            VaultError::Store(store) => store.into(),
            other => invalid(other),
        }
    }
}

impl From<StoreError> for EngineError {
    fn from(error: StoreError) -> Self {
        storage_error(error)
    }
}

impl From<EcashError> for EngineError {
    fn from(error: EcashError) -> Self {
        match error {
            EcashError::UntrustedMint(mint) => Self::UnknownMint { mint },
            EcashError::InsufficientFunds { mint, available } => {
                Self::InsufficientFunds { mint, available }
            }
            error @ (EcashError::Unreachable { .. } | EcashError::Slow(_)) => {
                Self::MintUnreachable {
                    message: error.to_string(),
                }
            }
            EcashError::ZeroAmount => invalid_input(Field::Amount, error),
            EcashError::BadMintUrl(_) => invalid_input(Field::Mint, error),
            EcashError::Token(TokenError::BadRecipient(_)) => invalid_input(Field::Person, error),
            EcashError::Token(_) => invalid_input(Field::Token, error),
            EcashError::Invoice(invoice) => invoice.into(),
            other => Self::Ecash {
                message: other.to_string(),
            },
        }
    }
}

impl From<InvoiceError> for EngineError {
    fn from(error: InvoiceError) -> Self {
        match error {
            InvoiceError::AmountNeeded => invalid_input(Field::Amount, error),
            other => invalid_input(Field::Invoice, other),
        }
    }
}

impl From<LnurlError> for EngineError {
    fn from(error: LnurlError) -> Self {
        Self::Payee {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}

impl From<BunkerError> for EngineError {
    fn from(error: BunkerError) -> Self {
        Self::RemoteSigner {
            reason: error.to_string(),
        }
    }
}

impl From<AtRestError> for EngineError {
    fn from(error: AtRestError) -> Self {
        match error {
            AtRestError::Vault(error) => error.into(),
            other => Self::Messaging {
                reason: other.to_string(),
            },
        }
    }
}

impl From<ContactsError> for EngineError {
    fn from(error: ContactsError) -> Self {
        match error {
            ContactsError::Edit(error) => invalid(error),
            other => Self::Messaging {
                reason: other.to_string(),
            },
        }
    }
}

impl From<RelayListError> for EngineError {
    fn from(error: RelayListError) -> Self {
        match error {
            RelayListError::NotARelay { .. } => invalid_input(Field::Relay, error),
            other => invalid(other),
        }
    }
}

impl From<AccountError> for EngineError {
    fn from(error: AccountError) -> Self {
        EngineError::Account {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}
