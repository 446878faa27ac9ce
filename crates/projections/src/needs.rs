//! `GET /v1/needs` (SPEC §7): needs posted by villages and communities (群众点单) and who
//! took them up (党员接单), newest first.

use pactlog_state::Need;

use crate::answer::NeedRow;
use crate::query::{page_len, paginate, Cursor, NeedQuery, Page, QueryError};
use crate::view::View;

/// The cursor tag of `GET /v1/needs`; its key is the seq of the last need given.
const LIST: &str = "needs";

fn matches(view: &View<'_>, q: &NeedQuery, n: &Need) -> bool {
    q.poster.as_ref().is_none_or(|p| p == &n.poster)
        && q.claimant
            .as_ref()
            .is_none_or(|c| n.claim.as_ref().is_some_and(|(org, _)| org == c))
        && q.category.is_none_or(|c| c == n.category)
        && q.agreement
            .as_ref()
            .is_none_or(|a| n.agreement.as_ref() == Some(a))
        && q.status.is_none_or(|s| view.need_status(n) == s)
        && q.region.as_ref().is_none_or(|region| {
            view.region_of(&n.poster)
                .is_some_and(|r| region.contains(r))
        })
}

pub(crate) fn list(
    view: &View<'_>,
    q: &NeedQuery,
    tree_size: u64,
) -> Result<Page<NeedRow>, QueryError> {
    let limit = page_len(q.limit)?;
    let before = match &q.cursor {
        Some(c) => Cursor::decode(LIST, c)?.seq()?,
        None => u64::MAX,
    };
    let all = &view.index.needs_by_seq;
    let end = all.partition_point(|(seq, _)| *seq < before);
    let rows = all[..end]
        .iter()
        .rev()
        .filter_map(|(_, id)| view.state.needs.get(id))
        .filter(|n| matches(view, q, n))
        .map(|n| (n.posted.seq.to_string(), NeedRow::of(view, n)));
    Ok(paginate(tree_size, limit, rows, LIST))
}
