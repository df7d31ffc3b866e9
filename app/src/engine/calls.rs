//! One typed call per request: each sends its [`Command`] and reads the one
//! [`Reply`] it expects, so a screen gets the data it asked for, and any
//! other answer becomes [`RequestError::Unexpected`], shown to the user,
//! instead of a `match` at the call site that drops it.

use std::future::Future;

use flash_protocol::{
    AccountInvoice, ChatMessage, Command, ConversationSummary, HistoryEntry, MessageCursor,
    MintQuote, MnemonicProblem, NotePreview, Person, PersonName, ProfileFields, RelayInfo, Reply,
    TokenPreview, WordCount,
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
        call!(self, Command::SendMessage { to, text, subject },
            Reply::MessageSent { message } => message)
    }

    /// Reads an eCash token without receiving it.
    pub async fn inspect_token(self, token: String) -> Result<TokenPreview, RequestError> {
        call!(self, Command::InspectToken { token }, Reply::TokenPreview { preview } => preview)
    }

    /// Receives an eCash token; the sat received.
    pub async fn receive_token(self, token: String, trust_mint: bool) -> Result<u64, RequestError> {
        call!(self, Command::ReceiveToken { token, trust_mint },
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
            Reply::Token { token, amount, fee } => SentToken { token, amount, fee })
    }

    /// Shows again a token sent and not yet redeemed.
    pub async fn show_sent_token(
        self,
        mint: String,
        send: String,
    ) -> Result<SentToken, RequestError> {
        call!(self, Command::ShowSentToken { mint, send },
            Reply::Token { token, amount, fee } => SentToken { token, amount, fee })
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
    ) -> Result<(Vec<String>, Vec<usize>), RequestError> {
        call!(self, Command::NewMnemonic { words },
            Reply::NewMnemonic { words, check_positions } => (words, check_positions))
    }

    /// What is wrong with typed recovery words, if anything.
    pub async fn check_mnemonic(
        self,
        phrase: String,
    ) -> Result<Option<MnemonicProblem>, RequestError> {
        call!(self, Command::CheckMnemonic { phrase }, Reply::MnemonicCheck { problem } => problem)
    }
}
