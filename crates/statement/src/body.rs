//! The bodies of SPEC §4.1, one struct per statement type.
//!
//! Shape rules (members, types, lengths, bounds) are enforced while deserializing, so a serde
//! error's path is the `pointer` of the `schema` rejection. The rules that relate members to
//! each other and need nothing but the statement (SPEC §4: party count for the kind, distinct
//! parties, `start ≤ end`, dues within the term, owners among the parties, unique obligation
//! ids; and from §4.1 distinct categories and keys, `ownership` only for enterprises, an
//! `org.updated` that updates something) are checked by [`BodyRules::validate`], each a
//! `schema` rejection pointing at one of the members involved.
//!
//! Every constraint JSON Schema can express is also in the derived schema (see `schema.rs`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Deref;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{json, Value};

use crate::ids::{
    AgreementId, AgreementKind, AmendedVersion, CardColor, CardId, Category, Comment, Description,
    Goal, Grade, InvalidValue, LogOrigin, MaxSkewS, MediaType, MeetingEvery, MetricKey,
    MetricValue, Name, NeedId, ObligationId, OrgId, OrgKind, Ownership, Period, ProposedVersion,
    PublicKey, Rating, Reason, Region, ResultId, Score, Sha256Hex, StatementId, Summary, Target,
    Title, True, VerifierKey, Version,
};
use crate::rejection::Rejection;
use crate::time::Date;

/// Keys of an org: at least one to act with, at most 8 (SPEC §4.1) so a key list stays small.
pub const KEYS_MIN: usize = 1;
pub const KEYS_MAX: usize = 8;
/// Parties of an agreement (SPEC §4.1): a pair at least, an alliance of at most 64.
pub const PARTIES_MIN: usize = 2;
pub const PARTIES_MAX: usize = 64;
/// Categories of an agreement: 1 to all 7 (SPEC §4.1).
pub const CATEGORIES_MIN: usize = 1;
pub const CATEGORIES_MAX: usize = 7;
/// Goals of an agreement: 0–20 (SPEC §4.1).
pub const GOALS_MAX: usize = 20;
/// Obligations of an agreement: 1–200 (SPEC §4.1); an agreement promises something.
pub const OBLIGATIONS_MIN: usize = 1;
pub const OBLIGATIONS_MAX: usize = 200;
/// Members of a `metrics` map: 0–32 (SPEC §4.1).
pub const METRICS_MAX: usize = 32;
/// Evidence items of a result: 0–20 (SPEC §4.1).
pub const EVIDENCE_MAX: usize = 20;

// ---------------------------------------------------------------------------------------------
// Building blocks

/// A list of `MIN..=MAX` items (SPEC §4.1 array bounds). Deserializing a list of another
/// length fails at the list's own path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BoundedVec<T, const MIN: usize, const MAX: usize>(Vec<T>);

impl<T, const MIN: usize, const MAX: usize> BoundedVec<T, MIN, MAX> {
    pub fn new(items: Vec<T>) -> Result<Self, InvalidValue> {
        if (MIN..=MAX).contains(&items.len()) {
            Ok(BoundedVec(items))
        } else {
            Err(InvalidValue::new(
                format!("must have from {MIN} to {MAX} items, not {}", items.len()),
                format!("元素个数应为 {MIN} 至 {MAX} 个，实际为 {} 个", items.len()),
            ))
        }
    }

