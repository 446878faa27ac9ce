//! `GET /v1/stats?region=&period=&as_of=` (SPEC §6 aggregates): what the published reports
//! count by hand (organ units paired with enterprises, villages and communities; visits,
//! problems solved, suggestions, village collective income; 先进/良好/一般/后进 grades; red
//! and yellow cards), computed from signed statements.
//!
//! Everything is as of `as_of`: the whole log, with dates compared with it where SPEC §6
//! compares them (agreement states, overdue and at-risk obligations). "Within the region" means one of the agreement's parties (for an org, a need or an
//! org's evaluation: the org, the poster, the subject) has a region the query region
//! contains. The period restricts what happens in time: results dated in it (metric totals,
//! result counts) and evaluations of it (grades). Snapshot members (agreements by state,
//! obligations, cards, needs, orgs) are what the whole log holds, with states as of
//! `as_of`.
//!
//! One pass over agreements (with their results and cards through the fold's indexes), one
//! over orgs, needs, cards and evaluated subjects: O(agreements + results + obligations +
//! orgs + needs + cards + evaluations).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use pactlog_state::MetricValues;
use pactlog_statement::body::Subject;
use pactlog_statement::ids::{
    AgreementId, AgreementKind, Category, MetricKey, OrgId, OrgKind, Period, Region, StandardMetric,
};
use pactlog_statement::time::Date;
use serde::Serialize;

use crate::answer::{CardCounts, GradeCounts, NeedCounts, ObligationCounts, ResultCounts};
use crate::query::StatsQuery;
use crate::status::AgreementState;
use crate::view::View;

/// Agreements by state (SPEC §6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StateCounts {
    pub proposed: u64,
    pub pending_start: u64,
    pub active: u64,
    pub expired: u64,
    pub terminated: u64,
}

impl StateCounts {
    fn add(&mut self, state: AgreementState) {
        match state {
            AgreementState::Proposed => self.proposed += 1,
            AgreementState::PendingStart => self.pending_start += 1,
            AgreementState::Active => self.active += 1,
            AgreementState::Expired => self.expired += 1,
            AgreementState::Terminated => self.terminated += 1,
        }
    }
}

/// Agreements by kind (结对共建, 三方共建, 党建联盟, 驻村共建).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgreementKindCounts {
    pub pairing: u64,
    pub tripartite: u64,
    pub alliance: u64,
    pub resident: u64,
}

impl AgreementKindCounts {
    fn add(&mut self, kind: AgreementKind) {
        match kind {
            AgreementKind::Pairing => self.pairing += 1,
            AgreementKind::Tripartite => self.tripartite += 1,
            AgreementKind::Alliance => self.alliance += 1,
            AgreementKind::Resident => self.resident += 1,
        }
    }
}

/// Orgs by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgKindCounts {
    pub organ: u64,
    pub enterprise: u64,
    pub village: u64,
    pub community: u64,
    pub institution: u64,
    pub social: u64,
    pub authority: u64,
}

impl OrgKindCounts {
    fn add(&mut self, kind: OrgKind) {
        match kind {
            OrgKind::Organ => self.organ += 1,
            OrgKind::Enterprise => self.enterprise += 1,
            OrgKind::Village => self.village += 1,
            OrgKind::Community => self.community += 1,
            OrgKind::Institution => self.institution += 1,
            OrgKind::Social => self.social += 1,
            OrgKind::Authority => self.authority += 1,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgreementTotals {
    pub total: u64,
    pub by_state: StateCounts,
    pub by_kind: AgreementKindCounts,
}

/// Agreements whose parties have one combination of kinds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KindPairRow {
    /// For two parties, both kinds joined by `↔` as SPEC §6 writes them (`organ↔enterprise`,
    /// `organ↔organ`); for three or more, the distinct kinds joined by `+`
    /// (`organ+enterprise+village`, `organ` for an alliance of organs only). Kinds in
    /// SPEC §3 order.
    pub pair: String,
    /// The distinct kinds, in SPEC §3 order.
    pub kinds: Vec<OrgKind>,
    /// Whether these are agreements of three or more parties.
    pub multi_party: bool,
    pub agreements: u64,
    pub active: u64,
    /// Distinct parties of its active agreements, by kind: "91 organ units paired with 123
    /// enterprises".
    pub active_parties: OrgKindCounts,
}

/// One region one level below the query region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    pub region: Region,
    /// `nation`, `province`, `city` or `county`, read off the code (SPEC §1).
    pub level: &'static str,
    /// Orgs registered and not dissolved there.
    pub orgs: u64,
    /// Agreements with a party there (one agreement counts in each region it spans).
    pub agreements: u64,
    pub active: u64,
}

/// One category of co-building (共建内容).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryRow {
    pub category: Category,
    /// Agreements whose shown version lists it.
    pub agreements: u64,
    pub active: u64,
    /// Confirmed results of this category dated in the period.
    pub results_confirmed: u64,
    pub metric_totals: BTreeMap<MetricKey, u64>,
}

