//! Choosing where money comes from or goes to: the Lightning account at
//! this server, or the eCash of one of the user's mints.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::use_engine;

/// A wallet the user picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wallet {
    /// Nothing to pick from yet.
    None,
    Account,
    Mint(String),
}

/// The value of the account's option: mint URLs always have a scheme.
const ACCOUNT: &str = "account";

impl Wallet {
    fn value(&self) -> String {
        match self {
            Wallet::None => String::new(),
            Wallet::Account => ACCOUNT.to_owned(),
            Wallet::Mint(url) => url.clone(),
        }
    }

    fn from_value(value: &str) -> Self {
        match value {
            "" => Wallet::None,
            ACCOUNT => Wallet::Account,
            url => Wallet::Mint(url.to_owned()),
        }
    }
}

/// A select of the account (first, and chosen, when this server offers
/// one) and the trusted mints, each with its balance.
#[component]
pub fn WalletPicker(
    /// "Pay from", "Receive into".
    label: &'static str,
    wallet: RwSignal<Wallet>,
) -> impl IntoView {
    let engine = use_engine();
    engine.refresh_ecash();
    engine.refresh_account();
    let ecash = engine.ecash();
    let account = engine.account();
    // Starts on the account, else the default mint; keeps the user's pick
    // while it is still there.
    Effect::new(move |_| {
        let account = account.get().flatten();
        let mints = ecash.get().map(|wallet| wallet.mints).unwrap_or_default();
        let still_there = match wallet.get_untracked() {
            Wallet::None => false,
            Wallet::Account => account.is_some(),
            Wallet::Mint(url) => mints.iter().any(|mint| mint.url == url),
        };
        if !still_there {
            let default_mint = ecash
                .get_untracked()
                .and_then(|wallet| wallet.default_mint)
                .or_else(|| mints.first().map(|mint| mint.url.clone()));
            wallet.set(match (account, default_mint) {
                (Some(_), _) => Wallet::Account,
                (None, Some(url)) => Wallet::Mint(url),
                (None, None) => Wallet::None,
            });
        }
    });
    move || {
        let account = account.get().flatten();
        let mints = ecash.get().map(|wallet| wallet.mints).unwrap_or_default();
        if account.is_none() && mints.is_empty() {
            return view! {
                <p class="hint" data-testid="no-mint">"You have no mint yet. " <A href="/mints">"Add a mint"</A> " to use eCash."</p>
            }.into_any();
        }
        view! {
            <label class="field">
                <span>{label}</span>
                <select name="wallet" on:change=move |event| wallet.set(Wallet::from_value(&event_target_value(&event)))
                    prop:value=move || wallet.get().value()>
                    {account.map(|account| view! {
                        <option value=ACCOUNT>{format!("Lightning account · {} sat", account.balance)}</option>
                    })}
                    {mints.into_iter().map(|mint| {
                        let label = format!("eCash · {} · {} sat", mint.name.clone().unwrap_or_else(|| mint.url.clone()), mint.balance);
                        view! { <option value=mint.url.clone()>{label}</option> }
                    }).collect_view()}
                </select>
            </label>
        }.into_any()
    }
}
