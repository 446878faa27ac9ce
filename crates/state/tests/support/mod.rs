//! A small ledger for the state machine's tests: it starts a log from a `log.genesis`, keeps a
//! deterministic clock (each appended entry is accepted 1 s after the previous one), signs
//! statements with deterministic keys and submits them the way the sequencer does —
//! `Prepared::new` (checks 1–5, 7–8 held back), `decide` (checks 6–15), then `State::commit`
//! with the next seq — keeping the leaf data of every appended entry for replay.
//!
//! The organizations are a 连云港 (Lianyungang) 结对共建 setting under the 江苏省级机关工委
//! root authority, plus, in the national world, a 滁州 (Anhui) authority and village for
//! cross-province alliances.

// Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::sync::OnceLock;

use ed25519_dalek::SigningKey;
use pactlog_state::replay::Prepared;
use pactlog_state::{decide, Candidate, State, Verdict};
use pactlog_statement::entry::Entry;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::ids::{PublicKey, VerifierKey};
use pactlog_statement::rejection::Code;
use pactlog_statement::time::{Date, Timestamp};
use serde_json::{json, Value};

/// The log's origin (SPEC §5).
pub const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";
/// `max_skew_s` of the genesis (SPEC §3; what `pactlog init` writes by default).
pub const MAX_SKEW_S: i64 = 300;
/// accepted_at of the genesis: 2025-03-01 08:00 in China Standard Time.
pub const GENESIS_TIME: &str = "2025-03-01T00:00:00.000Z";
/// Seed of the checkpoint key named in the genesis.
const CHECKPOINT_KEY_SEED: u8 = 250;

/// The deterministic signing key number `n`.
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

/// The public key of [`key`]`(n)` as it is written in a body (SPEC §1: base64, 44 chars).
pub fn public(n: u8) -> String {
    PublicKey::from_bytes(key(n).verifying_key().to_bytes()).to_string()
}

/// An organization of the test world and its first key.
#[derive(Debug, Clone, Copy)]
pub struct OrgSpec {
    pub id: &'static str,
    pub name: &'static str,
    pub kind: &'static str,
    pub region: &'static str,
    pub key: u8,
    pub parent: Option<&'static str>,
    pub ownership: Option<&'static str>,
}

impl OrgSpec {
    pub fn key(&self) -> SigningKey {
        key(self.key)
    }

    pub fn public(&self) -> String {
        public(self.key)
    }

    /// The `org.registered` body that registers this org with its key.
    pub fn registration(&self) -> Value {
        let mut body = json!({
            "org": self.id,
            "name": self.name,
            "kind": self.kind,
            "region": self.region,
            "keys": [self.public()],
        });
        if let Some(parent) = self.parent {
            body["parent"] = json!(parent);
        }
        if let Some(ownership) = self.ownership {
            body["ownership"] = json!(ownership);
        }
        body
    }
}

const fn org(
    id: &'static str,
    name: &'static str,
    kind: &'static str,
    region: &'static str,
    key: u8,
) -> OrgSpec {
    OrgSpec {
        id,
        name,
        kind,
        region,
        key,
        parent: None,
        ownership: None,
    }
}

