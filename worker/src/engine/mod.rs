//! The target-neutral engine: answers [`Command`]s, tracks its status and
//! pushes [`Event`]s.
//!
//! Nothing here touches the browser, so every behaviour is tested natively
//! against the in-memory store; the `browser` module only moves messages in
//! and out of the worker and supplies the IndexedDB store and the clock.

mod account;
mod contacts;
mod ecash;
mod error;
mod history;
mod identity;
mod lnurl;
mod messaging;
mod moves;
mod profiles;
mod relays;
mod session;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;

use futures::channel::mpsc;
use futures::lock::Mutex;

use crate::messaging::history::History;
use crate::messaging::outbox::Outbox;
use crate::messaging::Messenger;
use crate::profiles::{ProfileId, ProfileStores};
use crate::protocol::{
    decode, Command, EngineError, EngineStatus, Event, FromEngine, MessagingState, RelayView,
    Reply, ToEngine,
};
use crate::signer::PageSigner;
use crate::vault::seal::SealError;
use crate::vault::{AutoLock, KdfParams, Vault};

pub use identity::Session;
use messaging::MessagingStart;
use session::SessionEnd;

/// The engine's version, shown to the user so bug reports name the build.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the engine needs from its surroundings.
pub struct Environment {
    /// Milliseconds since the Unix epoch (`Date.now()` in the browser).
    /// Shared with the relay pool, which dates what relays send by it.
    pub now_ms: crate::events::checked::Clock,
    /// Argon2id parameters for new vaults and passphrases: the recommended
    /// ones in the app, fast ones in tests.
    pub kdf: Box<dyn Fn() -> Result<KdfParams, SealError>>,
    /// The relays private messages go through.
    pub relays: Vec<String>,
    /// The relays a `nostrconnect://` code asks the signer app to answer on.
    pub signer_relays: Vec<String>,
    /// Mints to suggest to a user who has none (the dev mint in `--dev`).
    pub mints: Vec<String>,
    /// The chain Lightning invoices must be for: Bitcoin, or regtest where
    /// the dev services say so.
    pub network: cdk::lightning_invoice::Currency,
    /// The origin of the server the app came from, whose Lightning account
    /// service the engine uses (if it offers one); `None`: no server.
    pub server: Option<String>,
}

/// The engine. One instance lives in the worker for the app's lifetime.
pub struct Engine<P: ProfileStores> {
    status: RefCell<EngineStatus>,
    profiles: P,
    /// The profile this tab has claimed and opened, if any.
    current: RefCell<Option<ProfileId>>,
    /// The current profile's vault. The async lock serialises vault
    /// operations: two unlocks, or an unlock and a lock, never interleave.
    vault: Mutex<Option<Vault<P::Store>>>,
    /// What only exists while unlocked, and onboarding's drawn mnemonic.
    session: RefCell<Session>,
    auto_lock: RefCell<Option<AutoLock>>,
    page_signer: Arc<PageSigner>,
    messaging_state: RefCell<MessagingState>,
    messenger: RefCell<Option<Rc<Messenger>>>,
    /// Profiles and contacts over the current messaging session.
    contacts: RefCell<contacts::SessionDirectory>,
    /// Bumped whenever messaging stops, so a connection finishing after
    /// that is dropped instead of used.
    messaging_epoch: Cell<u64>,
    /// The relays' views last pushed to the app.
    shown_relays: RefCell<Vec<RelayView>>,
    /// Serialises changes to the relay list: each reads, keeps and applies
    /// the list the one before left.
    relay_changes: Mutex<()>,
    /// This session's conversations, decrypted: in memory only.
    history: RefCell<History>,
    /// The messages not delivered yet, as the vault keeps them.
    outbox: RefCell<Outbox>,
    /// The unlocked session's services; a new one after each lock.
    unlocked: RefCell<Rc<session::Session>>,
    /// Ends `unlocked` when replaced, cancelling what it runs.
    unlocked_end: RefCell<SessionEnd>,
    messaging_requests: mpsc::UnboundedSender<MessagingStart>,
    messaging_requests_receiver: RefCell<Option<mpsc::UnboundedReceiver<MessagingStart>>>,
    /// Ids of messages for the messaging loop to deliver.
    deliveries: mpsc::UnboundedSender<String>,
    deliveries_receiver: RefCell<Option<mpsc::UnboundedReceiver<String>>>,
    events: mpsc::UnboundedSender<FromEngine>,
    env: Environment,
}

