//! Agreement state across dates (SPEC §6) and the detail answer.

use pactlog_projections::AgreementState::{self, *};
use serde_json::json;

use crate::ledger::{date, obligation, Ledger};

const FGW: &str = "js.lyg.fgw";
const NANXIN: &str = "js.lyg.v.nanxin";

fn two_orgs() -> Ledger {
    let mut l = Ledger::new();
    l.register(FGW, "organ", "320700")
        .register(NANXIN, "village", "320706");
    l
}

fn state(l: &Ledger, id: &str, d: &str) -> Option<AgreementState> {
    l.projections
        .agreement(id, date(d))
        .map(|a| a.summary.state)
}

#[test]
fn state_follows_signatures_term_and_termination() {
    let mut l = two_orgs();
    l.on("2025-03-01").propose(
        "ag1",
        "pairing",
        &[FGW, NANXIN],
        ("2025-04-01", "2025-12-31"),
        &["party_building"],
        json!([obligation("ob1", FGW, None, None)]),
    );
    // Every answer reads the whole log; D is compared with the dates SPEC §6 names (the term,
    // a termination's effective date), not with when entries were logged.
    assert_eq!(state(&l, "ag1", "2025-03-01"), Some(Proposed));
    assert_eq!(
        state(&l, "ag1", "2026-01-01"),
        Some(Proposed),
        "not signed by all"
    );
    let proposed = l.projections.agreement("ag1", date("2025-03-01")).unwrap();
    assert_eq!(proposed.summary.version_in_force, None);
    assert_eq!(proposed.summary.signed_version, None);
    assert_eq!(proposed.summary.pending_version, Some(1));
    assert_eq!(
        proposed.versions[0].signatures.len(),
        1,
        "the proposal is its author's signature"
    );
    assert!(proposed.versions[0].signatures[0].by_terms);
    assert!(proposed.versions[0].pending);

    l.on("2025-03-05").sign(NANXIN, "ag1");
    assert_eq!(
        state(&l, "ag1", "2025-02-28"),
        Some(PendingStart),
        "a date before the signature: D < start"
    );
    assert_eq!(state(&l, "ag1", "2025-03-05"), Some(PendingStart));
    assert_eq!(state(&l, "ag1", "2025-03-31"), Some(PendingStart));
    assert_eq!(
        state(&l, "ag1", "2025-04-01"),
        Some(Active),
        "start is within"
    );
    assert_eq!(
        state(&l, "ag1", "2025-12-31"),
        Some(Active),
        "end is within"
    );
    assert_eq!(state(&l, "ag1", "2026-01-01"), Some(Expired));

    let signed = l.projections.agreement("ag1", date("2025-03-05")).unwrap();
    assert_eq!(signed.summary.version_in_force, Some(1));
    assert_eq!(signed.summary.pending_version, None);
    assert!(signed.versions[0].in_force);
    let timeline: Vec<(&str, bool)> = signed
        .signatures
        .iter()
        .map(|s| (s.party.as_str(), s.by_terms))
        .collect();
    assert_eq!(timeline, [(FGW, true), (NANXIN, false)]);
    assert!(signed.versions[0].fully_signed.is_some());

    // Terminated on 06-10 with effect from 06-30: in force until then.
    l.on("2025-06-10").terminate(NANXIN, "ag1", "2025-06-30");
    let scheduled = l.projections.agreement("ag1", date("2025-06-10")).unwrap();
    assert_eq!(scheduled.summary.state, Active);
    assert_eq!(
        scheduled.summary.termination_effective,
        Some(date("2025-06-30"))
    );
    assert!(!scheduled.termination.as_ref().unwrap().in_effect);
    assert_eq!(state(&l, "ag1", "2025-06-29"), Some(Active));
    assert_eq!(state(&l, "ag1", "2025-06-30"), Some(Terminated));
    assert_eq!(
        state(&l, "ag1", "2026-06-30"),
        Some(Terminated),
        "terminated wins over expired"
    );
    let ended = l.projections.agreement("ag1", date("2025-06-30")).unwrap();
    assert_eq!(ended.summary.version_in_force, None);
    assert_eq!(ended.summary.signed_version, Some(1));
    assert!(ended.termination.unwrap().in_effect);
}

#[test]
fn a_terminated_proposal_is_terminated() {
    let mut l = two_orgs();
    l.on("2025-03-01").propose(
        "ag1",
        "pairing",
        &[FGW, NANXIN],
        ("2025-04-01", "2025-12-31"),
        &["party_building"],
        json!([obligation("ob1", FGW, None, None)]),
    );
    l.on("2025-03-02").terminate(FGW, "ag1", "2025-03-02");
    assert_eq!(state(&l, "ag1", "2025-03-01"), Some(Proposed));
    assert_eq!(state(&l, "ag1", "2025-03-02"), Some(Terminated));
}