/// The root of the national world: the nation (`000000`) contains every region.
pub const NATION: OrgSpec = org(
    "cn.djgz",
    "全国党建工作登记机关（示例）",
    "authority",
    "000000",
    20,
);
/// The root authority of the Jiangsu world (a province).
pub const ROOT: OrgSpec = org(
    "js.jggw",
    "中共江苏省委省级机关工作委员会",
    "authority",
    "320000",
    1,
);
/// A city authority (not a province): registers orgs in 连云港 but no authority.
pub const CITY: OrgSpec = org(
    "js.lyg.jggw",
    "中共连云港市委市级机关工作委员会",
    "authority",
    "320700",
    2,
);
/// A county authority inside the city, registered by the root.
pub const COUNTY: OrgSpec = org(
    "js.lyg.hz.jggw",
    "中共连云港市海州区委区级机关工作委员会",
    "authority",
    "320706",
    7,
);
/// Another city authority of the same province, with no jurisdiction in 连云港.
pub const NANJING: OrgSpec = org(
    "js.nj.jggw",
    "中共南京市委市级机关工作委员会",
    "authority",
    "320100",
    8,
);
/// An organ party branch (机关党支部).
pub const ORGAN: OrgSpec = OrgSpec {
    parent: Some("js.lyg.jggw"),
    ..org(
        "js.lyg.fgw",
        "连云港市发展和改革委员会机关党支部",
        "organ",
        "320700",
        3,
    )
};
/// A second organ, for three-party agreements.
pub const ORGAN2: OrgSpec = OrgSpec {
    parent: Some("js.lyg.jggw"),
    ..org(
        "js.lyg.jtj",
        "连云港市交通运输局机关党委",
        "organ",
        "320700",
        9,
    )
};
pub const VILLAGE: OrgSpec = org(
    "js.lyg.v.nanxin",
    "连云港市连云区南新村党总支",
    "village",
    "320703",
    4,
);
pub const ENTERPRISE: OrgSpec = OrgSpec {
    ownership: Some("private"),
    ..org(
        "js.lyg.e.gangtong",
        "连云港港通物流有限公司党支部",
        "enterprise",
        "320703",
        5,
    )
};
pub const COMMUNITY: OrgSpec = org(
    "js.lyg.c.haitang",
    "连云港市海州区海棠社区党委",
    "community",
    "320706",
    6,
);
/// A city authority in another province (安徽省滁州市), national world only.
pub const ANHUI: OrgSpec = org(
    "ah.czs.jggw",
    "中共滁州市委市直机关工作委员会",
    "authority",
    "341100",
    10,
);
/// A village in 滁州市凤阳县, national world only.
pub const ANHUI_VILLAGE: OrgSpec = org(
    "ah.czs.v.xiaogang",
    "凤阳县小溪河镇小岗村党委",
    "village",
    "341126",
    11,
);
/// Never registered.
pub const STRANGER: OrgSpec = org("js.lyg.nobody", "未登记的党支部", "organ", "320700", 40);

/// The pairing agreement every world starts with, in force: 发改委机关党支部 ↔ 南新村党总支.
pub const AGREEMENT: &str = "lyg-2025-fgw-nanxin";
/// The term of [`AGREEMENT`] (and of agreements made with [`proposal`] by default).
pub const TERM: (&str, &str) = ("2025-01-01", "2026-12-31");

/// A statement ready to be signed: its JSON and the key that will sign it.
#[derive(Debug, Clone)]
pub struct Signed {
    pub key: SigningKey,
    pub statement: Value,
}

impl Signed {
    /// Signs with another key.
    pub fn key(mut self, key: SigningKey) -> Signed {
        self.key = key;
        self
    }

    /// Overrides the statement's `time`.
    pub fn time(mut self, time: &str) -> Signed {
        self.statement["time"] = json!(time);
        self
    }

    /// Sets the member at `pointer` (RFC 6901, relative to the statement; the parent must
    /// exist), e.g. `/body/parent`.
    pub fn set(mut self, pointer: &str, value: Value) -> Signed {
        let (parent, last) = pointer.rsplit_once('/').expect("pointer");
        let Some(target) = self.statement.pointer_mut(parent) else {
            panic!("no {parent} in the statement");
        };
        match target {
            Value::Object(map) => {
                map.insert(last.to_string(), value);
            }
            Value::Array(items) => items[last.parse::<usize>().expect("index")] = value,
            _ => panic!("cannot set {pointer}"),
        }
        self
    }

    pub fn envelope(&self) -> Envelope {
        Envelope::sign(&self.statement, &self.key).expect("the test statement signs")
    }
}

/// A log being written: its state, the leaf data of its entries and its clock.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub state: State,
    /// Leaf data of every entry, genesis first; `leaves[seq]`.
    pub leaves: Vec<Vec<u8>>,
    /// The envelope of every entry; `envelopes[seq]`.
    pub envelopes: Vec<Envelope>,
    /// accepted_at of the next entry, in unix milliseconds.
    next_ms: i64,
}

fn unix_ms(time: &str) -> i64 {
    Timestamp::parse(time)
        .unwrap_or_else(|e| panic!("{time}: {e:?}"))
        .unix_millis()
}

/// A time as a statement writes it: whole seconds without a fraction, else 3 digits.
pub fn statement_time(unix_ms: i64) -> String {
    let millis = Timestamp::from_unix_millis(unix_ms)
        .expect("time in range")
        .format_millis();
    match millis.strip_suffix(".000Z") {
        Some(seconds) => format!("{seconds}Z"),
        None => millis,
    }
}

