//! The UI↔engine protocol, read top to bottom.
//!
//! Every message crosses `postMessage` as a JSON string, so both sides share
//! exactly these types and nothing else:
//!
//! 0. The engine's first message is a [`Hello`] naming the protocol it
//!    speaks; the app goes on only if that is its own [`PROTOCOL_VERSION`].
//! 1. The engine announces itself with [`Event::Started`] once it listens.
//! 2. The app sends [`ToEngine::Request`]s, each with a fresh [`RequestId`].
//! 3. The engine answers every request with one [`FromEngine::Response`]
//!    carrying the same id, and pushes [`FromEngine::Event`]s whenever its
//!    state changes.

mod handshake;

pub use handshake::{Hello, PROTOCOL_VERSION};

use serde::{Deserialize, Serialize};

/// The most movements one [`Command::History`] reads.
pub const HISTORY_MAX: u32 = 1000;

/// Names one request so its response finds its way back to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u32);

// ---------------------------------------------------------------------------
// App → engine
// ---------------------------------------------------------------------------

/// Everything the app sends to the engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToEngine {
    Request { id: RequestId, command: Command },
}

/// What the app can ask of the engine.
///
/// Passphrases and mnemonics cross this boundary only while the user types
/// or reads them; the engine never sends a secret back unasked.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Command {
    /// Report the engine's current status; answered with [`Reply::Status`].
    GetStatus,

    // -- Profiles ------------------------------------------------------------
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

    // -- Messaging (NIP-17) -------------------------------------------------
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
        text: String,
        subject: Option<String>,
    },
    /// Send again a message whose delivery failed (or is waiting for a
    /// relay); [`Reply::MessageSent`].
    RetryMessage { id: String },

    // -- Profiles and contacts (NIP-01 kind 0, NIP-02, NIP-05, NIP-19) ------
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

    // -- Relays (NIP-65, NIP-17 inbox relays, NIP-11, NIP-42) ----------------
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

    // -- Lightning invoices (paid from either wallet) ----------------------
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

    // -- eCash (Cashu) -------------------------------------------------------
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
    InspectToken { token: String },
    /// Swap a token into fresh proofs. A token from a mint not yet trusted
    /// is refused unless `trust_mint`; [`Reply::Received`].
    ReceiveToken { token: String, trust_mint: bool },
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

    // -- Lightning account (held by this server, signed in by NIP-98) -----
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
    /// The newest `limit` (1 to [`HISTORY_MAX`]) of the account's and the
    /// eCash wallet's movements merged, newest first (ask again with a
    /// larger `limit` to read further back); [`Reply::History`].
    History { limit: u32 },

    // -- Identity and vault ------------------------------------------------
    /// Who the user is and whether the vault is open; [`Reply::Identity`].
    GetIdentity,
    /// Draw a fresh mnemonic to show once; [`Reply::NewMnemonic`]. Nothing
    /// is stored until [`Command::CreateWallet`] proves it was written down.
    NewMnemonic { words: WordCount },
    /// Store the drawn mnemonic in a new vault sealed with `passphrase`,
    /// after checking the words the user gave back; [`Reply::Identity`].
    CreateWallet {
        backup_check: Vec<String>,
        passphrase: String,
    },
    /// Check a mnemonic as it is typed; [`Reply::MnemonicCheck`].
    CheckMnemonic { phrase: String },
    /// Store a known mnemonic in a new vault; [`Reply::Identity`].
    RestoreWallet { phrase: String, passphrase: String },
    /// Use a NIP-07 extension's key: the engine asks the page to sign a
    /// challenge ([`Event::ExtensionRequest`]) and keeps the key only if the
    /// signature verifies; [`Reply::Identity`].
    SignInWithExtension { pubkey: String },
    /// The page's answer to an [`Event::ExtensionRequest`]: what the
    /// extension returned, or why it did not; [`Reply::Done`].
    ExtensionAnswer {
        request_id: u32,
        outcome: Result<String, String>,
    },
    /// Keep an existing NOSTR key (`nsec1…`, or NIP-49 `ncryptsec1…` opened
    /// with `key_password`) as the identity, in a new vault; [`Reply::Identity`].
    ImportKey {
        key: String,
        key_password: String,
        passphrase: String,
    },
    /// Use a NIP-46 remote signer (`bunker://…`): the key stays there; the
    /// connection's secret is sealed in a new vault; [`Reply::Identity`].
    ConnectBunker { uri: String, passphrase: String },
    /// Show a `nostrconnect://` code for the user's NIP-46 signer app to
    /// scan: the engine listens on its relays for the signer's answer;
    /// [`Reply::NostrConnect`]. It replaces any code shown before.
    StartNostrConnect,
    /// Wait (up to two minutes) for the signer app to answer the code shown,
    /// then use it as [`Command::ConnectBunker`] does; [`Reply::Identity`].
    AwaitNostrConnect { passphrase: String },
    /// Forget the code shown and stop waiting for it; [`Reply::Done`].
    CancelNostrConnect,
    /// Follow an npub without any key: read-only; [`Reply::Identity`].
    WatchNpub { npub: String },
    /// Restore a backup file into a new profile and open it; [`Reply::Opened`].
    ImportBackup { file: String, passphrase: String },
    /// Open the vault; [`Reply::Identity`].
    Unlock { passphrase: String },
    /// Close the vault, forgetting every key; [`Reply::Identity`].
    Lock,
    /// Reveal a secret after the passphrase is entered again;
    /// [`Reply::Exported`].
    Export {
        secret: ExportKind,
        passphrase: String,
    },
    /// The whole profile as an encrypted backup file, after the passphrase
    /// is entered again; [`Reply::Backup`].
    ExportBackup { passphrase: String },
    /// Re-seal the vault under a new passphrase; [`Reply::Done`].
    ChangePassphrase { old: String, new: String },
    /// Lock after this many minutes without use (0: never); [`Reply::Identity`].
    SetAutoLock { minutes: u32 },
}

