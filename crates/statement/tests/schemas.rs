//! Golden files for the body JSON Schemas (SPEC §2, §4.2): `schemas/<type>.json` at the root
//! of the repository, one per statement type, must equal what the types generate.
//!
//! After changing a body type, regenerate the files and review the diff:
//!
//! ```sh
//! PACTLOG_UPDATE_SCHEMAS=1 cargo test -p pactlog-statement --test schemas
//! ```
//!
//! The other tests check that the schemas and `parse_statement` agree: every example passes
//! both, and each invalid body of the table below fails both.

use std::collections::BTreeSet;
use std::path::PathBuf;

use pactlog_statement::rejection::Code;
use pactlog_statement::schema::{body_schema, body_schema_file, example_statement, DIALECT};
use pactlog_statement::statement::{parse_statement, StatementType};
use serde_json::{json, Value};

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas")
}

#[test]
fn schema_files_are_up_to_date() {
    let dir = schemas_dir();
    let update = std::env::var_os("PACTLOG_UPDATE_SCHEMAS").is_some_and(|v| v == "1");
    if update {
        std::fs::create_dir_all(&dir).expect("create schemas/");
    }
    let mut stale = Vec::new();
    for &t in StatementType::ALL {
        let path = dir.join(format!("{t}.json"));
        let want = body_schema_file(t);
        if update {
            std::fs::write(&path, &want).expect("write schema");
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    let expected: BTreeSet<String> = StatementType::ALL
        .iter()
        .map(|t| format!("{t}.json"))
        .collect();
    let present: BTreeSet<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".json"))
                .collect()
        })
        .unwrap_or_default();
    let unknown: Vec<_> = present.difference(&expected).collect();
    assert!(
        stale.is_empty() && unknown.is_empty(),
        "stale schema files {stale:?}, files for no statement type {unknown:?}; run \
         PACTLOG_UPDATE_SCHEMAS=1 cargo test -p pactlog-statement --test schemas"
    );
}

/// Calls `f` on every subschema that describes an object with declared members.
fn each_object_schema(
    value: &Value,
    path: &str,
    f: &mut impl FnMut(&str, &serde_json::Map<String, Value>),
) {
    match value {
        Value::Object(map) => {
            if map.contains_key("properties") && map.get("type") == Some(&json!("object")) {
                f(path, map);
            }
            for (k, v) in map {
                // Examples are instances, not schemas.
                if k != "examples" {
                    each_object_schema(v, &format!("{path}/{k}"), f);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                each_object_schema(v, &format!("{path}/{i}"), f);
            }
        }
        _ => {}
    }
}

#[test]
fn schemas_are_named_and_closed() {
    for &t in StatementType::ALL {
        let schema = body_schema(t);
        assert_eq!(schema["$schema"], DIALECT, "{t}");
        assert_eq!(schema["$id"], format!("urn:pactlog:schema:{t}"), "{t}");
        assert_eq!(schema["title"], t.as_str(), "{t}");
        let mut objects = 0;
        each_object_schema(&schema, "", &mut |path, map| {
            objects += 1;
            assert_eq!(
                map.get("additionalProperties"),
                Some(&json!(false)),
                "{t}: object at {path} is open"
            );
        });
        assert!(objects >= 1, "{t}");
    }
    // The metrics maps are the one open kind of object, constrained by propertyNames.
    let schema = body_schema(StatementType::ResultReported);
    let metrics = &schema["properties"]["metrics"];
    let metrics = metrics
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| schema.pointer(r.trim_start_matches('#')))
        .unwrap_or(metrics);
    assert!(metrics.get("propertyNames").is_some(), "{metrics}");
    assert_eq!(metrics["maxProperties"], 32);
}

fn validator(t: StatementType) -> jsonschema::Validator {
    jsonschema::options()
        .should_validate_formats(true)
        .build(&body_schema(t))
        .expect("schema compiles")
}

#[test]
fn examples_pass_the_schema_and_the_parser() {
    for &t in StatementType::ALL {
        let statement = example_statement(t);
        let errors: Vec<String> = validator(t)
            .iter_errors(&statement["body"])
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{t}: {errors:?}");
        let bytes = serde_json::to_vec(&statement).expect("json");
        parse_statement(&bytes).unwrap_or_else(|r| panic!("{t}: {r:?}"));
    }
}

/// Sets `value` at `pointer` (creating the last member), or removes it when `value` is
/// `None`.
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

