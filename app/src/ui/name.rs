//! Names instead of npubs wherever someone is shown: a small book of the
//! names the engine knows, filled in batches ([`Command::GetNames`]).

use std::collections::{HashMap, HashSet};

use flash_protocol::{Person, MAX_NAMES};
use leptos::prelude::*;

use crate::engine::use_engine;
use crate::ui::short_npub;

#[derive(Clone, Copy)]
struct NameBook {
    names: RwSignal<HashMap<String, String>>,
    /// Asked for already (or being asked for).
    asked: StoredValue<HashSet<String>, LocalStorage>,
    /// Waiting for the next batch.
    pending: StoredValue<Vec<String>, LocalStorage>,
}

/// Makes [`Name`] work below; once, at the top of the app.
pub fn provide_names() {
    provide_context(NameBook {
        names: RwSignal::new(HashMap::new()),
        asked: StoredValue::new_local(HashSet::new()),
        pending: StoredValue::new_local(Vec::new()),
    });
}

impl NameBook {
    /// Queues `npub`; every npub queued while the page renders goes in one
    /// request, sent once the rendering is done.
    fn want(self, npub: &str) {
        let new = self
            .asked
            .try_update_value(|asked| asked.insert(npub.to_owned()));
        if new != Some(true) {
            return;
        }
        let first = self.pending.with_value(Vec::is_empty);
        self.pending
            .update_value(|pending| pending.push(npub.to_owned()));
        if first {
            let engine = use_engine();
            leptos::task::spawn_local(async move {
                let mut batch = Vec::new();
                self.pending
                    .update_value(|pending| batch = std::mem::take(pending));
                for chunk in batch.chunks(MAX_NAMES) {
                    match engine.names(chunk.to_vec()).await {
                        Ok(names) => self.names.update(|known| {
                            known.extend(names.into_iter().map(|name| (name.npub, name.name)));
                        }),
                        // Messaging not running yet: asked again next time.
                        Err(_) => self.asked.update_value(|asked| {
                            chunk.iter().for_each(|npub| {
                                asked.remove(npub);
                            })
                        }),
                    }
                }
            });
        }
    }
}

/// Someone's name, or their short npub until (or unless) one is known.
#[component]
pub fn Name(npub: String) -> impl IntoView {
    let book = use_context::<NameBook>();
    // Asked once messaging runs (names come from its event store).
    let running = use_engine().messaging_running();
    Effect::new({
        let npub = npub.clone();
        move |_| {
            if let (Some(book), true) = (book, running.get()) {
                book.want(&npub);
            }
        }
    });
    let short = short_npub(&npub);
    let title = npub.clone();
    let shown = move || {
        book.and_then(|book| book.names.with(|names| names.get(&npub).cloned()))
            .unwrap_or_else(|| short.clone())
    };
    view! { <span class="name" title=title>{shown}</span> }
}

/// The name to show for someone: display name, name, or the short npub.
pub fn shown_name(person: &Person) -> String {
    person
        .display_name
        .clone()
        .or_else(|| person.name.clone())
        .unwrap_or_else(|| short_npub(&person.npub))
}