/// Redacted: a command may carry a passphrase or a mnemonic.
impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Command::GetStatus => "GetStatus",
            Command::OpenProfile { .. } => "OpenProfile",
            Command::ListProfiles => "ListProfiles",
            Command::NewProfile => "NewProfile",
            Command::DeleteProfile { .. } => "DeleteProfile",
            Command::ListConversations => "ListConversations",
            Command::OpenConversation { .. } => "OpenConversation",
            Command::GetMessages { .. } => "GetMessages",
            Command::SendMessage { .. } => "SendMessage",
            Command::RetryMessage { .. } => "RetryMessage",
            Command::GetMyProfile { .. } => "GetMyProfile",
            Command::SetMyProfile { .. } => "SetMyProfile",
            Command::ListContacts { .. } => "ListContacts",
            Command::FindPeople { .. } => "FindPeople",
            Command::GetPerson { .. } => "GetPerson",
            Command::AddContact { .. } => "AddContact",
            Command::RemoveContact { .. } => "RemoveContact",
            Command::GetNames { .. } => "GetNames",
            Command::ListRelays => "ListRelays",
            Command::AddRelay { .. } => "AddRelay",
            Command::RemoveRelay { .. } => "RemoveRelay",
            Command::SetRelayFlags { .. } => "SetRelayFlags",
            Command::GetRelayInfo { .. } => "GetRelayInfo",
            Command::DecodeInvoice { .. } => "DecodeInvoice",
            Command::ReadPayee { .. } => "ReadPayee",
            Command::RequestPayeeInvoice { .. } => "RequestPayeeInvoice",
            Command::GetEcash => "GetEcash",
            Command::AddMint { .. } => "AddMint",
            Command::RemoveMint { .. } => "RemoveMint",
            Command::SetDefaultMint { .. } => "SetDefaultMint",
            Command::RequestMint { .. } => "RequestMint",
            Command::AwaitMint { .. } => "AwaitMint",
            Command::QuoteMelt { .. } => "QuoteMelt",
            Command::Melt { .. } => "Melt",
            Command::SendToken { .. } => "SendToken",
            Command::InspectToken { .. } => "InspectToken",
            Command::ReceiveToken { .. } => "ReceiveToken",
            Command::ReclaimToken { .. } => "ReclaimToken",
            Command::ShowSentToken { .. } => "ShowSentToken",
            Command::RestoreEcash => "RestoreEcash",
            Command::CheckProofs => "CheckProofs",
            Command::EcashHistory => "EcashHistory",
            Command::WatchEcash => "WatchEcash",
            Command::GetAccount => "GetAccount",
            Command::WatchAccount => "WatchAccount",
            Command::CreateAccountInvoice { .. } => "CreateAccountInvoice",
            Command::AwaitAccountInvoice { .. } => "AwaitAccountInvoice",
            Command::QuoteAccountPayment { .. } => "QuoteAccountPayment",
            Command::PayFromAccount { .. } => "PayFromAccount",
            Command::GetName => "GetName",
            Command::SetName { .. } => "SetName",
            Command::ReleaseName => "ReleaseName",
            Command::ListWalletConnections => "ListWalletConnections",
            Command::ConnectWallet { .. } => "ConnectWallet",
            Command::RevokeWalletConnection { .. } => "RevokeWalletConnection",
            Command::MoveToEcash { .. } => "MoveToEcash",
            Command::MoveToAccount { .. } => "MoveToAccount",
            Command::History { .. } => "History",
            Command::GetIdentity => "GetIdentity",
            Command::NewMnemonic { .. } => "NewMnemonic",
            Command::CreateWallet { .. } => "CreateWallet",
            Command::CheckMnemonic { .. } => "CheckMnemonic",
            Command::RestoreWallet { .. } => "RestoreWallet",
            Command::SignInWithExtension { .. } => "SignInWithExtension",
            Command::ExtensionAnswer { .. } => "ExtensionAnswer",
            Command::ImportKey { .. } => "ImportKey",
            Command::ConnectBunker { .. } => "ConnectBunker",
            Command::StartNostrConnect => "StartNostrConnect",
            Command::AwaitNostrConnect { .. } => "AwaitNostrConnect",
            Command::CancelNostrConnect => "CancelNostrConnect",
            Command::WatchNpub { .. } => "WatchNpub",
            Command::ImportBackup { .. } => "ImportBackup",
            Command::ExportBackup { .. } => "ExportBackup",
            Command::Unlock { .. } => "Unlock",
            Command::Lock => "Lock",
            Command::Export { .. } => "Export",
            Command::ChangePassphrase { .. } => "ChangePassphrase",
            Command::SetAutoLock { .. } => "SetAutoLock",
        };
        write!(f, "Command::{name}(…)")
    }
}

