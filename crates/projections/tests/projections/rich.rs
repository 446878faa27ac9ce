//! A ledger with every kind of act: six agreements of four kinds across four provinces,
//! results in every confirmation state, evaluations, cards, needs and an org that moves.
//!
//! As of 2025-09-01: `p1` (organ↔village), `p2` (organ↔enterprise), `t1` (tripartite) and
//! `al1` (alliance of JS, AH, SH, ZJ) are active; `p3` is proposed; `p4` (JS↔AH) was
//! terminated from 2025-08-01.

use serde_json::json;

use crate::ledger::{obligation, Ledger};

pub const FGW: &str = "js.lyg.fgw";
pub const JTJ: &str = "js.lyg.jtj";
pub const NANXIN: &str = "js.lyg.v.nanxin";
pub const BEIWANG: &str = "js.lyg.v.beiwang";
pub const STEEL: &str = "js.lyg.e.steel";
pub const XINPU: &str = "js.lyg.c.xinpu";
pub const CHUZHOU: &str = "ah.cz.fgw";
pub const SHANGHAI: &str = "sh.jg.fgw";
pub const HANGZHOU: &str = "zj.hz.e.tech";

pub fn rich() -> Ledger {
    let mut l = Ledger::new();
    l.on("2025-02-01")
        .register(FGW, "organ", "320700")
        .register(JTJ, "organ", "320700")
        .register(NANXIN, "village", "320706")
        .register(BEIWANG, "village", "320722")
        .register(STEEL, "enterprise", "320703")
        .register(XINPU, "community", "320706")
        .register(CHUZHOU, "organ", "341100")
        .register(SHANGHAI, "organ", "310000")
        .register(HANGZHOU, "enterprise", "330100");

    l.on("2025-03-01")
        .propose(
            "pp1",
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
                    Some("2025-12-31")
                ),
            ]),
        )
        .sign(NANXIN, "pp1")
        .propose(
            "pp2",
            "pairing",
            &[JTJ, STEEL],
            ("2025-03-01", "2026-02-28"),
            &["projects"],
            json!([obligation(
                "jobs",
                STEEL,
                Some(("jobs", 10)),
                Some("2025-06-30")
            )]),
        )
        .sign(STEEL, "pp2")
        .propose(
            "pp3",
            "pairing",
            &[FGW, XINPU],
            ("2025-04-01", "2026-03-31"),
            &["governance"],
            json!([obligation("patrol", FGW, None, None)]),
        )
        .propose(
            "tt1",
            "tripartite",
            &[FGW, BEIWANG, STEEL],
            ("2025-04-01", "2026-03-31"),
            &["projects", "livelihood"],
            json!([obligation(
                "build",
                STEEL,
                Some(("projects", 2)),
                Some("2025-09-20")
            )]),
        )
        .sign(BEIWANG, "tt1")
        .sign(STEEL, "tt1")
        .propose(
            "al1",
            "alliance",
            &[FGW, CHUZHOU, SHANGHAI, HANGZHOU],
            ("2025-03-01", "2027-12-31"),
            &["party_building"],
            json!([obligation(
                "train",
                SHANGHAI,
                Some(("trainings", 10)),
                Some("2025-09-30")
            )]),
        )
        .sign(CHUZHOU, "al1")
        .sign(SHANGHAI, "al1")
        .sign(HANGZHOU, "al1")
        .propose(
            "pp4",
            "pairing",
            &[FGW, CHUZHOU],
            ("2025-03-01", "2025-12-31"),
            &["party_building"],
            json!([obligation("exchange", CHUZHOU, None, Some("2025-06-30"))]),
        )
        .sign(CHUZHOU, "pp4");

    l.on("2025-03-19")
        .report(
            FGW,
            "rs1",
            "pp1",
            Some("visits"),
            "2025-03-18",
            "party_building",
            json!({"visits": 12, "suggestions": 5, "problems_solved": 1}),
        )
        .confirm(NANXIN, "rs1");
    l.on("2025-04-01").submit(
        NANXIN,
        "need.posted",
        json!({
            "need": "nd1", "title": "村文化广场路灯维修", "category": "livelihood",
            "description": "广场路灯损坏", "agreement": "pp1"
        }),
    );
    l.on("2025-04-02")
        .submit(FGW, "need.claimed", json!({"need": "nd1"}));
    l.on("2025-04-10").submit(
        FGW,
        "need.fulfilled",
        json!({
            "need": "nd1", "summary": "更换路灯6盏", "metrics": {"beneficiaries": 800}
        }),
    );
    l.report(
        FGW,
        "rs2",
        "pp1",
        Some("income"),
        "2025-04-10",
        "livelihood",
        json!({"collective_income_cny": 60_000}),
    )
    .dispute(NANXIN, "rs2");
    l.on("2025-04-12").submit(
        NANXIN,
        "need.closed",
        json!({"need": "nd1", "satisfied": true, "rating": 5}),
    );
    l.on("2025-04-20")
        .report(
            FGW,
            "rs5",
            "tt1",
            Some("build"),
            "2025-04-20",
            "projects",
            json!({"projects": 1, "funds_cny": 200_000}),
        )
        .confirm(BEIWANG, "rs5")
        .dispute(STEEL, "rs5");
    l.on("2025-05-01")
        .report(
            JTJ,
            "rs4",
            "pp2",
            Some("jobs"),
            "2025-05-01",
            "projects",
            json!({"jobs": 6}),
        )
        .confirm(STEEL, "rs4");
    l.submit(XINPU, "need.posted", json!({
        "need": "nd2", "title": "社区老年食堂志愿者", "category": "livelihood", "description": "需要志愿者"
    }));
    l.on("2025-05-02").submit(
        NANXIN,
        "need.posted",
        json!({
            "need": "nd3", "title": "农技培训", "category": "talent", "description": "需要农技培训"
        }),
    );
    l.on("2025-05-03").submit(
        NANXIN,
        "need.closed",
        json!({"need": "nd3", "satisfied": false}),
    );
    l.on("2025-06-01").submit(
        BEIWANG,
        "need.posted",
        json!({
            "need": "nd4", "title": "道路硬化", "category": "projects", "description": "村道硬化"
        }),
    );
    l.on("2025-06-02")
        .submit(STEEL, "need.claimed", json!({"need": "nd4"}));
    l.on("2025-07-01")
        .evaluate(json!({"agreement": "pp1"}), "2025-H1", "good")
        .evaluate(json!({"org": NANXIN}), "2025-H1", "fair")
        .evaluate(json!({"org": CHUZHOU}), "2025-Q2", "poor");
    l.on("2025-07-02")
        .evaluate(json!({"agreement": "pp1"}), "2025-H1", "excellent");
    l.on("2025-07-05")
        .report(
            FGW,
            "rs3",
            "pp1",
            Some("visits"),
            "2025-07-05",
            "party_building",
            json!({"visits": 2}),
        )
        .card("cd1", "yellow", "pp2", Some("jobs"));
    l.on("2025-07-06").card("cd2", "red", "pp1", None);
    l.on("2025-07-10")
        .report(
            SHANGHAI,
            "rs6",
            "al1",
            Some("train"),
            "2025-07-10",
            "talent",
            json!({"trainings": 3}),
        )
        .confirm(HANGZHOU, "rs6");
    l.on("2025-07-15").terminate(FGW, "pp4", "2025-08-01");
    l.on("2025-07-20").lift("cd2");
    l.on("2025-08-01").submit(
        crate::ledger::ROOT,
        "org.updated",
        json!({"org": BEIWANG, "region": "320723"}),
    );
    l
}
