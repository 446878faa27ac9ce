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
use pactlog_statement::signature::signed_message;
use sha2::{Digest, Sha256};

const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";

/// A realistic agreement proposal (~1.5 KB canonical), the largest common statement.
fn proposal() -> serde_json::Value {
    let obligations: Vec<serde_json::Value> = (0..6)
        .map(|i| {
            serde_json::json!({
                "id": format!("o{i}"),
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
    [("agreement.proposed", proposal()), ("result.confirmed", confirmation())]
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
/// machine: checks 1–5 of SPEC §4.2.
fn verify_envelope(bytes: &[u8]) {
    let envelope = Envelope::parse(bytes).expect("valid");
    envelope.check_log(ORIGIN).expect("our log");
    black_box(envelope.id());
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
            b.iter(|| sample.key.verify_strict(black_box(&sample.message), &sample.signature))
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
        group.bench_function("sha256 id", |b| b.iter(|| Sha256::digest(black_box(&canonical))));
        group.finish();
    }
}

/// Alternates rounds of the two paths on the same messages, so drift in machine speed hits
/// both alike, and prints the ratio of their medians.
fn ratio() {
    const ROUNDS: usize = 41;
    const PER_ROUND: usize = 200;
    println!();
    println!("ratio: our envelope verification / bare verify_strict (same messages, interleaved)");
    for sample in samples() {
        let mut ours = Vec::with_capacity(ROUNDS);
        let mut bare = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                verify_envelope(black_box(&sample.envelope_bytes));
            }
            ours.push(start.elapsed());
            let start = Instant::now();
            for _ in 0..PER_ROUND {
                let _ = black_box(
                    sample.key.verify_strict(black_box(&sample.message), &sample.signature),
                );
            }
            bare.push(start.elapsed());
        }
        let median = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let (ours, bare) = (median(&mut ours), median(&mut bare));
        println!(
            "  {:<20} {:>7.1} µs vs {:>7.1} µs  ratio {:.3} ({} bytes)",
            sample.name,
            ours.as_secs_f64() * 1e6 / PER_ROUND as f64,
            bare.as_secs_f64() * 1e6 / PER_ROUND as f64,
            ours.as_secs_f64() / bare.as_secs_f64(),
            sample.envelope_bytes.len()
        );
    }
}

criterion_group!(benches, components);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratio();
}
