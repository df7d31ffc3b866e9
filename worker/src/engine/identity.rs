//! Identity and vault commands: onboarding, unlock and lock, export.
//!
//! Records kept in the profile's vault:
//! - secret `mnemonic`: the BIP39 phrase, sealed;
//! - secret `nsec`: an imported NOSTR key, when there is no mnemonic;
//! - public `npub` and `signer` (`local`, `extension` or `read-only`): who
//!   the user is, readable while locked so the lock screen can show it.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{self, Either};

use nostr::nips::nip49::{EncryptedSecretKey, KeySecurity};
use nostr::{
    EventBuilder, FromBech32, JsonUtil, Keys, Kind, NostrSigner, PublicKey, Tag, TagKind, ToBech32,
};
use zeroize::Zeroizing;

use super::error::{invalid, invalid_input};
use super::messaging::MessagingStart;
use super::Engine;
use crate::identity::{mnemonic, nostr_key, Mnemonic};
use crate::profiles::ProfileStores;
use crate::protocol::{
    EngineError, ExportKind, ExtensionCall, Field, Identity, MnemonicProblem, Reply, Secret,
    SignerKind, UnknownWord, WordCount,
};
use crate::signer::bunker::{BunkerSigner, NostrConnectOffer};
use crate::signer::ExtensionSigner;
use crate::vault::{AutoLock, KdfParams, Vault, VaultError, VaultState, VaultStore};

pub(super) const MNEMONIC: &str = "mnemonic";
pub(super) const NPUB: &str = "npub";
const SIGNER: &str = "signer";
/// An imported NOSTR secret key (32 bytes), when there is no mnemonic.
const NSEC: &str = "nsec";

/// The `signer` record's values.
const LOCAL: &str = "local";
const EXTENSION: &str = "extension";
const REMOTE_SIGNER: &str = "remote-signer";
/// A NIP-46 connection's secret (its bunker link and app key).
const BUNKER: &str = "bunker";

/// How long a NIP-07 extension has to answer, the user's approval included.
const EXTENSION_TIMEOUT: Duration = Duration::from_secs(120);

/// How long a remote signer has to answer, the user's approval included.
pub(super) const BUNKER_TIMEOUT: Duration = Duration::from_secs(20);

/// How long a signer app has to answer a `nostrconnect://` code: the user
/// finding the app, scanning the code and approving.
const NOSTR_CONNECT_WAIT: Duration = Duration::from_secs(120);

/// The name a `nostrconnect://` code shows in the signer app.
const APP_NAME: &str = "Flash";

/// What a `nostrconnect://` code asks the signer app to allow: signing the
/// seals of private messages (NIP-17's kind 13), the relay lists (NIP-65's
/// 10002, NIP-17's 10050) and relay logins (NIP-42's 22242), and NIP-44.
const SIGNER_PERMISSIONS: &[&str] = &[
    "sign_event:13",
    "sign_event:10002",
    "sign_event:10050",
    "sign_event:22242",
    // NIP-98: the Lightning account's requests.
    "sign_event:27235",
    // NIP-57: zap requests.
    "sign_event:9734",
    "nip44_encrypt",
    "nip44_decrypt",
];

const READ_ONLY: &str = "read-only";

/// NIP-42's client-authentication kind: a signed challenge that proves the
/// extension holds the key, and which relays would never accept as a post.
const CHALLENGE_KIND: u16 = 22242;

/// How many words the backup check asks for.
const BACKUP_CHECKS: usize = 3;

/// scrypt cost of an exported `ncryptsec` (NIP-49 suggests 16 or more).
const NCRYPTSEC_LOG_N: u8 = 16;

