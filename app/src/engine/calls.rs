//! One typed call per request: each sends its [`Command`] and reads the one
//! [`Reply`] it expects, so a screen gets the data it asked for, and any
//! other answer becomes [`RequestError::Unexpected`], shown to the user,
//! instead of a `match` at the call site that drops it.

use std::future::Future;

use flash_protocol::{
    AccountInvoice, AccountName, AccountPayment, AccountQuote, ChatMessage, Command,
    ConversationSummary, ExportKind, HistoryEntry, InvoiceDetails, MeltQuote, MessageCursor,
    MintQuote, MnemonicProblem, NotePreview, PayeeOffer, Person, PersonName, ProfileFields,
    ProfileSummary, RelayInfo, Reply, Secret, TokenPreview, WalletConnection, WordCount, Zap,
};
use leptos::prelude::*;

use super::{use_engine, Engine, RequestError};

/// Sends `$command` through `$engine` and reads the answer `$pattern`.
macro_rules! call {
    ($engine:expr, $command:expr, $pattern:pat => $value:expr) => {
        match $engine.request($command).await? {
            $pattern => Ok($value),
            other => Err(RequestError::unexpected(&other)),
        }
    };
}

/// A typed call made on demand (a button, a form), with its pending state
/// and its last answer for the view to show.
pub type CallAction<I, T> = Action<I, Result<T, RequestError>>;

/// Builds a [`CallAction`] that runs `call(engine, input)` when dispatched.
pub fn call_action<I, T, Fut>(call: impl Fn(Engine, &I) -> Fut + 'static) -> CallAction<I, T>
where
    I: Send + Sync + 'static,
    T: Send + Sync + 'static,
    Fut: Future<Output = Result<T, RequestError>> + 'static,
{
    let engine = use_engine();
    Action::new_unsync(move |input: &I| call(engine, input))
}

/// A page of a conversation, oldest first.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationPage {
    pub messages: Vec<ChatMessage>,
    /// Where the page before this one starts, if there is one.
    pub earlier: Option<MessageCursor>,
    pub subject: Option<String>,
}

/// A created (or shown again) eCash token.
#[derive(Debug, Clone, PartialEq)]
pub struct SentToken {
    pub token: String,
    pub amount: u64,
    pub fee: u64,
}

impl Engine {
    /// Someone's profile, as stored, or as the relays say if `refresh`.
    pub async fn person(self, who: String, refresh: bool) -> Result<Person, RequestError> {
        call!(self, Command::GetPerson { who, refresh }, Reply::Person { person } => person)
    }

    /// Follows (or unfollows) someone; their profile as it is then.
    pub async fn set_followed(self, who: String, follow: bool) -> Result<Person, RequestError> {
        let command = if follow {
            Command::AddContact { who }
        } else {
            Command::RemoveContact { who }
        };
        call!(self, command, Reply::Person { person } => person)
    }

    /// The user's own profile, as stored, or as the relays say if `refresh`.
    pub async fn my_profile(self, refresh: bool) -> Result<Person, RequestError> {
        call!(self, Command::GetMyProfile { refresh }, Reply::Person { person } => person)
    }

    /// Publishes the user's profile; it as published.
    pub async fn set_my_profile(self, profile: ProfileFields) -> Result<Person, RequestError> {
        call!(self, Command::SetMyProfile { profile }, Reply::Person { person } => person)
    }

    /// Who the user follows, and whether their follow list was found.
    pub async fn contacts(self, refresh: bool) -> Result<(Vec<Person>, bool), RequestError> {
        call!(self, Command::ListContacts { refresh },
            Reply::Contacts { contacts, known } => (contacts, known))
    }

    /// The people (and the note) a search names.
    pub async fn find_people(
        self,
        query: String,
    ) -> Result<(Vec<Person>, Option<NotePreview>), RequestError> {
        call!(self, Command::FindPeople { query }, Reply::Found { people, note } => (people, note))
    }

    /// The names known for `npubs` (at most [`flash_protocol::MAX_NAMES`]).
    pub async fn names(self, npubs: Vec<String>) -> Result<Vec<PersonName>, RequestError> {
        call!(self, Command::GetNames { npubs }, Reply::Names { names } => names)
    }

    /// What a relay says about itself (NIP-11).
    pub async fn relay_info(self, url: String) -> Result<RelayInfo, RequestError> {
        call!(self, Command::GetRelayInfo { url }, Reply::RelayInfo { info, .. } => info)
    }

    /// The user's conversations, latest first.
    pub async fn conversations(self) -> Result<Vec<ConversationSummary>, RequestError> {
        call!(self, Command::ListConversations,
            Reply::Conversations { conversations, .. } => conversations)
    }

    /// A page of `limit` messages of a conversation, before `before`.
    pub async fn conversation(
        self,
        conversation: String,
        before: Option<MessageCursor>,
        limit: usize,
    ) -> Result<ConversationPage, RequestError> {
        call!(self, Command::OpenConversation { conversation, before, limit },
            Reply::Conversation { messages, earlier, subject, .. }
                => ConversationPage { messages, earlier, subject })
    }