/// The genesis statement of a log whose root authority is `root`.
pub fn genesis_statement(root: &OrgSpec, time: &str) -> Value {
    let checkpoint_key =
        VerifierKey::from_parts(ORIGIN, &key(CHECKPOINT_KEY_SEED).verifying_key().to_bytes())
            .expect("verifier key");
    json!({
        "log": ORIGIN,
        "type": "log.genesis",
        "author": root.id,
        "time": time,
        "body": {
            "origin": ORIGIN,
            "checkpoint_key": checkpoint_key.to_string(),
            "max_skew_s": MAX_SKEW_S,
            "authority": {
                "org": root.id,
                "name": root.name,
                "region": root.region,
                "keys": [root.public()],
            }
        }
    })
}

impl Ledger {
    /// A log with only its genesis, whose root authority is `root`.
    pub fn genesis(root: &OrgSpec) -> Ledger {
        let at = Timestamp::parse_millis(GENESIS_TIME).expect("genesis time");
        let statement = genesis_statement(root, &statement_time(at.unix_millis()));
        let envelope = Envelope::sign(&statement, &root.key()).expect("genesis signs");
        let parsed = envelope.statement().expect("the genesis is valid");
        let state = State::from_genesis(
            0,
            Candidate {
                envelope: &envelope,
                statement: &parsed,
                accepted_at: at,
            },
        )
        .expect("genesis");
        let leaf = Entry {
            seq: 0,
            accepted_at: at,
            envelope: envelope.clone(),
        }
        .leaf_data();
        Ledger {
            state,
            leaves: vec![leaf],
            envelopes: vec![envelope],
            next_ms: at.unix_millis() + 1000,
        }
    }

    /// Genesis only, root authority 江苏省级机关工委 (`js.jggw`, `320000`).
    pub fn jiangsu() -> Ledger {
        Ledger::genesis(&ROOT)
    }

    /// The Jiangsu world: [`Ledger::jiangsu`], the orgs of 连云港 and 南京, and
    /// [`AGREEMENT`] signed by both parties (in force).
    pub fn world() -> Ledger {
        static WORLD: OnceLock<Ledger> = OnceLock::new();
        WORLD
            .get_or_init(|| {
                let mut l = Ledger::jiangsu();
                l.populate_jiangsu();
                l
            })
            .clone()
    }

    /// The national world: root `000000`, which registers 江苏省级机关工委 (then a provincial
    /// authority that is not the root) and 滁州市直机关工委; then the Jiangsu world and
    /// 小岗村.
    pub fn national() -> Ledger {
        static WORLD: OnceLock<Ledger> = OnceLock::new();
        WORLD
            .get_or_init(|| {
                let mut l = Ledger::genesis(&NATION);
                l.register(&NATION, &ROOT);
                l.register(&NATION, &ANHUI);
                l.register(&ANHUI, &ANHUI_VILLAGE);
                l.populate_jiangsu();
                l
            })
            .clone()
    }

    fn populate_jiangsu(&mut self) {
        self.register(&ROOT, &CITY);
        self.register(&ROOT, &COUNTY);
        self.register(&ROOT, &NANJING);
        for org in [&ORGAN, &ORGAN2, &VILLAGE, &ENTERPRISE] {
            self.register(&CITY, org);
        }
        self.register(&COUNTY, &COMMUNITY);
        self.propose(&ORGAN, AGREEMENT, "pairing", &[&ORGAN, &VILLAGE]);
        self.sign_all(AGREEMENT);
    }

    // -----------------------------------------------------------------------------------------
    // Clock

    /// accepted_at of the next entry.
    pub fn accepted_at(&self) -> Timestamp {
        Timestamp::from_unix_millis(self.next_ms).expect("clock in range")
    }

    /// The next entry's accepted_at as a statement `time`.
    pub fn time(&self) -> String {
        statement_time(self.next_ms)
    }

    /// The next entry's accepted_at shifted by `ms` milliseconds, as a statement `time`.
    pub fn time_offset_ms(&self, ms: i64) -> String {
        statement_time(self.next_ms + ms)
    }