/// What exists only in memory.
#[derive(Default)]
pub struct Session {
    /// Onboarding's mnemonic, drawn but not yet proven written down.
    drawn: Option<Drawn>,
    /// The NOSTR keys while unlocked, when the vault holds them.
    keys: Option<Keys>,
    /// The remote signer connected this session, when one signs.
    bunker: Option<BunkerSigner>,
    /// Whatever signs for the user this session (the keys, the extension
    /// or the remote signer), once known.
    signer: Option<Arc<dyn NostrSigner>>,
    /// The `nostrconnect://` code shown, until its wait starts.
    nostr_connect: Option<NostrConnectOffer>,
    /// Stops the wait for the code's answer when dropped.
    nostr_connect_wait: Option<oneshot::Sender<()>>,
    /// Counts the codes asked for and given up, so a code that finishes
    /// opening after being given up is dropped.
    nostr_connect_attempt: u64,
}

impl Session {
    /// The NOSTR keys, when the vault holds them (gift wraps open faster
    /// with them than through the signer).
    pub(super) fn keys(&self) -> Option<Keys> {
        self.keys.clone()
    }

    /// What signs for the user, once known (a remote signer is known once
    /// it has reconnected).
    pub(super) fn signer(&self) -> Option<Arc<dyn NostrSigner>> {
        self.signer.clone()
    }

    /// The NOSTR secret key's bytes, when the vault holds the key (to sign
    /// eCash locked to it).
    pub(super) fn secret_key_bytes(&self) -> Option<Zeroizing<[u8; 32]>> {
        self.keys
            .as_ref()
            .map(|keys| Zeroizing::new(keys.secret_key().secret_bytes()))
    }
}

struct Drawn {
    mnemonic: Mnemonic,
    check_positions: Vec<usize>,
}

impl<P: ProfileStores> Engine<P> {
    /// Who the user is, from the vault's public records and state.
    pub(super) async fn identity(&self) -> Result<Identity, EngineError> {
        let vault = self.vault.lock().await;
        self.identity_of(opened(&vault)?).await
    }

    pub(super) async fn identity_of(
        &self,
        vault: &Vault<P::Store>,
    ) -> Result<Identity, EngineError> {
        let npub = read_public(vault, NPUB).await?;
        let signer = match read_public(vault, SIGNER).await?.as_deref() {
            Some(EXTENSION) => SignerKind::Extension,
            Some(REMOTE_SIGNER) => SignerKind::RemoteSigner,
            Some(READ_ONLY) => SignerKind::ReadOnly,
            _ => SignerKind::Local,
        };
        let auto_lock_minutes = vault.auto_lock_minutes().await?;
        Ok(match (vault.state(), npub) {
            // Keyless identities need no vault until a seed is added.
            (VaultState::Empty, Some(npub)) if signer != SignerKind::Local => Identity::Unlocked {
                npub,
                signer,
                has_seed: false,
                auto_lock_minutes,
            },
            // An npub without a signer is an onboarding cut short: start over.
            (VaultState::Empty, _) => Identity::None,
            (VaultState::Locked, npub) => Identity::Locked { npub },
            (VaultState::Unlocked, Some(npub)) => {
                let has_seed = vault.secret(MNEMONIC).await?.is_some();
                Identity::Unlocked {
                    npub,
                    signer,
                    has_seed,
                    auto_lock_minutes,
                }
            }
            (VaultState::Unlocked, None) => Identity::None,
        })
    }

    pub(super) fn new_mnemonic(&self, words: WordCount) -> Result<Reply, EngineError> {
        let count = match words {
            WordCount::Twelve => mnemonic::WordCount::Twelve,
            WordCount::TwentyFour => mnemonic::WordCount::TwentyFour,
        };
        let mnemonic = mnemonic::generate(count).map_err(invalid)?;
        let check_positions = pick_positions(mnemonic.word_count())?;
        let words = mnemonic.words().into_iter().map(Secret::from).collect();
        self.session.borrow_mut().drawn = Some(Drawn {
            mnemonic,
            check_positions: check_positions.clone(),
        });
        Ok(Reply::NewMnemonic {
            words,
            check_positions,
        })
    }

