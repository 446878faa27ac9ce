//! What the log has established so far: organizations and their keys, agreements and their
//! versions and signatures, results and their reviews, evaluations, cards and needs.
//!
//! These records are the state machine's own and the projections read them as they are, so
//! there is no second interpretation of the log. Every record remembers the seq of the entry
//! that created or changed it, which is how projections show timelines.

use pactlog_statement::body::{Evidence, Meetings, Metrics, Obligation, Subject, Term};
use pactlog_statement::ids::{
    AgreementId, CardColor, CardId, Category, Comment, Description, Goal, Grade, MetricKey, Name,
    NeedId, ObligationId, OrgId, OrgKind, Ownership, Period, PublicKey, Reason, Region, ResultId,
    StatementId, Summary, Title,
};
use pactlog_statement::time::{Date, Timestamp};
use serde::Serialize;

/// Where and when something happened in the log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct At {
    pub seq: u64,
    pub accepted_at: Timestamp,
}

impl At {
    /// The date of the entry (SPEC §1): its `accepted_at` in China Standard Time.
    pub fn date(&self) -> Date {
        self.accepted_at.date_cst()
    }
}

/// A registered organization (SPEC §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Org {
    pub id: OrgId,
    pub name: Name,
    pub kind: OrgKind,
    pub region: Region,
    pub parent: Option<OrgId>,
    pub ownership: Option<Ownership>,
    pub dissolved: Option<At>,
    pub registered: At,
    pub updated: Vec<At>,
    /// How many of its keys are active, so the last-key rule of `key.revoked` does not scan
    /// every key ever registered. Derived from the state's keys, so left out of the digest.
    #[serde(skip)]
    pub(crate) active_keys: usize,
}

impl Org {
    pub fn is_authority(&self) -> bool {
        self.kind == OrgKind::Authority
    }

    pub fn is_dissolved(&self) -> bool {
        self.dissolved.is_some()
    }
}

/// A key ever registered to an org. Once registered a key is taken for ever (SPEC §3), so
/// revoked keys stay here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRecord {
    pub org: OrgId,
    pub added: At,
    pub revoked: Option<At>,
}

impl KeyRecord {
    pub fn is_active(&self) -> bool {
        self.revoked.is_none()
    }
}

/// One version of an agreement's terms: the proposal (version 1) or an amendment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreementVersion {
    pub version: u64,
    /// The statement id of the proposal or amendment: what `agreement.signed` names as
    /// `terms` and the next amendment names as `supersedes`.
    pub statement: StatementId,
    pub author: OrgId,
    pub at: At,
    pub title: Title,
    pub term: Term,
    pub categories: Vec<Category>,
    pub goals: Vec<Goal>,
    pub meetings: Meetings,
    pub obligations: Vec<Obligation>,
    /// Party → when it signed. The proposal or amendment counts as its author's signature.
    pub signatures: SmallMap<OrgId, At>,
}

impl AgreementVersion {
    pub fn obligation(&self, id: &ObligationId) -> Option<&Obligation> {
        self.obligations.iter().find(|o| &o.id == id)
    }

    /// When the last party signed, if all have.
    pub fn fully_signed(&self, parties: &[OrgId]) -> Option<At> {
        parties
            .iter()
            .map(|p| self.signatures.get(p).copied())
            .collect::<Option<Vec<At>>>()
            .and_then(|all| all.into_iter().max_by_key(|at| at.seq))
    }
}

/// How an agreement ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Termination {
    pub by: OrgId,
    pub reason: Reason,
    pub effective: Date,
    pub at: At,
}

/// A pairing, tripartite, alliance or resident agreement (SPEC §4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agreement {
    pub id: AgreementId,
    pub kind: pactlog_statement::ids::AgreementKind,
    pub parties: Vec<OrgId>,
    /// Versions in order; `versions[i].version == i + 1`.
    pub versions: Vec<AgreementVersion>,
    pub termination: Option<Termination>,
}

impl Agreement {
    pub fn latest(&self) -> &AgreementVersion {
        // An agreement is created with its first version and versions are never removed.
        &self.versions[self.versions.len() - 1]
    }

    pub fn has_party(&self, org: &OrgId) -> bool {
        self.parties.contains(org)
    }

    /// The latest version signed by every party (SPEC §6: an amended but not yet fully
    /// signed version leaves the previous signed version in force).
    pub fn signed_version(&self) -> Option<&AgreementVersion> {
        self.versions
            .iter()
            .rev()
            .find(|v| v.fully_signed(&self.parties).is_some())
    }

    /// The signed version, if a termination has not taken effect on `date` (SPEC §4 "in
    /// force": a version signed by all parties, not terminated).
    pub fn in_force_on(&self, date: Date) -> Option<&AgreementVersion> {
        match &self.termination {
            Some(t) if t.effective <= date => None,
            _ => self.signed_version(),
        }
    }
}

/// A party's review of another party's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "review", rename_all = "snake_case")]
pub enum Review {
    Confirmed { at: At },
    Disputed { at: At, reason: Reason },
}

impl Review {
    pub fn at(&self) -> At {
        match self {
            Review::Confirmed { at } | Review::Disputed { at, .. } => *at,
        }
    }
}

/// A reported result (SPEC §4 `result.reported`) and the other parties' reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResultRecord {
    pub id: ResultId,
    pub agreement: AgreementId,
    /// The version in force when the result was reported.
    pub version: u64,
    pub obligation: Option<ObligationId>,
    pub reporter: OrgId,
    pub date: Date,
    pub category: Category,
    pub summary: Summary,
    pub metrics: MetricValues,
    pub evidence: Vec<Evidence>,
    pub at: At,
    pub reviews: Reviews,
}

