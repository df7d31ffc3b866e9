//! Which protocol the engine speaks, said before anything else crosses.
//!
//! After a deploy, a page can meet an engine from another build (a cache
//! holding the old one, a deploy caught halfway). Their messages may look
//! alike and mean something else, so the engine's very first message is a
//! [`Hello`] naming its [`PROTOCOL_VERSION`], and the app sends nothing to an
//! engine whose version is not its own.

use serde::{Deserialize, Serialize};

/// The crate's source files, every one of which makes up the protocol: the
/// version changes whenever any of them does (comments included, which at
/// worst asks for a reload that was not needed).
const SOURCES: [&[u8]; 17] = [
    include_bytes!("account.rs"),
    include_bytes!("command.rs"),
    include_bytes!("contacts.rs"),
    include_bytes!("ecash.rs"),
    include_bytes!("error.rs"),
    include_bytes!("event.rs"),
    include_bytes!("handshake.rs"),
    include_bytes!("history.rs"),
    include_bytes!("lib.rs"),
    include_bytes!("lightning.rs"),
    include_bytes!("messaging.rs"),
    include_bytes!("profiles.rs"),
    include_bytes!("relays.rs"),
    include_bytes!("reply.rs"),
    include_bytes!("secret.rs"),
    include_bytes!("signer.rs"),
    include_bytes!("vault.rs"),
];

/// This build's protocol: 16 hex digits of a hash of [`SOURCES`], computed
/// by the compiler, so no one has to remember to change it.
pub const PROTOCOL_VERSION: &str = match std::str::from_utf8(&DIGITS) {
    Ok(version) => version,
    Err(_) => panic!("hex digits are ASCII"),
};

const DIGITS: [u8; 16] = hex(fnv1a(&SOURCES));

/// The engine's first message, before any [`crate::FromEngine`]. Its shape,
/// `{"protocol":"…"}`, never changes, so an app reads it from an engine of
/// any version; an engine from before this handshake sends something else
/// first, which the app takes for another version too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: String,
}

impl Hello {
    /// What an engine of this build says.
    pub fn ours() -> Self {
        Self {
            protocol: PROTOCOL_VERSION.to_owned(),
        }
    }

    /// Whether the engine that said this speaks this build's protocol.
    pub fn is_ours(&self) -> bool {
        self.protocol == PROTOCOL_VERSION
    }
}

/// 64-bit FNV-1a over `parts` one after the other: simple enough for a
/// `const fn`, and a version needs no resistance to collisions made on
/// purpose.
const fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut part = 0;
    while part < parts.len() {
        let bytes = parts[part];
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        part += 1;
    }
    hash
}

/// `value` as 16 lowercase hex digits.
const fn hex(value: u64) -> [u8; 16] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 16];
    let mut i = 0;
    while i < 16 {
        out[i] = DIGITS[((value >> (60 - 4 * i)) & 0xf) as usize];
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode, encode, Event, FromEngine};

    #[test]
    fn the_version_is_sixteen_hex_digits() {
        assert_eq!(PROTOCOL_VERSION.len(), 16);
        assert!(PROTOCOL_VERSION
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')));
    }

    #[test]
    fn the_version_covers_every_source_file() {
        // A new module must join SOURCES, or changing it would not change
        // the version.
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .expect("read src/")
            .map(|entry| {
                entry
                    .expect("entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "account.rs",
                "command.rs",
                "contacts.rs",
                "ecash.rs",
                "error.rs",
                "event.rs",
                "handshake.rs",
                "history.rs",
                "lib.rs",
                "lightning.rs",
                "messaging.rs",
                "profiles.rs",
                "relays.rs",
                "reply.rs",
                "secret.rs",
                "signer.rs",
                "vault.rs"
            ]
        );
        assert_eq!(SOURCES.len(), files.len());
    }

    #[test]
    fn fnv1a_matches_its_reference_values() {
        assert_eq!(fnv1a(&[]), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(&[b"a"]), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a(&[b"foo", b"bar"]), fnv1a(&[b"foobar"]));
        assert_eq!(&hex(0x0123_4567_89ab_cdef), b"0123456789abcdef");
    }

    #[test]
    fn hello_keeps_its_shape_and_names_this_build() {
        let hello = Hello::ours();
        assert_eq!(
            encode(&hello),
            format!(r#"{{"protocol":"{PROTOCOL_VERSION}"}}"#)
        );
        assert_eq!(decode::<Hello>(&encode(&hello)).expect("decodes"), hello);
        assert!(hello.is_ours());
        assert!(!Hello {
            protocol: "0000000000000000".into()
        }
        .is_ours());
    }

    #[test]
    fn no_other_message_reads_as_a_hello() {
        // What an engine from before the handshake sent first.
        assert!(decode::<Hello>(&encode(&FromEngine::Event(Event::Started))).is_err());
        assert!(decode::<Hello>(r#"{"event":{"type":"started"}}"#).is_err());
    }
}
