//! `GET /v1/agreements` and `GET /v1/agreements/{id}` (SPEC §7): agreements with their state
//! as of a date, version history, signature timeline, obligations with status, results,
//! evaluations and cards.

use std::ops::Bound::{Excluded, Unbounded};

use pactlog_state::{Agreement, AgreementVersion, ResultRecord};
use pactlog_statement::body::{Meetings, Subject, Term};
use pactlog_statement::ids::{
    AgreementId, AgreementKind, Category, Goal, OrgId, Reason, StatementId, Title,
};
use pactlog_statement::time::Date;
use serde::Serialize;

use crate::answer::{
    CardCounts, CardRow, EvaluationRow, Logged, NeedRow, ObligationCounts, ObligationTerms,
    PartyRef, ResultCounts, ResultRow,
};
use crate::obligations::ObligationRow;
use crate::query::{page_len, paginate, AgreementQuery, Cursor, Page, QueryError};
use crate::status::AgreementState;
use crate::view::{AgreementView, ObligationStanding, View};

/// The cursor tag of `GET /v1/agreements`.
const LIST: &str = "agreements";

/// One agreement as of a date: enough for a row of the dashboard's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementSummary {
    pub id: AgreementId,
    pub kind: AgreementKind,
    /// Of the shown version: the latest signed by every party, else the latest.
    pub title: Title,
    pub parties: Vec<PartyRef>,
    pub state: AgreementState,
    /// The version in force (SPEC §4: signed by every party, not terminated), or `null`.
    pub version_in_force: Option<u64>,
    /// The latest version signed by every party, even if the agreement is terminated.
    pub signed_version: Option<u64>,
    /// The latest version while it waits for signatures (SPEC §6 "shown as pending"); for a
    /// proposed agreement, the version being signed.
    pub pending_version: Option<u64>,
    pub latest_version: u64,
    /// Of the shown version.
    pub term: Term,
    /// Of the shown version.
    pub categories: Vec<Category>,
    /// The shown version's obligations by status as of the date. Named apart from the
    /// detail's `obligations` list, which sits beside these members in the same object.
    #[serde(rename = "obligation_counts")]
    pub obligations: ObligationCounts,
    /// Named apart from the detail's `results` list for the same reason.
    #[serde(rename = "result_counts")]
    pub results: ResultCounts,
    pub cards_outstanding: CardCounts,
    /// The `effective` date of a recorded termination, in effect or still ahead.
    pub termination_effective: Option<Date>,
    pub proposed: Logged,
    /// The latest entry about it: a version, signature, termination, result, review,
    /// evaluation, card or lift.
    pub last_activity: Logged,
}

/// A signature of a version. The proposal or amendment counts as its author's signature
/// (SPEC §4); `by_terms` marks it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignatureRow {
    pub version: u64,
    pub party: OrgId,
    pub logged: Logged,
    pub by_terms: bool,
}

/// One version of the terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionRow {
    pub version: u64,
    /// The statement id of the proposal or amendment (what `agreement.signed` names).
    pub statement: StatementId,
    pub author: OrgId,
    pub logged: Logged,
    pub title: Title,
    pub term: Term,
    pub categories: Vec<Category>,
    pub goals: Vec<Goal>,
    pub meetings: Meetings,
    pub obligations: Vec<ObligationTerms>,
    /// In seq order.
    pub signatures: Vec<SignatureRow>,
    /// When the last party signed, if all have.
    pub fully_signed: Option<Logged>,
    pub in_force: bool,
    pub pending: bool,
}

/// A recorded termination; `in_effect` once its `effective` date is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TerminationRow {
    pub by: OrgId,
    pub reason: Reason,
    pub effective: Date,
    pub logged: Logged,
    pub in_effect: bool,
}

