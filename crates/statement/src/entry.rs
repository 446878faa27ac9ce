//! Log entries and their leaf data (SPEC §5): `{seq, accepted_at, envelope}` in JCS form.
//!
//! The leaf data is what the Merkle tree hashes, what `GET /v1/entries` serves and what the
//! store keeps, byte for byte. It is written by concatenation in JCS key order (the envelope
//! is already canonical and the other members need no escaping) and read back with the same
//! canonical-form check that statements get, so a store or a mirror that altered the bytes is
//! caught before anything is believed.

use std::fmt;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::canonical::check_canonical;
use crate::envelope::{Envelope, SignatureCheck};
use crate::rejection::Rejection;
use crate::time::Timestamp;

/// One entry of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: u64,
    /// When the sequencer accepted the statement: always written with exactly 3 fraction
    /// digits (SPEC §1).
    pub accepted_at: Timestamp,
    pub envelope: Envelope,
}

/// Why leaf data is not a valid entry. Raised only by replay and auditing: the sequencer
/// writes leaf data itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error("leaf data is not canonical JSON: {0}")]
    NotCanonical(String),
    #[error("leaf data does not have exactly the members accepted_at, envelope, seq: {0}")]
    Members(String),
    #[error("accepted_at is not an RFC 3339 UTC time with exactly 3 fraction digits: {0}")]
    AcceptedAt(String),
    #[error("envelope refused: {0}")]
    Envelope(Rejection),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LeafMembers<'a> {
    #[serde(borrow)]
    accepted_at: &'a str,
    #[serde(borrow)]
    envelope: &'a RawValue,
    seq: u64,
}

/// The leaf data of the entry `{seq, accepted_at, envelope}`, with `accepted_at` already
/// formatted ([`Timestamp::format_millis`]): the sequencer formats it once per batch and
/// does not copy the envelope into an [`Entry`] to write it.
pub fn leaf_data(seq: u64, accepted_at_millis: &str, envelope: &Envelope) -> Vec<u8> {
    let mut out = String::with_capacity(envelope.statement_bytes().len() + 256);
    out.push_str("{\"accepted_at\":\"");
    out.push_str(accepted_at_millis);
    out.push_str("\",\"envelope\":");
    envelope.write_canonical(&mut out);
    out.push_str(",\"seq\":");
    out.push_str(itoa::Buffer::new().format(seq));
    out.push('}');
    out.into_bytes()
}

impl Entry {
    /// The entry's leaf data: its JCS canonical bytes.
    pub fn leaf_data(&self) -> Vec<u8> {
        leaf_data(self.seq, &self.accepted_at.format_millis(), &self.envelope)
    }

    /// Parses leaf data back into an entry, checking that it is canonical and that its
    /// envelope passes checks 1–4 (canonical statement, strict signature). The rules of the
    /// state machine are not checked here.
    pub fn parse_leaf(leaf: &[u8]) -> Result<Entry, EntryError> {
        Entry::parse_leaf_with(leaf, SignatureCheck::Verify)
    }

    /// [`Entry::parse_leaf`], verifying the envelope's signature or not (see
    /// [`Envelope::parse_with`] for when not).
    pub fn parse_leaf_with(leaf: &[u8], check: SignatureCheck) -> Result<Entry, EntryError> {
        check_canonical(leaf).map_err(|e| EntryError::NotCanonical(e.to_string()))?;
        let members: LeafMembers<'_> =
            serde_json::from_slice(leaf).map_err(|e| EntryError::Members(e.to_string()))?;
        let accepted_at = Timestamp::parse_millis(members.accepted_at)
            .map_err(|_| EntryError::AcceptedAt(members.accepted_at.to_string()))?;
        let envelope = Envelope::parse_with(members.envelope.get().as_bytes(), check)
            .map_err(EntryError::Envelope)?;
        Ok(Entry {
            seq: members.seq,
            accepted_at,
            envelope,
        })
    }
}

impl fmt::Display for Entry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "entry {} ({})", self.seq, self.envelope.id())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    fn entry() -> Entry {
        let statement = serde_json::json!({
            "log": "pairings.example.gov.cn/jiangsu", "type": "result.confirmed",
            "author": "js.lyg.v.nanxin", "time": "2025-06-01T08:00:00Z",
            "body": {"result": "r-2025-0001"}
        });
        let envelope = Envelope::sign(&statement, &SigningKey::from_bytes(&[5; 32])).expect("sign");
        Entry {
            seq: 42,
            accepted_at: Timestamp::parse_millis("2025-06-01T08:00:01.123Z").expect("time"),
            envelope,
        }
    }

    #[test]
    fn leaf_data_is_canonical_and_round_trips() {
        let entry = entry();
        let leaf = entry.leaf_data();
        assert_eq!(check_canonical(&leaf), Ok(()));
        let value: serde_json::Value = serde_json::from_slice(&leaf).expect("json");
        assert_eq!(
            crate::canonical::to_canonical_vec(&value).expect("jcs"),
            leaf,
            "concatenated leaf data equals the JCS serialization"
        );
        assert_eq!(Entry::parse_leaf(&leaf), Ok(entry));
    }

    #[test]
    fn altered_leaf_data_is_refused() {
        let leaf = String::from_utf8(entry().leaf_data()).expect("utf8");
        let cases = [
            leaf.replace("\"seq\":42", "\"seq\": 42"),
            leaf.replace(".123Z", "Z"),
            leaf.replace("r-2025-0001", "r-2025-0002"),
            format!("{},\"zz\":1}}", &leaf[..leaf.len() - 1]),
        ];
        for altered in cases {
            assert!(Entry::parse_leaf(altered.as_bytes()).is_err(), "{altered}");
        }
    }
}