    pub(super) async fn create_wallet(
        &self,
        backup_check: &[Secret],
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        let mnemonic = {
            let session = self.session.borrow();
            let drawn = session.drawn.as_ref().ok_or_else(|| EngineError::Invalid {
                field: None,
                message: "no recovery words were drawn: start again".to_owned(),
            })?;
            let words = drawn.mnemonic.words();
            let matches = drawn.check_positions.len() == backup_check.len()
                && drawn
                    .check_positions
                    .iter()
                    .zip(backup_check)
                    .all(|(&position, answer)| {
                        words
                            .get(position - 1)
                            .is_some_and(|word| answer.expose().trim().eq_ignore_ascii_case(word))
                    });
            if !matches {
                return Err(EngineError::BackupMismatch);
            }
            drawn.mnemonic.clone()
        };
        let identity = self.seal_new_wallet(&mnemonic, passphrase).await?;
        self.session.borrow_mut().drawn = None;
        Ok(identity)
    }

    pub(super) async fn restore_wallet(
        &self,
        phrase: &str,
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        let mnemonic = mnemonic::parse(phrase).map_err(|error| EngineError::BadMnemonic {
            message: error.to_string(),
            problem: problem_of(error),
        })?;
        self.seal_new_wallet(&mnemonic, passphrase).await
    }

    /// Stores `mnemonic` as the wallet's seed. In a new profile its NIP-06
    /// key becomes the identity, sealed under a new vault; a profile whose
    /// identity is an extension or an imported key keeps it, and gets the
    /// seed for its wallets (an existing vault's passphrase must match).
    async fn seal_new_wallet(
        &self,
        mnemonic: &Mnemonic,
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        let keys =
            nostr_key::derive(&mnemonic.to_seed(), nostr_key::DEFAULT_ACCOUNT).map_err(invalid)?;
        let kdf = (self.env.kdf)().map_err(invalid)?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        let signer = read_public(vault, SIGNER).await?;
        let has_seed =
            vault.state() == VaultState::Unlocked && vault.secret(MNEMONIC).await?.is_some();
        match (vault.state(), signer.as_deref()) {
            (_, Some(READ_ONLY)) => return Err(read_only()),
            (VaultState::Empty, Some(EXTENSION)) => {
                vault.create(passphrase, kdf).await?;
            }
            (VaultState::Empty, _) => {
                vault.create(passphrase, kdf).await?;
                self.keep_local_identity(vault, keys).await?;
            }
            // Onboarding cut short after the vault was created (a closed
            // tab): finish it, under the passphrase chosen then.
            (VaultState::Unlocked, None) => {
                self.verify(vault, passphrase).await?;
                self.keep_local_identity(vault, keys).await?;
            }
            // A seed for a profile whose identity is held elsewhere.
            (VaultState::Unlocked, Some(LOCAL | REMOTE_SIGNER | EXTENSION)) if !has_seed => {
                self.verify(vault, passphrase).await?;
            }
            (VaultState::Locked, _) => return Err(EngineError::Locked),
            _ => return Err(EngineError::AlreadyExists),
        }
        vault
            .put_secret(MNEMONIC, mnemonic.phrase().as_bytes())
            .await?;
        self.start_auto_lock(vault).await?;
        self.identity_of(vault).await
    }

    /// Keeps the identity's keys for this session and starts messaging.
    fn use_keys(&self, keys: Keys) {
        self.start_messaging(MessagingStart::Signer {
            signer: Arc::new(keys.clone()),
            me: keys.public_key(),
        });
        self.session.borrow_mut().keys = Some(keys);
    }

    /// Keeps a connected remote signer for this session.
    pub(super) fn keep_bunker(&self, bunker: BunkerSigner) {
        let mut session = self.session.borrow_mut();
        session.signer = Some(Arc::new(bunker.as_signer().clone()));
        session.bunker = Some(bunker);
    }

    /// Keeps what signs for the user this session.
    pub(super) fn keep_signer(&self, signer: Arc<dyn NostrSigner>) {
        self.session.borrow_mut().signer = Some(signer);
    }

