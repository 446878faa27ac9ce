//! pactlog projections (SPEC §6): the log folded into the answers of the read routes of
//! SPEC §7 — the org directory, agreements with their state as of a date, obligations with
//! their status, results and their confirmation, needs, and the dashboard's aggregates.
//!
//! # How it is built
//!
//! [`Projections`] wraps the state machine's [`Replayer`]: each entry is folded through every
//! rule by `pactlog-state` (the only place a rule of SPEC §3–§4 is decided) and then noted in
//! a few derived indexes (agreements by party, results and cards by agreement, evaluations
//! by subject, needs by org, the first seq of each date, and each org's past names and
//! regions). Answers read the state machine's records through those indexes and apply the
//! SPEC §6 definitions; nothing here interprets a statement a second time.
//!
//! # Architecture invariants
//!
//! - No I/O and no clock: "today" is always a parameter (`as_of`), as SPEC §3 asks of
//!   everything that folds the log.
//! - No rule is decided here; the state machine's records are read as they are.
//! - An answer reads the whole log it has folded and says its tree size; the date D (`as_of`)
//!   only enters the comparisons SPEC §6 names (module `view`), so any two replicas at the
//!   same tree size give the same answer for the same D.
//!
//! # Complexity
//!
//! - [`Projections::apply_leaf`]: the state machine's own work plus O(log n) index updates
//!   (O(p log n) for an agreement's p ≤ 64 parties).
//! - Lists walk their B-tree from the cursor and stop one item after the page is full; with a
//!   `party` filter they walk that party's agreements only. A selective filter can make a
//!   page scan many records (fine for tens of thousands of agreements).
//! - One agreement's state is O(versions × parties), its obligations' statuses
//!   O(obligations + results), its summary also O(cards + evaluations) of that agreement.
//! - [`Projections::stats`] is one pass over everything the log established.
//!
//! # How SPEC §6 is read where it leaves a choice
//!
//! - **As of D**: every entry of the folded log, with D compared only where SPEC §6 compares
//!   it: a termination's `effective` ≤ D, a term's start and end, an obligation's due date
//!   (overdue, the 30-day at-risk window). D does not cut the log: an agreement signed today
//!   is `pending_start` as of a date before its term, and a result confirmed today counts as
//!   of any date. (What the log held on a past day is the answer of the log's prefix up to
//!   that day: a mirror or an auditor folds the entries up to it.)
//! - **Pending version**: the latest version while it lacks a party's signature, also when no
//!   version is signed yet (a proposed agreement's version being signed).
//! - **Obligations**: `/v1/obligations` and the stats list the obligations of the version in
//!   force (signed by all, not terminated); an agreement's detail shows those of its latest
//!   signed version (else its latest) whatever its state. Results for an obligation are those
//!   naming its id under any version of the agreement.
//! - **Obligation status** is decided in SPEC order (met, disputed, overdue, at_risk, open);
//!   the first that applies wins. `disputed`: the latest result for it (by seq) is disputed
//!   and confirmed by no one. `at_risk`: D ≤ due ≤ D + 30 and confirmed progress × 2 <
//!   target; an obligation without a measure has target 1 and progress = confirmed results, so
//!   it is at risk in that window until a result for it is confirmed.
//! - **Confirmation**: `confirmed` when at least one other party confirmed (it counts in
//!   totals, SPEC §6), else `disputed` when one disputed, else `unconfirmed`.
//! - **Evaluations**: the current one of a subject and period is the one logged last.
//! - **Regions**: an agreement is within a region when one of its parties is; it counts in
//!   each sub-region one of its parties is in.

mod agreements;
mod answer;
mod index;
mod needs;
mod obligations;
mod orgs;
mod query;
mod results;
mod stats;
mod status;
mod view;

use pactlog_state::{ReplayError, Replayer, State};
use pactlog_statement::entry::Entry;
use pactlog_statement::ids::OrgId;
use pactlog_statement::statement::Statement;
use pactlog_statement::time::Date;

pub use agreements::{AgreementDetail, AgreementSummary, SignatureRow, TerminationRow, VersionRow};
pub use answer::{
    CardCounts, CardRow, ClaimRow, ClosingRow, EvaluationRow, FulfilmentRow, GradeCounts, LiftRow,
    Logged, NeedCounts, NeedRow, ObligationCounts, ObligationTerms, PartyRef, ProgressRow,
    ResultCounts, ResultRow, ReviewRow,
};
pub use obligations::ObligationRow;
pub use orgs::{KeyRow, OrgDetail, OrgSummary};
pub use pactlog_state::NeedStatus;
pub use query::{
    AgreementQuery, Cursor, NeedQuery, ObligationQuery, OrgQuery, Page, QueryError, ResultQuery,
    StatsQuery, CURSOR_LEN_MAX, LIMIT_DEFAULT, LIMIT_MAX, SEARCH_CHARS_MAX,
};
pub use stats::{
    region_level, AgreementKindCounts, AgreementTotals, CategoryRow, CrossProvince,
    GradesBySubject, KindPairRow, OrgKindCounts, OrgTotals, RegionRow, StateCounts, Stats,
};
pub use status::{parse_need_status, AgreementState, Confirmation, ObligationStatus};
pub use view::AT_RISK_WINDOW_DAYS;

