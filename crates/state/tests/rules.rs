//! The rules of SPEC §3 and §4 as tables: a world, the steps that set the scene, one
//! statement, and the verdict it must get. A rejected statement must change nothing (same
//! `State::digest()`, same size); an accepted one is appended.
//!
//! Rows are grouped by statement type; the order rows at the end check that a statement
//! breaking two rules gets the code of the earlier check of SPEC §4.2.

mod support;

use std::collections::BTreeMap;

use pactlog_state::{NeedStatus, Review, Verdict};
use pactlog_statement::rejection::Code;
use serde_json::json;
use support::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Accept,
    Reject(Code),
    /// `schema` with this pointer.
    Schema(&'static str),
}

use Expect::{Accept, Schema};

const ACCEPT: Expect = Accept;
const CLOCK_SKEW: Expect = Expect::Reject(Code::ClockSkew);
const UNKNOWN_AUTHOR: Expect = Expect::Reject(Code::UnknownAuthor);
const KEY_NOT_ACTIVE: Expect = Expect::Reject(Code::KeyNotActive);
const UNKNOWN_REFERENCE: Expect = Expect::Reject(Code::UnknownReference);
const NOT_AUTHORIZED: Expect = Expect::Reject(Code::NotAuthorized);
const DUPLICATE_ID: Expect = Expect::Reject(Code::DuplicateId);
const INVALID_TRANSITION: Expect = Expect::Reject(Code::InvalidTransition);
const PERSONAL_DATA: Expect = Expect::Reject(Code::PersonalData);

/// One row: in `world`, after `setup` (every step must be accepted), `act`'s statement gets
/// `expect`.
struct Case {
    name: &'static str,
    world: fn() -> Ledger,
    setup: fn(&mut Ledger),
    act: fn(&Ledger) -> Signed,
    expect: Expect,
}

/// A row in the Jiangsu world ([`Ledger::world`]).
fn row(
    name: &'static str,
    setup: fn(&mut Ledger),
    act: fn(&Ledger) -> Signed,
    expect: Expect,
) -> Case {
    Case {
        name,
        world: Ledger::world,
        setup,
        act,
        expect,
    }
}

/// A row in the national world ([`Ledger::national`]).
fn nrow(
    name: &'static str,
    setup: fn(&mut Ledger),
    act: fn(&Ledger) -> Signed,
    expect: Expect,
) -> Case {
    Case {
        name,
        world: Ledger::national,
        setup,
        act,
        expect,
    }
}

fn none(_: &mut Ledger) {}

