//! The JSON shapes of the answers. Members are snake_case and always present (`null` when
//! absent), ids and kinds are their wire strings, dates `YYYY-MM-DD`, times RFC 3339 UTC with
//! exactly 3 fraction digits (SPEC §1), so a dashboard can render them without knowing Rust.

use std::collections::BTreeMap;

use pactlog_state::{At, Card, Evaluation, Need, NeedStatus, ResultRecord, Review};
use pactlog_statement::body::{Evidence, Measure, Obligation, Subject};
use pactlog_statement::ids::{
    AgreementId, CardColor, CardId, Category, Comment, Description, Grade, MetricKey, Name, NeedId,
    ObligationId, OrgId, OrgKind, Period, Reason, Region, ResultId, Summary, Title,
};
use pactlog_statement::time::Date;
use serde::Serialize;

use crate::status::Confirmation;
use crate::view::View;
use pactlog_state::Org;

/// Where and when something was logged: the entry's seq and `accepted_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Logged {
    pub seq: u64,
    /// RFC 3339 UTC with exactly 3 fraction digits.
    pub accepted_at: String,
}

impl From<At> for Logged {
    fn from(at: At) -> Logged {
        Logged {
            seq: at.seq,
            accepted_at: at.accepted_at.format_millis(),
        }
    }
}

/// A party of an agreement, as of the answer's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyRef {
    pub id: OrgId,
    pub name: Name,
    pub kind: OrgKind,
    pub region: Region,
}

impl PartyRef {
    pub(crate) fn of(org: &Org) -> PartyRef {
        PartyRef {
            id: org.id.clone(),
            name: org.name.clone(),
            kind: org.kind,
            region: org.region.clone(),
        }
    }
}

/// Obligations by status (SPEC §6); `total` is their sum.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ObligationCounts {
    pub total: u64,
    pub met: u64,
    pub disputed: u64,
    pub overdue: u64,
    pub at_risk: u64,
    pub open: u64,
}

impl ObligationCounts {
    pub(crate) fn add(&mut self, status: crate::ObligationStatus) {
        use crate::ObligationStatus::*;
        self.total += 1;
        match status {
            Met => self.met += 1,
            Disputed => self.disputed += 1,
            Overdue => self.overdue += 1,
            AtRisk => self.at_risk += 1,
            Open => self.open += 1,
        }
    }
}

/// Results by [`Confirmation`]; `reported` is their sum and `confirmed` the ones that count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ResultCounts {
    pub reported: u64,
    pub confirmed: u64,
    pub disputed: u64,
    pub unconfirmed: u64,
}

impl ResultCounts {
    pub(crate) fn add(&mut self, confirmation: Confirmation) {
        self.reported += 1;
        match confirmation {
            Confirmation::Confirmed => self.confirmed += 1,
            Confirmation::Disputed => self.disputed += 1,
            Confirmation::Unconfirmed => self.unconfirmed += 1,
        }
    }
}

/// Cards by colour (黄牌/红牌).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CardCounts {
    pub yellow: u64,
    pub red: u64,
}

impl CardCounts {
    pub(crate) fn add(&mut self, color: CardColor) {
        match color {
            CardColor::Yellow => self.yellow += 1,
            CardColor::Red => self.red += 1,
        }
    }
}

/// Need counts by status.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NeedCounts {
    pub open: u64,
    pub claimed: u64,
    pub fulfilled: u64,
    pub closed: u64,
}

impl NeedCounts {
    pub(crate) fn add(&mut self, status: NeedStatus) {
        match status {
            NeedStatus::Open => self.open += 1,
            NeedStatus::Claimed => self.claimed += 1,
            NeedStatus::Fulfilled => self.fulfilled += 1,
            NeedStatus::Closed => self.closed += 1,
        }
    }
}

/// Grade counts (先进/良好/一般/后进).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct GradeCounts {
    pub excellent: u64,
    pub good: u64,
    pub fair: u64,
    pub poor: u64,
}

impl GradeCounts {
    pub(crate) fn add(&mut self, grade: Grade) {
        match grade {
            Grade::Excellent => self.excellent += 1,
            Grade::Good => self.good += 1,
            Grade::Fair => self.fair += 1,
            Grade::Poor => self.poor += 1,
        }
    }
}

/// An obligation as written in a version's terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObligationTerms {
    pub id: ObligationId,
    pub owner: OrgId,
    pub category: Category,
    pub title: Title,
    /// `{metric, target}` or `null`.
    pub measure: Option<Measure>,
    pub due: Option<Date>,
}

impl From<&Obligation> for ObligationTerms {
    fn from(o: &Obligation) -> ObligationTerms {
        ObligationTerms {
            id: o.id.clone(),
            owner: o.owner.clone(),
            category: o.category,
            title: o.title.clone(),
            measure: o.measure.clone(),
            due: o.due,
        }
    }
}

/// Confirmed progress towards an obligation: the measured metric's confirmed sum against
/// its target; without a measure (`metric: null`), confirmed results against 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProgressRow {
    pub metric: Option<MetricKey>,
    pub target: u64,
    pub confirmed: u64,
}

/// One party's review of a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRow {
    pub party: OrgId,
    /// `confirmed` or `disputed`.
    pub review: &'static str,
    /// The dispute's reason; `null` for a confirmation.
    pub reason: Option<Reason>,
    pub logged: Logged,
}

