//! The state machine: `State` holds what the log has established; [`State::check`] decides a
//! candidate statement (checks 7–15 of SPEC §4.2 that need state) and [`State::commit`]
//! applies an accepted one. Nothing here reads a clock or a file: the only time is the
//! entry's `accepted_at`, the only setting is in `log.genesis` (SPEC §3).

use std::collections::BTreeMap;

use foldhash::{HashMap, HashMapExt};

use pactlog_statement::body::LogGenesisBody;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::ids::{AgreementId, CardId, NeedId, OrgId, Region, ResultId, StatementId};
use pactlog_statement::rejection::{Code, Rejection};
use pactlog_statement::statement::{Body, Statement};
use pactlog_statement::time::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::*;

/// A statement the sequencer or a replay wants to append, with the time it would be
/// accepted at.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub envelope: &'a Envelope,
    pub statement: &'a Statement,
    pub accepted_at: Timestamp,
}

impl Candidate<'_> {
    pub fn signer(&self) -> KeyBytes {
        *self.envelope.signer()
    }

    pub fn id(&self) -> StatementId {
        self.envelope.id()
    }
}

/// Everything the log has established, after `size` entries.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    pub genesis: Genesis,
    pub size: u64,
    pub last_accepted_at: Timestamp,
    /// Orgs, agreements and results are boxed: B-tree nodes run about half full, and an
    /// empty slot of a record stored inline cost its whole size (184–256 bytes).
    pub orgs: BTreeMap<OrgId, Box<Org>>,
    /// Every key ever registered, by its bytes. A hash map: keys are random, so a B-tree
    /// lookup missed the cache at every level (it was the writer thread's hottest line);
    /// the digest sorts them.
    #[serde(serialize_with = "serialize_keys")]
    pub keys: HashMap<KeyBytes, KeyRecord>,
    pub agreements: BTreeMap<AgreementId, Box<Agreement>>,
    pub results: BTreeMap<ResultId, Box<ResultRecord>>,
    pub evaluations: Vec<Evaluation>,
    pub cards: BTreeMap<CardId, Card>,
    pub needs: BTreeMap<NeedId, Need>,
    /// Statement id → seq: check 6 (already logged) and `GET /v1/statements/{id}`. Derived
    /// from the entries, so left out of the digest.
    #[serde(skip)]
    statement_seqs: HashMap<StatementId, u64>,
}

fn serialize_keys<S: serde::Serializer>(
    keys: &HashMap<KeyBytes, KeyRecord>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut sorted: Vec<_> = keys.iter().collect();
    sorted.sort_unstable_by_key(|(key, _)| *key);
    let mut map = serializer.serialize_map(Some(keys.len()))?;
    for (key, record) in sorted {
        map.serialize_entry(&hex::encode(key), record)?;
    }
    map.end()
}

/// Canonical JSON written into a SHA-256, one small value at a time (see [`State::digest`]).
struct CanonicalHasher(Sha256);

impl CanonicalHasher {
    fn raw(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn value<T: Serialize>(&mut self, value: &T) {
        let canonical = pactlog_statement::canonical::to_canonical_vec(value)
            .expect("the state serializes: every key is a string and every number an integer");
        self.0.update(canonical);
    }

    /// `"name":`, after a comma unless it is the object's first member.
    fn member(&mut self, name: &str, first: bool) {
        if !first {
            self.raw(b",");
        }
        self.value(&name);
        self.raw(b":");
    }

    /// A map's entries as a JSON object; `None` when the keys are not in canonical order.
    fn map<K: AsRef<str>, V: Serialize>(
        &mut self,
        entries: impl Iterator<Item = (K, V)>,
    ) -> Option<()> {
        self.raw(b"{");
        let mut previous: Option<K> = None;
        for (key, value) in entries {
            if let Some(previous) = &previous {
                let ordered = previous
                    .as_ref()
                    .encode_utf16()
                    .lt(key.as_ref().encode_utf16());
                if !ordered {
                    return None;
                }
                self.raw(b",");
            }
            self.value(&key.as_ref());
            self.raw(b":");
            self.value(&value);
            previous = Some(key);
        }
        self.raw(b"}");
        Some(())
    }
}

/// Why entry 0 cannot begin a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    #[error("the first entry must be a log.genesis statement")]
    NotGenesis,
    #[error("the genesis must be at seq 0, not {0}")]
    Seq(u64),
    #[error("the genesis statement's log ({statement}) differs from its body's origin ({body})")]
    Origin { statement: String, body: String },
    #[error("the genesis author ({author}) is not the root authority it creates ({authority})")]
    Author { author: String, authority: String },
    #[error("the genesis is not signed by one of the root authority's keys")]
    Signer,
    #[error("the genesis accepted_at differs from its time")]
    Time,
    #[error("the root authority's keys repeat a key")]
    DuplicateKey,
}

