//! The JSON Schemas of the bodies (SPEC §2, §4.2): draft 2020-12, generated from the Rust
//! types with schemars, published at `/v1/schemas/{type}` and kept in `schemas/<type>.json`
//! (regenerate with `PACTLOG_UPDATE_SCHEMAS=1 cargo test -p pactlog-statement --test schemas`).
//!
//! The types carry their own constraints (`pattern`, lengths, bounds, `uniqueItems`, the
//! party count per kind as `if`/`then`, `dependentSchemas` for `ownership`, `anyOf` for an
//! `org.updated`); this module only names the schema (`$id`, `title`) and adds an example.
//! What JSON Schema cannot say (a due date within the term, owners among the parties, unique
//! obligation ids, `start ≤ end`, the checkpoint key named after the origin) is checked by
//! `BodyRules::validate` only; SPEC §4.2 says the rules of SPEC win where the two differ.

use ed25519_dalek::SigningKey;
use schemars::generate::SchemaSettings;
use serde_json::{json, Value};

use crate::ids::{PublicKey, VerifierKey};
use crate::statement::StatementType;

/// The JSON Schema dialect of every body schema (SPEC §2: draft 2020-12).
pub const DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// The `$id` of a body schema: a URN, so the id does not depend on where a log is served.
pub fn schema_id(t: StatementType) -> String {
    format!("urn:pactlog:schema:{t}")
}

/// The JSON Schema of the body of `t`.
pub fn body_schema(t: StatementType) -> Value {
    let generator = SchemaSettings::draft2020_12().into_generator();
    let mut schema = t.derived_body_schema(generator);
    // schemars names a root schema after its Rust type; the published name is the type's.
    schema.insert("$schema".into(), DIALECT.into());
    schema.insert("$id".into(), schema_id(t).into());
    schema.insert("title".into(), t.as_str().into());
    schema.insert("examples".into(), json!([example_body(t)]));
    schema.to_value()
}

/// `value` with every object's members in sorted order, whatever `serde_json`'s map type:
/// the golden files must not change if some crate turns on `serde_json/preserve_order`.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(String, Value)> = map.into_iter().collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(members.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The file `schemas/<type>.json`: the schema pretty-printed with sorted members and a
/// trailing newline.
pub fn body_schema_file(t: StatementType) -> String {
    // A `Value` always serializes.
    let mut text = serde_json::to_string_pretty(&sorted(body_schema(t))).unwrap_or_default();
    text.push('\n');
    text
}

/// The origin the examples use.
pub const EXAMPLE_LOG: &str = "pairings.example.gov.cn/jiangsu";
/// The time the examples use.
pub const EXAMPLE_TIME: &str = "2025-03-01T10:00:00Z";

/// A deterministic example key: the Ed25519 public key of the seed `[n; 32]`.
pub fn example_key(n: u8) -> PublicKey {
    PublicKey::from_bytes(SigningKey::from_bytes(&[n; 32]).verifying_key().to_bytes())
}

/// A deterministic statement id for examples.
fn example_id(n: u8) -> String {
    hex::encode([n; 32])
}

