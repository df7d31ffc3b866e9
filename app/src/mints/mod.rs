//! Mints: the Cashu mints the user trusts, what each says about itself
//! (NUT-06), its balance; add, remove, choose the default.

use flash_protocol::{Command, MintView};
use leptos::prelude::*;

use crate::engine::{command_action, use_engine, CommandAction};
use crate::ui::{ActionError, Screen};

#[component]
pub fn Mints() -> impl IntoView {
    let engine = use_engine();
    engine.refresh_ecash();
    let wallet = engine.ecash();
    let add = command_action(|url: &String| Command::AddMint { url: url.clone() });
    let remove = command_action(|url: &String| Command::RemoveMint { url: url.clone() });
    let make_default = command_action(|url: &String| Command::SetDefaultMint { url: url.clone() });
    let url = RwSignal::new(String::new());
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        add.dispatch(url.get_untracked());
    };
    view! {
        <Screen title="Mints">
            <p class="hint">"A mint holds the bitcoin behind your eCash. Spread large amounts over mints you trust."</p>
            <ul class="mints stack" data-testid="mints">
                {move || wallet.get().map(|wallet| {
                    let default = wallet.default_mint.clone();
                    wallet.mints.into_iter().map(|mint| {
                        let is_default = default.as_deref() == Some(mint.url.as_str());
                        view! { <MintCard mint is_default remove make_default/> }
                    }).collect_view()
                })}
            </ul>
            <ActionError action=remove/>
            <ActionError action=make_default/>
            <form class="card stack" on:submit=submit>
                <h2>"Add a mint"</h2>
                <label class="field">
                    <span>"Mint address"</span>
                    <input type="url" name="mint-url" placeholder="https://mint.example.com" autocomplete="off" bind:value=url/>
                </label>
                <button class="button" type="submit" disabled=move || url.get().trim().is_empty() || add.pending().get()>
                    {move || if add.pending().get() { "Asking the mint…" } else { "Add mint" }}
                </button>
                <ActionError action=add/>
                {move || wallet.get().map(|wallet| wallet.suggested_mints.into_iter()
                    .filter(|suggested| !wallet.mints.iter().any(|mint| &mint.url == suggested))
                    .map(|suggested| view! {
                        <button class="button secondary" type="button" data-testid="suggested-mint"
                            on:click={let suggested = suggested.clone(); move |_| { add.dispatch(suggested.clone()); }}>
                            {format!("Add {suggested}")}
                        </button>
                    }).collect_view())}
            </form>
        </Screen>
    }
}

#[component]
fn MintCard(
    mint: MintView,
    is_default: bool,
    remove: CommandAction<String>,
    make_default: CommandAction<String>,
) -> impl IntoView {
    let name = mint.name.clone().unwrap_or_else(|| mint.url.clone());
    let nuts = mint
        .nuts
        .iter()
        .map(|nut| nut.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let (url_remove, url_default) = (mint.url.clone(), mint.url.clone());
    view! {
        <li class="card stack mint" data-testid="mint" data-url=mint.url.clone()>
            <h2>{name} {is_default.then(|| view! { <span class="tag">"default"</span> })}</h2>
            <p class="muted"><code>{mint.url.clone()}</code></p>
            {mint.description.clone().map(|description| view! { <p>{description}</p> })}
            <p data-testid="mint-balance">{format!("{} sat", mint.balance)}
                {(mint.pending > 0).then(|| format!(" · {} sat pending", mint.pending))}</p>
            <p class="hint">{format!("Units: {} · NUTs: {nuts}", mint.units.join(", "))}</p>
            {(!mint.contact.is_empty()).then(|| view! { <p class="hint">{format!("Contact: {}", mint.contact.join(" · "))}</p> })}
            <div class="row">
                {(!is_default).then(|| view! {
                    <button class="button small secondary" on:click=move |_| { make_default.dispatch(url_default.clone()); }>"Make default"</button>
                })}
                <button class="button small secondary" on:click=move |_| { remove.dispatch(url_remove.clone()); }>"Remove"</button>
            </div>
        </li>
    }
}
