//! Announced submissions: each knows whether others were in flight when it was announced
//! (what lets the HTTP server skip its yield for a lone request), and a submission stops
//! counting as in flight once it is queued, refused or dropped.

use std::sync::Arc;

use pactlog_sequencer::load::LoadGenerator;
use pactlog_sequencer::{InitOptions, Ledger, SystemClock};
use pactlog_statement::rejection::Code;

fn ledger(dir: &std::path::Path) -> Ledger {
    Ledger::init(
        dir,
        &InitOptions {
            origin: "test.pactlog.example/announce".into(),
            max_skew_s: 3600,
            authority_org: "test.root".into(),
            authority_name: "测试根机关".into(),
            authority_region: "320000".into(),
        },
        &SystemClock,
    )
    .expect("init");
    Ledger::open(dir, Arc::new(SystemClock)).expect("open").0
}

fn now() -> pactlog_statement::time::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    pactlog_statement::time::Timestamp::from_unix_millis(ms - ms % 1000).expect("time")
}

#[test]
fn an_announcement_knows_whether_others_are_in_flight() {
    let temp = tempfile::tempdir().expect("tempdir");
    let ledger = ledger(temp.path());
    let view = ledger.view();
    let generator = LoadGenerator::new(temp.path(), &view, "a").expect("generator");
    let body = |n| {
        generator
            .envelope(n, now())
            .expect("envelope")
            .to_canonical_json()
            .into_bytes()
    };

    let first = view.announce();
    assert!(!first.had_company(), "nothing else was in flight");
    let second = view.announce();
    assert!(second.had_company(), "the first was in flight");

    // Queued and acknowledged: no longer in flight.
    let submission = first.prepare(&body(0)).expect("valid");
    let ack = ledger
        .enqueue(submission)
        .expect("queued")
        .blocking_recv()
        .expect("answered")
        .expect("accepted");
    assert!(ack.created);
    let third = view.announce();
    assert!(third.had_company(), "the second is still in flight");

    // Refused by the checks, and dropped unchecked: neither counts any more.
    assert_eq!(
        second.prepare(b"[]").err().map(|r| r.code),
        Some(Code::Malformed)
    );
    drop(third);
    assert!(!view.announce().had_company(), "nothing is in flight");
    ledger.shutdown();
}