/// A valid example body of `t`: a 结对共建 agreement between 连云港市发改委机关党支部
/// (`js.lyg.fgw`) and 南新村党总支 (`js.lyg.v.nanxin`), with the acts around it.
pub fn example_body(t: StatementType) -> Value {
    let agreement = "lyg-2025-fgw-nanxin";
    let obligations = json!([
        {
            "id": "visits",
            "owner": "js.lyg.fgw",
            "category": "party_building",
            "title": "每季度走访调研不少于2次",
            "measure": { "metric": "visits", "target": 8 },
            "due": "2026-02-28"
        },
        {
            "id": "income",
            "owner": "js.lyg.fgw",
            "category": "livelihood",
            "title": "协调引进增收项目，助力村集体增收10万元",
            "measure": { "metric": "collective_income_cny", "target": 100000 },
            "due": "2025-12-31"
        },
        {
            "id": "theme-day",
            "owner": "js.lyg.v.nanxin",
            "category": "party_building",
            "title": "每季度联合开展主题党日活动"
        }
    ]);
    match t {
        StatementType::LogGenesis => json!({
            "origin": EXAMPLE_LOG,
            // Derived from a fixed example key, so always well formed.
            "checkpoint_key": VerifierKey::from_parts(EXAMPLE_LOG, &example_key(100).as_bytes())
                .map(|k| k.to_string())
                .unwrap_or_default(),
            "max_skew_s": 300,
            "authority": {
                "org": "js.zzb",
                "name": "中共江苏省委组织部",
                "region": "320000",
                "keys": [example_key(1).to_string()]
            }
        }),
        StatementType::OrgRegistered => json!({
            "org": "js.lyg.fgw",
            "name": "连云港市发展和改革委员会机关党支部",
            "kind": "organ",
            "region": "320700",
            "keys": [example_key(2).to_string()],
            "parent": "js.lyg.jggw"
        }),
        StatementType::OrgUpdated => json!({
            "org": "js.lyg.v.nanxin",
            "name": "连云港市海州区南新村党总支"
        }),
        StatementType::KeyAdded => json!({
            "org": "js.lyg.fgw",
            "key": example_key(3).to_string()
        }),
        StatementType::KeyRevoked => json!({
            "org": "js.lyg.fgw",
            "key": example_key(2).to_string(),
            "reason": "经办人员岗位调整，原签名密钥停用"
        }),
        StatementType::AgreementProposed => json!({
            "agreement": agreement,
            "version": 1,
            "kind": "pairing",
            "title": "连云港市发改委机关党支部与南新村党总支结对共建协议",
            "parties": ["js.lyg.fgw", "js.lyg.v.nanxin"],
            "term": { "start": "2025-03-01", "end": "2026-02-28" },
            "categories": ["party_building", "livelihood"],
            "goals": ["共建党建示范点1个", "村集体年增收10万元"],
            "meetings": { "every": "quarter" },
            "obligations": obligations
        }),
        StatementType::AgreementAmended => json!({
            "agreement": agreement,
            "version": 2,
            "supersedes": example_id(0xa1),
            "kind": "pairing",
            "title": "连云港市发改委机关党支部与南新村党总支结对共建协议（2025年修订）",
            "parties": ["js.lyg.fgw", "js.lyg.v.nanxin"],
            "term": { "start": "2025-03-01", "end": "2026-02-28" },
            "categories": ["party_building", "livelihood", "talent"],
            "goals": ["共建党建示范点1个", "村集体年增收10万元", "培训村级后备干部10名"],
            "meetings": { "every": "quarter" },
            "obligations": obligations
        }),
        StatementType::AgreementSigned => json!({
            "agreement": agreement,
            "version": 1,
            "terms": example_id(0xa1)
        }),
        StatementType::AgreementTerminated => json!({
            "agreement": agreement,
            "reason": "村庄撤并，经双方协商终止结对关系",
            "effective": "2026-01-01"
        }),
        StatementType::ResultReported => json!({
            "result": "lyg-2025-fgw-nanxin-r1",
            "agreement": agreement,
            "obligation": "visits",
            "date": "2025-03-18",
            "category": "party_building",
            "summary": "走访南新村农户12户，收集意见建议5条，\n协调解决村道照明问题1个。",
            "metrics": { "visits": 12, "suggestions": 5, "problems_solved": 1 },
            "evidence": [
                { "sha256": example_id(0x5e), "media_type": "image/jpeg" }
            ]
        }),
        StatementType::ResultConfirmed => json!({ "result": "lyg-2025-fgw-nanxin-r1" }),
        StatementType::ResultDisputed => json!({
            "result": "lyg-2025-fgw-nanxin-r1",
            "reason": "走访人次与村委会签到记录不符"
        }),
        StatementType::EvaluationRecorded => json!({
            "subject": { "agreement": agreement },
            "period": "2025-H1",
            "grade": "good",
            "score": 86,
            "comment": "走访调研扎实，增收项目推进需加快。"
        }),
        StatementType::CardIssued => json!({
            "card": "lyg-2025-card-001",
            "color": "yellow",
            "agreement": agreement,
            "obligation": "income",
            "reason": "半年未报告增收项目进展"
        }),
        StatementType::CardLifted => json!({
            "card": "lyg-2025-card-001",
            "reason": "已提交整改报告，增收项目落地"
        }),
        StatementType::NeedPosted => json!({
            "need": "nanxin-2025-001",
            "title": "村文化广场路灯维修",
            "category": "livelihood",
            "description": "村文化广场6盏路灯损坏，\n群众夜间活动不便。",
            "agreement": agreement
        }),
        StatementType::NeedClaimed => json!({ "need": "nanxin-2025-001" }),
        StatementType::NeedFulfilled => json!({
            "need": "nanxin-2025-001",
            "summary": "协调供电所更换广场路灯6盏。",
            "metrics": { "beneficiaries": 800, "x-lights_repaired": 6 }
        }),
        StatementType::NeedClosed => json!({
            "need": "nanxin-2025-001",
            "satisfied": true,
            "rating": 5
        }),
    }
}

/// The org that would write the example of `t` (an authority, a party, or the village).
pub fn example_author(t: StatementType) -> &'static str {
    match t {
        StatementType::LogGenesis => "js.zzb",
        StatementType::OrgRegistered | StatementType::OrgUpdated => "js.lyg.zzb",
        StatementType::EvaluationRecorded
        | StatementType::CardIssued
        | StatementType::CardLifted => "js.lyg.zzb",
        StatementType::NeedPosted | StatementType::NeedClosed | StatementType::ResultDisputed => {
            "js.lyg.v.nanxin"
        }
        StatementType::ResultConfirmed => "js.lyg.v.nanxin",
        _ => "js.lyg.fgw",
    }
}

/// A valid example statement of `t` (SPEC §2), as a JSON value.
pub fn example_statement(t: StatementType) -> Value {
    json!({
        "log": EXAMPLE_LOG,
        "type": t.as_str(),
        "author": example_author(t),
        "time": EXAMPLE_TIME,
        "body": example_body(t)
    })
}
