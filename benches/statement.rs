//! Statement hot path: sign, verify, canonicalize, hash — and the ratio of pactlog's whole
//! envelope-verification path to a bare `verify_strict` on the same messages, measured side
//! by side in one run (machines here are noisy; only ratios are comparable).
//!
//! Run: `cargo bench --bench statement`. Figures go to `benches/README.md`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion};
use ed25519_dalek::SigningKey;
use pactlog_statement::canonical::{check_canonical, to_canonical_vec};
use pactlog_statement::envelope::Envelope;
use pactlog_statement::personal_data::find_personal_data;
use pactlog_statement::signature::signed_message;
use pactlog_statement::statement::parse_statement;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";

/// A realistic agreement proposal (~1.5 KB canonical), the largest common statement.
fn proposal() -> serde_json::Value {
    let obligations: Vec<serde_json::Value> = (0..6)
        .map(|i| {
            serde_json::json!({
                "id": format!("ob-{i}"),
                "owner": if i % 2 == 0 { "js.lyg.fgw" } else { "js.lyg.v.nanxin" },
                "category": "livelihood",
                "title": "每季度走访调研不少于2次，协调解决群众急难愁盼问题",
                "measure": {"metric": "visits", "target": 8},
                "due": "2025-12-31"
            })
        })
        .collect();
    serde_json::json!({
        "log": ORIGIN, "type": "agreement.proposed", "author": "js.lyg.fgw",
        "time": "2025-03-01T10:00:00Z",
        "body": {
            "agreement": "lyg-2025-fgw-nanxin", "version": 1, "kind": "pairing",
            "title": "市发改委机关党支部与南辛村党支部结对共建协议",
            "parties": ["js.lyg.fgw", "js.lyg.v.nanxin"],
            "term": {"start": "2025-03-01", "end": "2027-02-28"},
            "categories": ["party_building", "livelihood", "projects"],
            "goals": ["支部共建", "项目带动", "村集体增收"],
            "meetings": {"every": "quarter"},
            "obligations": obligations
        }
    })
}

/// A small statement: a counter-confirmation.
fn confirmation() -> serde_json::Value {
    serde_json::json!({
        "log": ORIGIN, "type": "result.confirmed", "author": "js.lyg.v.nanxin",
        "time": "2025-06-01T08:00:00Z", "body": {"result": "r-2025-0001"}
    })
}

struct Sample {
    name: &'static str,
    envelope_bytes: Vec<u8>,
    message: Vec<u8>,
    key: ed25519_dalek::VerifyingKey,
    signature: ed25519_dalek::Signature,
}

fn samples() -> Vec<Sample> {
    let key = SigningKey::from_bytes(&[3; 32]);
    [
        ("agreement.proposed", proposal()),
        ("result.confirmed", confirmation()),
    ]
    .into_iter()
    .map(|(name, statement)| {
        let envelope = Envelope::sign(&statement, &key).expect("sign");
        let signature_bytes: [u8; 64] = base64_decode(&envelope.signature_base64());
        Sample {
            name,
            envelope_bytes: envelope.to_canonical_json().into_bytes(),
            message: signed_message(envelope.statement_bytes()),
            key: key.verifying_key(),
            signature: ed25519_dalek::Signature::from_bytes(&signature_bytes),
        }
    })
    .collect()
}

fn base64_decode<const N: usize>(text: &str) -> [u8; N] {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
        .try_into()
        .expect("length")
}

/// pactlog's whole verification of one envelope as the sequencer runs it before the state
/// machine: checks 1–5 and 7–8 of SPEC §4.2 (size, JSON, canonical form, strict signature,
/// log, typed schema, personal data) and the statement id.
fn verify_envelope(bytes: &[u8]) {
    let envelope = Envelope::parse(bytes).expect("valid");
    envelope.check_log(ORIGIN).expect("our log");
    black_box(envelope.id());
}

