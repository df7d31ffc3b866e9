//! The identity against the published test vectors of BIP84, NIP-06 and
//! NUT-13, and the phrase parser against the mistakes people make.
#![cfg(not(target_arch = "wasm32"))]

use bitcoin::bip32::{Fingerprint, Xpriv};
use bitcoin::hex::DisplayHex;
use bitcoin::Network;
use flash_worker::identity::{
    generate, nostr_key, parse, suggest, Bip84Account, CashuError, CashuSeed, Keychain,
    MnemonicError, WordCount,
};
use nostr::nips::nip06::FromMnemonic;
use nostr::{Keys, ToBech32};

const BIP84_PHRASE: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about";

fn seed_of(phrase: &str) -> [u8; 64] {
    *parse(phrase).unwrap().to_seed()
}

// ---- mnemonic ------------------------------------------------------------

#[test]
fn generated_phrases_have_the_asked_length_and_parse_back() {
    for (count, words) in [(WordCount::Twelve, 12), (WordCount::TwentyFour, 24)] {
        let mnemonic = generate(count).unwrap();
        assert_eq!(mnemonic.word_count(), words);
        assert_eq!(mnemonic.words().len(), words);
        let again = parse(&mnemonic.phrase()).unwrap();
        assert_eq!(again, mnemonic);
        assert_eq!(again.words(), mnemonic.words());
    }
}

#[test]
fn generated_phrases_differ() {
    let a = generate(WordCount::Twelve).unwrap();
    let b = generate(WordCount::Twelve).unwrap();
    assert_ne!(a, b);
}

#[test]
fn case_and_extra_whitespace_are_ignored() {
    let messy = "  Abandon ABANDON abandon\tabandon abandon  abandon abandon abandon\nabandon abandon abandon About  ";
    let mnemonic = parse(messy).unwrap();
    assert_eq!(mnemonic.phrase().as_str(), BIP84_PHRASE);
    assert_eq!(mnemonic.words()[11], "about");
    assert_eq!(mnemonic.word_count(), 12);
}

#[test]
fn one_mistyped_word_is_reported_with_its_position_and_the_intended_word() {
    let phrase = BIP84_PHRASE.replace("about", "abut");
    let Err(MnemonicError::UnknownWords(unknown)) = parse(&phrase) else {
        panic!("a mistyped word must be reported");
    };
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].position, 12);
    assert_eq!(unknown[0].word, "abut");
    assert!(unknown[0].suggestions.len() <= 3);
    assert_eq!(unknown[0].suggestions.first(), Some(&"about"));
}

#[test]
fn every_mistyped_word_is_reported() {
    // Swapped letters, a missing letter, a four-letter abbreviation, and
    // something that looks like no word at all.
    let phrase = "leader mnokey parrot rng guide accident befo fence cannon height naive qqqqqqq";
    let Err(MnemonicError::UnknownWords(unknown)) = parse(phrase) else {
        panic!("mistyped words must be reported");
    };
    let positions: Vec<usize> = unknown.iter().map(|w| w.position).collect();
    assert_eq!(positions, [2, 4, 7, 12]);
    assert_eq!(unknown[0].suggestions.first(), Some(&"monkey"));
    assert!(unknown[1].suggestions.contains(&"ring"));
    assert_eq!(unknown[2].suggestions.first(), Some(&"before"));
    assert!(unknown[3].suggestions.is_empty());
    assert!(unknown.iter().all(|w| w.suggestions.len() <= 3));
}

#[test]
fn suggestions_catch_common_typos() {
    for (typed, meant) in [
        ("recieve", "receive"),
        ("aban", "abandon"),
        ("acount", "account"),
        ("truely", "truly"),
        ("giude", "guide"),
    ] {
        let phrase = format!("{typed} {}", ["abandon"; 11].join(" "));
        let Err(MnemonicError::UnknownWords(unknown)) = parse(&phrase) else {
            panic!("{typed} must be reported");
        };
        assert_eq!(unknown[0].position, 1);
        assert_eq!(unknown[0].suggestions.first(), Some(&meant), "{typed}");
    }
}