    pub fn as_slice(&self) -> &[T] {
        &self.0
    }

    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T, const MIN: usize, const MAX: usize> Deref for BoundedVec<T, MIN, MAX> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T, const MIN: usize, const MAX: usize> TryFrom<Vec<T>> for BoundedVec<T, MIN, MAX> {
    type Error = InvalidValue;
    fn try_from(items: Vec<T>) -> Result<Self, InvalidValue> {
        BoundedVec::new(items)
    }
}

impl<'a, T, const MIN: usize, const MAX: usize> IntoIterator for &'a BoundedVec<T, MIN, MAX> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl<T: Serialize, const MIN: usize, const MAX: usize> Serialize for BoundedVec<T, MIN, MAX> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>, const MIN: usize, const MAX: usize> Deserialize<'de>
    for BoundedVec<T, MIN, MAX>
{
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Bodies are at most 64 000 bytes (SPEC §1), so reading the whole list before
        // counting it is bounded.
        BoundedVec::new(Vec::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
    }
}

impl<T: JsonSchema, const MIN: usize, const MAX: usize> JsonSchema for BoundedVec<T, MIN, MAX> {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> Cow<'static, str> {
        format!("Array{MIN}to{MAX}_of_{}", T::schema_name()).into()
    }
    fn schema_id() -> Cow<'static, str> {
        format!("pactlog::BoundedVec<{}, {MIN}, {MAX}>", T::schema_id()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "array",
            "items": generator.subschema_for::<T>(),
            "minItems": MIN,
            "maxItems": MAX
        })
    }
}

/// Deserializes a member that is present into `Some`: an optional member (SPEC §4.1 `?`) is
/// either absent or a valid value; `null` is not a value of any member.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// Metric totals (SPEC §4.1): 0–32 members, each key standard or `x-…`, each value an integer
/// ≥ 0. Sorted by key, as in canonical JSON (metric keys are ASCII).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Metrics(BTreeMap<MetricKey, MetricValue>);

impl Metrics {
    pub fn new(map: BTreeMap<MetricKey, MetricValue>) -> Result<Self, InvalidValue> {
        if map.len() <= METRICS_MAX {
            Ok(Metrics(map))
        } else {
            Err(InvalidValue::new(
                format!("must have at most {METRICS_MAX} members, not {}", map.len()),
                format!("成员不得超过 {METRICS_MAX} 个，实际为 {} 个", map.len()),
            ))
        }
    }

    pub fn get(&self, key: &str) -> Option<u64> {
        self.0.get(key).map(|v| v.get())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&MetricKey, u64)> {
        self.0.iter().map(|(k, v)| (k, v.get()))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> Deserialize<'de> for Metrics {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Metrics::new(BTreeMap::deserialize(deserializer)?).map_err(InvalidValue::into_serde)
    }
}

impl JsonSchema for Metrics {
    fn schema_name() -> Cow<'static, str> {
        "Metrics".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        // The one kind of object whose members are open (SPEC §4.2): keys are constrained by
        // `propertyNames`, values by `additionalProperties`.
        json_schema!({
            "type": "object",
            "propertyNames": generator.subschema_for::<MetricKey>(),
            "additionalProperties": generator.subschema_for::<MetricValue>(),
            "maxProperties": METRICS_MAX
        })
    }
}

/// An agreement's term (SPEC §4.1), both dates inclusive (SPEC §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub start: Date,
    pub end: Date,
}

impl Term {
    /// Whether `date` is within the term: `start ≤ date ≤ end` (SPEC §1).
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }
}

/// How often the parties hold joint meetings (联席会议, SPEC §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Meetings {
    pub every: MeetingEvery,
}

/// What makes an obligation met (SPEC §6): the sum of `metric` over confirmed results reaches
/// `target`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub metric: MetricKey,
    /// An integer > 0.
    pub target: Target,
}

/// One promise of an agreement (SPEC §4.1), e.g. "每季度走访调研不少于2次".
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Obligation {
    /// Unique within the agreement.
    pub id: ObligationId,
    /// The party that owes it; one of the agreement's parties.
    pub owner: OrgId,
    pub category: Category,
    pub title: Title,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Measure")]
    pub measure: Option<Measure>,
    /// Within the agreement's term.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Date")]
    pub due: Option<Date>,
}

/// A piece of evidence, referenced by hash only (SPEC §4.1: documents stay with the parties).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub sha256: Sha256Hex,
    pub media_type: MediaType,
}

/// What an evaluation is about: exactly one of `{agreement}` or `{org}` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, JsonSchema)]
pub enum Subject {
    #[serde(rename = "agreement")]
    Agreement(AgreementId),
    #[serde(rename = "org")]
    Org(OrgId),
}