/// Agreements whose parties are in more than one province (SPEC §6 cross-province
/// alliances), of any kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CrossProvince {
    pub count: u64,
    pub active: u64,
    /// Their ids, ascending.
    pub agreements: Vec<AgreementId>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GradesBySubject {
    pub agreements: GradeCounts,
    pub orgs: GradeCounts,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OrgTotals {
    /// Registered and not dissolved.
    pub total: u64,
    pub by_kind: OrgKindCounts,
}

/// `GET /v1/stats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    pub tree_size: u64,
    pub as_of: Date,
    /// The query region; `000000` (the nation) when none was given.
    pub region: Region,
    pub period: Option<Period>,
    pub agreements: AgreementTotals,
    /// Sorted by `pair`.
    pub by_kind_pair: Vec<KindPairRow>,
    /// Sorted by region code.
    pub by_region: Vec<RegionRow>,
    /// Every category, in SPEC §4.1 order.
    pub by_category: Vec<CategoryRow>,
    /// Results dated in the period (all time without one), by confirmation.
    pub results: ResultCounts,
    /// Sums over confirmed results dated in the period: every standard metric (0 if none),
    /// then any custom `x-` metric reported.
    pub metric_totals: BTreeMap<MetricKey, u64>,
    /// Obligations of the versions in force, by status (as `GET /v1/obligations` lists them).
    pub obligations: ObligationCounts,
    pub overdue_obligations: u64,
    pub at_risk_obligations: u64,
    /// Per subject (agreement or org), its current evaluation of the latest period: within
    /// the query period when one is given, else begun by `as_of`.
    pub grade_distribution: GradeCounts,
    pub grade_distribution_by_subject: GradesBySubject,
    pub cards_outstanding: CardCounts,
    pub cross_province_alliances: CrossProvince,
    pub needs: NeedCounts,
    pub orgs: OrgTotals,
}

/// All zero, for a log without its genesis yet.
pub(crate) fn empty(q: &StatsQuery, tree_size: u64) -> Stats {
    Stats {
        tree_size,
        as_of: q.as_of,
        region: q.region.clone().unwrap_or_else(Region::nation),
        period: q.period,
        agreements: AgreementTotals::default(),
        by_kind_pair: Vec::new(),
        by_region: Vec::new(),
        by_category: Category::ALL
            .iter()
            .map(|&category| CategoryRow {
                category,
                agreements: 0,
                active: 0,
                results_confirmed: 0,
                metric_totals: metric_table(),
            })
            .collect(),
        results: ResultCounts::default(),
        metric_totals: metric_table(),
        obligations: ObligationCounts::default(),
        overdue_obligations: 0,
        at_risk_obligations: 0,
        grade_distribution: GradeCounts::default(),
        grade_distribution_by_subject: GradesBySubject::default(),
        cards_outstanding: CardCounts::default(),
        cross_province_alliances: CrossProvince::default(),
        needs: NeedCounts::default(),
        orgs: OrgTotals::default(),
    }
}

/// The level of a region code: `nation` (`000000`), `province` (`..0000`), `city` (`....00`)
/// or `county`.
pub fn region_level(region: &Region) -> &'static str {
    if region.is_nation() {
        "nation"
    } else if region.is_province() {
        "province"
    } else if region.as_str().ends_with("00") {
        "city"
    } else {
        "county"
    }
}

/// The region one level below `within` that holds `region` (which `within` contains): a
/// province under the nation, a city under a province, the code itself below that.
fn child_of(within: &Region, region: &Region) -> Region {
    if within.is_nation() {
        region.province()
    } else if within.is_province() {
        region.city()
    } else {
        region.clone()
    }
}