/// What the user types to confirm deleting a profile.
pub const DELETE_CONFIRMATION: &str = "delete";

/// The most messages one [`Command::OpenConversation`] returns.
pub const MAX_MESSAGES_PAGE: usize = 200;

/// The most people a message goes to: each costs a gift wrap and a lookup
/// of their inbox relays (NIP-17 rooms are meant to be small).
pub const MAX_RECIPIENTS: usize = 100;
/// The most npubs one [`Command::GetNames`] answers for.
pub const MAX_NAMES: usize = 500;

/// The profile fields the user edits ([`Command::SetMyProfile`]); an empty
/// one is removed from the profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFields {
    pub name: String,
    pub display_name: String,
    pub about: String,
    /// A picture's web address.
    pub picture: String,
    /// A NIP-05 address, name@domain.
    pub nip05: String,
    /// A Lightning address, name@domain.
    pub lud16: String,
}

/// How long a new mnemonic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WordCount {
    Twelve,
    TwentyFour,
}

/// A secret the user can take out of the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportKind {
    /// The BIP39 words.
    Mnemonic,
    /// The NOSTR secret key, bech32 (`nsec1…`).
    Nsec,
    /// The NOSTR secret key encrypted with the passphrase (NIP-49, `ncryptsec1…`).
    Ncryptsec,
}

// ---------------------------------------------------------------------------
// Engine → app
// ---------------------------------------------------------------------------

/// Everything the engine sends to the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromEngine {
    /// The answer to the request with the same id.
    Response {
        id: RequestId,
        outcome: Result<Reply, EngineError>,
    },
    /// A state change the app did not ask for.
    Event(Event),
}