/// Runs every row and reports all failures at once.
fn run(cases: &[Case]) {
    let mut failures = Vec::new();
    for case in cases {
        let mut l = (case.world)();
        (case.setup)(&mut l);
        let signed = (case.act)(&l);
        let (digest, size) = (l.state.digest(), l.state.size);
        let verdict = l.submit_signed(&signed);
        let fits = match (&verdict, case.expect) {
            (Verdict::Accept, Accept) => l.state.size == size + 1,
            (Verdict::Reject(r), Expect::Reject(code)) => r.code == code,
            (Verdict::Reject(r), Schema(pointer)) => {
                r.code == Code::Schema && r.pointer.as_deref() == Some(pointer)
            }
            _ => false,
        };
        if !fits {
            failures.push(format!(
                "{}: expected {:?}, got {verdict:?}",
                case.name, case.expect
            ));
        } else if matches!(verdict, Verdict::Reject(_))
            && (l.state.digest() != digest || l.state.size != size)
        {
            failures.push(format!(
                "{}: a rejected statement changed the state",
                case.name
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Orgs that the rows register.

const NEW_ORGAN: OrgSpec = OrgSpec {
    id: "js.lyg.swj",
    name: "连云港市水利局机关党支部",
    kind: "organ",
    region: "320700",
    key: 30,
    parent: Some("js.lyg.jggw"),
    ownership: None,
};
const SUZHOU: OrgSpec = OrgSpec {
    id: "js.sz.jggw",
    name: "中共苏州市委市级机关工作委员会",
    kind: "authority",
    region: "320500",
    key: 33,
    parent: None,
    ownership: None,
};
const NEW_COUNTY: OrgSpec = OrgSpec {
    id: "js.lyg.lyq.jggw",
    name: "中共连云港市连云区委区级机关工作委员会",
    kind: "authority",
    region: "320703",
    key: 34,
    parent: None,
    ownership: None,
};
const ANHUI_COUNTY: OrgSpec = OrgSpec {
    id: "ah.czs.fy.jggw",
    name: "中共凤阳县委县直机关工作委员会",
    kind: "authority",
    region: "341126",
    key: 35,
    parent: None,
    ownership: None,
};
const NEW_COMMUNITY: OrgSpec = OrgSpec {
    id: "js.lyg.c.xinpu",
    name: "连云港市海州区新浦社区党委",
    kind: "community",
    region: "320706",
    key: 36,
    parent: None,
    ownership: None,
};

/// Agreements the rows make besides [`AGREEMENT`].
const B: &str = "lyg-2025-fgw-gangtong";
const TRI: &str = "lyg-2025-sanfang";
const ALLIANCE: &str = "csj-2025-lianmeng";
const NOSUCH: &str = "lyg-2025-nosuch";
const OTHER_ID: &str = "abababababababababababababababababababababababababababababababab";

fn add_key(org: &OrgSpec, n: u8) -> serde_json::Value {
    json!({"org": org.id, "key": public(n)})
}

fn revoke_key(org: &OrgSpec, n: u8) -> serde_json::Value {
    json!({"org": org.id, "key": public(n), "reason": "经办人员岗位调整，原签名密钥停用"})
}

/// 发改委 proposes [`B`] with 港通物流 (not signed by 港通 yet).
fn propose_b(l: &mut Ledger) {
    l.propose(&ORGAN, B, "pairing", &[&ORGAN, &ENTERPRISE]);
}

/// A cross-province alliance of 发改委, 南新村 and 小岗村, in force (national world).
fn alliance(l: &mut Ledger) {
    l.agree(
        &ORGAN,
        ALLIANCE,
        "alliance",
        &[&ORGAN, &VILLAGE, &ANHUI_VILLAGE],
    );
}

fn report_r1(l: &mut Ledger) {
    l.report(&ORGAN, "r-1", AGREEMENT, "visits");
}

fn issue_card_1(l: &mut Ledger) {
    l.ok(&CITY, "card.issued", card("card-1", AGREEMENT, None));
}

fn post_need_1(l: &mut Ledger) {
    l.post_need("need-1");
}

fn claim_need_1(l: &mut Ledger) {
    post_need_1(l);
    l.ok(&ORGAN, "need.claimed", need_ref("need-1"));
}

fn fulfil_need_1(l: &mut Ledger) {
    claim_need_1(l);
    l.ok(&ORGAN, "need.fulfilled", fulfilment("need-1"));
}

fn reg(l: &Ledger, by: &OrgSpec, org: &OrgSpec) -> Signed {
    l.stmt(by, "org.registered", org.registration())
}

// ---------------------------------------------------------------------------------------------
// The tables

#[rustfmt::skip]
fn org_registered() -> Vec<Case> {
    vec![
        row("org.registered: a city authority registers an organ in its city", none,
            |l| reg(l, &CITY, &NEW_ORGAN), ACCEPT),
        row("org.registered: a county authority registers a community in its county", none,
            |l| reg(l, &COUNTY, &NEW_COMMUNITY), ACCEPT),
        row("org.registered: the root registers an authority in its province", none,
            |l| reg(l, &ROOT, &SUZHOU), ACCEPT),
        nrow("org.registered: a provincial authority, not the root, registers an authority", none,
            |l| reg(l, &ROOT, &SUZHOU), ACCEPT),
        nrow("org.registered: a nation root registers an authority in any province", none,
            |l| reg(l, &NATION, &ANHUI_COUNTY), ACCEPT),
        row("org.registered: parent unknown", none,
            |l| reg(l, &CITY, &NEW_ORGAN).set("/body/parent", json!("js.lyg.nosuch")), UNKNOWN_REFERENCE),
        row("org.registered: an organ registers an org", none,
            |l| reg(l, &ORGAN, &NEW_ORGAN), NOT_AUTHORIZED),
        row("org.registered: a village registers an org", none,
            |l| reg(l, &VILLAGE, &NEW_COMMUNITY), NOT_AUTHORIZED),
        row("org.registered: a city authority registers outside its region", none,
            |l| reg(l, &CITY, &NEW_ORGAN).set("/body/region", json!("320100")), NOT_AUTHORIZED),
        row("org.registered: a county authority registers in its city but outside the county", none,
            |l| reg(l, &COUNTY, &NEW_ORGAN), NOT_AUTHORIZED),
        row("org.registered: the Jiangsu root registers an authority in Anhui", none,
            |l| reg(l, &ROOT, &ANHUI), NOT_AUTHORIZED),
        row("org.registered: a city authority registers an authority in its own region", none,
            |l| reg(l, &CITY, &NEW_COUNTY), NOT_AUTHORIZED),
        nrow("org.registered: a city authority of another province registers an authority", none,
            |l| reg(l, &ANHUI, &ANHUI_COUNTY), NOT_AUTHORIZED),
        row("org.registered: a dissolved authority registers", |l| l.dissolve(&COUNTY),
            |l| reg(l, &COUNTY, &NEW_COMMUNITY), NOT_AUTHORIZED),
        row("org.registered: org id already used", none,
            |l| reg(l, &CITY, &ORGAN).set("/body/keys", json!([public(30)])), DUPLICATE_ID),
        row("org.registered: org id of the root authority", none,
            |l| reg(l, &ROOT, &ROOT).set("/body/keys", json!([public(30)])), DUPLICATE_ID),
        row("org.registered: org id of a dissolved org", |l| l.dissolve(&ENTERPRISE),
            |l| reg(l, &CITY, &ENTERPRISE).set("/body/keys", json!([public(30)])), DUPLICATE_ID),
        row("org.registered: a key already registered to another org", none,
            |l| reg(l, &CITY, &NEW_ORGAN).set("/body/keys", json!([public(30), ORGAN.public()])), DUPLICATE_ID),
        row("org.registered: a key registered before and revoked since",
            |l| {
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
                l.ok(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31));
            },
            |l| reg(l, &CITY, &NEW_ORGAN).set("/body/keys", json!([public(31)])), DUPLICATE_ID),
        row("org.registered: the genesis key of the root", none,
            |l| reg(l, &CITY, &NEW_ORGAN).set("/body/keys", json!([ROOT.public()])), DUPLICATE_ID),
    ]
}

#[rustfmt::skip]
fn org_updated() -> Vec<Case> {
    vec![
        row("org.updated: a city authority renames a village", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": VILLAGE.id, "name": "连云港市连云区南新村党委"})), ACCEPT),
        row("org.updated: a city authority moves a village within the city", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": VILLAGE.id, "region": "320706"})), ACCEPT),
        row("org.updated: a city authority sets a parent", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": ORGAN2.id, "parent": ORGAN.id})), ACCEPT),
        row("org.updated: a city authority dissolves an enterprise branch", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": ENTERPRISE.id, "dissolved": true})), ACCEPT),
        row("org.updated: the provincial root updates a county org", none,
            |l| l.stmt(&ROOT, "org.updated", json!({"org": COMMUNITY.id, "name": "海州区海棠社区党总支"})), ACCEPT),
        row("org.updated: org unknown", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": STRANGER.id, "name": "某党支部"})), UNKNOWN_REFERENCE),
        row("org.updated: parent unknown", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": ORGAN2.id, "parent": STRANGER.id})), UNKNOWN_REFERENCE),
        row("org.updated: an organ updates a village", none,
            |l| l.stmt(&ORGAN, "org.updated", json!({"org": VILLAGE.id, "name": "南新村党委"})), NOT_AUTHORIZED),
        row("org.updated: an org updates itself", none,
            |l| l.stmt(&VILLAGE, "org.updated", json!({"org": VILLAGE.id, "name": "南新村党委"})), NOT_AUTHORIZED),
        row("org.updated: an authority of another city", none,
            |l| l.stmt(&NANJING, "org.updated", json!({"org": VILLAGE.id, "name": "南新村党委"})), NOT_AUTHORIZED),
        row("org.updated: a county authority updates a city org", none,
            |l| l.stmt(&COUNTY, "org.updated", json!({"org": ORGAN.id, "name": "发改委机关党支部"})), NOT_AUTHORIZED),
        row("org.updated: new region outside the author's jurisdiction", none,
            |l| l.stmt(&CITY, "org.updated", json!({"org": VILLAGE.id, "region": "320100"})), NOT_AUTHORIZED),
        row("org.updated: a dissolved authority", |l| l.dissolve(&COUNTY),
            |l| l.stmt(&COUNTY, "org.updated", json!({"org": COMMUNITY.id, "name": "海棠社区党总支"})), NOT_AUTHORIZED),
        row("org.updated: renamed after dissolution", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&CITY, "org.updated", json!({"org": ENTERPRISE.id, "name": "港通物流党支部"})), INVALID_TRANSITION),
        row("org.updated: dissolved twice", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&CITY, "org.updated", json!({"org": ENTERPRISE.id, "dissolved": true})), INVALID_TRANSITION),
    ]
}

#[rustfmt::skip]
fn keys() -> Vec<Case> {
    vec![
        // key.added
        row("key.added: an org adds a key of its own", none,
            |l| l.stmt(&ORGAN, "key.added", add_key(&ORGAN, 30)), ACCEPT),
        row("key.added: recovery, the city authority adds a key for an org with its own key", none,
            |l| l.stmt(&CITY, "key.added", add_key(&ORGAN, 30)), ACCEPT),
        row("key.added: recovery by the provincial root", none,
            |l| l.stmt(&ROOT, "key.added", add_key(&VILLAGE, 30)), ACCEPT),
        row("key.added: an authority adds a key of its own", none,
            |l| l.stmt(&CITY, "key.added", add_key(&CITY, 30)), ACCEPT),
        row("key.added: org unknown", none,
            |l| l.stmt(&CITY, "key.added", add_key(&STRANGER, 30)), UNKNOWN_REFERENCE),
        row("key.added: another org that is no authority", none,
            |l| l.stmt(&VILLAGE, "key.added", add_key(&ORGAN, 30)), NOT_AUTHORIZED),
        row("key.added: an authority without jurisdiction", none,
            |l| l.stmt(&NANJING, "key.added", add_key(&ORGAN, 30)), NOT_AUTHORIZED),
        row("key.added: a county authority for a city org", none,
            |l| l.stmt(&COUNTY, "key.added", add_key(&ORGAN, 30)), NOT_AUTHORIZED),
        row("key.added: a dissolved org adds a key", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&ENTERPRISE, "key.added", add_key(&ENTERPRISE, 30)), NOT_AUTHORIZED),
        row("key.added: a key of another org", none,
            |l| l.stmt(&ORGAN, "key.added", add_key(&ORGAN, VILLAGE.key)), DUPLICATE_ID),
        row("key.added: the org's own active key again", none,
            |l| l.stmt(&ORGAN, "key.added", add_key(&ORGAN, ORGAN.key)), DUPLICATE_ID),
        row("key.added: a key registered after its revocation",
            |l| {
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
                l.ok(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31));
            },
            |l| l.stmt(&ORGAN, "key.added", add_key(&ORGAN, 31)), DUPLICATE_ID),
        row("key.added: a revoked key re-registered to another org",
            |l| {
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
                l.ok(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31));
            },
            |l| l.stmt(&VILLAGE, "key.added", add_key(&VILLAGE, 31)), DUPLICATE_ID),
        row("key.added: an authority adds a key to a dissolved org", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&CITY, "key.added", add_key(&ENTERPRISE, 30)), INVALID_TRANSITION),
        row("key.added: recovery names the org as author but signs with the authority's key", none,
            |l| l.stmt(&ORGAN, "key.added", add_key(&ORGAN, 30)).key(CITY.key()), KEY_NOT_ACTIVE),
        // key.revoked
        row("key.revoked: an org with two keys revokes one", |l| { l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31)); },
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31)), ACCEPT),
        row("key.revoked: an org revokes the key that signs, keeping another", |l| { l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31)); },
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, ORGAN.key)), ACCEPT),
        row("key.revoked: an authority revokes an org's last key", none,
            |l| l.stmt(&CITY, "key.revoked", revoke_key(&ORGAN, ORGAN.key)), ACCEPT),
        row("key.revoked: org unknown", none,
            |l| l.stmt(&CITY, "key.revoked", revoke_key(&STRANGER, STRANGER.key)), UNKNOWN_REFERENCE),
        row("key.revoked: another org that is no authority", |l| { l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31)); },
            |l| l.stmt(&VILLAGE, "key.revoked", revoke_key(&ORGAN, 31)), NOT_AUTHORIZED),
        row("key.revoked: an authority without jurisdiction", none,
            |l| l.stmt(&NANJING, "key.revoked", revoke_key(&ORGAN, ORGAN.key)), NOT_AUTHORIZED),
        row("key.revoked: a key already revoked",
            |l| {
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
                l.ok(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31));
            },
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31)), INVALID_TRANSITION),
        row("key.revoked: a key never registered", none,
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, 99)), INVALID_TRANSITION),
        row("key.revoked: another org's key", none,
            |l| l.stmt(&CITY, "key.revoked", revoke_key(&ORGAN, VILLAGE.key)), INVALID_TRANSITION),
        row("key.revoked: an org revokes its own last key", none,
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, ORGAN.key)), INVALID_TRANSITION),
        row("key.revoked: an org that had two keys revokes the one it has left",
            |l| {
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
                l.ok(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31));
            },
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, ORGAN.key)), INVALID_TRANSITION),
        row("key.revoked: an authority revokes its own last key", none,
            |l| l.stmt(&CITY, "key.revoked", revoke_key(&CITY, CITY.key)), INVALID_TRANSITION),
        row("key.revoked: signed with the key it revoked before",
            |l| {
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
                l.ok(&ORGAN, "key.revoked", revoke_key(&ORGAN, ORGAN.key));
            },
            |l| l.stmt(&ORGAN, "key.revoked", revoke_key(&ORGAN, 31)), KEY_NOT_ACTIVE),
    ]
}