#[test]
fn errors_never_print_the_words() {
    let phrase = BIP84_PHRASE.replace("about", "abut");
    let error = parse(&phrase).unwrap_err();
    for shown in [error.to_string(), format!("{error:?}")] {
        assert!(!shown.contains("abut"), "{shown}");
        assert!(!shown.contains("about"), "{shown}");
    }
    assert!(error.to_string().contains("word 12"));
}

#[test]
fn wrong_lengths_are_rejected() {
    for count in [0, 1, 11, 13, 23, 25] {
        let phrase = vec!["abandon"; count].join(" ");
        assert_eq!(parse(&phrase), Err(MnemonicError::WrongLength { count }));
    }
    assert_eq!(parse("   "), Err(MnemonicError::WrongLength { count: 0 }));
}

#[test]
fn valid_words_with_a_bad_checksum_are_rejected() {
    let phrase = "abandon ".repeat(12);
    assert_eq!(parse(&phrase), Err(MnemonicError::BadChecksum));
    // Two words swapped.
    let swapped = "monkey leader parrot ring guide accident before fence cannon height naive bean";
    assert_eq!(parse(swapped), Err(MnemonicError::BadChecksum));
}

#[test]
fn every_valid_length_parses() {
    // BIP39's vectors for all-zero entropy of 128 to 256 bits.
    for count in [12, 15, 18, 21, 24] {
        let last = match count {
            12 => "about",
            15 => "address",
            18 => "agent",
            21 => "admit",
            _ => "art",
        };
        let mut words = vec!["abandon"; count - 1];
        words.push(last);
        assert_eq!(parse(&words.join(" ")).unwrap().word_count(), count);
    }
}

#[test]
fn autocomplete_offers_up_to_five_words() {
    assert_eq!(
        suggest("ab"),
        ["abandon", "ability", "able", "about", "above"]
    );
    assert_eq!(suggest(" ZOO "), ["zoo"]);
    assert_eq!(suggest("abo"), ["about", "above"]);
    assert!(suggest("").is_empty());
    assert!(suggest("xyz").is_empty());
}

#[test]
fn debug_of_a_mnemonic_shows_no_word() {
    let mnemonic = parse(BIP84_PHRASE).unwrap();
    let shown = format!("{mnemonic:?} {mnemonic:#?}");
    for word in mnemonic.words() {
        assert!(!shown.contains(word), "{shown}");
    }
}

// ---- NIP-06 --------------------------------------------------------------

struct Nip06Vector {
    phrase: &'static str,
    secret_hex: &'static str,
    nsec: &'static str,
    public_hex: &'static str,
    npub: &'static str,
}

const NIP06_VECTORS: [Nip06Vector; 2] = [
    Nip06Vector {
        phrase: "leader monkey parrot ring guide accident before fence cannon height naive bean",
        secret_hex: "7f7ff03d123792d6ac594bfa67bf6d0c0ab55b6b1fdb6249303fe861f1ccba9a",
        nsec: "nsec10allq0gjx7fddtzef0ax00mdps9t2kmtrldkyjfs8l5xruwvh2dq0lhhkp",
        public_hex: "17162c921dc4d2518f9a101db33695df1afb56ab82f5ff3e5da6eec3ca5cd917",
        npub: "npub1zutzeysacnf9rru6zqwmxd54mud0k44tst6l70ja5mhv8jjumytsd2x7nu",
    },
    Nip06Vector {
        phrase: "what bleak badge arrange retreat wolf trade produce cricket blur garlic valid proud rude strong choose busy staff weather area salt hollow arm fade",
        secret_hex: "c15d739894c81a2fcfd3a2df85a0d2c0dbc47a280d092799f144d73d7ae78add",
        nsec: "nsec1c9wh8xy5eqdzln7n5t0ctgxjcrdug73gp5yj0x03gntn67h83twssdfhel",
        public_hex: "d41b22899549e1f3d335a31002cfd382174006e166d3e658e3a5eecdb6463573",
        npub: "npub16sdj9zv4f8sl85e45vgq9n7nsgt5qphpvmf7vk8r5hhvmdjxx4es8rq74h",
    },
];

