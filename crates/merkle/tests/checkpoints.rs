//! Checkpoints (SPEC §5): round trips, cross-checks against `signed_note`'s own verifier and
//! signer, and rejections.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use pactlog_merkle::{
    key_id, leaf_hash, verifier_key, verify_checkpoint, Checkpoint, CheckpointError,
    CheckpointSigner, CheckpointVerifier, Hash,
};
use signed_note::{Note, StandardSigner, StandardVerifier, VerifierList};

const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";

fn log_key() -> SigningKey {
    SigningKey::from_bytes(&[7u8; 32])
}

fn other_key() -> SigningKey {
    SigningKey::from_bytes(&[8u8; 32])
}

fn signer() -> CheckpointSigner {
    CheckpointSigner::new(ORIGIN, log_key()).unwrap()
}

fn root() -> Hash {
    leaf_hash(b"some root")
}

/// `signed_note`'s signer key string for `key` under `name`, to sign arbitrary texts.
fn standard_signer(name: &str, key: &SigningKey) -> StandardSigner {
    let mut private = vec![0x01];
    private.extend_from_slice(&key.to_bytes());
    let id = key_id(name, &key.verifying_key());
    StandardSigner::new(&format!(
        "PRIVATE+KEY+{name}+{id:08x}+{}",
        BASE64.encode(private)
    ))
    .unwrap()
}

/// A note with `text` signed by `key` under `name`, built by `signed_note`.
fn note_by(text: &str, name: &str, key: &SigningKey) -> String {
    let mut note = Note::new(text.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&standard_signer(name, key)]).unwrap();
    String::from_utf8(note.to_bytes()).unwrap()
}

#[test]
fn signed_checkpoint_has_the_spec_form_and_verifies() {
    let signer = signer();
    let note = signer.sign(42, root()).unwrap();
    let (body, signature_line) = note.split_once("\n\n").unwrap();
    assert_eq!(
        format!("{body}\n"),
        format!("{ORIGIN}\n42\n{}\n", root().to_base64())
    );
    let signature = signature_line
        .strip_prefix(&format!("— {ORIGIN} "))
        .unwrap()
        .strip_suffix('\n')
        .unwrap();
    let signature = BASE64.decode(signature).unwrap();
    assert_eq!(signature.len(), 4 + 64);
    assert_eq!(signature[..4], signer.key_id().to_be_bytes());

    let checkpoint = verify_checkpoint(&note, &signer.verifier_key()).unwrap();
    assert_eq!(
        checkpoint,
        Checkpoint {
            origin: ORIGIN.to_owned(),
            size: 42,
            root: root()
        }
    );
    assert_eq!(checkpoint.body(), format!("{body}\n"));
    assert_eq!(
        signer.sign_checkpoint(&checkpoint).unwrap(),
        note,
        "Ed25519 is deterministic"
    );
}

#[test]
fn key_hash_and_key_string_match_signed_note() {
    let vk = log_key().verifying_key();
    let mut typed_key = vec![0x01];
    typed_key.extend_from_slice(vk.as_bytes());
    assert_eq!(key_id(ORIGIN, &vk), signed_note::key_id(ORIGIN, &typed_key));
    let ours = verifier_key(ORIGIN, &vk).unwrap();
    assert_eq!(ours, signed_note::new_ed25519_verifier_key(ORIGIN, &vk));
    assert_eq!(ours, signer().verifier_key());
    // SPEC §5 by hand: <name>+<hex of SHA-256(name || "\n" || 0x01 || key)[..4]>+<base64>.
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest([ORIGIN.as_bytes(), b"\n", &typed_key].concat());
    let want = format!(
        "{ORIGIN}+{}+{}",
        digest[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>(),
        BASE64.encode(&typed_key)
    );
    assert_eq!(ours, want);
    assert_eq!(CheckpointVerifier::parse(&ours).unwrap().to_string(), ours);
}

#[test]
fn our_notes_verify_with_signed_note_and_theirs_with_ours() {
    let signer = signer();
    let note = signer.sign(7, root()).unwrap();
    let theirs = StandardVerifier::new(&signer.verifier_key()).unwrap();
    let parsed = Note::from_bytes(note.as_bytes()).unwrap();
    let (verified, unverified) = parsed
        .verify(&VerifierList::new(vec![Box::new(theirs)]))
        .unwrap();
    assert_eq!((verified.len(), unverified.len()), (1, 0));

    let body = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 7,
        root: root(),
    }
    .body();
    let their_note = note_by(&body, ORIGIN, &log_key());
    assert_eq!(their_note, note);
    assert_eq!(
        verify_checkpoint(&their_note, &signer.verifier_key())
            .unwrap()
            .size,
        7
    );
}