/// The `pair` label of an agreement's kinds (see [`KindPairRow::pair`]).
fn kind_pair(mut kinds: Vec<OrgKind>) -> (String, Vec<OrgKind>) {
    kinds.sort();
    let separator = if kinds.len() == 2 { "↔" } else { "+" };
    kinds.dedup();
    let names: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let label = match names.as_slice() {
        // Two parties of one kind: say both, as SPEC §6 writes pairs.
        [one] if separator == "↔" => format!("{one}↔{one}"),
        _ => names.join(separator),
    };
    (label, kinds)
}

/// Metric totals with every standard metric present, so the dashboard's tiles never miss a
/// member.
fn metric_table() -> BTreeMap<MetricKey, u64> {
    StandardMetric::ALL
        .iter()
        .filter_map(|m| MetricKey::new(m.as_str()).ok())
        .map(|k| (k, 0))
        .collect()
}

fn add_metrics(totals: &mut BTreeMap<MetricKey, u64>, metrics: &MetricValues) {
    for (key, value) in metrics.iter() {
        let total = totals.entry(key.clone()).or_insert(0);
        *total = total.saturating_add(*value);
    }
}

#[derive(Default)]
struct PairGroup {
    kinds: Vec<OrgKind>,
    multi_party: bool,
    agreements: u64,
    active: u64,
    active_parties: HashSet<OrgId>,
}

pub(crate) fn stats(view: &View<'_>, q: &StatsQuery, tree_size: u64) -> Stats {
    let region = q.region.clone().unwrap_or_else(Region::nation);
    let within = |r: &Region| region.contains(r);
    let in_period = |d: Date| q.period.is_none_or(|p| p.contains(d));

    let mut agreements = AgreementTotals::default();
    let mut pairs: BTreeMap<String, PairGroup> = BTreeMap::new();
    let mut regions: BTreeMap<Region, RegionRow> = BTreeMap::new();
    let mut categories: Vec<CategoryRow> = Category::ALL
        .iter()
        .map(|&category| CategoryRow {
            category,
            agreements: 0,
            active: 0,
            results_confirmed: 0,
            metric_totals: metric_table(),
        })
        .collect();
    let mut results = ResultCounts::default();
    let mut metric_totals = metric_table();
    let mut obligations = ObligationCounts::default();
    let mut cards_outstanding = CardCounts::default();
    let mut cross = CrossProvince::default();

    for agreement in view.state.agreements.values() {
        if !view.agreement_in(agreement, Some(&region)) {
            continue;
        }
        let Some(a) = view.agreement(agreement) else {
            continue;
        };
        let active = a.state == AgreementState::Active;
        agreements.total += 1;
        agreements.by_state.add(a.state);
        agreements.by_kind.add(agreement.kind);

        let parties: Vec<_> = agreement
            .parties
            .iter()
            .filter_map(|p| view.org(p))
            .collect();
        let (label, kinds) = kind_pair(parties.iter().map(|o| o.kind).collect());
        let group = pairs.entry(label).or_default();
        group.kinds = kinds;
        group.multi_party = parties.len() > 2;
        group.agreements += 1;
        if active {
            group.active += 1;
            group
                .active_parties
                .extend(parties.iter().map(|o| o.id.clone()));
        }

        let children: BTreeSet<Region> = parties
            .iter()
            .filter(|o| within(&o.region))
            .map(|o| child_of(&region, &o.region))
            .collect();
        for child in children {
            let row = regions.entry(child.clone()).or_insert_with(|| RegionRow {
                level: region_level(&child),
                region: child,
                orgs: 0,
                agreements: 0,
                active: 0,
            });
            row.agreements += 1;
            row.active += u64::from(active);
        }

        // The nation is not a province: a national org paired with one province's org is
        // not a cross-province alliance.
        let provinces: BTreeSet<Region> = parties
            .iter()
            .map(|o| o.region.province())
            .filter(|p| !p.is_nation())
            .collect();
        if provinces.len() > 1 {
            cross.count += 1;
            cross.active += u64::from(active);
            cross.agreements.push(agreement.id.clone());
        }

        for category in &a.shown().categories {
            if let Some(row) = categories.iter_mut().find(|r| r.category == *category) {
                row.agreements += 1;
                row.active += u64::from(active);
            }
        }

        let reported = view.results_of(agreement);
        for r in &reported {
            if !in_period(r.date) {
                continue;
            }
            let confirmation = view.confirmation(r);
            results.add(confirmation);
            if confirmation == crate::Confirmation::Confirmed {
                add_metrics(&mut metric_totals, &r.metrics);
                if let Some(row) = categories.iter_mut().find(|row| row.category == r.category) {
                    row.results_confirmed += 1;
                    add_metrics(&mut row.metric_totals, &r.metrics);
                }
            }
        }
        if let Some(version) = a.in_force() {
            for standing in view.standings(version, &reported) {
                obligations.add(standing.status);
            }
        }
        for card in view.cards_of(agreement) {
            if view.card_outstanding(card) {
                cards_outstanding.add(card.color);
            }
        }
    }

    let mut orgs = OrgTotals::default();
    for id in view.state.orgs.keys() {
        let Some(o) = view.org(id) else { continue };
        if o.dissolved.is_some() || !within(&o.region) {
            continue;
        }
        orgs.total += 1;
        orgs.by_kind.add(o.kind);
        let child = child_of(&region, &o.region);
        regions
            .entry(child.clone())
            .or_insert_with(|| RegionRow {
                level: region_level(&child),
                region: child,
                orgs: 0,
                agreements: 0,
                active: 0,
            })
            .orgs += 1;
    }

    let mut needs = NeedCounts::default();
    for need in view.state.needs.values() {
        let status = view.need_status(need);
        if view.region_of(&need.poster).is_some_and(within) {
            needs.add(status);
        }
    }

    let grades = grades(view, q, &region);

    Stats {
        tree_size,
        as_of: view.date,
        region: region.clone(),
        period: q.period,
        agreements,
        by_kind_pair: pairs
            .into_iter()
            .map(|(pair, g)| {
                let mut active_parties = OrgKindCounts::default();
                for id in &g.active_parties {
                    if let Some(o) = view.state.orgs.get(id) {
                        active_parties.add(o.kind);
                    }
                }
                KindPairRow {
                    pair,
                    kinds: g.kinds,
                    multi_party: g.multi_party,
                    agreements: g.agreements,
                    active: g.active,
                    active_parties,
                }
            })
            .collect(),
        by_region: regions.into_values().collect(),
        by_category: categories,
        results,
        metric_totals,
        overdue_obligations: obligations.overdue,
        at_risk_obligations: obligations.at_risk,
        obligations,
        grade_distribution: {
            let mut all = grades.agreements.clone();
            all.excellent += grades.orgs.excellent;
            all.good += grades.orgs.good;
            all.fair += grades.orgs.fair;
            all.poor += grades.orgs.poor;
            all
        },
        grade_distribution_by_subject: grades,
        cards_outstanding,
        cross_province_alliances: cross,
        needs,
        orgs,
    }
}

