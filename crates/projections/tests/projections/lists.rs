//! Filters and cursor pagination of every list.

use pactlog_projections::{
    AgreementQuery, AgreementState, Confirmation, Cursor, NeedQuery, NeedStatus, ObligationQuery,
    ObligationStatus, OrgQuery, Page, QueryError, ResultQuery, LIMIT_MAX,
};
use pactlog_statement::ids::{AgreementId, AgreementKind, Category, OrgId, OrgKind, Region};

use crate::ledger::date;
use crate::rich::*;

fn org(s: &str) -> OrgId {
    OrgId::new(s).unwrap()
}

fn region(s: &str) -> Region {
    Region::new(s).unwrap()
}

fn agreements(p: &pactlog_projections::Projections, q: &AgreementQuery) -> Vec<String> {
    p.agreements(q)
        .unwrap()
        .items
        .into_iter()
        .map(|a| a.id.to_string())
        .collect()
}

/// Every page of a list, following `next`.
fn all_pages<T>(mut page: impl FnMut(Option<String>) -> Page<T>) -> Vec<Vec<T>> {
    let mut pages = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(cursor);
        cursor = p.next.clone();
        pages.push(p.items);
        if cursor.is_none() {
            return pages;
        }
    }
}

#[test]
fn agreements_filter_by_each_member() {
    let l = rich();
    let p = &l.projections;
    let q = AgreementQuery::new(date("2025-09-01"));
    assert_eq!(
        agreements(p, &q),
        ["al1", "pp1", "pp2", "pp3", "pp4", "tt1"]
    );
    let with = |f: &dyn Fn(&mut AgreementQuery)| {
        let mut q = q.clone();
        f(&mut q);
        agreements(p, &q)
    };
    assert_eq!(
        with(&|q| q.state = Some(AgreementState::Active)),
        ["al1", "pp1", "pp2", "tt1"]
    );
    assert_eq!(with(&|q| q.state = Some(AgreementState::Proposed)), ["pp3"]);
    assert_eq!(
        with(&|q| q.state = Some(AgreementState::Terminated)),
        ["pp4"]
    );
    assert_eq!(with(&|q| q.party = Some(org(STEEL))), ["pp2", "tt1"]);
    assert_eq!(
        with(&|q| q.party = Some(org("nobody.here"))),
        Vec::<String>::new()
    );
    assert_eq!(with(&|q| q.region = Some(region("340000"))), ["al1", "pp4"]);
    assert_eq!(with(&|q| q.region = Some(region("320706"))), ["pp1", "pp3"]);
    assert_eq!(with(&|q| q.kind = Some(AgreementKind::Tripartite)), ["tt1"]);
    assert_eq!(
        with(&|q| q.category = Some(Category::Projects)),
        ["pp2", "tt1"]
    );
    assert_eq!(
        with(&|q| {
            q.party = Some(org(FGW));
            q.state = Some(AgreementState::Active);
            q.category = Some(Category::PartyBuilding);
        }),
        ["al1", "pp1"]
    );
    // Every agreement of the log whatever the date; the date only moves the states.
    assert_eq!(
        with(&|q| q.as_of = date("2025-02-28")),
        ["al1", "pp1", "pp2", "pp3", "pp4", "tt1"]
    );
    assert_eq!(
        with(&|q| {
            q.as_of = date("2025-02-28");
            q.state = Some(AgreementState::PendingStart);
        }),
        ["al1", "pp1", "pp2", "pp4", "tt1"],
        "signed, and before their start (pp4's termination is not yet in effect)"
    );
    let p4 = p
        .agreements(&AgreementQuery::new(date("2025-07-31")))
        .unwrap();
    let p4 = p4.items.iter().find(|a| a.id.as_str() == "pp4").unwrap();
    assert_eq!(p4.state, AgreementState::Active, "terminated from 08-01");
}

