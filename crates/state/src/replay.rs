//! The two ways statements reach the state machine: a submission (every check of SPEC §4.2,
//! in order, answered with a [`Verdict`]) and a replay of logged entries (the same checks
//! again, so an auditor trusts nothing the operator says).

use pactlog_statement::entry::{Entry, EntryError};
use pactlog_statement::envelope::{Envelope, SignatureCheck};
use pactlog_statement::ids::StatementId;
use pactlog_statement::rejection::Rejection;
use pactlog_statement::statement::Statement;
use pactlog_statement::time::Timestamp;

use crate::state::{Candidate, GenesisError, State};

/// A submission that passed the checks that need no state (1–5), with the outcome of the
/// statement-only checks 7–8 held back: check 6 (already logged) comes between them and
/// answers first. Preparing is pure and can run on any thread, in parallel with the
/// sequencer, which is what keeps signature verification off the serial path.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub envelope: Envelope,
    pub statement: Result<Statement, Rejection>,
}

impl Prepared {
    /// Checks 1–5, then 7–8 held back.
    pub fn new(body: &[u8], origin: &str) -> Result<Prepared, Rejection> {
        let envelope = Envelope::parse(body)?;
        envelope.check_log(origin)?;
        let statement = envelope.statement();
        Ok(Prepared {
            envelope,
            statement,
        })
    }

    pub fn id(&self) -> StatementId {
        self.envelope.id()
    }
}

/// The answer to a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Passed every check; append it.
    Accept,
    /// Check 6: the statement is already in the log at this seq (HTTP 200, not an error).
    AlreadyLogged {
        seq: u64,
    },
    Reject(Rejection),
}

/// Checks 6–15 for a prepared submission that would be accepted at `accepted_at`.
pub fn decide(state: &State, prepared: &Prepared, accepted_at: Timestamp) -> Verdict {
    if let Some(seq) = state.seq_of(&prepared.id()) {
        return Verdict::AlreadyLogged { seq };
    }
    let statement = match &prepared.statement {
        Ok(statement) => statement,
        Err(rejection) => return Verdict::Reject(rejection.clone()),
    };
    let candidate = Candidate {
        envelope: &prepared.envelope,
        statement,
        accepted_at,
    };
    match state.check(candidate) {
        Ok(()) => Verdict::Accept,
        Err(rejection) => Verdict::Reject(rejection),
    }
}

/// Why a logged entry does not replay. Any of these means the log is not what the rules
/// allow: an auditor reports it, a server refuses to start on it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error("entry {seq}: {source}")]
    Entry { seq: u64, source: EntryError },
    #[error("entry {seq}: its leaf data says seq {found}")]
    Seq { seq: u64, found: u64 },
    #[error("entry {seq}: accepted_at {found} is before the previous entry's {previous}")]
    TimeDecreased {
        seq: u64,
        found: String,
        previous: String,
    },
    #[error("entry 0: {0}")]
    Genesis(GenesisError),
    #[error("entry {seq}: statement already logged at seq {first}")]
    Duplicate { seq: u64, first: u64 },
    #[error("entry {seq}: the state machine rejects it: {rejection}")]
    Rejected { seq: u64, rejection: Rejection },
}

/// Replays leaf data entry by entry through the same checks a submission gets.
#[derive(Debug, Default, Clone)]
pub struct Replayer {
    state: Option<State>,
}

impl Replayer {
    pub fn new() -> Self {
        Replayer { state: None }
    }

    /// The state after the entries replayed so far (none before the genesis).
    pub fn state(&self) -> Option<&State> {
        self.state.as_ref()
    }

    pub fn into_state(self) -> Option<State> {
        self.state
    }

    /// Entries replayed so far.
    pub fn size(&self) -> u64 {
        self.state.as_ref().map_or(0, |s| s.size)
    }

    /// Replays the next entry from its leaf data, verifying its signature again.
    pub fn apply_leaf(&mut self, leaf: &[u8]) -> Result<Entry, ReplayError> {
        self.apply_leaf_with(leaf, SignatureCheck::Verify)
            .map(|(entry, _)| entry)
    }

    /// Replays the next entry from leaf data read back from a trusted log, without verifying
    /// the signature a second time (see [`Envelope::parse_with`](pactlog_statement::envelope::Envelope::parse_with));
    /// every rule is still checked. For projections and restarts, never for auditing.
    pub fn apply_logged_leaf(&mut self, leaf: &[u8]) -> Result<Entry, ReplayError> {
        self.apply_leaf_with(leaf, SignatureCheck::AlreadyVerified)
            .map(|(entry, _)| entry)
    }

    /// [`Replayer::apply_logged_leaf`], also returning the typed statement it parsed, so a
    /// fold on top (the projections) does not parse it a second time.
    pub fn apply_logged_leaf_parsed(
        &mut self,
        leaf: &[u8],
    ) -> Result<(Entry, Statement), ReplayError> {
        self.apply_leaf_with(leaf, SignatureCheck::AlreadyVerified)
    }

    fn apply_leaf_with(
        &mut self,
        leaf: &[u8],
        check: SignatureCheck,
    ) -> Result<(Entry, Statement), ReplayError> {
        let seq = self.size();
        let entry = Entry::parse_leaf_with(leaf, check)
            .map_err(|source| ReplayError::Entry { seq, source })?;
        let statement = self.apply_entry_parsed(&entry)?;
        Ok((entry, statement))
    }

    /// Replays the next entry.
    pub fn apply_entry(&mut self, entry: &Entry) -> Result<(), ReplayError> {
        self.apply_entry_parsed(entry).map(drop)
    }

    fn apply_entry_parsed(&mut self, entry: &Entry) -> Result<Statement, ReplayError> {
        let rejected = |rejection| ReplayError::Rejected {
            seq: entry.seq,
            rejection,
        };
        let statement = entry.envelope.statement().map_err(rejected)?;
        self.apply_parsed(entry, &statement)?;
        Ok(statement)
    }

    /// Replays the next entry whose statement the caller has already parsed from its
    /// envelope (the sequencer hands its followers what it decided, so they need not parse it
    /// again). Every rule is checked as for any other entry.
    pub fn apply_parsed(
        &mut self,
        entry: &Entry,
        statement: &Statement,
    ) -> Result<(), ReplayError> {
        let seq = self.size();
        if entry.seq != seq {
            return Err(ReplayError::Seq {
                seq,
                found: entry.seq,
            });
        }
        let rejected = |rejection| ReplayError::Rejected { seq, rejection };
        let candidate = Candidate {
            envelope: &entry.envelope,
            statement,
            accepted_at: entry.accepted_at,
        };
        let Some(state) = &mut self.state else {
            self.state = Some(State::from_genesis(seq, candidate).map_err(ReplayError::Genesis)?);
            return Ok(());
        };
        entry.envelope.check_log(state.origin()).map_err(rejected)?;
        if entry.accepted_at < state.last_accepted_at {
            return Err(ReplayError::TimeDecreased {
                seq,
                found: entry.accepted_at.format_millis(),
                previous: state.last_accepted_at.format_millis(),
            });
        }
        let id = entry.envelope.id();
        if let Some(first) = state.seq_of(&id) {
            return Err(ReplayError::Duplicate { seq, first });
        }
        state.apply(seq, candidate).map_err(rejected)
    }
}
