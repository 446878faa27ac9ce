//! The SPEC §6 derivations as of a date D, over the whole folded log.
//!
//! D enters only the comparisons SPEC §6 makes: a termination in effect (`effective` ≤ D), a
//! term not yet started or ended, an obligation overdue or due within 30 days. It does not
//! cut the log: every record the state machine holds is read as it is now.
//!
//! The rules were decided by the state machine; this module only applies the SPEC §6
//! definitions to its records.

use pactlog_state::{
    Agreement, AgreementVersion, Card, Evaluation, Need, NeedStatus, Org, ResultRecord, Review,
    State, Termination,
};
use pactlog_statement::body::{Obligation, Subject};
use pactlog_statement::ids::{MetricKey, ObligationId, OrgId, Region, ResultId};
use pactlog_statement::time::Date;

use crate::index::Index;
use crate::status::{AgreementState, Confirmation, ObligationStatus};

/// SPEC §6 `at_risk`: due within this many days of D.
pub const AT_RISK_WINDOW_DAYS: i64 = 30;

#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub state: &'a State,
    pub index: &'a Index,
    /// D: the date states and statuses are computed for.
    pub date: Date,
}

/// An agreement as of D.
#[derive(Clone, Copy)]
pub(crate) struct AgreementView<'a> {
    pub agreement: &'a Agreement,
    /// Every version proposed (never empty).
    pub versions: &'a [AgreementVersion],
    /// The latest version signed by every party.
    pub signed: Option<&'a AgreementVersion>,
    /// A termination, in effect on D or not yet.
    pub termination: Option<&'a Termination>,
    pub state: AgreementState,
}

impl<'a> AgreementView<'a> {
    pub fn latest(&self) -> &'a AgreementVersion {
        &self.versions[self.versions.len() - 1]
    }

    /// The version in force (SPEC §4: signed by every party, not terminated).
    pub fn in_force(&self) -> Option<&'a AgreementVersion> {
        match self.state {
            AgreementState::Terminated => None,
            _ => self.signed,
        }
    }

    /// The latest version, when it still waits for signatures (SPEC §6: "shown as
    /// pending"); for a proposed agreement, the version being signed.
    pub fn pending(&self) -> Option<&'a AgreementVersion> {
        let latest = self.latest();
        match self.signed {
            Some(signed) if signed.version == latest.version => None,
            _ => Some(latest),
        }
    }

    /// The terms shown for the agreement: the latest signed version, else the latest.
    pub fn shown(&self) -> &'a AgreementVersion {
        self.signed.unwrap_or_else(|| self.latest())
    }
}

/// Confirmed progress of an obligation: for a measured one the metric's confirmed sum against
/// its target, for one without a measure the number of confirmed results against 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Progress<'a> {
    pub metric: Option<&'a MetricKey>,
    pub target: u64,
    pub confirmed: u64,
}

/// An obligation's standing as of D.
pub(crate) struct ObligationStanding<'a> {
    pub obligation: &'a Obligation,
    pub status: ObligationStatus,
    pub progress: Progress<'a>,
    pub reported: usize,
    pub confirmed: usize,
    pub disputed: usize,
    pub latest_result: Option<&'a ResultId>,
}