/// Everything the sequencer checks before the state machine: checks 1–5 and 7–8 (typed
/// schema and personal data), as `Prepared::new` runs them.
fn prepare(bytes: &[u8]) {
    let prepared = pactlog_state::replay::Prepared::new(bytes, ORIGIN).expect("valid");
    black_box(prepared.statement.expect("schema"));
}

fn components(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[3; 32]);
    for sample in samples() {
        let statement_value: serde_json::Value = serde_json::from_slice(
            &sample.message[pactlog_statement::signature::STATEMENT_DOMAIN.len()..],
        )
        .expect("statement");
        let canonical = to_canonical_vec(&statement_value).expect("canonical");
        let mut group = c.benchmark_group(sample.name);
        group.bench_function("sign", |b| {
            b.iter(|| Envelope::sign(black_box(&statement_value), &key).expect("sign"))
        });
        group.bench_function("verify_strict (bare)", |b| {
            b.iter(|| {
                sample
                    .key
                    .verify_strict(black_box(&sample.message), &sample.signature)
            })
        });
        group.bench_function("verify envelope (ours)", |b| {
            b.iter(|| verify_envelope(black_box(&sample.envelope_bytes)))
        });
        group.bench_function("canonicalize (serialize)", |b| {
            b.iter(|| to_canonical_vec(black_box(&statement_value)).expect("canonical"))
        });
        group.bench_function("check canonical", |b| {
            b.iter(|| check_canonical(black_box(&canonical)).expect("canonical"))
        });
        group.bench_function("sha256 id", |b| {
            b.iter(|| Sha256::digest(black_box(&canonical)))
        });
        let signer_bytes = sample.key.to_bytes();
        group.bench_function("decompress signer key", |b| {
            b.iter(|| ed25519_dalek::VerifyingKey::from_bytes(black_box(&signer_bytes)))
        });
        group.bench_function("envelope parse (checks 1-4)", |b| {
            b.iter(|| Envelope::parse(black_box(&sample.envelope_bytes)).expect("valid"))
        });
        let envelope = Envelope::parse(&sample.envelope_bytes).expect("valid");
        group.bench_function("typed statement (check 7)", |b| {
            b.iter(|| parse_statement(black_box(envelope.statement_bytes())).expect("schema"))
        });
        let statement = parse_statement(envelope.statement_bytes()).expect("schema");
        group.bench_function("personal data scan (check 8)", |b| {
            b.iter(|| {
                for (_, text) in black_box(&statement).text_fields() {
                    black_box(find_personal_data(text));
                }
            })
        });
        group.finish();
    }
}

/// Alternates rounds of the paths on the same messages, so drift in machine speed hits all
/// alike, and prints the ratio of their medians to bare `verify_strict`.
fn ratio() {
    const ROUNDS: usize = 41;
    const PER_ROUND: usize = 200;
    let time = |f: &dyn Fn()| {
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            f();
        }
        start.elapsed()
    };
    println!();
    println!("ratios to bare verify_strict (same messages, interleaved rounds, medians):");
    for sample in samples() {
        let (mut bare, mut envelope, mut prepared) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            bare.push(time(&|| {
                let _ = black_box(
                    sample
                        .key
                        .verify_strict(black_box(&sample.message), &sample.signature),
                );
            }));
            envelope.push(time(&|| verify_envelope(black_box(&sample.envelope_bytes))));
            prepared.push(time(&|| prepare(black_box(&sample.envelope_bytes))));
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2].as_secs_f64() * 1e6 / PER_ROUND as f64
        };
        let (bare, envelope, prepared) = (
            median(&mut bare),
            median(&mut envelope),
            median(&mut prepared),
        );
        println!(
            "  {:<20} {:>5} bytes  verify_strict {bare:>6.1} µs | envelope (checks 1-5) {envelope:>6.1} µs = {:.3}x | + schema & personal data (1-8) {prepared:>6.1} µs = {:.3}x",
            sample.name,
            sample.envelope_bytes.len(),
            envelope / bare,
            prepared / bare,
        );
    }
}

criterion_group!(benches, components);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratio();
}
