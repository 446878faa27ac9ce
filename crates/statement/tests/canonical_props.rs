//! Property tests that pin the hand-written canonical-form validator to the JCS serializer,
//! and that any one-bit change to a signed envelope breaks it.

use ed25519_dalek::SigningKey;
use pactlog_statement::canonical::{check_canonical, to_canonical_vec};
use pactlog_statement::envelope::Envelope;
use pactlog_statement::signature::{
    parse_signer, signed_message, verify_raw, verify_statement, SignerKey,
};
use proptest::prelude::*;
use serde_json::Value;

const INT_MAX: i64 = (1 << 53) - 1;

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-INT_MAX..=INT_MAX).prop_map(Value::from),
        ".{0,8}".prop_map(Value::String),
        "[\\x00-\\x1f\"\\\\\u{7f}\u{e9}\u{4e2d}\u{fb33}\u{1f602}]{0,4}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-c\u{e9}\u{fb33}\u{1f602}]{0,3}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn jcs(value: &Value) -> Vec<u8> {
    to_canonical_vec(value).expect("canonicalize")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Every JCS output is accepted.
    #[test]
    fn jcs_output_is_canonical(value in json_value()) {
        prop_assert_eq!(check_canonical(&jcs(&value)), Ok(()));
    }

    /// Other serializations are accepted exactly when they happen to equal the JCS form.
    #[test]
    fn other_serializations_accepted_only_when_identical(value in json_value(), pretty in any::<bool>()) {
        let text = if pretty {
            serde_json::to_vec_pretty(&value).expect("pretty")
        } else {
            serde_json::to_vec(&value).expect("compact")
        };
        prop_assert_eq!(check_canonical(&text).is_ok(), text == jcs(&value));
    }

    /// After any one-byte change, the validator accepts exactly when the bytes are still
    /// JSON whose JCS form they are (duplicates and out-of-range numbers aside, which make
    /// the parse-and-compare oracle unreliable and are covered by unit tests).
    #[test]
    fn one_byte_mutations_agree_with_the_serializer(
        value in json_value(), index in any::<prop::sample::Index>(), byte in any::<u8>()
    ) {
        let mut bytes = jcs(&value);
        let i = index.index(bytes.len());
        bytes[i] = byte;
        let oracle = match serde_json::from_slice::<Value>(&bytes) {
            Ok(parsed) => to_canonical_vec(&parsed).ok().map(|c| c == bytes),
            Err(_) => Some(false),
        };
        let verdict = check_canonical(&bytes).is_ok();
        if let Some(want) = oracle {
            if verdict != want {
                // The only legitimate disagreement: a duplicate key, which serde_json
                // silently merges, or a number the oracle would re-format.
                prop_assert!(!verdict, "validator accepted {:?}", String::from_utf8_lossy(&bytes));
            }
        }
    }
}

fn signed() -> (Envelope, SigningKey) {
    let key = SigningKey::from_bytes(&[42; 32]);
    let statement = serde_json::json!({
        "author": "js.lyg.fgw", "log": "pairings.example.gov.cn/jiangsu",
        "time": "2025-03-01T10:00:00Z", "type": "result.confirmed",
        "body": {"result": "r-2025-001"}
    });
    (Envelope::sign(&statement, &key).expect("sign"), key)
}

#[test]
fn every_one_bit_change_to_signer_or_signature_fails() {
    let (envelope, key) = signed();
    let public = key.verifying_key().to_bytes();
    let signature = base64_decode(&envelope.signature_base64());
    let message = signed_message(envelope.statement_bytes());
    assert_eq!(verify_raw(&public, &message, &signature), Ok(()));
    let mut flips = 0;
    for bit in 0..public.len() * 8 {
        let mut changed = public;
        changed[bit / 8] ^= 1 << (bit % 8);
        assert!(
            verify_raw(&changed, &message, &signature).is_err(),
            "signer bit {bit}"
        );
        flips += 1;
    }
    for bit in 0..signature.len() * 8 {
        let mut changed = signature.clone();
        changed[bit / 8] ^= 1 << (bit % 8);
        assert!(
            verify_raw(&public, &message, &changed).is_err(),
            "signature bit {bit}"
        );
        flips += 1;
    }
    assert_eq!(flips, 256 + 512);
}

proptest! {
    /// A one-bit change anywhere in the signed statement bytes fails verification, and the
    /// envelope carrying the changed statement is refused.
    #[test]
    fn one_bit_change_in_statement_fails(bit in 0usize..8 * 256) {
        let (envelope, key) = signed();
        let mut statement = envelope.statement_bytes().to_vec();
        let bit = bit % (statement.len() * 8);
        statement[bit / 8] ^= 1 << (bit % 8);
        let signature = base64_decode(&envelope.signature_base64());
        let signature = ed25519_dalek::Signature::from_slice(&signature).expect("sig");
        prop_assert!(verify_statement(&SignerKey::new(key.verifying_key()), &statement, &signature).is_err());
        let signer = parse_signer(&envelope.signer_base64()).expect("signer");
        prop_assert_eq!(*signer.verifying_key(), key.verifying_key());
        let mut body = br#"{"signature":""#.to_vec();
        body.extend_from_slice(envelope.signature_base64().as_bytes());
        body.extend_from_slice(br#"","signer":""#);
        body.extend_from_slice(envelope.signer_base64().as_bytes());
        body.extend_from_slice(br#"","statement":"#);
        body.extend_from_slice(&statement);
        body.push(b'}');
        prop_assert!(Envelope::parse(&body).is_err());
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}