#[test]
fn nostr_keys_match_the_nip06_vectors() {
    for vector in NIP06_VECTORS {
        let keys = nostr_key::derive(&seed_of(vector.phrase), nostr_key::DEFAULT_ACCOUNT).unwrap();
        assert_eq!(keys.secret_key().to_secret_hex(), vector.secret_hex);
        assert_eq!(keys.secret_key().to_bech32().unwrap(), vector.nsec);
        assert_eq!(keys.public_key().to_hex(), vector.public_hex);
        assert_eq!(keys.public_key().to_bech32().unwrap(), vector.npub);
    }
}

#[test]
fn nostr_accounts_match_the_nostr_crate() {
    let phrase = NIP06_VECTORS[0].phrase;
    let seed = seed_of(phrase);
    for account in [0, 1, 7] {
        let ours = nostr_key::derive(&seed, account).unwrap();
        let theirs = Keys::from_mnemonic_with_account(phrase, None, Some(account)).unwrap();
        assert_eq!(ours.secret_key(), theirs.secret_key());
    }
    assert_ne!(
        nostr_key::derive(&seed, 0).unwrap(),
        nostr_key::derive(&seed, 1).unwrap()
    );
}

#[test]
fn nostr_account_out_of_range_is_an_error() {
    assert!(nostr_key::derive(&seed_of(BIP84_PHRASE), 1 << 31).is_err());
}

// ---- BIP84 ---------------------------------------------------------------

/// The account key from BIP84's vectors, as a zprv.
const BIP84_ACCOUNT_ZPRV: &str = "zprvAdG4iTXWBoARxkkzNpNh8r6Qag3irQB8PzEMkAFeTRXxHpbF9z4QgEvBRmfvqWvGp42t42nvgGpNgYSJA9iefm1yYNZKEm7z6qUWCroSQnE";

/// A zprv is an xprv with other version bytes: swap them back.
fn zprv_to_xprv(zprv: &str) -> Xpriv {
    let mut data = bitcoin::base58::decode_check(zprv).unwrap();
    assert_eq!(data[..4], [0x04, 0xb2, 0x43, 0x0c]);
    data[..4].copy_from_slice(&[0x04, 0x88, 0xad, 0xe4]);
    Xpriv::decode(&data).unwrap()
}

#[test]
fn onchain_account_matches_the_bip84_vectors() {
    let account = Bip84Account::derive(&seed_of(BIP84_PHRASE), Network::Bitcoin).unwrap();
    let expected = zprv_to_xprv(BIP84_ACCOUNT_ZPRV);

    let external = account.external_descriptor();
    let internal = account.internal_descriptor();
    let origin = format!("[{}/84'/0'/0']", account.master_fingerprint());
    assert_eq!(external.as_str(), format!("wpkh({origin}{expected}/0/*)"));
    assert_eq!(internal.as_str(), format!("wpkh({origin}{expected}/1/*)"));

    let xpub = bitcoin::bip32::Xpub::from_priv(&bitcoin::secp256k1::Secp256k1::new(), &expected);
    assert_eq!(account.xpub(), xpub);
    assert_eq!(
        account.external_public_descriptor(),
        format!("wpkh({origin}{xpub}/0/*)")
    );
    assert_eq!(
        account.internal_public_descriptor(),
        format!("wpkh({origin}{xpub}/1/*)")
    );
    assert!(account.external_public_descriptor().contains("xpub6"));

    let address = |keychain, index| account.address(keychain, index).unwrap().to_string();
    assert_eq!(
        address(Keychain::External, 0),
        "bc1qcr8te4kr609gcawutmrza0j4xv80jy8z306fyu"
    );
    assert_eq!(
        address(Keychain::External, 1),
        "bc1qnjg0jd8228aq7egyzacy8cys3knf9xvrerkf9g"
    );
    assert_eq!(
        address(Keychain::Internal, 0),
        "bc1q8c6fshw2dlwun7ekn9qwf37cu2rn755upcp6el"
    );
}

