//! A load generator: a stream of valid, distinct statements for a ledger, used by the crash
//! test (`tests/crash.rs`) and the ingest benchmark. Each statement registers a new org
//! under the root authority, signed with the authority key `pactlog init` wrote, so every
//! one of them passes every check and costs one full signature verification.

use std::path::Path;

use ed25519_dalek::SigningKey;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::signature::encode_public_key;
use pactlog_statement::time::Timestamp;
use sha2::{Digest, Sha256};

use crate::keyfile::read_key;
use crate::{LedgerError, LedgerView, AUTHORITY_KEY_FILE, KEYS_DIR};

/// Makes the `n`th statement of a run named `run`.
pub struct LoadGenerator {
    origin: String,
    authority: String,
    region: String,
    key: SigningKey,
    run: String,
}

impl LoadGenerator {
    /// A generator for the ledger in `dir`, signing as its root authority. `run` keeps the
    /// org ids of separate runs apart (org ids are never reused).
    pub fn new(dir: &Path, view: &LedgerView, run: &str) -> Result<Self, LedgerError> {
        Ok(LoadGenerator {
            origin: view.origin().to_string(),
            authority: view.genesis().root_authority.to_string(),
            region: view.root_region().to_string(),
            key: read_key(&dir.join(KEYS_DIR).join(AUTHORITY_KEY_FILE))?,
            run: run.to_string(),
        })
    }

    /// The org id of the `n`th statement.
    pub fn org_id(&self, n: u64) -> String {
        format!("load.{}.{n}", self.run)
    }

    /// The `n`th envelope, stamped with `time`.
    pub fn envelope(&self, n: u64, time: Timestamp) -> Result<Envelope, LedgerError> {
        let org_key = SigningKey::from_bytes(&seed_for(&self.run, n));
        let statement = serde_json::json!({
            "log": self.origin,
            "type": "org.registered",
            "author": self.authority,
            "time": time.to_string(),
            "body": {
                "org": self.org_id(n),
                "name": format!("负载测试党支部 {n}"),
                "kind": "organ",
                "region": self.region,
                "keys": [encode_public_key(&org_key.verifying_key())],
            }
        });
        Envelope::sign(&statement, &self.key)
            .map_err(|r| LedgerError::Init(format!("load statement {n}: {r}")))
    }
}

/// Seeds for the generated orgs' keys: distinct per run and index (keys are taken for ever,
/// SPEC §3), reproducible, no randomness needed.
fn seed_for(run: &str, n: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"pactlog load key\n");
    hasher.update(run.as_bytes());
    hasher.update(n.to_be_bytes());
    hasher.finalize().into()
}