/// `GET /v1/agreements/{id}`: the summary's members and the history behind them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementDetail {
    pub tree_size: u64,
    pub as_of: Date,
    #[serde(flatten)]
    pub summary: AgreementSummary,
    /// Of the shown version.
    pub goals: Vec<Goal>,
    /// Of the shown version.
    pub meetings: Meetings,
    pub versions: Vec<VersionRow>,
    /// Every signature of every version, in seq order.
    pub signatures: Vec<SignatureRow>,
    pub termination: Option<TerminationRow>,
    /// The shown version's obligations with status as of the date.
    pub obligations: Vec<ObligationRow>,
    /// In seq order.
    pub results: Vec<ResultRow>,
    /// In seq order; superseded ones have `current: false`.
    pub evaluations: Vec<EvaluationRow>,
    /// In seq order.
    pub cards: Vec<CardRow>,
    /// Needs posted under this agreement, in seq order.
    pub needs: Vec<NeedRow>,
}

/// What one agreement's answers are computed from.
pub(crate) struct Facts<'a> {
    pub agreement: AgreementView<'a>,
    /// Results reported by the date, in seq order.
    pub results: Vec<&'a ResultRecord>,
    /// The shown version's obligations.
    pub standings: Vec<ObligationStanding<'a>>,
}

impl<'a> Facts<'a> {
    pub fn of(view: &View<'a>, agreement: &'a Agreement) -> Option<Facts<'a>> {
        Some(Facts::from_view(view, view.agreement(agreement)?))
    }

    pub fn from_view(view: &View<'a>, agreement: AgreementView<'a>) -> Facts<'a> {
        let results = view.results_of(agreement.agreement);
        let standings = view.standings(agreement.shown(), &results);
        Facts {
            agreement,
            results,
            standings,
        }
    }
}

pub(crate) fn summary(view: &View<'_>, facts: &Facts<'_>) -> AgreementSummary {
    let a = &facts.agreement;
    let shown = a.shown();
    let mut obligations = ObligationCounts::default();
    for standing in &facts.standings {
        obligations.add(standing.status);
    }
    let mut results = ResultCounts::default();
    let mut last = a.latest().at;
    let mut later = |at: pactlog_state::At| {
        if at.seq > last.seq {
            last = at;
        }
    };
    for version in a.versions {
        for at in version.signatures.values() {
            later(*at);
        }
    }
    if let Some(t) = a.termination {
        later(t.at);
    }
    for r in &facts.results {
        results.add(view.confirmation(r));
        later(r.at);
        for (_, review) in view.reviews(r) {
            later(review.at());
        }
    }
    let mut cards_outstanding = CardCounts::default();
    for card in view.cards_of(a.agreement) {
        later(card.at);
        match card.lifted.as_ref() {
            Some(lift) => later(lift.at),
            None => cards_outstanding.add(card.color),
        }
    }
    for (e, _) in view.evaluations_of(&Subject::Agreement(a.agreement.id.clone())) {
        later(e.at);
    }
    AgreementSummary {
        id: a.agreement.id.clone(),
        kind: a.agreement.kind,
        title: shown.title.clone(),
        parties: a
            .agreement
            .parties
            .iter()
            .filter_map(|p| view.org(p))
            .map(PartyRef::of)
            .collect(),
        state: a.state,
        version_in_force: a.in_force().map(|v| v.version),
        signed_version: a.signed.map(|v| v.version),
        pending_version: a.pending().map(|v| v.version),
        latest_version: a.latest().version,
        term: shown.term,
        categories: shown.categories.clone(),
        obligations,
        results,
        cards_outstanding,
        termination_effective: a.termination.map(|t| t.effective),
        proposed: a.versions[0].at.into(),
        last_activity: last.into(),
    }
}

fn signatures(version: &AgreementVersion) -> Vec<SignatureRow> {
    let mut rows: Vec<SignatureRow> = version
        .signatures
        .iter()
        .map(|(party, at)| SignatureRow {
            version: version.version,
            party: party.clone(),
            logged: (*at).into(),
            by_terms: at.seq == version.at.seq,
        })
        .collect();
    rows.sort_by_key(|s| s.logged.seq);
    rows
}