/// The successful answer to a [`Command`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Reply {
    Status {
        status: EngineStatus,
    },
    Identity {
        identity: Identity,
    },
    /// The profile now open in this tab, and who it belongs to.
    Opened {
        profile: String,
        identity: Identity,
    },
    Profiles {
        profiles: Vec<ProfileSummary>,
        current: Option<String>,
    },
    /// A mnemonic to show once, and which words (1-based) to ask back.
    NewMnemonic {
        words: Vec<String>,
        check_positions: Vec<usize>,
    },
    MnemonicCheck {
        problem: Option<MnemonicProblem>,
    },
    Exported {
        text: String,
    },
    /// A `nostrconnect://` code to show as a QR code and a link.
    NostrConnect {
        uri: String,
    },
    Conversations {
        messaging: MessagingState,
        conversations: Vec<ConversationSummary>,
    },
    /// Messages asked for by id, in the order asked; those not known are
    /// left out.
    Messages {
        messages: Vec<ChatMessage>,
    },
    /// A page of one conversation, oldest message first. `earlier`, when
    /// there are older messages, asks for the page before this one.
    Conversation {
        conversation: String,
        /// Its people but the user, and its subject, as far as known.
        members: Vec<String>,
        subject: Option<String>,
        messages: Vec<ChatMessage>,
        earlier: Option<MessageCursor>,
    },
    /// The message is kept and on its way; its `delivery` says how far.
    MessageSent {
        message: ChatMessage,
    },
    Person {
        person: Person,
    },
    /// Who the user follows, followed first as listed. `known` is false
    /// when no follow list was found yet (the relays not asked, or not
    /// reachable): an empty list then means "not known", not "nobody".
    Contacts {
        contacts: Vec<Person>,
        known: bool,
    },
    /// What a search found: people, and for an nevent, note or naddr, the
    /// event it points to (its author among `people`).
    Found {
        people: Vec<Person>,
        note: Option<NotePreview>,
    },
    /// The name to show for each npub asked, when one is known.
    Names {
        names: Vec<PersonName>,
    },
    Relays {
        relays: Vec<RelayView>,
    },
    RelayInfo {
        url: String,
        info: RelayInfo,
    },
    /// An encrypted backup file's contents (JSON; secrets stay sealed).
    Backup {
        file: String,
    },
    Invoice {
        invoice: InvoiceDetails,
    },
    Payee {
        offer: PayeeOffer,
    },
    /// The payee's invoice, checked, and what it asks for.
    PayeeInvoice {
        invoice: String,
        details: InvoiceDetails,
    },
    Ecash {
        wallet: EcashWallet,
    },
    MintQuote {
        quote: MintQuote,
    },
    /// `amount` sat of new eCash from `mint`.
    Minted {
        mint: String,
        amount: u64,
    },
    MeltQuote {
        quote: MeltQuote,
    },
    /// The invoice was paid: `amount` plus `fee` sat left the wallet; the
    /// rest of the fee reserve came back as change.
    Melted {
        amount: u64,
        fee: u64,
    },
    /// A token to hand over (`cashuB…`), worth `amount` sat to its
    /// receiver; `fee` sat went to the mint.
    Token {
        token: String,
        amount: u64,
        fee: u64,
    },
    TokenPreview {
        preview: TokenPreview,
    },
    /// `amount` sat, after the mint's fee, now in the wallet.
    Received {
        mint: String,
        amount: u64,
    },
    /// `amount` sat found again across the trusted mints.
    Restored {
        amount: u64,
    },
    EcashHistory {
        entries: Vec<EcashEntry>,
    },
    /// `None`: no name (or no account at this server).
    Name {
        name: Option<AccountName>,
    },
    /// Newest first.
    WalletConnections {
        connections: Vec<WalletConnection>,
    },
    /// `uri` carries the connection's secret, which the engine keeps
    /// nowhere: shown once, for the app being connected.
    WalletConnected {
        connection: WalletConnection,
        uri: String,
    },
    /// `None`: this server offers no account.
    Account {
        account: Option<LightningAccount>,
    },
    AccountInvoice {
        invoice: AccountInvoice,
    },
    /// `amount` sat arrived in the account.
    AccountReceived {
        amount: u64,
    },
    AccountQuote {
        quote: AccountQuote,
    },
    /// The payment as it stands: it may still be pending.
    AccountPayment {
        payment: AccountPayment,
    },
    /// `amount` sat arrived where they were moved to; `fee` sat went to
    /// Lightning on the way.
    Moved {
        amount: u64,
        fee: u64,
    },
    /// Newest first. `more`: older movements exist beyond `limit`.
    /// `problems` says why a wallet's movements are missing, when they are
    /// (the server unreachable, say).
    History {
        entries: Vec<HistoryEntry>,
        more: bool,
        problems: Vec<String>,
    },
    Done,
}

/// Whether private messages can be sent and received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum MessagingState {
    /// Locked, or no key to message with.
    Off,
    Connecting,
    /// Messages can be read and written. `connected` of the user's `relays`
    /// are in use; with none, new messages wait in the outbox. `dropped`
    /// counts what relays sent that was not a valid event (bad signature
    /// or id, unreadable, expired) and was thrown away.
    Ready {
        relays: Vec<String>,
        connected: usize,
        dropped: u64,
    },
    Failed {
        reason: String,
    },
}

/// One of the user's relays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayView {
    /// Normalised (`wss://relay.example.com`).
    pub url: String,
    /// Private messages are fetched there; it is one of the inbox relays.
    pub read: bool,
    /// What the user publishes goes there.
    pub write: bool,
    pub connection: RelayConnection,
    pub auth: RelayAuth,
}

/// A relay's connection, live.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum RelayConnection {
    /// Messaging is not running (locked, or no key to message with).
    Off,
    Connecting,
    Connected,
    Disconnected,
    /// The last attempt failed, for `reason` (as the connection reported
    /// it); it is tried again.
    Failed {
        reason: String,
    },
}

/// NIP-42: whether the relay asked the user to prove who they are, and how
/// that went on this connection. The engine answers by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelayAuth {
    NotAsked,
    Authenticated,
    Failed,
}