impl<P: ProfileStores> Engine<P> {
    /// A starting engine over `profiles`; pushed events go to `events`.
    pub fn new(profiles: P, events: mpsc::UnboundedSender<FromEngine>, env: Environment) -> Self {
        let (messaging_requests, messaging_requests_receiver) = mpsc::unbounded();
        let (deliveries, deliveries_receiver) = mpsc::unbounded();
        let (unlocked, unlocked_end) = session::Session::start();
        Self {
            status: RefCell::new(EngineStatus::Starting),
            profiles,
            current: RefCell::new(None),
            vault: Mutex::new(None),
            session: RefCell::new(Session::default()),
            auto_lock: RefCell::new(None),
            page_signer: Arc::new(PageSigner::new(events.clone())),
            messaging_state: RefCell::new(MessagingState::Off),
            messenger: RefCell::new(None),
            contacts: RefCell::new(None),
            messaging_epoch: Cell::new(0),
            shown_relays: RefCell::default(),
            relay_changes: Mutex::new(()),
            history: RefCell::default(),
            outbox: RefCell::default(),
            unlocked: RefCell::new(unlocked),
            unlocked_end: RefCell::new(unlocked_end),
            messaging_requests,
            messaging_requests_receiver: RefCell::new(Some(messaging_requests_receiver)),
            deliveries,
            deliveries_receiver: RefCell::new(Some(deliveries_receiver)),
            events,
            env,
        }
    }

    pub fn status(&self) -> EngineStatus {
        self.status.borrow().clone()
    }

    /// Reports the engine ready: the app may open a profile.
    pub fn ready(&self) {
        self.set_status(EngineStatus::Ready {
            version: VERSION.to_owned(),
        });
    }

    /// Profiles this tab lost to another tab; the host feeds each one to
    /// [`Engine::profile_taken_over`]. Available once.
    pub fn lost_profiles(&self) -> Option<mpsc::UnboundedReceiver<ProfileId>> {
        self.profiles.lost()
    }

    /// Marks the engine unusable, with a message the user can act on.
    pub fn fail(&self, message: impl Into<String>) {
        self.set_status(EngineStatus::Failed {
            message: message.into(),
        });
    }

    fn set_status(&self, status: EngineStatus) {
        *self.status.borrow_mut() = status.clone();
        self.push(Event::Status { status });
    }

    fn push(&self, event: Event) {
        // Nobody listens only while the worker shuts down.
        let _ = self.events.unbounded_send(FromEngine::Event(event));
    }

    /// Reads one raw message from the app and produces the answer.
    ///
    /// Input from the page is untrusted: a message that cannot be read is
    /// answered with [`EngineError::MalformedMessage`], never a panic.
    pub async fn receive(&self, raw: &str) -> FromEngine {
        match decode::<ToEngine>(raw) {
            Ok(ToEngine::Request { id, command }) => FromEngine::Response {
                id,
                outcome: self.handle(command).await,
            },
            Err(error) => FromEngine::Event(Event::Rejected {
                error: EngineError::MalformedMessage {
                    reason: error.to_string(),
                },
            }),
        }
    }