#[test]
fn agreement_pages_follow_the_cursor() {
    let l = rich();
    let p = &l.projections;
    let pages = all_pages(|cursor| {
        let mut q = AgreementQuery::new(date("2025-09-01"));
        q.limit = 4;
        q.cursor = cursor;
        p.agreements(&q).unwrap()
    });
    let ids: Vec<Vec<String>> = pages
        .iter()
        .map(|page| page.iter().map(|a| a.id.to_string()).collect())
        .collect();
    assert_eq!(ids, [vec!["al1", "pp1", "pp2", "pp3"], vec!["pp4", "tt1"]]);
    // An exact fit has no further page.
    let mut q = AgreementQuery::new(date("2025-09-01"));
    q.limit = 6;
    let page = p.agreements(&q).unwrap();
    assert_eq!((page.items.len(), page.next), (6, None));
    assert_eq!(page.tree_size, p.tree_size());
    // With a party filter the index is walked from the cursor too.
    let pages = all_pages(|cursor| {
        let mut q = AgreementQuery::new(date("2025-09-01"));
        q.party = Some(org(FGW));
        q.limit = 2;
        q.cursor = cursor;
        p.agreements(&q).unwrap()
    });
    let ids: Vec<String> = pages
        .into_iter()
        .flatten()
        .map(|a| a.id.to_string())
        .collect();
    assert_eq!(ids, ["al1", "pp1", "pp3", "pp4", "tt1"]);
}

#[test]
fn bad_cursors_and_limits_are_refused() {
    let l = rich();
    let p = &l.projections;
    let mut q = AgreementQuery::new(date("2025-09-01"));
    for bad in [
        "!!!",
        "",
        "cDE",
        &Cursor::new("orgs", "js.lyg.fgw").encode(),
        &Cursor::new("agreements", "UPPER").encode(),
    ] {
        q.cursor = Some(bad.to_string());
        assert_eq!(p.agreements(&q), Err(QueryError::BadCursor), "{bad:?}");
    }
    let mut q = ResultQuery::default();
    q.cursor = Some(Cursor::new("results", "+5").encode());
    assert_eq!(p.results(&q), Err(QueryError::BadCursor));
    let mut q = ObligationQuery::new(date("2025-09-01"));
    q.cursor = Some(Cursor::new("obligations", "pp1").encode());
    assert_eq!(p.obligations(&q), Err(QueryError::BadCursor));
    q.cursor = Some("x".repeat(500));
    assert_eq!(p.obligations(&q), Err(QueryError::BadCursor));

    let mut q = OrgQuery::default();
    q.limit = 0;
    assert!(matches!(p.orgs(&q), Err(QueryError::BadFilter(_))));
    q.limit = LIMIT_MAX + 5;
    assert_eq!(
        p.orgs(&q).unwrap().items.len(),
        10,
        "a large limit is lowered, not refused"
    );
    let mut q = OrgQuery::default();
    q.q = Some("长".repeat(101));
    assert!(matches!(p.orgs(&q), Err(QueryError::BadFilter(_))));
    let mut q = ResultQuery::default();
    q.from = Some(date("2025-05-02"));
    q.to = Some(date("2025-05-01"));
    assert!(matches!(p.results(&q), Err(QueryError::BadFilter(_))));
    assert!(matches!(
        "pending".parse::<AgreementState>(),
        Err(QueryError::BadFilter(_))
    ));
    assert_eq!(
        "at_risk".parse::<ObligationStatus>(),
        Ok(ObligationStatus::AtRisk)
    );
    assert_eq!(
        "pending_start".parse::<AgreementState>(),
        Ok(AgreementState::PendingStart)
    );
    assert_eq!(
        pactlog_projections::parse_need_status("claimed"),
        Ok(NeedStatus::Claimed)
    );
}