/// What a relay says about itself (NIP-11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelayInfo {
    pub name: Option<String>,
    pub description: Option<String>,
    pub contact: Option<String>,
    pub software: Option<String>,
    pub version: Option<String>,
    pub supported_nips: Vec<u16>,
    /// Only authenticated users (NIP-42) may use it.
    pub auth_required: bool,
    /// Only paying users may use it.
    pub payment_required: bool,
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub id: String,
    /// The conversation it belongs to ([`ConversationSummary::conversation`]).
    pub conversation: String,
    /// Who wrote it (npub).
    pub author: String,
    pub from_me: bool,
    pub text: String,
    /// The group's name from this message on, when it gives one (NIP-17
    /// `subject`).
    pub subject: Option<String>,
    /// Seconds since the Unix epoch, as the author wrote it.
    pub created_at: u64,
    /// A NIP-04 message (kind 4): legacy and less private, since relays see
    /// who wrote to whom and when. Read, never sent.
    pub legacy: bool,
    /// How far a message the user sent got: known for those sent in this
    /// session and those still in the outbox; `None` for the rest.
    pub delivery: Option<Delivery>,
}

/// Where a message the user sent stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Delivery {
    /// Being handed to the recipient's relays.
    Sending,
    /// No relay could be reached: kept in the outbox, and sent as soon as
    /// one can.
    Waiting,
    /// `accepted` of the recipient's `tried` inbox relays took it.
    Sent { accepted: usize, tried: usize },
    /// The relays refused it or the recipient cannot be reached: kept in the
    /// outbox until [`Command::RetryMessage`].
    Failed { reason: String },
}

/// Where a page of a conversation starts: the messages before this one
/// (conversations are ordered by time, then id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageCursor {
    pub created_at: u64,
    pub id: String,
}

/// A conversation in the list: who, the last word (and its time), and how
/// many of their messages came since the user last opened it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Names the conversation: the other person's npub, or for a group,
    /// `group-` and a digest of who is in it (a NIP-17 room is its people).
    pub conversation: String,
    /// Everyone in it but the user (npubs, sorted); just the user in notes
    /// to self.
    pub members: Vec<String>,
    /// The group's latest subject, if it was given one.
    pub subject: Option<String>,
    pub last: ChatMessage,
    pub unread: usize,
}

/// Someone's public profile (kind 0), as the app shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub npub: String,
    /// The npub with relays where they publish (NIP-19), to share.
    pub nprofile: String,
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub about: Option<String>,
    /// The picture's web address, as they wrote it.
    pub picture: Option<String>,
    pub nip05: Option<Nip05>,
    /// Their Lightning address (LUD-16).
    pub lud16: Option<String>,
    /// Whether the user follows them.
    pub followed: bool,
    /// Whether this is the user.
    pub me: bool,
    /// When their profile was written (seconds since the Unix epoch);
    /// `None` when no profile of theirs was found.
    pub updated_at: Option<u64>,
}

/// A NIP-05 address a profile claims, and whether its domain confirms it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nip05 {
    /// As people write it (`name@domain`, or `domain` for `_@domain`).
    pub address: String,
    pub status: Nip05Status,
}

/// Whether a NIP-05 address belongs to the key that claims it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Nip05Status {
    /// Not checked (yet): lists show what was checked before only.
    Unchecked,
    /// The domain names this key: show the badge.
    Verified,
    /// The domain names another key, or none: never show a badge.
    Mismatch,
    /// The domain could not be asked; `reason` says why.
    Failed { reason: String },
}

/// An event a pasted nevent, note or naddr points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotePreview {
    /// The event's nevent (or the naddr pasted), to share.
    pub code: String,
    pub kind: u16,
    pub author: String,
    /// The first few hundred characters of its content.
    pub preview: String,
    pub created_at: u64,
}

/// The name to show for `npub`: display name, else name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    pub npub: String,
    pub name: String,
}

/// The eCash wallet at a glance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcashWallet {
    pub mints: Vec<MintView>,
    /// Spendable sat across every mint.
    pub total: u64,
    /// Sat in tokens sent but not yet redeemed, or in payments in flight.
    pub pending: u64,
    pub default_mint: Option<String>,
    /// Mints suggested when the user has none (the dev mint in `--dev`).
    pub suggested_mints: Vec<String>,
    /// What went wrong while finishing interrupted operations, if anything:
    /// the money stays safe and is retried next time.
    pub problems: Vec<String>,
}

/// A trusted mint: what it says about itself (NUT-06), and the balance held.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintView {
    pub url: String,
    pub name: Option<String>,
    pub description: Option<String>,
    /// How to reach its operator (`method: info`).
    pub contact: Vec<String>,
    /// The NUT numbers it supports.
    pub nuts: Vec<u8>,
    pub units: Vec<String>,
    pub balance: u64,
    pub pending: u64,
}