#[rustfmt::skip]
fn checks_10_11() -> Vec<Case> {
    vec![
        row("unknown author", none,
            |l| l.stmt(&STRANGER, "need.claimed", need_ref("need-1")), UNKNOWN_AUTHOR),
        row("unknown author signing with a registered key", none,
            |l| l.stmt(&STRANGER, "need.claimed", need_ref("need-1")).key(ORGAN.key()), UNKNOWN_AUTHOR),
        row("signed with a key never registered", post_need_1,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")).key(key(99)), KEY_NOT_ACTIVE),
        row("signed with another org's key", post_need_1,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")).key(ENTERPRISE.key()), KEY_NOT_ACTIVE),
        row("signed with the authority's key, authored as the org", post_need_1,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")).key(CITY.key()), KEY_NOT_ACTIVE),
        row("signed with a revoked key",
            |l| {
                post_need_1(l);
                l.ok(&CITY, "key.revoked", revoke_key(&ORGAN, ORGAN.key));
            },
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")), KEY_NOT_ACTIVE),
        row("signed with an added key",
            |l| {
                post_need_1(l);
                l.ok(&ORGAN, "key.added", add_key(&ORGAN, 31));
            },
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")).key(key(31)), ACCEPT),
        row("signed with a key an authority added for recovery",
            |l| {
                post_need_1(l);
                l.ok(&CITY, "key.revoked", revoke_key(&ORGAN, ORGAN.key));
                l.ok(&CITY, "key.added", add_key(&ORGAN, 31));
            },
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")).key(key(31)), ACCEPT),
    ]
}

#[rustfmt::skip]
fn agreements() -> Vec<Case> {
    vec![
        // agreement.proposed
        row("agreement.proposed: organ ↔ enterprise pairing", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), ACCEPT),
        row("agreement.proposed: by the second-listed party", none,
            |l| l.stmt(&ENTERPRISE, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), ACCEPT),
        row("agreement.proposed: tripartite", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(TRI, "tripartite", &[ORGAN.id, VILLAGE.id, ENTERPRISE.id], TERM)), ACCEPT),
        row("agreement.proposed: resident (第一书记)", none,
            |l| l.stmt(&ORGAN2, "agreement.proposed", proposal("lyg-2025-jtj-nanxin", "resident", &[ORGAN2.id, VILLAGE.id], TERM)), ACCEPT),
        nrow("agreement.proposed: cross-province alliance", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(ALLIANCE, "alliance", &[ORGAN.id, VILLAGE.id, ANHUI_VILLAGE.id], TERM)), ACCEPT),
        row("agreement.proposed: a term entirely in the past", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], ("2024-01-01", "2024-12-31"))), ACCEPT),
        row("agreement.proposed: a party unknown", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, STRANGER.id], TERM)), UNKNOWN_REFERENCE),
        row("agreement.proposed: the author is not a party", none,
            |l| l.stmt(&ENTERPRISE, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, VILLAGE.id], TERM)), NOT_AUTHORIZED),
        row("agreement.proposed: an authority over both parties, not a party", none,
            |l| l.stmt(&CITY, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), NOT_AUTHORIZED),
        row("agreement.proposed: a dissolved author", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&ENTERPRISE, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), NOT_AUTHORIZED),
        row("agreement.proposed: agreement id already used", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(AGREEMENT, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), DUPLICATE_ID),
        row("agreement.proposed: a party dissolved", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), INVALID_TRANSITION),
        row("agreement.proposed: statement-only rule, pairing of three", none,
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(TRI, "pairing", &[ORGAN.id, VILLAGE.id, ENTERPRISE.id], TERM)), Schema("/body/parties")),
        // agreement.amended
        row("agreement.amended: a party amends (version 2)", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)), ACCEPT),
        row("agreement.amended: the other party amends", none,
            |l| l.stmt(&VILLAGE, "agreement.amended", amendment(l, AGREEMENT)), ACCEPT),
        row("agreement.amended: a pending amendment is amended again (version 3)", |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| l.stmt(&VILLAGE, "agreement.amended", amendment(l, AGREEMENT)), ACCEPT),
        row("agreement.amended: a proposal not yet signed", propose_b,
            |l| l.stmt(&ENTERPRISE, "agreement.amended", amendment(l, B)), ACCEPT),
        row("agreement.amended: termination effective later still forbids amending",
            |l| { l.ok(&ORGAN, "agreement.terminated", termination(AGREEMENT, &l.day(30))); },
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)), INVALID_TRANSITION),
        row("agreement.amended: agreement unknown", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)).set("/body/agreement", json!(NOSUCH)), UNKNOWN_REFERENCE),
        row("agreement.amended: not a party", none,
            |l| l.stmt(&ENTERPRISE, "agreement.amended", amendment(l, AGREEMENT)), NOT_AUTHORIZED),
        row("agreement.amended: an authority over the agreement", none,
            |l| l.stmt(&CITY, "agreement.amended", amendment(l, AGREEMENT)), NOT_AUTHORIZED),
        row("agreement.amended: a dissolved party", |l| l.dissolve(&VILLAGE),
            |l| l.stmt(&VILLAGE, "agreement.amended", amendment(l, AGREEMENT)), NOT_AUTHORIZED),
        row("agreement.amended: version skips one", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)).set("/body/version", json!(3)), INVALID_TRANSITION),
        row("agreement.amended: version 2 again", |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| l.stmt(&VILLAGE, "agreement.amended", amendment(l, AGREEMENT))
                .set("/body/version", json!(2))
                .set("/body/supersedes", json!(l.state.agreements[AGREEMENT].versions[0].statement.to_string())),
            INVALID_TRANSITION),
        row("agreement.amended: supersedes not the latest version", |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| {
                let v1 = l.state.agreements[AGREEMENT].versions[0].statement.to_string();
                l.stmt(&VILLAGE, "agreement.amended", amendment(l, AGREEMENT)).set("/body/supersedes", json!(v1))
            },
            INVALID_TRANSITION),
        row("agreement.amended: supersedes no statement at all", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)).set("/body/supersedes", json!(OTHER_ID)), INVALID_TRANSITION),
        row("agreement.amended: terminated", |l| { l.ok(&VILLAGE, "agreement.terminated", termination(AGREEMENT, &l.day(0))); },
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)), INVALID_TRANSITION),
        row("agreement.amended: a party dissolved", |l| l.dissolve(&VILLAGE),
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)), INVALID_TRANSITION),
        row("agreement.amended: kind changed", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)).set("/body/kind", json!("resident")), Schema("/body/kind")),
        row("agreement.amended: parties reordered", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)).set("/body/parties", json!([VILLAGE.id, ORGAN.id])), Schema("/body/parties")),
        row("agreement.amended: a party replaced", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT))
                .set("/body/parties", json!([ORGAN.id, ENTERPRISE.id]))
                .set("/body/obligations/1/owner", json!(ENTERPRISE.id)),
            Schema("/body/parties")),
        row("agreement.amended: a party added, kind changed too", none,
            |l| l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT))
                .set("/body/kind", json!("tripartite"))
                .set("/body/parties", json!([ORGAN.id, VILLAGE.id, ENTERPRISE.id])),
            Schema("/body/kind")),
        // agreement.signed
        row("agreement.signed: the other party signs the proposal", propose_b,
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, B)), ACCEPT),
        row("agreement.signed: a party signs an amendment", |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| l.stmt(&VILLAGE, "agreement.signed", signature(l, AGREEMENT)), ACCEPT),
        row("agreement.signed: the third party of a tripartite agreement",
            |l| {
                l.propose(&ORGAN, TRI, "tripartite", &[&ORGAN, &VILLAGE, &ENTERPRISE]);
                let body = signature(l, TRI);
                l.ok(&VILLAGE, "agreement.signed", body);
            },
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, TRI)), ACCEPT),
        row("agreement.signed: agreement unknown", none,
            |l| l.stmt(&VILLAGE, "agreement.signed", json!({"agreement": NOSUCH, "version": 1, "terms": OTHER_ID})), UNKNOWN_REFERENCE),
        row("agreement.signed: not a party", propose_b,
            |l| l.stmt(&VILLAGE, "agreement.signed", signature(l, B)), NOT_AUTHORIZED),
        row("agreement.signed: an authority over the agreement", propose_b,
            |l| l.stmt(&CITY, "agreement.signed", signature(l, B)), NOT_AUTHORIZED),
        row("agreement.signed: a dissolved party", |l| { propose_b(l); l.dissolve(&ENTERPRISE); },
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, B)), NOT_AUTHORIZED),
        row("agreement.signed: second signature", none,
            |l| l.stmt(&VILLAGE, "agreement.signed", signature(l, AGREEMENT)), INVALID_TRANSITION),
        row("agreement.signed: the proposer (the proposal is its signature)", propose_b,
            |l| l.stmt(&ORGAN, "agreement.signed", signature(l, B)), INVALID_TRANSITION),
        row("agreement.signed: the amender (the amendment is its signature)", |l| { l.amend(&VILLAGE, AGREEMENT); },
            |l| l.stmt(&VILLAGE, "agreement.signed", signature(l, AGREEMENT)), INVALID_TRANSITION),
        row("agreement.signed: stale version and terms after an amendment",
            |l| { propose_b(l); l.amend(&ORGAN, B); },
            |l| {
                let v1 = l.state.agreements[B].versions[0].statement.to_string();
                l.stmt(&ENTERPRISE, "agreement.signed", json!({"agreement": B, "version": 1, "terms": v1}))
            },
            INVALID_TRANSITION),
        row("agreement.signed: latest terms with a stale version",
            |l| { propose_b(l); l.amend(&ORGAN, B); },
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, B)).set("/body/version", json!(1)), INVALID_TRANSITION),
        row("agreement.signed: latest version with stale terms",
            |l| { propose_b(l); l.amend(&ORGAN, B); },
            |l| {
                let v1 = l.state.agreements[B].versions[0].statement.to_string();
                l.stmt(&ENTERPRISE, "agreement.signed", signature(l, B)).set("/body/terms", json!(v1))
            },
            INVALID_TRANSITION),
        row("agreement.signed: terms of no version", propose_b,
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, B)).set("/body/terms", json!(OTHER_ID)), INVALID_TRANSITION),
        row("agreement.signed: terminated",
            |l| { propose_b(l); l.ok(&ORGAN, "agreement.terminated", termination(B, &l.day(0))); },
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, B)), INVALID_TRANSITION),
        // agreement.terminated
        row("agreement.terminated: a party, effective today", none,
            |l| l.stmt(&ORGAN, "agreement.terminated", termination(AGREEMENT, &l.day(0))), ACCEPT),
        row("agreement.terminated: the other party, effective later", none,
            |l| l.stmt(&VILLAGE, "agreement.terminated", termination(AGREEMENT, &l.day(30))), ACCEPT),
        row("agreement.terminated: a party of a proposal not yet signed", propose_b,
            |l| l.stmt(&ENTERPRISE, "agreement.terminated", termination(B, &l.day(0))), ACCEPT),
        row("agreement.terminated: the city authority over the parties", none,
            |l| l.stmt(&CITY, "agreement.terminated", termination(AGREEMENT, &l.day(0))), ACCEPT),
        row("agreement.terminated: the provincial root", none,
            |l| l.stmt(&ROOT, "agreement.terminated", termination(AGREEMENT, &l.day(0))), ACCEPT),
        row("agreement.terminated: a county authority over one party only",
            |l| l.agree(&ORGAN, "lyg-2025-fgw-haitang", "pairing", &[&ORGAN, &COMMUNITY]),
            |l| l.stmt(&COUNTY, "agreement.terminated", termination("lyg-2025-fgw-haitang", &l.day(0))), ACCEPT),
        nrow("agreement.terminated: an authority of the other province over an alliance member", alliance,
            |l| l.stmt(&ANHUI, "agreement.terminated", termination(ALLIANCE, &l.day(0))), ACCEPT),
        row("agreement.terminated: at 23:59:59 China time, effective that day",
            |l| l.set_clock("2025-03-01T15:59:59.000Z"),
            |l| l.stmt(&ORGAN, "agreement.terminated", termination(AGREEMENT, "2025-03-01")), ACCEPT),
        row("agreement.terminated: agreement unknown", none,
            |l| l.stmt(&ORGAN, "agreement.terminated", termination(NOSUCH, &l.day(0))), UNKNOWN_REFERENCE),
        row("agreement.terminated: not a party, no authority", none,
            |l| l.stmt(&ENTERPRISE, "agreement.terminated", termination(AGREEMENT, &l.day(0))), NOT_AUTHORIZED),
        row("agreement.terminated: an authority of another city", none,
            |l| l.stmt(&NANJING, "agreement.terminated", termination(AGREEMENT, &l.day(0))), NOT_AUTHORIZED),
        row("agreement.terminated: a county authority over no party", none,
            |l| l.stmt(&COUNTY, "agreement.terminated", termination(AGREEMENT, &l.day(0))), NOT_AUTHORIZED),
        nrow("agreement.terminated: an authority of another province", none,
            |l| l.stmt(&ANHUI, "agreement.terminated", termination(AGREEMENT, &l.day(0))), NOT_AUTHORIZED),
        row("agreement.terminated: a dissolved party", |l| l.dissolve(&VILLAGE),
            |l| l.stmt(&VILLAGE, "agreement.terminated", termination(AGREEMENT, &l.day(0))), NOT_AUTHORIZED),
        row("agreement.terminated: twice",
            |l| { l.ok(&ORGAN, "agreement.terminated", termination(AGREEMENT, &l.day(30))); },
            |l| l.stmt(&VILLAGE, "agreement.terminated", termination(AGREEMENT, &l.day(0))), INVALID_TRANSITION),
        row("agreement.terminated: back-dated one day", none,
            |l| l.stmt(&ORGAN, "agreement.terminated", termination(AGREEMENT, &l.day(-1))), INVALID_TRANSITION),
        row("agreement.terminated: back-dated by the China-time date (00:30 CST, UTC still the day before)",
            |l| l.set_clock("2025-03-01T16:30:00.000Z"),
            |l| l.stmt(&ORGAN, "agreement.terminated", termination(AGREEMENT, "2025-03-01")), INVALID_TRANSITION),
    ]
}

