//! Replay properties (SPEC §3: one deterministic state machine; the auditor and replicas run
//! the same code on replay as the sequencer before appending).
//!
//! Random sequences of statements of every type — valid and invalid, drawn from small pools
//! of ids so that many hit existing records — are submitted to a [`Ledger`]; the leaf data
//! of the accepted entries must replay through a fresh [`Replayer`] to the same state, and a
//! second ledger fed the same sequence must give the same verdicts, leaves and digest.
//! Then tampered logs: each gives its [`ReplayError`].

mod support;

use pactlog_state::{GenesisError, ReplayError, Replayer, Verdict};
use pactlog_statement::entry::Entry;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::rejection::Code;
use pactlog_statement::time::Timestamp;
use proptest::prelude::*;
use serde_json::{json, Value};
use sha2::Digest;
use support::*;

// ---------------------------------------------------------------------------------------------
// Pools

/// Orgs that register during a run; the rest of the pool is the world's.
const P0: OrgSpec = OrgSpec {
    id: "js.lyg.p0",
    name: "连云港市某机关党支部",
    kind: "organ",
    region: "320700",
    key: 60,
    parent: None,
    ownership: None,
};
const P1: OrgSpec = OrgSpec {
    id: "js.lyg.p1",
    name: "连云港市某社区党委",
    kind: "community",
    region: "320706",
    key: 61,
    parent: None,
    ownership: None,
};

/// Authors and subjects: authorities, parties, orgs registered during the run, a stranger.
const ORGS: [OrgSpec; 12] = [
    ROOT, CITY, COUNTY, NANJING, ORGAN, ORGAN2, VILLAGE, ENTERPRISE, COMMUNITY, P0, P1, STRANGER,
];
const KINDS: [&str; 5] = ["organ", "village", "community", "enterprise", "authority"];
const REGIONS: [&str; 5] = ["320700", "320703", "320706", "320100", "341100"];
/// Key numbers: the world's, keys added during the run, one nobody registers.
const KEYS: [u8; 8] = [3, 4, 5, 30, 31, 32, 60, 99];
/// Keys to revoke: the first keys of 发改委 and 南新村, and keys added during the run.
const REVOKED_KEYS: [u8; 4] = [3, 4, 30, 31];
const AGREEMENTS: [&str; 3] = [AGREEMENT, "ag-1", "ag-2"];
const AGREEMENT_KINDS: [&str; 4] = ["pairing", "tripartite", "alliance", "resident"];
const TERMS: [(&str, &str); 3] = [
    TERM,
    ("2024-01-01", "2024-12-31"),
    ("2025-06-01", "2026-05-31"),
];
const OBLIGATIONS: [Option<&str>; 5] = [
    None,
    Some("visits"),
    Some("theme-day"),
    Some("training"),
    Some("nosuch"),
];
const RESULTS: [&str; 3] = ["r-1", "r-2", "r-3"];
const CARDS: [&str; 2] = ["card-1", "card-2"];
const NEEDS: [&str; 3] = ["need-1", "need-2", "need-3"];
/// Result dates and termination dates, in days from the entry's date.
const DAYS: [i64; 6] = [0, 0, 1, -1, -60, -400];
const STALE_ID: &str = "abababababababababababababababababababababababababababababababab";

// ---------------------------------------------------------------------------------------------
// Operations

/// Who signs: the author's own first key, or a key from [`KEYS`]; and how far the
/// statement's `time` is from the log's clock.
#[derive(Debug, Clone)]
struct By {
    org: usize,
    key: Option<usize>,
    skew_s: i64,
}