    /// The date of the next entry (SPEC §1: its accepted_at in UTC+8).
    pub fn today(&self) -> Date {
        self.accepted_at().date_cst()
    }

    /// The date `days` after the next entry's date, as written in a body.
    pub fn day(&self, days: i64) -> String {
        self.today().add_days(days).to_string()
    }

    /// Moves the clock forward by `s` seconds.
    pub fn advance_s(&mut self, s: i64) {
        assert!(s >= 0, "accepted_at never decreases (SPEC §5)");
        self.next_ms += s * 1000;
    }

    /// Sets the next accepted_at (never earlier than the last entry's).
    pub fn set_clock(&mut self, time: &str) {
        let ms = unix_ms(time);
        assert!(ms >= self.state.last_accepted_at.unix_millis());
        self.next_ms = ms;
    }

    // -----------------------------------------------------------------------------------------
    // Statements and submission

    /// A statement by `author`, timed at the next accepted_at, signed with the author's key.
    pub fn stmt(&self, author: &OrgSpec, statement_type: &str, body: Value) -> Signed {
        self.stmt_by(author.id, author.key(), statement_type, body)
    }

    /// A statement by the org `author`, signed with `key`.
    pub fn stmt_by(
        &self,
        author: &str,
        key: SigningKey,
        statement_type: &str,
        body: Value,
    ) -> Signed {
        Signed {
            key,
            statement: json!({
                "log": ORIGIN,
                "type": statement_type,
                "author": author,
                "time": self.time(),
                "body": body,
            }),
        }
    }

    /// Signs `statement` with `key` and submits it.
    pub fn submit(&mut self, key: &SigningKey, statement: &Value) -> Verdict {
        let envelope = Envelope::sign(statement, key).expect("the test statement signs");
        self.submit_envelope(&envelope)
    }

    pub fn submit_signed(&mut self, signed: &Signed) -> Verdict {
        self.submit(&signed.key, &signed.statement)
    }

    /// Submits an envelope as the sequencer does: checks 1–5 on its bytes, then checks 6–15
    /// at the next accepted_at; an accepted statement is committed as the next entry and
    /// the clock moves on by one second.
    pub fn submit_envelope(&mut self, envelope: &Envelope) -> Verdict {
        self.submit_bytes(envelope.to_canonical_json().as_bytes())
    }

    /// Submits the bytes of a request body.
    pub fn submit_bytes(&mut self, body: &[u8]) -> Verdict {
        let prepared = match Prepared::new(body, self.state.origin()) {
            Ok(prepared) => prepared,
            Err(rejection) => return Verdict::Reject(rejection),
        };
        let accepted_at = self.accepted_at();
        let verdict = decide(&self.state, &prepared, accepted_at);
        if verdict == Verdict::Accept {
            let statement = prepared
                .statement
                .as_ref()
                .expect("accepted statements parse");
            let seq = self.state.size;
            self.state.commit(
                seq,
                Candidate {
                    envelope: &prepared.envelope,
                    statement,
                    accepted_at,
                },
            );
            self.leaves.push(
                Entry {
                    seq,
                    accepted_at,
                    envelope: prepared.envelope.clone(),
                }
                .leaf_data(),
            );
            self.envelopes.push(prepared.envelope);
            self.next_ms += 1000;
        }
        verdict
    }

    /// Submits a statement that must be accepted; returns its statement id (hex).
    pub fn ok(&mut self, author: &OrgSpec, statement_type: &str, body: Value) -> String {
        let signed = self.stmt(author, statement_type, body);
        self.ok_signed(&signed)
    }

    pub fn ok_signed(&mut self, signed: &Signed) -> String {
        let verdict = self.submit_signed(signed);
        assert_eq!(
            verdict,
            Verdict::Accept,
            "setup statement refused: {}",
            signed.statement
        );
        self.envelopes.last().expect("appended").id().to_string()
    }

    /// The statement id (hex) of the last entry.
    pub fn last_id(&self) -> String {
        self.envelopes.last().expect("genesis").id().to_string()
    }

    // -----------------------------------------------------------------------------------------
    // Common acts (each must be accepted)

    pub fn register(&mut self, by: &OrgSpec, org: &OrgSpec) {
        self.ok(by, "org.registered", org.registration());
    }