#[rustfmt::skip]
fn results() -> Vec<Case> {
    fn report(l: &Ledger, by: &OrgSpec, agreement: &str, obligation: Option<&str>, date: &str) -> Signed {
        l.stmt(by, "result.reported", result_body("r-1", agreement, obligation, date))
    }
    fn past_term(l: &mut Ledger) {
        l.ok(&ORGAN, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], ("2024-01-01", "2024-12-31")));
        l.sign_all(B);
    }
    fn later_term(l: &mut Ledger) {
        l.ok(&ORGAN, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, ENTERPRISE.id], ("2025-06-01", "2026-05-31")));
        l.sign_all(B);
    }
    vec![
        // result.reported
        row("result.reported: a party, against an obligation, dated today", none,
            |l| report(l, &ORGAN, AGREEMENT, Some("visits"), &l.day(0)), ACCEPT),
        row("result.reported: the other party, no obligation", none,
            |l| report(l, &VILLAGE, AGREEMENT, None, &l.day(0)), ACCEPT),
        row("result.reported: dated the first day of the term", none,
            |l| report(l, &ORGAN, AGREEMENT, Some("theme-day"), TERM.0), ACCEPT),
        row("result.reported: dated the last day of a term that has ended", past_term,
            |l| report(l, &ORGAN, B, None, "2024-12-31"), ACCEPT),
        row("result.reported: termination effective later, still in force",
            |l| { l.ok(&VILLAGE, "agreement.terminated", termination(AGREEMENT, &l.day(30))); },
            |l| report(l, &ORGAN, AGREEMENT, Some("visits"), &l.day(0)), ACCEPT),
        row("result.reported: an amendment pending, against an obligation of the version in force",
            |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| report(l, &ORGAN, AGREEMENT, Some("visits"), &l.day(0)), ACCEPT),
        row("result.reported: an amendment fully signed, against its new obligation",
            |l| { l.amend(&ORGAN, AGREEMENT); l.sign_all(AGREEMENT); },
            |l| report(l, &ORGAN, AGREEMENT, Some("training"), &l.day(0)), ACCEPT),
        row("result.reported: agreement unknown", none,
            |l| report(l, &ORGAN, NOSUCH, None, &l.day(0)), UNKNOWN_REFERENCE),
        row("result.reported: obligation unknown", none,
            |l| report(l, &ORGAN, AGREEMENT, Some("nosuch"), &l.day(0)), UNKNOWN_REFERENCE),
        row("result.reported: obligation only in a pending amendment", |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| report(l, &ORGAN, AGREEMENT, Some("training"), &l.day(0)), UNKNOWN_REFERENCE),
        row("result.reported: not a party", none,
            |l| report(l, &ENTERPRISE, AGREEMENT, None, &l.day(0)), NOT_AUTHORIZED),
        row("result.reported: an authority over the agreement", none,
            |l| report(l, &CITY, AGREEMENT, None, &l.day(0)), NOT_AUTHORIZED),
        row("result.reported: a dissolved party", |l| l.dissolve(&VILLAGE),
            |l| report(l, &VILLAGE, AGREEMENT, None, &l.day(0)), NOT_AUTHORIZED),
        row("result.reported: result id already used", report_r1,
            |l| report(l, &VILLAGE, AGREEMENT, None, &l.day(0)), DUPLICATE_ID),
        row("result.reported: agreement only proposed", propose_b,
            |l| report(l, &ORGAN, B, None, &l.day(0)), INVALID_TRANSITION),
        row("result.reported: agreement only proposed, against an obligation of the proposal", propose_b,
            |l| report(l, &ORGAN, B, Some("visits"), &l.day(0)), INVALID_TRANSITION),
        row("result.reported: agreement terminated today",
            |l| { l.ok(&VILLAGE, "agreement.terminated", termination(AGREEMENT, &l.day(0))); },
            |l| report(l, &ORGAN, AGREEMENT, Some("visits"), &l.day(0)), INVALID_TRANSITION),
        row("result.reported: dated before the term", none,
            |l| report(l, &ORGAN, AGREEMENT, None, "2024-12-31"), INVALID_TRANSITION),
        row("result.reported: dated after the term", past_term,
            |l| report(l, &ORGAN, B, None, &l.day(0)), INVALID_TRANSITION),
        row("result.reported: dated today, before a term that starts later", later_term,
            |l| report(l, &ORGAN, B, None, &l.day(0)), INVALID_TRANSITION),
        row("result.reported: dated tomorrow", none,
            |l| report(l, &ORGAN, AGREEMENT, None, &l.day(1)), INVALID_TRANSITION),
        row("result.reported: dated the China-time date at 00:30 CST (UTC the day before)",
            |l| l.set_clock("2025-03-01T16:30:00.000Z"),
            |l| report(l, &ORGAN, AGREEMENT, None, "2025-03-02"), ACCEPT),
        row("result.reported: dated the next China-time day at 23:59:59 CST",
            |l| l.set_clock("2025-03-01T15:59:59.000Z"),
            |l| report(l, &ORGAN, AGREEMENT, None, "2025-03-02"), INVALID_TRANSITION),
        // result.confirmed and result.disputed
        row("result.confirmed: the other party", report_r1,
            |l| l.stmt(&VILLAGE, "result.confirmed", review("r-1")), ACCEPT),
        row("result.disputed: the other party", report_r1,
            |l| l.stmt(&VILLAGE, "result.disputed", dispute("r-1")), ACCEPT),
        row("result.confirmed: a third party after the second confirmed",
            |l| {
                l.agree(&ORGAN, TRI, "tripartite", &[&ORGAN, &VILLAGE, &ENTERPRISE]);
                l.report(&ORGAN, "r-1", TRI, "visits");
                l.ok(&VILLAGE, "result.confirmed", review("r-1"));
            },
            |l| l.stmt(&ENTERPRISE, "result.confirmed", review("r-1")), ACCEPT),
        row("result.disputed: a third party after the second confirmed",
            |l| {
                l.agree(&ORGAN, TRI, "tripartite", &[&ORGAN, &VILLAGE, &ENTERPRISE]);
                l.report(&ORGAN, "r-1", TRI, "visits");
                l.ok(&VILLAGE, "result.confirmed", review("r-1"));
            },
            |l| l.stmt(&ENTERPRISE, "result.disputed", dispute("r-1")), ACCEPT),
        row("result.confirmed: result unknown", none,
            |l| l.stmt(&VILLAGE, "result.confirmed", review("r-9")), UNKNOWN_REFERENCE),
        row("result.disputed: result unknown", none,
            |l| l.stmt(&VILLAGE, "result.disputed", dispute("r-9")), UNKNOWN_REFERENCE),
        row("result.confirmed: the reporter confirms its own result", report_r1,
            |l| l.stmt(&ORGAN, "result.confirmed", review("r-1")), NOT_AUTHORIZED),
        row("result.disputed: the reporter disputes its own result", report_r1,
            |l| l.stmt(&ORGAN, "result.disputed", dispute("r-1")), NOT_AUTHORIZED),
        row("result.confirmed: not a party", report_r1,
            |l| l.stmt(&ENTERPRISE, "result.confirmed", review("r-1")), NOT_AUTHORIZED),
        row("result.confirmed: an authority over the agreement", report_r1,
            |l| l.stmt(&CITY, "result.confirmed", review("r-1")), NOT_AUTHORIZED),
        row("result.confirmed: a dissolved party", |l| { report_r1(l); l.dissolve(&VILLAGE); },
            |l| l.stmt(&VILLAGE, "result.confirmed", review("r-1")), NOT_AUTHORIZED),
        row("result.confirmed: twice", |l| { report_r1(l); l.ok(&VILLAGE, "result.confirmed", review("r-1")); },
            |l| l.stmt(&VILLAGE, "result.confirmed", review("r-1")), INVALID_TRANSITION),
        row("result.confirmed: after disputing it", |l| { report_r1(l); l.ok(&VILLAGE, "result.disputed", dispute("r-1")); },
            |l| l.stmt(&VILLAGE, "result.confirmed", review("r-1")), INVALID_TRANSITION),
        row("result.disputed: after confirming it", |l| { report_r1(l); l.ok(&VILLAGE, "result.confirmed", review("r-1")); },
            |l| l.stmt(&VILLAGE, "result.disputed", dispute("r-1")), INVALID_TRANSITION),
        row("result.disputed: twice", |l| { report_r1(l); l.ok(&VILLAGE, "result.disputed", dispute("r-1")); },
            |l| l.stmt(&VILLAGE, "result.disputed", dispute("r-1")), INVALID_TRANSITION),
    ]
}