#[derive(Debug, Clone)]
enum Op {
    Register {
        by: By,
        org: usize,
        kind: usize,
        region: usize,
        key: usize,
    },
    Update {
        by: By,
        org: usize,
        what: u8,
    },
    AddKey {
        by: By,
        org: usize,
        key: usize,
    },
    RevokeKey {
        by: By,
        org: usize,
        key: usize,
    },
    Propose {
        by: By,
        agreement: usize,
        kind: usize,
        parties: Vec<usize>,
        term: usize,
    },
    Amend {
        by: By,
        agreement: usize,
        stale: bool,
        new_kind: bool,
    },
    Sign {
        by: By,
        agreement: usize,
        stale: bool,
    },
    Terminate {
        by: By,
        agreement: usize,
        days: usize,
    },
    Report {
        by: By,
        result: usize,
        agreement: usize,
        obligation: usize,
        days: usize,
    },
    Review {
        by: By,
        result: usize,
        dispute: bool,
    },
    Evaluate {
        by: By,
        subject: usize,
        org: bool,
    },
    Issue {
        by: By,
        card: usize,
        agreement: usize,
        obligation: usize,
    },
    Lift {
        by: By,
        card: usize,
    },
    Post {
        by: By,
        need: usize,
        agreement: Option<usize>,
    },
    Claim {
        by: By,
        need: usize,
    },
    Fulfil {
        by: By,
        need: usize,
    },
    Close {
        by: By,
        need: usize,
        withdraw: bool,
    },
    Genesis {
        by: By,
    },
    /// Moves the clock forward.
    Advance {
        s: i64,
    },
    /// Submits the envelope of an earlier entry again (check 6).
    Resubmit {
        entry: usize,
    },
}

// Indices into [`ORGS`] of the likely authors of each kind of statement.
const AUTHORITIES: &[usize] = &[0, 1, 2, 3];
const PARTIES: &[usize] = &[4, 5, 6, 7, 8, 9, 10];
const POSTERS: &[usize] = &[6, 8, 10];
const NEW_ORGS: &[usize] = &[9, 10];
/// Key management: the city authority (recovery) and two orgs managing their own keys.
const KEY_ACTORS: &[usize] = &[1, 4, 6];
const KEY_OWNERS: &[usize] = &[4, 6];

/// An index into [`ORGS`]: mostly one of `likely`, sometimes any org.
fn one_of(likely: &'static [usize]) -> impl Strategy<Value = usize> {
    prop_oneof![4 => prop::sample::select(likely), 1 => 0..ORGS.len()]
}

/// An author (mostly one of `likely`), its key (mostly its own) and the skew of its `time`.
fn by(likely: &'static [usize]) -> impl Strategy<Value = By> {
    (
        one_of(likely),
        prop_oneof![9 => Just(None), 1 => (0..KEYS.len()).prop_map(Some)],
        prop_oneof![12 => Just(0i64), 1 => Just(300), 1 => Just(-301), 1 => Just(3600)],
    )
        .prop_map(|(org, key, skew_s)| By { org, key, skew_s })
}