#[test]
fn onchain_master_fingerprint_is_the_known_one() {
    // The master key of the all-"abandon" phrase is widely used in tests;
    // its fingerprint is 73c5da0a.
    let account = Bip84Account::derive(&seed_of(BIP84_PHRASE), Network::Bitcoin).unwrap();
    assert_eq!(
        account.master_fingerprint(),
        "73c5da0a".parse::<Fingerprint>().unwrap()
    );
}

#[test]
fn test_networks_use_coin_type_one() {
    let seed = seed_of(BIP84_PHRASE);
    for (network, prefix) in [
        (Network::Testnet, "tb1q"),
        (Network::Signet, "tb1q"),
        (Network::Regtest, "bcrt1q"),
    ] {
        let account = Bip84Account::derive(&seed, network).unwrap();
        assert_eq!(account.network(), network);
        let descriptor = account.external_descriptor();
        assert!(descriptor.starts_with("wpkh([73c5da0a/84'/1'/0']tprv"));
        assert!(descriptor.ends_with("/0/*)"));
        assert!(account
            .internal_public_descriptor()
            .starts_with("wpkh([73c5da0a/84'/1'/0']tpub"));
        let address = account.address(Keychain::External, 0).unwrap().to_string();
        assert!(address.starts_with(prefix), "{address}");
    }
    // Coin type 1 gives other keys than mainnet's coin type 0.
    let main = Bip84Account::derive(&seed, Network::Bitcoin).unwrap();
    let test = Bip84Account::derive(&seed, Network::Testnet).unwrap();
    let main_address = main.address(Keychain::External, 0).unwrap();
    let test_address = test.address(Keychain::External, 0).unwrap();
    assert_ne!(main_address.script_pubkey(), test_address.script_pubkey());
}

#[test]
fn address_index_out_of_range_is_an_error() {
    let account = Bip84Account::derive(&seed_of(BIP84_PHRASE), Network::Bitcoin).unwrap();
    assert!(account.address(Keychain::External, 1 << 31).is_err());
}

// ---- NUT-13 --------------------------------------------------------------

const NUT13_PHRASE: &str =
    "half depart obvious quality work element tank gorilla view sugar picture humble";

fn check_nut13(keyset_id: &str, secrets: [&str; 5], blinding_factors: [&str; 5]) {
    let seed = CashuSeed::from_mnemonic(&parse(NUT13_PHRASE).unwrap());
    for (counter, (secret, r)) in secrets.iter().zip(blinding_factors).enumerate() {
        let derived = seed.derive(keyset_id, counter as u32).unwrap();
        assert_eq!(derived.secret_hex().as_str(), *secret, "secret {counter}");
        assert_eq!(derived.secret().to_lower_hex_string(), *secret);
        assert_eq!(
            derived
                .blinding_factor()
                .secret_bytes()
                .to_lower_hex_string(),
            r,
            "r {counter}"
        );
    }
}

#[test]
fn cashu_secrets_match_the_nut13_keyset_v1_vectors() {
    check_nut13(
        "009a1f293253e41e",
        [
            "485875df74771877439ac06339e284c3acfcd9be7abf3bc20b516faeadfe77ae",
            "8f2b39e8e594a4056eb1e6dbb4b0c38ef13b1b2c751f64f810ec04ee35b77270",
            "bc628c79accd2364fd31511216a0fab62afd4a18ff77a20deded7b858c9860c8",
            "59284fd1650ea9fa17db2b3acf59ecd0f2d52ec3261dd4152785813ff27a33bf",
            "576c23393a8b31cc8da6688d9c9a96394ec74b40fdaf1f693a6bb84284334ea0",
        ],
        [
            "ad00d431add9c673e843d4c2bf9a778a5f402b985b8da2d5550bf39cda41d679",
            "967d5232515e10b81ff226ecf5a9e2e2aff92d66ebc3edf0987eb56357fd6248",
            "b20f47bb6ae083659f3aa986bfa0435c55c6d93f687d51a01f26862d9b9a4899",
            "fb5fca398eb0b1deb955a2988b5ac77d32956155f1c002a373535211a2dfdc29",
            "5f09bfbfe27c439a597719321e061e2e40aad4a36768bb2bcc3de547c9644bf9",
        ],
    );
}

