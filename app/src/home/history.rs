//! One history of the user's money: the Lightning account's movements and
//! eCash's (every mint, melt, send and receive), newest first; a token sent
//! and not yet redeemed can be shown again (to pass it on after all) or
//! taken back.

use flash_protocol::{
    Command, EcashState, HistoryEntry, MovementKind, Reply, WalletKind, HISTORY_MAX,
};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, ActionError, CommandAction};
use crate::send::token::Token;

/// How many movements the history shows at first, and how many more each
/// "Show older" adds.
const PAGE: u32 = 50;

#[component]
pub fn History() -> impl IntoView {
    let engine = use_engine();
    let wallet = engine.ecash();
    let account = engine.account();
    let shown = RwSignal::new(PAGE);
    let list = command_action(|limit: &u32| Command::History { limit: *limit });
    // Whenever a wallet changes, the history did too.
    Effect::new(move |_| {
        wallet.track();
        account.track();
        list.dispatch(shown.get());
    });
    let reclaim = command_action(|(mint, send): &(String, String)| Command::ReclaimToken {
        mint: mint.clone(),
        send: send.clone(),
    });
    let show = command_action(|(mint, send): &(String, String)| Command::ShowSentToken {
        mint: mint.clone(),
        send: send.clone(),
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = reclaim.value().get() {
            list.dispatch(shown.get_untracked());
        }
    });
    let actions = Actions { reclaim, show };
    view! {
        <section class="card stack" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            {move || match list.value().get() {
                Some(Ok(Reply::History { entries, more, problems })) => view! {
                    {problems.into_iter().map(|problem| view! { <p class="hint warning">{problem}</p> }).collect_view()}
                    {if entries.is_empty() {
                        view! { <p class="muted">"Nothing yet."</p> }.into_any()
                    } else {
                        view! {
                            <ol class="history" data-testid="history">
                                {entries.into_iter().map(|entry| view! { <Entry entry actions/> }).collect_view()}
                            </ol>
                            {(more && shown.get_untracked() < HISTORY_MAX).then(|| view! {
                                <button class="button small secondary"
                                    on:click=move |_| shown.update(|shown| *shown = (*shown + PAGE).min(HISTORY_MAX))>
                                    "Show older"
                                </button>
                            })}
                        }.into_any()
                    }}
                }.into_any(),
                _ => view! { <ActionError action=list/> }.into_any(),
            }}
            <ActionError action=reclaim/>
            <ActionError action=show/>
        </section>
        {move || match show.value().get() {
            Some(Ok(Reply::Token { token, amount, fee })) => {
                let token = token.expose().to_owned();
                Some(view! { <Token token amount fee/> })
            }
            _ => None,
        }}
    }
}

/// What can be done with a sent token not yet redeemed, by mint and send.
#[derive(Clone, Copy)]
struct Actions {
    reclaim: CommandAction<(String, String)>,
    show: CommandAction<(String, String)>,
}

#[component]
fn Entry(entry: HistoryEntry, actions: Actions) -> impl IntoView {
    let (label, sign) = match entry.kind {
        MovementKind::LightningIn => ("Received by Lightning", "+"),
        MovementKind::TokenIn => ("Received eCash", "+"),
        MovementKind::LightningOut => ("Paid by Lightning", "−"),
        MovementKind::TokenOut => ("Sent eCash", "−"),
    };
    let state = match entry.state {
        EcashState::Pending => "pending",
        EcashState::Done => "done",
        EcashState::Failed => "failed",
    };
    let when = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(entry.time as f64 * 1000.0))
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED);
    let (place, take_back) = match &entry.wallet {
        WalletKind::Account => ("Lightning account".to_owned(), None),
        WalletKind::Ecash { mint } => {
            let host = mint
                .split("://")
                .nth(1)
                .unwrap_or(mint)
                .trim_end_matches('/')
                .to_owned();
            let take_back = entry.reclaim.clone().map(|send| (mint.clone(), send));
            (format!("eCash · {host}"), take_back)
        }
    };
    view! {
        <li class="history-entry" data-testid="history-entry" data-state=state>
            <span>{label}</span>
            <strong>{format!("{sign}{} sat", entry.amount)}</strong>
            <span class="muted">
                {format!("{} · {place}", String::from(when))}
                {(entry.fee > 0).then(|| format!(" · fee {} sat", entry.fee))}
                {format!(" · {state}")}
                {entry.memo.clone().map(|memo| format!(" · {memo}"))}
            </span>
            {take_back.map(|input| {
                let again = input.clone();
                view! {
                    <span class="row">
                        <button class="button small secondary" on:click=move |_| { actions.show.dispatch(again.clone()); }>"Show token"</button>
                        <button class="button small secondary" on:click=move |_| { actions.reclaim.dispatch(input.clone()); }>"Take back"</button>
                    </span>
                }
            })}
        </li>
    }
}