    /// The root dissolves `org` (`org.updated` with `dissolved: true`), by an authority over
    /// it: the registrar of the world.
    pub fn dissolve(&mut self, org: &OrgSpec) {
        let by = if org.region.starts_with("34") {
            &ANHUI
        } else {
            &ROOT
        };
        self.ok(by, "org.updated", json!({"org": org.id, "dissolved": true}));
    }

    /// `by` proposes `agreement` among `parties` with the default [`TERM`]; returns the
    /// proposal's statement id.
    pub fn propose(
        &mut self,
        by: &OrgSpec,
        agreement: &str,
        kind: &str,
        parties: &[&OrgSpec],
    ) -> String {
        let ids: Vec<&str> = parties.iter().map(|p| p.id).collect();
        self.ok(
            by,
            "agreement.proposed",
            proposal(agreement, kind, &ids, TERM),
        )
    }

    /// Every party that has not signed the latest version signs it.
    pub fn sign_all(&mut self, agreement: &str) {
        let a = &self.state.agreements[agreement];
        let missing: Vec<String> = a
            .parties
            .iter()
            .filter(|p| !a.latest().signatures.contains_key(*p))
            .map(|p| p.to_string())
            .collect();
        for party in missing {
            let body = signature(self, agreement);
            let key = self.key_of(&party);
            let signed = self.stmt_by(&party, key, "agreement.signed", body);
            self.ok_signed(&signed);
        }
    }

    /// `by` proposes `agreement` and every other party signs: in force.
    pub fn agree(&mut self, by: &OrgSpec, agreement: &str, kind: &str, parties: &[&OrgSpec]) {
        self.propose(by, agreement, kind, parties);
        self.sign_all(agreement);
    }

    /// `by` amends `agreement` with [`amendment`]; returns the amendment's statement id.
    pub fn amend(&mut self, by: &OrgSpec, agreement: &str) -> String {
        let body = amendment(self, agreement);
        self.ok(by, "agreement.amended", body)
    }

    /// `by` reports `result` on `agreement`, against `obligation`, dated today.
    pub fn report(&mut self, by: &OrgSpec, result: &str, agreement: &str, obligation: &str) {
        let body = result_body(result, agreement, Some(obligation), &self.day(0));
        self.ok(by, "result.reported", body);
    }

    /// 南新村 posts `need` (no agreement named).
    pub fn post_need(&mut self, need: &str) {
        self.ok(&VILLAGE, "need.posted", need_body(need, None));
    }

    /// The first key of a world org.
    pub fn key_of(&self, org: &str) -> SigningKey {
        [
            NATION,
            ROOT,
            CITY,
            COUNTY,
            NANJING,
            ORGAN,
            ORGAN2,
            VILLAGE,
            ENTERPRISE,
            COMMUNITY,
            ANHUI,
            ANHUI_VILLAGE,
            STRANGER,
        ]
        .iter()
        .find(|o| o.id == org)
        .unwrap_or_else(|| panic!("{org} is not a world org"))
        .key()
    }

    /// The statement id (hex) of the latest version of `agreement`.
    pub fn terms(&self, agreement: &str) -> String {
        self.state.agreements[agreement]
            .latest()
            .statement
            .to_string()
    }

