//! `EngineError::Invalid` names the input to fix without changing what an
//! app from before fields were named reads.

use flash_protocol::{decode, encode, EngineError, Field};

#[test]
fn refused_input_names_its_field_and_reads_as_before_without_one() {
    let unnamed = EngineError::Invalid {
        field: None,
        message: "say whom the message is for".into(),
    };
    let before = r#"{"kind":"invalid","message":"say whom the message is for"}"#;
    assert_eq!(encode(&unnamed), before);
    assert_eq!(decode::<EngineError>(before).expect("decodes"), unnamed);

    let named = EngineError::Invalid {
        field: Some(Field::Amount),
        message: "the amount must be more than 0 sat".into(),
    };
    let json =
        r#"{"kind":"invalid","field":"amount","message":"the amount must be more than 0 sat"}"#;
    assert_eq!(encode(&named), json);
    assert_eq!(decode::<EngineError>(json).expect("decodes"), named);
    assert_eq!(named.to_string(), "the amount must be more than 0 sat");
}

#[test]
fn a_field_this_app_does_not_know_still_reads() {
    let newer = r#"{"kind":"invalid","field":"address","message":"not an address"}"#;
    assert_eq!(
        decode::<EngineError>(newer).expect("decodes"),
        EngineError::Invalid {
            field: Some(Field::Other),
            message: "not an address".into(),
        }
    );
}
