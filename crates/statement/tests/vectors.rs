//! The public conformance vectors of `../shared/testvectors/`: RFC 8785 JCS, Wycheproof and
//! ed25519-speccheck. Every file is run; the counts are printed (`cargo test -- --nocapture`
//! shows them) and a missing or empty directory fails the test rather than passing vacuously.

use std::fs;
use std::path::{Path, PathBuf};

use pactlog_statement::canonical::{check_canonical, to_canonical_vec};
use pactlog_statement::signature::verify_raw;

/// The public vectors: `$PACTLOG_TESTVECTORS` if set, else the project's shared copy
/// (`../shared/testvectors` beside the repository) when it is there, else the unmodified copy
/// kept in `tests/vectors/` so a clone anywhere runs them all. `tests/vectors.rs` in the
/// statement crate checks that the kept copy equals the shared one whenever both exist.
fn vectors_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("PACTLOG_TESTVECTORS") {
        return PathBuf::from(dir);
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let shared = repo.join("../shared/testvectors");
    if shared.is_dir() {
        shared
    } else {
        repo.join("tests/vectors")
    }
}

/// ed25519-dalek's own `verify_strict` on the same bytes: pactlog's verification must give
/// the same verdict on every vector (see `signature.rs` on why it does not call it).
fn dalek_verify_strict(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    let (Ok(pk), Ok(sig)) = (
        <[u8; 32]>::try_from(pk),
        ed25519_dalek::Signature::from_slice(sig),
    ) else {
        return false;
    };
    ed25519_dalek::VerifyingKey::from_bytes(&pk)
        .is_ok_and(|key| key.verify_strict(msg, &sig).is_ok())
}

fn vectors(sub: &str) -> PathBuf {
    vectors_root().join(sub)
}

/// The copy kept in the repository is the shared one, file for file, byte for byte.
#[test]
fn kept_vectors_equal_the_shared_ones() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let (kept, shared) = (
        repo.join("tests/vectors"),
        repo.join("../shared/testvectors"),
    );
    if !shared.is_dir() {
        println!("no shared testvectors beside the repository; the kept copy is used");
        return;
    }
    fn files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                files(root, &path, out);
            } else {
                out.push(path.strip_prefix(root).expect("prefix").to_path_buf());
            }
        }
    }
    let (mut a, mut b) = (Vec::new(), Vec::new());
    files(&kept, &kept, &mut a);
    files(&shared, &shared, &mut b);
    a.sort();
    b.sort();
    assert_eq!(
        a, b,
        "tests/vectors lists other files than ../shared/testvectors"
    );
    for file in &a {
        assert_eq!(
            fs::read(kept.join(file)).expect("kept"),
            fs::read(shared.join(file)).expect("shared"),
            "tests/vectors/{} differs from the shared copy",
            file.display()
        );
    }
    println!(
        "tests/vectors: {} files, identical to ../shared/testvectors",
        a.len()
    );
}

fn read(path: &PathBuf) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

#[test]
fn jcs_vectors_canonicalize_byte_exact() {
    let mut names: Vec<String> = fs::read_dir(vectors("jcs/input"))
        .expect("jcs/input")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names.len(),
        6,
        "expected the 6 upstream JCS files, found {names:?}"
    );
    for name in &names {
        let input: serde_json::Value =
            serde_json::from_slice(&read(&vectors("jcs/input").join(name))).expect("input json");
        let expected = read(&vectors("jcs/output").join(name));
        let hex_name = name.replace(".json", ".txt");
        let expected_hex: String = String::from_utf8(read(&vectors("jcs/outhex").join(&hex_name)))
            .expect("hex")
            .split_whitespace()
            .collect();
        assert_eq!(
            hex::encode(&expected),
            expected_hex,
            "{name}: output and outhex differ"
        );
        let ours = to_canonical_vec(&input).expect("canonicalize");
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&expected),
            "{name}"
        );
        // The canonical form is a fixed point of canonicalization. Our validator admits only
        // integers (SPEC §1), so it must accept exactly the outputs that contain no other
        // number.
        let reparsed: serde_json::Value = serde_json::from_slice(&ours).expect("reparse");
        assert_eq!(
            to_canonical_vec(&reparsed).expect("again"),
            ours,
            "{name}: not idempotent"
        );
        let integers_only = !contains_non_integer(&reparsed);
        assert_eq!(
            check_canonical(&ours).is_ok(),
            integers_only,
            "{name}: validator verdict"
        );
    }
    println!(
        "jcs vectors: {} files canonicalized byte-exact",
        names.len()
    );
}