/// The wire form of [`Subject`], read first so that a subject with both members or neither is
/// one error at `/body/subject` rather than a confusing enum error.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SubjectRepr {
    #[serde(default, deserialize_with = "present")]
    agreement: Option<AgreementId>,
    #[serde(default, deserialize_with = "present")]
    org: Option<OrgId>,
}

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match SubjectRepr::deserialize(deserializer)? {
            SubjectRepr {
                agreement: Some(a),
                org: None,
            } => Ok(Subject::Agreement(a)),
            SubjectRepr {
                agreement: None,
                org: Some(o),
            } => Ok(Subject::Org(o)),
            _ => Err(InvalidValue::new(
                "must have exactly one member, `agreement` or `org`",
                "必须恰好含有 agreement 或 org 其中一个成员",
            )
            .into_serde()),
        }
    }
}

/// The root authority created by `log.genesis` (SPEC §3, §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GenesisAuthority {
    pub org: OrgId,
    pub name: Name,
    pub region: Region,
    /// Distinct keys.
    #[schemars(extend("uniqueItems" = true))]
    pub keys: BoundedVec<PublicKey, KEYS_MIN, KEYS_MAX>,
}

// ---------------------------------------------------------------------------------------------
// Rules that need the whole body

/// What every body can say about itself without the log.
pub trait BodyRules {
    /// The statement-only rules of SPEC §4 and the cross-member rules of §4.1 that serde
    /// cannot check member by member. Each failure is `schema` with a pointer relative to the
    /// statement (`/body/...`).
    fn validate(&self) -> Result<(), Rejection> {
        Ok(())
    }

    /// Appends `(pointer, text)` for every text member SPEC §4.1 "Personal data" asks to
    /// scan, in canonical (JCS) member order, so a scanner that stops at the first hit reports
    /// the first one in the signed bytes.
    fn text_fields<'a>(&'a self, _out: &mut Vec<(String, &'a str)>) {}
}

/// The index of the first item equal to an earlier one.
fn first_repeat<T: Ord>(items: impl IntoIterator<Item = T>) -> Option<usize> {
    let mut seen = BTreeSet::new();
    items.into_iter().position(|item| !seen.insert(item))
}

fn duplicate_keys(keys: &[PublicKey], pointer: &str) -> Result<(), Rejection> {
    match first_repeat(keys) {
        Some(i) => Err(Rejection::schema(
            format!("{pointer}/{i}"),
            format!("{pointer}/{i}: the same key is listed twice"),
            format!("成员 {pointer}/{i}：同一公钥重复出现"),
        )),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Bodies

/// `log.genesis`: creates the log and its root authority (SPEC §3, §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LogGenesisBody {
    /// The log's origin (SPEC §5).
    pub origin: LogOrigin,
    /// The C2SP verifier key string of the checkpoint key; its name is `origin` (SPEC §5).
    pub checkpoint_key: VerifierKey,
    /// The largest allowed `|accepted_at − time|`, in seconds (SPEC §3).
    pub max_skew_s: MaxSkewS,
    pub authority: GenesisAuthority,
}

impl BodyRules for LogGenesisBody {
    fn validate(&self) -> Result<(), Rejection> {
        duplicate_keys(&self.authority.keys, "/body/authority/keys")?;
        // SPEC §5: "the key name is the origin".
        if self.checkpoint_key.name() != self.origin.as_str() {
            return Err(Rejection::schema(
                "/body/checkpoint_key",
                "/body/checkpoint_key: the key name must be the log's origin",
                "成员 /body/checkpoint_key：密钥名称必须与账本名称 origin 相同",
            ));
        }
        Ok(())
    }

    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/authority/name".into(), self.authority.name.as_str()));
    }
}

/// `org.registered`: an authority registers an organization (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = ownership_only_for_enterprises)]
pub struct OrgRegisteredBody {
    pub org: OrgId,
    pub name: Name,
    pub kind: OrgKind,
    pub region: Region,
    /// Distinct keys, never registered before.
    #[schemars(extend("uniqueItems" = true))]
    pub keys: BoundedVec<PublicKey, KEYS_MIN, KEYS_MAX>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "OrgId")]
    pub parent: Option<OrgId>,
    /// Only for `kind: enterprise`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Ownership")]
    pub ownership: Option<Ownership>,
}