    /// Forgets everything only an unlocked session has: the commands still
    /// running in it, keys, auto-lock, the wallets, the relays' connection
    /// and the conversations.
    pub(super) async fn end_session(&self) {
        // Cancelled first, so nothing still running sees what follows.
        self.end_unlocked();
        *self.session.borrow_mut() = Session::default();
        *self.auto_lock.borrow_mut() = None;
        self.stop_messaging().await;
    }

    /// Checks the passphrase of an unlocked vault; wrong guesses count
    /// towards the same delay as unlocking.
    async fn verify(&self, vault: &Vault<P::Store>, passphrase: &str) -> Result<(), EngineError> {
        vault
            .verify_passphrase(passphrase, (self.env.now_ms)())
            .await
            .map_err(EngineError::from)
    }

    /// Makes `keys` the profile's identity, held in the vault.
    async fn keep_local_identity(
        &self,
        vault: &mut Vault<P::Store>,
        keys: Keys,
    ) -> Result<(), EngineError> {
        let npub = keys.public_key().to_bech32().map_err(invalid)?;
        record_identity(vault, &npub, LOCAL).await?;
        self.use_keys(keys);
        Ok(())
    }

    /// Keeps an existing NOSTR key (nsec, or ncryptsec opened with
    /// `key_password`) as the identity of a new vault.
    pub(super) async fn import_key(
        &self,
        key: &str,
        key_password: &str,
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        let secret_key = parse_secret_key(key.trim(), key_password)?;
        let keys = Keys::new(secret_key);
        let npub = keys.public_key().to_bech32().map_err(invalid)?;
        let kdf = (self.env.kdf)().map_err(invalid)?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        ensure_new_profile(vault).await?;
        let secret = keys.secret_key().as_secret_bytes().to_vec();
        let identity = self
            .seal_signer(vault, passphrase, kdf, (NSEC, &secret), &npub, LOCAL)
            .await?;
        self.use_keys(keys);
        Ok(identity)
    }