#[rustfmt::skip]
fn evaluations_and_cards() -> Vec<Case> {
    fn haitang(l: &mut Ledger) {
        l.agree(&ORGAN, "lyg-2025-fgw-haitang", "pairing", &[&ORGAN, &COMMUNITY]);
        l.ok(&COUNTY, "card.issued", card("card-2", "lyg-2025-fgw-haitang", None));
    }
    vec![
        // evaluation.recorded
        row("evaluation.recorded: the city authority evaluates an agreement", none,
            |l| l.stmt(&CITY, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), ACCEPT),
        row("evaluation.recorded: the provincial root evaluates an agreement", none,
            |l| l.stmt(&ROOT, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), ACCEPT),
        row("evaluation.recorded: the city authority evaluates an org", none,
            |l| l.stmt(&CITY, "evaluation.recorded", evaluation(json!({"org": VILLAGE.id}))), ACCEPT),
        row("evaluation.recorded: the county authority evaluates an org of the county", none,
            |l| l.stmt(&COUNTY, "evaluation.recorded", evaluation(json!({"org": COMMUNITY.id}))), ACCEPT),
        row("evaluation.recorded: a later evaluation of the same subject and period",
            |l| { l.ok(&CITY, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))); },
            |l| l.stmt(&CITY, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))).set("/body/grade", json!("excellent")),
            ACCEPT),
        nrow("evaluation.recorded: an authority over one member of a cross-province alliance", alliance,
            |l| l.stmt(&ANHUI, "evaluation.recorded", evaluation(json!({"agreement": ALLIANCE}))), ACCEPT),
        row("evaluation.recorded: agreement unknown", none,
            |l| l.stmt(&CITY, "evaluation.recorded", evaluation(json!({"agreement": NOSUCH}))), UNKNOWN_REFERENCE),
        row("evaluation.recorded: org unknown", none,
            |l| l.stmt(&CITY, "evaluation.recorded", evaluation(json!({"org": STRANGER.id}))), UNKNOWN_REFERENCE),
        row("evaluation.recorded: a party that is no authority", none,
            |l| l.stmt(&ORGAN, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), NOT_AUTHORIZED),
        row("evaluation.recorded: an org evaluates itself", none,
            |l| l.stmt(&VILLAGE, "evaluation.recorded", evaluation(json!({"org": VILLAGE.id}))), NOT_AUTHORIZED),
        row("evaluation.recorded: an authority of another city", none,
            |l| l.stmt(&NANJING, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), NOT_AUTHORIZED),
        row("evaluation.recorded: a county authority over no party", none,
            |l| l.stmt(&COUNTY, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), NOT_AUTHORIZED),
        row("evaluation.recorded: a county authority, org outside the county", none,
            |l| l.stmt(&COUNTY, "evaluation.recorded", evaluation(json!({"org": VILLAGE.id}))), NOT_AUTHORIZED),
        nrow("evaluation.recorded: an authority of another province", none,
            |l| l.stmt(&ANHUI, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), NOT_AUTHORIZED),
        row("evaluation.recorded: a dissolved authority", |l| l.dissolve(&CITY),
            |l| l.stmt(&CITY, "evaluation.recorded", evaluation(json!({"agreement": AGREEMENT}))), NOT_AUTHORIZED),
        // card.issued
        row("card.issued: the city authority", none,
            |l| l.stmt(&CITY, "card.issued", card("card-1", AGREEMENT, None)), ACCEPT),
        row("card.issued: red card against an obligation", none,
            |l| l.stmt(&ROOT, "card.issued", card("card-1", AGREEMENT, Some("visits"))).set("/body/color", json!("red")), ACCEPT),
        row("card.issued: on a proposal not yet signed, no obligation", propose_b,
            |l| l.stmt(&CITY, "card.issued", card("card-1", B, None)), ACCEPT),
        row("card.issued: on a proposal not yet signed, obligation of the proposal (none in force)", propose_b,
            |l| l.stmt(&CITY, "card.issued", card("card-1", B, Some("visits"))), UNKNOWN_REFERENCE),
        nrow("card.issued: an authority over one member of a cross-province alliance", alliance,
            |l| l.stmt(&ANHUI, "card.issued", card("card-1", ALLIANCE, None)), ACCEPT),
        row("card.issued: agreement unknown", none,
            |l| l.stmt(&CITY, "card.issued", card("card-1", NOSUCH, None)), UNKNOWN_REFERENCE),
        row("card.issued: obligation unknown", none,
            |l| l.stmt(&CITY, "card.issued", card("card-1", AGREEMENT, Some("nosuch"))), UNKNOWN_REFERENCE),
        row("card.issued: obligation only in a pending amendment", |l| { l.amend(&ORGAN, AGREEMENT); },
            |l| l.stmt(&CITY, "card.issued", card("card-1", AGREEMENT, Some("training"))), UNKNOWN_REFERENCE),
        row("card.issued: a party that is no authority", none,
            |l| l.stmt(&VILLAGE, "card.issued", card("card-1", AGREEMENT, None)), NOT_AUTHORIZED),
        row("card.issued: an authority of another city", none,
            |l| l.stmt(&NANJING, "card.issued", card("card-1", AGREEMENT, None)), NOT_AUTHORIZED),
        row("card.issued: card id already used", issue_card_1,
            |l| l.stmt(&ROOT, "card.issued", card("card-1", AGREEMENT, None)), DUPLICATE_ID),
        // card.lifted
        row("card.lifted: the issuing authority", issue_card_1,
            |l| l.stmt(&CITY, "card.lifted", lift("card-1")), ACCEPT),
        row("card.lifted: an authority whose region contains the issuer's", issue_card_1,
            |l| l.stmt(&ROOT, "card.lifted", lift("card-1")), ACCEPT),
        row("card.lifted: the city authority lifts the county's card", haitang,
            |l| l.stmt(&CITY, "card.lifted", lift("card-2")), ACCEPT),
        row("card.lifted: card unknown", none,
            |l| l.stmt(&CITY, "card.lifted", lift("card-9")), UNKNOWN_REFERENCE),
        row("card.lifted: an unrelated authority", issue_card_1,
            |l| l.stmt(&NANJING, "card.lifted", lift("card-1")), NOT_AUTHORIZED),
        row("card.lifted: a county authority lifts the city's card", issue_card_1,
            |l| l.stmt(&COUNTY, "card.lifted", lift("card-1")), NOT_AUTHORIZED),
        row("card.lifted: a party of the agreement", issue_card_1,
            |l| l.stmt(&ORGAN, "card.lifted", lift("card-1")), NOT_AUTHORIZED),
        nrow("card.lifted: an authority of another province", issue_card_1,
            |l| l.stmt(&ANHUI, "card.lifted", lift("card-1")), NOT_AUTHORIZED),
        nrow("card.lifted: an Anhui authority over an alliance member lifts a Jiangsu card",
            |l| { alliance(l); l.ok(&CITY, "card.issued", card("card-1", ALLIANCE, None)); },
            |l| l.stmt(&ANHUI, "card.lifted", lift("card-1")), NOT_AUTHORIZED),
        row("card.lifted: twice", |l| { issue_card_1(l); l.ok(&CITY, "card.lifted", lift("card-1")); },
            |l| l.stmt(&ROOT, "card.lifted", lift("card-1")), INVALID_TRANSITION),
    ]
}