/// A Lightning invoice that turns into eCash once paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintQuote {
    pub id: String,
    pub mint: String,
    pub amount: u64,
    pub invoice: String,
    /// Seconds since the Unix epoch after which the invoice is void.
    pub expiry: u64,
}

/// A Lightning invoice as read before paying it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDetails {
    /// `None`: the payer chooses how much.
    pub amount: Option<u64>,
    pub description: Option<String>,
    /// Seconds since the Unix epoch after which it cannot be paid.
    pub expiry: u64,
}

/// What a Lightning address or LNURL-pay code offers, as its server said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayeeOffer {
    /// What the user gave (the address or code).
    pub payee: String,
    /// The server that answered.
    pub host: String,
    /// The payee's own words (the metadata's `text/plain`).
    pub description: String,
    /// The address the metadata names (`text/identifier`), if any.
    pub identifier: Option<String>,
    /// The least and most it takes, in sat.
    pub min: u64,
    pub max: u64,
    /// How long a comment may be, in characters (0: none taken).
    pub comment_allowed: usize,
    /// Where the invoice is asked for, and the metadata its description
    /// hash must commit to.
    pub callback: String,
    pub metadata: String,
    /// Whether its server announces payments as zaps (NIP-57's
    /// `allowsNostr`), and the key its receipts are signed with (hex).
    /// A server that says it does but names no valid key does not.
    #[serde(default)]
    pub allows_nostr: bool,
    #[serde(default)]
    pub nostr_pubkey: Option<String>,
}

/// Who (and what) a zap is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Zap {
    /// The person zapped: their NOSTR key (hex or npub).
    pub recipient: String,
    /// The event zapped, if one is (hex or note/nevent).
    #[serde(default)]
    pub event: Option<String>,
}

/// What paying an invoice costs, before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeltQuote {
    pub id: String,
    pub mint: String,
    pub amount: u64,
    /// The most the Lightning fee can be; what is not used comes back.
    pub fee_reserve: u64,
    pub expiry: u64,
}

/// A token read before it is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPreview {
    pub mint: String,
    pub amount: u64,
    pub unit: String,
    pub memo: Option<String>,
    /// Whether the user already trusts its mint.
    pub known_mint: bool,
    /// Locked to a public key (NUT-11): only its holder can receive it.
    pub locked: bool,
}

/// One line of the eCash history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcashEntry {
    pub id: String,
    pub mint: String,
    pub kind: EcashKind,
    pub amount: u64,
    pub fee: u64,
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub state: EcashState,
    pub memo: Option<String>,
    /// For a token sent and not yet redeemed: what [`Command::ReclaimToken`]
    /// takes back and [`Command::ShowSentToken`] shows again.
    pub reclaim: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EcashKind {
    /// Lightning in (a paid mint quote).
    Mint,
    /// Lightning out (a paid invoice).
    Melt,
    Send,
    Receive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EcashState {
    Pending,
    Done,
    Failed,
}

/// An app connected to the account by Nostr Wallet Connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletConnection {
    /// The connection's public key (hex).
    pub pubkey: String,
    pub name: String,
    pub methods: Vec<String>,
    /// `None`: no limit.
    pub budget_sat: Option<u64>,
    /// daily, weekly, monthly or never.
    pub budget_renewal: String,
    /// Spent in the budget's current period, fees included.
    pub spent_sat: u64,
    pub expires_at: Option<i64>,
    pub created_at: i64,
    pub revoked: bool,
}

/// The user's name at this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountName {
    pub name: String,
    /// `name@host`: their Lightning address (LUD-16) and NOSTR address
    /// (NIP-05).
    pub address: String,
}

/// The user's Lightning account at this server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LightningAccount {
    /// Spendable sat (whole sats: a fraction of one is not spendable).
    pub balance: u64,
    /// Whether it pays and receives Lightning beyond this server (the
    /// server has a node); without, only other users of the server.
    pub lightning: bool,
}

/// An invoice that pays into the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInvoice {
    pub id: String,
    /// BOLT11.
    pub invoice: String,
    /// 0: the payer chooses.
    pub amount: u64,
    /// Seconds since the Unix epoch after which it cannot be paid.
    pub expiry: u64,
}

/// What paying an invoice from the account costs, before the user confirms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountQuote {
    pub invoice: String,
    pub amount: u64,
    /// The most the fee can be; what is not used comes back. 0 for another
    /// user of this server.
    pub fee_reserve: u64,
    /// Another user of this server: instant, no fee.
    pub internal: bool,
    pub description: Option<String>,
}

/// A payment from the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountPayment {
    pub id: String,
    pub amount: u64,
    /// The fee paid (0 while pending).
    pub fee: u64,
    pub state: EcashState,
    /// Why it failed, when it did (the money is back in the account).
    pub failure: Option<String>,
}

