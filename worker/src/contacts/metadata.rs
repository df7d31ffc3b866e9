//! Profiles (kind 0, NIP-01 and NIP-24): reading the fields the app shows,
//! and editing them without losing the rest.
//!
//! A kind 0's content is a JSON object any client may add fields to
//! (`banner`, `website`, `bot`, …). Editing starts from the newest known
//! kind 0 and changes only the fields the app edits, so what other clients
//! set survives.

use serde_json::{Map, Value};

use crate::protocol::ProfileFields;

/// The fields of a profile the app shows and edits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: Option<String>,
    pub display_name: Option<String>,
    pub about: Option<String>,
    pub picture: Option<String>,
    /// A NIP-05 address, `name@domain` (or just `domain`, for `_@domain`).
    pub nip05: Option<String>,
    /// A Lightning address (LUD-16), `name@domain`.
    pub lud16: Option<String>,
}

/// The longest text kept from any one field: profiles are written by
/// strangers, and an "about" of a megabyte must not reach the screen.
const FIELD_LIMIT: usize = 2_000;

impl Profile {
    /// The fields of a kind 0's `content`; anything unreadable is left out.
    pub fn from_content(content: &str) -> Self {
        let Ok(Value::Object(fields)) = serde_json::from_str::<Value>(content) else {
            return Self::default();
        };
        let text = |key: &str| {
            let value = fields.get(key)?.as_str()?.trim();
            (!value.is_empty()).then(|| clip(value, FIELD_LIMIT))
        };
        Self {
            name: text("name"),
            // Older clients wrote `displayName`.
            display_name: text("display_name").or_else(|| text("displayName")),
            about: text("about"),
            picture: text("picture"),
            nip05: text("nip05"),
            lud16: text("lud16"),
        }
    }

    /// The name to show: the display name, else the name.
    pub fn shown_name(&self) -> Option<&str> {
        self.display_name.as_deref().or(self.name.as_deref())
    }
}

/// Why an edit cannot be published.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("the picture must be a web address (https://…)")]
    Picture,
    #[error("the NOSTR address (NIP-05) must look like name@example.com")]
    Nip05,
    #[error("the Lightning address must look like name@example.com")]
    Lud16,
    #[error("{field} is too long (at most {FIELD_LIMIT} characters)")]
    TooLong { field: &'static str },
}

/// The content of the new kind 0: `previous` (the newest known kind 0's
/// content, if any) with the edited fields replaced and every other field
/// kept as it was.
pub fn edited_content(previous: Option<&str>, edit: &ProfileFields) -> Result<String, EditError> {
    check(edit)?;
    // Content that is not a JSON object is unreadable to every client:
    // nothing in it can be kept.
    let mut fields = match previous.map(serde_json::from_str::<Value>) {
        Some(Ok(Value::Object(fields))) => fields,
        _ => Map::new(),
    };
    let edited = [
        ("name", &edit.name),
        ("display_name", &edit.display_name),
        ("about", &edit.about),
        ("picture", &edit.picture),
        ("nip05", &edit.nip05),
        ("lud16", &edit.lud16),
    ];
    for (key, value) in edited {
        set(&mut fields, key, value);
    }
    // Clients that still read the older `displayName` would otherwise show
    // the old name; it is updated only where another client wrote it.
    if fields.contains_key("displayName") {
        set(&mut fields, "displayName", &edit.display_name);
    }
    Ok(Value::Object(fields).to_string())
}

fn set(fields: &mut Map<String, Value>, key: &str, value: &str) {
    let value = value.trim();
    if value.is_empty() {
        fields.remove(key);
    } else {
        fields.insert(key.to_owned(), Value::String(value.to_owned()));
    }
}

fn check(edit: &ProfileFields) -> Result<(), EditError> {
    let lengths = [
        ("the name", &edit.name),
        ("the display name", &edit.display_name),
        ("the about text", &edit.about),
        ("the picture address", &edit.picture),
        ("the NOSTR address", &edit.nip05),
        ("the Lightning address", &edit.lud16),
    ];
    for (field, value) in lengths {
        if value.trim().chars().count() > FIELD_LIMIT {
            return Err(EditError::TooLong { field });
        }
    }
    let picture = edit.picture.trim();
    if !picture.is_empty() {
        let url = url::Url::parse(picture).map_err(|_| EditError::Picture)?;
        if !matches!(url.scheme(), "https" | "http") {
            return Err(EditError::Picture);
        }
    }
    let nip05 = edit.nip05.trim();
    if !nip05.is_empty() && super::nip05::Address::parse(nip05).is_err() {
        return Err(EditError::Nip05);
    }
    let lud16 = edit.lud16.trim();
    if !lud16.is_empty() && !looks_like_address(lud16) {
        return Err(EditError::Lud16);
    }
    Ok(())
}

/// `name@domain.tld`, loosely: what a Lightning address must at least be.
fn looks_like_address(text: &str) -> bool {
    match text.split_once('@') {
        Some((name, domain)) => {
            !name.is_empty()
                && !name.contains(char::is_whitespace)
                && domain.contains('.')
                && !domain.contains(['@', '/', ' '])
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        }
        None => false,
    }
}

/// At most `limit` characters of `text`.
pub fn clip(text: &str, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_survive_an_edit() {
        let previous = r#"{"name":"old","banner":"https://b/x.png","website":"w","bot":false}"#;
        let edit = ProfileFields {
            name: "new".into(),
            about: "hi".into(),
            ..ProfileFields::default()
        };
        let content = edited_content(Some(previous), &edit).unwrap();
        let value: Value = serde_json::from_str(&content).unwrap();
        assert_eq!(value["name"], "new");
        assert_eq!(value["about"], "hi");
        assert_eq!(value["banner"], "https://b/x.png");
        assert_eq!(value["website"], "w");
        assert_eq!(value["bot"], false);
        assert!(value.get("picture").is_none());
    }

    #[test]
    fn bad_fields_are_refused() {
        let edit = |edit: ProfileFields| edited_content(None, &edit);
        let picture = ProfileFields {
            picture: "javascript:alert(1)".into(),
            ..ProfileFields::default()
        };
        assert_eq!(edit(picture), Err(EditError::Picture));
        let nip05 = ProfileFields {
            nip05: "not an address".into(),
            ..ProfileFields::default()
        };
        assert_eq!(edit(nip05), Err(EditError::Nip05));
        let lud16 = ProfileFields {
            lud16: "nobody".into(),
            ..ProfileFields::default()
        };
        assert_eq!(edit(lud16), Err(EditError::Lud16));
    }

    #[test]
    fn profiles_read_leniently() {
        let profile = Profile::from_content(r#"{"displayName":"Al","name":" ","about":7}"#);
        assert_eq!(profile.display_name.as_deref(), Some("Al"));
        assert_eq!(profile.name, None);
        assert_eq!(profile.about, None);
        assert_eq!(Profile::from_content("not json"), Profile::default());
    }
}
