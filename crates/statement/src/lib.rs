//! pactlog statements: the format and the crypto (SPEC §1, §2, §4).
//!
//! A statement is signed JSON whose RFC 8785 canonical bytes are what is signed, hashed into
//! its id and logged. This crate reads envelopes and runs every check that needs no state —
//! checks 1–5, 7 and 8 of SPEC §4.2 — and writes and reads leaf data. It does no I/O and
//! reads no clock.
//!
//! - [`canonical`]: RFC 8785 serialization and the one-pass check that bytes already are
//!   canonical (never re-encoding them).
//! - [`signature`]: strict Ed25519 under the statement domain, with the accept/reject table of
//!   the 12 ed25519-speccheck cases.
//! - [`envelope`]: checks 1–5 and, through [`envelope::Envelope::statement`], 7–8.
//! - [`statement`], [`body`], [`ids`], [`time`]: the typed statements of every type, with
//!   JSON pointers for `schema` rejections; [`schema`] generates their JSON Schemas.
//! - [`personal_data`]: mobile and identity numbers in text (check 8).
//! - [`entry`]: log entries and their leaf data.
//! - [`rejection`]: the stable codes with English and Chinese messages.
pub mod body;
pub mod canonical;
pub mod entry;
pub mod envelope;
pub mod ids;
pub mod personal_data;
pub mod rejection;
pub mod schema;
pub mod signature;
pub mod statement;
pub mod time;
