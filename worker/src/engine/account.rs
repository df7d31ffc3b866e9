//! The account service: the Lightning account at the app's server, and the
//! commands it answers.
//!
//! The client opens on the first account command after unlocking, with
//! whatever signs for the user; opening asks the server what it offers and
//! finishes the payments a closed tab left unanswered. The service lives in
//! the unlocked session, so a lock drops the client and cancels its waits.

use std::cell::RefCell;
use std::str::FromStr;
use std::time::Duration;

use futures::lock::Mutex;
use nostr::nips::nip47::NostrWalletConnectURI;
use nostr::Url;

use super::error::{invalid, invalid_input};
use super::identity::opened_mut;
use super::Engine;
use crate::account::api::{self, sat, sat_up};
use crate::account::pending::{PendingPayment, PendingPayments};
use crate::account::{AccountClient, AccountError, NOT_OFFERED};
use crate::invoice;
use crate::profiles::ProfileStores;
use crate::protocol::{
    AccountInvoice, AccountName, AccountPayment, AccountQuote, Command, EcashState, EngineError,
    Event, Field, LightningAccount, Reply, WalletConnection,
};
use crate::vault::VaultState;

/// The vault secret holding the payments not answered for yet.
const PENDING_PAYMENTS: &str = "account_payments";

/// How long [`Command::WatchAccount`] waits before opening a failed stream
/// again, at first and at most.
const WATCH_RETRY_FIRST: Duration = Duration::from_secs(1);
const WATCH_RETRY_MOST: Duration = Duration::from_secs(30);

/// One session's account.
#[derive(Default)]
pub(super) struct AccountService {
    /// The client, once opened; `None` inside when the server offers no
    /// account.
    client: RefCell<Option<Option<Opened>>>,
    /// Serialises opening (and recovering).
    opening: Mutex<()>,
    /// The payments not answered for yet, for a profile whose vault has no
    /// passphrase to seal them under (signed in with an extension, no seed
    /// yet): kept for the session only. The server still pays an invoice
    /// at most once, whatever the key.
    unsealed: RefCell<PendingPayments>,
}

/// An opened account client and what its server offers.
#[derive(Clone)]
struct Opened {
    client: AccountClient,
    lightning: bool,
}

impl<P: ProfileStores> Engine<P> {
    /// Answers one account command.
    pub(super) async fn answer_account(
        &self,
        account: &AccountService,
        command: Command,
    ) -> Result<Reply, EngineError> {
        match command {
            Command::GetAccount => self.account_reply(account).await,
            Command::WatchAccount => self.watch_account(account).await,
            Command::CreateAccountInvoice {
                amount,
                description,
            } => {
                self.create_account_invoice(account, amount, &description)
                    .await
            }
            Command::AwaitAccountInvoice { id } => self.await_account_invoice(account, &id).await,
            Command::QuoteAccountPayment { invoice, amount } => {
                self.quote_account_payment(account, &invoice, amount).await
            }
            Command::PayFromAccount { invoice, amount } => {
                self.pay_from_account(account, &invoice, amount).await
            }
            Command::GetName => self.name(account, None).await,
            Command::SetName { name } => self.name(account, Some(Some(&name))).await,
            Command::ReleaseName => self.name(account, Some(None)).await,
            Command::ListWalletConnections => self.wallet_connections(account, None).await,
            Command::RevokeWalletConnection { pubkey } => {
                self.wallet_connections(account, Some(&pubkey)).await
            }
            Command::ConnectWallet {
                name,
                methods,
                budget_sat,
                budget_renewal,
                expires_at,
            } => {
                let opened = self.offered_account(account).await?;
                connect_wallet(
                    &opened.client,
                    &name,
                    &methods,
                    (budget_sat, &budget_renewal),
                    expires_at,
                )
                .await
            }
            // The dispatch routes only account commands here.
            other => Err(invalid(format!("not an account command: {other:?}"))),
        }
    }

    /// The user's name after `change`: `None` reads it, `Some(Some(name))`
    /// takes `name` (naming the user's relays for NIP-05), `Some(None)`
    /// gives it up.
    async fn name(
        &self,
        account: &AccountService,
        change: Option<Option<&str>>,
    ) -> Result<Reply, EngineError> {
        let Some(opened) = self.account(account).await? else {
            return Ok(Reply::Name { name: None });
        };
        let client = &opened.client;
        let name = match change {
            None => client.name().await?,
            Some(Some(name)) => {
                let relays: Vec<String> = self
                    .stored_relays()
                    .await?
                    .urls()
                    .iter()
                    .map(ToString::to_string)
                    .filter(|url| url.starts_with("wss://"))
                    .collect();
                Some(client.set_name(name, &relays).await?)
            }
            Some(None) => {
                client.release_name().await?;
                None
            }
        };
        Ok(Reply::Name {
            name: name.map(|name| AccountName {
                address: format!("{}@{}", name.name, client.host()),
                name: name.name,
            }),
        })
    }

