//! Creating a ledger (`pactlog init`) and opening one: recovery, replay, and the check of
//! the log against its latest checkpoint (SPEC §5).

use std::fs;
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use pactlog_merkle::checkpoint::{CheckpointSigner, CheckpointVerifier};
use pactlog_merkle::{leaf_hash, Tree};
use pactlog_state::{Replayer, State};
use pactlog_statement::entry::Entry;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::signature::encode_public_key;
use pactlog_statement::time::Timestamp;
use pactlog_store::{Record, Recovery, Store};

use crate::keyfile::{read_key, write_new_key};
use crate::{Clock, LedgerError, Published, AUTHORITY_KEY_FILE, CHECKPOINT_KEY_FILE, KEYS_DIR};

/// What `pactlog init` is told.
#[derive(Debug, Clone)]
pub struct InitOptions {
    pub origin: String,
    pub max_skew_s: u64,
    pub authority_org: String,
    pub authority_name: String,
    pub authority_region: String,
}

/// What `pactlog init` made.
#[derive(Debug, Clone)]
pub struct InitReport {
    /// The checkpoint verifier key string auditors pin (SPEC §5).
    pub verifier_key: String,
    pub authority_key_file: PathBuf,
    pub authority_public_key: String,
    pub checkpoint_key_file: PathBuf,
    pub genesis_id: String,
    pub checkpoint: String,
}

/// What opening found.
#[derive(Debug, Clone)]
pub struct OpenReport {
    pub entries: u64,
    pub checkpoint_size: u64,
    /// What the store repaired or upgraded on open (a torn, unacknowledged tail cut and
    /// saved, an interrupted checkpoint write, a format upgrade); the binary logs it.
    pub recovery: Recovery,
    /// Entries durable on disk but not yet under a checkpoint when the last run stopped;
    /// never acknowledged, now covered by a new checkpoint.
    pub newly_checkpointed: u64,
}

pub(crate) struct Opened {
    pub store: Store,
    pub state: State,
    pub tree: Tree,
    pub signer: CheckpointSigner,
    pub published: Published,
    pub report: OpenReport,
}

fn keys_dir(dir: &Path) -> PathBuf {
    dir.join(KEYS_DIR)
}

pub(crate) fn init(
    dir: &Path,
    options: &InitOptions,
    clock: &dyn Clock,
) -> Result<crate::InitReport, LedgerError> {
    // Everything is built and checked in memory first: a refused init leaves nothing on
    // disk in the way of a corrected one.
    let checkpoint_key = SigningKey::generate(&mut rand_core::OsRng);
    let authority_key = SigningKey::generate(&mut rand_core::OsRng);
    let signer = CheckpointSigner::new(&options.origin, checkpoint_key.clone())
        .map_err(|e| LedgerError::Init(format!("origin {:?}: {e}", options.origin)))?;
    // The genesis time is the clock in whole seconds, and its accepted_at the same instant
    // (SPEC §3).
    let now_ms = clock.now_unix_millis();
    let time = Timestamp::from_unix_millis(now_ms - now_ms.rem_euclid(1000))
        .ok_or_else(|| LedgerError::Init("the clock is out of range".into()))?;
    let authority_public_key = encode_public_key(&authority_key.verifying_key());
    let statement = serde_json::json!({
        "log": options.origin,
        "type": "log.genesis",
        "author": options.authority_org,
        "time": time.to_string(),
        "body": {
            "origin": options.origin,
            "checkpoint_key": signer.verifier_key(),
            "max_skew_s": options.max_skew_s,
            "authority": {
                "org": options.authority_org,
                "name": options.authority_name,
                "region": options.authority_region,
                "keys": [authority_public_key],
            }
        }
    });
    let envelope = Envelope::sign(&statement, &authority_key)
        .map_err(|r| LedgerError::Init(format!("genesis: {r}")))?;
    let entry = Entry {
        seq: 0,
        accepted_at: time,
        envelope,
    };
    // The genesis goes through the same replay an auditor runs, so init cannot write a log
    // that does not verify.
    let leaf = entry.leaf_data();
    let mut replayer = Replayer::new();
    replayer
        .apply_leaf(&leaf)
        .map_err(|e| LedgerError::Init(format!("the genesis does not verify: {e}")))?;

    let mut store = Store::create(dir)?;
    let keys = keys_dir(dir);
    fs::create_dir_all(&keys)
        .map_err(|e| LedgerError::Init(format!("cannot create {}: {e}", keys.display())))?;
    let checkpoint_key_file = keys.join(CHECKPOINT_KEY_FILE);
    let authority_key_file = keys.join(AUTHORITY_KEY_FILE);
    write_new_key(&checkpoint_key_file, &checkpoint_key)?;
    write_new_key(&authority_key_file, &authority_key)?;
    let genesis_id = entry.envelope.id().to_string();
    store.append(&[Record {
        seq: 0,
        id: entry.envelope.id().to_bytes(),
        leaf: leaf.clone(),
    }])?;
    store.sync()?;
    let note = signer
        .sign(1, leaf_hash(&leaf))
        .map_err(|e| LedgerError::Init(format!("signing the first checkpoint: {e}")))?;
    store.write_checkpoint(note.as_bytes())?;
    Ok(InitReport {
        verifier_key: signer.verifier_key(),
        authority_key_file,
        authority_public_key,
        checkpoint_key_file,
        genesis_id,
        checkpoint: note,
    })
}

