//! The eCash history: every mint, melt, send and receive, newest first; a
//! token sent and not yet redeemed can be taken back.

use flash_protocol::{Command, EcashEntry, EcashKind, EcashState, Reply};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, ActionError, CommandAction};

#[component]
pub fn History() -> impl IntoView {
    let engine = use_engine();
    let wallet = engine.ecash();
    let list = command_action(|_: &()| Command::EcashHistory);
    // Whenever the wallet changes, its history did too.
    Effect::new(move |_| {
        wallet.track();
        list.dispatch(());
    });
    let reclaim = command_action(|(mint, send): &(String, String)| Command::ReclaimToken {
        mint: mint.clone(),
        send: send.clone(),
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = reclaim.value().get() {
            list.dispatch(());
        }
    });
    view! {
        <section class="card stack" aria-labelledby="history-title">
            <h2 id="history-title">"History"</h2>
            {move || match list.value().get() {
                Some(Ok(Reply::EcashHistory { entries })) if entries.is_empty() => {
                    view! { <p class="muted">"Nothing yet."</p> }.into_any()
                }
                Some(Ok(Reply::EcashHistory { entries })) => view! {
                    <ol class="history" data-testid="history">
                        {entries.into_iter().map(|entry| view! { <Entry entry reclaim/> }).collect_view()}
                    </ol>
                }.into_any(),
                _ => view! { <ActionError action=list/> }.into_any(),
            }}
            <ActionError action=reclaim/>
        </section>
    }
}

#[component]
fn Entry(entry: EcashEntry, reclaim: CommandAction<(String, String)>) -> impl IntoView {
    let (label, sign) = match entry.kind {
        EcashKind::Mint => ("Received by Lightning", "+"),
        EcashKind::Receive => ("Received eCash", "+"),
        EcashKind::Melt => ("Paid by Lightning", "−"),
        EcashKind::Send => ("Sent eCash", "−"),
    };
    let state = match entry.state {
        EcashState::Pending => "pending",
        EcashState::Done => "done",
        EcashState::Failed => "failed",
    };
    let when = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(entry.time as f64 * 1000.0))
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED);
    let host = entry
        .mint
        .split("://")
        .nth(1)
        .unwrap_or(&entry.mint)
        .trim_end_matches('/')
        .to_owned();
    let take_back = entry.reclaim.clone().map(|send| (entry.mint.clone(), send));
    view! {
        <li class="history-entry" data-testid="history-entry" data-state=state>
            <span>{label}</span>
            <strong>{format!("{sign}{} sat", entry.amount)}</strong>
            <span class="muted">
                {format!("{} · {host}", String::from(when))}
                {(entry.fee > 0).then(|| format!(" · fee {} sat", entry.fee))}
                {format!(" · {state}")}
            </span>
            {take_back.map(|input| view! {
                <button class="button small secondary" on:click=move |_| { reclaim.dispatch(input.clone()); }>"Take back"</button>
            })}
        </li>
    }
}