#[test]
fn cursor_round_trip() {
    let cursor = Cursor::new("agreements", "pp1");
    let text = cursor.encode();
    assert!(text
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
    assert_eq!(Cursor::decode("agreements", &text), Ok(cursor));
    assert_eq!(Cursor::decode("orgs", &text), Err(QueryError::BadCursor));
}

#[test]
fn orgs_filter_and_page() {
    let l = rich();
    let p = &l.projections;
    let ids = |q: &OrgQuery| -> Vec<String> {
        p.orgs(q)
            .unwrap()
            .items
            .iter()
            .map(|o| o.id.to_string())
            .collect()
    };
    let mut q = OrgQuery::default();
    q.kind = Some(OrgKind::Organ);
    assert_eq!(ids(&q), [CHUZHOU, FGW, JTJ, SHANGHAI]);
    let mut q = OrgQuery::default();
    q.region = Some(region("320706"));
    assert_eq!(ids(&q), [XINPU, NANXIN]);
    let mut q = OrgQuery::default();
    q.region = Some(region("320723"));
    assert_eq!(ids(&q), [BEIWANG], "the directory shows the region now");
    let mut q = OrgQuery::default();
    q.q = Some("nanxin".into());
    assert_eq!(ids(&q), [NANXIN]);
    q.q = Some("党支部".into());
    assert_eq!(ids(&q).len(), 9, "names match too");
    let pages = all_pages(|cursor| {
        let mut q = OrgQuery::default();
        q.limit = 3;
        q.cursor = cursor;
        p.orgs(&q).unwrap()
    });
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3, 3, 1]);
    let fgw = p
        .orgs(&OrgQuery {
            q: Some(FGW.into()),
            ..OrgQuery::default()
        })
        .unwrap();
    assert_eq!(fgw.items[0].agreements, 5);

    let detail = p.org(BEIWANG, date("2025-09-01")).unwrap();
    assert_eq!(detail.summary.region.as_str(), "320723");
    assert_eq!(detail.updated.len(), 1);
    assert_eq!(detail.active_keys.len(), 1);
    assert_eq!(detail.active_keys[0].key.len(), 44);
    assert_eq!(detail.agreements.len(), 1);
    assert_eq!(detail.needs.len(), 1);
    // The org as the whole log has it, whatever the date.
    let before = p.org(BEIWANG, date("2025-01-31")).unwrap();
    assert_eq!(before.summary.region.as_str(), "320723");
    assert_eq!(before.updated.len(), 1);
    let nanxin = p.org(NANXIN, date("2025-09-01")).unwrap();
    assert_eq!(nanxin.evaluations.len(), 1);
    assert_eq!(
        nanxin
            .needs
            .iter()
            .map(|n| n.id.as_str())
            .collect::<Vec<_>>(),
        ["nd1", "nd3"]
    );
}