    /// Answers one command. Every command counts as activity for auto-lock.
    pub async fn handle(&self, command: Command) -> Result<Reply, EngineError> {
        self.touch();
        match command {
            Command::GetStatus => Ok(Reply::Status {
                status: self.status(),
            }),
            Command::OpenProfile { profile, take_over } => {
                self.open_profile(profile, take_over).await
            }
            Command::ListProfiles => self.list_profiles().await,
            Command::NewProfile => self.new_profile().await,
            Command::DeleteProfile {
                profile,
                confirmation,
            } => self.delete_profile(&profile, &confirmation).await,
            Command::ListConversations => self.list_conversations(),
            Command::OpenConversation {
                conversation,
                before,
                limit,
            } => {
                self.session()
                    .run(self.open_conversation(&conversation, before, limit))
                    .await
            }
            Command::GetMessages { conversation, ids } => self.get_messages(&conversation, &ids),
            Command::SendMessage { to, text, subject } => {
                self.session()
                    .run(self.send_message(&to, text.expose(), subject.as_deref()))
                    .await
            }
            Command::RetryMessage { id } => self.retry_message(&id),
            Command::GetMyProfile { refresh } => {
                self.session().run(self.get_my_profile(refresh)).await
            }
            Command::SetMyProfile { profile } => {
                self.session().run(self.set_my_profile(profile)).await
            }
            Command::ListContacts { refresh } => {
                self.session().run(self.list_contacts(refresh)).await
            }
            Command::FindPeople { query } => self.session().run(self.find_people(&query)).await,
            Command::GetPerson { who, refresh } => {
                self.session().run(self.get_person(&who, refresh)).await
            }
            Command::AddContact { who } => self.session().run(self.follow(&who, true)).await,
            Command::RemoveContact { who } => self.session().run(self.follow(&who, false)).await,
            Command::GetNames { npubs } => self.session().run(self.get_names(&npubs)).await,
            Command::ListRelays => self.session().run(self.list_relays()).await,
            Command::AddRelay { url, read, write } => {
                self.session().run(self.add_relay(&url, read, write)).await
            }
            Command::RemoveRelay { url } => self.session().run(self.remove_relay(&url)).await,
            Command::SetRelayFlags { url, read, write } => {
                self.session()
                    .run(self.set_relay_flags(&url, read, write))
                    .await
            }
            Command::GetRelayInfo { url } => self.session().run(self.relay_info(&url)).await,
            Command::DecodeInvoice { invoice } => {
                let invoice = crate::invoice::read(&invoice, &self.env.network)?;
                Ok(Reply::Invoice {
                    invoice: crate::invoice::details(&invoice),
                })
            }
            Command::ReadPayee { payee } => self.session().run(self.read_payee(&payee)).await,
            Command::RequestPayeeInvoice {
                offer,
                amount,
                comment,
                zap,
            } => {
                self.session()
                    .run(self.payee_invoice(&offer, amount, &comment, zap.as_ref()))
                    .await
            }
            command @ (Command::GetEcash
            | Command::AddMint { .. }
            | Command::RemoveMint { .. }
            | Command::SetDefaultMint { .. }
            | Command::RequestMint { .. }
            | Command::AwaitMint { .. }
            | Command::QuoteMelt { .. }
            | Command::Melt { .. }
            | Command::SendToken { .. }
            | Command::InspectToken { .. }
            | Command::ReceiveToken { .. }
            | Command::ReclaimToken { .. }
            | Command::ShowSentToken { .. }
            | Command::RestoreEcash
            | Command::CheckProofs
            | Command::EcashHistory
            | Command::WatchEcash) => {
                let session = self.session();
                session
                    .run(self.answer_ecash(&session.ecash, command))
                    .await
            }
            command @ (Command::GetAccount
            | Command::WatchAccount
            | Command::CreateAccountInvoice { .. }
            | Command::AwaitAccountInvoice { .. }
            | Command::QuoteAccountPayment { .. }
            | Command::PayFromAccount { .. }
            | Command::GetName
            | Command::SetName { .. }
            | Command::ReleaseName
            | Command::ListWalletConnections
            | Command::ConnectWallet { .. }
            | Command::RevokeWalletConnection { .. }) => {
                let session = self.session();
                session
                    .run(self.answer_account(&session.account, command))
                    .await
            }
            Command::MoveToEcash { mint, amount } => {
                let session = self.session();
                session
                    .run(self.move_to_ecash(&session.account, &session.ecash, &mint, amount))
                    .await
            }
            Command::MoveToAccount { mint, amount } => {
                let session = self.session();
                session
                    .run(self.move_to_account(&session.account, &session.ecash, &mint, amount))
                    .await
            }
            Command::History { limit } => {
                let session = self.session();
                session
                    .run(self.history(&session.account, &session.ecash, limit))
                    .await
            }
            Command::GetIdentity => self.identity().await.map(identity_reply),
            Command::NewMnemonic { words } => self.new_mnemonic(words),
            Command::CheckMnemonic { phrase } => Ok(Reply::MnemonicCheck {
                problem: identity::check_mnemonic(phrase.expose()),
            }),
            Command::CreateWallet {
                backup_check,
                passphrase,
            } => self
                .create_wallet(&backup_check, passphrase.expose())
                .await
                .map(identity_reply),
            Command::RestoreWallet { phrase, passphrase } => self
                .restore_wallet(phrase.expose(), passphrase.expose())
                .await
                .map(identity_reply),
            Command::SignInWithExtension { pubkey } => self
                .sign_in_with_extension(&pubkey)
                .await
                .map(identity_reply),
            Command::ExtensionAnswer {
                request_id,
                outcome,
            } => {
                self.page_signer.answer(request_id, outcome);
                Ok(Reply::Done)
            }
            Command::ImportKey {
                key,
                key_password,
                passphrase,
            } => self
                .import_key(key.expose(), key_password.expose(), passphrase.expose())
                .await
                .map(identity_reply),
            Command::ConnectBunker { uri, passphrase } => self
                .connect_bunker(uri.expose(), passphrase.expose())
                .await
                .map(identity_reply),
            Command::StartNostrConnect => self
                .start_nostr_connect()
                .await
                .map(|uri| Reply::NostrConnect { uri: uri.into() }),
            Command::AwaitNostrConnect { passphrase } => self
                .await_nostr_connect(passphrase.expose())
                .await
                .map(identity_reply),
            Command::CancelNostrConnect => {
                self.cancel_nostr_connect();
                Ok(Reply::Done)
            }
            Command::WatchNpub { npub } => self.watch_npub(&npub).await.map(identity_reply),
            Command::ImportBackup { file, passphrase } => {
                self.import_backup(&file, passphrase.expose()).await
            }
            Command::ExportBackup { passphrase } => self
                .export_backup(passphrase.expose())
                .await
                .map(|file| Reply::Backup { file }),
            Command::Unlock { passphrase } => {
                self.unlock(passphrase.expose()).await.map(identity_reply)
            }
            Command::Lock => self.lock().await.map(identity_reply),
            Command::Export { secret, passphrase } => self
                .export(secret, passphrase.expose())
                .await
                .map(|text| Reply::Exported { text: text.into() }),
            Command::ChangePassphrase { old, new } => self
                .change_passphrase(old.expose(), new.expose())
                .await
                .map(|()| Reply::Done),
            Command::SetAutoLock { minutes } => {
                self.set_auto_lock(minutes).await.map(identity_reply)
            }
        }
    }

    /// Called periodically by the host: locks the vault when the user has
    /// been away longer than the auto-lock delay.
    pub async fn tick(&self) {
        let due = self
            .auto_lock
            .borrow()
            .as_ref()
            .is_some_and(|auto_lock| auto_lock.is_due((self.env.now_ms)()));
        if due {
            if let Ok(identity) = self.lock().await {
                self.push(Event::Identity { identity });
            }
        }
    }

    /// The session commands run in now.
    fn session(&self) -> Rc<session::Session> {
        Rc::clone(&self.unlocked.borrow())
    }

    /// Ends the unlocked session: every command still running in it is
    /// cancelled, and its services' state dropped with the last of them.
    fn end_unlocked(&self) {
        let (unlocked, unlocked_end) = session::Session::start();
        *self.unlocked.borrow_mut() = unlocked;
        // Replacing the old end drops it: that is the signal.
        *self.unlocked_end.borrow_mut() = unlocked_end;
    }

    fn touch(&self) {
        if let Some(auto_lock) = self.auto_lock.borrow_mut().as_mut() {
            auto_lock.touch((self.env.now_ms)());
        }
    }
}

fn identity_reply(identity: crate::protocol::Identity) -> Reply {
    Reply::Identity { identity }
}