impl State {
    /// Starts a log from its genesis entry (SPEC §3, §4 `log.genesis`).
    pub fn from_genesis(seq: u64, candidate: Candidate<'_>) -> Result<State, GenesisError> {
        let Body::LogGenesis(body) = &candidate.statement.body else {
            return Err(GenesisError::NotGenesis);
        };
        if seq != 0 {
            return Err(GenesisError::Seq(seq));
        }
        check_genesis(candidate, body)?;
        let at = At {
            seq,
            accepted_at: candidate.accepted_at,
        };
        let authority = &body.authority;
        let mut keys = HashMap::new();
        for key in authority.keys.iter() {
            let record = KeyRecord {
                org: authority.org.clone(),
                added: at,
                revoked: None,
            };
            if keys.insert(key_bytes(key), record).is_some() {
                return Err(GenesisError::DuplicateKey);
            }
        }
        let root = Org {
            id: authority.org.clone(),
            name: authority.name.clone(),
            kind: pactlog_statement::ids::OrgKind::Authority,
            region: authority.region.clone(),
            parent: None,
            ownership: None,
            dissolved: None,
            registered: at,
            updated: Vec::new(),
            active_keys: 0,
        };
        let mut state = State {
            genesis: Genesis {
                origin: body.origin.as_ref().to_string(),
                checkpoint_key: body.checkpoint_key.to_string(),
                max_skew_s: body.max_skew_s.get(),
                root_authority: authority.org.clone(),
                at,
            },
            size: 1,
            last_accepted_at: candidate.accepted_at,
            orgs: BTreeMap::from([(root.id.clone(), Box::new(root))]),
            keys,
            agreements: BTreeMap::new(),
            results: BTreeMap::new(),
            evaluations: Vec::new(),
            cards: BTreeMap::new(),
            needs: BTreeMap::new(),
            statement_seqs: HashMap::new(),
        };
        state.recount_active_keys();
        state.statement_seqs.insert(candidate.id(), seq);
        Ok(state)
    }

    /// The log's origin, fixed by the genesis.
    pub fn origin(&self) -> &str {
        &self.genesis.origin
    }

    /// How many active keys `org` has.
    pub fn active_key_count(&self, org: &OrgId) -> usize {
        self.orgs.get(org).map_or(0, |org| org.active_keys)
    }

    /// Rebuilds the active-key counts from `keys`.
    fn recount_active_keys(&mut self) {
        for org in self.orgs.values_mut() {
            org.active_keys = 0;
        }
        for record in self.keys.values().filter(|r| r.is_active()) {
            if let Some(org) = self.orgs.get_mut(&record.org) {
                org.active_keys += 1;
            }
        }
    }

    /// Keeps the active-key counts in step after a commit touched keys.
    pub(crate) fn key_activated(&mut self, org: &OrgId) {
        if let Some(org) = self.orgs.get_mut(org) {
            org.active_keys += 1;
        }
    }

    pub(crate) fn key_deactivated(&mut self, org: &OrgId) {
        if let Some(org) = self.orgs.get_mut(org) {
            org.active_keys = org.active_keys.saturating_sub(1);
        }
    }

    /// The seq of a statement already in the log (SPEC §4.2 check 6).
    pub fn seq_of(&self, id: &StatementId) -> Option<u64> {
        self.statement_seqs.get(id).copied()
    }

    /// SHA-256 over the canonical JSON of the whole state: two replays that agree on every
    /// verdict and every record have the same digest.
    ///
    /// The canonical text is streamed into the hash a record at a time rather than built
    /// whole: built whole it was the peak of `pactlog log verify` (300 MB for a 450 000-entry
    /// log, more than the state itself). The bytes hashed are exactly those of
    /// `to_canonical_vec(self)` (a property test replays random logs and compares): the
    /// members in canonical (UTF-16) order, and each map's entries in key order, which for
    /// ids is their B-tree order. That is checked as the entries go by; should a map ever
    /// hold keys out of canonical order, the digest is computed the buffered way instead.
    pub fn digest(&self) -> [u8; 32] {
        self.streamed_digest().unwrap_or_else(|| {
            let canonical = pactlog_statement::canonical::to_canonical_vec(self)
                .expect("the state serializes: every key is a string and every number an integer");
            Sha256::digest(canonical).into()
        })
    }