#[rustfmt::skip]
fn needs() -> Vec<Case> {
    vec![
        // need.posted
        row("need.posted: a village", none,
            |l| l.stmt(&VILLAGE, "need.posted", need_body("need-1", None)), ACCEPT),
        row("need.posted: a community", none,
            |l| l.stmt(&COMMUNITY, "need.posted", need_body("need-1", None)), ACCEPT),
        row("need.posted: a village naming its agreement", none,
            |l| l.stmt(&VILLAGE, "need.posted", need_body("need-1", Some(AGREEMENT))), ACCEPT),
        row("need.posted: agreement unknown", none,
            |l| l.stmt(&VILLAGE, "need.posted", need_body("need-1", Some(NOSUCH))), UNKNOWN_REFERENCE),
        row("need.posted: an organ", none,
            |l| l.stmt(&ORGAN, "need.posted", need_body("need-1", None)), NOT_AUTHORIZED),
        row("need.posted: an enterprise", none,
            |l| l.stmt(&ENTERPRISE, "need.posted", need_body("need-1", None)), NOT_AUTHORIZED),
        row("need.posted: an authority", none,
            |l| l.stmt(&CITY, "need.posted", need_body("need-1", None)), NOT_AUTHORIZED),
        row("need.posted: an organ naming its own agreement", none,
            |l| l.stmt(&ORGAN, "need.posted", need_body("need-1", Some(AGREEMENT))), NOT_AUTHORIZED),
        row("need.posted: a village naming an agreement it is no party to",
            |l| l.agree(&ORGAN, B, "pairing", &[&ORGAN, &ENTERPRISE]),
            |l| l.stmt(&VILLAGE, "need.posted", need_body("need-1", Some(B))), NOT_AUTHORIZED),
        row("need.posted: a dissolved village", |l| l.dissolve(&VILLAGE),
            |l| l.stmt(&VILLAGE, "need.posted", need_body("need-1", None)), NOT_AUTHORIZED),
        row("need.posted: need id already used", post_need_1,
            |l| l.stmt(&COMMUNITY, "need.posted", need_body("need-1", None)), DUPLICATE_ID),
        // need.claimed
        row("need.claimed: an organ", post_need_1,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")), ACCEPT),
        row("need.claimed: an enterprise with no agreement with the poster", post_need_1,
            |l| l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")), ACCEPT),
        row("need.claimed: a community", post_need_1,
            |l| l.stmt(&COMMUNITY, "need.claimed", need_ref("need-1")), ACCEPT),
        row("need.claimed: need unknown", none,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-9")), UNKNOWN_REFERENCE),
        row("need.claimed: the poster claims its own need", post_need_1,
            |l| l.stmt(&VILLAGE, "need.claimed", need_ref("need-1")), NOT_AUTHORIZED),
        row("need.claimed: a dissolved org", |l| { post_need_1(l); l.dissolve(&ENTERPRISE); },
            |l| l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")), NOT_AUTHORIZED),
        row("need.claimed: twice", claim_need_1,
            |l| l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")), INVALID_TRANSITION),
        row("need.claimed: by the claimant again", claim_need_1,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")), INVALID_TRANSITION),
        row("need.claimed: fulfilled", fulfil_need_1,
            |l| l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")), INVALID_TRANSITION),
        row("need.claimed: withdrawn", |l| { post_need_1(l); l.ok(&VILLAGE, "need.closed", closing("need-1")); },
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-1")), INVALID_TRANSITION),
        // need.fulfilled
        row("need.fulfilled: the claimant", claim_need_1,
            |l| l.stmt(&ORGAN, "need.fulfilled", fulfilment("need-1")), ACCEPT),
        row("need.fulfilled: need unknown", none,
            |l| l.stmt(&ORGAN, "need.fulfilled", fulfilment("need-9")), UNKNOWN_REFERENCE),
        row("need.fulfilled: another org than the claimant", claim_need_1,
            |l| l.stmt(&ENTERPRISE, "need.fulfilled", fulfilment("need-1")), NOT_AUTHORIZED),
        row("need.fulfilled: the poster, claimed by another", claim_need_1,
            |l| l.stmt(&VILLAGE, "need.fulfilled", fulfilment("need-1")), NOT_AUTHORIZED),
        row("need.fulfilled: before anyone claimed it", post_need_1,
            |l| l.stmt(&ORGAN, "need.fulfilled", fulfilment("need-1")), INVALID_TRANSITION),
        row("need.fulfilled: twice", fulfil_need_1,
            |l| l.stmt(&ORGAN, "need.fulfilled", fulfilment("need-1")), INVALID_TRANSITION),
        // need.closed
        row("need.closed: the poster, fulfilled", fulfil_need_1,
            |l| l.stmt(&VILLAGE, "need.closed", closing("need-1")), ACCEPT),
        row("need.closed: the poster withdraws an open need", post_need_1,
            |l| l.stmt(&VILLAGE, "need.closed", closing("need-1").set_unsatisfied()), ACCEPT),
        row("need.closed: need unknown", none,
            |l| l.stmt(&VILLAGE, "need.closed", closing("need-9")), UNKNOWN_REFERENCE),
        row("need.closed: the claimant", fulfil_need_1,
            |l| l.stmt(&ORGAN, "need.closed", closing("need-1")), NOT_AUTHORIZED),
        row("need.closed: claimed, not fulfilled", claim_need_1,
            |l| l.stmt(&VILLAGE, "need.closed", closing("need-1")), INVALID_TRANSITION),
        row("need.closed: twice", |l| { fulfil_need_1(l); l.ok(&VILLAGE, "need.closed", closing("need-1")); },
            |l| l.stmt(&VILLAGE, "need.closed", closing("need-1")), INVALID_TRANSITION),
    ]
}

/// `satisfied: false` and no rating: what a withdrawal usually says.
trait Unsatisfied {
    fn set_unsatisfied(self) -> serde_json::Value;
}

impl Unsatisfied for serde_json::Value {
    fn set_unsatisfied(mut self) -> serde_json::Value {
        self["satisfied"] = json!(false);
        if let Some(body) = self.as_object_mut() {
            body.remove("rating");
        }
        self
    }
}

#[rustfmt::skip]
fn genesis_and_clock() -> Vec<Case> {
    fn posted(l: &Ledger) -> Signed {
        l.stmt(&VILLAGE, "need.posted", need_body("need-1", None))
    }
    vec![
        row("log.genesis: submitted after seq 0 by the root", none,
            |l| Signed { key: ROOT.key(), statement: genesis_statement(&ROOT, &l.time()) }, INVALID_TRANSITION),
        row("log.genesis: rules 10–14 do not apply (unknown author, unregistered key)", none,
            |l| Signed { key: STRANGER.key(), statement: genesis_statement(&STRANGER, &l.time()) }, INVALID_TRANSITION),
        row("log.genesis: clock skew answers first", none,
            |l| Signed { key: ROOT.key(), statement: genesis_statement(&ROOT, &l.time_offset_ms(-3_600_000)) }, CLOCK_SKEW),
        row("clock: time exactly max_skew_s after accepted_at", none,
            |l| posted(l).time(&l.time_offset_ms(MAX_SKEW_S * 1000)), ACCEPT),
        row("clock: time exactly max_skew_s before accepted_at", none,
            |l| posted(l).time(&l.time_offset_ms(-MAX_SKEW_S * 1000)), ACCEPT),
        row("clock: time 1 ms beyond max_skew_s ahead", none,
            |l| posted(l).time(&l.time_offset_ms(MAX_SKEW_S * 1000 + 1)), CLOCK_SKEW),
        row("clock: time 1 ms beyond max_skew_s behind", none,
            |l| posted(l).time(&l.time_offset_ms(-MAX_SKEW_S * 1000 - 1)), CLOCK_SKEW),
        row("clock: time a day ahead", none,
            |l| posted(l).time(&l.time_offset_ms(86_400_000)), CLOCK_SKEW),
        row("clock: time a day behind", none,
            |l| posted(l).time(&l.time_offset_ms(-86_400_000)), CLOCK_SKEW),
    ]
}

/// A statement that breaks two rules gets the code of the earlier check (SPEC §4.2).
#[rustfmt::skip]
fn order() -> Vec<Case> {
    fn skewed(s: Signed, l: &Ledger) -> Signed {
        s.time(&l.time_offset_ms(-3_600_000))
    }
    vec![
        row("order: schema (statement only) before clock skew", none,
            |l| skewed(l.stmt(&ORGAN, "agreement.proposed", proposal(TRI, "pairing", &[ORGAN.id, VILLAGE.id, ENTERPRISE.id], TERM)), l),
            Schema("/body/parties")),
        row("order: schema (amendment's kind) before clock skew", none,
            |l| skewed(l.stmt(&ORGAN, "agreement.amended", amendment(l, AGREEMENT)).set("/body/kind", json!("resident")), l),
            Schema("/body/kind")),
        row("order: schema (amendment's parties) before unknown author", none,
            |l| l.stmt(&STRANGER, "agreement.amended", amendment(l, AGREEMENT)).set("/body/parties", json!([VILLAGE.id, ORGAN.id])),
            Schema("/body/parties")),
        row("order: schema (amendment's kind) before not authorized", none,
            |l| l.stmt(&ENTERPRISE, "agreement.amended", amendment(l, AGREEMENT)).set("/body/kind", json!("resident")),
            Schema("/body/kind")),
        row("order: personal data before clock skew", none,
            |l| skewed(l.stmt(&VILLAGE, "need.posted", need_body("need-1", None)).set("/body/title", json!("义诊联系人电话13912345678")), l),
            PERSONAL_DATA),
        row("order: clock skew before unknown author", none,
            |l| skewed(l.stmt(&STRANGER, "need.claimed", need_ref("need-1")), l), CLOCK_SKEW),
        row("order: clock skew before key not active", none,
            |l| skewed(l.stmt(&ORGAN, "need.claimed", need_ref("need-1")).key(key(99)), l), CLOCK_SKEW),
        row("order: unknown author before unknown reference", none,
            |l| l.stmt(&STRANGER, "need.claimed", need_ref("need-9")), UNKNOWN_AUTHOR),
        row("order: key not active before unknown reference", none,
            |l| l.stmt(&ORGAN, "need.claimed", need_ref("need-9")).key(key(99)), KEY_NOT_ACTIVE),
        row("order: key not active before not authorized", none,
            |l| l.stmt(&ORGAN, "org.registered", NEW_ORGAN.registration()).key(VILLAGE.key()), KEY_NOT_ACTIVE),
        row("order: key not active for a dissolved org's revoked key",
            |l| { l.ok(&CITY, "key.revoked", revoke_key(&ENTERPRISE, ENTERPRISE.key)); l.dissolve(&ENTERPRISE); },
            |l| l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")), KEY_NOT_ACTIVE),
        row("order: unknown reference before not authorized (a party unknown, author no party)", none,
            |l| l.stmt(&ENTERPRISE, "agreement.proposed", proposal(B, "pairing", &[ORGAN.id, STRANGER.id], TERM)), UNKNOWN_REFERENCE),
        row("order: unknown reference before not authorized (organ updates an unknown org)", none,
            |l| l.stmt(&ORGAN, "org.updated", json!({"org": STRANGER.id, "name": "某党支部"})), UNKNOWN_REFERENCE),
        row("order: unknown reference before not authorized (organ posts naming an unknown agreement)", none,
            |l| l.stmt(&ORGAN, "need.posted", need_body("need-1", Some(NOSUCH))), UNKNOWN_REFERENCE),
        row("order: unknown reference before not authorized (non-party, unknown obligation)", none,
            |l| l.stmt(&ENTERPRISE, "result.reported", result_body("r-1", AGREEMENT, Some("nosuch"), &l.day(0))), UNKNOWN_REFERENCE),
        row("order: unknown reference before not authorized (dissolved author, unknown agreement)", |l| l.dissolve(&VILLAGE),
            |l| l.stmt(&VILLAGE, "agreement.signed", json!({"agreement": NOSUCH, "version": 1, "terms": OTHER_ID})), UNKNOWN_REFERENCE),
        row("order: not authorized before duplicate id (an organ registers a used id)", none,
            |l| reg(l, &ORGAN, &ORGAN2).set("/body/keys", json!([public(30)])), NOT_AUTHORIZED),
        row("order: not authorized before duplicate id (non-party reports a used result id)", report_r1,
            |l| l.stmt(&ENTERPRISE, "result.reported", result_body("r-1", AGREEMENT, None, &l.day(0))), NOT_AUTHORIZED),
        row("order: not authorized before duplicate id (a used key added by another org)", none,
            |l| l.stmt(&VILLAGE, "key.added", add_key(&ORGAN, ORGAN.key)), NOT_AUTHORIZED),
        row("order: not authorized before duplicate id (an organ posts a used need id)", post_need_1,
            |l| l.stmt(&ORGAN, "need.posted", need_body("need-1", None)), NOT_AUTHORIZED),
        row("order: not authorized before invalid transition (non-party signs twice-signed)", none,
            |l| l.stmt(&ENTERPRISE, "agreement.signed", signature(l, AGREEMENT)), NOT_AUTHORIZED),
        row("order: not authorized before invalid transition (non-claimant fulfils a fulfilled need)", fulfil_need_1,
            |l| l.stmt(&ENTERPRISE, "need.fulfilled", fulfilment("need-1")), NOT_AUTHORIZED),
        row("order: duplicate id before invalid transition (used agreement id, dissolved party)", |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&ORGAN, "agreement.proposed", proposal(AGREEMENT, "pairing", &[ORGAN.id, ENTERPRISE.id], TERM)), DUPLICATE_ID),
        row("order: duplicate id before invalid transition (used result id, agreement not in force)",
            |l| { report_r1(l); propose_b(l); },
            |l| l.stmt(&ORGAN, "result.reported", result_body("r-1", B, None, &l.day(0))), DUPLICATE_ID),
        row("order: duplicate id before invalid transition (used key, dissolved org)",
            |l| l.dissolve(&ENTERPRISE),
            |l| l.stmt(&CITY, "key.added", add_key(&ENTERPRISE, ORGAN.key)), DUPLICATE_ID),
    ]
}

fn all_cases() -> Vec<Case> {
    [
        org_registered(),
        org_updated(),
        keys(),
        checks_10_11(),
        agreements(),
        results(),
        evaluations_and_cards(),
        needs(),
        genesis_and_clock(),
        order(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

#[test]
fn org_registered_rules() {
    run(&org_registered());
}

#[test]
fn org_updated_rules() {
    run(&org_updated());
}

#[test]
fn key_rules() {
    run(&keys());
}

#[test]
fn author_and_signer_rules() {
    run(&checks_10_11());
}

#[test]
fn agreement_rules() {
    run(&agreements());
}

#[test]
fn result_rules() {
    run(&results());
}

#[test]
fn evaluation_and_card_rules() {
    run(&evaluations_and_cards());
}

#[test]
fn need_rules() {
    run(&needs());
}

#[test]
fn genesis_and_clock_rules() {
    run(&genesis_and_clock());
}

#[test]
fn order_of_checks() {
    run(&order());
}

/// Every code the state machine answers has rows, and row names are unique (so a failure
/// names one row). Prints the number of rows per expected outcome.
#[test]
fn the_table_covers_every_state_code() {
    let cases = all_cases();
    let mut per_outcome: BTreeMap<String, usize> = BTreeMap::new();
    for case in &cases {
        let key = match case.expect {
            Accept => "accept".to_string(),
            Expect::Reject(code) => code.as_str().to_string(),
            Schema(_) => "schema".to_string(),
        };
        *per_outcome.entry(key).or_default() += 1;
    }
    println!("{} rows: {per_outcome:?}", cases.len());
    for code in [
        Code::Schema,
        Code::ClockSkew,
        Code::UnknownAuthor,
        Code::KeyNotActive,
        Code::UnknownReference,
        Code::NotAuthorized,
        Code::DuplicateId,
        Code::InvalidTransition,
    ] {
        assert!(
            per_outcome.get(code.as_str()).is_some_and(|n| *n >= 3),
            "fewer than 3 rows expect {code}"
        );
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "row names repeat");
}

// ---------------------------------------------------------------------------------------------
// Check 6: already logged.

#[test]
fn a_logged_statement_resubmitted_is_already_logged() {
    let mut l = Ledger::world();
    l.post_need("need-1");
    let seq = l.state.size - 1;
    let envelope = l.envelopes[seq as usize].clone();
    let digest = l.state.digest();
    assert_eq!(l.submit_envelope(&envelope), Verdict::AlreadyLogged { seq });
    assert_eq!(l.state.digest(), digest);

    // Even after its signer is revoked, after its need changed state, and long after its
    // time: the statement was valid when accepted.
    l.ok(&CITY, "key.revoked", revoke_key(&VILLAGE, VILLAGE.key));
    l.ok(&ORGAN, "need.claimed", need_ref("need-1"));
    l.advance_s(86_400 * 30);
    assert_eq!(l.submit_envelope(&envelope), Verdict::AlreadyLogged { seq });

    // The genesis too.
    let genesis = l.envelopes[0].clone();
    assert_eq!(
        l.submit_envelope(&genesis),
        Verdict::AlreadyLogged { seq: 0 }
    );

    // The id is the statement's: the same statement signed by anyone is already logged…
    let statement: serde_json::Value =
        serde_json::from_str(envelope.statement_text()).expect("json");
    assert_eq!(
        l.submit(&key(99), &statement),
        Verdict::AlreadyLogged { seq }
    );
    // …but checks 1–5 come first: a signature that does not verify is bad_signature.
    let other = l
        .stmt(&VILLAGE, "need.posted", need_body("need-2", None))
        .envelope();
    let forged = envelope
        .to_canonical_json()
        .replace(&envelope.signature_base64(), &other.signature_base64());
    let verdict = l.submit_bytes(forged.as_bytes());
    assert_eq!(code_of(&verdict), Some(Code::BadSignature), "{verdict:?}");
    assert_eq!(l.state.size as usize, l.leaves.len());
}

#[test]
fn a_rejected_statement_resubmitted_is_rejected_again() {
    let mut l = Ledger::world();
    let signed = l.stmt(&ORGAN, "need.posted", need_body("need-1", None));
    let envelope = signed.envelope();
    for _ in 0..2 {
        let verdict = l.submit_envelope(&envelope);
        assert_eq!(code_of(&verdict), Some(Code::NotAuthorized), "{verdict:?}");
    }
    assert_eq!(l.state.seq_of(&envelope.id()), None);
}

#[test]
fn the_same_body_signed_again_at_another_time_is_a_new_statement() {
    let mut l = Ledger::world();
    l.ok(
        &CITY,
        "evaluation.recorded",
        evaluation(json!({"org": VILLAGE.id})),
    );
    // A different `time` makes a different statement id: not check 6, an evaluation again.
    let verdict = l.submit_signed(&l.stmt(
        &CITY,
        "evaluation.recorded",
        evaluation(json!({"org": VILLAGE.id})),
    ));
    assert_eq!(verdict, Verdict::Accept);
    assert_eq!(l.state.evaluations.len(), 2, "both evaluations are kept");
}

// ---------------------------------------------------------------------------------------------
// Lifecycles: what the accepted statements record.

#[test]
fn agreement_versions_signatures_and_the_version_in_force() {
    let mut l = Ledger::world();
    let today = l.today();
    let proposal_id = l.propose(&ORGAN, B, "pairing", &[&ORGAN, &ENTERPRISE]);
    {
        let a = &l.state.agreements[B];
        assert_eq!(a.versions.len(), 1);
        assert_eq!(a.latest().version, 1);
        assert_eq!(a.latest().statement.to_string(), proposal_id);
        assert_eq!(a.latest().author.as_str(), ORGAN.id);
        // The proposal counts as the proposer's signature.
        let signers: Vec<&str> = a.latest().signatures.keys().map(|o| o.as_str()).collect();
        assert_eq!(signers, [ORGAN.id]);
        assert!(a.signed_version().is_none(), "not signed by every party");
        assert!(a.in_force_on(today).is_none());
    }

    l.sign_all(B);
    let signed_at = l.state.size - 1;
    {
        let a = &l.state.agreements[B];
        let v1 = a.signed_version().expect("signed by both");
        assert_eq!(v1.version, 1);
        assert_eq!(
            v1.fully_signed(&a.parties).map(|at| at.seq),
            Some(signed_at),
            "fully signed when the last party signed"
        );
        assert_eq!(a.in_force_on(today).map(|v| v.version), Some(1));
    }
    l.report(&ORGAN, "r-1", B, "visits");
    assert_eq!(l.state.results["r-1"].version, 1);

    // An amendment pending leaves version 1 in force.
    let amendment_id = l.amend(&ENTERPRISE, B);
    {
        let a = &l.state.agreements[B];
        assert_eq!(a.latest().version, 2);
        assert_eq!(
            a.latest()
                .signatures
                .keys()
                .map(|o| o.as_str())
                .collect::<Vec<_>>(),
            [ENTERPRISE.id]
        );
        assert_eq!(a.signed_version().map(|v| v.version), Some(1));
        assert_eq!(a.in_force_on(today).map(|v| v.version), Some(1));
    }
    l.report(&ENTERPRISE, "r-2", B, "theme-day");
    assert_eq!(
        l.state.results["r-2"].version, 1,
        "results record the version in force"
    );

    // Signed by the other party: version 2 in force.
    let body = signature(&l, B);
    assert_eq!(body["terms"], json!(amendment_id));
    l.ok(&ORGAN, "agreement.signed", body);
    {
        let a = &l.state.agreements[B];
        assert_eq!(a.signed_version().map(|v| v.version), Some(2));
        assert_eq!(a.in_force_on(today).map(|v| v.version), Some(2));
        assert_eq!(a.versions[1].statement.to_string(), amendment_id);
    }
    l.report(&ORGAN, "r-3", B, "training");
    assert_eq!(l.state.results["r-3"].version, 2);
    assert_eq!(
        l.state.results["r-1"].version, 1,
        "earlier results keep their version"
    );

    // A termination effective in ten days: in force until then, not from that day.
    let effective = l.day(10);
    l.ok(&ORGAN, "agreement.terminated", termination(B, &effective));
    let a = &l.state.agreements[B];
    assert_eq!(a.in_force_on(today.add_days(9)).map(|v| v.version), Some(2));
    assert!(a.in_force_on(today.add_days(10)).is_none());
    let t = a.termination.as_ref().expect("terminated");
    assert_eq!(t.by.as_str(), ORGAN.id);
    assert_eq!(t.effective.to_string(), effective);
}

#[test]
fn results_reviews_are_recorded_per_party() {
    let mut l = Ledger::world();
    l.agree(&ORGAN, TRI, "tripartite", &[&ORGAN, &VILLAGE, &ENTERPRISE]);
    l.report(&ORGAN, "r-1", TRI, "visits");
    assert!(!l.state.results["r-1"].is_confirmed());
    l.ok(&VILLAGE, "result.confirmed", review("r-1"));
    l.ok(&ENTERPRISE, "result.disputed", dispute("r-1"));
    let r = &l.state.results["r-1"];
    assert!(r.is_confirmed() && r.is_disputed());
    assert!(matches!(
        r.reviews.get(VILLAGE.id),
        Some(Review::Confirmed { .. })
    ));
    assert!(matches!(
        r.reviews.get(ENTERPRISE.id),
        Some(Review::Disputed { .. })
    ));
    assert_eq!(r.reviews.len(), 2);
    assert!(
        !r.reviews.contains_key(ORGAN.id),
        "the reporter does not review"
    );
    assert_eq!(r.metrics.get("visits"), Some(&12));
    assert_eq!(r.metrics.get("nosuch"), None);
}

#[test]
fn a_need_goes_open_claimed_fulfilled_closed() {
    let mut l = Ledger::world();
    l.post_need("need-1");
    assert_eq!(l.state.needs["need-1"].status, NeedStatus::Open);
    l.ok(&ORGAN, "need.claimed", need_ref("need-1"));
    let need = &l.state.needs["need-1"];
    assert_eq!(need.status, NeedStatus::Claimed);
    assert_eq!(need.claim.as_ref().map(|(o, _)| o.as_str()), Some(ORGAN.id));
    l.ok(&ORGAN, "need.fulfilled", fulfilment("need-1"));
    assert_eq!(l.state.needs["need-1"].status, NeedStatus::Fulfilled);
    l.ok(&VILLAGE, "need.closed", closing("need-1"));
    let closed = l.state.needs["need-1"].closing.as_ref().expect("closed");
    assert!(!closed.withdrawn && closed.satisfied);
    assert_eq!(l.state.needs["need-1"].status, NeedStatus::Closed);

    l.post_need("need-2");
    l.ok(&VILLAGE, "need.closed", closing("need-2").set_unsatisfied());
    let closed = l.state.needs["need-2"].closing.as_ref().expect("closed");
    assert!(closed.withdrawn, "closed while open: withdrawn");
}

#[test]
fn key_recovery_after_every_key_is_revoked() {
    let mut l = Ledger::world();
    l.ok(&CITY, "key.revoked", revoke_key(&ORGAN, ORGAN.key));
    assert!(!l.state.keys[&ORGAN.key().verifying_key().to_bytes()].is_active());
    // The org cannot act with any key now.
    let claim = l.stmt(&ORGAN, "need.posted", need_body("need-1", None));
    assert_eq!(code_of(&l.submit_signed(&claim)), Some(Code::KeyNotActive));
    // Its authority gives it a new key; the org acts with it.
    l.ok(&CITY, "key.added", add_key(&ORGAN, 31));
    assert_eq!(
        l.state.keys[&key(31).verifying_key().to_bytes()]
            .org
            .as_str(),
        ORGAN.id
    );
    l.post_need("need-1");
    let claim = l
        .stmt(&ORGAN, "need.claimed", need_ref("need-1"))
        .key(key(31));
    assert_eq!(l.submit_signed(&claim), Verdict::Accept);
}

#[test]
fn dissolution_is_recorded_and_final() {
    let mut l = Ledger::world();
    l.dissolve(&ENTERPRISE);
    let org = &l.state.orgs[ENTERPRISE.id];
    assert_eq!(org.dissolved.map(|at| at.seq), Some(l.state.size - 1));
    // References are checked before authorization…
    let verdict = l.submit_signed(&l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")));
    assert_eq!(code_of(&verdict), Some(Code::UnknownReference));
    // …and its keys stay active (not key_not_active): a dissolved org is not_authorized.
    l.post_need("need-1");
    let verdict = l.submit_signed(&l.stmt(&ENTERPRISE, "need.claimed", need_ref("need-1")));
    assert_eq!(code_of(&verdict), Some(Code::NotAuthorized));
}

#[test]
fn the_digest_follows_the_state() {
    let a = Ledger::world();
    let b = Ledger::world();
    assert_eq!(a.state.digest(), b.state.digest());
    let mut c = Ledger::world();
    c.post_need("need-1");
    assert_ne!(a.state.digest(), c.state.digest());
}
