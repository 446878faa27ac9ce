//! Derived indexes over the state machine's records, kept up to date one entry at a time.
//!
//! Each entry touches a bounded number of records, so each update is a handful of hash-map
//! and B-tree operations: O(log n) per entry, plus O(p) for an agreement's p ≤ 64 parties.
//! The indexes only say *where* records are; what a record means is always read from the
//! record itself.

use std::collections::{BTreeSet, HashMap};

use pactlog_state::{KeyBytes, State};
use pactlog_statement::body::Subject;
use pactlog_statement::ids::{AgreementId, CardId, Name, NeedId, OrgId, Region, ResultId};
use pactlog_statement::statement::Body;
use pactlog_statement::time::Date;

/// An org's name, region and parent from one entry on: the state keeps only the latest, and
/// answers as of an earlier date need the values of that date.
#[derive(Debug, Clone)]
pub(crate) struct OrgRevision {
    pub seq: u64,
    pub name: Name,
    pub region: Region,
    pub parent: Option<OrgId>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Index {
    /// The first seq of each distinct entry date, in order. `accepted_at` never decreases
    /// (SPEC §5), so the entries dated on or before D are a prefix of the log.
    days: Vec<(Date, u64)>,
    pub org_revisions: HashMap<OrgId, Vec<OrgRevision>>,
    pub keys_by_org: HashMap<OrgId, Vec<KeyBytes>>,
    pub agreements_by_party: HashMap<OrgId, BTreeSet<AgreementId>>,
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
    pub fn note(&mut self, state: &State, seq: u64, date: Date, body: &Body) {
        if self.days.last().is_none_or(|(d, _)| *d != date) {
            self.days.push((date, seq));
        }
        match body {
            Body::LogGenesis(b) => {
                let org = &b.authority.org;
                self.revise(state, org, seq);
                let keys = b.authority.keys.iter().map(|k| k.as_bytes());
                self.keys_by_org
                    .entry(org.clone())
                    .or_default()
                    .extend(keys);
            }
            Body::OrgRegistered(b) => {
                self.revise(state, &b.org, seq);
                let keys = b.keys.iter().map(|k| k.as_bytes());
                self.keys_by_org
                    .entry(b.org.clone())
                    .or_default()
                    .extend(keys);
            }
            Body::OrgUpdated(b) => self.revise(state, &b.org, seq),
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

    fn revise(&mut self, state: &State, id: &OrgId, seq: u64) {
        if let Some(org) = state.orgs.get(id) {
            self.org_revisions
                .entry(id.clone())
                .or_default()
                .push(OrgRevision {
                    seq,
                    name: org.name.clone(),
                    region: org.region.clone(),
                    parent: org.parent.clone(),
                });
        }
    }

    /// How many entries are dated on or before `date` (their seqs are `0..cut`): O(log n).
    pub fn cut(&self, date: Date, size: u64) -> u64 {
        let after = self.days.partition_point(|(d, _)| *d <= date);
        self.days.get(after).map_or(size, |(_, seq)| *seq)
    }
}