    /// The digest streamed member by member; `None` if a map's keys are not in canonical
    /// order. Members must be listed here in canonical order, each under its serialized name.
    fn streamed_digest(&self) -> Option<[u8; 32]> {
        let mut keys: Vec<(&KeyBytes, &KeyRecord)> = self.keys.iter().collect();
        keys.sort_unstable_by_key(|(key, _)| *key);
        let mut out = CanonicalHasher(Sha256::new());
        out.raw(b"{");
        out.member("agreements", true);
        out.map(self.agreements.iter().map(|(k, v)| (k.as_str(), v)))?;
        out.member("cards", false);
        out.map(self.cards.iter().map(|(k, v)| (k.as_str(), v)))?;
        out.member("evaluations", false);
        out.value(&self.evaluations);
        out.member("genesis", false);
        out.value(&self.genesis);
        out.member("keys", false);
        out.map(keys.into_iter().map(|(k, v)| (hex::encode(k), v)))?;
        out.member("last_accepted_at", false);
        out.value(&self.last_accepted_at);
        out.member("needs", false);
        out.map(self.needs.iter().map(|(k, v)| (k.as_str(), v)))?;
        out.member("orgs", false);
        out.map(self.orgs.iter().map(|(k, v)| (k.as_str(), v)))?;
        out.member("results", false);
        out.map(self.results.iter().map(|(k, v)| (k.as_str(), v)))?;
        out.member("size", false);
        out.value(&self.size);
        out.raw(b"}");
        Some(out.0.finalize().into())
    }

    /// Checks 7 (the part that needs state), 9, 10, 11, 12, 13, 14 and 15 of SPEC §4.2, in
    /// that order; the first failure answers. Checks 1–6 and the statement-only part of 7 and
    /// 8 belong to the caller (they need no state but the statement id index).
    pub fn check(&self, c: Candidate<'_>) -> Result<(), Rejection> {
        let statement = c.statement;
        // Check 7, state part: an amendment keeps the agreement's kind and parties.
        if let Body::AgreementAmended(b) = &statement.body {
            if let Some(agreement) = self.agreements.get(&b.agreement) {
                if b.kind != agreement.kind {
                    return Err(Rejection::schema(
                        "/body/kind",
                        format!(
                            "an amendment cannot change the agreement's kind ({} → {})",
                            agreement.kind, b.kind
                        ),
                        format!("修订不得改变协议类型（{} → {}）", agreement.kind, b.kind),
                    ));
                }
                if b.parties.as_slice() != agreement.parties.as_slice() {
                    return Err(Rejection::schema(
                        "/body/parties",
                        "an amendment must list the agreement's parties, the same list in the same order",
                        "修订必须列出协议原有的参与方，顺序相同",
                    ));
                }
            }
        }
        // Check 9.
        let skew_ms = c.accepted_at.abs_diff_millis(&statement.time);
        if skew_ms > self.genesis.max_skew_s.saturating_mul(1000) {
            return Err(Rejection::new(
                Code::ClockSkew,
                format!(
                    "statement time {} is {:.3} s from the log's time {}; at most {} s allowed",
                    statement.time,
                    skew_ms as f64 / 1000.0,
                    c.accepted_at.format_millis(),
                    self.genesis.max_skew_s
                ),
                format!(
                    "声明时间 {} 与账本时间 {} 相差 {:.3} 秒，最多允许 {} 秒",
                    statement.time,
                    c.accepted_at.format_millis(),
                    skew_ms as f64 / 1000.0,
                    self.genesis.max_skew_s
                ),
            ));
        }
        // A genesis after seq 0 is refused once checks 1–9 pass; 10–14 do not apply.
        if let Body::LogGenesis(_) = statement.body {
            return Err(transition(
                "log.genesis is only valid as entry 0, written by pactlog init",
                "log.genesis 只能作为第 0 条记录，由 pactlog init 写入",
            ));
        }
        // Check 10.
        let Some(author) = self.orgs.get(&statement.author) else {
            return Err(Rejection::new(
                Code::UnknownAuthor,
                format!("author {} is not a registered org", statement.author),
                format!("作者 {} 未登记", statement.author),
            ));
        };
        // Check 11.
        match self.keys.get(&c.signer()) {
            Some(record) if record.org == author.id && record.is_active() => {}
            _ => {
                return Err(Rejection::new(
                    Code::KeyNotActive,
                    format!("the signer is not an active key of {}", author.id),
                    format!("签名密钥不是 {} 的有效密钥", author.id),
                ))
            }
        }
        // Checks 12–15, by type.
        crate::rules::check(self, c, author)
    }