pub(crate) fn open(dir: &Path) -> Result<Opened, LedgerError> {
    let (mut store, recovery) = Store::open(dir)?;
    let entries = store.len();
    let replay_error = |reason: String| LedgerError::Replay {
        dir: dir.to_path_buf(),
        reason,
    };
    if entries == 0 {
        return Err(replay_error(
            "it holds no genesis; run `pactlog init` to create a ledger".into(),
        ));
    }
    let mut replayer = Replayer::new();
    let mut leaf_hashes = Vec::with_capacity(usize::try_from(entries).unwrap_or(0));
    for seq in 0..entries {
        let leaf = store.read(seq)?;
        // Signatures are checked below: for checkpointed entries the signed root binds
        // every byte, and the rest are verified again before a new checkpoint covers them.
        replayer
            .apply_logged_leaf(&leaf)
            .map_err(|e| replay_error(e.to_string()))?;
        leaf_hashes.push(leaf_hash(&leaf));
    }
    let state = replayer
        .into_state()
        .ok_or_else(|| replay_error("no genesis".into()))?;
    let tree = Tree::from_leaf_hashes(leaf_hashes);

    let key_path = keys_dir(dir).join(CHECKPOINT_KEY_FILE);
    let signer = CheckpointSigner::new(state.origin(), read_key(&key_path)?)
        .map_err(|e| replay_error(format!("origin: {e}")))?;
    if signer.verifier_key() != state.genesis.checkpoint_key {
        return Err(LedgerError::WrongCheckpointKey {
            path: key_path,
            pinned: state.genesis.checkpoint_key.clone(),
        });
    }
    let verifier = CheckpointVerifier::parse(&state.genesis.checkpoint_key)
        .map_err(|e| replay_error(format!("the genesis checkpoint key: {e}")))?;
    // If the store cut a tail on the way and the log then falls short of its checkpoint,
    // the cut bytes are what an operator needs to restore: say where they are.
    let torn_note = recovery
        .truncated_tail
        .as_ref()
        .map(|torn| format!("; on opening, the store {torn}"))
        .unwrap_or_default();
    let lost = |reason: String| LedgerError::LostAcknowledged {
        dir: dir.to_path_buf(),
        reason: format!("{reason}{torn_note}"),
    };
    let checkpoint_size = match store.latest_checkpoint() {
        // Init stops between the genesis and the first checkpoint only by crashing, before
        // anything was acknowledged.
        None => 0,
        Some(note) => {
            let text = String::from_utf8(note)
                .map_err(|_| lost("the latest checkpoint is not UTF-8".into()))?;
            let checkpoint = verifier
                .verify(&text)
                .map_err(|e| lost(format!("the latest checkpoint does not verify: {e}")))?;
            if checkpoint.size > entries {
                return Err(lost(format!(
                    "the latest checkpoint covers {} entries but only {entries} were recovered",
                    checkpoint.size
                )));
            }
            let root = tree
                .root_at(checkpoint.size)
                .map_err(|e| lost(e.to_string()))?;
            if root != checkpoint.root {
                return Err(lost(format!(
                    "the first {} entries hash to {} but the latest checkpoint says {}",
                    checkpoint.size,
                    root.to_base64(),
                    checkpoint.root.to_base64()
                )));
            }
            checkpoint.size
        }
    };
    // Entries durable but not yet checkpointed were never acknowledged; once their
    // signatures verify (they already replayed under every rule) the log keeps them and
    // checkpoints them now.
    for seq in checkpoint_size..entries {
        let leaf = store.read(seq)?;
        Entry::parse_leaf(&leaf).map_err(|e| replay_error(format!("entry {seq}: {e}")))?;
    }
    let note = if checkpoint_size == entries {
        String::from_utf8(store.latest_checkpoint().unwrap_or_default()).unwrap_or_default()
    } else {
        let note = signer
            .sign(entries, tree.root())
            .map_err(|e| replay_error(format!("signing a checkpoint: {e}")))?;
        store.write_checkpoint(note.as_bytes())?;
        note
    };
    let published = Published {
        size: entries,
        root: tree.root(),
        note: note.into(),
    };
    Ok(Opened {
        report: OpenReport {
            entries,
            checkpoint_size,
            recovery,
            newly_checkpointed: entries - checkpoint_size,
        },
        store,
        state,
        tree,
        signer,
        published,
    })
}
