//! Derived indexes over the state machine's records, kept up to date one entry at a time.
//!
//! Each entry touches a bounded number of records, so each update is a handful of hash-map
//! and B-tree operations: O(log n) per entry, plus O(p) for an agreement's p ≤ 64 parties.
//! The indexes only say *where* records are; what a record means is always read from the
//! record itself.

use std::collections::HashMap;
use std::ops::Bound;

use pactlog_state::{KeyBytes, State};
use pactlog_statement::body::Subject;
use pactlog_statement::ids::{AgreementId, CardId, NeedId, OrgId, ResultId};
use pactlog_statement::statement::Body;

/// A party's agreements, in id order: a sorted vector with the room it holds rather than a
/// B-tree set, since most orgs are party to one or two agreements and a B-tree leaf for one
/// id cost 280 bytes per org (heaptrack on a 450 000-entry log).
#[derive(Debug, Clone, Default)]
pub(crate) struct AgreementIds(Vec<AgreementId>);

impl AgreementIds {
    fn insert(&mut self, id: AgreementId) {
        if let Err(i) = self.0.binary_search(&id) {
            self.0.reserve_exact(1);
            self.0.insert(i, id);
        }
    }

    /// The ids after `lower`, in order.
    pub fn range_from(&self, lower: Bound<&AgreementId>) -> std::slice::Iter<'_, AgreementId> {
        let start = match lower {
            Bound::Unbounded => 0,
            Bound::Included(id) => self.0.partition_point(|a| a < id),
            Bound::Excluded(id) => self.0.partition_point(|a| a <= id),
        };
        self.0[start..].iter()
    }
}

impl<'a> IntoIterator for &'a AgreementIds {
    type Item = &'a AgreementId;
    type IntoIter = std::slice::Iter<'a, AgreementId>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    pub keys_by_org: HashMap<OrgId, Vec<KeyBytes>>,
    pub agreements_by_party: HashMap<OrgId, AgreementIds>,
    /// In seq order.
    pub results_by_agreement: HashMap<AgreementId, Vec<ResultId>>,
    /// (seq reported, id), in seq order.
    pub results_by_seq: Vec<(u64, ResultId)>,
    /// Positions in `State::evaluations`, in seq order.
    pub evaluations_by_subject: HashMap<Subject, Vec<usize>>,
    pub cards_by_agreement: HashMap<AgreementId, Vec<CardId>>,
    pub needs_by_agreement: HashMap<AgreementId, Vec<NeedId>>,
    /// Needs an org posted or claimed, in seq order.
    pub needs_by_org: HashMap<OrgId, Vec<NeedId>>,
    /// (seq posted, id), in seq order.
    pub needs_by_seq: Vec<(u64, NeedId)>,
}

impl Index {
    /// Records what entry `seq`, already applied to `state`, changed.
    pub fn note(&mut self, state: &State, seq: u64, body: &Body) {
        match body {
            Body::LogGenesis(b) => {
                let org = &b.authority.org;
                let keys = b.authority.keys.iter().map(|k| k.as_bytes()).collect();
                self.keys_by_org.insert(org.clone(), keys);
            }
            Body::OrgRegistered(b) => {
                let keys = b.keys.iter().map(|k| k.as_bytes()).collect();
                self.keys_by_org.insert(b.org.clone(), keys);
            }
            Body::KeyAdded(b) => self
                .keys_by_org
                .entry(b.org.clone())
                .or_default()
                .push(b.key.as_bytes()),
            Body::AgreementProposed(b) => {
                for party in b.parties.iter() {
                    self.agreements_by_party
                        .entry(party.clone())
                        .or_default()
                        .insert(b.agreement.clone());
                }
            }
            Body::ResultReported(b) => {
                self.results_by_agreement
                    .entry(b.agreement.clone())
                    .or_default()
                    .push(b.result.clone());
                self.results_by_seq.push((seq, b.result.clone()));
            }
            Body::EvaluationRecorded(b) => {
                let position = state.evaluations.len().saturating_sub(1);
                self.evaluations_by_subject
                    .entry(b.subject.clone())
                    .or_default()
                    .push(position);
            }
            Body::CardIssued(b) => self
                .cards_by_agreement
                .entry(b.agreement.clone())
                .or_default()
                .push(b.card.clone()),
            Body::NeedPosted(b) => {
                if let Some(agreement) = &b.agreement {
                    self.needs_by_agreement
                        .entry(agreement.clone())
                        .or_default()
                        .push(b.need.clone());
                }
                if let Some(need) = state.needs.get(&b.need) {
                    self.needs_by_org
                        .entry(need.poster.clone())
                        .or_default()
                        .push(b.need.clone());
                }
                self.needs_by_seq.push((seq, b.need.clone()));
            }
            Body::NeedClaimed(b) => {
                if let Some((claimant, _)) = state.needs.get(&b.need).and_then(|n| n.claim.as_ref())
                {
                    self.needs_by_org
                        .entry(claimant.clone())
                        .or_default()
                        .push(b.need.clone());
                }
            }
            Body::KeyRevoked(_)
            | Body::OrgUpdated(_)
            | Body::AgreementAmended(_)
            | Body::AgreementSigned(_)
            | Body::AgreementTerminated(_)
            | Body::ResultConfirmed(_)
            | Body::ResultDisputed(_)
            | Body::CardLifted(_)
            | Body::NeedFulfilled(_)
            | Body::NeedClosed(_) => {}
        }
    }
}
