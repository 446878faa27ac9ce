//! `GET /v1/obligations?status=&as_of=` (SPEC §7): obligations with their SPEC §6 status.
//!
//! The list holds the obligations of the versions in force as of the date (SPEC §4: signed
//! by every party and not terminated), which is what can still be owed: a proposal nobody
//! has signed owes nothing yet, and a terminated agreement nothing more. Expired agreements
//! stay, so what was not delivered in the term shows as overdue. An agreement's detail shows
//! its shown version's obligations whatever its state.

use std::ops::Bound::{Included, Unbounded};

use pactlog_state::{AgreementVersion, Card};
use pactlog_statement::body::Measure;
use pactlog_statement::ids::{AgreementId, Category, ObligationId, OrgId, ResultId, Title};
use pactlog_statement::time::Date;
use serde::Serialize;

use crate::answer::{CardCounts, ProgressRow, ResultCounts};
use crate::query::{page_len, paginate, Cursor, ObligationQuery, Page, QueryError};
use crate::status::{AgreementState, ObligationStatus};
use crate::view::{AgreementView, ObligationStanding, View};

/// The cursor tag of `GET /v1/obligations`.
const LIST: &str = "obligations";

/// An obligation with its status as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObligationRow {
    pub agreement: AgreementId,
    pub agreement_title: Title,
    pub agreement_state: AgreementState,
    /// The version whose terms hold this obligation.
    pub version: u64,
    pub id: ObligationId,
    pub owner: OrgId,
    pub category: Category,
    pub title: Title,
    /// `{metric, target}` or `null`.
    pub measure: Option<Measure>,
    pub due: Option<Date>,
    pub status: ObligationStatus,
    pub progress: ProgressRow,
    /// `due − as_of` in days (negative when past), or `null` without a due date.
    pub days_to_due: Option<i64>,
    /// Results reported for it by the date, by confirmation.
    pub results: ResultCounts,
    /// The latest result reported for it (by seq): the one whose dispute makes it `disputed`.
    pub latest_result: Option<ResultId>,
    /// Outstanding cards naming this obligation.
    pub cards_outstanding: CardCounts,
}

impl ObligationRow {
    pub(crate) fn of(
        view: &View<'_>,
        agreement: &AgreementView<'_>,
        version: &AgreementVersion,
        s: &ObligationStanding<'_>,
        cards: &[&Card],
    ) -> ObligationRow {
        let o = s.obligation;
        let mut cards_outstanding = CardCounts::default();
        for card in cards {
            if card.obligation.as_ref() == Some(&o.id) && view.card_outstanding(card) {
                cards_outstanding.add(card.color);
            }
        }
        let confirmed = s.confirmed as u64;
        let disputed = s.disputed as u64;
        let reported = s.reported as u64;
        ObligationRow {
            agreement: agreement.agreement.id.clone(),
            agreement_title: version.title.clone(),
            agreement_state: agreement.state,
            version: version.version,
            id: o.id.clone(),
            owner: o.owner.clone(),
            category: o.category,
            title: o.title.clone(),
            measure: o.measure.clone(),
            due: o.due,
            status: s.status,
            progress: ProgressRow {
                metric: s.progress.metric.cloned(),
                target: s.progress.target,
                confirmed: s.progress.confirmed,
            },
            days_to_due: o
                .due
                .map(|due| due.days_since_epoch() - view.date.days_since_epoch()),
            results: ResultCounts {
                reported,
                confirmed,
                disputed,
                unconfirmed: reported - confirmed - disputed,
            },
            latest_result: s.latest_result.cloned(),
            cards_outstanding,
        }
    }
}

/// The cursor key of an obligation: ids never contain `/`.
fn key(agreement: &AgreementId, obligation: &ObligationId) -> String {
    format!("{agreement}/{obligation}")
}

fn decode(cursor: &str) -> Result<(AgreementId, ObligationId), QueryError> {
    let cursor = Cursor::decode(LIST, cursor)?;
    let (a, o) = cursor.key.split_once('/').ok_or(QueryError::BadCursor)?;
    Ok((Cursor::new(LIST, a).id()?, Cursor::new(LIST, o).id()?))
}

/// Whether an obligation row passes the query's filters on the obligation itself.
fn matches(q: &ObligationQuery, s: &ObligationStanding<'_>) -> bool {
    q.status.is_none_or(|st| st == s.status)
        && q.owner.as_ref().is_none_or(|o| o == &s.obligation.owner)
        && q.category.is_none_or(|c| c == s.obligation.category)
}

pub(crate) fn list(
    view: &View<'_>,
    q: &ObligationQuery,
    tree_size: u64,
) -> Result<Page<ObligationRow>, QueryError> {
    let limit = page_len(q.limit)?;
    let after = q.cursor.as_deref().map(decode).transpose()?;
    let after = after.as_ref();
    // The cursor's agreement is included again: its later obligations may be on this page.
    let lower = after.map_or(Unbounded, |(a, _)| Included(a));
    let ids: Box<dyn Iterator<Item = &AgreementId>> = match (&q.agreement, &q.party) {
        (Some(agreement), _) => Box::new(
            view.state
                .agreements
                .get_key_value(agreement)
                .map(|(id, _)| id)
                .into_iter()
                .filter(move |id| after.is_none_or(|(a, _)| *id >= a)),
        ),
        (None, Some(party)) => Box::new(
            view.index
                .agreements_by_party
                .get(party)
                .into_iter()
                .flat_map(move |ids| ids.range_from(lower)),
        ),
        (None, None) => Box::new(
            view.state
                .agreements
                .range::<AgreementId, _>((lower, Unbounded))
                .map(|(id, _)| id),
        ),
    };
    let rows = ids
        .filter_map(|id| view.state.agreements.get(id))
        .filter(|a| q.party.as_ref().is_none_or(|p| a.has_party(p)))
        .filter(|a| view.agreement_in(a, q.region.as_ref()))
        .filter_map(|a| view.agreement(a))
        .flat_map(move |a| {
            let Some(version) = a.in_force() else {
                return Vec::new();
            };
            let results = view.results_of(a.agreement);
            let cards = view.cards_of(a.agreement);
            let mut standings = view.standings(version, &results);
            standings.sort_by(|x, y| x.obligation.id.cmp(&y.obligation.id));
            standings
                .iter()
                .filter(|s| match after {
                    Some((ca, co)) if *ca == a.agreement.id => s.obligation.id > *co,
                    _ => true,
                })
                .filter(|s| matches(q, s))
                .map(|s| {
                    (
                        key(&a.agreement.id, &s.obligation.id),
                        ObligationRow::of(view, &a, version, s, &cards),
                    )
                })
                .collect()
        });
    Ok(paginate(tree_size, limit, rows, LIST))
}