/// JSON Schema form of "ownership only for enterprise": a body with `ownership` has `kind`
/// `enterprise`. The derive cannot relate two members, so the schema is extended by hand.
fn ownership_only_for_enterprises(schema: &mut Schema) {
    schema.insert(
        "dependentSchemas".into(),
        json!({ "ownership": { "properties": { "kind": { "const": OrgKind::Enterprise.as_str() } } } }),
    );
}

impl BodyRules for OrgRegisteredBody {
    fn validate(&self) -> Result<(), Rejection> {
        if self.ownership.is_some() && self.kind != OrgKind::Enterprise {
            return Err(Rejection::schema(
                "/body/ownership",
                "/body/ownership: only an enterprise has an ownership",
                "成员 /body/ownership：只有企业党组织可以填写所有制",
            ));
        }
        duplicate_keys(&self.keys, "/body/keys")
    }

    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/name".into(), self.name.as_str()));
    }
}

/// `org.updated`: an authority changes an org's name, region or parent, or dissolves it
/// (SPEC §4.1). At least one of the optional members is present.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = org_update_changes_something)]
pub struct OrgUpdatedBody {
    pub org: OrgId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Name")]
    pub name: Option<Name>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Region")]
    pub region: Option<Region>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "OrgId")]
    pub parent: Option<OrgId>,
    /// Only `true`: dissolution is final.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "True")]
    pub dissolved: Option<True>,
}

/// The members of which an `org.updated` needs at least one.
const ORG_UPDATE_MEMBERS: [&str; 4] = ["name", "region", "parent", "dissolved"];

/// JSON Schema form of "at least one of name, region, parent, dissolved" (not derivable).
fn org_update_changes_something(schema: &mut Schema) {
    let any_of: Vec<Value> = ORG_UPDATE_MEMBERS
        .iter()
        .map(|m| json!({ "required": [m] }))
        .collect();
    schema.insert("anyOf".into(), Value::Array(any_of));
}

impl BodyRules for OrgUpdatedBody {
    fn validate(&self) -> Result<(), Rejection> {
        if self.name.is_none()
            && self.region.is_none()
            && self.parent.is_none()
            && self.dissolved.is_none()
        {
            return Err(Rejection::schema(
                "/body",
                "/body: an org update needs at least one of `name`, `region`, `parent`, `dissolved`",
                "成员 /body：组织变更至少须包含 name、region、parent、dissolved 之一",
            ));
        }
        Ok(())
    }

    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        if let Some(name) = &self.name {
            out.push(("/body/name".into(), name.as_str()));
        }
    }
}

/// `key.added` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyAddedBody {
    pub org: OrgId,
    pub key: PublicKey,
}

impl BodyRules for KeyAddedBody {}

/// `key.revoked` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeyRevokedBody {
    pub org: OrgId,
    pub key: PublicKey,
    pub reason: Reason,
}

impl BodyRules for KeyRevokedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/reason".into(), self.reason.as_str()));
    }
}

/// The members a proposal and an amendment share: the terms of one agreement version.
#[derive(Debug, Clone, Copy)]
pub struct AgreementTerms<'a> {
    pub agreement: &'a AgreementId,
    pub kind: AgreementKind,
    pub title: &'a Title,
    pub parties: &'a [OrgId],
    pub term: Term,
    pub categories: &'a [Category],
    pub goals: &'a [Goal],
    pub meetings: Meetings,
    pub obligations: &'a [Obligation],
}