    /// The account's wallet connections, after revoking `revoke`'s.
    async fn wallet_connections(
        &self,
        account: &AccountService,
        revoke: Option<&str>,
    ) -> Result<Reply, EngineError> {
        let Some(opened) = self.account(account).await? else {
            return Ok(Reply::WalletConnections {
                connections: Vec::new(),
            });
        };
        if let Some(pubkey) = revoke {
            opened.client.revoke_wallet_connection(pubkey).await?;
        }
        let listed = opened.client.wallet_connections().await?;
        Ok(Reply::WalletConnections {
            connections: listed
                .map(|listed| listed.connections)
                .unwrap_or_default()
                .into_iter()
                .map(connection)
                .collect(),
        })
    }

    async fn account_reply(&self, account: &AccountService) -> Result<Reply, EngineError> {
        let Some(opened) = self.account(account).await? else {
            return Ok(Reply::Account { account: None });
        };
        let view = opened.client.account().await?;
        Ok(Reply::Account {
            account: Some(LightningAccount {
                balance: sat(view.balance_msat),
                lightning: opened.lightning,
            }),
        })
    }

    /// Pushes every change of the account for as long as the session
    /// lasts: a stream that fails or ends (the server restarting, the
    /// network gone, a remote signer still connecting) is opened again,
    /// waiting longer each time it failed at once. Answers only when the
    /// server offers no account.
    async fn watch_account(&self, account: &AccountService) -> Result<Reply, EngineError> {
        let mut delay = WATCH_RETRY_FIRST;
        loop {
            match self.follow_account(account).await {
                Err(EngineError::Account { code, .. }) if code == NOT_OFFERED => {
                    return Ok(Reply::Done)
                }
                Err(EngineError::Locked) => return Err(EngineError::Locked),
                // Followed for a while: the next failure starts afresh.
                Ok(true) => delay = WATCH_RETRY_FIRST,
                Ok(false) | Err(_) => {}
            }
            async_utility::time::sleep(delay).await;
            delay = (delay * 2).min(WATCH_RETRY_MOST);
        }
    }

    /// Follows the account's stream until it ends; whether any change came.
    async fn follow_account(&self, account: &AccountService) -> Result<bool, EngineError> {
        let opened = self.offered_account(account).await?;
        let mut changes = opened.client.changes().await?;
        let mut followed = false;
        while let Some(changed) = changes.next().await {
            let changed = changed?;
            followed = true;
            self.push(Event::Account {
                account: LightningAccount {
                    balance: sat(changed.balance_msat),
                    lightning: opened.lightning,
                },
            });
        }
        Ok(followed)
    }

    async fn create_account_invoice(
        &self,
        account: &AccountService,
        amount: u64,
        description: &str,
    ) -> Result<Reply, EngineError> {
        let invoice = self.account_invoice(account, amount, description).await?;
        Ok(Reply::AccountInvoice { invoice })
    }

    /// A new invoice of the account for `amount` sat (0: any).
    pub(super) async fn account_invoice(
        &self,
        account: &AccountService,
        amount: u64,
        description: &str,
    ) -> Result<AccountInvoice, EngineError> {
        let amount_msat = msat(amount)?;
        let opened = self.offered_account(account).await?;
        let invoice = opened
            .client
            .create_invoice(amount_msat, description.trim())
            .await?;
        let bolt11 = invoice.bolt11.clone().ok_or_else(|| {
            AccountError::refused("lightning_unavailable", "the node made no invoice")
        })?;
        Ok(AccountInvoice {
            id: invoice.id,
            invoice: bolt11,
            amount: sat(invoice.amount_msat),
            expiry: u64::try_from(invoice.expires_at).unwrap_or(0),
        })
    }

    /// Waits for the invoice to be paid: it is read again at each change
    /// the server announces (and once first, in case it was paid already).
    async fn await_account_invoice(
        &self,
        account: &AccountService,
        id: &str,
    ) -> Result<Reply, EngineError> {
        let opened = self.offered_account(account).await?;
        let mut changes = opened.client.changes().await?;
        loop {
            let invoice = opened.client.invoice(id).await?;
            match invoice.state.as_str() {
                "settled" => {
                    return Ok(Reply::AccountReceived {
                        amount: sat(invoice.received_msat),
                    })
                }
                "expired" => {
                    return Err(AccountError::refused("invoice_expired", "").into());
                }
                _ => {}
            }
            match changes.next().await {
                Some(changed) => {
                    changed?;
                }
                None => {
                    return Err(AccountError::Unreachable(
                        "the server ended its stream of changes".to_owned(),
                    )
                    .into())
                }
            }
        }
    }

