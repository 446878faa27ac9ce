//! The pactlog state machine (SPEC §3, §4): one deterministic decision for every statement.
//!
//! The sequencer runs it before appending, the auditor and replicas on replay, projections
//! read its records. It reads no clock but an entry's `accepted_at` and no setting that is
//! not in `log.genesis`; it does no I/O.
//!
//! Decision order is SPEC §4.2's: checks 1–5 and the statement-only checks 7–8 are made by
//! `pactlog-statement` (they need no state); check 6 (already logged), the state-dependent
//! part of check 7 (an amendment's kind and parties) and checks 9–15 are made here.

pub mod model;
pub mod replay;
mod rules;
pub mod state;

pub use model::*;
pub use replay::{decide, ReplayError, Replayer, Verdict};
pub use state::{Candidate, GenesisError, State};
