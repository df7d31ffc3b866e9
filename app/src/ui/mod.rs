//! The widgets screens share: frames, fields, pickers, codes, names. Below
//! every screen: a module here uses the engine client and other widgets,
//! never a screen or the shell.

mod action_error;
mod amount;
mod copy_button;
mod create_wallet;
mod icons;
mod mint_picker;
mod name;
mod npub;
mod passphrase;
mod qr;
mod screen;
mod segmented;
mod time;
mod token;
mod token_offer;
mod wallet_picker;

pub use action_error::{refuses, ActionError, FieldError};
pub use amount::{amount_of, AmountField};
pub use copy_button::CopyButton;
pub use create_wallet::CreateWallet;
pub use icons::Icon;
pub use mint_picker::MintPicker;
pub use name::{provide_names, shown_name, Name};
pub use npub::{short_npub, Avatar, Npub};
pub use passphrase::NewPassphrase;
pub use qr::{qr_svg, Qr, ScanButton};
pub use screen::Screen;
pub use segmented::Segmented;
pub use time::when;
pub use token::Token;
pub use token_offer::TokenOffer;
pub use wallet_picker::{Wallet, WalletPicker};