#[test]
fn cashu_secrets_match_the_nut13_keyset_v2_vectors() {
    check_nut13(
        "015ba18a8adcd02e715a58358eb618da4a4b3791151a4bee5e968bb88406ccf76a",
        [
            "db5561a07a6e6490f8dadeef5be4e92f7cebaecf2f245356b5b2a4ec40687298",
            "b70e7b10683da3bf1cdf0411206f8180c463faa16014663f39f2529b2fda922e",
            "78a7ac32ccecc6b83311c6081b89d84bb4128f5a0d0c5e1af081f301c7a513f5",
            "094a2b6c63bfa7970bc09cda0e1cfc9cd3d7c619b8e98fabcfc60aea9e4963e5",
            "5e89fc5d30d0bf307ddf0a3ac34aa7a8ee3702169dafa3d3fe1d0cae70ecd5ef",
        ],
        [
            "6d26181a3695e32e9f88b80f039ba1ae2ab5a200ad4ce9dbc72c6d3769f2b035",
            "bde4354cee75545bea1a2eee035a34f2d524cee2bb01613823636e998386952e",
            "f40cc1218f085b395c8e1e5aaa25dccc851be3c6c7526a0f4e57108f12d6dac4",
            "099ed70fc2f7ac769bc20b2a75cb662e80779827b7cc358981318643030577d0",
            "5550337312d223ba62e3f75cfe2ab70477b046d98e3e71804eade3956c7b98cf",
        ],
    );
}

#[test]
fn cashu_seed_is_the_bip39_seed() {
    let mnemonic = parse(NUT13_PHRASE).unwrap();
    let seed = CashuSeed::from_mnemonic(&mnemonic);
    assert_eq!(seed.bytes(), &*mnemonic.to_seed());
    assert!(!format!("{seed:?}").contains(&seed.bytes()[..4].to_lower_hex_string()));
}

#[test]
fn bad_keyset_ids_are_errors() {
    let seed = CashuSeed::from_mnemonic(&parse(NUT13_PHRASE).unwrap());
    for id in [
        "",
        "not hex",
        "009a1f293253e4",
        "009a1f293253e41e00",
        "01abcd",
    ] {
        assert!(
            matches!(seed.derive(id, 0), Err(CashuError::InvalidKeysetId { .. })),
            "{id:?}"
        );
    }
    assert!(matches!(
        seed.derive("029a1f293253e41e", 0),
        Err(CashuError::UnsupportedKeysetVersion { .. })
    ));
    assert!(matches!(
        seed.derive("009a1f293253e41e", 1 << 31),
        Err(CashuError::Derivation(_))
    ));
}

// ---- Debug -------------------------------------------------------------

#[test]
fn debug_of_an_onchain_account_shows_no_secret() {
    let mnemonic = parse(NIP06_VECTORS[0].phrase).unwrap();
    let account = Bip84Account::derive(&mnemonic.to_seed(), Network::Bitcoin).unwrap();
    let shown = format!("{account:?} {account:#?}");
    for word in mnemonic.words() {
        assert!(!shown.contains(word), "{word} in {shown}");
    }
    assert!(!shown.contains(NIP06_VECTORS[0].secret_hex));
    assert!(!shown.contains("xprv"));
    let seed = mnemonic.to_seed();
    assert!(!shown.contains(&seed[..8].to_lower_hex_string()));
}