    pub fn latest_version(&self, agreement: &str) -> u64 {
        self.state.agreements[agreement].latest().version
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies (SPEC §4.1)

/// An `agreement.proposed` body: obligations "visits" (owed by the first party, measured,
/// due at the end of the term) and "theme-day" (owed by the second).
pub fn proposal(agreement: &str, kind: &str, parties: &[&str], term: (&str, &str)) -> Value {
    json!({
        "agreement": agreement,
        "version": 1,
        "kind": kind,
        "title": "机关党支部与村党组织结对共建协议",
        "parties": parties,
        "term": {"start": term.0, "end": term.1},
        "categories": ["party_building", "livelihood"],
        "goals": ["共建党建示范点1个", "村集体年增收10万元"],
        "meetings": {"every": "quarter"},
        "obligations": [
            {
                "id": "visits",
                "owner": parties[0],
                "category": "party_building",
                "title": "每季度走访调研不少于2次",
                "measure": {"metric": "visits", "target": 8},
                "due": term.1
            },
            {
                "id": "theme-day",
                "owner": parties[1],
                "category": "party_building",
                "title": "每季度联合开展主题党日活动"
            }
        ]
    })
}

/// The next amendment of `agreement` as the state knows it: version latest + 1, superseding
/// the latest version, same kind, parties and term, with an added obligation "training".
pub fn amendment(l: &Ledger, agreement: &str) -> Value {
    let a = &l.state.agreements[agreement];
    let latest = a.latest();
    let mut obligations = serde_json::to_value(&latest.obligations).expect("obligations");
    if latest
        .obligation(&"training".parse().expect("id"))
        .is_none()
    {
        obligations.as_array_mut().expect("array").push(json!({
            "id": "training",
            "owner": a.parties[0],
            "category": "talent",
            "title": "培训村级后备干部10名"
        }));
    }
    json!({
        "agreement": agreement,
        "version": latest.version + 1,
        "supersedes": latest.statement.to_string(),
        "kind": a.kind,
        "title": "结对共建协议（修订）",
        "parties": a.parties,
        "term": latest.term,
        "categories": ["party_building", "livelihood", "talent"],
        "goals": ["培训村级后备干部10名"],
        "meetings": {"every": "month"},
        "obligations": obligations
    })
}

/// An `agreement.signed` body for the latest version of `agreement`.
pub fn signature(l: &Ledger, agreement: &str) -> Value {
    json!({
        "agreement": agreement,
        "version": l.latest_version(agreement),
        "terms": l.terms(agreement),
    })
}

pub fn termination(agreement: &str, effective: &str) -> Value {
    json!({
        "agreement": agreement,
        "reason": "村庄撤并，经双方协商终止结对关系",
        "effective": effective,
    })
}

pub fn result_body(result: &str, agreement: &str, obligation: Option<&str>, date: &str) -> Value {
    let mut body = json!({
        "result": result,
        "agreement": agreement,
        "date": date,
        "category": "party_building",
        "summary": "走访南新村农户12户，收集意见建议5条，\n协调解决村道照明问题1个。",
        "metrics": {"visits": 12, "suggestions": 5, "problems_solved": 1},
        "evidence": [{"sha256": "5e".repeat(32), "media_type": "image/jpeg"}],
    });
    if let Some(obligation) = obligation {
        body["obligation"] = json!(obligation);
    }
    body
}

pub fn review(result: &str) -> Value {
    json!({"result": result})
}

pub fn dispute(result: &str) -> Value {
    json!({"result": result, "reason": "走访人次与村委会签到记录不符"})
}

pub fn evaluation(subject: Value) -> Value {
    json!({
        "subject": subject,
        "period": "2025-H1",
        "grade": "good",
        "score": 86,
        "comment": "走访调研扎实，增收项目推进需加快。",
    })
}

pub fn card(card: &str, agreement: &str, obligation: Option<&str>) -> Value {
    let mut body = json!({
        "card": card,
        "color": "yellow",
        "agreement": agreement,
        "reason": "连续两个季度未开展走访调研",
    });
    if let Some(obligation) = obligation {
        body["obligation"] = json!(obligation);
    }
    body
}

pub fn lift(card: &str) -> Value {
    json!({"card": card, "reason": "已完成整改，恢复正常走访"})
}

pub fn need_body(need: &str, agreement: Option<&str>) -> Value {
    let mut body = json!({
        "need": need,
        "title": "村卫生室需要义诊志愿服务",
        "category": "livelihood",
        "description": "南新村老年人较多，希望结对单位组织义诊志愿服务。",
    });
    if let Some(agreement) = agreement {
        body["agreement"] = json!(agreement);
    }
    body
}

pub fn need_ref(need: &str) -> Value {
    json!({"need": need})
}

pub fn fulfilment(need: &str) -> Value {
    json!({
        "need": need,
        "summary": "组织党员医生开展义诊一次，服务群众40人。",
        "metrics": {"beneficiaries": 40, "volunteer_hours": 16},
    })
}

pub fn closing(need: &str) -> Value {
    json!({"need": need, "satisfied": true, "rating": 5})
}

/// The code of a rejection, or `None` for any other verdict.
pub fn code_of(verdict: &Verdict) -> Option<Code> {
    match verdict {
        Verdict::Reject(rejection) => Some(rejection.code),
        _ => None,
    }
}