/// Each evaluated subject within the region counts once, with the grade of its current
/// evaluation of its latest period (latest `last_date`; among periods ending together, the
/// evaluation recorded last). With a query period, only periods within it are candidates;
/// without, periods begun by `as_of`.
fn grades(view: &View<'_>, q: &StatsQuery, region: &Region) -> GradesBySubject {
    let mut out = GradesBySubject::default();
    let candidate = |p: &Period| match q.period {
        Some(period) => {
            period.first_date() <= p.first_date() && p.last_date() <= period.last_date()
        }
        None => p.first_date() <= view.date,
    };
    // Sorted so that iteration order cannot matter to anyone reading the code.
    let subjects: BTreeMap<String, &Subject> = view
        .index
        .evaluations_by_subject
        .keys()
        .map(|s| {
            let key = match s {
                Subject::Agreement(id) => format!("a:{id}"),
                Subject::Org(id) => format!("o:{id}"),
            };
            (key, s)
        })
        .collect();
    for subject in subjects.values() {
        let in_region = match subject {
            Subject::Agreement(id) => view
                .state
                .agreements
                .get(id)
                .is_some_and(|a| view.agreement_in(a, Some(region))),
            Subject::Org(id) => view.region_of(id).is_some_and(|r| region.contains(r)),
        };
        if !in_region {
            continue;
        }
        let latest = view
            .evaluations_of(subject)
            .into_iter()
            .filter(|(e, _)| candidate(&e.period))
            .max_by_key(|(e, _)| (e.period.last_date(), e.at.seq));
        if let Some((e, _)) = latest {
            match subject {
                Subject::Agreement(_) => out.agreements.add(e.grade),
                Subject::Org(_) => out.orgs.add(e.grade),
            }
        }
    }
    out
}