#[test]
fn witness_cosignatures_and_unknown_keys_are_ignored() {
    let signer = signer();
    let note = signer.sign(9, root()).unwrap();
    let witness = format!("— witness.example/w1 {}\n", BASE64.encode([0x5a; 4 + 72]));
    // Same name, another key (hence another key hash): an unknown key, ignored.
    let rotated = note_by(
        &note[..note.find("\n\n").unwrap() + 1],
        ORIGIN,
        &other_key(),
    );
    let rotated_line = &rotated[rotated.find("\n\n").unwrap() + 2..];
    for extended in [
        format!("{note}{witness}"),
        format!("{note}{rotated_line}{witness}"),
        {
            let (text, sig) = note.split_once("\n\n").unwrap();
            format!("{text}\n\n{witness}{sig}")
        },
    ] {
        assert_eq!(
            verify_checkpoint(&extended, &signer.verifier_key())
                .unwrap()
                .size,
            9,
            "{extended}"
        );
    }
}

#[test]
fn size_zero_verifies_syntactically() {
    let signer = signer();
    let note = signer.sign(0, pactlog_merkle::EMPTY_ROOT).unwrap();
    assert_eq!(
        verify_checkpoint(&note, &signer.verifier_key())
            .unwrap()
            .size,
        0
    );
}

#[test]
fn a_signature_by_another_key_is_rejected() {
    let signer = signer();
    let impostor = CheckpointSigner::new(ORIGIN, other_key()).unwrap();
    let note = impostor.sign(42, root()).unwrap();
    assert!(matches!(
        verify_checkpoint(&note, &signer.verifier_key()),
        Err(CheckpointError::NotSignedByKey { .. })
    ));
    // Another key that claims our key hash: the signature is checked and fails.
    let body = &note[..note.find("\n\n").unwrap() + 1];
    let mut forged = Note::new(body.as_bytes(), &[]).unwrap();
    let sig = {
        use ed25519_dalek::Signer as _;
        other_key().sign(body.as_bytes()).to_bytes().to_vec()
    };
    let line = signed_note::Signature::new(ORIGIN.to_owned(), signer.key_id(), sig).unwrap();
    forged = Note::new(forged.text(), &[line]).unwrap();
    let forged = String::from_utf8(forged.to_bytes()).unwrap();
    assert!(matches!(
        verify_checkpoint(&forged, &signer.verifier_key()),
        Err(CheckpointError::BadSignature { .. })
    ));
}

#[test]
fn changed_size_root_or_origin_is_rejected() {
    let signer = signer();
    let note = signer.sign(42, root()).unwrap();
    let key = signer.verifier_key();
    let changed = [
        note.replacen("\n42\n", "\n43\n", 1),
        note.replacen(&root().to_base64(), &leaf_hash(b"other").to_base64(), 1),
        note.replacen(
            &format!("{ORIGIN}\n"),
            "pairings.example.gov.cn/zhejiang\n",
            1,
        ),
    ];
    for text in changed {
        assert_ne!(text, note);
        assert!(
            matches!(
                verify_checkpoint(&text, &key),
                Err(CheckpointError::BadSignature { .. })
            ),
            "{text}"
        );
    }
}

#[test]
fn origin_must_be_the_key_name() {
    // Validly signed by our key under our name, but about another origin.
    let body = Checkpoint {
        origin: "elsewhere.example/log".to_owned(),
        size: 3,
        root: root(),
    }
    .body();
    let note = note_by(&body, ORIGIN, &log_key());
    assert!(matches!(
        verify_checkpoint(&note, &signer().verifier_key()),
        Err(CheckpointError::OriginMismatch { .. })
    ));
    let other = Checkpoint {
        origin: "elsewhere.example/log".to_owned(),
        size: 3,
        root: root(),
    };
    assert!(matches!(
        signer().sign_checkpoint(&other),
        Err(CheckpointError::OriginMismatch { .. })
    ));
}

#[test]
fn extension_lines_are_rejected() {
    let body = format!("{ORIGIN}\n3\n{}\nextension line\n", root().to_base64());
    let note = note_by(&body, ORIGIN, &log_key());
    assert_eq!(
        verify_checkpoint(&note, &signer().verifier_key()),
        Err(CheckpointError::ExtensionLines)
    );
    assert_eq!(
        Checkpoint::parse_body(&body),
        Err(CheckpointError::ExtensionLines)
    );
}

