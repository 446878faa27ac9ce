//! A ledger built from real signed statements, fed to [`Projections`] one leaf at a time.
//!
//! Every statement is signed with a deterministic key (`[n; 32]`), wrapped in an entry and
//! folded through the state machine, so a fixture that breaks a rule fails loudly instead of
//! testing something the log could never hold.

use std::collections::HashMap;

use ed25519_dalek::SigningKey;
use pactlog_projections::Projections;
use pactlog_state::ReplayError;
use pactlog_statement::entry::Entry;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::ids::{PublicKey, VerifierKey};
use pactlog_statement::time::{Date, Timestamp};
use serde_json::{json, Value};

pub const LOG: &str = "pairings.example.gov.cn/test";
/// The root authority: the nation's, so it may register orgs in any province.
pub const ROOT: &str = "cn.zzb";

pub fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

pub struct Ledger {
    pub projections: Projections,
    pub leaves: Vec<Vec<u8>>,
    /// The date (UTC+8) of each leaf.
    pub dates: Vec<String>,
    keys: HashMap<String, SigningKey>,
    next_seed: u8,
    day: String,
    seconds: u32,
}

fn public(key: &SigningKey) -> String {
    PublicKey::from_bytes(key.verifying_key().to_bytes()).to_string()
}

impl Ledger {
    /// A log whose genesis is on 2025-01-01 (10:00 UTC+8).
    pub fn new() -> Ledger {
        let mut ledger = Ledger {
            projections: Projections::new(),
            leaves: Vec::new(),
            dates: Vec::new(),
            keys: HashMap::new(),
            next_seed: 1,
            day: "2025-01-01".into(),
            seconds: 0,
        };
        let key = ledger.new_key(ROOT);
        let checkpoint = SigningKey::from_bytes(&[250; 32])
            .verifying_key()
            .to_bytes();
        let body = json!({
            "origin": LOG,
            "checkpoint_key": VerifierKey::from_parts(LOG, &checkpoint).unwrap().to_string(),
            "max_skew_s": 300,
            "authority": {
                "org": ROOT,
                "name": "中共中央组织部（测试）",
                "region": "000000",
                "keys": [public(&key)]
            }
        });
        ledger.submit(ROOT, "log.genesis", body);
        ledger
    }

    fn new_key(&mut self, org: &str) -> SigningKey {
        let key = SigningKey::from_bytes(&[self.next_seed; 32]);
        self.next_seed += 1;
        self.keys.insert(org.to_string(), key.clone());
        key
    }

    /// Moves the clock to `day` (10:00 UTC+8); days never go back (SPEC §5).
    pub fn on(&mut self, day: &str) -> &mut Self {
        assert!(day >= self.day.as_str(), "{day} is before {}", self.day);
        if day != self.day {
            self.day = day.to_string();
            self.seconds = 0;
        }
        self
    }

    /// (time, accepted_at) of the next statement: one second apart, 02:00Z = 10:00 UTC+8.
    fn stamp(&mut self) -> (String, String) {
        let s = self.seconds;
        self.seconds += 1;
        let t = format!("{}T02:{:02}:{:02}", self.day, s / 60, s % 60);
        (format!("{t}Z"), format!("{t}.000Z"))
    }

    pub fn try_submit(
        &mut self,
        author: &str,
        kind: &str,
        body: Value,
    ) -> Result<u64, ReplayError> {
        let key = self.keys[author].clone();
        let (time, accepted_at) = self.stamp();
        let statement = json!({
            "log": LOG, "type": kind, "author": author, "time": time, "body": body
        });
        let envelope = Envelope::sign(&statement, &key).expect("signable");
        let seq = self.projections.tree_size();
        let entry = Entry {
            seq,
            accepted_at: Timestamp::parse_millis(&accepted_at).unwrap(),
            envelope,
        };
        let leaf = entry.leaf_data();
        self.projections.apply_leaf(&leaf)?;
        self.leaves.push(leaf);
        self.dates.push(self.day.clone());
        Ok(seq)
    }

    /// The projections of the log as it stood at the end of `day` (UTC+8): what a reader
    /// asking on that day was answered. Answers read the whole log they are given (SPEC §6
    /// compares dates with D, not when entries were logged), so a test of "how things stood
    /// on D" folds the log up to D.
    pub fn through(&self, day: &str) -> Projections {
        let mut projections = Projections::new();
        for (leaf, logged) in self.leaves.iter().zip(&self.dates) {
            if logged.as_str() <= day {
                projections.apply_leaf(leaf).expect("a logged entry folds");
            }
        }
        projections
    }

    pub fn submit(&mut self, author: &str, kind: &str, body: Value) -> u64 {
        self.try_submit(author, kind, body.clone())
            .unwrap_or_else(|e| panic!("{kind} by {author} ({body}): {e}"))
    }