    /// Connects a NIP-46 remote signer and keeps the connection's secret in
    /// a new vault; the user's key never leaves the signer.
    pub(super) async fn connect_bunker(
        &self,
        uri: &str,
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase.into());
        }
        ensure_new_profile(opened(&*self.vault.lock().await)?).await?;
        // Not holding the vault while waiting for the signer's approval.
        let (bunker, _) = BunkerSigner::connect(uri.trim(), BUNKER_TIMEOUT).await?;
        self.keep_remote_signer(bunker, passphrase).await
    }

    /// Opens a new `nostrconnect://` code for a signer app to scan, in place
    /// of any shown before; returns its link.
    pub(super) async fn start_nostr_connect(&self) -> Result<String, EngineError> {
        ensure_new_profile(opened(&*self.vault.lock().await)?).await?;
        self.cancel_nostr_connect();
        let attempt = self.session.borrow().nostr_connect_attempt;
        let offer = NostrConnectOffer::open(
            &self.env.signer_relays,
            APP_NAME,
            SIGNER_PERMISSIONS,
            BUNKER_TIMEOUT,
        )
        .await?;
        let uri = offer.uri().to_owned();
        let mut session = self.session.borrow_mut();
        if session.nostr_connect_attempt != attempt {
            return Err(nostr_connect_cancelled());
        }
        session.nostr_connect = Some(offer);
        Ok(uri)
    }

    /// Waits for the signer app to answer the code shown, connects it and
    /// keeps the connection's secret in a new vault, as
    /// [`connect_bunker`](Self::connect_bunker) does.
    pub(super) async fn await_nostr_connect(
        &self,
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        if passphrase.is_empty() {
            return Err(VaultError::EmptyPassphrase.into());
        }
        ensure_new_profile(opened(&*self.vault.lock().await)?).await?;
        let (offer, cancelled) = {
            let mut session = self.session.borrow_mut();
            let offer = session
                .nostr_connect
                .take()
                .ok_or_else(|| EngineError::Invalid {
                    field: None,
                    message: "no connection code is shown: show a new one".to_owned(),
                })?;
            let (wait, cancelled) = oneshot::channel();
            session.nostr_connect_wait = Some(wait);
            (offer, cancelled)
        };
        let accepted = pin!(offer.accept(NOSTR_CONNECT_WAIT, BUNKER_TIMEOUT));
        let (bunker, _) = match future::select(accepted, cancelled).await {
            Either::Left((accepted, _)) => accepted?,
            Either::Right(_) => return Err(nostr_connect_cancelled()),
        };
        self.keep_remote_signer(bunker, passphrase).await
    }

    /// Forgets the code shown and stops waiting for its answer.
    pub(super) fn cancel_nostr_connect(&self) {
        let mut session = self.session.borrow_mut();
        session.nostr_connect = None;
        session.nostr_connect_wait = None;
        session.nostr_connect_attempt += 1;
    }

    /// Keeps a connected remote signer as the identity of a new vault under
    /// `passphrase`, its connection's secret sealed, and starts messaging.
    async fn keep_remote_signer(
        &self,
        bunker: BunkerSigner,
        passphrase: &str,
    ) -> Result<Identity, EngineError> {
        let npub = bunker.public_key().to_bech32().map_err(invalid)?;
        let kdf = (self.env.kdf)().map_err(invalid)?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        // Checked again: another command may have run while we waited.
        ensure_new_profile(vault).await?;
        let secret = bunker.to_secret_bytes();
        let identity = self
            .seal_signer(
                vault,
                passphrase,
                kdf,
                (BUNKER, &secret),
                &npub,
                REMOTE_SIGNER,
            )
            .await?;
        self.start_messaging(MessagingStart::Signer {
            signer: Arc::new(bunker.as_signer().clone()),
            me: bunker.public_key(),
        });
        self.keep_bunker(bunker);
        Ok(identity)
    }

    /// Creates the vault under `passphrase` with what signs for the user
    /// (`secret`, sealed under its name) and who that is, in public.
    async fn seal_signer(
        &self,
        vault: &mut Vault<P::Store>,
        passphrase: &str,
        kdf: KdfParams,
        (name, secret): (&str, &[u8]),
        npub: &str,
        signer: &str,
    ) -> Result<Identity, EngineError> {
        vault.create(passphrase, kdf).await?;
        vault.put_secret(name, secret).await?;
        record_identity(vault, npub, signer).await?;
        self.start_auto_lock(vault).await?;
        self.identity_of(vault).await
    }

    /// Follows `npub` without any key.
    pub(super) async fn watch_npub(&self, npub: &str) -> Result<Identity, EngineError> {
        let public_key = PublicKey::parse(npub.trim()).map_err(|_| {
            invalid_input(Field::Person, "that is not an npub (it starts with npub1…)")
        })?;
        let npub = public_key.to_bech32().map_err(invalid)?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        ensure_new_profile(vault).await?;
        record_identity(vault, &npub, READ_ONLY).await?;
        self.identity_of(vault).await
    }

    /// Signs in with a NIP-07 extension: keeps `pubkey` only once the
    /// extension has signed a fresh challenge with it.
    pub(super) async fn sign_in_with_extension(
        &self,
        pubkey: &str,
    ) -> Result<Identity, EngineError> {
        let claimed = PublicKey::parse(pubkey).map_err(|error| EngineError::Extension {
            reason: format!("it shared an unusable public key ({error})"),
        })?;
        let challenge = random_hex::<16>()?;
        let unsigned = EventBuilder::new(Kind::from(CHALLENGE_KIND), "Sign in to Flash")
            .tag(Tag::custom(
                TagKind::custom("challenge"),
                [challenge.clone()],
            ))
            .build(claimed);
        let call = ExtensionCall::SignEvent {
            event: unsigned.as_json(),
        };
        let signed = self
            .page_signer
            .ask(call, EXTENSION_TIMEOUT)
            .await
            .map_err(|error| EngineError::Extension {
                reason: error.to_string(),
            })?;
        let event = nostr::Event::from_json(&signed).map_err(|error| EngineError::Extension {
            reason: format!("it returned something that is not an event ({error})"),
        })?;
        let answered_challenge = event
            .tags
            .find(TagKind::custom("challenge"))
            .and_then(Tag::content);
        if event.verify().is_err()
            || event.pubkey != claimed
            || event.kind != Kind::from(CHALLENGE_KIND)
            || answered_challenge != Some(challenge.as_str())
        {
            return Err(EngineError::Extension {
                reason: "its signature does not prove it holds the key it shared".to_owned(),
            });
        }
        let npub = claimed.to_bech32().map_err(invalid)?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        ensure_new_profile(vault).await?;
        record_identity(vault, &npub, EXTENSION).await?;
        self.use_extension(claimed);
        self.identity_of(vault).await
    }

    /// Starts messaging with the page's extension signing and decrypting.
    fn use_extension(&self, me: PublicKey) {
        let signer = ExtensionSigner::new(Arc::clone(&self.page_signer), me, EXTENSION_TIMEOUT);
        self.start_messaging(MessagingStart::Signer {
            signer: Arc::new(signer),
            me,
        });
    }

    pub(super) async fn unlock(&self, passphrase: &str) -> Result<Identity, EngineError> {
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        match vault.state() {
            VaultState::Empty => return Err(EngineError::NoWallet),
            VaultState::Unlocked => return self.identity_of(vault).await,
            VaultState::Locked => {}
        }
        vault.unlock(passphrase, (self.env.now_ms)()).await?;
        self.load_session(vault).await?;
        self.start_auto_lock(vault).await?;
        self.identity_of(vault).await
    }

    /// Starts the session of a profile whose key is in the page's extension
    /// and which has no passphrase: nothing to unlock, so it starts as the
    /// profile opens. Does nothing for any other profile.
    pub(super) async fn resume_keyless(&self, vault: &Vault<P::Store>) -> Result<(), EngineError> {
        if vault.state() == VaultState::Empty
            && read_public(vault, SIGNER).await?.as_deref() == Some(EXTENSION)
        {
            self.resume_extension(vault).await?;
        }
        Ok(())
    }

    /// Messaging with the page's extension, for the vault's npub.
    async fn resume_extension(&self, vault: &Vault<P::Store>) -> Result<(), EngineError> {
        let npub = read_public(vault, NPUB).await?;
        if let Some(me) = npub.and_then(|npub| PublicKey::parse(&npub).ok()) {
            self.use_extension(me);
        }
        Ok(())
    }

    /// Loads the identity's signer from an unlocked vault: the imported
    /// key or the mnemonic's NIP-06 key, the remote signer to reconnect
    /// (in the background), or the page's extension.
    pub(super) async fn load_session(&self, vault: &Vault<P::Store>) -> Result<(), EngineError> {
        match read_public(vault, SIGNER).await?.as_deref() {
            Some(LOCAL) => {}
            Some(REMOTE_SIGNER) => {
                if let Some(connection) = vault.secret(BUNKER).await? {
                    self.start_messaging(MessagingStart::Reconnect { connection });
                }
                return Ok(());
            }
            Some(EXTENSION) => return self.resume_extension(vault).await,
            _ => return Ok(()),
        }
        let keys = if let Some(secret) = vault.secret(NSEC).await? {
            Keys::new(nostr::SecretKey::from_slice(&secret).map_err(invalid)?)
        } else if let Some(phrase) = vault.secret(MNEMONIC).await? {
            let phrase = Zeroizing::new(String::from_utf8_lossy(&phrase).into_owned());
            let mnemonic = mnemonic::parse(&phrase).map_err(invalid)?;
            nostr_key::derive(&mnemonic.to_seed(), nostr_key::DEFAULT_ACCOUNT).map_err(invalid)?
        } else {
            return Ok(());
        };
        self.use_keys(keys);
        Ok(())
    }

    /// The whole profile as an encrypted file, after the passphrase again.
    pub(super) async fn export_backup(&self, passphrase: &str) -> Result<String, EngineError> {
        let guard = self.vault.lock().await;
        let vault = opened(&guard)?;
        self.verify(vault, passphrase).await?;
        let file = vault.export_backup().await?;
        String::from_utf8(file).map_err(invalid)
    }

    pub(super) async fn lock(&self) -> Result<Identity, EngineError> {
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        vault.lock();
        self.end_session().await;
        self.identity_of(vault).await
    }

    pub(super) async fn export(
        &self,
        kind: ExportKind,
        passphrase: &str,
    ) -> Result<String, EngineError> {
        let guard = self.vault.lock().await;
        let vault = opened(&guard)?;
        if vault.state() != VaultState::Unlocked {
            return Err(EngineError::Locked);
        }
        self.verify(vault, passphrase).await?;
        let local_key = || {
            self.session
                .borrow()
                .keys
                .as_ref()
                .map(|keys| keys.secret_key().clone())
                .ok_or_else(|| EngineError::Invalid {
                    field: None,
                    message: "your NOSTR key is held by your extension: export it from there"
                        .to_owned(),
                })
        };
        match kind {
            ExportKind::Mnemonic => {
                let phrase = vault
                    .secret(MNEMONIC)
                    .await?
                    .ok_or_else(|| EngineError::Invalid {
                        field: None,
                        message: "this profile has no recovery words".to_owned(),
                    })?;
                String::from_utf8(phrase.to_vec()).map_err(invalid)
            }
            ExportKind::Nsec => local_key()?.to_bech32().map_err(invalid),
            ExportKind::Ncryptsec => {
                let encrypted = EncryptedSecretKey::new(
                    &local_key()?,
                    passphrase,
                    NCRYPTSEC_LOG_N,
                    KeySecurity::Medium,
                )
                .map_err(invalid)?;
                encrypted.to_bech32().map_err(invalid)
            }
        }
    }

    pub(super) async fn change_passphrase(&self, old: &str, new: &str) -> Result<(), EngineError> {
        let kdf = (self.env.kdf)().map_err(invalid)?;
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        vault
            .change_passphrase(old, new, kdf, (self.env.now_ms)())
            .await
            .map_err(EngineError::from)
    }

    pub(super) async fn set_auto_lock(&self, minutes: u32) -> Result<Identity, EngineError> {
        let mut guard = self.vault.lock().await;
        let vault = opened_mut(&mut guard)?;
        vault.set_auto_lock_minutes(minutes).await?;
        self.start_auto_lock(vault).await?;
        self.identity_of(vault).await
    }

    pub(super) async fn start_auto_lock(&self, vault: &Vault<P::Store>) -> Result<(), EngineError> {
        let minutes = vault.auto_lock_minutes().await?;
        *self.auto_lock.borrow_mut() =
            (minutes > 0).then(|| AutoLock::from_minutes(minutes, (self.env.now_ms)()));
        Ok(())
    }
}

