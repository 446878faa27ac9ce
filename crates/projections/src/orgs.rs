//! `GET /v1/orgs` and `GET /v1/orgs/{id}` (SPEC §7): the directory and an org's profile.

use std::ops::Bound::{Excluded, Unbounded};

use pactlog_statement::body::Subject;
use pactlog_statement::ids::{Name, OrgId, OrgKind, Ownership, PublicKey, Region};
use pactlog_statement::time::Date;
use serde::Serialize;

use crate::agreements::{summary, AgreementSummary, Facts};
use crate::answer::{EvaluationRow, Logged, NeedRow};
use crate::query::{page_len, paginate, Cursor, OrgQuery, Page, QueryError, SEARCH_CHARS_MAX};
use crate::view::View;
use pactlog_state::Org;

/// The cursor tag of `GET /v1/orgs`.
const LIST: &str = "orgs";

/// An org as the directory lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgSummary {
    pub id: OrgId,
    pub name: Name,
    pub kind: OrgKind,
    pub region: Region,
    pub parent: Option<OrgId>,
    /// For an enterprise: `state`, `private`, `foreign` or `mixed`.
    pub ownership: Option<Ownership>,
    pub dissolved: bool,
    pub registered: Logged,
    /// Agreements it is a party to (any state). Named apart from the profile's
    /// `agreements` list, which sits beside it in the same object.
    #[serde(rename = "agreement_count")]
    pub agreements: u64,
}

impl OrgSummary {
    fn of(view: &View<'_>, o: &Org) -> OrgSummary {
        let agreements = view
            .index
            .agreements_by_party
            .get(&o.id)
            .into_iter()
            .flatten()
            .filter_map(|id| view.state.agreements.get(id))
            .count() as u64;
        OrgSummary {
            id: o.id.clone(),
            name: o.name.clone(),
            kind: o.kind,
            region: o.region.clone(),
            parent: o.parent.clone(),
            ownership: o.ownership,
            dissolved: o.dissolved.is_some(),
            registered: o.registered.into(),
            agreements,
        }
    }
}

/// An active key: standard base64 (SPEC §1) and when it was added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRow {
    pub key: String,
    pub added: Logged,
    /// `null` while active.
    pub revoked: Option<Logged>,
}

/// `GET /v1/orgs/{id}`: the profile as of a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OrgDetail {
    pub tree_size: u64,
    pub as_of: Date,
    #[serde(flatten)]
    pub summary: OrgSummary,
    pub dissolved_at: Option<Logged>,
    /// Each `org.updated`, in seq order.
    pub updated: Vec<Logged>,
    /// Keys it acts with, in seq order.
    pub active_keys: Vec<KeyRow>,
    /// Keys revoked (never usable again, SPEC §3), in seq order.
    pub revoked_keys: Vec<KeyRow>,
    /// Agreements it is a party to, by id, with their state as of the date.
    pub agreements: Vec<AgreementSummary>,
    /// Evaluations of the org itself, in seq order.
    pub evaluations: Vec<EvaluationRow>,
    /// Needs it posted or claimed, in seq order.
    pub needs: Vec<NeedRow>,
}

pub(crate) fn detail(view: &View<'_>, id: &OrgId, tree_size: u64) -> Option<OrgDetail> {
    let o = view.org(id)?;
    let mut active_keys = Vec::new();
    let mut revoked_keys = Vec::new();
    for bytes in view.index.keys_by_org.get(id).into_iter().flatten() {
        let Some(record) = view.state.keys.get(bytes) else {
            continue;
        };
        let row = KeyRow {
            key: PublicKey::from_bytes(*bytes).to_string(),
            added: record.added.into(),
            revoked: record.revoked.map(Logged::from),
        };
        if row.revoked.is_some() {
            revoked_keys.push(row);
        } else {
            active_keys.push(row);
        }
    }
    let agreements = view
        .index
        .agreements_by_party
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|a| view.state.agreements.get(a))
        .filter_map(|a| Facts::of(view, a))
        .map(|f| summary(view, &f))
        .collect();
    let evaluations = view
        .evaluations_of(&Subject::Org(id.clone()))
        .into_iter()
        .map(|(e, current)| EvaluationRow::of(e, current))
        .collect();
    let mut needs: Vec<NeedRow> = view
        .index
        .needs_by_org
        .get(id)
        .into_iter()
        .flatten()
        .filter_map(|n| view.state.needs.get(n))
        .map(|n| NeedRow::of(view, n))
        .collect();
    // A need both posted and claimed by the org cannot happen (SPEC §4), but a need is
    // indexed once per act; keep one row each, in seq order.
    needs.sort_by_key(|n| n.posted.seq);
    needs.dedup_by(|a, b| a.id == b.id);
    Some(OrgDetail {
        tree_size,
        as_of: view.date,
        summary: OrgSummary::of(view, o),
        dissolved_at: o.dissolved.map(Logged::from),
        updated: o.updated.iter().map(|at| Logged::from(*at)).collect(),
        active_keys,
        revoked_keys,
        agreements,
        evaluations,
        needs,
    })
}

pub(crate) fn list(
    view: &View<'_>,
    q: &OrgQuery,
    tree_size: u64,
) -> Result<Page<OrgSummary>, QueryError> {
    let limit = page_len(q.limit)?;
    if let Some(text) = &q.q {
        if text.chars().count() > SEARCH_CHARS_MAX {
            return Err(QueryError::BadFilter(format!(
                "q is longer than {SEARCH_CHARS_MAX} characters"
            )));
        }
    }
    let after: Option<OrgId> = match &q.cursor {
        Some(c) => Some(Cursor::decode(LIST, c)?.id()?),
        None => None,
    };
    let lower = after.as_ref().map_or(Unbounded, Excluded);
    let rows = view
        .state
        .orgs
        .range::<OrgId, _>((lower, Unbounded))
        .filter_map(|(id, _)| view.org(id))
        .filter(|o| q.kind.is_none_or(|k| k == o.kind))
        .filter(|o| q.region.as_ref().is_none_or(|r| r.contains(&o.region)))
        .filter(|o| {
            q.q.as_deref()
                .is_none_or(|text| o.id.as_str().contains(text) || o.name.as_str().contains(text))
        })
        .map(|o| (o.id.to_string(), OrgSummary::of(view, o)));
    Ok(paginate(tree_size, limit, rows, LIST))
}
