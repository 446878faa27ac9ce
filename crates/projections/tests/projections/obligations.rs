//! Obligation status as of a date (SPEC §6) and result confirmation.

use pactlog_projections::{Confirmation, ObligationRow, ObligationStatus, ObligationStatus::*};
use serde_json::json;

use crate::ledger::{date, obligation, Ledger};

const FGW: &str = "js.lyg.fgw";
const NANXIN: &str = "js.lyg.v.nanxin";

/// A signed agreement for 2025-03-01 … 2025-12-31 with four obligations:
/// `visits` (8 visits by 09-30), `income` (¥100 000 by 06-30), `theme-day` (no measure, no
/// due) and `report` (no measure, due 05-15), and results that move them through every status.
fn ledger() -> Ledger {
    let mut l = Ledger::new();
    l.register(FGW, "organ", "320700")
        .register(NANXIN, "village", "320706");
    l.on("2025-03-01").propose(
        "ag1",
        "pairing",
        &[FGW, NANXIN],
        ("2025-03-01", "2025-12-31"),
        &["party_building", "livelihood"],
        json!([
            obligation("visits", FGW, Some(("visits", 8)), Some("2025-09-30")),
            obligation(
                "income",
                FGW,
                Some(("collective_income_cny", 100_000)),
                Some("2025-06-30")
            ),
            obligation("theme-day", NANXIN, None, None),
            obligation("report", FGW, None, Some("2025-05-15")),
        ]),
    );
    l.sign(NANXIN, "ag1");
    l.on("2025-03-10").report(
        FGW,
        "r-v1",
        "ag1",
        Some("visits"),
        "2025-03-10",
        "party_building",
        json!({"visits": 3}),
    );
    l.on("2025-03-11").confirm(NANXIN, "r-v1");
    l.on("2025-03-20").report(
        NANXIN,
        "r-t1",
        "ag1",
        Some("theme-day"),
        "2025-03-20",
        "party_building",
        json!({}),
    );
    l.on("2025-03-21").confirm(FGW, "r-t1");
    l.on("2025-04-01").report(
        FGW,
        "r-i1",
        "ag1",
        Some("income"),
        "2025-04-01",
        "livelihood",
        json!({"collective_income_cny": 50_000}),
    );
    l.on("2025-04-02").dispute(NANXIN, "r-i1");
    l.on("2025-04-03").report(
        FGW,
        "r-i2",
        "ag1",
        Some("income"),
        "2025-04-03",
        "livelihood",
        json!({"collective_income_cny": 20_000}),
    );
    // Dated 09-01, reported 09-05: not known as of 09-02.
    l.on("2025-09-05").report(
        FGW,
        "r-v2",
        "ag1",
        Some("visits"),
        "2025-09-01",
        "party_building",
        json!({"visits": 1}),
    );
    l.confirm(NANXIN, "r-v2");
    l.on("2025-09-10").report(
        FGW,
        "r-v3",
        "ag1",
        Some("visits"),
        "2025-09-10",
        "party_building",
        json!({"visits": 10}),
    );
    l.on("2025-09-12").confirm(NANXIN, "r-v3");
    l
}

/// The obligation as a reader asking on `d` saw it: the log up to `d`, as of `d`.
fn row(l: &Ledger, id: &str, d: &str) -> ObligationRow {
    let detail = l.through(d).agreement("ag1", date(d)).unwrap();
    detail
        .obligations
        .into_iter()
        .find(|o| o.id.as_str() == id)
        .unwrap()
}

fn status(l: &Ledger, id: &str, d: &str) -> ObligationStatus {
    row(l, id, d).status
}

#[test]
fn measured_obligation_counts_confirmed_results_only() {
    let l = ledger();
    assert_eq!(
        status(&l, "visits", "2025-03-10"),
        Open,
        "reported, not yet confirmed"
    );
    assert_eq!(row(&l, "visits", "2025-03-10").progress.confirmed, 0);
    assert_eq!(row(&l, "visits", "2025-03-11").progress.confirmed, 3);
    // 3 × 2 < 8: at risk from 30 days before the due date, not 31.
    assert_eq!(status(&l, "visits", "2025-08-30"), Open);
    assert_eq!(status(&l, "visits", "2025-08-31"), AtRisk);
    assert_eq!(
        status(&l, "visits", "2025-09-02"),
        AtRisk,
        "r-v2 not reported yet"
    );
    // 4 × 2 = 8 is not under half of 8.
    assert_eq!(row(&l, "visits", "2025-09-05").progress.confirmed, 4);
    assert_eq!(status(&l, "visits", "2025-09-05"), Open);
    // r-v3 (10 visits) is unconfirmed on 09-11 and does not count.
    let unconfirmed = row(&l, "visits", "2025-09-11");
    assert_eq!(unconfirmed.status, Open);
    assert_eq!(unconfirmed.progress.confirmed, 4);
    assert_eq!(unconfirmed.results.reported, 3);
    assert_eq!(unconfirmed.results.unconfirmed, 1);
    assert_eq!(status(&l, "visits", "2025-09-12"), Met);
    assert_eq!(
        status(&l, "visits", "2025-10-01"),
        Met,
        "met is never overdue"
    );
    // The whole log as of an early date: SPEC §6 compares D with the due date only, so every
    // confirmed result counts, including those confirmed later.
    let early = l.projections.agreement("ag1", date("2025-03-10")).unwrap();
    let visits = early
        .obligations
        .iter()
        .find(|o| o.id.as_str() == "visits")
        .unwrap();
    assert_eq!((visits.status, visits.progress.confirmed), (Met, 14));
}