impl<'a> AgreementTerms<'a> {
    /// SPEC §4, for `agreement.proposed` and `agreement.amended`, in the order SPEC lists
    /// them: party count for the kind, distinct parties, `start ≤ end`, dues within the term,
    /// owners among the parties, unique obligation ids; then distinct categories (§4.1).
    pub fn validate(&self) -> Result<(), Rejection> {
        let allowed = self.kind.party_count();
        if !allowed.contains(&self.parties.len()) {
            let (en, zh) = match (allowed.start(), allowed.end()) {
                (lo, hi) if lo == hi => (format!("exactly {lo}"), format!("恰好 {lo} 个")),
                (lo, _) => (format!("at least {lo}"), format!("至少 {lo} 个")),
            };
            return Err(Rejection::schema(
                "/body/parties",
                format!(
                    "/body/parties: a `{}` agreement has {en} parties, not {}",
                    self.kind,
                    self.parties.len()
                ),
                format!(
                    "成员 parties 的数量不符合协议类型：{}（{}）须有{zh}参与方，实际为 {} 个",
                    self.kind.label_zh(),
                    self.kind,
                    self.parties.len()
                ),
            ));
        }
        if let Some(i) = first_repeat(self.parties) {
            return Err(Rejection::schema(
                format!("/body/parties/{i}"),
                format!(
                    "/body/parties/{i}: party `{}` is listed twice",
                    self.parties[i]
                ),
                format!(
                    "成员 /body/parties/{i}：参与方 {} 重复出现",
                    self.parties[i]
                ),
            ));
        }
        if self.term.start > self.term.end {
            return Err(Rejection::schema(
                "/body/term/end",
                format!(
                    "/body/term/end: the term ends ({}) before it starts ({})",
                    self.term.end, self.term.start
                ),
                format!(
                    "成员 /body/term/end：期限结束日期 {} 早于开始日期 {}",
                    self.term.end, self.term.start
                ),
            ));
        }
        for (i, obligation) in self.obligations.iter().enumerate() {
            if let Some(due) = obligation.due.filter(|due| !self.term.contains(*due)) {
                return Err(Rejection::schema(
                    format!("/body/obligations/{i}/due"),
                    format!(
                        "/body/obligations/{i}/due: {due} is outside the term {} to {}",
                        self.term.start, self.term.end
                    ),
                    format!(
                        "成员 /body/obligations/{i}/due：日期 {due} 不在协议期限 {} 至 {} 之内",
                        self.term.start, self.term.end
                    ),
                ));
            }
        }
        for (i, obligation) in self.obligations.iter().enumerate() {
            if !self.parties.contains(&obligation.owner) {
                return Err(Rejection::schema(
                    format!("/body/obligations/{i}/owner"),
                    format!(
                        "/body/obligations/{i}/owner: `{}` is not a party of the agreement",
                        obligation.owner
                    ),
                    format!(
                        "成员 /body/obligations/{i}/owner：{} 不是协议参与方",
                        obligation.owner
                    ),
                ));
            }
        }
        if let Some(i) = first_repeat(self.obligations.iter().map(|o| &o.id)) {
            return Err(Rejection::schema(
                format!("/body/obligations/{i}/id"),
                format!(
                    "/body/obligations/{i}/id: obligation id `{}` is used twice",
                    self.obligations[i].id
                ),
                format!(
                    "成员 /body/obligations/{i}/id：义务编号 {} 重复",
                    self.obligations[i].id
                ),
            ));
        }
        if let Some(i) = first_repeat(self.categories) {
            return Err(Rejection::schema(
                format!("/body/categories/{i}"),
                format!(
                    "/body/categories/{i}: category `{}` is listed twice",
                    self.categories[i]
                ),
                format!(
                    "成员 /body/categories/{i}：共建内容 {} 重复出现",
                    self.categories[i].label_zh()
                ),
            ));
        }
        Ok(())
    }