    /// Sends a private message; it as the engine keeps it.
    pub async fn send_message(
        self,
        to: Vec<String>,
        text: String,
        subject: Option<String>,
    ) -> Result<ChatMessage, RequestError> {
        call!(self, Command::SendMessage { to, text: text.into(), subject },
            Reply::MessageSent { message } => message)
    }

    /// Reads an eCash token without receiving it.
    pub async fn inspect_token(self, token: String) -> Result<TokenPreview, RequestError> {
        call!(self, Command::InspectToken { token: token.into() },
            Reply::TokenPreview { preview } => preview)
    }

    /// Receives an eCash token; the sat received.
    pub async fn receive_token(self, token: String, trust_mint: bool) -> Result<u64, RequestError> {
        call!(self, Command::ReceiveToken { token: token.into(), trust_mint },
            Reply::Received { amount, .. } => amount)
    }

    /// Creates an eCash token of `amount` sat from `mint`.
    pub async fn send_token(
        self,
        mint: String,
        amount: u64,
        lock_to: Option<String>,
    ) -> Result<SentToken, RequestError> {
        call!(self, Command::SendToken { mint, amount, lock_to },
            Reply::Token { token, amount, fee }
                => SentToken { token: token.expose().to_owned(), amount, fee })
    }

    /// Shows again a token sent and not yet redeemed.
    pub async fn show_sent_token(
        self,
        mint: String,
        send: String,
    ) -> Result<SentToken, RequestError> {
        call!(self, Command::ShowSentToken { mint, send },
            Reply::Token { token, amount, fee }
                => SentToken { token: token.expose().to_owned(), amount, fee })
    }

    /// The history, at most `limit` entries; whether there are more; and
    /// what could not be read.
    pub async fn history(
        self,
        limit: u32,
    ) -> Result<(Vec<HistoryEntry>, bool, Vec<String>), RequestError> {
        call!(self, Command::History { limit },
            Reply::History { entries, more, problems } => (entries, more, problems))
    }

    /// An invoice from `mint` for `amount` sat of eCash.
    pub async fn request_mint(self, mint: String, amount: u64) -> Result<MintQuote, RequestError> {
        call!(self, Command::RequestMint { mint, amount }, Reply::MintQuote { quote } => quote)
    }

    /// Waits until a mint quote is paid and its eCash issued; the sat minted.
    pub async fn await_mint(self, mint: String, quote: String) -> Result<u64, RequestError> {
        call!(self, Command::AwaitMint { mint, quote }, Reply::Minted { amount, .. } => amount)
    }

    /// An invoice paying `amount` sat into the Lightning account.
    pub async fn account_invoice(
        self,
        amount: u64,
        description: String,
    ) -> Result<AccountInvoice, RequestError> {
        call!(self, Command::CreateAccountInvoice { amount, description },
            Reply::AccountInvoice { invoice } => invoice)
    }

    /// Waits until an account invoice is paid; the sat received.
    pub async fn await_account_invoice(self, id: String) -> Result<u64, RequestError> {
        call!(self, Command::AwaitAccountInvoice { id },
            Reply::AccountReceived { amount } => amount)
    }

    /// Fresh recovery words, and the positions the user must type back.
    pub async fn new_mnemonic(
        self,
        words: WordCount,
    ) -> Result<(Vec<Secret>, Vec<usize>), RequestError> {
        call!(self, Command::NewMnemonic { words },
            Reply::NewMnemonic { words, check_positions } => (words, check_positions))
    }

    /// What is wrong with typed recovery words, if anything.
    pub async fn check_mnemonic(
        self,
        phrase: String,
    ) -> Result<Option<MnemonicProblem>, RequestError> {
        call!(self, Command::CheckMnemonic { phrase: phrase.into() },
            Reply::MnemonicCheck { problem } => problem)
    }

    /// Moves `amount` sat between the account and `mint`'s eCash, the way
    /// `to_ecash` says; the sat moved and the fee.
    pub async fn move_money(
        self,
        to_ecash: bool,
        mint: String,
        amount: u64,
    ) -> Result<(u64, u64), RequestError> {
        let command = if to_ecash {
            Command::MoveToEcash { mint, amount }
        } else {
            Command::MoveToAccount { mint, amount }
        };
        call!(self, command, Reply::Moved { amount, fee } => (amount, fee))
    }

    /// Asks each mint for the eCash the recovery words made; the sat found.
    pub async fn restore_ecash(self) -> Result<u64, RequestError> {
        call!(self, Command::RestoreEcash, Reply::Restored { amount } => amount)
    }

    /// The profiles in this browser, and the one open.
    pub async fn profiles(self) -> Result<(Vec<ProfileSummary>, Option<String>), RequestError> {
        call!(self, Command::ListProfiles, Reply::Profiles { profiles, current } => (profiles, current))
    }

    /// Deletes a profile, `confirmation` typed by the user; the profiles left.
    pub async fn delete_profile(
        self,
        profile: String,
        confirmation: String,
    ) -> Result<(Vec<ProfileSummary>, Option<String>), RequestError> {
        call!(self, Command::DeleteProfile { profile, confirmation },
            Reply::Profiles { profiles, current } => (profiles, current))
    }