#[test]
fn unmeasured_obligation_is_met_by_one_confirmed_result() {
    let l = ledger();
    assert_eq!(
        status(&l, "theme-day", "2025-03-20"),
        Open,
        "no due date: never at risk"
    );
    let met = row(&l, "theme-day", "2025-03-21");
    assert_eq!(met.status, Met);
    assert_eq!(met.progress.metric, None);
    assert_eq!((met.progress.target, met.progress.confirmed), (1, 1));
    assert_eq!(status(&l, "theme-day", "2026-06-01"), Met);
}

#[test]
fn unmeasured_obligation_with_a_due_date_goes_at_risk_then_overdue() {
    let l = ledger();
    assert_eq!(status(&l, "report", "2025-04-14"), Open, "31 days before");
    assert_eq!(status(&l, "report", "2025-04-15"), AtRisk, "30 days before");
    assert_eq!(
        status(&l, "report", "2025-05-15"),
        AtRisk,
        "due today is not overdue"
    );
    assert_eq!(status(&l, "report", "2025-05-16"), Overdue);
    assert_eq!(row(&l, "report", "2025-05-16").days_to_due, Some(-1));
}

#[test]
fn disputed_latest_result_wins_over_overdue_until_a_new_result() {
    let l = ledger();
    assert_eq!(status(&l, "income", "2025-04-01"), Open);
    assert_eq!(status(&l, "income", "2025-04-02"), Disputed);
    let r = row(&l, "income", "2025-04-02");
    assert_eq!(r.latest_result.as_ref().map(|r| r.as_str()), Some("r-i1"));
    assert_eq!(r.progress.confirmed, 0, "a disputed result does not count");
    // A later result (unreviewed) is the latest now: no longer disputed.
    assert_eq!(status(&l, "income", "2025-04-03"), Open);
    assert_eq!(status(&l, "income", "2025-07-01"), Overdue);
}

#[test]
fn result_confirmation_states() {
    let l = ledger();
    let confirmation = |id: &str, d: &str| {
        l.through(d)
            .agreement("ag1", date(d))
            .unwrap()
            .results
            .into_iter()
            .find(|r| r.id.as_str() == id)
            .map(|r| (r.confirmation, r.counts))
    };
    assert_eq!(
        confirmation("r-v1", "2025-03-10"),
        Some((Confirmation::Unconfirmed, false))
    );
    assert_eq!(
        confirmation("r-v1", "2025-03-11"),
        Some((Confirmation::Confirmed, true))
    );
    assert_eq!(
        confirmation("r-i1", "2025-04-02"),
        Some((Confirmation::Disputed, false))
    );
    assert_eq!(
        confirmation("r-v2", "2025-09-04"),
        None,
        "reported on 09-05"
    );
    let detail = l.projections.agreement("ag1", date("2025-12-31")).unwrap();
    assert_eq!(detail.summary.results.reported, 6);
    assert_eq!(detail.summary.results.confirmed, 4);
    assert_eq!(detail.summary.results.disputed, 1);
    assert_eq!(detail.summary.results.unconfirmed, 1);
    let disputed = detail
        .results
        .iter()
        .find(|r| r.id.as_str() == "r-i1")
        .unwrap();
    let review = serde_json::to_value(&disputed.reviews).unwrap();
    assert_eq!(review[0]["party"], json!(NANXIN));
    assert_eq!(review[0]["review"], json!("disputed"));
    assert_eq!(review[0]["reason"], json!("与签到记录不符"));
}

#[test]
fn summary_counts_obligations_by_status() {
    let l = ledger();
    let summary = l
        .through("2025-05-16")
        .agreement("ag1", date("2025-05-16"))
        .unwrap()
        .summary;
    let o = summary.obligations;
    // visits open (3 of 8, due in > 30 days), income open (latest r-i2 unreviewed),
    // theme-day met, report overdue.
    assert_eq!(
        (o.total, o.met, o.disputed, o.overdue, o.at_risk, o.open),
        (4, 1, 0, 1, 0, 2)
    );
}