/// One movement of money, in the account or in eCash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub id: String,
    pub wallet: WalletKind,
    pub kind: MovementKind,
    pub amount: u64,
    pub fee: u64,
    /// Seconds since the Unix epoch.
    pub time: u64,
    pub state: EcashState,
    pub memo: Option<String>,
    /// For a token sent and not yet redeemed: what [`Command::ReclaimToken`]
    /// takes back and [`Command::ShowSentToken`] shows again.
    pub reclaim: Option<String>,
}

/// Which way a movement went, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MovementKind {
    /// An invoice paid to the user (to the account, or a mint's quote).
    LightningIn,
    /// An invoice the user paid.
    LightningOut,
    /// An eCash token received.
    TokenIn,
    /// An eCash token sent.
    TokenOut,
}

impl From<EcashKind> for MovementKind {
    fn from(kind: EcashKind) -> Self {
        match kind {
            EcashKind::Mint => Self::LightningIn,
            EcashKind::Melt => Self::LightningOut,
            EcashKind::Receive => Self::TokenIn,
            EcashKind::Send => Self::TokenOut,
        }
    }
}

/// Where a movement's money was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "wallet")]
pub enum WalletKind {
    /// The Lightning account at this server.
    Account,
    /// eCash of this mint.
    Ecash { mint: String },
}

/// One profile in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileSummary {
    pub id: String,
    /// Who it belongs to, if onboarding got that far.
    pub npub: Option<String>,
}

/// Who the user is, as far as the app may know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Identity {
    /// The profile is open in another tab; taking it over closes it there.
    Elsewhere,
    /// No wallet in this browser yet: onboarding.
    None,
    /// A vault exists and is closed.
    Locked { npub: Option<String> },
    /// Keys are available to the engine.
    Unlocked {
        npub: String,
        signer: SignerKind,
        has_seed: bool,
        auto_lock_minutes: u32,
    },
}

/// Who signs for the user's NOSTR key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignerKind {
    /// A key derived from the seed (NIP-06) or imported, held in the vault.
    Local,
    /// A NIP-07 browser extension; the engine never sees the key.
    Extension,
    /// A NIP-46 remote signer ("bunker"); the engine never sees the key.
    RemoteSigner,
    /// No key at all: an npub followed read-only.
    ReadOnly,
}

/// What is wrong with a typed mnemonic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum MnemonicProblem {
    WrongLength { count: usize },
    UnknownWords { words: Vec<UnknownWord> },
    BadChecksum,
}

/// A word that is not in the BIP39 list, with likely intended words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownWord {
    /// 1-based position in the phrase.
    pub position: usize,
    pub word: String,
    pub suggestions: Vec<String>,
}

/// State changes the engine pushes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Event {
    /// The engine is listening: requests sent from now on are answered.
    Started,
    /// The engine's status changed.
    Status { status: EngineStatus },
    /// A message from the app could not be read, so it has no id to answer.
    Rejected { error: EngineError },
    /// The engine needs the page's NIP-07 extension (`window.nostr`, which
    /// a worker cannot reach) for the user's key; answer with
    /// [`Command::ExtensionAnswer`].
    ExtensionRequest {
        request_id: u32,
        call: ExtensionCall,
    },
    /// The identity changed without a request (e.g. auto-lock).
    Identity { identity: Identity },
    /// A private message arrived (or the copy of one the user sent), or the
    /// delivery of one the user sent changed: which one. The page asks for
    /// what it shows ([`Command::GetMessages`], [`Command::OpenConversation`]),
    /// so no message's text leaves the engine unasked.
    Message { conversation: String, id: String },
    /// The relays' state for messaging changed.
    Messaging { state: MessagingState },
    /// The user's relays changed, or how one of them is connected.
    Relays { relays: Vec<RelayView> },
    /// The eCash wallet changed without a request (e.g. a token reclaimed).
    Ecash { wallet: EcashWallet },
    /// A NUT-13 restore reached `done` of `of` mints, `amount` sat found so far.
    Restoring { done: usize, of: usize, amount: u64 },
    /// The Lightning account changed (see [`Command::WatchAccount`]).
    Account { account: LightningAccount },
}

/// What the engine asks of the page's NIP-07 extension; each answers a
/// string.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum ExtensionCall {
    /// `signEvent` of `event` (JSON of an unsigned event): the signed
    /// event's JSON, which the engine verifies.
    SignEvent { event: String },
    /// `nip44.encrypt(pubkey, plaintext)`.
    Nip44Encrypt { pubkey: String, plaintext: String },
    /// `nip44.decrypt(pubkey, ciphertext)`.
    Nip44Decrypt { pubkey: String, ciphertext: String },
    /// `nip04.encrypt(pubkey, plaintext)`.
    Nip04Encrypt { pubkey: String, plaintext: String },
    /// `nip04.decrypt(pubkey, ciphertext)`.
    Nip04Decrypt { pubkey: String, ciphertext: String },
}