/// Bodies that break a rule JSON Schema can express: (type, pointer in the body, new value
/// or `None` to remove). Each must fail the schema and `parse_statement` alike.
fn invalid_bodies() -> Vec<(StatementType, &'static str, Option<Value>)> {
    use StatementType::*;
    let long = |n: usize| json!("字".repeat(n));
    vec![
        (LogGenesis, "/max_skew_s", Some(json!(0))),
        (LogGenesis, "/max_skew_s", Some(json!(604_801))),
        (LogGenesis, "/authority/keys", Some(json!([]))),
        (LogGenesis, "/authority/name", Some(json!(""))),
        (
            LogGenesis,
            "/checkpoint_key",
            Some(json!("pairings.example.gov.cn/jiangsu+0000+AAAA")),
        ),
        (LogGenesis, "/origin", Some(json!("has space"))),
        (OrgRegistered, "/org", Some(json!("JS.LYG"))),
        (OrgRegistered, "/name", Some(long(101))),
        (OrgRegistered, "/name", Some(json!("南新村\n党总支"))),
        (OrgRegistered, "/kind", Some(json!("party"))),
        (OrgRegistered, "/region", Some(json!("32070"))),
        (OrgRegistered, "/keys/0", Some(json!("not base64"))),
        (
            OrgRegistered,
            "/keys/1",
            Some(json!(pactlog_statement::schema::example_key(2).to_string())),
        ),
        (OrgRegistered, "/ownership", Some(json!("state"))),
        (OrgRegistered, "/parent", Some(Value::Null)),
        (OrgRegistered, "/extra", Some(json!(1))),
        (OrgRegistered, "/keys", None),
        (OrgUpdated, "/name", None),
        (OrgUpdated, "/dissolved", Some(json!(false))),
        (KeyAdded, "/key", Some(json!("AAAA"))),
        (KeyRevoked, "/reason", Some(json!(""))),
        (AgreementProposed, "/version", Some(json!(2))),
        (AgreementProposed, "/kind", Some(json!("tripartite"))),
        (AgreementProposed, "/parties/1", Some(json!("js.lyg.fgw"))),
        (
            AgreementProposed,
            "/categories/1",
            Some(json!("party_building")),
        ),
        (AgreementProposed, "/categories", Some(json!([]))),
        (AgreementProposed, "/goals/0", Some(long(201))),
        (AgreementProposed, "/obligations", Some(json!([]))),
        (
            AgreementProposed,
            "/obligations/0/measure/target",
            Some(json!(0)),
        ),
        (
            AgreementProposed,
            "/obligations/0/due",
            Some(json!("2025-02-29")),
        ),
        (
            AgreementProposed,
            "/obligations/0/title",
            Some(json!("走访\t调研")),
        ),
        (AgreementProposed, "/meetings/every", Some(json!("week"))),
        (AgreementProposed, "/term/end", None),
        (AgreementAmended, "/version", Some(json!(1))),
        (
            AgreementAmended,
            "/supersedes",
            Some(json!("A1".repeat(32))),
        ),
        (AgreementSigned, "/version", Some(json!(0))),
        (AgreementTerminated, "/effective", Some(json!("2026-1-1"))),
        (ResultReported, "/metrics/visits", Some(json!(-1))),
        (ResultReported, "/metrics/Visits", Some(json!(1))),
        (ResultReported, "/metrics/x-", Some(json!(1))),
        (
            ResultReported,
            "/evidence/0/media_type",
            Some(json!("image/JPEG")),
        ),
        (ResultReported, "/evidence/0/sha256", Some(json!("abc"))),
        (ResultReported, "/summary", Some(long(2001))),
        (ResultConfirmed, "/result", Some(json!(1))),
        (EvaluationRecorded, "/score", Some(json!(101))),
        (EvaluationRecorded, "/period", Some(json!("2025-H3"))),
        (
            EvaluationRecorded,
            "/subject/org",
            Some(json!("js.lyg.fgw")),
        ),
        (EvaluationRecorded, "/subject", Some(json!({}))),
        (EvaluationRecorded, "/grade", Some(json!("outstanding"))),
        (CardIssued, "/color", Some(json!("green"))),
        (NeedPosted, "/description", Some(long(4001))),
        (NeedPosted, "/title", Some(json!("路灯\n维修"))),
        (
            NeedFulfilled,
            "/metrics",
            Some(json!((0..33)
                .map(|i| (format!("x-m{i}"), json!(1)))
                .collect::<serde_json::Map<_, _>>())),
        ),
        (NeedClosed, "/rating", Some(json!(6))),
        (NeedClosed, "/satisfied", Some(json!("yes"))),
    ]
}

#[test]
fn invalid_bodies_fail_the_schema_and_the_parser() {
    for (t, pointer, value) in invalid_bodies() {
        let statement = example_statement(t);
        let body = mutate(statement["body"].clone(), pointer, value.clone());
        assert!(
            !validator(t).is_valid(&body),
            "{t} {pointer} = {value:?}: the schema accepts {body}"
        );
        let mut statement = statement;
        statement["body"] = body;
        let bytes = serde_json::to_vec(&statement).expect("json");
        match parse_statement(&bytes) {
            Ok(_) => panic!("{t} {pointer} = {value:?}: the parser accepts it"),
            Err(r) => assert_eq!(r.code, Code::Schema, "{t} {pointer}: {r:?}"),
        }
    }
}
