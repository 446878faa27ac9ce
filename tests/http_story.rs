//! The whole story of 结对共建 over real TCP: the `pactlog` binary serving a fresh national
//! ledger on a free loopback port, every act a signed statement POSTed to `/v1/statements`
//! (201), and after each act the projections (SPEC §6, §7) read back with real values —
//! states, statuses, counts, sums — at exactly the tree size the log then has, in the member
//! `tree_size` and the header `X-Pactlog-Tree-Size`. Then the server is stopped (SIGTERM)
//! and started again, and every projection answer is byte-identical.
//!
//! The story: the root authority (`root.authority`, region `000000`) registers a city
//! authority, an organ branch, a village and a private enterprise; the branch and the village
//! sign a pairing agreement; results are reported, confirmed and disputed until the measured
//! obligation is met; the agreement is amended and re-signed; the city authority grades it; a
//! yellow card is issued and lifted; a need goes open → claimed → fulfilled → closed; a
//! three-party agreement with the enterprise and a cross-province alliance with an Anhui
//! village follow.

mod http_common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use http_common::*;
use pactlog_statement::time::Date;
use serde_json::{json, Value};

/// SPEC §6: an acknowledged entry is reflected in the projections within one second.
const REFLECTED_WITHIN: Duration = Duration::from_secs(1);

const CITY: &str = "js.lyg.jggw";
const BRANCH: &str = "js.lyg.fgw";
const VILLAGE: &str = "js.lyg.v.nanxin";
const ENTERPRISE: &str = "js.lyg.e.gangtong";
const ANHUI: &str = "ah.czs.jggw";
const ANHUI_VILLAGE: &str = "ah.czs.v.xiaogang";

const PAIRING: &str = "lyg-fgw-nanxin";
const TRIPARTITE: &str = "lyg-fgw-nanxin-gangtong";
const ALLIANCE: &str = "su-wan-alliance";

/// A ledger being written through the HTTP interface, one act at a time.
struct Story {
    /// Stopped (SIGTERM) before `root` is removed: fields drop in order.
    server: Option<ServerProcess>,
    client: Client,
    /// Entries in the log: the genesis and every statement acknowledged so far.
    size: u64,
    keys: BTreeMap<&'static str, SigningKey>,
    /// The date the story's terms, dues and results are written around (today, UTC+8).
    day: Date,
    /// Every projection path read, for the restart check.
    paths: BTreeSet<String>,
    root: tempfile::TempDir,
}

impl Story {
    fn start() -> Story {
        let root = tempfile::tempdir().unwrap();
        let server = ServerProcess::start_new(root.path());
        let client = Client::new(&server);
        let mut keys = BTreeMap::from([(ROOT, server.authority_key())]);
        for org in [CITY, BRANCH, VILLAGE, ENTERPRISE, ANHUI, ANHUI_VILLAGE] {
            keys.insert(org, key(org));
        }
        Story {
            server: Some(server),
            client,
            size: 1,
            keys,
            day: today(),
            paths: BTreeSet::new(),
            root,
        }
    }

    /// `day` shifted by `days`, as a body writes a date.
    fn date(&self, days: i64) -> String {
        self.day.add_days(days).to_string()
    }

    fn public(&self, org: &str) -> String {
        public(&self.keys[org])
    }

    /// `author` signs and submits a statement; it must be acknowledged (201) as the next
    /// entry and reflected in the projections within [`REFLECTED_WITHIN`]. Returns the
    /// statement id.
    fn act(&mut self, author: &str, statement_type: &str, body: Value) -> String {
        let envelope = sign(&statement(statement_type, author, body), &self.keys[author]);
        let answer = self.client.submit(&envelope);
        assert_eq!(
            answer.status,
            201,
            "{statement_type} by {author}: {}",
            answer.text()
        );
        let acknowledged = Instant::now();
        let ack = answer.json();
        assert_eq!(ack["seq"], self.size, "{statement_type}: the next entry");
        assert_eq!(ack["id"], statement_id(&envelope));
        self.size += 1;
        let size = self.size;
        let client = &self.client;
        let reflected = eventually(REFLECTED_WITHIN, || {
            client.get("/v1/orgs?limit=1").tree_size() >= size
        });
        assert!(
            reflected,
            "{statement_type} (seq {}) reflected in the projections within {REFLECTED_WITHIN:?} \
             (waited {:?})",
            size - 1,
            acknowledged.elapsed()
        );
        ack["id"].as_str().unwrap().to_string()
    }