    pub fn register(&mut self, org: &str, kind: &str, region: &str) -> &mut Self {
        let key = self.new_key(org);
        let mut body = json!({
            "org": org,
            "name": format!("{org} 党支部"),
            "kind": kind,
            "region": region,
            "keys": [public(&key)]
        });
        if kind == "enterprise" {
            body["ownership"] = json!("private");
        }
        self.submit(ROOT, "org.registered", body);
        self
    }

    /// Proposes version 1; the author is `parties[0]`.
    pub fn propose(
        &mut self,
        id: &str,
        kind: &str,
        parties: &[&str],
        term: (&str, &str),
        categories: &[&str],
        obligations: Value,
    ) -> &mut Self {
        let body = json!({
            "agreement": id,
            "version": 1,
            "kind": kind,
            "title": format!("{id} 结对共建协议"),
            "parties": parties,
            "term": { "start": term.0, "end": term.1 },
            "categories": categories,
            "goals": ["共建党建示范点1个"],
            "meetings": { "every": "quarter" },
            "obligations": obligations
        });
        self.submit(parties[0], "agreement.proposed", body);
        self
    }

    /// Amends to the next version with a new title and the same term, categories and
    /// obligations as the latest.
    pub fn amend(&mut self, author: &str, id: &str, title: &str) -> &mut Self {
        let state = self.projections.state().unwrap();
        let agreement = &state.agreements[id];
        let latest = agreement.latest();
        let body = json!({
            "agreement": id,
            "version": latest.version + 1,
            "supersedes": latest.statement.to_string(),
            "kind": agreement.kind,
            "title": title,
            "parties": agreement.parties,
            "term": latest.term,
            "categories": latest.categories,
            "goals": latest.goals,
            "meetings": latest.meetings,
            "obligations": latest.obligations
        });
        self.submit(author, "agreement.amended", body);
        self
    }

    /// Signs the latest version.
    pub fn sign(&mut self, party: &str, id: &str) -> &mut Self {
        let latest = self.projections.state().unwrap().agreements[id]
            .latest()
            .clone();
        let body = json!({
            "agreement": id, "version": latest.version, "terms": latest.statement.to_string()
        });
        self.submit(party, "agreement.signed", body);
        self
    }

    pub fn terminate(&mut self, by: &str, id: &str, effective: &str) -> &mut Self {
        let body = json!({ "agreement": id, "reason": "经双方协商终止", "effective": effective });
        self.submit(by, "agreement.terminated", body);
        self
    }

    #[allow(clippy::too_many_arguments)]
    pub fn report(
        &mut self,
        reporter: &str,
        result: &str,
        agreement: &str,
        obligation: Option<&str>,
        date: &str,
        category: &str,
        metrics: Value,
    ) -> &mut Self {
        let mut body = json!({
            "result": result,
            "agreement": agreement,
            "date": date,
            "category": category,
            "summary": "开展共建活动",
            "metrics": metrics,
            "evidence": []
        });
        if let Some(o) = obligation {
            body["obligation"] = json!(o);
        }
        self.submit(reporter, "result.reported", body);
        self
    }

    pub fn confirm(&mut self, party: &str, result: &str) -> &mut Self {
        self.submit(party, "result.confirmed", json!({ "result": result }));
        self
    }

    pub fn dispute(&mut self, party: &str, result: &str) -> &mut Self {
        self.submit(
            party,
            "result.disputed",
            json!({ "result": result, "reason": "与签到记录不符" }),
        );
        self
    }

    pub fn evaluate(&mut self, subject: Value, period: &str, grade: &str) -> &mut Self {
        let body = json!({
            "subject": subject, "period": period, "grade": grade, "score": 80, "comment": "评价意见"
        });
        self.submit(ROOT, "evaluation.recorded", body);
        self
    }

    pub fn card(
        &mut self,
        card: &str,
        color: &str,
        agreement: &str,
        obligation: Option<&str>,
    ) -> &mut Self {
        let mut body = json!({
            "card": card, "color": color, "agreement": agreement, "reason": "工作滞后"
        });
        if let Some(o) = obligation {
            body["obligation"] = json!(o);
        }
        self.submit(ROOT, "card.issued", body);
        self
    }

    pub fn lift(&mut self, card: &str) -> &mut Self {
        self.submit(
            ROOT,
            "card.lifted",
            json!({ "card": card, "reason": "已整改" }),
        );
        self
    }
}

/// One obligation's JSON.
pub fn obligation(id: &str, owner: &str, measure: Option<(&str, u64)>, due: Option<&str>) -> Value {
    let mut o = json!({
        "id": id, "owner": owner, "category": "party_building", "title": format!("{id} 责任事项")
    });
    if let Some((metric, target)) = measure {
        o["measure"] = json!({ "metric": metric, "target": target });
    }
    if let Some(due) = due {
        o["due"] = json!(due);
    }
    o
}