#[test]
fn results_filter_newest_first_and_page() {
    let l = rich();
    let p = &l.projections;
    let ids = |q: &ResultQuery| -> Vec<String> {
        p.results(q)
            .unwrap()
            .items
            .iter()
            .map(|r| r.id.to_string())
            .collect()
    };
    assert_eq!(
        ids(&ResultQuery::default()),
        ["rs6", "rs3", "rs4", "rs5", "rs2", "rs1"]
    );
    let with = |f: &dyn Fn(&mut ResultQuery)| {
        let mut q = ResultQuery::default();
        f(&mut q);
        ids(&q)
    };
    assert_eq!(
        with(&|q| q.confirmation = Some(Confirmation::Confirmed)),
        ["rs6", "rs4", "rs5", "rs1"]
    );
    assert_eq!(
        with(&|q| q.confirmation = Some(Confirmation::Disputed)),
        ["rs2"]
    );
    assert_eq!(
        with(&|q| q.confirmation = Some(Confirmation::Unconfirmed)),
        ["rs3"]
    );
    assert_eq!(
        with(&|q| q.agreement = Some(AgreementId::new("pp1").unwrap())),
        ["rs3", "rs2", "rs1"]
    );
    assert_eq!(with(&|q| q.party = Some(org(STEEL))), ["rs4", "rs5"]);
    assert_eq!(with(&|q| q.reporter = Some(org(JTJ))), ["rs4"]);
    assert_eq!(with(&|q| q.region = Some(region("310000"))), ["rs6"]);
    assert_eq!(
        with(&|q| q.category = Some(Category::Projects)),
        ["rs4", "rs5"]
    );
    assert_eq!(
        with(&|q| q.from = Some(date("2025-05-01"))),
        ["rs6", "rs3", "rs4"]
    );
    assert_eq!(with(&|q| q.to = Some(date("2025-04-10"))), ["rs2", "rs1"]);
    assert_eq!(
        with(&|q| q.obligation = Some(pactlog_statement::ids::ObligationId::new("visits").unwrap())),
        ["rs3", "rs1"]
    );
    let pages = all_pages(|cursor| {
        let mut q = ResultQuery::default();
        q.limit = 4;
        q.cursor = cursor;
        p.results(&q).unwrap()
    });
    let ids: Vec<Vec<String>> = pages
        .iter()
        .map(|page| page.iter().map(|r| r.id.to_string()).collect())
        .collect();
    assert_eq!(ids, [vec!["rs6", "rs3", "rs4", "rs5"], vec!["rs2", "rs1"]]);
    let pages = all_pages(|cursor| {
        let mut q = ResultQuery::default();
        q.agreement = Some(AgreementId::new("pp1").unwrap());
        q.limit = 2;
        q.cursor = cursor;
        p.results(&q).unwrap()
    });
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 1]);
    // A mixed review (confirmed by one party, disputed by another) counts.
    let r5 = p
        .results(&ResultQuery {
            category: Some(Category::Projects),
            reporter: Some(org(FGW)),
            ..ResultQuery::default()
        })
        .unwrap();
    assert_eq!(r5.items[0].confirmation, Confirmation::Confirmed);
    assert_eq!(r5.items[0].reviews.len(), 2);
}

#[test]
fn needs_flow_filter_and_page() {
    let l = rich();
    let p = &l.projections;
    let ids = |q: &NeedQuery| -> Vec<String> {
        p.needs(q)
            .unwrap()
            .items
            .iter()
            .map(|n| n.id.to_string())
            .collect()
    };
    assert_eq!(ids(&NeedQuery::default()), ["nd4", "nd3", "nd2", "nd1"]);
    let with = |f: &dyn Fn(&mut NeedQuery)| {
        let mut q = NeedQuery::default();
        f(&mut q);
        ids(&q)
    };
    assert_eq!(
        with(&|q| q.status = Some(NeedStatus::Closed)),
        ["nd3", "nd1"]
    );
    assert_eq!(with(&|q| q.status = Some(NeedStatus::Open)), ["nd2"]);
    assert_eq!(with(&|q| q.status = Some(NeedStatus::Claimed)), ["nd4"]);
    assert_eq!(with(&|q| q.claimant = Some(org(FGW))), ["nd1"]);
    assert_eq!(with(&|q| q.poster = Some(org(NANXIN))), ["nd3", "nd1"]);
    assert_eq!(with(&|q| q.region = Some(region("320723"))), ["nd4"]);
    assert_eq!(
        with(&|q| q.category = Some(Category::Livelihood)),
        ["nd2", "nd1"]
    );
    assert_eq!(
        with(&|q| q.agreement = Some(AgreementId::new("pp1").unwrap())),
        ["nd1"]
    );
    let needs = p.needs(&NeedQuery::default()).unwrap();
    let n1 = serde_json::to_value(&needs.items[3]).unwrap();
    assert_eq!(n1["status"], "closed");
    assert_eq!(n1["claim"]["org"], FGW);
    assert_eq!(n1["fulfilment"]["metrics"]["beneficiaries"], 800);
    assert_eq!(n1["closing"]["satisfied"], true);
    assert_eq!(n1["closing"]["withdrawn"], false);
    let n3 = serde_json::to_value(&needs.items[1]).unwrap();
    assert_eq!(n3["closing"]["withdrawn"], true);
    assert_eq!(n3["claim"], serde_json::Value::Null);
    let pages = all_pages(|cursor| {
        let mut q = NeedQuery::default();
        q.limit = 3;
        q.cursor = cursor;
        p.needs(&q).unwrap()
    });
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [3, 1]);
    // A need's status is where the log has taken it, whatever the date.
    let p1 = p.agreement("pp1", date("2025-04-02")).unwrap();
    assert_eq!(p1.needs[0].status, NeedStatus::Closed);
}

