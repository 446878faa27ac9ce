//! Folding is incremental and history-stable: rebuilding from scratch gives the same answers,
//! and an answer as of a past date equals the answer of the log as it stood then.

use pactlog_projections::{
    AgreementQuery, NeedQuery, ObligationQuery, OrgQuery, Projections, ResultQuery, StatsQuery,
};
use pactlog_state::ReplayError;
use pactlog_statement::entry::Entry;
use pactlog_statement::ids::{Period, Region};
use serde_json::{json, Value};

use crate::ledger::date;
use crate::rich::*;

const DATES: [&str; 8] = [
    "2025-01-01",
    "2025-03-01",
    "2025-04-10",
    "2025-05-02",
    "2025-07-01",
    "2025-07-31",
    "2025-09-01",
    "2026-06-30",
];

/// Every answer that takes a date, as JSON, for each of [`DATES`].
fn dated_answers(p: &Projections) -> Vec<Value> {
    let mut out = Vec::new();
    for d in DATES {
        let as_of = date(d);
        out.push(json!(p.agreements(&AgreementQuery::new(as_of)).unwrap()));
        out.push(json!(p.obligations(&ObligationQuery::new(as_of)).unwrap()));
        for id in ["pp1", "pp2", "pp3", "tt1", "al1", "pp4"] {
            out.push(json!(p.agreement(id, as_of)));
        }
        for org in [FGW, NANXIN, BEIWANG, CHUZHOU] {
            out.push(json!(p.org(org, as_of)));
        }
        out.push(json!(p.stats(&StatsQuery::new(as_of))));
        out.push(json!(p.stats(&StatsQuery {
            region: Some(Region::new("320700").unwrap()),
            period: Some(Period::parse("2025-Q2").unwrap()),
            as_of,
        })));
    }
    out
}

fn undated_answers(p: &Projections) -> Vec<Value> {
    vec![
        json!(p.orgs(&OrgQuery::default()).unwrap()),
        json!(p.results(&ResultQuery::default()).unwrap()),
        json!(p.needs(&NeedQuery::default()).unwrap()),
    ]
}

fn fold(leaves: &[Vec<u8>]) -> Projections {
    let mut p = Projections::new();
    for leaf in leaves {
        p.apply_leaf(leaf).unwrap();
    }
    p
}

#[test]
fn rebuilding_from_scratch_equals_incremental_folding() {
    let l = rich();
    let rebuilt = fold(&l.leaves);
    assert_eq!(rebuilt.tree_size(), l.projections.tree_size());
    assert_eq!(dated_answers(&rebuilt), dated_answers(&l.projections));
    assert_eq!(undated_answers(&rebuilt), undated_answers(&l.projections));
    assert_eq!(
        rebuilt.state().unwrap().digest(),
        l.projections.state().unwrap().digest()
    );
}

/// What the HTTP follower folds live — each entry with the statement the sequencer parsed —
/// equals folding the leaves read back from the log, answer for answer.
#[test]
fn folding_parsed_entries_equals_folding_leaves() {
    let l = rich();
    let mut parsed = Projections::new();
    for leaf in &l.leaves {
        let entry = Entry::parse_leaf(leaf).unwrap();
        let statement = entry.envelope.statement().unwrap();
        parsed.apply_parsed(&entry, &statement).unwrap();
    }
    let leaves = fold(&l.leaves);
    assert_eq!(dated_answers(&parsed), dated_answers(&leaves));
    assert_eq!(undated_answers(&parsed), undated_answers(&leaves));
    assert_eq!(
        parsed.state().unwrap().digest(),
        leaves.state().unwrap().digest()
    );
    // The same rules apply: an entry out of order is refused and changes nothing.
    let entry = Entry::parse_leaf(&l.leaves[3]).unwrap();
    let statement = entry.envelope.statement().unwrap();
    assert!(matches!(
        parsed.apply_parsed(&entry, &statement),
        Err(ReplayError::Seq { .. })
    ));
    assert_eq!(undated_answers(&parsed), undated_answers(&leaves));
}

/// SPEC §6 compares D with the dates it names (terms, effective dates, due dates); it does
/// not cut the log at D. So as of any date the answers list what the whole log holds, and
/// only the states and statuses derived from those comparisons move.
#[test]
fn every_answer_reads_the_whole_log_whatever_the_date() {
    let l = rich();
    let p = &l.projections;
    /// What an agreement row holds that no date comparison decides.
    fn undated(row: &Value) -> Value {
        json!([
            row["id"],
            row["latest_version"],
            row["signed_version"],
            row["result_counts"],
            row["cards_outstanding"],
            row["last_activity"],
            row["termination_effective"],
        ])
    }
    let rows = |d: &str| -> Vec<Value> {
        let list = json!(p.agreements(&AgreementQuery::new(date(d))).unwrap());
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(undated)
            .collect()
    };
    let latest = rows(DATES[DATES.len() - 1]);
    assert_eq!(latest.len(), 6);
    for d in DATES {
        assert_eq!(rows(d), latest, "as of {d}");
        let org = json!(p.org(BEIWANG, date(d)).unwrap());
        assert_eq!(org["region"], json!("320723"), "as of {d}: its region now");
        let results = p.agreement("pp1", date(d)).unwrap().results.len();
        assert_eq!(results, 3, "as of {d}");
    }
}

#[test]
fn a_refused_leaf_changes_nothing() {
    let l = rich();
    let mut p = fold(&l.leaves);
    let before = undated_answers(&p);
    // Entry 5 again: wrong seq.
    assert!(matches!(
        p.apply_leaf(&l.leaves[5]),
        Err(ReplayError::Seq { .. })
    ));
    assert!(p.apply_leaf(b"{}").is_err());
    assert_eq!(p.tree_size(), l.projections.tree_size());
    assert_eq!(undated_answers(&p), before);
}