/// Redacted: a call may carry a private message's text.
impl std::fmt::Debug for ExtensionCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            ExtensionCall::SignEvent { .. } => "SignEvent",
            ExtensionCall::Nip44Encrypt { .. } => "Nip44Encrypt",
            ExtensionCall::Nip44Decrypt { .. } => "Nip44Decrypt",
            ExtensionCall::Nip04Encrypt { .. } => "Nip04Encrypt",
            ExtensionCall::Nip04Decrypt { .. } => "Nip04Decrypt",
        };
        write!(f, "ExtensionCall::{name}(…)")
    }
}

/// Where the engine is in its life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum EngineStatus {
    Starting,
    Ready {
        version: String,
    },
    /// The engine cannot work; `message` says why in words a user can act on.
    Failed {
        message: String,
    },
}

/// Why the engine could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum EngineError {
    #[error("the engine could not read a message from the app: {reason}")]
    MalformedMessage { reason: String },
    #[error("{message}")]
    BadMnemonic {
        problem: MnemonicProblem,
        message: String,
    },
    #[error("those are not the words at the positions asked: check your written copy")]
    BackupMismatch,
    #[error("wrong passphrase{}", retry_hint(*retry_in_ms))]
    WrongPassphrase { retry_in_ms: u64 },
    #[error("too many wrong passphrases: try again in {} s", retry_in_ms.div_ceil(1000))]
    TooSoon { retry_in_ms: u64 },
    #[error("the wallet is locked: unlock it first")]
    Locked,
    #[error("there is already a wallet in this browser")]
    AlreadyExists,
    #[error("there is no wallet in this browser yet")]
    NoWallet,
    #[error("the extension refused or failed: {reason}")]
    Extension { reason: String },
    #[error("{reason}")]
    RemoteSigner { reason: String },
    #[error("{reason}")]
    Messaging { reason: String },
    /// An eCash operation failed; `message` says what happened to the money
    /// (always: nothing was lost).
    #[error("{message}")]
    Ecash { message: String },
    /// The token's mint is not trusted yet: ask before receiving.
    #[error("this token is from {mint}, a mint you have not used before")]
    UnknownMint { mint: String },
    /// Not enough eCash at `mint` for what was asked: the user can fund it
    /// or ask for less.
    #[error("not enough eCash at {mint}: {available} sat available")]
    InsufficientFunds { mint: String, available: u64 },
    /// A mint could not be reached, or took too long; nothing was lost and
    /// the user can try again later.
    #[error("{message}")]
    MintUnreachable { message: String },
    /// The account's server refused or failed; `code` is what the app
    /// branches on (`insufficient_balance`, `invoice_expired`,
    /// `unreachable`, …), `message` says it in words, and what happened to
    /// the money (nothing was lost).
    #[error("{message}")]
    Account { code: String, message: String },
    /// A Lightning address or LNURL could not be paid; `code` says why
    /// (`not_a_payee`, `amount_out_of_bounds`, `comment_too_long`,
    /// `refused`, `invoice_mismatch`, `zaps_not_taken`, …). Nothing was
    /// paid.
    #[error("{message}")]
    Payee { code: String, message: String },
    #[error("{message}")]
    Invalid { message: String },
    #[error("the browser's storage failed: {message}")]
    Storage { message: String },
}

fn retry_hint(retry_in_ms: u64) -> String {
    match retry_in_ms {
        0 => String::new(),
        ms => format!(": try again in {} s", ms.div_ceil(1000)),
    }
}

// ---------------------------------------------------------------------------
// Wire format
// ---------------------------------------------------------------------------

/// Why a message could not be read.
#[derive(Debug, thiserror::Error)]
#[error("malformed protocol message: {0}")]
pub struct DecodeError(#[from] serde_json::Error);

/// Serialises a protocol message for `postMessage`.
pub fn encode<T: Serialize>(message: &T) -> String {
    // The protocol types are plain data (no maps with non-string keys, no
    // failing Serialize impls), so serde_json cannot fail on them.
    serde_json::to_string(message)
        .unwrap_or_else(|error| unreachable!("protocol types always serialise: {error}"))
}

/// Reads a protocol message received from `postMessage`.
pub fn decode<'a, T: Deserialize<'a>>(text: &'a str) -> Result<T, DecodeError> {
    Ok(serde_json::from_str(text)?)
}
