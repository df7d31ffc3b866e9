//! What the engine answers, one marked section per capability, as in
//! [`crate::Command`].

use serde::{Deserialize, Serialize};

use crate::*;

/// The successful answer to a [`Command`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Reply {
    // -- Engine -------------------------------------------------------------
    Status {
        status: EngineStatus,
    },
    Done,

    // -- Profiles -----------------------------------------------------------
    /// The profile now open in this tab, and who it belongs to.
    Opened {
        profile: String,
        identity: Identity,
    },
    Profiles {
        profiles: Vec<ProfileSummary>,
        current: Option<String>,
    },

    // -- Vault and identity -------------------------------------------------
    Identity {
        identity: Identity,
    },
    /// A mnemonic to show once, and which words (1-based) to ask back.
    NewMnemonic {
        words: Vec<Secret>,
        check_positions: Vec<usize>,
    },
    MnemonicCheck {
        problem: Option<MnemonicProblem>,
    },
    Exported {
        text: Secret,
    },
    /// An encrypted backup file's contents (JSON; secrets stay sealed).
    Backup {
        file: String,
    },
    /// A `nostrconnect://` code to show as a QR code and a link.
    NostrConnect {
        uri: Secret,
    },

    // -- Messaging ----------------------------------------------------------
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

    // -- Profiles and contacts ----------------------------------------------
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

    // -- Relays -------------------------------------------------------------
    Relays {
        relays: Vec<RelayView>,
    },
    RelayInfo {
        url: String,
        info: RelayInfo,
    },

    // -- Lightning invoices -------------------------------------------------
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

    // -- eCash --------------------------------------------------------------
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
        token: Secret,
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

    // -- Lightning account --------------------------------------------------
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
        uri: Secret,
    },
    /// `amount` sat arrived where they were moved to; `fee` sat went to
    /// Lightning on the way.
    Moved {
        amount: u64,
        fee: u64,
    },

    // -- History ------------------------------------------------------------
    /// Newest first. `more`: older movements exist beyond `limit`.
    /// `problems` says why a wallet's movements are missing, when they are
    /// (the server unreachable, say).
    History {
        entries: Vec<HistoryEntry>,
        more: bool,
        problems: Vec<String>,
    },
}