    /// A projection answer (200, JSON) at exactly the story's tree size, in the member and
    /// the header.
    fn get(&mut self, path: &str) -> Value {
        let answer = self.client.get(path);
        assert_eq!(answer.status, 200, "{path}: {}", answer.text());
        assert_eq!(
            answer.header("content-type"),
            Some("application/json"),
            "{path}"
        );
        assert_eq!(answer.tree_size(), self.size, "{path}: X-Pactlog-Tree-Size");
        let body = answer.json();
        assert_eq!(body["tree_size"], self.size, "{path}: tree_size");
        self.paths.insert(path.to_string());
        body
    }

    /// The ids of a list answer's items, in order; the list must fit one page.
    fn ids(&mut self, path: &str) -> Vec<String> {
        let page = self.get(path);
        assert_eq!(page["next"], Value::Null, "{path}: one page");
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect()
    }

    fn org(&mut self, id: &str) -> Value {
        let org = self.get(&format!("/v1/orgs/{id}"));
        assert_eq!(org["id"], id);
        org
    }

    fn agreement(&mut self, id: &str) -> Value {
        let agreement = self.get(&format!("/v1/agreements/{id}"));
        assert_eq!(agreement["id"], id);
        assert_eq!(
            agreement["as_of"],
            today().to_string(),
            "as_of defaults to today"
        );
        agreement
    }

    /// The agreement's row in `GET /v1/agreements` (the summary with its counts).
    fn summary(&mut self, id: &str) -> Value {
        let page = self.get(&format!("/v1/agreements?party={BRANCH}"));
        find(&page["items"], "id", id).clone()
    }

    /// `GET /v1/obligations?agreement=ID`: obligation id → row.
    fn obligations(&mut self, agreement: &str) -> BTreeMap<String, Value> {
        let page = self.get(&format!("/v1/obligations?agreement={agreement}"));
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                assert_eq!(row["agreement"], agreement);
                (row["id"].as_str().unwrap().to_string(), row.clone())
            })
            .collect()
    }

    fn stats(&mut self) -> Value {
        let stats = self.get("/v1/stats");
        assert_eq!(stats["region"], "000000");
        stats
    }

    fn register(&mut self, by: &str, org: &str, name: &str, kind: &str, region: &str) -> Value {
        let mut body = json!({
            "org": org,
            "name": name,
            "kind": kind,
            "region": region,
            "keys": [self.public(org)],
        });
        if kind == "enterprise" {
            body["ownership"] = json!("private");
        }
        if kind == "organ" {
            body["parent"] = json!(CITY);
        }
        self.act(by, "org.registered", body);
        let detail = self.org(org);
        assert_eq!(detail["kind"], kind);
        assert_eq!(detail["region"], region);
        assert_eq!(detail["name"], name);
        assert_eq!(detail["dissolved"], false);
        assert_eq!(detail["registered"]["seq"], self.size - 1);
        let keys = detail["active_keys"].as_array().unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0]["key"], self.public(org));
        assert_eq!(keys[0]["revoked"], Value::Null);
        detail
    }

    /// `party` signs the latest version (its statement id is `terms`).
    fn sign_terms(&mut self, party: &str, agreement: &str, version: u64, terms: &str) {
        self.act(
            party,
            "agreement.signed",
            json!({"agreement": agreement, "version": version, "terms": terms}),
        );
    }

    fn report(&mut self, by: &str, result: &str, obligation: &str, metrics: Value) {
        self.act(
            by,
            "result.reported",
            json!({
                "result": result,
                "agreement": PAIRING,
                "obligation": obligation,
                "date": self.date(0),
                "category": "party_building",
                "summary": "走访南新村农户，收集意见建议，\n协调解决村道照明问题。",
                "metrics": metrics,
                "evidence": [{"sha256": "5e".repeat(32), "media_type": "image/jpeg"}],
            }),
        );
    }

    fn stop(&mut self) {
        let server = self.server.take().expect("running");
        let status = server.stop();
        assert!(status.success(), "pactlog serve exits cleanly on SIGTERM");
    }

    fn restart(&mut self) {
        let server = ServerProcess::restart(self.root.path());
        self.client = Client::new(&server);
        self.server = Some(server);
    }
}

/// The item of a JSON array whose `member` is `value`.
fn find<'a>(items: &'a Value, member: &str, value: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item[member] == value)
        .unwrap_or_else(|| panic!("no item with {member} = {value} in {items}"))
}

