//! Receipts (SPEC §8, C2SP tlog-proof): round trips and rejections.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use pactlog_merkle::{
    leaf_hash, verify_receipt, verify_receipt_with, CheckpointError, CheckpointSigner, Hash,
    ProofError, Receipt, ReceiptError, Tree, RECEIPT_HEADER, RECEIPT_LEN_MAX,
};

const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";

struct Log {
    entries: Vec<Vec<u8>>,
    tree: Tree,
    signer: CheckpointSigner,
}

fn log(size: usize) -> Log {
    let entries: Vec<Vec<u8>> = (0..size)
        .map(|i| format!(r#"{{"seq":{i},"envelope":{{}}}}"#).into_bytes())
        .collect();
    let mut tree = Tree::new();
    for entry in &entries {
        tree.append_data(entry);
    }
    let signer = CheckpointSigner::new(ORIGIN, SigningKey::from_bytes(&[3u8; 32])).unwrap();
    Log {
        entries,
        tree,
        signer,
    }
}

impl Log {
    fn receipt(&self, index: u64, size: u64) -> String {
        let proof = self.tree.inclusion_proof(index, size).unwrap();
        let note = self
            .signer
            .sign(size, self.tree.root_at(size).unwrap())
            .unwrap();
        Receipt::encode(&self.entries[index as usize], index, &proof, &note)
    }
}

#[test]
fn receipts_round_trip_and_verify() {
    let log = log(300);
    let key = log.signer.verifier_key();
    for (index, size) in [(0, 1), (0, 300), (17, 300), (255, 256), (299, 300), (5, 6)] {
        let text = log.receipt(index, size);
        let verified = verify_receipt(&text, &key).unwrap();
        assert_eq!(verified.index, index);
        assert_eq!(verified.leaf_data, log.entries[index as usize]);
        assert_eq!(verified.checkpoint.size, size);
        assert_eq!(verified.checkpoint.root, log.tree.root_at(size).unwrap());
        assert_eq!(verified.checkpoint.origin, ORIGIN);
        let parsed = Receipt::parse(&text).unwrap();
        assert_eq!(parsed.to_text(), text);
        assert_eq!(parsed.index, index);
        assert_eq!(
            verify_receipt_with(&text, &log.signer.verifier()).unwrap(),
            verified
        );
    }
}

#[test]
fn receipt_text_follows_tlog_proof() {
    let log = log(5);
    let text = log.receipt(2, 5);
    let proof = log.tree.inclusion_proof(2, 5).unwrap();
    let note = log.signer.sign(5, log.tree.root()).unwrap();
    let mut want = format!(
        "{RECEIPT_HEADER}\nextra {}\nindex 2\n",
        BASE64.encode(&log.entries[2])
    );
    for hash in &proof {
        want.push_str(&format!("{}\n", hash.to_base64()));
    }
    want.push('\n');
    want.push_str(&note);
    assert_eq!(text, want);
    assert!(text.ends_with('\n'));
}

#[test]
fn witness_cosignatures_in_the_checkpoint_are_fine() {
    let log = log(10);
    let text = log.receipt(4, 10);
    let cosigned = format!("{text}— witness.example/w {}\n", BASE64.encode([9u8; 76]));
    assert_eq!(
        verify_receipt(&cosigned, &log.signer.verifier_key())
            .unwrap()
            .index,
        4
    );
}

#[test]
fn tampered_receipts_are_rejected() {
    let log = log(40);
    let key = log.signer.verifier_key();
    let text = log.receipt(9, 40);
    let parsed = Receipt::parse(&text).unwrap();

    // Other leaf data.
    let mut other = parsed.clone();
    other.extra = Some(b"{\"seq\":9,\"forged\":true}".to_vec());
    assert!(matches!(
        verify_receipt(&other.to_text(), &key),
        Err(ReceiptError::Inclusion(ProofError::RootMismatch))
    ));
    // Another index.
    let mut other = parsed.clone();
    other.index = 8;
    assert!(matches!(
        verify_receipt(&other.to_text(), &key),
        Err(ReceiptError::Inclusion(_))
    ));
    other.index = 40;
    assert!(matches!(
        verify_receipt(&other.to_text(), &key),
        Err(ReceiptError::Inclusion(ProofError::IndexOutOfRange { .. }))
    ));
    // An altered, missing or extra proof hash.
    let mut other = parsed.clone();
    other.proof[1].0[0] ^= 0x80;
    assert!(verify_receipt(&other.to_text(), &key).is_err());
    let mut other = parsed.clone();
    other.proof.pop();
    assert!(verify_receipt(&other.to_text(), &key).is_err());
    let mut other = parsed.clone();
    other.proof.push(leaf_hash(b"extra"));
    assert!(verify_receipt(&other.to_text(), &key).is_err());
    // A checkpoint by another key, or of another size.
    let impostor = CheckpointSigner::new(ORIGIN, SigningKey::from_bytes(&[4u8; 32])).unwrap();
    let mut other = parsed.clone();
    other.checkpoint = impostor.sign(40, log.tree.root()).unwrap();
    assert!(matches!(
        verify_receipt(&other.to_text(), &key),
        Err(ReceiptError::Checkpoint(
            CheckpointError::NotSignedByKey { .. }
        ))
    ));
    let mut other = parsed.clone();
    other.checkpoint = other.checkpoint.replacen("\n40\n", "\n41\n", 1);
    assert!(matches!(
        verify_receipt(&other.to_text(), &key),
        Err(ReceiptError::Checkpoint(
            CheckpointError::BadSignature { .. }
        ))
    ));
    // Validly signed checkpoint of another size: the proof is for size 40.
    let mut other = parsed.clone();
    other.checkpoint = log.signer.sign(39, log.tree.root_at(39).unwrap()).unwrap();
    assert!(verify_receipt(&other.to_text(), &key).is_err());
    // No extra line: well-formed tlog-proof, but nothing for pactlog to check.
    let mut other = parsed.clone();
    other.extra = None;
    assert!(Receipt::parse(&other.to_text()).is_ok());
    assert_eq!(
        verify_receipt(&other.to_text(), &key),
        Err(ReceiptError::MissingExtra)
    );
    // A malformed key.
    assert!(matches!(
        verify_receipt(&text, "not a key"),
        Err(ReceiptError::Checkpoint(
            CheckpointError::MalformedVerifierKey(_)
        ))
    ));
}

#[test]
fn malformed_receipts_are_rejected() {
    let log = log(40);
    let text = log.receipt(9, 40);
    let first_proof_line = Receipt::parse(&text).unwrap().proof[0].to_base64();
    let malformed = [
        String::new(),
        "\n\n".to_owned(),
        text.replacen(RECEIPT_HEADER, "c2sp.org/tlog-proof@v2", 1),
        text.replacen(RECEIPT_HEADER, &format!(" {RECEIPT_HEADER}"), 1),
        text.replacen("index 9\n", "index 09\n", 1),
        text.replacen("index 9\n", "index +9\n", 1),
        text.replacen("index 9\n", "index  9\n", 1),
        text.replacen("index 9\n", "index\n", 1),
        text.replacen("index 9\n", "", 1),
        text.replacen("index 9\n", "index 18446744073709551616\n", 1),
        text.replacen("extra ", "extra !", 1),
        text.replacen("extra ", "Extra ", 1),
        text.replacen(&first_proof_line, &first_proof_line[1..], 1),
        text.replacen(&first_proof_line, &format!("{first_proof_line} "), 1),
        text.replacen("\n\n", "\n", 1), // no empty line before the checkpoint
        text.replacen("\nindex", "\r\nindex", 1),
    ];
    for bad in &malformed {
        assert!(
            matches!(Receipt::parse(bad), Err(ReceiptError::Malformed { .. })),
            "accepted {bad:?}"
        );
    }
    // More than 64 proof lines.
    let mut long = Receipt::parse(&text).unwrap();
    long.proof = vec![Hash::default(); 65];
    assert!(Receipt::parse(&long.to_text()).is_err());
    long.proof.truncate(64);
    assert!(Receipt::parse(&long.to_text()).is_ok());
    // Too long overall.
    let huge = format!("{text}{}", "x".repeat(RECEIPT_LEN_MAX));
    assert!(matches!(
        Receipt::parse(&huge),
        Err(ReceiptError::TooLong { .. })
    ));
}