/// A reported result with its reviews as of the answer's date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultRow {
    pub id: ResultId,
    pub agreement: AgreementId,
    /// The version in force when it was reported.
    pub version: u64,
    pub obligation: Option<ObligationId>,
    pub reporter: OrgId,
    pub date: Date,
    pub category: Category,
    pub summary: Summary,
    pub metrics: BTreeMap<MetricKey, u64>,
    /// `[{sha256, media_type}]`.
    pub evidence: Vec<Evidence>,
    pub logged: Logged,
    pub confirmation: Confirmation,
    /// Whether it counts in totals (SPEC §6): exactly `confirmation == "confirmed"`.
    pub counts: bool,
    pub reviews: Vec<ReviewRow>,
}

impl ResultRow {
    pub(crate) fn of(view: &View<'_>, r: &ResultRecord) -> ResultRow {
        let confirmation = view.confirmation(r);
        let mut reviews: Vec<ReviewRow> = view
            .reviews(r)
            .map(|(party, review)| match review {
                Review::Confirmed { at } => ReviewRow {
                    party: party.clone(),
                    review: "confirmed",
                    reason: None,
                    logged: (*at).into(),
                },
                Review::Disputed { at, reason } => ReviewRow {
                    party: party.clone(),
                    review: "disputed",
                    reason: Some(reason.clone()),
                    logged: (*at).into(),
                },
            })
            .collect();
        reviews.sort_by_key(|r| r.logged.seq);
        ResultRow {
            id: r.id.clone(),
            agreement: r.agreement.clone(),
            version: r.version,
            obligation: r.obligation.clone(),
            reporter: r.reporter.clone(),
            date: r.date,
            category: r.category,
            summary: r.summary.clone(),
            metrics: r.metrics.iter().map(|(k, v)| (k.clone(), *v)).collect(),
            evidence: r.evidence.clone(),
            logged: r.at.into(),
            confirmation,
            counts: confirmation == Confirmation::Confirmed,
            reviews,
        }
    }
}

/// An evaluation; `current` is false once a later one of the same subject and period
/// supersedes it (both are kept, SPEC §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluationRow {
    /// `{"agreement": id}` or `{"org": id}`.
    pub subject: Subject,
    pub period: Period,
    pub grade: Grade,
    pub score: Option<u64>,
    pub comment: Comment,
    pub by: OrgId,
    pub logged: Logged,
    pub current: bool,
}

impl EvaluationRow {
    pub(crate) fn of(e: &Evaluation, current: bool) -> EvaluationRow {
        EvaluationRow {
            subject: e.subject.clone(),
            period: e.period,
            grade: e.grade,
            score: e.score,
            comment: e.comment.clone(),
            by: e.by.clone(),
            logged: e.at.into(),
            current,
        }
    }
}

/// How a card was lifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LiftRow {
    pub by: OrgId,
    pub reason: Reason,
    pub logged: Logged,
}

/// A yellow or red card; `lifted` is `null` while it is outstanding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardRow {
    pub id: CardId,
    pub color: CardColor,
    pub agreement: AgreementId,
    pub obligation: Option<ObligationId>,
    pub issuer: OrgId,
    pub reason: Reason,
    pub logged: Logged,
    pub outstanding: bool,
    pub lifted: Option<LiftRow>,
}

impl CardRow {
    pub(crate) fn of(c: &Card) -> CardRow {
        let lifted = c.lifted.as_ref();
        CardRow {
            id: c.id.clone(),
            color: c.color,
            agreement: c.agreement.clone(),
            obligation: c.obligation.clone(),
            issuer: c.issuer.clone(),
            reason: c.reason.clone(),
            logged: c.at.into(),
            outstanding: lifted.is_none(),
            lifted: lifted.map(|l| LiftRow {
                by: l.by.clone(),
                reason: l.reason.clone(),
                logged: l.at.into(),
            }),
        }
    }
}

/// Who claimed a need (党员接单).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClaimRow {
    pub org: OrgId,
    pub logged: Logged,
}

/// How a need was fulfilled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FulfilmentRow {
    pub summary: Summary,
    pub metrics: BTreeMap<MetricKey, u64>,
    pub logged: Logged,
}

/// How a need was closed; `withdrawn` when closed while still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClosingRow {
    pub satisfied: bool,
    pub rating: Option<u64>,
    pub withdrawn: bool,
    pub logged: Logged,
}

/// A need (群众点单) and how far it has gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedRow {
    pub id: NeedId,
    pub poster: OrgId,
    pub title: Title,
    pub category: Category,
    pub description: Description,
    pub agreement: Option<AgreementId>,
    pub status: NeedStatus,
    pub posted: Logged,
    pub claim: Option<ClaimRow>,
    pub fulfilment: Option<FulfilmentRow>,
    pub closing: Option<ClosingRow>,
}

impl NeedRow {
    pub(crate) fn of(view: &View<'_>, n: &Need) -> NeedRow {
        let status = view.need_status(n);
        NeedRow {
            id: n.id.clone(),
            poster: n.poster.clone(),
            title: n.title.clone(),
            category: n.category,
            description: n.description.clone(),
            agreement: n.agreement.clone(),
            status,
            posted: n.posted.into(),
            claim: n.claim.as_ref().map(|(org, at)| ClaimRow {
                org: org.clone(),
                logged: (*at).into(),
            }),
            fulfilment: n.fulfilment.as_ref().map(|f| FulfilmentRow {
                summary: f.summary.clone(),
                metrics: f.metrics.iter().map(|(k, v)| (k.clone(), *v)).collect(),
                logged: f.at.into(),
            }),
            closing: n.closing.as_ref().map(|c| ClosingRow {
                satisfied: c.satisfied,
                rating: c.rating,
                withdrawn: c.withdrawn,
                logged: c.at.into(),
            }),
        }
    }
}