/// The pairing agreement's first version: a measured obligation (visits, target 4, due in
/// half a year) and an unmeasured one due in 20 days (so `at_risk` until it is done).
fn pairing_terms(story: &Story, version: u64) -> Value {
    let mut obligations = vec![
        json!({
            "id": "visits",
            "owner": BRANCH,
            "category": "party_building",
            "title": "走访调研南新村农户不少于4人次",
            "measure": {"metric": "visits", "target": 4},
            "due": story.date(180),
        }),
        json!({
            "id": "theme-day",
            "owner": VILLAGE,
            "category": "party_building",
            "title": "联合开展主题党日活动",
            "due": story.date(20),
        }),
    ];
    let mut categories = vec!["party_building", "livelihood"];
    let mut title = "连云港市发改委机关党支部与南新村党总支结对共建协议".to_string();
    if version > 1 {
        obligations.push(json!({
            "id": "training",
            "owner": BRANCH,
            "category": "talent",
            "title": "培训村级后备干部10名",
            "due": story.date(120),
        }));
        categories.push("talent");
        title.push_str("（修订）");
    }
    json!({
        "agreement": PAIRING,
        "version": version,
        "kind": "pairing",
        "title": title,
        "parties": [BRANCH, VILLAGE],
        "term": {"start": story.date(-30), "end": story.date(335)},
        "categories": categories,
        "goals": ["共建党建示范点1个", "村集体年增收10万元"],
        "meetings": {"every": "quarter"},
        "obligations": obligations,
    })
}

/// A proposal among `parties` with one unmeasured obligation due at the end of the term.
fn proposal(story: &Story, agreement: &str, kind: &str, title: &str, parties: &[&str]) -> Value {
    json!({
        "agreement": agreement,
        "version": 1,
        "kind": kind,
        "title": title,
        "parties": parties,
        "term": {"start": story.date(-30), "end": story.date(335)},
        "categories": ["party_building", "projects"],
        "goals": ["联合开展党建活动"],
        "meetings": {"every": "half_year"},
        "obligations": [{
            "id": "exchange",
            "owner": parties[0],
            "category": "party_building",
            "title": "互派党员干部交流学习",
            "due": story.date(335),
        }],
    })
}