/// What is wrong with a typed phrase, for the restore screen.
pub(super) fn check_mnemonic(phrase: &str) -> Option<MnemonicProblem> {
    mnemonic::parse(phrase).err().map(problem_of)
}

fn problem_of(error: mnemonic::MnemonicError) -> MnemonicProblem {
    match error {
        mnemonic::MnemonicError::WrongLength { count } => MnemonicProblem::WrongLength { count },
        mnemonic::MnemonicError::BadChecksum => MnemonicProblem::BadChecksum,
        mnemonic::MnemonicError::UnknownWords(words) => MnemonicProblem::UnknownWords {
            words: words
                .iter()
                .map(|unknown| UnknownWord {
                    position: unknown.position,
                    word: unknown.word.clone(),
                    suggestions: unknown
                        .suggestions
                        .iter()
                        .map(|s| (*s).to_owned())
                        .collect(),
                })
                .collect(),
        },
    }
}

/// `BACKUP_CHECKS` distinct 1-based positions out of `count`, ascending.
fn pick_positions(count: usize) -> Result<Vec<usize>, EngineError> {
    let mut positions = Vec::with_capacity(BACKUP_CHECKS);
    while positions.len() < BACKUP_CHECKS.min(count) {
        let [byte] = random_bytes::<1>()?;
        // Rejection sampling keeps every position equally likely.
        let limit = 256 - 256 % count;
        let draw = usize::from(byte);
        if draw < limit {
            let position = draw % count + 1;
            if !positions.contains(&position) {
                positions.push(position);
            }
        }
    }
    positions.sort_unstable();
    Ok(positions)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], EngineError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| EngineError::Invalid {
        field: None,
        message: format!("the browser could not provide secure random numbers ({error})"),
    })?;
    Ok(bytes)
}