/// The other parties' reviews of a result, at most one per party, in party order.
pub type Reviews = SmallMap<OrgId, Review>;

/// A small map kept as a sorted vector with exactly the room it holds.
///
/// For the state's per-record maps that hold one to a few entries — a result's reviews and
/// metrics, a version's signatures — where a B-tree leaf cost 500–800 bytes per record (heaptrack on a
/// 450 000-entry log: after the records themselves, the largest items of the state).
/// Serialized as a map, like the B-tree maps it replaced, so the state digest is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmallMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SmallMap<K, V> {
    fn default() -> Self {
        SmallMap(Vec::new())
    }
}

impl<K: Ord, V> SmallMap<K, V> {
    fn position<Q>(&self, key: &Q) -> Result<usize, usize>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.0.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.position(key).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: std::borrow::Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.position(key).is_ok()
    }

    /// Sets `key`'s value, replacing an earlier one.
    pub fn insert(&mut self, key: K, value: V) {
        match self.position(&key) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => {
                self.0.reserve_exact(1);
                self.0.insert(i, (key, value));
            }
        }
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for SmallMap<K, V> {
    /// Later entries replace earlier ones of the same key, as [`SmallMap::insert`] does.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut entries: Vec<(K, V)> = entries.into_iter().collect();
        entries.reverse();
        // Stable: of equal keys the last given comes first, and is the one kept.
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        entries.dedup_by(|(later, _), (kept, _)| later == kept);
        entries.shrink_to_fit();
        SmallMap(entries)
    }
}

impl<K: Ord + Serialize, V: Serialize> Serialize for SmallMap<K, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl ResultRecord {
    /// Confirmed by at least one party other than the reporter (SPEC §6: only such results
    /// count in totals).
    pub fn is_confirmed(&self) -> bool {
        self.reviews
            .values()
            .any(|r| matches!(r, Review::Confirmed { .. }))
    }

    pub fn is_disputed(&self) -> bool {
        self.reviews
            .values()
            .any(|r| matches!(r, Review::Disputed { .. }))
    }
}

/// An evaluation of an agreement or an org for a period. Later evaluations of the same
/// subject and period supersede earlier ones in projections; all are kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub subject: Subject,
    pub period: Period,
    pub grade: Grade,
    pub score: Option<u64>,
    pub comment: Comment,
    pub by: OrgId,
    pub at: At,
}

/// A yellow or red card (黄牌/红牌) on an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Card {
    pub id: CardId,
    pub color: CardColor,
    pub agreement: AgreementId,
    pub obligation: Option<ObligationId>,
    pub issuer: OrgId,
    pub reason: Reason,
    pub at: At,
    pub lifted: Option<CardLift>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CardLift {
    pub by: OrgId,
    pub reason: Reason,
    pub at: At,
}

/// Where a need stands (群众点单 → 党员接单 → fulfilled → closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NeedStatus {
    Open,
    Claimed,
    Fulfilled,
    Closed,
}

impl NeedStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Open => "open",
            NeedStatus::Claimed => "claimed",
            NeedStatus::Fulfilled => "fulfilled",
            NeedStatus::Closed => "closed",
        }
    }
}

/// A need posted by a village or community.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Need {
    pub id: NeedId,
    pub poster: OrgId,
    pub title: Title,
    pub category: Category,
    pub description: Description,
    pub agreement: Option<AgreementId>,
    pub posted: At,
    pub status: NeedStatus,
    pub claim: Option<(OrgId, At)>,
    pub fulfilment: Option<NeedFulfilment>,
    pub closing: Option<NeedClosing>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedFulfilment {
    pub summary: Summary,
    pub metrics: MetricValues,
    pub at: At,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NeedClosing {
    pub satisfied: bool,
    pub rating: Option<u64>,
    /// Closed while still open: withdrawn by the poster.
    pub withdrawn: bool,
    pub at: At,
}

/// The settings `log.genesis` fixes for the life of the log (SPEC §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Genesis {
    pub origin: String,
    pub checkpoint_key: String,
    pub max_skew_s: u64,
    pub root_authority: OrgId,
    pub at: At,
}

/// Metric maps as plain integers, the form totals are summed in.
pub fn metric_values(metrics: &Metrics) -> MetricValues {
    metrics.iter().map(|(k, v)| (k.clone(), v)).collect()
}

/// A result's or a fulfilment's metrics, in key order, as plain integers (a [`SmallMap`]: a
/// B-tree node for a result's two or three metrics cost about 370 bytes).
pub type MetricValues = SmallMap<MetricKey, u64>;

/// Public keys are compared as raw bytes; this is their one spelling in the state.
pub type KeyBytes = [u8; 32];

pub fn key_bytes(key: &PublicKey) -> KeyBytes {
    key.as_bytes()
}

#[cfg(test)]
mod tests {
    use super::SmallMap;

    #[test]
    fn a_small_map_keeps_key_order_and_the_last_value_of_a_key() {
        let map: SmallMap<&str, u64> = [("b", 1), ("a", 2), ("b", 3)].into_iter().collect();
        assert_eq!(map.iter().collect::<Vec<_>>(), [(&"a", &2), (&"b", &3)]);
        let mut inserted = SmallMap::default();
        for (key, value) in [("b", 1), ("a", 2), ("b", 3)] {
            inserted.insert(key, value);
        }
        assert_eq!(inserted, map);
        assert_eq!(map.get("a"), Some(&2));
        assert!(!map.contains_key("c"));
        assert_eq!(serde_json::to_string(&map).unwrap(), r#"{"a":2,"b":3}"#);
    }
}