#[test]
fn an_amendment_pending_keeps_the_signed_version_in_force() {
    let mut l = two_orgs();
    l.on("2025-03-01").propose(
        "ag2",
        "pairing",
        &[FGW, NANXIN],
        ("2025-03-01", "2025-12-31"),
        &["party_building"],
        json!([obligation("ob1", FGW, None, None)]),
    );
    l.on("2025-03-02").sign(NANXIN, "ag2");
    l.on("2025-05-01").amend(FGW, "ag2", "修订后的结对共建协议");

    let pending = l.projections.agreement("ag2", date("2025-05-01")).unwrap();
    assert_eq!(pending.summary.state, Active);
    assert_eq!(pending.summary.version_in_force, Some(1));
    assert_eq!(pending.summary.pending_version, Some(2));
    assert_eq!(pending.summary.latest_version, 2);
    assert_eq!(
        pending.summary.title.as_str(),
        "ag2 结对共建协议",
        "v1's terms are shown"
    );
    assert!(pending.versions[0].in_force && !pending.versions[0].pending);
    assert!(!pending.versions[1].in_force && pending.versions[1].pending);

    l.on("2025-05-03").sign(NANXIN, "ag2");
    let after = l.projections.agreement("ag2", date("2025-05-03")).unwrap();
    assert_eq!(after.summary.version_in_force, Some(2));
    assert_eq!(after.summary.pending_version, None);
    assert_eq!(after.summary.title.as_str(), "修订后的结对共建协议");
    assert_eq!(after.signatures.len(), 4, "two signatures of each version");
    assert_eq!(after.versions.len(), 2);
    // The whole log is read whatever the date: version 2 is in force as of an earlier date
    // too (its term started on 03-01).
    let early = l.projections.agreement("ag2", date("2025-04-30")).unwrap();
    assert_eq!(early.summary.version_in_force, Some(2));
    assert_eq!(early.versions.len(), 2);
}

#[test]
fn detail_json_has_stable_wire_shapes() {
    let mut l = two_orgs();
    l.on("2025-03-01").propose(
        "ag3",
        "pairing",
        &[FGW, NANXIN],
        ("2025-03-01", "2025-12-31"),
        &["party_building", "livelihood"],
        json!([obligation(
            "visits",
            FGW,
            Some(("visits", 8)),
            Some("2025-09-30")
        )]),
    );
    l.sign(NANXIN, "ag3");
    let detail = l.projections.agreement("ag3", date("2025-03-01")).unwrap();
    let v = serde_json::to_value(&detail).unwrap();
    assert_eq!(v["tree_size"], json!(l.projections.tree_size()));
    assert_eq!(v["as_of"], json!("2025-03-01"));
    assert_eq!(v["id"], json!("ag3"));
    assert_eq!(v["kind"], json!("pairing"));
    assert_eq!(v["state"], json!("active"));
    assert_eq!(
        v["term"],
        json!({"start": "2025-03-01", "end": "2025-12-31"})
    );
    assert_eq!(v["categories"], json!(["party_building", "livelihood"]));
    assert_eq!(
        v["parties"][1],
        json!({"id": NANXIN, "name": "js.lyg.v.nanxin 党支部", "kind": "village", "region": "320706"})
    );
    assert_eq!(
        v["proposed"],
        json!({"seq": 3, "accepted_at": "2025-03-01T02:00:00.000Z"})
    );
    assert_eq!(v["last_activity"]["seq"], json!(4));
    assert_eq!(v["termination"], json!(null));
    assert_eq!(v["pending_version"], json!(null));
    assert_eq!(v["cards_outstanding"], json!({"yellow": 0, "red": 0}));
    assert_eq!(
        v["obligations"][0]["measure"],
        json!({"metric": "visits", "target": 8})
    );
    assert_eq!(v["obligations"][0]["status"], json!("open"));
    assert_eq!(
        v["obligations"][0]["progress"],
        json!({"metric": "visits", "target": 8, "confirmed": 0})
    );
    assert_eq!(v["obligations"][0]["days_to_due"], json!(213));
    assert_eq!(
        v["versions"][0]["statement"].as_str().map(str::len),
        Some(64),
        "statement ids are hex"
    );
    assert_eq!(v["meetings"], json!({"every": "quarter"}));
    assert!(l
        .projections
        .agreement("no-such", date("2025-03-01"))
        .is_none());
    assert!(l
        .projections
        .agreement("Not An Id", date("2025-03-01"))
        .is_none());
}

/// Detail answers flatten the summary beside their own lists; no member may appear twice
/// (a client keeping the last value would lose the counts, and pactlog refuses duplicate
/// keys itself). JCS keeps duplicates, and the canonical check refuses them.
#[test]
fn detail_answers_have_no_repeated_members() {
    let mut l = two_orgs();
    l.on("2025-03-01").propose(
        "ag1",
        "pairing",
        &[FGW, NANXIN],
        ("2025-04-01", "2025-12-31"),
        &["party_building"],
        json!([obligation("ob1", FGW, None, None)]),
    );
    let detail = l.projections.agreement("ag1", date("2025-03-02"));
    let org = l.projections.org(FGW, date("2025-03-02"));
    for text in [
        pactlog_statement::canonical::to_canonical_vec(&detail).expect("jcs"),
        pactlog_statement::canonical::to_canonical_vec(&org).expect("jcs"),
    ] {
        assert_eq!(
            pactlog_statement::canonical::check_canonical(&text),
            Ok(()),
            "{}",
            String::from_utf8_lossy(&text)
        );
    }
}