    /// The user's name at this server, if they have one.
    pub async fn name(self) -> Result<Option<AccountName>, RequestError> {
        call!(self, Command::GetName, Reply::Name { name } => name)
    }

    /// Takes `name` at this server; the name as it is then.
    pub async fn set_name(self, name: String) -> Result<Option<AccountName>, RequestError> {
        call!(self, Command::SetName { name }, Reply::Name { name } => name)
    }

    /// Gives the user's name at this server up.
    pub async fn release_name(self) -> Result<Option<AccountName>, RequestError> {
        call!(self, Command::ReleaseName, Reply::Name { name } => name)
    }

    /// The apps connected to the wallet (NIP-47).
    pub async fn wallet_connections(self) -> Result<Vec<WalletConnection>, RequestError> {
        call!(self, Command::ListWalletConnections,
            Reply::WalletConnections { connections } => connections)
    }

    /// Connects an app; the connection and the link that gives it to the app.
    pub async fn connect_wallet(
        self,
        name: String,
        methods: Vec<String>,
        budget_sat: Option<u64>,
        budget_renewal: String,
        expires_at: Option<i64>,
    ) -> Result<(WalletConnection, String), RequestError> {
        let command = Command::ConnectWallet {
            name,
            methods,
            budget_sat,
            budget_renewal,
            expires_at,
        };
        call!(self, command,
            Reply::WalletConnected { connection, uri } => (connection, uri.expose().to_owned()))
    }

    /// Disconnects an app; the connections left.
    pub async fn revoke_wallet_connection(
        self,
        pubkey: String,
    ) -> Result<Vec<WalletConnection>, RequestError> {
        call!(self, Command::RevokeWalletConnection { pubkey },
            Reply::WalletConnections { connections } => connections)
    }

    /// Seals the vault with a new passphrase.
    pub async fn change_passphrase(self, old: String, new: String) -> Result<(), RequestError> {
        call!(self, Command::ChangePassphrase { old: old.into(), new: new.into() },
            Reply::Done => ())
    }

    /// A secret, after the passphrase is typed again.
    pub async fn export(
        self,
        secret: ExportKind,
        passphrase: String,
    ) -> Result<String, RequestError> {
        call!(self, Command::Export { secret, passphrase: passphrase.into() },
            Reply::Exported { text } => text.expose().to_owned())
    }

    /// The whole profile as an encrypted backup file.
    pub async fn export_backup(self, passphrase: String) -> Result<String, RequestError> {
        call!(self, Command::ExportBackup { passphrase: passphrase.into() },
            Reply::Backup { file } => file)
    }

    /// What a Lightning invoice asks for.
    pub async fn decode_invoice(self, invoice: String) -> Result<InvoiceDetails, RequestError> {
        call!(self, Command::DecodeInvoice { invoice }, Reply::Invoice { invoice } => invoice)
    }

    /// What a Lightning address or LNURL-pay code's server offers.
    pub async fn read_payee(self, payee: String) -> Result<PayeeOffer, RequestError> {
        call!(self, Command::ReadPayee { payee }, Reply::Payee { offer } => offer)
    }

    /// A payee's invoice for `amount` sat, checked by the engine.
    pub async fn payee_invoice(
        self,
        offer: PayeeOffer,
        amount: u64,
        comment: String,
        zap: Option<Zap>,
    ) -> Result<String, RequestError> {
        call!(self, Command::RequestPayeeInvoice { offer, amount, comment, zap },
            Reply::PayeeInvoice { invoice, .. } => invoice)
    }

    /// What paying `invoice` from `mint`'s eCash costs.
    pub async fn quote_melt(
        self,
        mint: String,
        invoice: String,
        amount: Option<u64>,
    ) -> Result<MeltQuote, RequestError> {
        call!(self, Command::QuoteMelt { mint, invoice, amount }, Reply::MeltQuote { quote } => quote)
    }

    /// Pays a melt quote; the sat paid and the fee.
    pub async fn melt(self, mint: String, quote: String) -> Result<(u64, u64), RequestError> {
        call!(self, Command::Melt { mint, quote }, Reply::Melted { amount, fee } => (amount, fee))
    }

    /// What paying `invoice` from the account costs.
    pub async fn quote_account_payment(
        self,
        invoice: String,
        amount: Option<u64>,
    ) -> Result<AccountQuote, RequestError> {
        call!(self, Command::QuoteAccountPayment { invoice, amount },
            Reply::AccountQuote { quote } => quote)
    }

    /// Pays `invoice` from the account.
    pub async fn pay_from_account(
        self,
        invoice: String,
        amount: Option<u64>,
    ) -> Result<AccountPayment, RequestError> {
        call!(self, Command::PayFromAccount { invoice, amount },
            Reply::AccountPayment { payment } => payment)
    }

    /// A `nostrconnect://` link for a signer app to answer.
    pub async fn start_nostr_connect(self) -> Result<String, RequestError> {
        call!(self, Command::StartNostrConnect,
            Reply::NostrConnect { uri } => uri.expose().to_owned())
    }
}