fn random_hex<const N: usize>() -> Result<String, EngineError> {
    Ok(random_bytes::<N>()?
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}

pub(super) async fn read_public<S: VaultStore>(
    vault: &Vault<S>,
    name: &str,
) -> Result<Option<String>, EngineError> {
    let bytes = vault.public(name).await?;
    Ok(bytes.and_then(|bytes| String::from_utf8(bytes).ok()))
}

pub(super) fn opened<S: VaultStore>(vault: &Option<Vault<S>>) -> Result<&Vault<S>, EngineError> {
    vault.as_ref().ok_or_else(not_open)
}

pub(super) fn opened_mut<S: VaultStore>(
    vault: &mut Option<Vault<S>>,
) -> Result<&mut Vault<S>, EngineError> {
    vault.as_mut().ok_or_else(not_open)
}

/// Records who the user is and what kind of signer speaks for them; public,
/// so the lock screen can show it.
async fn record_identity<S: VaultStore>(
    vault: &mut Vault<S>,
    npub: &str,
    signer: &str,
) -> Result<(), EngineError> {
    vault.put_public(NPUB, npub.as_bytes()).await?;
    vault
        .put_public(SIGNER, signer.as_bytes())
        .await
        .map_err(EngineError::from)
}

/// Refuses to give a second identity to a profile that has one.
async fn ensure_new_profile<S: VaultStore>(vault: &Vault<S>) -> Result<(), EngineError> {
    if vault.state() != VaultState::Empty || read_public(vault, SIGNER).await?.is_some() {
        return Err(EngineError::AlreadyExists);
    }
    Ok(())
}

fn nostr_connect_cancelled() -> EngineError {
    EngineError::RemoteSigner {
        reason: "the connection code was given up".to_owned(),
    }
}

fn read_only() -> EngineError {
    EngineError::Invalid {
        field: None,
        message: "this profile only watches an npub: add a profile to create or restore a wallet"
            .to_owned(),
    }
}

/// Reads an `nsec1…`, or an `ncryptsec1…` opened with `password`.
fn parse_secret_key(key: &str, password: &str) -> Result<nostr::SecretKey, EngineError> {
    if key.starts_with("ncryptsec1") {
        let encrypted = EncryptedSecretKey::from_bech32(key).map_err(|_| {
            invalid_input(
                Field::Key,
                "that ncryptsec is damaged: check it was copied whole",
            )
        })?;
        return encrypted
            .decrypt(password)
            .map_err(|_| invalid_input(Field::Key, "that password does not open this ncryptsec"));
    }
    nostr::SecretKey::from_bech32(key).map_err(|_| EngineError::Invalid {
        field: Some(Field::Key),
        message: "that is not a NOSTR secret key: paste an nsec1… or ncryptsec1…".to_owned(),
    })
}

fn not_open() -> EngineError {
    EngineError::Storage {
        message: "the profile's storage could not be opened".to_owned(),
    }
}