    async fn quote_account_payment(
        &self,
        account: &AccountService,
        invoice: &str,
        amount: Option<u64>,
    ) -> Result<Reply, EngineError> {
        let (invoice, amount_msat) = self.checked_invoice(invoice, amount)?;
        let opened = self.offered_account(account).await?;
        let quote = opened.client.quote(&invoice, amount_msat).await?;
        Ok(Reply::AccountQuote {
            quote: quote_view(invoice, &quote),
        })
    }

    async fn pay_from_account(
        &self,
        account: &AccountService,
        invoice: &str,
        amount: Option<u64>,
    ) -> Result<Reply, EngineError> {
        let payment = self.account_pays(account, invoice, amount).await?;
        Ok(Reply::AccountPayment { payment })
    }

    /// Pays `invoice`: written down first, then asked of the server, then
    /// forgotten once the server has answered for it.
    pub(super) async fn account_pays(
        &self,
        account: &AccountService,
        invoice: &str,
        amount: Option<u64>,
    ) -> Result<AccountPayment, EngineError> {
        let (invoice, amount_msat) = self.checked_invoice(invoice, amount)?;
        let opened = self.offered_account(account).await?;
        // The same invoice tried again after an unclear answer keeps its
        // key: if the first try reached the server, this is that payment.
        let mut kept = self.pending_payments(account).await?;
        let earlier = kept
            .iter()
            .find(|payment| payment.invoice == invoice)
            .cloned();
        let payment = match earlier {
            Some(payment) => payment,
            None => {
                let payment = PendingPayment::new(&invoice, amount_msat)?;
                kept.add(payment.clone());
                self.keep_pending_payments(account, &kept).await?;
                payment
            }
        };
        self.ask_payment(account, &opened.client, &payment).await
    }

    /// Asks the server for a kept payment and forgets it once the server
    /// has answered for it (made it, or refused it: either way it is the
    /// server's history now). Unanswered, it stays kept for the next try.
    async fn ask_payment(
        &self,
        account: &AccountService,
        client: &AccountClient,
        payment: &PendingPayment,
    ) -> Result<AccountPayment, EngineError> {
        let answer = client
            .pay(&payment.invoice, payment.amount_msat, &payment.key)
            .await;
        if let Ok(_) | Err(AccountError::Refused { .. }) = &answer {
            let mut kept = self.pending_payments(account).await?;
            kept.remove(&payment.key);
            self.keep_pending_payments(account, &kept).await?;
        }
        Ok(payment_view(&answer?))
    }

    /// `invoice` as a BOLT11 string, and the amount in msat to pay it with
    /// (`amount` sat, only for an invoice without one). Checked here so a
    /// typo gets its message even while the server is out of reach.
    fn checked_invoice(
        &self,
        invoice: &str,
        amount: Option<u64>,
    ) -> Result<(String, Option<u64>), EngineError> {
        let invoice = invoice::read(invoice, &self.env.network)?;
        let amount_msat = invoice::payer_amount(&invoice, amount)?
            .map(payment_msat)
            .transpose()?;
        Ok((invoice.to_string(), amount_msat))
    }

    /// The account's client, if the server offers an account.
    pub(super) async fn account_client(
        &self,
        account: &AccountService,
    ) -> Result<Option<AccountClient>, EngineError> {
        Ok(self.account(account).await?.map(|opened| opened.client))
    }

    /// The account, or [`AccountError::NotOffered`].
    async fn offered_account(&self, account: &AccountService) -> Result<Opened, EngineError> {
        self.account(account)
            .await?
            .ok_or_else(|| AccountError::NotOffered.into())
    }

    /// The opened account client (`None`: the server offers no account),
    /// opening it on first use.
    async fn account(&self, account: &AccountService) -> Result<Option<Opened>, EngineError> {
        let _opening = account.opening.lock().await;
        if let Some(opened) = account.client.borrow().clone() {
            return Ok(opened);
        }
        let Some(origin) = self.env.server.as_deref() else {
            *account.client.borrow_mut() = Some(None);
            return Ok(None);
        };
        let origin = Url::from_str(origin).map_err(invalid)?;
        let signer = self.session.borrow().signer().ok_or_else(|| {
            AccountError::Signer(
                "nothing signs for you yet: a remote signer may still be connecting, or this \
                 profile is read-only"
                    .to_owned(),
            )
        })?;
        let client = AccountClient::new(origin, signer)?;
        let offered = client.offered().await?;
        let opened = offered.accounts.then(|| Opened {
            client,
            lightning: offered.lightning,
        });
        if let Some(opened) = &opened {
            self.recover_payments(account, &opened.client).await?;
        }
        *account.client.borrow_mut() = Some(opened.clone());
        Ok(opened)
    }