impl<'a> View<'a> {
    pub fn as_of(state: &'a State, index: &'a Index, date: Date) -> View<'a> {
        View { state, index, date }
    }

    pub fn org(&self, id: &OrgId) -> Option<&'a Org> {
        self.state.orgs.get(id).map(|o| &**o)
    }

    /// The region of a party.
    pub fn region_of(&self, id: &OrgId) -> Option<&'a Region> {
        self.org(id).map(|o| &o.region)
    }

    pub fn agreement(&self, agreement: &'a Agreement) -> Option<AgreementView<'a>> {
        let versions = &agreement.versions[..];
        if versions.is_empty() {
            return None;
        }
        let signed = agreement.signed_version();
        let termination = agreement.termination.as_ref();
        let state = match (termination, signed) {
            (Some(t), _) if t.effective <= self.date => AgreementState::Terminated,
            (_, None) => AgreementState::Proposed,
            (_, Some(v)) if self.date < v.term.start => AgreementState::PendingStart,
            (_, Some(v)) if self.date > v.term.end => AgreementState::Expired,
            (_, Some(_)) => AgreementState::Active,
        };
        Some(AgreementView {
            agreement,
            versions,
            signed,
            termination,
            state,
        })
    }

    /// Whether one of the agreement's parties is in `region` (no region: all are).
    pub fn agreement_in(&self, agreement: &Agreement, region: Option<&Region>) -> bool {
        match region {
            None => true,
            Some(region) => agreement
                .parties
                .iter()
                .any(|p| self.region_of(p).is_some_and(|r| region.contains(r))),
        }
    }

    /// The agreement's results, in seq order.
    pub fn results_of(&self, agreement: &Agreement) -> Vec<&'a ResultRecord> {
        self.index
            .results_by_agreement
            .get(&agreement.id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.state.results.get(id).map(|r| &**r))
            .collect()
    }

    /// A result's reviews.
    pub fn reviews(
        &self,
        result: &'a ResultRecord,
    ) -> impl Iterator<Item = (&'a OrgId, &'a Review)> {
        result.reviews.iter()
    }

    /// See [`Confirmation`]: confirmed when another party confirmed it (SPEC §6), else
    /// disputed when one disputed it, else unconfirmed.
    pub fn confirmation(&self, result: &'a ResultRecord) -> Confirmation {
        let mut disputed = false;
        for (_, review) in self.reviews(result) {
            match review {
                Review::Confirmed { .. } => return Confirmation::Confirmed,
                Review::Disputed { .. } => disputed = true,
            }
        }
        if disputed {
            Confirmation::Disputed
        } else {
            Confirmation::Unconfirmed
        }
    }

    /// SPEC §6 obligation status as of D, from the agreement's results
    /// (`results`, in seq order). Results for it are those naming its id, under any version:
    /// obligation ids are unique within the agreement and an amendment that keeps an id keeps
    /// the work already done for it.
    pub fn obligation(
        &self,
        obligation: &'a Obligation,
        results: &[&'a ResultRecord],
    ) -> ObligationStanding<'a> {
        let mut standing = ObligationStanding {
            obligation,
            status: ObligationStatus::Open,
            progress: Progress {
                metric: obligation.measure.as_ref().map(|m| &m.metric),
                target: obligation.measure.as_ref().map_or(1, |m| m.target.get()),
                confirmed: 0,
            },
            reported: 0,
            confirmed: 0,
            disputed: 0,
            latest_result: None,
        };
        let mut latest = None;
        for result in results.iter().copied() {
            if result.obligation.as_ref() != Some(&obligation.id) {
                continue;
            }
            standing.reported += 1;
            let confirmation = self.confirmation(result);
            match confirmation {
                Confirmation::Confirmed => {
                    standing.confirmed += 1;
                    let amount = match &obligation.measure {
                        Some(measure) => result.metrics.get(&measure.metric).copied().unwrap_or(0),
                        None => 1,
                    };
                    standing.progress.confirmed =
                        standing.progress.confirmed.saturating_add(amount);
                }
                Confirmation::Disputed => standing.disputed += 1,
                Confirmation::Unconfirmed => {}
            }
            latest = Some((result, confirmation));
        }
        standing.latest_result = latest.map(|(r, _)| &r.id);
        let progress = standing.progress;
        let met = progress.confirmed >= progress.target;
        let under_half = u128::from(progress.confirmed) * 2 < u128::from(progress.target);
        standing.status = if met {
            ObligationStatus::Met
        } else if matches!(latest, Some((_, Confirmation::Disputed))) {
            ObligationStatus::Disputed
        } else {
            match obligation.due {
                Some(due) if due < self.date => ObligationStatus::Overdue,
                Some(due) if due <= self.date.add_days(AT_RISK_WINDOW_DAYS) && under_half => {
                    ObligationStatus::AtRisk
                }
                _ => ObligationStatus::Open,
            }
        };
        standing
    }

    /// The standings of a version's obligations, in the version's order. Results are grouped
    /// by obligation first, so this is O(obligations + results).
    pub fn standings(
        &self,
        version: &'a AgreementVersion,
        results: &[&'a ResultRecord],
    ) -> Vec<ObligationStanding<'a>> {
        let mut by_obligation: std::collections::HashMap<&ObligationId, Vec<&'a ResultRecord>> =
            std::collections::HashMap::new();
        for result in results {
            if let Some(id) = &result.obligation {
                by_obligation.entry(id).or_default().push(result);
            }
        }
        version
            .obligations
            .iter()
            .map(|o| {
                let results = by_obligation.get(&o.id).map_or(&[][..], Vec::as_slice);
                self.obligation(o, results)
            })
            .collect()
    }

    /// The agreement's cards.
    pub fn cards_of(&self, agreement: &Agreement) -> Vec<&'a Card> {
        self.index
            .cards_by_agreement
            .get(&agreement.id)
            .into_iter()
            .flatten()
            .filter_map(|id| self.state.cards.get(id))
            .collect()
    }

    /// Issued and not lifted.
    pub fn card_outstanding(&self, card: &Card) -> bool {
        card.lifted.is_none()
    }

    /// A subject's evaluations, in seq order, each with whether it is current:
    /// the latest of its subject and period (SPEC §4: a later one supersedes, both are kept).
    pub fn evaluations_of(&self, subject: &Subject) -> Vec<(&'a Evaluation, bool)> {
        let seen: Vec<&'a Evaluation> = self
            .index
            .evaluations_by_subject
            .get(subject)
            .into_iter()
            .flatten()
            .filter_map(|&i| self.state.evaluations.get(i))
            .collect();
        // Walk back from the latest: the first of each period met is its current one.
        let mut periods = std::collections::HashSet::new();
        let mut marked: Vec<(&'a Evaluation, bool)> = seen
            .into_iter()
            .rev()
            .map(|e| (e, periods.insert(e.period)))
            .collect();
        marked.reverse();
        marked
    }

    /// A need's status: how far the log has taken it.
    pub fn need_status(&self, need: &Need) -> NeedStatus {
        if need.closing.is_some() {
            NeedStatus::Closed
        } else if need.fulfilment.is_some() {
            NeedStatus::Fulfilled
        } else if need.claim.is_some() {
            NeedStatus::Claimed
        } else {
            NeedStatus::Open
        }
    }
}
