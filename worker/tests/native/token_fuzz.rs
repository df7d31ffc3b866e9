//! Fuzzing the token parser: whatever is pasted, the wallet answers with a
//! token or a reason, and never panics (a panic kills the whole app).
//!
//! `FLASH_FUZZ_CASES` sets the inputs per property (default 2,000; the
//! closing note's figure used 100,000): `FLASH_FUZZ_CASES=100000 cargo test
//! --release -p flash-worker --test native token_fuzz:: -- --nocapture`.
#![cfg(not(target_arch = "wasm32"))]

use std::str::FromStr;

use base64::Engine as _;
use cdk::mint_url::MintUrl;
use cdk::nuts::{CurrencyUnit, Id, Proof, SecretKey, Token};
use cdk::secret::Secret;
use cdk::Amount;
use flash_worker::ecash::token::{parse, recipient};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("FLASH_FUZZ_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(2_000)
}

/// A well-formed token of `amounts`, in v4 (`cashuB`) and v3 (`cashuA`).
fn real_tokens(amounts: &[u64]) -> (String, String) {
    let keyset = Id::from_str("009a1f293253e41e").expect("keyset id");
    let proofs = amounts
        .iter()
        .map(|amount| Proof {
            amount: Amount::from(*amount),
            keyset_id: keyset,
            secret: Secret::generate(),
            c: SecretKey::generate().public_key(),
            witness: None,
            dleq: None,
            p2pk_e: None,
        })
        .collect();
    let mint = MintUrl::from_str("https://mint.example.com").expect("mint url");
    let token = Token::new(mint, proofs, Some("fuzz".into()), CurrencyUnit::Sat);
    (token.to_string(), token.to_v3_string())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_text_gets_an_answer(text in "\\PC*") {
        let _ = parse(&text);
        let _ = recipient(&text);
    }

    #[test]
    fn token_shaped_text_gets_an_answer(
        prefix in prop::sample::select(vec!["cashuA", "cashuB", "cashu:cashuB", " cashuA"]),
        body in "[A-Za-z0-9_=+/-]{0,600}",
    ) {
        let _ = parse(&format!("{prefix}{body}"));
    }

    #[test]
    fn any_cbor_or_json_bytes_get_an_answer(bytes in prop::collection::vec(any::<u8>(), 0..700)) {
        let url_safe = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
        let _ = parse(&format!("cashuB{url_safe}"));
        let _ = parse(&format!("cashuA{url_safe}"));
    }

    #[test]
    fn damaged_real_tokens_get_an_answer(
        amounts in prop::collection::vec(prop::sample::select(vec![1u64, 2, 4, 8, 16, 1 << 40, u64::MAX]), 0..9),
        cut in any::<prop::sample::Index>(),
        flip in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let (v4, v3) = real_tokens(&amounts);
        for token in [v4, v3] {
            // The whole token parses (or is refused for its amounts).
            let _ = parse(&token);
            let mut damaged = token.clone().into_bytes();
            let at = flip.index(damaged.len());
            damaged[at] = byte;
            let _ = parse(&String::from_utf8_lossy(&damaged));
            let _ = parse(&token[..cut.index(token.len())]);
        }
    }
}

#[test]
fn a_real_token_reads_back_with_its_amount_and_mint() {
    let (v4, v3) = real_tokens(&[1, 2, 8]);
    for text in [v4, v3] {
        let token = parse(&format!("  cashu:{text}\n")).expect("a token");
        assert_eq!(token.value().expect("amount"), Amount::from(11));
        assert_eq!(
            token.mint_url().expect("mint").to_string(),
            "https://mint.example.com"
        );
    }
}