pub(crate) fn detail(view: &View<'_>, facts: &Facts<'_>, tree_size: u64) -> AgreementDetail {
    let a = &facts.agreement;
    let shown = a.shown();
    let in_force = a.in_force().map(|v| v.version);
    let pending = a.pending().map(|v| v.version);
    let versions: Vec<VersionRow> = a
        .versions
        .iter()
        .map(|v| {
            let signatures = signatures(v);
            let all_signed = signatures.len() == a.agreement.parties.len();
            VersionRow {
                version: v.version,
                statement: v.statement,
                author: v.author.clone(),
                logged: v.at.into(),
                title: v.title.clone(),
                term: v.term,
                categories: v.categories.clone(),
                goals: v.goals.clone(),
                meetings: v.meetings,
                obligations: v.obligations.iter().map(ObligationTerms::from).collect(),
                fully_signed: all_signed
                    .then(|| signatures.last().map(|s| s.logged.clone()))
                    .flatten(),
                signatures,
                in_force: in_force == Some(v.version),
                pending: pending == Some(v.version),
            }
        })
        .collect();
    let mut all_signatures: Vec<SignatureRow> = versions
        .iter()
        .flat_map(|v| v.signatures.iter().cloned())
        .collect();
    all_signatures.sort_by_key(|s| s.logged.seq);
    let cards = view.cards_of(a.agreement);
    let obligations = facts
        .standings
        .iter()
        .map(|s| ObligationRow::of(view, a, shown, s, &cards))
        .collect();
    let needs = view
        .index
        .needs_by_agreement
        .get(&a.agreement.id)
        .into_iter()
        .flatten()
        .filter_map(|id| view.state.needs.get(id))
        .map(|n| NeedRow::of(view, n))
        .collect();
    AgreementDetail {
        tree_size,
        as_of: view.date,
        summary: summary(view, facts),
        goals: shown.goals.clone(),
        meetings: shown.meetings,
        versions,
        signatures: all_signatures,
        termination: a.termination.map(|t| TerminationRow {
            by: t.by.clone(),
            reason: t.reason.clone(),
            effective: t.effective,
            logged: t.at.into(),
            in_effect: t.effective <= view.date,
        }),
        obligations,
        results: facts
            .results
            .iter()
            .map(|r| ResultRow::of(view, r))
            .collect(),
        evaluations: view
            .evaluations_of(&Subject::Agreement(a.agreement.id.clone()))
            .into_iter()
            .map(|(e, current)| EvaluationRow::of(e, current))
            .collect(),
        cards: cards.iter().map(|c| CardRow::of(c)).collect(),
        needs,
    }
}

/// Whether an agreement passes the query's filters other than the cursor. The cheap ones
/// (kind, party, region) are checked before the agreement's state is worked out.
fn matches(view: &View<'_>, q: &AgreementQuery, agreement: &Agreement) -> bool {
    q.kind.is_none_or(|k| k == agreement.kind)
        && q.party.as_ref().is_none_or(|p| agreement.has_party(p))
        && view.agreement_in(agreement, q.region.as_ref())
}

fn matches_view(q: &AgreementQuery, a: &AgreementView<'_>) -> bool {
    q.state.is_none_or(|s| s == a.state)
        && q.category.is_none_or(|c| a.shown().categories.contains(&c))
}

pub(crate) fn list(
    view: &View<'_>,
    q: &AgreementQuery,
    tree_size: u64,
) -> Result<Page<AgreementSummary>, QueryError> {
    let limit = page_len(q.limit)?;
    let after: Option<AgreementId> = match &q.cursor {
        Some(c) => Some(Cursor::decode(LIST, c)?.id()?),
        None => None,
    };
    let lower = after.as_ref().map_or(Unbounded, Excluded);
    // With a party, walk that party's agreements only (an index kept by the fold).
    let ids: Box<dyn Iterator<Item = &AgreementId>> = match &q.party {
        Some(party) => Box::new(
            view.index
                .agreements_by_party
                .get(party)
                .into_iter()
                .flat_map(move |ids| ids.range_from(lower)),
        ),
        None => Box::new(
            view.state
                .agreements
                .range::<AgreementId, _>((lower, Unbounded))
                .map(|(id, _)| id),
        ),
    };
    let matching = ids
        .filter_map(|id| view.state.agreements.get(id))
        .filter(|a| matches(view, q, a))
        .filter_map(|a| view.agreement(a))
        .filter(|a| matches_view(q, a))
        .map(|a| {
            let facts = Facts::from_view(view, a);
            (a.agreement.id.to_string(), summary(view, &facts))
        });
    Ok(paginate(tree_size, limit, matching, LIST))
}