    /// Goals, obligation titles and the title, in canonical member order.
    pub fn text_fields(&self, out: &mut Vec<(String, &'a str)>) {
        for (i, goal) in self.goals.iter().enumerate() {
            out.push((format!("/body/goals/{i}"), goal.as_str()));
        }
        for (i, obligation) in self.obligations.iter().enumerate() {
            out.push((
                format!("/body/obligations/{i}/title"),
                obligation.title.as_str(),
            ));
        }
        out.push(("/body/title".into(), self.title.as_str()));
    }
}

/// JSON Schema form of the party count per kind (SPEC §4), one `if`/`then` per kind, taken
/// from [`AgreementKind::party_count`] so the two cannot drift apart.
fn party_count_per_kind(schema: &mut Schema) {
    let rules: Vec<Value> = AgreementKind::ALL
        .iter()
        .map(|kind| {
            let count = kind.party_count();
            json!({
                "if": { "properties": { "kind": { "const": kind.as_str() } } },
                "then": { "properties": { "parties": {
                    "minItems": count.start(),
                    "maxItems": count.end()
                } } }
            })
        })
        .collect();
    schema.insert("allOf".into(), Value::Array(rules));
}

/// `agreement.proposed`: version 1 of a new agreement (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = party_count_per_kind)]
pub struct AgreementProposedBody {
    pub agreement: AgreementId,
    /// Always 1.
    pub version: ProposedVersion,
    pub kind: AgreementKind,
    pub title: Title,
    /// Distinct org ids, including the author; the count depends on `kind`.
    #[schemars(extend("uniqueItems" = true))]
    pub parties: BoundedVec<OrgId, PARTIES_MIN, PARTIES_MAX>,
    pub term: Term,
    /// Distinct categories.
    #[schemars(extend("uniqueItems" = true))]
    pub categories: BoundedVec<Category, CATEGORIES_MIN, CATEGORIES_MAX>,
    pub goals: BoundedVec<Goal, 0, GOALS_MAX>,
    pub meetings: Meetings,
    pub obligations: BoundedVec<Obligation, OBLIGATIONS_MIN, OBLIGATIONS_MAX>,
}

impl AgreementProposedBody {
    pub fn terms(&self) -> AgreementTerms<'_> {
        AgreementTerms {
            agreement: &self.agreement,
            kind: self.kind,
            title: &self.title,
            parties: &self.parties,
            term: self.term,
            categories: &self.categories,
            goals: &self.goals,
            meetings: self.meetings,
            obligations: &self.obligations,
        }
    }
}

impl BodyRules for AgreementProposedBody {
    fn validate(&self) -> Result<(), Rejection> {
        self.terms().validate()
    }

    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        self.terms().text_fields(out);
    }
}

/// `agreement.amended`: a new version of an agreement (SPEC §4.1): the members of a proposal
/// with `version` ≥ 2 and `supersedes`, the statement id of the latest version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = party_count_per_kind)]
pub struct AgreementAmendedBody {
    pub agreement: AgreementId,
    /// The latest version + 1, so ≥ 2.
    pub version: AmendedVersion,
    /// The statement id of the latest version.
    pub supersedes: StatementId,
    /// Unchanged from the agreement.
    pub kind: AgreementKind,
    pub title: Title,
    /// The agreement's parties, in the same order.
    #[schemars(extend("uniqueItems" = true))]
    pub parties: BoundedVec<OrgId, PARTIES_MIN, PARTIES_MAX>,
    pub term: Term,
    /// Distinct categories.
    #[schemars(extend("uniqueItems" = true))]
    pub categories: BoundedVec<Category, CATEGORIES_MIN, CATEGORIES_MAX>,
    pub goals: BoundedVec<Goal, 0, GOALS_MAX>,
    pub meetings: Meetings,
    pub obligations: BoundedVec<Obligation, OBLIGATIONS_MIN, OBLIGATIONS_MAX>,
}

impl AgreementAmendedBody {
    pub fn terms(&self) -> AgreementTerms<'_> {
        AgreementTerms {
            agreement: &self.agreement,
            kind: self.kind,
            title: &self.title,
            parties: &self.parties,
            term: self.term,
            categories: &self.categories,
            goals: &self.goals,
            meetings: self.meetings,
            obligations: &self.obligations,
        }
    }
}

