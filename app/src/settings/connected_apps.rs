//! Connected apps: other apps paying from and reading the Lightning account
//! by Nostr Wallet Connect (NIP-47). The user names an app, chooses what it
//! may do, what it may spend per period and for how long; the engine makes
//! the connection's secret and the URI shown here once, as a QR code and as
//! text, for the app to scan or paste. Each connection is listed with what
//! it spent, and can be revoked at once.

use flash_protocol::{Command, Reply, WalletConnection};
use leptos::prelude::*;

use crate::engine::{command_action, ActionError, CommandAction};
use crate::qr::Qr;
use crate::shell::CopyButton;

/// What an app may be allowed, as NIP-47 names it and as the user reads it.
const METHODS: [(&str, &str); 6] = [
    ("pay_invoice", "Pay invoices"),
    ("get_balance", "See the balance"),
    ("make_invoice", "Create invoices"),
    ("lookup_invoice", "Look up invoices"),
    ("list_transactions", "See transactions"),
    ("get_info", "See the wallet's details"),
];

/// The new connection's settings, as typed.
#[derive(Clone)]
struct NewConnection {
    name: String,
    methods: Vec<String>,
    budget_sat: Option<u64>,
    renewal: String,
    expires_in_days: Option<u64>,
}

#[component]
pub fn ConnectedApps() -> impl IntoView {
    let list = command_action(|_: &()| Command::ListWalletConnections);
    let connect = command_action(|new: &NewConnection| {
        let now = (js_sys::Date::now() / 1000.0) as i64;
        Command::ConnectWallet {
            name: new.name.clone(),
            methods: new.methods.clone(),
            budget_sat: new.budget_sat,
            budget_renewal: new.renewal.clone(),
            expires_at: new
                .expires_in_days
                .map(|days| now + i64::try_from(days.saturating_mul(86_400)).unwrap_or(i64::MAX)),
        }
    });
    let revoke = command_action(|pubkey: &String| Command::RevokeWalletConnection {
        pubkey: pubkey.clone(),
    });
    list.dispatch(());
    let connections = RwSignal::new(Vec::<WalletConnection>::new());
    keep_list(list, connections);
    keep_list(revoke, connections);
    // A new connection is listed at once.
    Effect::new(move |_| {
        if let Some(Ok(Reply::WalletConnected { .. })) = connect.value().get() {
            list.dispatch(());
        }
    });

    let name = RwSignal::new(String::new());
    let budget = RwSignal::new(String::new());
    let renewal = RwSignal::new("daily".to_owned());
    let expiry = RwSignal::new(String::new());
    let allowed = METHODS.map(|_| RwSignal::new(true));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let methods = METHODS
            .iter()
            .zip(allowed)
            .filter(|(_, on)| on.get_untracked())
            .map(|((method, _), _)| (*method).to_owned())
            .collect();
        connect.dispatch(NewConnection {
            name: name.get_untracked().trim().to_owned(),
            methods,
            budget_sat: budget.get_untracked().trim().parse().ok(),
            renewal: renewal.get_untracked(),
            expires_in_days: expiry.get_untracked().trim().parse().ok(),
        });
    };
    view! {
        <section class="card stack" aria-labelledby="apps-title">
            <h2 id="apps-title">"Connected apps"</h2>
            <p class="hint">"Let another app pay from your Lightning account and read it (Nostr Wallet Connect), within the budget you set. Revoke it here at any time."</p>
            <form class="stack" on:submit=submit aria-label="Connect an app">
                <label class="field">
                    <span>"App name"</span>
                    <input type="text" name="app-name" autocomplete="off" maxlength="64"
                        placeholder="My NOSTR client" bind:value=name/>
                </label>
                <label class="field">
                    <span>"Budget (sat)"</span>
                    <input type="number" name="budget" min="1" inputmode="numeric"
                        placeholder="No limit" bind:value=budget/>
                </label>
                <label class="field">
                    <span>"Budget renews"</span>
                    <select name="renewal" on:change=move |event| renewal.set(event_target_value(&event))>
                        <option value="daily" selected>"Daily"</option>
                        <option value="weekly">"Weekly"</option>
                        <option value="monthly">"Monthly"</option>
                        <option value="never">"Never"</option>
                    </select>
                </label>
                <label class="field">
                    <span>"Expires after (days)"</span>
                    <input type="number" name="expiry" min="1" inputmode="numeric"
                        placeholder="Never" bind:value=expiry/>
                </label>
                <fieldset class="stack">
                    <legend>"It may"</legend>
                    {METHODS.iter().zip(allowed).map(|((_, label), on)| view! {
                        <label class="check">
                            <input type="checkbox" bind:checked=on/>
                            <span>{*label}</span>
                        </label>
                    }).collect_view()}
                </fieldset>
                <button class="button secondary" type="submit"
                    disabled=move || name.get().trim().is_empty() || connect.pending().get()>
                    "Connect app"
                </button>
            </form>
            <ActionError action=connect/>
            {move || match connect.value().get() {
                Some(Ok(Reply::WalletConnected { connection, uri })) => {
                    let uri = uri.expose().to_owned();
                    Some(view! {
                        <section class="stack" aria-label="Connection link">
                            <p>{format!("Scan or paste this into {}. It is shown only now.", connection.name)}</p>
                            <Qr text=uri.clone() testid="nwc-qr"/>
                            <code class="wrap" data-testid="nwc-uri">{uri.clone()}</code>
                            <CopyButton text=uri label="Copy link"/>
                        </section>
                    })
                }
                _ => None,
            }}
            <ul class="stack" aria-label="Connections">
                {move || connections.get().into_iter().map(|connection| {
                    let pubkey = connection.pubkey.clone();
                    view! {
                        <li class="row" data-testid="nwc-connection">
                            <span>
                                <strong>{connection.name.clone()}</strong>
                                " "
                                <span class="muted" data-testid="nwc-spent">{spending(&connection)}</span>
                            </span>
                            {if connection.revoked {
                                view! { <span class="muted">"Revoked"</span> }.into_any()
                            } else {
                                view! {
                                    <button class="button small secondary" disabled=move || revoke.pending().get()
                                        on:click=move |_| { revoke.dispatch(pubkey.clone()); }>
                                        "Revoke"
                                    </button>
                                }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <ActionError action=list/>
            <ActionError action=revoke/>
        </section>
    }
}

/// What a connection spent, against its budget.
fn spending(connection: &WalletConnection) -> String {
    let period = match connection.budget_renewal.as_str() {
        "daily" => " today",
        "weekly" => " this week",
        "monthly" => " this month",
        _ => "",
    };
    match connection.budget_sat {
        Some(budget) => format!("{} of {budget} sat{period}", connection.spent_sat),
        None => format!("{} sat spent{period}", connection.spent_sat),
    }
}

/// Keeps `connections` as `action`'s answer lists them.
fn keep_list<I: Send + Sync + 'static>(
    action: CommandAction<I>,
    connections: RwSignal<Vec<WalletConnection>>,
) {
    Effect::new(move |_| {
        if let Some(Ok(Reply::WalletConnections { connections: now })) = action.value().get() {
            connections.set(now);
        }
    });
}
