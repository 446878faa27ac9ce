//! `GET /v1/results` (SPEC §7): reported results and their confirmation, newest first.

use pactlog_state::ResultRecord;

use crate::answer::ResultRow;
use crate::query::{page_len, paginate, Cursor, Page, QueryError, ResultQuery};
use crate::view::View;

/// The cursor tag of `GET /v1/results`; its key is the seq of the last result given.
const LIST: &str = "results";

fn matches(view: &View<'_>, q: &ResultQuery, r: &ResultRecord) -> bool {
    q.obligation
        .as_ref()
        .is_none_or(|o| r.obligation.as_ref() == Some(o))
        && q.reporter.as_ref().is_none_or(|p| p == &r.reporter)
        && q.category.is_none_or(|c| c == r.category)
        && q.from.is_none_or(|d| r.date >= d)
        && q.to.is_none_or(|d| r.date <= d)
        && q.confirmation.is_none_or(|c| c == view.confirmation(r))
        && (q.party.is_some() || q.region.is_some())
            .then(|| view.state.agreements.get(&r.agreement))
            .flatten()
            .is_none_or(|a| {
                q.party.as_ref().is_none_or(|p| a.has_party(p))
                    && view.agreement_in(a, q.region.as_ref())
            })
}

pub(crate) fn list(
    view: &View<'_>,
    q: &ResultQuery,
    tree_size: u64,
) -> Result<Page<ResultRow>, QueryError> {
    let limit = page_len(q.limit)?;
    if let (Some(from), Some(to)) = (q.from, q.to) {
        if from > to {
            return Err(QueryError::BadFilter(format!(
                "from ({from}) is after to ({to})"
            )));
        }
    }
    let before = match &q.cursor {
        Some(c) => Cursor::decode(LIST, c)?.seq()?,
        None => u64::MAX,
    };
    let records: Box<dyn Iterator<Item = &ResultRecord>> = match &q.agreement {
        Some(agreement) => Box::new(
            view.index
                .results_by_agreement
                .get(agreement)
                .into_iter()
                .flat_map(|ids| ids.iter().rev())
                .filter_map(|id| view.state.results.get(id).map(|r| &**r))
                .filter(move |r| r.at.seq < before),
        ),
        None => {
            let all = &view.index.results_by_seq;
            let end = all.partition_point(|(seq, _)| *seq < before);
            Box::new(
                all[..end]
                    .iter()
                    .rev()
                    .filter_map(|(_, id)| view.state.results.get(id).map(|r| &**r)),
            )
        }
    };
    let rows = records
        .filter(|r| matches(view, q, r))
        .map(|r| (r.at.seq.to_string(), ResultRow::of(view, r)));
    Ok(paginate(tree_size, limit, rows, LIST))
}