    /// Asks again for every payment a closed tab left unanswered. One the
    /// server still cannot be asked about stays kept for the next session.
    async fn recover_payments(
        &self,
        account: &AccountService,
        client: &AccountClient,
    ) -> Result<(), EngineError> {
        let kept = self.pending_payments(account).await?;
        for payment in kept.iter() {
            match self.ask_payment(account, client, payment).await {
                Ok(_) | Err(EngineError::Account { .. }) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }

    async fn pending_payments(
        &self,
        account: &AccountService,
    ) -> Result<PendingPayments, EngineError> {
        let guard = self.vault.lock().await;
        let vault = guard.as_ref().ok_or(EngineError::Locked)?;
        match vault.state() {
            VaultState::Empty => return Ok(account.unsealed.borrow().clone()),
            VaultState::Locked => return Err(EngineError::Locked),
            VaultState::Unlocked => {}
        }
        match vault.secret(PENDING_PAYMENTS).await? {
            Some(bytes) => {
                PendingPayments::from_bytes(&bytes).map_err(|error| EngineError::Storage {
                    message: format!("the account's kept payments are damaged: {error}"),
                })
            }
            None => Ok(PendingPayments::default()),
        }
    }

    async fn keep_pending_payments(
        &self,
        account: &AccountService,
        payments: &PendingPayments,
    ) -> Result<(), EngineError> {
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        match vault.state() {
            VaultState::Empty => *account.unsealed.borrow_mut() = payments.clone(),
            VaultState::Locked => return Err(EngineError::Locked),
            VaultState::Unlocked if payments.is_empty() => {
                vault.delete_secret(PENDING_PAYMENTS).await?
            }
            VaultState::Unlocked => {
                vault
                    .put_secret(PENDING_PAYMENTS, &payments.to_bytes())
                    .await?
            }
        }
        Ok(())
    }
}

/// `amount` sat in msat.
fn msat(amount: u64) -> Result<u64, EngineError> {
    amount.checked_mul(1000).ok_or_else(|| {
        invalid_input(
            Field::Amount,
            format!("{amount} sat is more than any server allows"),
        )
    })
}

/// A payment's `amount` sat in msat: more than nothing.
fn payment_msat(amount: u64) -> Result<u64, EngineError> {
    if amount == 0 {
        return Err(invalid_input(
            Field::Amount,
            "say how many sat to pay: more than 0",
        ));
    }
    msat(amount)
}

fn quote_view(invoice: String, quote: &api::Quote) -> AccountQuote {
    AccountQuote {
        invoice,
        amount: sat(quote.amount_msat),
        fee_reserve: sat_up(quote.fee_reserve_msat),
        internal: quote.route == "internal",
        description: quote.description.clone(),
    }
}

pub(super) fn payment_view(payment: &api::Payment) -> AccountPayment {
    AccountPayment {
        id: payment.id.clone(),
        amount: sat(payment.amount_msat),
        fee: sat_up(payment.fee_msat),
        state: state(&payment.state),
        failure: payment.failure.clone(),
    }
}

/// A movement's state as the app shows it.
pub(super) fn state(state: &str) -> EcashState {
    match state {
        "succeeded" | "settled" => EcashState::Done,
        "failed" => EcashState::Failed,
        _ => EcashState::Pending,
    }
}

/// Connects an app: its secret made here and kept nowhere, only its public
/// key sent to the server, the URI that carries the secret answered.
async fn connect_wallet(
    client: &AccountClient,
    name: &str,
    methods: &[String],
    budget: (Option<u64>, &str),
    expires_at: Option<i64>,
) -> Result<Reply, EngineError> {
    let keys = nostr::Keys::generate();
    let connected = client
        .connect_wallet(
            &keys.public_key().to_hex(),
            name,
            methods,
            budget,
            expires_at,
        )
        .await?;
    let bad = |what: &str| EngineError::from(AccountError::BadAnswer(what.to_owned()));
    let wallet = nostr::PublicKey::from_hex(&connected.wallet_pubkey)
        .map_err(|_| bad("the wallet service's key"))?;
    let relays = connected
        .relays
        .iter()
        .map(|relay| nostr::RelayUrl::parse(relay))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad("the wallet service's relays"))?;
    if relays.is_empty() {
        return Err(bad("a wallet service without relays"));
    }
    let uri = NostrWalletConnectURI::new(wallet, relays, keys.secret_key().clone(), None);
    Ok(Reply::WalletConnected {
        connection: connection(connected.connection),
        uri: uri.to_string().into(),
    })
}

fn connection(connection: api::WalletConnection) -> WalletConnection {
    WalletConnection {
        pubkey: connection.pubkey,
        name: connection.name,
        methods: connection.methods,
        budget_sat: connection.budget_sat,
        budget_renewal: connection.budget_renewal,
        spent_sat: sat_up(connection.spent_msat),
        expires_at: connection.expires_at,
        created_at: connection.created_at,
        revoked: connection.revoked_at.is_some(),
    }
}