    /// Applies a statement that [`State::check`] accepted, as entry `seq`.
    pub fn commit(&mut self, seq: u64, c: Candidate<'_>) {
        debug_assert_eq!(seq, self.size, "entries are applied in order");
        let at = At {
            seq,
            accepted_at: c.accepted_at,
        };
        crate::rules::commit(self, c, at);
        self.statement_seqs.insert(c.id(), seq);
        self.size = seq + 1;
        self.last_accepted_at = c.accepted_at;
    }

    /// [`State::check`] then [`State::commit`].
    pub fn apply(&mut self, seq: u64, c: Candidate<'_>) -> Result<(), Rejection> {
        self.check(c)?;
        self.commit(seq, c);
        Ok(())
    }

    /// The org, or `unknown_reference`.
    pub fn org(&self, id: &OrgId) -> Result<&Org, Rejection> {
        self.orgs
            .get(id)
            .map(|org| &**org)
            .ok_or_else(|| unknown("org", id.as_ref()))
    }

    pub fn agreement(&self, id: &AgreementId) -> Result<&Agreement, Rejection> {
        self.agreements
            .get(id)
            .map(|agreement| &**agreement)
            .ok_or_else(|| unknown("agreement", id.as_ref()))
    }

    /// Whether `authority` is an authority with jurisdiction over `region` (SPEC §3).
    pub fn has_jurisdiction(authority: &Org, region: &Region) -> bool {
        authority.is_authority() && authority.region.contains(region)
    }

    /// Whether `authority` has jurisdiction over one of the agreement's parties (SPEC §3).
    pub fn has_jurisdiction_over_agreement(&self, authority: &Org, agreement: &Agreement) -> bool {
        authority.is_authority()
            && agreement.parties.iter().any(|p| {
                self.orgs
                    .get(p)
                    .is_some_and(|org| authority.region.contains(&org.region))
            })
    }
}

fn check_genesis(c: Candidate<'_>, body: &LogGenesisBody) -> Result<(), GenesisError> {
    if c.statement.log != body.origin.as_ref() {
        return Err(GenesisError::Origin {
            statement: c.statement.log.clone(),
            body: body.origin.as_ref().to_string(),
        });
    }
    if c.statement.author != body.authority.org {
        return Err(GenesisError::Author {
            author: c.statement.author.to_string(),
            authority: body.authority.org.to_string(),
        });
    }
    let signer = c.signer();
    if !body.authority.keys.iter().any(|k| key_bytes(k) == signer) {
        return Err(GenesisError::Signer);
    }
    if c.accepted_at != c.statement.time {
        return Err(GenesisError::Time);
    }
    Ok(())
}

/// `unknown_reference` for a `kind` of id.
pub fn unknown(kind: &str, id: &str) -> Rejection {
    let kind_zh = match kind {
        "org" => "组织",
        "agreement" => "协议",
        "obligation" => "责任事项",
        "result" => "成果",
        "card" => "红黄牌",
        "need" => "需求",
        _ => kind,
    };
    Rejection::new(
        Code::UnknownReference,
        format!("{kind} {id} does not exist"),
        format!("{kind_zh} {id} 不存在"),
    )
}

/// `not_authorized` with an explanation.
pub fn not_authorized(detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Rejection {
    Rejection::new(Code::NotAuthorized, detail, detail_zh)
}

/// `invalid_transition` with an explanation.
pub fn transition(detail: impl Into<String>, detail_zh: impl AsRef<str>) -> Rejection {
    Rejection::new(Code::InvalidTransition, detail, detail_zh)
}

/// `duplicate_id` for a `kind` of id.
pub fn duplicate(kind: &str, id: &str) -> Rejection {
    Rejection::new(
        Code::DuplicateId,
        format!("{kind} {id} is already used"),
        format!("编号 {id} 已被使用"),
    )
}