#[test]
fn malformed_notes_and_bodies_are_rejected() {
    let signer = signer();
    let key = signer.verifier_key();
    let note = signer.sign(42, root()).unwrap();
    let body_end = note.find("\n\n").unwrap() + 1;
    let malformed_notes = [
        String::new(),
        "hello\n".to_owned(),
        note[..body_end].to_owned(),            // no signatures
        note.replacen("\n\n", "\n", 1),         // no blank line
        note.trim_end_matches('\n').to_owned(), // signature line unterminated
        note.replacen("— ", "-- ", 1),          // not an em dash
        note.replacen(&format!("— {ORIGIN} "), &format!("— {ORIGIN}  "), 1),
        format!("{}— {ORIGIN} !!!notbase64\n", note), // bad base64 in a signature
        note.replacen("\n42\n", "\n4\t2\n", 1),       // control character
        format!("\u{feff}{note}"),                    // BOM: origin changes
    ];
    for text in &malformed_notes {
        assert!(verify_checkpoint(text, &key).is_err(), "accepted {text:?}");
    }
    let r = root().to_base64();
    let bad_bodies = [
        format!("{ORIGIN}\n042\n{r}\n"),
        format!("{ORIGIN}\n+42\n{r}\n"),
        format!("{ORIGIN}\n-1\n{r}\n"),
        format!("{ORIGIN}\n18446744073709551616\n{r}\n"),
        format!("{ORIGIN}\n42\n{}\n", r.trim_end_matches('=')),
        format!("{ORIGIN}\n42\n{}\n", BASE64.encode([1u8; 31])),
        format!("{ORIGIN}\n42\n{r}"),
        format!("{ORIGIN}\n42\n"),
        format!("\n42\n{r}\n"),
        format!("{ORIGIN}\n42\n{r}\n\n"),
    ];
    for body in &bad_bodies {
        assert!(Checkpoint::parse_body(body).is_err(), "accepted {body:?}");
        let note = note_by(
            if body.ends_with('\n') { body } else { "x\n" },
            ORIGIN,
            &log_key(),
        );
        assert!(verify_checkpoint(&note, &key).is_err(), "accepted {note:?}");
    }
    assert_eq!(
        Checkpoint::parse_body(&format!("{ORIGIN}\n42\n{r}\n"))
            .unwrap()
            .size,
        42
    );
}

#[test]
fn verifier_key_strings_are_checked() {
    let good = signer().verifier_key();
    let (name, rest) = good.split_once('+').unwrap();
    let (hex, key) = rest.split_once('+').unwrap();
    let upper = format!("{name}+{}+{key}", hex.to_uppercase());
    assert!(
        CheckpointVerifier::parse(&upper).is_ok(),
        "Go's note accepts uppercase hex"
    );

    let other_vk = other_key().verifying_key();
    let mut typed = vec![0x02];
    typed.extend_from_slice(other_vk.as_bytes());
    let bad = [
        String::new(),
        name.to_owned(),
        format!("{name}+{hex}"),
        format!("{name}+{hex}+"),
        format!("{name}+{hex}+{}", &key[1..]),
        format!(
            "{name}+{:08x}+{key}",
            u32::from_str_radix(hex, 16).unwrap() ^ 1
        ),
        format!("{name}+{}+{key}", &hex[1..]),
        format!("{name}+0x{}+{key}", &hex[2..]),
        format!("bad name+{hex}+{key}"),
        format!("+{hex}+{key}"),
        format!("{name}+{hex}+{}", BASE64.encode(&typed)),
        format!("{name}+{hex}+{}", BASE64.encode([1u8; 32])),
    ];
    for text in &bad {
        assert!(
            CheckpointVerifier::parse(text).is_err(),
            "accepted {text:?}"
        );
    }
    assert!(matches!(
        CheckpointVerifier::parse(&bad[5]),
        Err(CheckpointError::KeyHashMismatch { .. })
    ));
    assert!(CheckpointSigner::new("has space", log_key()).is_err());
    assert!(CheckpointSigner::new("has+plus", log_key()).is_err());
    assert!(CheckpointSigner::new("", log_key()).is_err());
}

#[test]
fn signer_debug_hides_the_key() {
    let text = format!("{:?}", signer());
    assert!(text.contains(ORIGIN));
    let secret = BASE64.encode(log_key().to_bytes());
    assert!(!text.contains(&secret));
    assert!(!text.contains("7, 7, 7"));
}

#[test]
fn note_errors_from_signed_note_map_to_malformed() {
    // A key name with a space in a signature line is malformed for signed_note.
    let note = signer().sign(1, root()).unwrap();
    let text = note.replacen(&format!("— {ORIGIN} "), "— bad name ", 1);
    assert!(matches!(
        verify_checkpoint(&text, &signer().verifier_key()),
        Err(CheckpointError::MalformedNote(_))
    ));
}

#[test]
fn keys_are_shareable_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<CheckpointSigner>();
    assert_send_sync::<CheckpointVerifier>();
    assert_send_sync::<Checkpoint>();
}
