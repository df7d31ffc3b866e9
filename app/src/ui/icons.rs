//! Navigation icons as inline SVG (24×24, stroked with the text colour), so
//! they follow the theme and need no extra request.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub enum Icon {
    Home,
    Send,
    Receive,
    Chat,
    Contacts,
    Cards,
    Settings,
}

impl Icon {
    fn path(self) -> &'static str {
        match self {
            Icon::Home => "M3 11l9-8 9 8M5 10v10h5v-6h4v6h5V10",
            Icon::Send => "M12 19V5M5 12l7-7 7 7",
            Icon::Receive => "M12 5v14M5 12l7 7 7-7",
            Icon::Chat => "M4 5h16v11H9l-5 4z",
            Icon::Contacts => "M9 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM3 19c0-3 3-5 6-5s6 2 6 5M16 5a3 3 0 0 1 0 6M18 14c2 .6 3 2.4 3 5",
            Icon::Cards => "M3 6h18v12H3zM3 10h18M7 15h4",
            Icon::Settings => "M12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6zM4 12h2M18 12h2M12 4v2M12 18v2M6.3 6.3l1.4 1.4M16.3 16.3l1.4 1.4M6.3 17.7l1.4-1.4M16.3 7.7l1.4-1.4",
        }
    }

    pub fn view(self) -> impl IntoView {
        view! {
            <svg class="icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d=self.path()/>
            </svg>
        }
    }
}
