//! What the app asks of the engine, one marked section per capability, in
//! the order the crate's documentation lists them; each command names its
//! [`crate::Reply`].

use serde::{Deserialize, Serialize};

use crate::*;

/// What the app can ask of the engine.
///
/// Passphrases and mnemonics cross this boundary only while the user types
/// or reads them, as [`Secret`]s; the engine never sends a secret back
/// unasked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Command {
    // -- Engine -------------------------------------------------------------
    /// Report the engine's current status; answered with [`Reply::Status`].
    GetStatus,

    // -- Profiles (`profiles`) ----------------------------------------------
    /// Open a profile (`None`: the first one, or a new one if there is none)
    /// unless another tab holds it; `take_over` takes it from that tab.
    /// [`Reply::Opened`].
    OpenProfile {
        profile: Option<String>,
        take_over: bool,
    },
    /// Every profile in this browser; [`Reply::Profiles`].
    ListProfiles,
    /// Start a new, empty profile and open it; [`Reply::Opened`].
    NewProfile,
    /// Delete a profile and everything in it, once the user has typed
    /// [`DELETE_CONFIRMATION`]; [`Reply::Profiles`].
    DeleteProfile {
        profile: String,
        confirmation: String,
    },

    // -- Vault and identity (`vault`, `signer`) -----------------------------
    /// Who the user is and whether the vault is open; [`Reply::Identity`].
    GetIdentity,
    /// Draw a fresh mnemonic to show once; [`Reply::NewMnemonic`]. Nothing
    /// is stored until [`Command::CreateWallet`] proves it was written down.
    NewMnemonic { words: WordCount },
    /// Store the drawn mnemonic in a new vault sealed with `passphrase`,
    /// after checking the words the user gave back; [`Reply::Identity`].
    CreateWallet {
        backup_check: Vec<Secret>,
        passphrase: Secret,
    },
    /// Check a mnemonic as it is typed; [`Reply::MnemonicCheck`].
    CheckMnemonic { phrase: Secret },
    /// Store a known mnemonic in a new vault; [`Reply::Identity`].
    RestoreWallet { phrase: Secret, passphrase: Secret },
    /// Use a NIP-07 extension's key: the engine asks the page to sign a
    /// challenge ([`Event::ExtensionRequest`]) and keeps the key only if the
    /// signature verifies; [`Reply::Identity`].
    SignInWithExtension { pubkey: String },
    /// The page's answer to an [`Event::ExtensionRequest`]: what the
    /// extension returned (a [`Secret`]: it may be a decrypted message), or
    /// why it did not; [`Reply::Done`].
    ExtensionAnswer {
        request_id: u32,
        outcome: Result<Secret, String>,
    },
    /// Keep an existing NOSTR key (`nsec1…`, or NIP-49 `ncryptsec1…` opened
    /// with `key_password`) as the identity, in a new vault; [`Reply::Identity`].
    ImportKey {
        key: Secret,
        key_password: Secret,
        passphrase: Secret,
    },
    /// Use a NIP-46 remote signer (`bunker://…`): the key stays there; the
    /// connection's secret is sealed in a new vault; [`Reply::Identity`].
    ConnectBunker { uri: Secret, passphrase: Secret },
    /// Show a `nostrconnect://` code for the user's NIP-46 signer app to
    /// scan: the engine listens on its relays for the signer's answer;
    /// [`Reply::NostrConnect`]. It replaces any code shown before.
    StartNostrConnect,
    /// Wait (up to two minutes) for the signer app to answer the code shown,
    /// then use it as [`Command::ConnectBunker`] does; [`Reply::Identity`].
    AwaitNostrConnect { passphrase: Secret },
    /// Forget the code shown and stop waiting for it; [`Reply::Done`].
    CancelNostrConnect,
    /// Follow an npub without any key: read-only; [`Reply::Identity`].
    WatchNpub { npub: String },
    /// Restore a backup file into a new profile and open it; [`Reply::Opened`].
    ImportBackup { file: String, passphrase: Secret },
    /// Open the vault; [`Reply::Identity`].
    Unlock { passphrase: Secret },
    /// Close the vault, forgetting every key; [`Reply::Identity`].
    Lock,
    /// Reveal a secret after the passphrase is entered again;
    /// [`Reply::Exported`].
    Export {
        secret: ExportKind,
        passphrase: Secret,
    },
    /// The whole profile as an encrypted backup file, after the passphrase
    /// is entered again; [`Reply::Backup`].
    ExportBackup { passphrase: Secret },
    /// Re-seal the vault under a new passphrase; [`Reply::Done`].
    ChangePassphrase { old: Secret, new: Secret },
    /// Lock after this many minutes without use (0: never); [`Reply::Identity`].
    SetAutoLock { minutes: u32 },

    // -- Messaging, NIP-17 (`messaging`) ------------------------------------
    /// A summary of each conversation, most recent first, and the relays'
    /// state; [`Reply::Conversations`].
    ListConversations,
    /// A page of `conversation` (see [`ConversationSummary::conversation`]):
    /// its `limit` (at most [`MAX_MESSAGES_PAGE`]) latest messages before
    /// `before`, or its latest when `None`. Opening the latest page marks
    /// the conversation read. [`Reply::Conversation`].
    OpenConversation {
        conversation: String,
        before: Option<MessageCursor>,
        limit: usize,
    },
    /// The messages `ids` (at most [`MAX_MESSAGES_PAGE`]) of `conversation`
    /// that [`Event::Message`] named this session, as they are now (their
    /// delivery too); marks nothing read. [`Reply::Messages`].
    GetMessages {
        conversation: String,
        ids: Vec<String>,
    },
    /// Send a private message to `to`: one npub, or several for a group
    /// (a NIP-17 room: the people in it are the room). `subject` names the
    /// group, or renames it. The message is sealed and kept in the outbox
    /// before anything else, so nothing typed is lost even with every relay
    /// down; [`Reply::MessageSent`] as soon as it is kept. Its delivery
    /// arrives later in [`Event::Message`].
    SendMessage {
        to: Vec<String>,
        text: Secret,
        subject: Option<String>,
    },
    /// Send again a message whose delivery failed (or is waiting for a
    /// relay); [`Reply::MessageSent`].
    RetryMessage { id: String },

    // -- People: NIP-01 kind 0, NIP-02, NIP-05, NIP-19 (`contacts`) ---------
    // `who` in these commands is anything that names someone: an npub, an
    // nprofile (its relays are asked too), a hex key, a `nostr:` link, or a
    // NIP-05 address (name@domain). They need messaging to be running.
    /// The user's own profile; [`Reply::Person`]. With `refresh`, the
    /// relays are asked first; without, it is what the profile's event
    /// store holds (instant, possibly empty).
    GetMyProfile { refresh: bool },
    /// Publish the user's profile (kind 0) to their relays; [`Reply::Person`].
    /// Empty fields are removed; fields other apps set are kept. Refused
    /// while the current profile cannot be fetched from the relays.
    SetMyProfile { profile: ProfileFields },
    /// Everyone the user follows (their kind 3), with their profiles;
    /// [`Reply::Contacts`]. `refresh` as in [`Command::GetMyProfile`].
    ListContacts { refresh: bool },
    /// Search by npub, nprofile, hex key, NIP-05 address, nevent, note,
    /// naddr, or words of a name (matched against the profiles already
    /// known: contacts, conversation peers, people looked up before);
    /// [`Reply::Found`].
    FindPeople { query: String },
    /// One person's profile, NIP-05 checked; [`Reply::Person`]. `refresh`
    /// as in [`Command::GetMyProfile`].
    GetPerson { who: String, refresh: bool },
    /// Follow someone: a new follow list, built from the newest one on the
    /// relays, is published; [`Reply::Person`]. Refused while the follow
    /// list cannot be fetched, so nobody is unfollowed by accident.
    AddContact { who: String },
    /// Unfollow someone, as [`Command::AddContact`]; [`Reply::Person`].
    RemoveContact { who: String },
    /// The names to show for up to [`MAX_NAMES`] npubs (conversation
    /// peers, say): from the event store, and from the relays for keys not
    /// asked yet this session; [`Reply::Names`].
    GetNames { npubs: Vec<String> },

    // -- Relays: NIP-65, NIP-17 inboxes, NIP-11, NIP-42 (`relays`) ----------
    /// The user's relays, each with what it is used for and its live
    /// connection; [`Reply::Relays`]. Changes arrive as [`Event::Relays`].
    ListRelays,
    /// Use the relay at `url` (`wss://…`, or `ws://…`): to `read` (private
    /// messages are fetched there, and it is one of the user's inbox
    /// relays) and/or to `write`. The user's relay lists (NIP-65 kind 10002,
    /// NIP-17 kind 10050) are signed and published again, and it connects
    /// at once; [`Reply::Relays`].
    AddRelay {
        url: String,
        read: bool,
        write: bool,
    },
    /// Stop using the relay at `url` (not the last one); the lists are
    /// published again; [`Reply::Relays`].
    RemoveRelay { url: String },
    /// Say what the relay at `url` is used for; [`Reply::Relays`].
    SetRelayFlags {
        url: String,
        read: bool,
        write: bool,
    },
    /// What the relay at `url` says about itself (NIP-11); [`Reply::RelayInfo`].
    GetRelayInfo { url: String },

    // -- Lightning invoices, paid from either wallet (`lightning`) ----------
    /// What a pasted or scanned invoice asks for, before a wallet is
    /// chosen: its amount (or that the payer chooses it) and description;
    /// [`Reply::Invoice`].
    DecodeInvoice { invoice: String },
    /// Who a Lightning address (`name@domain`) or LNURL-pay code pays and
    /// what they take (LUD-06/16, LUD-12 comments); [`Reply::Payee`].
    ReadPayee { payee: String },
    /// An invoice for `amount` sat (with `comment`) from the payee `offer`
    /// describes, checked against it (amount, chain, description hash);
    /// [`Reply::PayeeInvoice`]. It is then paid like any invoice.
    ///
    /// With `zap`, a NIP-57 zap: the engine signs a zap request (the
    /// comment as its message) for the payee's server to announce the
    /// payment with, and the invoice must commit to that request instead.
    RequestPayeeInvoice {
        offer: PayeeOffer,
        amount: u64,
        comment: String,
        #[serde(default)]
        zap: Option<Zap>,
    },

    // -- eCash, Cashu (`ecash`) ---------------------------------------------
    /// The eCash wallet: its mints and balances; [`Reply::Ecash`]. The first
    /// one after unlocking also finishes what a closed tab left half done.
    GetEcash,
    /// Trust the mint at `url` (its NUT-06 info is fetched); [`Reply::Ecash`].
    AddMint { url: String },
    /// Forget a mint that holds none of the user's money; [`Reply::Ecash`].
    RemoveMint { url: String },
    /// The mint used when none is named; [`Reply::Ecash`].
    SetDefaultMint { url: String },
    /// Ask `mint` for a Lightning invoice of `amount` sat to turn into
    /// eCash; [`Reply::MintQuote`].
    RequestMint { mint: String, amount: u64 },
    /// Wait until the quote's invoice is paid, then mint; [`Reply::Minted`].
    AwaitMint { mint: String, quote: String },
    /// What paying a BOLT11 `invoice` from `mint` costs (`amount` only for
    /// an invoice without one); [`Reply::MeltQuote`].
    QuoteMelt {
        mint: String,
        invoice: String,
        amount: Option<u64>,
    },
    /// Pay a quoted invoice; [`Reply::Melted`].
    Melt { mint: String, quote: String },
    /// Take `amount` sat from `mint` as a token, locked to `lock_to` (an
    /// npub or a hex public key) when given; [`Reply::Token`].
    SendToken {
        mint: String,
        amount: u64,
        lock_to: Option<String>,
    },
    /// What a pasted token holds, before accepting it; [`Reply::TokenPreview`].
    InspectToken { token: Secret },
    /// Swap a token into fresh proofs. A token from a mint not yet trusted
    /// is refused unless `trust_mint`; [`Reply::Received`].
    ReceiveToken { token: Secret, trust_mint: bool },
    /// Take back a sent token nobody has redeemed yet; [`Reply::Ecash`].
    ReclaimToken { mint: String, send: String },
    /// A sent token nobody has redeemed yet, shown again; [`Reply::Token`].
    ShowSentToken { mint: String, send: String },
    /// Find the user's eCash at every trusted mint from the seed (NUT-13);
    /// progress arrives as [`Event::Restoring`]; [`Reply::Restored`].
    RestoreEcash,
    /// Ask the mints which pending proofs were spent (NUT-07); [`Reply::Ecash`].
    CheckProofs,
    /// Every mint, melt, send and receive, newest first; [`Reply::EcashHistory`].
    EcashHistory,
    /// Follow the payments a mint reported pending, this session's or a
    /// closed tab's, until each has settled or failed: every change
    /// arrives as [`Event::Ecash`]. It answers [`Reply::Done`] once none
    /// is left pending.
    WatchEcash,

    // -- Lightning account at this server, NIP-98 sign-in (`account`) -------
    // Every request is signed with the user's key (local, NIP-07 or NIP-46):
    // the signature is the sign-in; the server never sees the key.
    /// The account at this server, or that it offers none; [`Reply::Account`].
    /// The first one after unlocking also finishes payments a closed tab
    /// left unanswered.
    GetAccount,
    /// Follow the account for as long as the session lasts: every change
    /// (an invoice paid, a payment ended) arrives as [`Event::Account`],
    /// the stream opened again whenever it fails. It answers
    /// [`Reply::Done`] only when the server offers no account.
    WatchAccount,
    /// An invoice of the account for `amount` sat (0: the payer chooses);
    /// [`Reply::AccountInvoice`].
    CreateAccountInvoice { amount: u64, description: String },
    /// Wait until the account's invoice `id` is paid;
    /// [`Reply::AccountReceived`].
    AwaitAccountInvoice { id: String },
    /// What paying `invoice` from the account costs (`amount` only for an
    /// invoice without one); [`Reply::AccountQuote`].
    QuoteAccountPayment {
        invoice: String,
        amount: Option<u64>,
    },
    /// Pay `invoice` from the account. The payment is written down before
    /// the server hears of it, so an answer lost to a closed tab is asked
    /// again, never paid twice; [`Reply::AccountPayment`].
    PayFromAccount {
        invoice: String,
        amount: Option<u64>,
    },
    /// The user's name at this server, if they have one; [`Reply::Name`].
    GetName,
    /// Take `name` at this server: `name@<server>` becomes the user's
    /// Lightning address and NOSTR address (NIP-05, naming their relays),
    /// replacing the name they had. Refused with the server's code
    /// (`name_taken`, `name_reserved`, `name_invalid`); [`Reply::Name`].
    SetName { name: String },
    /// Give the name up (anyone may take it then); [`Reply::Name`].
    ReleaseName,
    /// The apps connected to the account by Nostr Wallet Connect (NIP-47),
    /// revoked ones too; [`Reply::WalletConnections`].
    ListWalletConnections,
    /// Connect an app: the engine makes the connection's secret, sends the
    /// server only its public key, and answers the
    /// `nostr+walletconnect://` URI that carries the secret, for the user to
    /// hand to the app; [`Reply::WalletConnected`]. `methods` are NIP-47
    /// names; `budget_sat` (none: no limit) renews `budget_renewal`
    /// (daily, weekly, monthly or never); `expires_at` in seconds.
    ConnectWallet {
        name: String,
        methods: Vec<String>,
        budget_sat: Option<u64>,
        budget_renewal: String,
        expires_at: Option<i64>,
    },
    /// End a connection at once; [`Reply::WalletConnections`].
    RevokeWalletConnection { pubkey: String },
    /// Move `amount` sat from the account into eCash at `mint`: the account
    /// pays the mint's invoice, then the eCash is minted; [`Reply::Moved`].
    /// Each step is written down before its network call, so a closed tab
    /// finishes it at the next unlock.
    MoveToEcash { mint: String, amount: u64 },
    /// Move `amount` sat of eCash at `mint` into the account: the mint pays
    /// the account's invoice (the mint's fee reserve on top); [`Reply::Moved`].
    MoveToAccount { mint: String, amount: u64 },

    // -- History of both wallets (`history`) --------------------------------
    /// The newest `limit` (1 to [`HISTORY_MAX`]) of the account's and the
    /// eCash wallet's movements merged, newest first (ask again with a
    /// larger `limit` to read further back); [`Reply::History`].
    History { limit: u32 },
}