#[test]
fn the_whole_story_over_http() {
    let started = Instant::now();
    let mut story = Story::start();

    // The genesis alone: the root authority of the nation.
    let stats = story.stats();
    assert_eq!(stats["orgs"]["total"], 1);
    assert_eq!(stats["orgs"]["by_kind"]["authority"], 1);
    assert_eq!(story.org(ROOT)["region"], "000000");

    // --- Registrations -------------------------------------------------------------------
    story.register(
        ROOT,
        CITY,
        "中共连云港市委市级机关工作委员会",
        "authority",
        "320700",
    );
    let branch = story.register(
        ROOT,
        BRANCH,
        "连云港市发展和改革委员会机关党支部",
        "organ",
        "320700",
    );
    assert_eq!(branch["parent"], CITY);
    assert_eq!(branch["agreements"], json!([]));
    story.register(
        ROOT,
        VILLAGE,
        "连云港市连云区南新村党总支",
        "village",
        "320703",
    );
    let enterprise = story.register(
        ROOT,
        ENTERPRISE,
        "连云港港通物流有限公司党支部",
        "enterprise",
        "320703",
    );
    assert_eq!(enterprise["ownership"], "private");
    assert_eq!(
        story.ids("/v1/orgs?region=320700"),
        [ENTERPRISE, BRANCH, CITY, VILLAGE]
    );
    assert_eq!(story.ids("/v1/orgs?region=320703"), [ENTERPRISE, VILLAGE]);
    assert_eq!(story.ids("/v1/orgs?kind=village"), [VILLAGE]);
    let stats = story.stats();
    assert_eq!(
        stats["orgs"],
        json!({"total": 5, "by_kind": {"organ": 1, "enterprise": 1, "village": 1,
            "community": 0, "institution": 0, "social": 0, "authority": 2}})
    );
    assert_eq!(stats["agreements"]["total"], 0);

    // --- The branch proposes a pairing: proposed -------------------------------------------
    let v1 = story.act(BRANCH, "agreement.proposed", pairing_terms(&story, 1));
    let a = story.agreement(PAIRING);
    assert_eq!(a["state"], "proposed");
    assert_eq!(a["kind"], "pairing");
    assert_eq!(a["version_in_force"], Value::Null);
    assert_eq!(a["signed_version"], Value::Null);
    assert_eq!(a["pending_version"], 1);
    assert_eq!(a["latest_version"], 1);
    assert_eq!(a["parties"][0]["id"], BRANCH);
    assert_eq!(a["parties"][1]["id"], VILLAGE);
    assert_eq!(a["parties"][1]["kind"], "village");
    assert_eq!(
        a["term"],
        json!({"start": story.date(-30), "end": story.date(335)})
    );
    assert_eq!(a["versions"][0]["statement"], v1);
    assert_eq!(a["versions"][0]["pending"], true);
    assert_eq!(a["versions"][0]["in_force"], false);
    assert_eq!(a["versions"][0]["fully_signed"], Value::Null);
    let signatures = a["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 1);
    assert_eq!(signatures[0]["party"], BRANCH);
    assert_eq!(signatures[0]["by_terms"], true);
    assert_eq!(story.ids("/v1/agreements?state=proposed"), [PAIRING]);
    assert!(story.ids("/v1/agreements?state=active").is_empty());
    assert!(
        story.obligations(PAIRING).is_empty(),
        "a proposal owes nothing yet"
    );
    let stats = story.stats();
    assert_eq!(stats["agreements"]["total"], 1);
    assert_eq!(stats["agreements"]["by_state"]["proposed"], 1);
    assert_eq!(stats["obligations"]["total"], 0);

    // --- The village signs: active --------------------------------------------------------
    story.sign_terms(VILLAGE, PAIRING, 1, &v1);
    let signed_at = story.size - 1;
    let a = story.agreement(PAIRING);
    assert_eq!(a["state"], "active");
    assert_eq!(a["version_in_force"], 1);
    assert_eq!(a["signed_version"], 1);
    assert_eq!(a["pending_version"], Value::Null);
    assert_eq!(a["versions"][0]["in_force"], true);
    assert_eq!(a["versions"][0]["pending"], false);
    assert_eq!(a["versions"][0]["fully_signed"]["seq"], signed_at);
    let signatures = a["signatures"].as_array().unwrap();
    assert_eq!(signatures.len(), 2);
    assert_eq!(signatures[1]["party"], VILLAGE);
    assert_eq!(signatures[1]["by_terms"], false);
    assert_eq!(story.ids("/v1/agreements?state=active"), [PAIRING]);
    assert!(story.ids("/v1/agreements?state=proposed").is_empty());
    let obligations = story.obligations(PAIRING);
    assert_eq!(
        obligations.keys().collect::<Vec<_>>(),
        ["theme-day", "visits"]
    );
    assert_eq!(obligations["theme-day"]["status"], "at_risk");
    assert_eq!(obligations["theme-day"]["days_to_due"], 20);
    assert_eq!(obligations["visits"]["status"], "open");
    assert_eq!(
        obligations["visits"]["progress"],
        json!({"metric": "visits", "target": 4, "confirmed": 0})
    );
    assert_eq!(obligations["visits"]["version"], 1);
    assert_eq!(story.ids("/v1/obligations?status=at_risk").len(), 1);
    let stats = story.stats();
    assert_eq!(stats["agreements"]["by_state"]["active"], 1);
    assert_eq!(stats["agreements"]["by_state"]["proposed"], 0);
    assert_eq!(
        stats["obligations"],
        json!({"total": 2, "met": 0, "disputed": 0, "overdue": 0, "at_risk": 1, "open": 1})
    );
    assert_eq!(stats["at_risk_obligations"], 1);
    let pair = find(&stats["by_kind_pair"], "pair", "organ↔village");
    assert_eq!(pair["agreements"], 1);
    assert_eq!(pair["active"], 1);
    assert_eq!(pair["active_parties"]["organ"], 1);
    assert_eq!(pair["active_parties"]["village"], 1);

    // --- Results: reported by the branch, confirmed or disputed by the village -----------
    story.report(
        BRANCH,
        "lyg-r-001",
        "visits",
        json!({"visits": 2, "problems_solved": 1}),
    );
    let results = story.get(&format!("/v1/results?agreement={PAIRING}"));
    let r1 = find(&results["items"], "id", "lyg-r-001");
    assert_eq!(r1["confirmation"], "unconfirmed");
    assert_eq!(r1["counts"], false);
    assert_eq!(r1["reporter"], BRANCH);
    assert_eq!(r1["version"], 1);
    assert_eq!(r1["date"], story.date(0));
    assert_eq!(r1["reviews"], json!([]));
    let visits = &story.obligations(PAIRING)["visits"];
    assert_eq!(visits["progress"]["confirmed"], 0);
    assert_eq!(visits["results"]["unconfirmed"], 1);
    assert_eq!(visits["latest_result"], "lyg-r-001");
    let stats = story.stats();
    assert_eq!(
        stats["results"],
        json!({"reported": 1, "confirmed": 0, "disputed": 0, "unconfirmed": 1})
    );
    assert_eq!(
        stats["metric_totals"]["visits"], 0,
        "unconfirmed results do not count"
    );

    story.act(VILLAGE, "result.confirmed", json!({"result": "lyg-r-001"}));
    assert_eq!(
        story.ids("/v1/results?confirmation=confirmed"),
        ["lyg-r-001"]
    );
    let results = story.get(&format!("/v1/results?agreement={PAIRING}"));
    let r1 = find(&results["items"], "id", "lyg-r-001");
    assert_eq!(r1["confirmation"], "confirmed");
    assert_eq!(r1["counts"], true);
    assert_eq!(r1["reviews"][0]["party"], VILLAGE);
    assert_eq!(r1["reviews"][0]["review"], "confirmed");
    let visits = &story.obligations(PAIRING)["visits"];
    assert_eq!(visits["status"], "open");
    assert_eq!(visits["progress"]["confirmed"], 2);
    let stats = story.stats();
    assert_eq!(stats["results"]["confirmed"], 1);
    assert_eq!(stats["metric_totals"]["visits"], 2);
    assert_eq!(stats["metric_totals"]["problems_solved"], 1);
    let party_building = find(&stats["by_category"], "category", "party_building");
    assert_eq!(party_building["results_confirmed"], 1);
    assert_eq!(party_building["metric_totals"]["visits"], 2);

    story.report(BRANCH, "lyg-r-002", "visits", json!({"visits": 3}));
    story.act(
        VILLAGE,
        "result.disputed",
        json!({"result": "lyg-r-002", "reason": "走访人次与村委会签到记录不符"}),
    );
    let results = story.get(&format!("/v1/results?agreement={PAIRING}"));
    let r2 = find(&results["items"], "id", "lyg-r-002");
    assert_eq!(r2["confirmation"], "disputed");
    assert_eq!(r2["counts"], false);
    assert_eq!(r2["reviews"][0]["review"], "disputed");
    assert_eq!(r2["reviews"][0]["reason"], "走访人次与村委会签到记录不符");
    assert_eq!(
        story.ids("/v1/results?confirmation=disputed"),
        ["lyg-r-002"]
    );
    let visits = &story.obligations(PAIRING)["visits"];
    assert_eq!(visits["status"], "disputed");
    assert_eq!(visits["latest_result"], "lyg-r-002");
    assert_eq!(visits["progress"]["confirmed"], 2);
    assert_eq!(
        visits["results"],
        json!({"reported": 2, "confirmed": 1, "disputed": 1, "unconfirmed": 0})
    );
    assert_eq!(story.ids("/v1/obligations?status=disputed").len(), 1);
    let stats = story.stats();
    assert_eq!(
        stats["results"],
        json!({"reported": 2, "confirmed": 1, "disputed": 1, "unconfirmed": 0})
    );
    assert_eq!(
        stats["metric_totals"]["visits"], 2,
        "disputed results do not count"
    );
    assert_eq!(stats["obligations"]["disputed"], 1);

    story.report(
        BRANCH,
        "lyg-r-003",
        "visits",
        json!({"visits": 2, "suggestions": 5}),
    );
    assert_eq!(
        story.obligations(PAIRING)["visits"]["status"],
        "open",
        "the latest result is no longer the disputed one"
    );
    story.act(VILLAGE, "result.confirmed", json!({"result": "lyg-r-003"}));
    let visits = &story.obligations(PAIRING)["visits"];
    assert_eq!(visits["status"], "met", "confirmed visits 2 + 2 ≥ target 4");
    assert_eq!(visits["progress"]["confirmed"], 4);
    assert_eq!(story.ids("/v1/obligations?status=met").len(), 1);
    assert_eq!(
        story.ids("/v1/results"),
        ["lyg-r-003", "lyg-r-002", "lyg-r-001"],
        "newest first"
    );
    let stats = story.stats();
    assert_eq!(stats["metric_totals"]["visits"], 4);
    assert_eq!(stats["metric_totals"]["suggestions"], 5);
    assert_eq!(stats["results"]["reported"], 3);
    assert_eq!(stats["results"]["confirmed"], 2);
    assert_eq!(stats["obligations"]["met"], 1);

    // The unmeasured obligation: one result confirmed by the other party meets it.
    story.report(
        VILLAGE,
        "lyg-r-004",
        "theme-day",
        json!({"meetings": 1, "beneficiaries": 60}),
    );
    assert_eq!(story.obligations(PAIRING)["theme-day"]["status"], "at_risk");
    story.act(BRANCH, "result.confirmed", json!({"result": "lyg-r-004"}));
    let obligations = story.obligations(PAIRING);
    assert_eq!(obligations["theme-day"]["status"], "met");
    assert_eq!(
        obligations["theme-day"]["progress"],
        json!({"metric": null, "target": 1, "confirmed": 1})
    );
    assert!(story.ids("/v1/obligations?status=at_risk").is_empty());
    let stats = story.stats();
    assert_eq!(stats["obligations"]["met"], 2);
    assert_eq!(stats["at_risk_obligations"], 0);
    assert_eq!(stats["metric_totals"]["meetings"], 1);
    assert_eq!(stats["metric_totals"]["beneficiaries"], 60);

    // --- Amendment: version 2 pending while version 1 stays in force ---------------------
    let mut amendment = pairing_terms(&story, 2);
    amendment["supersedes"] = json!(v1);
    let v2 = story.act(BRANCH, "agreement.amended", amendment);
    let a = story.agreement(PAIRING);
    assert_eq!(a["state"], "active");
    assert_eq!(a["version_in_force"], 1);
    assert_eq!(a["pending_version"], 2);
    assert_eq!(a["latest_version"], 2);
    assert_eq!(
        a["title"], "连云港市发改委机关党支部与南新村党总支结对共建协议",
        "the terms shown are those in force"
    );
    assert_eq!(a["versions"][0]["in_force"], true);
    assert_eq!(a["versions"][1]["statement"], v2);
    assert_eq!(a["versions"][1]["pending"], true);
    assert_eq!(a["versions"][1]["in_force"], false);
    assert_eq!(a["versions"][1]["signatures"][0]["party"], BRANCH);
    assert_eq!(a["versions"][1]["obligations"].as_array().unwrap().len(), 3);
    let obligations = story.obligations(PAIRING);
    assert_eq!(obligations.len(), 2, "version 1's obligations still owed");
    assert!(obligations.values().all(|o| o["version"] == 1));
    let summary = story.summary(PAIRING);
    assert_eq!(summary["pending_version"], 2);
    assert_eq!(summary["version_in_force"], 1);

    story.sign_terms(VILLAGE, PAIRING, 2, &v2);
    let a = story.agreement(PAIRING);
    assert_eq!(a["state"], "active");
    assert_eq!(a["version_in_force"], 2);
    assert_eq!(a["pending_version"], Value::Null);
    assert_eq!(
        a["title"],
        "连云港市发改委机关党支部与南新村党总支结对共建协议（修订）"
    );
    assert_eq!(
        a["categories"],
        json!(["party_building", "livelihood", "talent"])
    );
    assert_eq!(a["versions"][0]["in_force"], false);
    assert_eq!(a["versions"][1]["in_force"], true);
    assert_eq!(a["versions"][1]["fully_signed"]["seq"], story.size - 1);
    assert_eq!(a["signatures"].as_array().unwrap().len(), 4);
    let obligations = story.obligations(PAIRING);
    assert_eq!(
        obligations.keys().collect::<Vec<_>>(),
        ["theme-day", "training", "visits"]
    );
    assert!(obligations.values().all(|o| o["version"] == 2));
    assert_eq!(
        obligations["visits"]["status"], "met",
        "results under version 1 count for version 2's obligation"
    );
    assert_eq!(obligations["training"]["status"], "open");
    let stats = story.stats();
    assert_eq!(
        find(&stats["by_category"], "category", "talent")["agreements"],
        1
    );
    assert_eq!(
        stats["obligations"],
        json!({"total": 3, "met": 2, "disputed": 0, "overdue": 0, "at_risk": 0, "open": 1})
    );

    // --- Evaluation by the city authority --------------------------------------------------
    let period = story.day.year().to_string();
    story.act(
        CITY,
        "evaluation.recorded",
        json!({
            "subject": {"agreement": PAIRING},
            "period": period,
            "grade": "excellent",
            "score": 95,
            "comment": "走访调研扎实，主题党日常态化开展。",
        }),
    );
    let a = story.agreement(PAIRING);
    let evaluation = &a["evaluations"][0];
    assert_eq!(evaluation["grade"], "excellent");
    assert_eq!(evaluation["by"], CITY);
    assert_eq!(evaluation["period"], period);
    assert_eq!(evaluation["score"], 95);
    assert_eq!(evaluation["current"], true);
    let stats = story.stats();
    assert_eq!(stats["grade_distribution"]["excellent"], 1);
    assert_eq!(
        stats["grade_distribution_by_subject"]["agreements"]["excellent"],
        1
    );

    // --- A yellow card, issued and lifted ----------------------------------------------------
    story.act(
        ROOT,
        "card.issued",
        json!({
            "card": "lyg-card-001",
            "color": "yellow",
            "agreement": PAIRING,
            "obligation": "training",
            "reason": "后备干部培训计划未按期制定",
        }),
    );
    let a = story.agreement(PAIRING);
    assert_eq!(a["cards"][0]["outstanding"], true);
    assert_eq!(a["cards"][0]["issuer"], ROOT);
    assert_eq!(a["cards"][0]["lifted"], Value::Null);
    assert_eq!(
        story.summary(PAIRING)["cards_outstanding"],
        json!({"yellow": 1, "red": 0})
    );
    assert_eq!(
        story.obligations(PAIRING)["training"]["cards_outstanding"]["yellow"],
        1
    );
    assert_eq!(
        story.stats()["cards_outstanding"],
        json!({"yellow": 1, "red": 0})
    );
    story.act(
        ROOT,
        "card.lifted",
        json!({"card": "lyg-card-001", "reason": "已制定培训计划并开展首期培训"}),
    );
    let a = story.agreement(PAIRING);
    assert_eq!(a["cards"][0]["outstanding"], false);
    assert_eq!(a["cards"][0]["lifted"]["by"], ROOT);
    assert_eq!(
        story.summary(PAIRING)["cards_outstanding"],
        json!({"yellow": 0, "red": 0})
    );
    assert_eq!(
        story.obligations(PAIRING)["training"]["cards_outstanding"]["yellow"],
        0
    );
    assert_eq!(
        story.stats()["cards_outstanding"],
        json!({"yellow": 0, "red": 0})
    );

    // --- A need: open → claimed → fulfilled → closed ----------------------------------------
    const NEED: &str = "nanxin-need-001";
    let need_status = |story: &mut Story, status: &str| {
        assert_eq!(story.ids(&format!("/v1/needs?status={status}")), [NEED]);
        let needs = story.get("/v1/needs");
        let need = find(&needs["items"], "id", NEED).clone();
        assert_eq!(need["status"], status);
        let stats = story.stats();
        for s in ["open", "claimed", "fulfilled", "closed"] {
            assert_eq!(stats["needs"][s], u64::from(s == status), "needs {s}");
        }
        need
    };
    story.act(
        VILLAGE,
        "need.posted",
        json!({
            "need": NEED,
            "title": "村卫生室需要义诊志愿服务",
            "category": "livelihood",
            "description": "南新村老年人较多，希望结对单位组织义诊志愿服务。",
            "agreement": PAIRING,
        }),
    );
    let need = need_status(&mut story, "open");
    assert_eq!(need["poster"], VILLAGE);
    assert_eq!(need["claim"], Value::Null);
    assert_eq!(story.agreement(PAIRING)["needs"][0]["status"], "open");
    story.act(ENTERPRISE, "need.claimed", json!({"need": NEED}));
    let need = need_status(&mut story, "claimed");
    assert_eq!(need["claim"]["org"], ENTERPRISE);
    assert_eq!(
        story.ids(&format!("/v1/needs?claimant={ENTERPRISE}")),
        [NEED]
    );
    story.act(
        ENTERPRISE,
        "need.fulfilled",
        json!({
            "need": NEED,
            "summary": "组织党员医生开展义诊一次，服务群众40人。",
            "metrics": {"beneficiaries": 40, "volunteer_hours": 16},
        }),
    );
    let need = need_status(&mut story, "fulfilled");
    assert_eq!(need["fulfilment"]["metrics"]["beneficiaries"], 40);
    story.act(
        VILLAGE,
        "need.closed",
        json!({"need": NEED, "satisfied": true, "rating": 5}),
    );
    let need = need_status(&mut story, "closed");
    assert_eq!(
        need["closing"],
        json!({"satisfied": true, "rating": 5, "withdrawn": false,
            "logged": need["closing"]["logged"]})
    );
    assert_eq!(story.agreement(PAIRING)["needs"][0]["status"], "closed");
    assert_eq!(story.org(ENTERPRISE)["needs"][0]["status"], "closed");

    // --- Three-party co-building with the enterprise -----------------------------------------
    let terms = story.act(
        ENTERPRISE,
        "agreement.proposed",
        proposal(
            &story,
            TRIPARTITE,
            "tripartite",
            "机关、村、企业三方共建协议",
            &[ENTERPRISE, BRANCH, VILLAGE],
        ),
    );
    story.sign_terms(BRANCH, TRIPARTITE, 1, &terms);
    let a = story.agreement(TRIPARTITE);
    assert_eq!(a["state"], "proposed", "two of three parties signed");
    assert_eq!(a["signatures"].as_array().unwrap().len(), 2);
    story.sign_terms(VILLAGE, TRIPARTITE, 1, &terms);
    let a = story.agreement(TRIPARTITE);
    assert_eq!(a["state"], "active");
    assert_eq!(a["kind"], "tripartite");
    assert_eq!(story.ids("/v1/agreements?kind=tripartite"), [TRIPARTITE]);
    assert_eq!(
        story.ids(&format!("/v1/agreements?party={ENTERPRISE}")),
        [TRIPARTITE]
    );
    let stats = story.stats();
    assert_eq!(stats["agreements"]["total"], 2);
    assert_eq!(stats["agreements"]["by_state"]["active"], 2);
    assert_eq!(stats["agreements"]["by_kind"]["tripartite"], 1);
    let three = find(&stats["by_kind_pair"], "pair", "organ+enterprise+village");
    assert_eq!(three["multi_party"], true);
    assert_eq!(three["active"], 1);
    assert_eq!(
        three["active_parties"]["enterprise"], 1,
        "{}",
        stats["by_kind_pair"]
    );
    assert_eq!(stats["cross_province_alliances"]["count"], 0);

    // --- A cross-province alliance with an Anhui village --------------------------------------
    story.register(
        ROOT,
        ANHUI,
        "中共滁州市委市直机关工作委员会",
        "authority",
        "341100",
    );
    story.register(
        ANHUI,
        ANHUI_VILLAGE,
        "凤阳县小溪河镇小岗村党委",
        "village",
        "341126",
    );
    let terms = story.act(
        BRANCH,
        "agreement.proposed",
        proposal(
            &story,
            ALLIANCE,
            "alliance",
            "苏皖跨省党建联盟协议",
            &[BRANCH, VILLAGE, ANHUI_VILLAGE],
        ),
    );
    let stats = story.stats();
    assert_eq!(
        stats["cross_province_alliances"],
        json!({"count": 1, "active": 0, "agreements": [ALLIANCE]})
    );
    story.sign_terms(VILLAGE, ALLIANCE, 1, &terms);
    story.sign_terms(ANHUI_VILLAGE, ALLIANCE, 1, &terms);
    assert_eq!(story.agreement(ALLIANCE)["state"], "active");
    assert_eq!(story.ids("/v1/agreements?region=341100"), [ALLIANCE]);
    let stats = story.stats();
    assert_eq!(
        stats["cross_province_alliances"],
        json!({"count": 1, "active": 1, "agreements": [ALLIANCE]})
    );
    assert_eq!(stats["agreements"]["by_kind"]["alliance"], 1);
    assert_eq!(stats["agreements"]["by_state"]["active"], 3);
    let jiangsu = find(&stats["by_region"], "region", "320000");
    assert_eq!(jiangsu["level"], "province");
    assert_eq!(jiangsu["orgs"], 4);
    assert_eq!(jiangsu["agreements"], 3);
    let anhui = find(&stats["by_region"], "region", "340000");
    assert_eq!(anhui["orgs"], 2);
    assert_eq!(anhui["agreements"], 1);
    assert_eq!(anhui["active"], 1);
    let anhui_stats = story.get("/v1/stats?region=340000");
    assert_eq!(anhui_stats["agreements"]["total"], 1);
    assert_eq!(anhui_stats["orgs"]["total"], 2);
    assert_eq!(anhui_stats["cross_province_alliances"]["count"], 1);

    // --- Where the story ends ------------------------------------------------------------------
    let stats = story.stats();
    assert_eq!(stats["orgs"]["total"], 7);
    assert_eq!(
        stats["results"],
        json!({"reported": 4, "confirmed": 3, "disputed": 1, "unconfirmed": 0})
    );
    assert_eq!(stats["grade_distribution"]["excellent"], 1);
    assert_eq!(
        stats["needs"],
        json!({"open": 0, "claimed": 0, "fulfilled": 0, "closed": 1})
    );
    assert_eq!(
        story.get(&format!("/v1/stats?as_of={}", today())),
        stats,
        "as_of defaults to today in UTC+8"
    );
    let branch = story.org(BRANCH);
    assert_eq!(
        branch["agreements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [PAIRING, TRIPARTITE, ALLIANCE]
    );
    let final_size = story.size;
    eprintln!(
        "story: {} entries, {} projection paths read, {:.1} s",
        final_size,
        story.paths.len(),
        started.elapsed().as_secs_f64()
    );

    // --- Stop, start again: every projection answer is byte-identical --------------------------
    let as_of = today();
    let mut paths: Vec<String> = story.paths.iter().cloned().collect();
    // The same answers with the date written out, in case UTC+8 midnight falls in between.
    for path in &story.paths {
        if [
            "/v1/orgs/",
            "/v1/agreements",
            "/v1/obligations",
            "/v1/stats",
        ]
        .iter()
        .any(|route| path.starts_with(route))
            && !path.starts_with("/v1/orgs?")
            && !path.contains("as_of=")
        {
            let separator = if path.contains('?') { '&' } else { '?' };
            paths.push(format!("{path}{separator}as_of={as_of}"));
        }
    }
    let fetch = |client: &Client| -> Vec<Vec<u8>> {
        paths
            .iter()
            .map(|path| {
                let answer = client.get(path);
                assert_eq!(answer.status, 200, "{path}");
                assert_eq!(answer.tree_size(), final_size, "{path}");
                answer.body
            })
            .collect()
    };
    let before = fetch(&story.client);
    story.stop();
    story.restart();
    assert_eq!(story.client.get("/v1/checkpoint").tree_size(), final_size);
    let after = fetch(&story.client);
    let same_day = today() == as_of;
    for ((path, before), after) in paths.iter().zip(&before).zip(&after) {
        if !same_day && !path.contains("as_of=") {
            continue; // The default date moved on during the restart.
        }
        assert_eq!(
            String::from_utf8_lossy(before),
            String::from_utf8_lossy(after),
            "{path} after a restart"
        );
    }
    story.stop();
}