fn contains_non_integer(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.unsigned_abs() > (1 << 53) - 1,
            None => n.as_u64().is_none_or(|u| u > (1 << 53) - 1),
        },
        serde_json::Value::Array(items) => items.iter().any(contains_non_integer),
        serde_json::Value::Object(map) => map.values().any(contains_non_integer),
        _ => false,
    }
}

#[test]
fn wycheproof_ed25519_every_case_as_expected() {
    let data: serde_json::Value =
        serde_json::from_slice(&read(&vectors("wycheproof/ed25519_test.json"))).expect("json");
    let (mut valid, mut invalid) = (0, 0);
    for group in data["testGroups"].as_array().expect("groups") {
        let pk = hex::decode(group["publicKey"]["pk"].as_str().expect("pk")).expect("pk hex");
        for case in group["tests"].as_array().expect("tests") {
            let id = &case["tcId"];
            let msg = hex::decode(case["msg"].as_str().expect("msg")).expect("msg hex");
            let sig = hex::decode(case["sig"].as_str().expect("sig")).expect("sig hex");
            let verdict = verify_raw(&pk, &msg, &sig);
            assert_eq!(
                verdict.is_ok(),
                dalek_verify_strict(&pk, &msg, &sig),
                "tcId {id}: pactlog and verify_strict disagree"
            );
            match case["result"].as_str() {
                Some("valid") => {
                    assert_eq!(verdict, Ok(()), "tcId {id} should verify");
                    valid += 1;
                }
                Some("invalid") => {
                    assert!(verdict.is_err(), "tcId {id} should be rejected");
                    invalid += 1;
                }
                other => panic!("tcId {id}: unexpected result {other:?}"),
            }
        }
    }
    assert_eq!(
        valid + invalid,
        data["numberOfTests"].as_u64().expect("count") as usize
    );
    println!(
        "wycheproof ed25519: {} cases, {valid} valid verified, {invalid} invalid rejected",
        valid + invalid
    );
}

/// SPEC §2: on the 12 speccheck cases only case 3 verifies (`X X X V X X X X X X X X`).
#[test]
fn speccheck_ed25519_strict_verdicts() {
    // As SPEC §2 writes it: one verdict per case, V verifies, X is rejected.
    const EXPECTED: &str = "X X X V X X X X X X X X";
    let cases: Vec<serde_json::Value> =
        serde_json::from_slice(&read(&vectors("ed25519-speccheck/cases.json"))).expect("json");
    assert_eq!(cases.len(), EXPECTED.split(' ').count());
    let verdicts: String = cases
        .iter()
        .map(|case| {
            let field = |name: &str| hex::decode(case[name].as_str().expect(name)).expect("hex");
            let (pk, msg, sig) = (field("pub_key"), field("message"), field("signature"));
            let verdict = verify_raw(&pk, &msg, &sig);
            assert_eq!(verdict.is_ok(), dalek_verify_strict(&pk, &msg, &sig));
            match verdict {
                Ok(()) => 'V',
                Err(_) => 'X',
            }
        })
        .collect();
    let verdicts = verdicts
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(" ");
    assert_eq!(verdicts, EXPECTED);
    println!("ed25519-speccheck: 12 cases, verdicts {verdicts} (only case 3 verifies)");
}