use index::Index;
use view::View;

/// The log folded for reading: the state machine's state plus derived indexes.
#[derive(Debug, Clone, Default)]
pub struct Projections {
    replayer: Replayer,
    index: Index,
}

impl Projections {
    pub fn new() -> Self {
        Projections::default()
    }

    /// Folds the next entry (its leaf data, SPEC §5), in seq order. The signature is not
    /// verified again (the leaf comes from the log, which verified it); every rule is applied.
    /// On error nothing changes.
    pub fn apply_leaf(&mut self, leaf: &[u8]) -> Result<(), ReplayError> {
        // The body says which records the entry touched.
        let (entry, statement) = self.replayer.apply_logged_leaf_parsed(leaf)?;
        self.note(&entry, &statement);
        Ok(())
    }

    /// Folds the next entry as the sequencer decided it, with its statement already parsed:
    /// the same fold as [`Projections::apply_leaf`] (every rule applied) without reading the
    /// leaf back and parsing it again. On error nothing changes.
    pub fn apply_parsed(
        &mut self,
        entry: &Entry,
        statement: &Statement,
    ) -> Result<(), ReplayError> {
        self.replayer.apply_parsed(entry, statement)?;
        self.note(entry, statement);
        Ok(())
    }

    fn note(&mut self, entry: &Entry, statement: &Statement) {
        if let Some(state) = self.replayer.state() {
            self.index.note(state, entry.seq, &statement.body);
        }
    }

    /// Entries folded so far: the `tree_size` every answer carries.
    pub fn tree_size(&self) -> u64 {
        self.replayer.size()
    }

    /// The state machine's state (none before the genesis).
    pub fn state(&self) -> Option<&State> {
        self.replayer.state()
    }

    fn view(&self, as_of: Date) -> Option<View<'_>> {
        self.state()
            .map(|state| View::as_of(state, &self.index, as_of))
    }

    /// For lists that have no `as_of`: the whole log.
    fn latest(&self) -> Option<View<'_>> {
        self.view(Date::MAX)
    }

    /// A page with nothing in it, for a log without its genesis yet.
    fn empty<T>(&self, limit: usize) -> Result<Page<T>, QueryError> {
        query::page_len(limit)?;
        Ok(Page {
            tree_size: self.tree_size(),
            items: Vec::new(),
            next: None,
        })
    }

    /// `GET /v1/orgs`: orgs by id, as the log stands now.
    pub fn orgs(&self, q: &OrgQuery) -> Result<Page<OrgSummary>, QueryError> {
        match self.latest() {
            Some(view) => orgs::list(&view, q, self.tree_size()),
            None => self.empty(q.limit),
        }
    }

    /// `GET /v1/orgs/{id}`: the profile as of `as_of`; `None` for an id that is malformed or
    /// not registered by then.
    pub fn org(&self, id: &str, as_of: Date) -> Option<OrgDetail> {
        let id = OrgId::new(id).ok()?;
        orgs::detail(&self.view(as_of)?, &id, self.tree_size())
    }

    /// `GET /v1/agreements`: agreements by id with their state as of `q.as_of`.
    pub fn agreements(&self, q: &AgreementQuery) -> Result<Page<AgreementSummary>, QueryError> {
        match self.view(q.as_of) {
            Some(view) => agreements::list(&view, q, self.tree_size()),
            None => self.empty(q.limit),
        }
    }

    /// `GET /v1/agreements/{id}`: `None` for an id that is malformed or not proposed by
    /// `as_of`.
    pub fn agreement(&self, id: &str, as_of: Date) -> Option<AgreementDetail> {
        let view = self.view(as_of)?;
        let agreement = view.state.agreements.get(id)?;
        let facts = agreements::Facts::of(&view, agreement)?;
        Some(agreements::detail(&view, &facts, self.tree_size()))
    }

    /// `GET /v1/obligations`: obligations of the versions in force as of `q.as_of`, by
    /// agreement id then obligation id.
    pub fn obligations(&self, q: &ObligationQuery) -> Result<Page<ObligationRow>, QueryError> {
        match self.view(q.as_of) {
            Some(view) => obligations::list(&view, q, self.tree_size()),
            None => self.empty(q.limit),
        }
    }

    /// `GET /v1/results`: results as the log stands now, newest first.
    pub fn results(&self, q: &ResultQuery) -> Result<Page<ResultRow>, QueryError> {
        match self.latest() {
            Some(view) => results::list(&view, q, self.tree_size()),
            None => self.empty(q.limit),
        }
    }

    /// `GET /v1/needs`: needs as the log stands now, newest first.
    pub fn needs(&self, q: &NeedQuery) -> Result<Page<NeedRow>, QueryError> {
        match self.latest() {
            Some(view) => needs::list(&view, q, self.tree_size()),
            None => self.empty(q.limit),
        }
    }

    /// `GET /v1/stats`: the SPEC §6 aggregates. Before the genesis, all zero.
    pub fn stats(&self, q: &StatsQuery) -> Stats {
        match self.view(q.as_of) {
            Some(view) => stats::stats(&view, q, self.tree_size()),
            None => stats::empty(q, self.tree_size()),
        }
    }
}