/// Parties of a proposal: mostly three distinct parties, sometimes any three orgs.
fn parties() -> impl Strategy<Value = Vec<usize>> {
    prop_oneof![
        4 => prop::sample::subsequence(vec![4, 5, 6, 7, 8, 9], 3).prop_shuffle(),
        1 => prop::collection::vec(0..ORGS.len(), 3),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let a = 0..AGREEMENTS.len();
    prop_oneof![
        2 => (by(AUTHORITIES), one_of(NEW_ORGS), 0..KINDS.len(), 0..REGIONS.len(), 0..KEYS.len())
            .prop_map(|(by, org, kind, region, key)| Op::Register { by, org, kind, region, key }),
        1 => (by(AUTHORITIES), 0..ORGS.len(), 0u8..4).prop_map(|(by, org, what)| Op::Update { by, org, what }),
        1 => (by(KEY_ACTORS), one_of(KEY_OWNERS), 0..KEYS.len()).prop_map(|(by, org, key)| Op::AddKey { by, org, key }),
        1 => (by(KEY_ACTORS), one_of(KEY_OWNERS), 0..REVOKED_KEYS.len()).prop_map(|(by, org, key)| Op::RevokeKey { by, org, key }),
        3 => (by(PARTIES), a.clone(), 0..AGREEMENT_KINDS.len(), parties(), 0..TERMS.len())
            .prop_map(|(by, agreement, kind, parties, term)| Op::Propose { by, agreement, kind, parties, term }),
        2 => (by(PARTIES), a.clone(), prop::bool::weighted(0.2), prop::bool::weighted(0.1))
            .prop_map(|(by, agreement, stale, new_kind)| Op::Amend { by, agreement, stale, new_kind }),
        6 => (by(PARTIES), a.clone(), prop::bool::weighted(0.1))
            .prop_map(|(by, agreement, stale)| Op::Sign { by, agreement, stale }),
        1 => (by(PARTIES), a.clone(), 0..DAYS.len()).prop_map(|(by, agreement, days)| Op::Terminate { by, agreement, days }),
        4 => (by(PARTIES), 0..RESULTS.len(), a.clone(), 0..OBLIGATIONS.len(), 0..DAYS.len())
            .prop_map(|(by, result, agreement, obligation, days)| Op::Report { by, result, agreement, obligation, days }),
        4 => (by(PARTIES), 0..RESULTS.len(), any::<bool>()).prop_map(|(by, result, dispute)| Op::Review { by, result, dispute }),
        1 => (by(AUTHORITIES), 0..ORGS.len(), any::<bool>()).prop_map(|(by, subject, org)| Op::Evaluate { by, subject, org }),
        2 => (by(AUTHORITIES), 0..CARDS.len(), a.clone(), 0..OBLIGATIONS.len())
            .prop_map(|(by, card, agreement, obligation)| Op::Issue { by, card, agreement, obligation }),
        2 => (by(AUTHORITIES), 0..CARDS.len()).prop_map(|(by, card)| Op::Lift { by, card }),
        2 => (by(POSTERS), 0..NEEDS.len(), prop::option::of(a)).prop_map(|(by, need, agreement)| Op::Post { by, need, agreement }),
        2 => (by(PARTIES), 0..NEEDS.len()).prop_map(|(by, need)| Op::Claim { by, need }),
        3 => (by(PARTIES), 0..NEEDS.len()).prop_map(|(by, need)| Op::Fulfil { by, need }),
        2 => (by(POSTERS), 0..NEEDS.len(), any::<bool>()).prop_map(|(by, need, withdraw)| Op::Close { by, need, withdraw }),
        1 => by(AUTHORITIES).prop_map(|by| Op::Genesis { by }),
        1 => (0i64..200_000).prop_map(|s| Op::Advance { s }),
        1 => (0usize..64).prop_map(|entry| Op::Resubmit { entry }),
    ]
}

/// What an operation does to the ledger.
enum Action {
    Submit(Signed),
    Resubmit(Envelope),
    Advance(i64),
}

fn signed(l: &Ledger, by: &By, statement_type: &str, body: Value) -> Signed {
    let author = &ORGS[by.org];
    let key = by.key.map_or_else(|| author.key(), |k| key(KEYS[k]));
    l.stmt_by(author.id, key, statement_type, body)
        .time(&l.time_offset_ms(by.skew_s * 1000))
}

fn action(l: &Ledger, op: &Op) -> Action {
    let exists = |agreement: &str| l.state.agreements.contains_key(agreement);
    let submit = |by: &By, t: &str, body: Value| Action::Submit(signed(l, by, t, body));
    match op {
        Op::Register {
            by,
            org,
            kind,
            region,
            key,
        } => {
            let mut body = ORGS[*org].registration();
            body["kind"] = json!(KINDS[*kind]);
            body["region"] = json!(REGIONS[*region]);
            body["keys"] = json!([public(KEYS[*key])]);
            if let Some(b) = body.as_object_mut() {
                b.remove("ownership");
            }
            submit(by, "org.registered", body)
        }
        Op::Update { by, org, what } => {
            let id = ORGS[*org].id;
            let body = match what {
                0 => json!({"org": id, "name": "更名后的党组织"}),
                1 => json!({"org": id, "region": "320706"}),
                2 => json!({"org": id, "dissolved": true}),
                _ => json!({"org": id, "parent": CITY.id}),
            };
            submit(by, "org.updated", body)
        }
        Op::AddKey { by, org, key } => submit(
            by,
            "key.added",
            json!({"org": ORGS[*org].id, "key": public(KEYS[*key])}),
        ),
        Op::RevokeKey { by, org, key } => submit(
            by,
            "key.revoked",
            json!({"org": ORGS[*org].id, "key": public(REVOKED_KEYS[*key]), "reason": "密钥停用"}),
        ),
        Op::Propose {
            by,
            agreement,
            kind,
            parties,
            term,
        } => {
            // Pairing and resident agreements have two parties (SPEC §4).
            let count =
                if AGREEMENT_KINDS[*kind] == "pairing" || AGREEMENT_KINDS[*kind] == "resident" {
                    2
                } else {
                    3
                };
            let parties: Vec<&str> = parties.iter().take(count).map(|p| ORGS[*p].id).collect();
            let body = proposal(
                AGREEMENTS[*agreement],
                AGREEMENT_KINDS[*kind],
                &parties,
                TERMS[*term],
            );
            submit(by, "agreement.proposed", body)
        }
        Op::Amend {
            by,
            agreement,
            stale,
            new_kind,
        } => {
            let id = AGREEMENTS[*agreement];
            let mut body = if exists(id) {
                amendment(l, id)
            } else {
                let mut body = proposal(id, "pairing", &[ORGAN.id, VILLAGE.id], TERM);
                body["version"] = json!(2);
                body["supersedes"] = json!(STALE_ID);
                body
            };
            if *stale {
                body["version"] = json!(2);
                body["supersedes"] = json!(STALE_ID);
            }
            if *new_kind {
                body["kind"] = json!("resident");
            }
            submit(by, "agreement.amended", body)
        }
        Op::Sign {
            by,
            agreement,
            stale,
        } => {
            let id = AGREEMENTS[*agreement];
            let body = if exists(id) && !stale {
                signature(l, id)
            } else {
                json!({"agreement": id, "version": 1, "terms": STALE_ID})
            };
            submit(by, "agreement.signed", body)
        }
        Op::Terminate {
            by,
            agreement,
            days,
        } => submit(
            by,
            "agreement.terminated",
            termination(AGREEMENTS[*agreement], &l.day(DAYS[*days])),
        ),
        Op::Report {
            by,
            result,
            agreement,
            obligation,
            days,
        } => submit(
            by,
            "result.reported",
            result_body(
                RESULTS[*result],
                AGREEMENTS[*agreement],
                OBLIGATIONS[*obligation],
                &l.day(DAYS[*days]),
            ),
        ),
        Op::Review {
            by,
            result,
            dispute: true,
        } => submit(by, "result.disputed", support::dispute(RESULTS[*result])),
        Op::Review {
            by,
            result,
            dispute: false,
        } => submit(by, "result.confirmed", review(RESULTS[*result])),
        Op::Evaluate { by, subject, org } => {
            let subject = if *org {
                json!({"org": ORGS[*subject].id})
            } else {
                json!({"agreement": AGREEMENTS[*subject % AGREEMENTS.len()]})
            };
            submit(by, "evaluation.recorded", evaluation(subject))
        }
        Op::Issue {
            by,
            card: c,
            agreement,
            obligation,
        } => submit(
            by,
            "card.issued",
            card(CARDS[*c], AGREEMENTS[*agreement], OBLIGATIONS[*obligation]),
        ),
        Op::Lift { by, card } => submit(by, "card.lifted", lift(CARDS[*card])),
        Op::Post {
            by,
            need,
            agreement,
        } => submit(
            by,
            "need.posted",
            need_body(NEEDS[*need], agreement.map(|a| AGREEMENTS[a])),
        ),
        Op::Claim { by, need } => submit(by, "need.claimed", need_ref(NEEDS[*need])),
        Op::Fulfil { by, need } => submit(by, "need.fulfilled", fulfilment(NEEDS[*need])),
        Op::Close { by, need, withdraw } => {
            let mut body = closing(NEEDS[*need]);
            if *withdraw {
                body["satisfied"] = json!(false);
            }
            submit(by, "need.closed", body)
        }
        Op::Genesis { by } => {
            let author = &ORGS[by.org];
            Action::Submit(Signed {
                key: author.key(),
                statement: genesis_statement(author, &l.time_offset_ms(by.skew_s * 1000)),
            })
        }
        Op::Advance { s } => Action::Advance(*s),
        Op::Resubmit { entry } => Action::Resubmit(l.envelopes[entry % l.envelopes.len()].clone()),
    }
}

/// Runs `ops` on a fresh world; returns the ledger and the verdict of every submission.
/// Checks on the way that an acceptance appends one entry and nothing else does. (That a
/// rejection changes nothing at all is covered by the replay: the live state must equal the
/// state replayed from the accepted entries alone.)
fn run(ops: &[Op]) -> (Ledger, Vec<Verdict>) {
    let mut l = Ledger::world();
    let mut verdicts = Vec::new();
    for op in ops {
        let size = l.state.size;
        let verdict = match action(&l, op) {
            Action::Advance(s) => {
                l.advance_s(s);
                continue;
            }
            Action::Submit(signed) => l.submit_signed(&signed),
            Action::Resubmit(envelope) => {
                let verdict = l.submit_envelope(&envelope);
                assert!(
                    matches!(verdict, Verdict::AlreadyLogged { seq } if l.envelopes[seq as usize] == envelope),
                    "a logged envelope resubmitted: {verdict:?}"
                );
                verdict
            }
        };
        match &verdict {
            Verdict::Accept => assert_eq!(l.state.size, size + 1),
            _ => assert_eq!(l.state.size, size, "{op:?}: {verdict:?} appended"),
        }
        verdicts.push(verdict);
    }
    (l, verdicts)
}

fn replay(leaves: &[Vec<u8>], verify: bool) -> Replayer {
    let mut replayer = Replayer::new();
    for (seq, leaf) in leaves.iter().enumerate() {
        let entry = if verify {
            replayer.apply_leaf(leaf)
        } else {
            replayer.apply_logged_leaf(leaf)
        }
        .unwrap_or_else(|e| panic!("entry {seq} does not replay: {e}"));
        assert_eq!(entry.seq, seq as u64);
    }
    replayer
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn accepted_entries_replay_to_the_same_state(ops in prop::collection::vec(op(), 20..80)) {
        let (live, verdicts) = run(&ops);
        let digest = live.state.digest();
        // The digest is streamed record by record; it hashes exactly the state's canonical
        // JSON built whole.
        let canonical = pactlog_statement::canonical::to_canonical_vec(&live.state).unwrap();
        let whole: [u8; 32] = sha2::Sha256::digest(&canonical).into();
        prop_assert_eq!(digest, whole);

        // Every accepted entry replays, and the replayed state is the live one.
        let replayed = replay(&live.leaves, true);
        let state = replayed.state().expect("the genesis replayed");
        prop_assert_eq!(state.size, live.state.size);
        prop_assert_eq!(state.digest(), digest);
        for (seq, envelope) in live.envelopes.iter().enumerate() {
            prop_assert_eq!(state.seq_of(&envelope.id()), Some(seq as u64));
        }

        // A second replay, and the projections' path without re-verifying signatures.
        prop_assert_eq!(replay(&live.leaves, true).state().map(|s| s.digest()), Some(digest));
        prop_assert_eq!(replay(&live.leaves, false).state().map(|s| s.digest()), Some(digest));

        // The same submissions to another ledger: the same verdicts, leaves and state.
        let (again, verdicts_again) = run(&ops);
        prop_assert_eq!(&verdicts, &verdicts_again);
        prop_assert_eq!(&live.leaves, &again.leaves);
        prop_assert_eq!(again.state.digest(), digest);
    }
}

/// The generator reaches the interesting verdicts: over a fixed set of runs, every code the
/// state machine answers occurs, and so do acceptances of every statement type.
#[test]
fn the_generated_sequences_hit_every_state_code() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let mut codes = std::collections::BTreeSet::new();
    let mut accepted_types = std::collections::BTreeSet::new();
    let mut logged = 0;
    let world_size = Ledger::world().envelopes.len();
    for _ in 0..24 {
        let ops = prop::collection::vec(op(), 80)
            .new_tree(&mut runner)
            .expect("ops")
            .current();
        let (l, verdicts) = run(&ops);
        for verdict in &verdicts {
            match verdict {
                Verdict::Reject(r) => {
                    codes.insert(r.code);
                }
                Verdict::AlreadyLogged { .. } => logged += 1,
                Verdict::Accept => {}
            }
        }
        for envelope in &l.envelopes[world_size..] {
            let statement = envelope.statement().expect("logged statements parse");
            accepted_types.insert(statement.statement_type().as_str());
        }
    }
    println!("codes {codes:?}; already logged {logged}; accepted types {accepted_types:?}");
    for code in [
        Code::Schema,
        Code::ClockSkew,
        Code::UnknownAuthor,
        Code::KeyNotActive,
        Code::UnknownReference,
        Code::NotAuthorized,
        Code::DuplicateId,
        Code::InvalidTransition,
    ] {
        assert!(codes.contains(&code), "no generated statement got {code}");
    }
    assert!(logged > 0, "no resubmission");
    assert!(
        accepted_types.len() >= 16,
        "accepted types: {accepted_types:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Tampered logs

fn entry(seq: u64, accepted_at: Timestamp, envelope: &Envelope) -> Vec<u8> {
    Entry {
        seq,
        accepted_at,
        envelope: envelope.clone(),
    }
    .leaf_data()
}

/// A world with a need posted; the replayer has replayed all of it.
fn replayed_world() -> (Ledger, Replayer) {
    let mut l = Ledger::world();
    l.post_need("need-1");
    let replayer = replay(&l.leaves, true);
    (l, replayer)
}

/// Asserts that `leaf` is refused with an error `check` accepts, and that the refusal left
/// the replayer where it was.
fn refused(replayer: &mut Replayer, leaf: &[u8], check: impl FnOnce(&ReplayError) -> bool) {
    let (size, digest) = (replayer.size(), replayer.state().map(|s| s.digest()));
    match replayer.apply_leaf(leaf) {
        Ok(entry) => panic!("{entry} replayed"),
        Err(e) => assert!(check(&e), "unexpected error: {e:?}"),
    }
    assert_eq!(replayer.size(), size);
    assert_eq!(replayer.state().map(|s| s.digest()), digest);
}

fn rejected_with(code: Code, at: u64) -> impl FnOnce(&ReplayError) -> bool {
    move |e| matches!(e, ReplayError::Rejected { seq, rejection } if *seq == at && rejection.code == code)
}

#[test]
fn a_seq_gap_is_refused() {
    let (l, mut replayer) = replayed_world();
    let n = l.state.size;
    let next = l
        .stmt(&ORGAN, "need.claimed", need_ref("need-1"))
        .envelope();
    refused(&mut replayer, &entry(n + 1, l.accepted_at(), &next), |e| {
        *e == ReplayError::Seq {
            seq: n,
            found: n + 1,
        }
    });
    refused(&mut replayer, &entry(n - 1, l.accepted_at(), &next), |e| {
        *e == ReplayError::Seq {
            seq: n,
            found: n - 1,
        }
    });
    // The right seq still replays.
    replayer
        .apply_leaf(&entry(n, l.accepted_at(), &next))
        .expect("the next entry");
}

#[test]
fn a_decreasing_accepted_at_is_refused() {
    let (l, mut replayer) = replayed_world();
    let n = l.state.size;
    let earlier =
        Timestamp::from_unix_millis(l.state.last_accepted_at.unix_millis() - 1).expect("time");
    let next = l
        .stmt(&ORGAN, "need.claimed", need_ref("need-1"))
        .time(&statement_time(earlier.unix_millis() - 999))
        .envelope();
    refused(
        &mut replayer,
        &entry(n, earlier, &next),
        |e| matches!(e, ReplayError::TimeDecreased { seq, .. } if *seq == n),
    );
    // The same accepted_at as the previous entry is allowed (never decreases, SPEC §5).
    replayer
        .apply_leaf(&entry(n, l.state.last_accepted_at, &next))
        .expect("equal accepted_at");
}

#[test]
fn a_duplicate_statement_is_refused() {
    let (l, mut replayer) = replayed_world();
    let n = l.state.size;
    let posted = l.envelopes[(n - 1) as usize].clone();
    refused(&mut replayer, &entry(n, l.accepted_at(), &posted), |e| {
        *e == ReplayError::Duplicate {
            seq: n,
            first: n - 1,
        }
    });
    // Also the genesis, appended again at seq 1 of a log.
    let l = Ledger::jiangsu();
    let mut replayer = replay(&l.leaves, true);
    refused(
        &mut replayer,
        &entry(1, l.accepted_at(), &l.envelopes[0]),
        |e| *e == ReplayError::Duplicate { seq: 1, first: 0 },
    );
}

#[test]
fn a_statement_the_rules_reject_is_refused() {
    let (l, mut replayer) = replayed_world();
    let n = l.state.size;
    let at = l.accepted_at();
    let cases = [
        // An organ posting a need: not_authorized.
        (
            l.stmt(&ORGAN, "need.posted", need_body("need-2", None)),
            Code::NotAuthorized,
        ),
        // The poster claiming its own need: not_authorized.
        (
            l.stmt(&VILLAGE, "need.claimed", need_ref("need-1")),
            Code::NotAuthorized,
        ),
        // A need never posted: unknown_reference.
        (
            l.stmt(&ORGAN, "need.claimed", need_ref("need-9")),
            Code::UnknownReference,
        ),
        // An unregistered author: unknown_author.
        (
            l.stmt(&STRANGER, "need.claimed", need_ref("need-1")),
            Code::UnknownAuthor,
        ),
        // Another org's key: key_not_active.
        (
            l.stmt(&ORGAN, "need.claimed", need_ref("need-1"))
                .key(VILLAGE.key()),
            Code::KeyNotActive,
        ),
        // A second signature: invalid_transition.
        (
            l.stmt(&VILLAGE, "agreement.signed", signature(&l, AGREEMENT)),
            Code::InvalidTransition,
        ),
        // A used agreement id: duplicate_id.
        (
            l.stmt(
                &ORGAN,
                "agreement.proposed",
                proposal(AGREEMENT, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM),
            ),
            Code::DuplicateId,
        ),
        // A statement an hour older than its accepted_at: clock_skew.
        (
            l.stmt(&ORGAN, "need.claimed", need_ref("need-1"))
                .time(&l.time_offset_ms(-3_600_000)),
            Code::ClockSkew,
        ),
        // An amendment changing the kind: schema, from the state.
        (
            l.stmt(&ORGAN, "agreement.amended", amendment(&l, AGREEMENT))
                .set("/body/kind", json!("resident")),
            Code::Schema,
        ),
        // A statement for another log: wrong_log.
        (
            l.stmt(&ORGAN, "need.claimed", need_ref("need-1"))
                .set("/log", json!("pairings.example.gov.cn/anhui")),
            Code::WrongLog,
        ),
    ];
    for (signed, code) in cases {
        refused(
            &mut replayer,
            &entry(n, at, &signed.envelope()),
            rejected_with(code, n),
        );
    }
}

#[test]
fn a_genesis_after_seq_0_is_refused() {
    let l = Ledger::jiangsu();
    let mut replayer = replay(&l.leaves, true);
    let at = l.accepted_at();
    let genesis = Signed {
        key: ROOT.key(),
        statement: genesis_statement(&ROOT, &l.time()),
    }
    .envelope();
    refused(
        &mut replayer,
        &entry(1, at, &genesis),
        rejected_with(Code::InvalidTransition, 1),
    );
}

#[test]
fn a_log_must_begin_with_a_valid_genesis() {
    let l = Ledger::world();
    let at = Timestamp::parse_millis(GENESIS_TIME).expect("time");
    let time = statement_time(at.unix_millis());
    let genesis = |key: u8, statement: Value| -> Vec<u8> {
        entry(
            0,
            at,
            &Envelope::sign(&statement, &support::key(key)).expect("signs"),
        )
    };
    // Not a genesis.
    refused(&mut Replayer::new(), &l.leaves[1], |e| {
        *e == ReplayError::Seq { seq: 0, found: 1 }
    });
    let first = l.envelopes[1].clone();
    refused(&mut Replayer::new(), &entry(0, at, &first), |e| {
        *e == ReplayError::Genesis(GenesisError::NotGenesis)
    });
    // accepted_at differs from the genesis time.
    let later = Timestamp::from_unix_millis(at.unix_millis() + 1000).expect("time");
    let statement = genesis_statement(&ROOT, &time);
    refused(
        &mut Replayer::new(),
        &entry(
            0,
            later,
            &Envelope::sign(&statement, &ROOT.key()).expect("signs"),
        ),
        |e| *e == ReplayError::Genesis(GenesisError::Time),
    );
    // Signed by a key that is not one of the root authority's.
    refused(
        &mut Replayer::new(),
        &genesis(99, genesis_statement(&ROOT, &time)),
        |e| *e == ReplayError::Genesis(GenesisError::Signer),
    );
    // Authored by another org than the authority it creates.
    let mut statement = genesis_statement(&ROOT, &time);
    statement["author"] = json!(CITY.id);
    refused(&mut Replayer::new(), &genesis(ROOT.key, statement), |e| {
        matches!(e, ReplayError::Genesis(GenesisError::Author { .. }))
    });
    // The valid one.
    let mut replayer = Replayer::new();
    replayer.apply_leaf(&l.leaves[0]).expect("the genesis");
    assert_eq!(replayer.size(), 1);
}

#[test]
fn altered_leaf_data_is_refused() {
    let (l, mut replayer) = replayed_world();
    let n = l.state.size;
    let next = l
        .stmt(&ORGAN, "need.claimed", need_ref("need-1"))
        .envelope();
    let leaf = String::from_utf8(entry(n, l.accepted_at(), &next)).expect("utf8");
    // A changed statement byte breaks the signature; extra spaces break canonical form.
    for altered in [
        leaf.replace("need-1", "need-2"),
        leaf.replace("\"seq\":", "\"seq\": "),
    ] {
        refused(
            &mut replayer,
            altered.as_bytes(),
            |e| matches!(e, ReplayError::Entry { seq, .. } if *seq == n),
        );
    }
    replayer.apply_leaf(leaf.as_bytes()).expect("unaltered");
}