impl BodyRules for AgreementAmendedBody {
    fn validate(&self) -> Result<(), Rejection> {
        self.terms().validate()
    }

    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        self.terms().text_fields(out);
    }
}

/// `agreement.signed`: a party signs a version (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementSignedBody {
    pub agreement: AgreementId,
    pub version: Version,
    /// The statement id of that version.
    pub terms: StatementId,
}

impl BodyRules for AgreementSignedBody {}

/// `agreement.terminated` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AgreementTerminatedBody {
    pub agreement: AgreementId,
    pub reason: Reason,
    /// Not before the entry's date (no back-dating).
    pub effective: Date,
}

impl BodyRules for AgreementTerminatedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/reason".into(), self.reason.as_str()));
    }
}

/// `result.reported`: a party reports what was done (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultReportedBody {
    pub result: ResultId,
    pub agreement: AgreementId,
    /// An obligation of the version in force.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "ObligationId")]
    pub obligation: Option<ObligationId>,
    /// Within the term of the version in force, and not after the entry's date.
    pub date: Date,
    pub category: Category,
    pub summary: Summary,
    pub metrics: Metrics,
    pub evidence: BoundedVec<Evidence, 0, EVIDENCE_MAX>,
}

impl BodyRules for ResultReportedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/summary".into(), self.summary.as_str()));
    }
}

/// `result.confirmed` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultConfirmedBody {
    pub result: ResultId,
}

impl BodyRules for ResultConfirmedBody {}

/// `result.disputed` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultDisputedBody {
    pub result: ResultId,
    pub reason: Reason,
}

impl BodyRules for ResultDisputedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/reason".into(), self.reason.as_str()));
    }
}

/// `evaluation.recorded`: an authority grades an agreement or an org for a period (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRecordedBody {
    pub subject: Subject,
    pub period: Period,
    pub grade: Grade,
    /// 0–100.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Score")]
    pub score: Option<Score>,
    pub comment: Comment,
}

impl BodyRules for EvaluationRecordedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/comment".into(), self.comment.as_str()));
    }
}

/// `card.issued`: a yellow or red card (黄牌/红牌) on an agreement (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardIssuedBody {
    pub card: CardId,
    pub color: CardColor,
    pub agreement: AgreementId,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "ObligationId")]
    pub obligation: Option<ObligationId>,
    pub reason: Reason,
}

impl BodyRules for CardIssuedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/reason".into(), self.reason.as_str()));
    }
}

/// `card.lifted` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardLiftedBody {
    pub card: CardId,
    pub reason: Reason,
}

impl BodyRules for CardLiftedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/reason".into(), self.reason.as_str()));
    }
}

/// `need.posted`: a village or community posts a need (群众点单, SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedPostedBody {
    pub need: NeedId,
    pub title: Title,
    pub category: Category,
    pub description: Description,
    /// An agreement the author is a party of.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "AgreementId")]
    pub agreement: Option<AgreementId>,
}

impl BodyRules for NeedPostedBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/description".into(), self.description.as_str()));
        out.push(("/body/title".into(), self.title.as_str()));
    }
}

/// `need.claimed` (党员接单, SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedClaimedBody {
    pub need: NeedId,
}

impl BodyRules for NeedClaimedBody {}

/// `need.fulfilled` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedFulfilledBody {
    pub need: NeedId,
    pub summary: Summary,
    pub metrics: Metrics,
}

impl BodyRules for NeedFulfilledBody {
    fn text_fields<'a>(&'a self, out: &mut Vec<(String, &'a str)>) {
        out.push(("/body/summary".into(), self.summary.as_str()));
    }
}

/// `need.closed` (SPEC §4.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedClosedBody {
    pub need: NeedId,
    pub satisfied: bool,
    /// 1–5.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    #[schemars(with = "Rating")]
    pub rating: Option<Rating>,
}

impl BodyRules for NeedClosedBody {}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Agreement(a) => write!(f, "agreement {a}"),
            Subject::Org(o) => write!(f, "org {o}"),
        }
    }
}
