//! The SPEC §6 aggregates by region, kind pair, category and period.

use pactlog_projections::{Projections, Stats, StatsQuery};
use pactlog_statement::ids::{Period, Region};
use serde_json::json;

use crate::ledger::date;
use crate::rich::rich;

fn stats(p: &Projections, as_of: &str, region: Option<&str>, period: Option<&str>) -> Stats {
    p.stats(&StatsQuery {
        region: region.map(|r| Region::new(r).unwrap()),
        period: period.map(|s| Period::parse(s).unwrap()),
        as_of: date(as_of),
    })
}

fn json(s: &Stats) -> serde_json::Value {
    serde_json::to_value(s).unwrap()
}

#[test]
fn nation_as_of_a_date() {
    let l = rich();
    let s = json(&stats(&l.projections, "2025-09-01", None, None));
    assert_eq!(s["tree_size"], json!(l.projections.tree_size()));
    assert_eq!(s["as_of"], "2025-09-01");
    assert_eq!(s["region"], "000000");
    assert_eq!(s["period"], serde_json::Value::Null);
    assert_eq!(
        s["agreements"],
        json!({
            "total": 6,
            "by_state": {"proposed": 1, "pending_start": 0, "active": 4, "expired": 0, "terminated": 1},
            "by_kind": {"pairing": 4, "tripartite": 1, "alliance": 1, "resident": 0}
        })
    );
    let pairs: Vec<(String, u64, u64)> = s["by_kind_pair"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["pair"].as_str().unwrap().to_string(),
                r["agreements"].as_u64().unwrap(),
                r["active"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("organ+enterprise".to_string(), 1, 1),
            ("organ+enterprise+village".to_string(), 1, 1),
            ("organ↔community".to_string(), 1, 0),
            ("organ↔enterprise".to_string(), 1, 1),
            ("organ↔organ".to_string(), 1, 0),
            ("organ↔village".to_string(), 1, 1),
        ]
    );
    let alliance = &s["by_kind_pair"][0];
    assert_eq!(alliance["multi_party"], true);
    assert_eq!(alliance["kinds"], json!(["organ", "enterprise"]));
    assert_eq!(alliance["active_parties"]["organ"], 3);
    assert_eq!(alliance["active_parties"]["enterprise"], 1);
    assert_eq!(s["by_kind_pair"][3]["multi_party"], false);

    assert_eq!(
        s["by_region"],
        json!([
            {"region": "000000", "level": "nation", "orgs": 1, "agreements": 0, "active": 0},
            {"region": "310000", "level": "province", "orgs": 1, "agreements": 1, "active": 1},
            {"region": "320000", "level": "province", "orgs": 6, "agreements": 6, "active": 4},
            {"region": "330000", "level": "province", "orgs": 1, "agreements": 1, "active": 1},
            {"region": "340000", "level": "province", "orgs": 1, "agreements": 2, "active": 1},
        ])
    );
    let category = |c: &str| {
        s["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["category"] == c)
            .unwrap()
            .clone()
    };
    assert_eq!(category("party_building")["agreements"], 3);
    assert_eq!(category("party_building")["active"], 2);
    assert_eq!(category("party_building")["results_confirmed"], 1);
    assert_eq!(category("party_building")["metric_totals"]["visits"], 12);
    assert_eq!(category("talent")["metric_totals"]["trainings"], 3);
    assert_eq!(category("projects")["results_confirmed"], 2);
    assert_eq!(
        category("livelihood")["results_confirmed"],
        0,
        "rs2 is disputed"
    );
    assert_eq!(category("governance")["agreements"], 1);
    assert_eq!(s["by_category"].as_array().unwrap().len(), 7);

    assert_eq!(
        s["results"],
        json!({"reported": 6, "confirmed": 4, "disputed": 1, "unconfirmed": 1})
    );
    assert_eq!(
        s["metric_totals"],
        json!({
            "beneficiaries": 0, "collective_income_cny": 0, "funds_cny": 200000, "jobs": 6,
            "meetings": 0, "problems_solved": 1, "projects": 1, "suggestions": 5,
            "trainings": 3, "visits": 12, "volunteer_hours": 0
        }),
        "confirmed results only: r2 (disputed) and r3 (unconfirmed) are left out"
    );
    assert_eq!(
        s["obligations"],
        json!({"total": 5, "met": 1, "disputed": 1, "overdue": 1, "at_risk": 1, "open": 1})
    );
    assert_eq!(s["overdue_obligations"], 1);
    assert_eq!(s["at_risk_obligations"], 1);
    assert_eq!(
        s["grade_distribution"],
        json!({"excellent": 1, "good": 0, "fair": 1, "poor": 1})
    );
    assert_eq!(
        s["grade_distribution_by_subject"]["agreements"]["excellent"],
        1
    );
    assert_eq!(
        s["grade_distribution_by_subject"]["orgs"],
        json!({"excellent": 0, "good": 0, "fair": 1, "poor": 1})
    );
    assert_eq!(s["cards_outstanding"], json!({"yellow": 1, "red": 0}));
    assert_eq!(
        s["cross_province_alliances"],
        json!({"count": 2, "active": 1, "agreements": ["al1", "pp4"]})
    );
    assert_eq!(
        s["needs"],
        json!({"open": 1, "claimed": 1, "fulfilled": 0, "closed": 2})
    );
    assert_eq!(
        s["orgs"],
        json!({
            "total": 10,
            "by_kind": {"organ": 4, "enterprise": 2, "village": 2, "community": 1, "institution": 0, "social": 0, "authority": 1}
        })
    );
}

#[test]
fn snapshots_move_with_as_of() {
    let l = rich();
    // How things stood on a day: the log up to that day, as of that day.
    let then = |d: &str| json(&stats(&l.through(d), d, None, None));
    let early = then("2025-04-10");
    assert_eq!(
        early["needs"],
        json!({"open": 0, "claimed": 0, "fulfilled": 1, "closed": 0})
    );
    assert_eq!(early["results"]["reported"], 2);
    let july = then("2025-07-10");
    assert_eq!(july["cards_outstanding"], json!({"yellow": 1, "red": 1}));
    assert_eq!(
        july["cross_province_alliances"]["active"], 2,
        "pp4 not yet terminated"
    );
    assert_eq!(
        then("2025-07-01")["grade_distribution"],
        json!({"excellent": 0, "good": 1, "fair": 1, "poor": 1}),
        "excellent supersedes good only from 07-02"
    );
    let none = then("2024-12-31");
    assert_eq!(none["agreements"]["total"], 0);
    assert_eq!(none["orgs"]["total"], 0);

    // The whole log as of an earlier date: what the log holds counts; only the date
    // comparisons move (pp4's termination takes effect on 08-01).
    let whole = json(&stats(&l.projections, "2025-07-10", None, None));
    assert_eq!(whole["needs"], then("2025-09-01")["needs"]);
    assert_eq!(whole["cards_outstanding"], json!({"yellow": 1, "red": 0}));
    assert_eq!(whole["cross_province_alliances"]["active"], 2);
    assert_eq!(
        json(&stats(&l.projections, "2025-08-01", None, None))["cross_province_alliances"]
            ["active"],
        1
    );
}

#[test]
fn periods_restrict_results_and_grades() {
    let l = rich();
    let p = &l.projections;
    let q3 = json(&stats(p, "2025-09-01", None, Some("2025-Q3")));
    assert_eq!(q3["period"], "2025-Q3");
    assert_eq!(
        q3["results"],
        json!({"reported": 2, "confirmed": 1, "disputed": 0, "unconfirmed": 1})
    );
    assert_eq!(q3["metric_totals"]["trainings"], 3);
    assert_eq!(q3["metric_totals"]["visits"], 0, "rs3 is unconfirmed");
    assert_eq!(
        q3["grade_distribution"],
        json!({"excellent": 0, "good": 0, "fair": 0, "poor": 0})
    );
    let q1 = json(&stats(p, "2025-09-01", None, Some("2025-Q1")));
    assert_eq!(q1["metric_totals"]["visits"], 12);
    assert_eq!(q1["results"]["reported"], 1);
    let march = json(&stats(p, "2025-09-01", None, Some("2025-03")));
    assert_eq!(march["metric_totals"], q1["metric_totals"]);
    let q2 = json(&stats(p, "2025-09-01", None, Some("2025-Q2")));
    assert_eq!(
        q2["grade_distribution"],
        json!({"excellent": 0, "good": 0, "fair": 0, "poor": 1})
    );
    assert_eq!(q2["metric_totals"]["jobs"], 6);
    let h1 = json(&stats(p, "2025-09-01", None, Some("2025-H1")));
    assert_eq!(
        h1["grade_distribution"],
        json!({"excellent": 1, "good": 0, "fair": 1, "poor": 1})
    );
    let year = json(&stats(p, "2025-09-01", None, Some("2025")));
    assert_eq!(year["grade_distribution"], h1["grade_distribution"]);
    assert_eq!(year["results"]["reported"], 6);
}

#[test]
fn regions_count_within_and_one_level_below() {
    let l = rich();
    let p = &l.projections;
    let anhui = json(&stats(p, "2025-09-01", Some("340000"), None));
    assert_eq!(anhui["region"], "340000");
    assert_eq!(anhui["agreements"]["total"], 2);
    assert_eq!(anhui["metric_totals"]["trainings"], 3);
    assert_eq!(anhui["metric_totals"]["visits"], 0);
    assert_eq!(
        anhui["grade_distribution"],
        json!({"excellent": 0, "good": 0, "fair": 0, "poor": 1})
    );
    assert_eq!(anhui["cross_province_alliances"]["count"], 2);
    assert_eq!(anhui["orgs"]["total"], 1);
    assert_eq!(
        anhui["needs"],
        json!({"open": 0, "claimed": 0, "fulfilled": 0, "closed": 0})
    );
    assert_eq!(
        anhui["by_region"],
        json!([{"region": "341100", "level": "city", "orgs": 1, "agreements": 2, "active": 1}])
    );

    let city =
        |as_of| json(&stats(&l.through(as_of), as_of, Some("320700"), None))["by_region"].clone();
    assert_eq!(
        city("2025-07-31"),
        json!([
            {"region": "320700", "level": "city", "orgs": 2, "agreements": 6, "active": 5},
            {"region": "320703", "level": "county", "orgs": 1, "agreements": 2, "active": 2},
            {"region": "320706", "level": "county", "orgs": 2, "agreements": 2, "active": 1},
            {"region": "320722", "level": "county", "orgs": 1, "agreements": 1, "active": 1},
        ])
    );
    let moved = city("2025-09-01");
    assert_eq!(moved[3]["region"], "320723", "北望村 moved on 08-01");
    let county = json(&stats(p, "2025-09-01", Some("320706"), None));
    assert_eq!(county["agreements"]["total"], 2);
    assert_eq!(
        county["needs"],
        json!({"open": 1, "claimed": 0, "fulfilled": 0, "closed": 2})
    );
    assert_eq!(county["cross_province_alliances"]["count"], 0);
    let shanghai = json(&stats(p, "2025-09-01", Some("310000"), None));
    assert_eq!(shanghai["obligations"]["at_risk"], 1);
    assert_eq!(shanghai["obligations"]["total"], 1);
}

#[test]
fn an_empty_log_has_zero_stats_and_empty_pages() {
    let p = Projections::new();
    let s = p.stats(&StatsQuery::new(date("2025-01-01")));
    assert_eq!(s.tree_size, 0);
    assert_eq!(s.agreements.total, 0);
    let page = p
        .agreements(&pactlog_projections::AgreementQuery::new(date(
            "2025-01-01",
        )))
        .unwrap();
    assert_eq!((page.tree_size, page.items.len(), page.next), (0, 0, None));
    assert!(p.org("cn.zzb", date("2025-01-01")).is_none());
    assert!(p.state().is_none());
}