#[test]
fn obligations_filter_and_page() {
    let l = rich();
    let p = &l.projections;
    let keys = |q: &ObligationQuery| -> Vec<String> {
        p.obligations(q)
            .unwrap()
            .items
            .iter()
            .map(|o| format!("{}/{}", o.agreement, o.id))
            .collect()
    };
    let q = ObligationQuery::new(date("2025-09-01"));
    // p3 is only proposed and p4 terminated: nothing is owed under them.
    assert_eq!(
        keys(&q),
        [
            "al1/train",
            "pp1/income",
            "pp1/visits",
            "pp2/jobs",
            "tt1/build"
        ]
    );
    let with = |f: &dyn Fn(&mut ObligationQuery)| {
        let mut q = q.clone();
        f(&mut q);
        keys(&q)
    };
    assert_eq!(
        with(&|q| q.status = Some(ObligationStatus::Overdue)),
        ["pp2/jobs"]
    );
    assert_eq!(
        with(&|q| q.status = Some(ObligationStatus::AtRisk)),
        ["al1/train"]
    );
    assert_eq!(
        with(&|q| q.status = Some(ObligationStatus::Disputed)),
        ["pp1/income"]
    );
    assert_eq!(
        with(&|q| q.status = Some(ObligationStatus::Met)),
        ["pp1/visits"]
    );
    assert_eq!(
        with(&|q| q.status = Some(ObligationStatus::Open)),
        ["tt1/build"]
    );
    assert_eq!(
        with(&|q| q.owner = Some(org(STEEL))),
        ["pp2/jobs", "tt1/build"]
    );
    assert_eq!(
        with(&|q| q.party = Some(org(STEEL))),
        ["pp2/jobs", "tt1/build"]
    );
    assert_eq!(
        with(&|q| q.agreement = Some(AgreementId::new("pp1").unwrap())),
        ["pp1/income", "pp1/visits"]
    );
    assert_eq!(with(&|q| q.region = Some(region("330000"))), ["al1/train"]);
    assert_eq!(
        with(&|q| q.category = Some(Category::Livelihood)),
        Vec::<String>::new()
    );
    // Before p4 was terminated, its obligation was owed and overdue.
    assert_eq!(
        with(&|q| {
            q.as_of = date("2025-07-31");
            q.agreement = Some(AgreementId::new("pp4").unwrap());
        }),
        ["pp4/exchange"]
    );
    for limit in 1..=5 {
        let pages = all_pages(|cursor| {
            let mut q = ObligationQuery::new(date("2025-09-01"));
            q.limit = limit;
            q.cursor = cursor;
            p.obligations(&q).unwrap()
        });
        let flat: Vec<String> = pages
            .into_iter()
            .flatten()
            .map(|o| format!("{}/{}", o.agreement, o.id))
            .collect();
        assert_eq!(flat, keys(&q), "limit {limit}");
    }
    let pages = all_pages(|cursor| {
        let mut q = ObligationQuery::new(date("2025-09-01"));
        q.agreement = Some(AgreementId::new("pp1").unwrap());
        q.limit = 1;
        q.cursor = cursor;
        p.obligations(&q).unwrap()
    });
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [1, 1]);
    let jobs = p
        .obligations(&ObligationQuery {
            status: Some(ObligationStatus::Overdue),
            ..q.clone()
        })
        .unwrap();
    let jobs = &jobs.items[0];
    assert_eq!(jobs.cards_outstanding.yellow, 1);
    assert_eq!(jobs.agreement_state, AgreementState::Active);
    assert_eq!((jobs.progress.target, jobs.progress.confirmed), (10, 6));
}
