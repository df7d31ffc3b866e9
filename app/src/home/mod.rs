//! Home: who you are, balances at a glance, and the ways in and out.

mod history;
mod moves;

use flash_protocol::{Identity, SignerKind};
use leptos::prelude::*;
use leptos_router::components::A;

use crate::engine::use_engine;
use crate::ui::{CreateWallet, Npub, Screen};

#[component]
pub fn Home() -> impl IntoView {
    let identity = use_engine().identity();
    let unlocked = move || match identity.get() {
        Some(Identity::Unlocked {
            npub,
            has_seed,
            signer,
            ..
        }) => Some((npub, has_seed, signer)),
        _ => None,
    };
    view! {
        <Screen title="Home">
            {move || unlocked().map(|(npub, has_seed, signer)| view! {
                <Npub npub/>
                {match (signer, has_seed) {
                    (SignerKind::ReadOnly, _) => Some(view! {
                        <p class="hint" data-testid="read-only">"Read-only: this profile watches an npub and cannot sign or spend."</p>
                    }.into_any()),
                    (_, false) => Some(view! { <NeedsSeed/> }.into_any()),
                    (_, true) => None,
                }}
            })}
            <Balance/>
            <div class="actions">
                <A href="/send" attr:class="button">"Send"</A>
                <A href="/receive" attr:class="button">"Receive"</A>
            </div>
            <moves::Moves/>
            {move || unlocked().is_some_and(|(_, _, signer)| signer != SignerKind::ReadOnly).then(|| view! { <history::History/> })}
        </Screen>
    }
}

/// The money at a glance: the Lightning account and the eCash across
/// mints (with what is still pending), and their total.
#[component]
fn Balance() -> impl IntoView {
    let engine = use_engine();
    let identity = engine.identity();
    Effect::new(move |_| match identity.get() {
        Some(Identity::Unlocked {
            has_seed, signer, ..
        }) if signer != SignerKind::ReadOnly => {
            engine.refresh_account();
            if has_seed {
                engine.refresh_ecash();
            }
        }
        _ => {}
    });
    let wallet = engine.ecash();
    let account = engine.account();
    let total = move || {
        wallet.get().map_or(0, |wallet| wallet.total)
            + account.get().flatten().map_or(0, |account| account.balance)
    };
    view! {
        <section class="card balance" aria-label="Balance">
            <p class="muted">"Total balance"</p>
            <p class="amount" data-testid="balance">
                {total} " " <span class="unit">"sats"</span>
            </p>
            {move || account.get().flatten().map(|account| view! {
                <p class="hint" data-testid="account-balance">{format!("Lightning account: {} sat", account.balance)}</p>
            })}
            {move || wallet.get().map(|wallet| view! {
                <p class="hint" data-testid="ecash-balance">{format!("eCash: {} sat", wallet.total)}</p>
                {(wallet.pending > 0).then(|| view! {
                    <p class="hint" data-testid="pending">{format!("{} sat pending", wallet.pending)}</p>
                })}
                {wallet.problems.into_iter().map(|problem| view! { <p class="hint warning">{problem}</p> }).collect_view()}
                <p class="hint">
                    <A href="/mints">{match wallet.mints.len() {
                        0 => "Add a mint to use eCash".to_owned(),
                        1 => "1 mint".to_owned(),
                        count => format!("{count} mints"),
                    }}</A>
                </p>
            })}
        </section>
    }
}

/// Signed in with an extension: messaging works, the wallet needs a seed.
#[component]
fn NeedsSeed() -> impl IntoView {
    let creating = RwSignal::new(false);
    view! {
        {move || if creating.get() {
            view! { <CreateWallet on_back=Callback::new(move |()| creating.set(false))/> }.into_any()
        } else {
            view! {
                <section class="card">
                    <h2>"Your wallet needs a seed"</h2>
                    <p class="muted">"Your extension signs your messages; Bitcoin, Lightning and eCash need recovery words of their own."</p>
                    <button class="button" on:click=move |_| creating.set(true)>"Create wallet seed"</button>
                </section>
            }.into_any()
        }}
    }
}
