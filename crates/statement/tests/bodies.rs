//! Check 7 of SPEC §4.2 as tables: a valid example statement per type (SPEC §4.1), then
//! mutations of those examples, each with the `pointer` its `schema` rejection must carry.

use pactlog_statement::canonical::to_canonical_vec;
use pactlog_statement::rejection::Code;
use pactlog_statement::schema::{example_key, example_statement};
use pactlog_statement::statement::{parse_statement, Body, StatementType};
use serde_json::{json, Map, Value};

use StatementType::*;

/// Mutations of an example statement: (pointer, new value or `None` to remove).
type Changes = Vec<(&'static str, Option<Value>)>;

fn canonical(statement: &Value) -> Vec<u8> {
    to_canonical_vec(statement).expect("jcs")
}

/// Sets `value` at `pointer` (creating or appending the last step), or removes it when
/// `value` is `None`.
fn mutate(mut doc: Value, pointer: &str, value: Option<Value>) -> Value {
    let (parent, last) = pointer.rsplit_once('/').expect("pointer");
    let target = doc
        .pointer_mut(parent)
        .unwrap_or_else(|| panic!("no {parent}"));
    match (target, value) {
        (Value::Object(map), Some(v)) => {
            map.insert(last.to_string(), v);
        }
        (Value::Object(map), None) => {
            map.remove(last);
        }
        (Value::Array(items), Some(v)) => {
            let i: usize = last.parse().expect("index");
            if i == items.len() {
                items.push(v);
            } else {
                items[i] = v;
            }
        }
        (Value::Array(items), None) => {
            items.remove(last.parse::<usize>().expect("index"));
        }
        _ => panic!("cannot mutate {pointer}"),
    }
    doc
}

/// Applies several mutations in order.
fn mutate_all(doc: Value, changes: &[(&str, Option<Value>)]) -> Value {
    changes.iter().fold(doc, |doc, (pointer, value)| {
        mutate(doc, pointer, value.clone())
    })
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

#[test]
fn every_type_has_a_valid_example_that_round_trips() {
    assert_eq!(StatementType::ALL.len(), 19);
    for &t in StatementType::ALL {
        assert_eq!(t.as_str().parse::<StatementType>(), Ok(t));
        let bytes = canonical(&example_statement(t));
        let statement = parse_statement(&bytes).unwrap_or_else(|r| panic!("{t}: {r:?}"));
        assert_eq!(statement.statement_type(), t);
        assert_eq!(statement.body.statement_type(), t);
        assert_eq!(
            canonical(&statement.to_canonical_value()),
            bytes,
            "{t} does not serialize back to its bytes"
        );
        assert_eq!(
            to_canonical_vec(&statement).expect("jcs"),
            bytes,
            "{t}: Serialize differs"
        );
    }
}

/// Mutations that stay valid, and must still serialize back to their exact bytes.
#[test]
fn valid_variants_round_trip() {
    let cases: Vec<(StatementType, Changes)> = vec![
        // Both precisions of SPEC §1.
        (
            KeyAdded,
            vec![("/time", Some(json!("2025-03-01T10:00:00.000Z")))],
        ),
        (
            KeyAdded,
            vec![("/time", Some(json!("2025-03-01T10:00:00.120Z")))],
        ),
        // Line breaks where SPEC §1 allows them.
        (
            NeedPosted,
            vec![("/body/description", Some(json!("第一行\n第二行\n")))],
        ),
        (
            KeyRevoked,
            vec![("/body/reason", Some(json!("原因：\n密钥遗失")))],
        ),
        (
            EvaluationRecorded,
            vec![("/body/comment", Some(json!("总体良好。\n继续加强。")))],
        ),
        (ResultReported, vec![("/body/summary", Some(json!("a\nb")))]),
        // Limits reached exactly, counted in characters.
        (
            OrgRegistered,
            vec![("/body/name", Some(json!("党".repeat(100))))],
        ),
        (
            AgreementProposed,
            vec![("/body/title", Some(json!("协".repeat(200))))],
        ),
        (
            NeedPosted,
            vec![("/body/description", Some(json!("需".repeat(4000))))],
        ),
        (
            CardLifted,
            vec![("/body/reason", Some(json!("整".repeat(2000))))],
        ),
        // Optional members absent.
        (OrgRegistered, vec![("/body/parent", None)]),
        (
            ResultReported,
            vec![
                ("/body/obligation", None),
                ("/body/evidence", Some(json!([]))),
            ],
        ),
        (ResultReported, vec![("/body/metrics", Some(json!({})))]),
        (EvaluationRecorded, vec![("/body/score", None)]),
        (
            EvaluationRecorded,
            vec![("/body/subject", Some(json!({ "org": "js.lyg.fgw" })))],
        ),
        (EvaluationRecorded, vec![("/body/score", Some(json!(0)))]),
        (
            NeedClosed,
            vec![
                ("/body/rating", None),
                ("/body/satisfied", Some(json!(false))),
            ],
        ),
        (
            CardIssued,
            vec![
                ("/body/obligation", None),
                ("/body/color", Some(json!("red"))),
            ],
        ),
        (NeedPosted, vec![("/body/agreement", None)]),
        (AgreementProposed, vec![("/body/goals", Some(json!([])))]),
        (
            AgreementProposed,
            vec![
                ("/body/obligations/0/measure", None),
                ("/body/obligations/0/due", None),
            ],
        ),
        // An enterprise may state its ownership.
        (
            OrgRegistered,
            vec![
                ("/body/kind", Some(json!("enterprise"))),
                ("/body/ownership", Some(json!("state"))),
            ],
        ),
        // One member is enough for an update.
        (
            OrgUpdated,
            vec![("/body/name", None), ("/body/dissolved", Some(json!(true)))],
        ),
        (
            OrgUpdated,
            vec![
                ("/body/name", None),
                ("/body/region", Some(json!("320706"))),
            ],
        ),
        (
            OrgUpdated,
            vec![
                ("/body/name", None),
                ("/body/parent", Some(json!("js.lyg.jggw"))),
            ],
        ),
        // Party counts per kind (SPEC §4).
        (
            AgreementProposed,
            vec![
                ("/body/kind", Some(json!("tripartite"))),
                ("/body/parties/2", Some(json!("js.lyg.e.gangkou"))),
            ],
        ),
        (
            AgreementProposed,
            vec![
                ("/body/kind", Some(json!("alliance"))),
                ("/body/parties/2", Some(json!("sd.rz.fgw"))),
                ("/body/parties/3", Some(json!("ah.bb.fgw"))),
            ],
        ),
        (
            AgreementProposed,
            vec![("/body/kind", Some(json!("resident")))],
        ),
        // A due date on the first and on the last day of the term.
        (
            AgreementProposed,
            vec![("/body/obligations/0/due", Some(json!("2025-03-01")))],
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/0/due", Some(json!("2026-02-28")))],
        ),
        (
            AgreementProposed,
            vec![
                ("/body/term/end", Some(json!("2025-03-01"))),
                ("/body/obligations/0/due", None),
                ("/body/obligations/1/due", None),
            ],
        ),
        // Every category, once each.
        (
            AgreementProposed,
            vec![(
                "/body/categories",
                Some(json!([
                    "party_building",
                    "civility",
                    "projects",
                    "livelihood",
                    "talent",
                    "governance",
                    "other"
                ])),
            )],
        ),
        (
            AgreementAmended,
            vec![("/body/version", Some(json!(9_007_199_254_740_991u64)))],
        ),
        (LogGenesis, vec![("/body/max_skew_s", Some(json!(604_800)))]),
        (LogGenesis, vec![("/body/max_skew_s", Some(json!(1)))]),
        (
            ResultReported,
            vec![("/body/metrics/x-trees_planted", Some(json!(0)))],
        ),
        (
            ResultReported,
            vec![(
                "/body/metrics/funds_cny",
                Some(json!(9_007_199_254_740_991u64)),
            )],
        ),
        (
            EvaluationRecorded,
            vec![("/body/period", Some(json!("2025")))],
        ),
        (
            EvaluationRecorded,
            vec![("/body/period", Some(json!("2025-Q4")))],
        ),
        (
            EvaluationRecorded,
            vec![("/body/period", Some(json!("2025-07")))],
        ),
        (
            AgreementTerminated,
            vec![("/body/effective", Some(json!("2028-02-29")))],
        ),
    ];
    for (t, changes) in cases {
        let statement = mutate_all(example_statement(t), &changes);
        let bytes = canonical(&statement);
        let parsed = parse_statement(&bytes).unwrap_or_else(|r| panic!("{t} {changes:?}: {r:?}"));
        assert_eq!(
            canonical(&parsed.to_canonical_value()),
            bytes,
            "{t} {changes:?}"
        );
    }
}

/// `(type, mutations of the example, expected pointer)`: every rule of check 7.
fn rejections() -> Vec<(StatementType, Changes, &'static str)> {
    let s = |v: &str| Some(json!(v));
    let long = |n: usize| Some(json!("字".repeat(n)));
    let ids = |n: usize, prefix: &str| {
        Some(json!((0..n)
            .map(|i| format!("{prefix}{i:03}"))
            .collect::<Vec<_>>()))
    };
    let keys = |n: u8| {
        Some(json!((0..n)
            .map(|i| example_key(10 + i).to_string())
            .collect::<Vec<_>>()))
    };
    let metrics = |n: usize| {
        Some(Value::Object(
            (0..n)
                .map(|i| (format!("x-m{i}"), json!(1)))
                .collect::<Map<_, _>>(),
        ))
    };
    let evidence = |n: usize| {
        Some(json!((0..n)
            .map(|_| json!({ "sha256": "5e".repeat(32), "media_type": "image/jpeg" }))
            .collect::<Vec<_>>()))
    };
    vec![
        // --- The statement object (SPEC §2).
        (KeyAdded, vec![("/author", None)], ""),
        (KeyAdded, vec![("/body", None)], ""),
        (KeyAdded, vec![("/log", None)], ""),
        (KeyAdded, vec![("/time", None)], ""),
        (KeyAdded, vec![("/type", None)], ""),
        (KeyAdded, vec![("/signature", s("x"))], "/signature"),
        (KeyAdded, vec![("/type", s("key.rotated"))], "/type"),
        (KeyAdded, vec![("/type", Some(json!(7)))], "/type"),
        (KeyAdded, vec![("/type", s("org.registered"))], "/body/key"),
        (KeyAdded, vec![("/author", s("JS.LYG.FGW"))], "/author"),
        (KeyAdded, vec![("/author", Some(json!(null)))], "/author"),
        (KeyAdded, vec![("/log", Some(json!(["a"])))], "/log"),
        (KeyAdded, vec![("/body", Some(json!([])))], "/body"),
        (KeyAdded, vec![("/body", Some(json!("key")))], "/body"),
        // --- Times (SPEC §1): no fraction or exactly 3 digits, UTC with `Z`.
        (
            KeyAdded,
            vec![("/time", s("2025-03-01T10:00:00.1Z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-03-01T10:00:00.12Z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-03-01T10:00:00.1234Z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-03-01T10:00:00+08:00"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-03-01T10:00:00z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-03-01T24:00:00Z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-02-29T10:00:00Z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", s("2025-03-01 10:00:00Z"))],
            "/time",
        ),
        (
            KeyAdded,
            vec![("/time", Some(json!(1_740_823_200)))],
            "/time",
        ),
        // --- Members of bodies: unknown, missing, null, wrong type.
        (KeyAdded, vec![("/body/extra", s("x"))], "/body/extra"),
        (
            AgreementProposed,
            vec![("/body/obligations/1/note", s("x"))],
            "/body/obligations/1/note",
        ),
        (
            AgreementProposed,
            vec![("/body/term/middle", s("2025-06-01"))],
            "/body/term/middle",
        ),
        (AgreementProposed, vec![("/body/title", None)], "/body"),
        (
            AgreementProposed,
            vec![("/body/term/end", None)],
            "/body/term",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/1/id", None)],
            "/body/obligations/1",
        ),
        (
            AgreementProposed,
            vec![("/body/meetings", Some(json!({})))],
            "/body/meetings",
        ),
        (
            OrgRegistered,
            vec![("/body/parent", Some(json!(null)))],
            "/body/parent",
        ),
        (
            ResultReported,
            vec![("/body/obligation", Some(json!(null)))],
            "/body/obligation",
        ),
        (
            NeedClosed,
            vec![("/body/satisfied", s("true"))],
            "/body/satisfied",
        ),
        (
            AgreementSigned,
            vec![("/body/version", s("1"))],
            "/body/version",
        ),
        (
            AgreementSigned,
            vec![("/body/version", Some(json!(1.5)))],
            "/body/version",
        ),
        (
            AgreementProposed,
            vec![("/body/parties", s("js.lyg.fgw"))],
            "/body/parties",
        ),
        // --- Enumerations.
        (
            OrgRegistered,
            vec![("/body/kind", s("party"))],
            "/body/kind",
        ),
        (
            OrgRegistered,
            vec![("/body/kind", s("Organ"))],
            "/body/kind",
        ),
        (
            OrgRegistered,
            vec![
                ("/body/kind", s("enterprise")),
                ("/body/ownership", s("public")),
            ],
            "/body/ownership",
        ),
        (
            AgreementProposed,
            vec![("/body/kind", s("twinning"))],
            "/body/kind",
        ),
        (
            AgreementProposed,
            vec![("/body/categories/0", s("culture"))],
            "/body/categories/0",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/2/category", s("culture"))],
            "/body/obligations/2/category",
        ),
        (
            AgreementProposed,
            vec![("/body/meetings/every", s("week"))],
            "/body/meetings/every",
        ),
        (
            EvaluationRecorded,
            vec![("/body/grade", s("outstanding"))],
            "/body/grade",
        ),
        (CardIssued, vec![("/body/color", s("green"))], "/body/color"),
        (
            NeedPosted,
            vec![("/body/category", s("roads"))],
            "/body/category",
        ),
        // --- Identifiers, regions, digests, keys (SPEC §1).
        (
            AgreementProposed,
            vec![("/body/agreement", s("LYG-2025"))],
            "/body/agreement",
        ),
        (
            AgreementProposed,
            vec![("/body/agreement", s("ab"))],
            "/body/agreement",
        ),
        (
            AgreementProposed,
            vec![("/body/parties/1", s("js.lyg.v.nanxin-"))],
            "/body/parties/1",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/0/id", s("走访"))],
            "/body/obligations/0/id",
        ),
        (
            OrgRegistered,
            vec![("/body/region", s("32070"))],
            "/body/region",
        ),
        (
            OrgRegistered,
            vec![("/body/region", Some(json!(320700)))],
            "/body/region",
        ),
        (
            OrgUpdated,
            vec![("/body/region", s("32O700"))],
            "/body/region",
        ),
        (
            ResultConfirmed,
            vec![("/body/result", s("r"))],
            "/body/result",
        ),
        (
            NeedClaimed,
            vec![("/body/need", s("Nanxin-001"))],
            "/body/need",
        ),
        (CardLifted, vec![("/body/card", s("card_1"))], "/body/card"),
        (
            AgreementSigned,
            vec![("/body/terms", Some(json!("A1".repeat(32))))],
            "/body/terms",
        ),
        (
            AgreementAmended,
            vec![("/body/supersedes", Some(json!("a1".repeat(31))))],
            "/body/supersedes",
        ),
        (
            ResultReported,
            vec![("/body/evidence/0/sha256", Some(json!("5e".repeat(33))))],
            "/body/evidence/0/sha256",
        ),
        (
            ResultReported,
            vec![("/body/evidence/0/media_type", s("image/JPEG"))],
            "/body/evidence/0/media_type",
        ),
        (
            ResultReported,
            vec![("/body/evidence/0/media_type", s("jpeg"))],
            "/body/evidence/0/media_type",
        ),
        (
            ResultReported,
            vec![("/body/evidence/0/extra", s("x"))],
            "/body/evidence/0/extra",
        ),
        (KeyAdded, vec![("/body/key", s("AAAA"))], "/body/key"),
        (
            KeyAdded,
            vec![(
                "/body/key",
                Some(json!(example_key(3)
                    .to_string()
                    .trim_end_matches('=')
                    .to_string())),
            )],
            "/body/key",
        ),
        (
            KeyAdded,
            vec![("/body/key", Some(json!(non_canonical_key())))],
            "/body/key",
        ),
        (
            OrgRegistered,
            vec![("/body/keys/0", s("not a key"))],
            "/body/keys/0",
        ),
        (
            LogGenesis,
            vec![("/body/authority/keys/0", s("x"))],
            "/body/authority/keys/0",
        ),
        (
            LogGenesis,
            vec![(
                "/body/checkpoint_key",
                s("pairings.example.gov.cn/jiangsu+00000000+AAAA"),
            )],
            "/body/checkpoint_key",
        ),
        (
            LogGenesis,
            vec![("/body/origin", s("has space"))],
            "/body/origin",
        ),
        (LogGenesis, vec![("/body/origin", s(""))], "/body/origin"),
        // --- Dates and periods.
        (
            AgreementTerminated,
            vec![("/body/effective", s("2025-02-29"))],
            "/body/effective",
        ),
        (
            AgreementTerminated,
            vec![("/body/effective", s("2025-04-31"))],
            "/body/effective",
        ),
        (
            AgreementTerminated,
            vec![("/body/effective", s("2026-1-1"))],
            "/body/effective",
        ),
        (
            ResultReported,
            vec![("/body/date", s("2025-03-18T00:00:00Z"))],
            "/body/date",
        ),
        (
            AgreementProposed,
            vec![("/body/term/start", s("2025-13-01"))],
            "/body/term/start",
        ),
        (
            EvaluationRecorded,
            vec![("/body/period", s("2025-H3"))],
            "/body/period",
        ),
        (
            EvaluationRecorded,
            vec![("/body/period", s("2025-q1"))],
            "/body/period",
        ),
        (
            EvaluationRecorded,
            vec![("/body/period", s("2025-7"))],
            "/body/period",
        ),
        // --- Integers (SPEC §4.1).
        (
            LogGenesis,
            vec![("/body/max_skew_s", Some(json!(0)))],
            "/body/max_skew_s",
        ),
        (
            LogGenesis,
            vec![("/body/max_skew_s", Some(json!(604_801)))],
            "/body/max_skew_s",
        ),
        (
            AgreementProposed,
            vec![("/body/version", Some(json!(2)))],
            "/body/version",
        ),
        (
            AgreementProposed,
            vec![("/body/version", Some(json!(0)))],
            "/body/version",
        ),
        (
            AgreementAmended,
            vec![("/body/version", Some(json!(1)))],
            "/body/version",
        ),
        (
            AgreementSigned,
            vec![("/body/version", Some(json!(0)))],
            "/body/version",
        ),
        (
            AgreementSigned,
            vec![("/body/version", Some(json!(-1)))],
            "/body/version",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/0/measure/target", Some(json!(0)))],
            "/body/obligations/0/measure/target",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/0/measure/metric", s("Visits"))],
            "/body/obligations/0/measure/metric",
        ),
        (
            EvaluationRecorded,
            vec![("/body/score", Some(json!(101)))],
            "/body/score",
        ),
        (
            EvaluationRecorded,
            vec![("/body/score", Some(json!(-1)))],
            "/body/score",
        ),
        (
            NeedClosed,
            vec![("/body/rating", Some(json!(0)))],
            "/body/rating",
        ),
        (
            NeedClosed,
            vec![("/body/rating", Some(json!(6)))],
            "/body/rating",
        ),
        (
            ResultReported,
            vec![("/body/metrics/visits", Some(json!(-1)))],
            "/body/metrics/visits",
        ),
        (
            ResultReported,
            vec![("/body/metrics/visits", s("12"))],
            "/body/metrics/visits",
        ),
        (
            ResultReported,
            vec![("/body/metrics/Visits", Some(json!(1)))],
            "/body/metrics/Visits",
        ),
        (
            ResultReported,
            vec![("/body/metrics/x-", Some(json!(1)))],
            "/body/metrics/x-",
        ),
        (
            NeedFulfilled,
            vec![("/body/metrics/x~y", Some(json!(1)))],
            "/body/metrics/x~0y",
        ),
        (
            NeedFulfilled,
            vec![("/body/metrics/a~1b", Some(json!(1)))],
            "/body/metrics/a~01b",
        ),
        (
            OrgUpdated,
            vec![("/body/dissolved", Some(json!(false)))],
            "/body/dissolved",
        ),
        // --- Array bounds (SPEC §4.1).
        (
            OrgRegistered,
            vec![("/body/keys", Some(json!([])))],
            "/body/keys",
        ),
        (OrgRegistered, vec![("/body/keys", keys(9))], "/body/keys"),
        (
            LogGenesis,
            vec![("/body/authority/keys", keys(9))],
            "/body/authority/keys",
        ),
        (
            AgreementProposed,
            vec![("/body/parties", ids(1, "p"))],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![
                ("/body/kind", s("alliance")),
                ("/body/parties", ids(65, "party")),
            ],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![("/body/categories", Some(json!([])))],
            "/body/categories",
        ),
        (
            AgreementProposed,
            vec![(
                "/body/categories",
                Some(json!([
                    "party_building",
                    "civility",
                    "projects",
                    "livelihood",
                    "talent",
                    "governance",
                    "other",
                    "other"
                ])),
            )],
            "/body/categories",
        ),
        (
            AgreementProposed,
            vec![("/body/goals", Some(json!(vec!["目标"; 21])))],
            "/body/goals",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations", Some(json!([])))],
            "/body/obligations",
        ),
        (
            ResultReported,
            vec![("/body/metrics", metrics(33))],
            "/body/metrics",
        ),
        (
            NeedFulfilled,
            vec![("/body/metrics", metrics(33))],
            "/body/metrics",
        ),
        (
            ResultReported,
            vec![("/body/evidence", evidence(21))],
            "/body/evidence",
        ),
        // --- Text (SPEC §1): limits in characters, control characters, never empty.
        (OrgRegistered, vec![("/body/name", long(101))], "/body/name"),
        (OrgRegistered, vec![("/body/name", s(""))], "/body/name"),
        (
            OrgRegistered,
            vec![("/body/name", s("南新村\u{0}党总支"))],
            "/body/name",
        ),
        (
            OrgRegistered,
            vec![("/body/name", s("南新村\t党总支"))],
            "/body/name",
        ),
        (
            OrgRegistered,
            vec![("/body/name", s("南新村\u{7f}党总支"))],
            "/body/name",
        ),
        (
            OrgUpdated,
            vec![("/body/name", s("南新村\n党总支"))],
            "/body/name",
        ),
        (
            LogGenesis,
            vec![("/body/authority/name", long(101))],
            "/body/authority/name",
        ),
        (
            AgreementProposed,
            vec![("/body/title", long(201))],
            "/body/title",
        ),
        (
            AgreementProposed,
            vec![("/body/title", s("结对\n共建"))],
            "/body/title",
        ),
        (
            AgreementProposed,
            vec![("/body/goals/1", long(201))],
            "/body/goals/1",
        ),
        (
            AgreementProposed,
            vec![("/body/goals/0", s(""))],
            "/body/goals/0",
        ),
        (
            AgreementProposed,
            vec![("/body/goals/0", s("目标\n一"))],
            "/body/goals/0",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/2/title", long(201))],
            "/body/obligations/2/title",
        ),
        (
            NeedPosted,
            vec![("/body/title", s("路灯\n维修"))],
            "/body/title",
        ),
        (
            NeedPosted,
            vec![("/body/description", long(4001))],
            "/body/description",
        ),
        (
            NeedPosted,
            vec![("/body/description", s("第一行\r\n第二行"))],
            "/body/description",
        ),
        (
            ResultReported,
            vec![("/body/summary", long(2001))],
            "/body/summary",
        ),
        (
            NeedFulfilled,
            vec![("/body/summary", s("完成\u{1b}[0m"))],
            "/body/summary",
        ),
        (KeyRevoked, vec![("/body/reason", s(""))], "/body/reason"),
        (
            AgreementTerminated,
            vec![("/body/reason", long(2001))],
            "/body/reason",
        ),
        (
            ResultDisputed,
            vec![("/body/reason", s("不符\u{7f}"))],
            "/body/reason",
        ),
        (CardIssued, vec![("/body/reason", s("\t"))], "/body/reason"),
        (
            EvaluationRecorded,
            vec![("/body/comment", long(2001))],
            "/body/comment",
        ),
        (
            EvaluationRecorded,
            vec![("/body/comment", s(""))],
            "/body/comment",
        ),
        // --- Subject: exactly one of agreement or org.
        (
            EvaluationRecorded,
            vec![("/body/subject/org", s("js.lyg.fgw"))],
            "/body/subject",
        ),
        (
            EvaluationRecorded,
            vec![("/body/subject", Some(json!({})))],
            "/body/subject",
        ),
        (
            EvaluationRecorded,
            vec![("/body/subject/card", s("lyg-2025-card-001"))],
            "/body/subject/card",
        ),
        (
            EvaluationRecorded,
            vec![("/body/subject", s("lyg-2025-fgw-nanxin"))],
            "/body/subject",
        ),
        // --- §4.1 cross-member rules.
        (
            OrgRegistered,
            vec![("/body/ownership", s("state"))],
            "/body/ownership",
        ),
        (
            OrgRegistered,
            vec![("/body/keys/1", Some(json!(example_key(2).to_string())))],
            "/body/keys/1",
        ),
        (
            LogGenesis,
            vec![(
                "/body/authority/keys/1",
                Some(json!(example_key(1).to_string())),
            )],
            "/body/authority/keys/1",
        ),
        (
            LogGenesis,
            vec![("/body/origin", s("pairings.example.gov.cn/zhejiang"))],
            "/body/checkpoint_key",
        ),
        (OrgUpdated, vec![("/body/name", None)], "/body"),
        // --- §4 statement-only rules, proposal.
        (
            AgreementProposed,
            vec![("/body/parties/2", s("js.lyg.e.gangkou"))],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![
                ("/body/kind", s("resident")),
                ("/body/parties/2", s("js.lyg.e.gangkou")),
            ],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![("/body/kind", s("tripartite"))],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![
                ("/body/kind", s("tripartite")),
                ("/body/parties/2", s("js.lyg.e.gangkou")),
                ("/body/parties/3", s("sd.rz.fgw")),
            ],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![("/body/kind", s("alliance"))],
            "/body/parties",
        ),
        (
            AgreementProposed,
            vec![("/body/parties/1", s("js.lyg.fgw"))],
            "/body/parties/1",
        ),
        (
            AgreementProposed,
            vec![
                ("/body/kind", s("alliance")),
                ("/body/parties/2", s("js.lyg.fgw")),
            ],
            "/body/parties/2",
        ),
        (
            AgreementProposed,
            vec![("/body/term/end", s("2025-02-28"))],
            "/body/term/end",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/1/due", s("2026-03-01"))],
            "/body/obligations/1/due",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/0/due", s("2025-02-28"))],
            "/body/obligations/0/due",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/2/owner", s("js.lyg.e.gangkou"))],
            "/body/obligations/2/owner",
        ),
        (
            AgreementProposed,
            vec![("/body/obligations/2/id", s("visits"))],
            "/body/obligations/2/id",
        ),
        (
            AgreementProposed,
            vec![("/body/categories/1", s("party_building"))],
            "/body/categories/1",
        ),
        // --- The same rules for an amendment.
        (
            AgreementAmended,
            vec![("/body/kind", s("tripartite"))],
            "/body/parties",
        ),
        (
            AgreementAmended,
            vec![("/body/parties/1", s("js.lyg.fgw"))],
            "/body/parties/1",
        ),
        (
            AgreementAmended,
            vec![("/body/term/start", s("2026-03-01"))],
            "/body/term/end",
        ),
        (
            AgreementAmended,
            vec![("/body/obligations/0/due", s("2027-01-01"))],
            "/body/obligations/0/due",
        ),
        (
            AgreementAmended,
            vec![("/body/obligations/1/owner", s("js.zzb"))],
            "/body/obligations/1/owner",
        ),
        (
            AgreementAmended,
            vec![("/body/obligations/1/id", s("visits"))],
            "/body/obligations/1/id",
        ),
        (
            AgreementAmended,
            vec![("/body/categories/2", s("livelihood"))],
            "/body/categories/2",
        ),
        (AgreementAmended, vec![("/body/supersedes", None)], "/body"),
    ]
}

/// The example key with its last data character moved by one: same 32 bytes in the
/// significant bits, non-zero spare bits.
fn non_canonical_key() -> String {
    let key = example_key(3).to_string();
    let mut chars: Vec<char> = key.chars().collect();
    const ALPHABET: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let at = ALPHABET.find(chars[42]).expect("base64");
    chars[42] = ALPHABET.as_bytes()[at + 1] as char;
    chars.into_iter().collect()
}

#[test]
fn every_rule_rejects_with_its_pointer() {
    let mut failures = Vec::new();
    for (t, changes, want) in rejections() {
        let statement = mutate_all(example_statement(t), &changes);
        let bytes = canonical(&statement);
        match parse_statement(&bytes) {
            Ok(_) => failures.push(format!("{t} {changes:?}: accepted, want {want:?}")),
            Err(r) => {
                if r.code != Code::Schema || r.pointer.as_deref() != Some(want) {
                    failures.push(format!(
                        "{t} {changes:?}: got {} at {:?} ({}), want {want:?}",
                        r.code, r.pointer, r.detail
                    ));
                }
                if !has_chinese(&r.message_zh) || r.detail.is_empty() {
                    failures.push(format!("{t} {changes:?}: messages {r:?}"));
                }
                // The detail names the member at fault.
                if !want.is_empty() && !r.detail.contains(want) {
                    failures.push(format!(
                        "{t} {changes:?}: detail {:?} does not name {want}",
                        r.detail
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rejection_messages_read_well() {
    let reject = |t: StatementType, changes: &[(&str, Option<Value>)]| {
        parse_statement(&canonical(&mutate_all(example_statement(t), changes)))
            .expect_err("rejected")
    };
    let r = reject(
        AgreementProposed,
        &[("/body/kind", Some(json!("tripartite")))],
    );
    assert!(
        r.message_zh.contains("成员 parties 的数量不符合协议类型"),
        "{r:?}"
    );
    assert!(r.detail.contains("exactly 3"), "{r:?}");
    let r = reject(AgreementProposed, &[("/body/term/end", None)]);
    assert!(r.detail.contains("`end` is missing"), "{r:?}");
    assert!(r.message_zh.contains("缺少成员 end"), "{r:?}");
    let r = reject(
        KeyAdded,
        &[("/time", Some(json!("2025-03-01T10:00:00.12Z")))],
    );
    assert!(r.message_zh.contains("3 位"), "{r:?}");
    let r = reject(
        OrgRegistered,
        &[("/body/name", Some(json!("党".repeat(101))))],
    );
    assert!(r.detail.contains("101 characters, at most 100"), "{r:?}");
    let r = reject(NeedClosed, &[("/body/satisfied", Some(json!("yes")))]);
    assert!(r.message_zh.contains("应为布尔值，实际为字符串"), "{r:?}");
    let r = reject(CardIssued, &[("/body/color", Some(json!("green")))]);
    assert!(
        r.detail.contains("`green`") && r.detail.contains("yellow"),
        "{r:?}"
    );
}

#[test]
fn bad_json_shapes_are_schema_at_the_root() {
    for bytes in [&b"[]"[..], b"\"statement\"", b"7", b"null"] {
        let r = parse_statement(bytes).expect_err("not an object");
        assert_eq!((r.code, r.pointer.as_deref()), (Code::Schema, Some("")));
    }
}

/// `text_fields` lists exactly the members of SPEC §4.1 "Personal data", and each pointer
/// resolves to the listed text.
#[test]
fn text_fields_cover_the_personal_data_members() {
    let expected: Vec<(StatementType, Vec<&str>)> = vec![
        (LogGenesis, vec!["/body/authority/name"]),
        (OrgRegistered, vec!["/body/name"]),
        (OrgUpdated, vec!["/body/name"]),
        (KeyAdded, vec![]),
        (KeyRevoked, vec!["/body/reason"]),
        (
            AgreementProposed,
            vec![
                "/body/goals/0",
                "/body/goals/1",
                "/body/obligations/0/title",
                "/body/obligations/1/title",
                "/body/obligations/2/title",
                "/body/title",
            ],
        ),
        (
            AgreementAmended,
            vec![
                "/body/goals/0",
                "/body/goals/1",
                "/body/goals/2",
                "/body/obligations/0/title",
                "/body/obligations/1/title",
                "/body/obligations/2/title",
                "/body/title",
            ],
        ),
        (AgreementSigned, vec![]),
        (AgreementTerminated, vec!["/body/reason"]),
        (ResultReported, vec!["/body/summary"]),
        (ResultConfirmed, vec![]),
        (ResultDisputed, vec!["/body/reason"]),
        (EvaluationRecorded, vec!["/body/comment"]),
        (CardIssued, vec!["/body/reason"]),
        (CardLifted, vec!["/body/reason"]),
        (NeedPosted, vec!["/body/description", "/body/title"]),
        (NeedClaimed, vec![]),
        (NeedFulfilled, vec!["/body/summary"]),
        (NeedClosed, vec![]),
    ];
    assert_eq!(expected.len(), StatementType::ALL.len());
    for (t, want) in expected {
        let json = example_statement(t);
        let statement = parse_statement(&canonical(&json)).expect("valid");
        let fields = statement.text_fields();
        let pointers: Vec<&str> = fields.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(pointers, want, "{t}");
        for (pointer, text) in &fields {
            assert_eq!(
                json.pointer(pointer).and_then(Value::as_str),
                Some(*text),
                "{t} {pointer}"
            );
        }
    }
    // An update without a name has no text.
    let json = mutate_all(
        example_statement(OrgUpdated),
        &[("/body/name", None), ("/body/dissolved", Some(json!(true)))],
    );
    assert!(parse_statement(&canonical(&json))
        .expect("valid")
        .text_fields()
        .is_empty());
}

#[test]
fn bodies_convert_into_the_body_enum() {
    let statement =
        parse_statement(&canonical(&example_statement(AgreementProposed))).expect("valid");
    let Body::AgreementProposed(proposal) = &statement.body else {
        panic!("wrong variant");
    };
    let terms = proposal.terms();
    assert_eq!(terms.parties.len(), 2);
    assert_eq!(
        terms.obligations[0].title.as_str(),
        "每季度走访调研不少于2次"
    );
    assert!(terms.term.contains(terms.obligations[1].due.expect("due")));
    let again: Body = proposal.clone().into();
    assert_eq!(again, statement.body);
}
