//! End to end over real HTTP: the `pactlog` binary serving on a free loopback port, a plain
//! HTTP client, and every answer checked the way an outside verifier would — checkpoints
//! with the pinned verifier key, proofs and tile hashes up to the signed root, receipts
//! offline (SPEC §4.2, §5, §6, §7, §8).

mod http_common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use http_common::*;
use pactlog_merkle::tile::parse_entry_bundle;
use pactlog_merkle::{
    leaf_hash, node_hash, verify_checkpoint, verify_consistency, verify_inclusion, verify_receipt,
    Checkpoint, Hash,
};
use pactlog_statement::entry::Entry;
use pactlog_statement::statement::StatementType;
use serde_json::{json, Value};

/// A fresh ledger served by `pactlog serve --origin`, with its verifier key.
struct Ledger {
    _root: tempfile::TempDir,
    server: ServerProcess,
    client: Client,
    verifier_key: String,
}

fn ledger() -> Ledger {
    let root = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_new(root.path());
    let client = Client::new(&server);
    let verifier_key = genesis_verifier_key(&client);
    Ledger {
        _root: root,
        server,
        client,
        verifier_key,
    }
}

/// The checkpoint key the genesis pins (SPEC §5), read from entry 0.
fn genesis_verifier_key(client: &Client) -> String {
    let genesis = client.get("/v1/entries/0").json();
    genesis["envelope"]["statement"]["body"]["checkpoint_key"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The latest checkpoint, verified with the pinned key.
fn checkpoint(ledger: &Ledger) -> (String, Checkpoint) {
    let answer = ledger.client.get("/v1/checkpoint");
    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("content-type"),
        Some("text/plain; charset=utf-8")
    );
    let note = answer.text();
    let checkpoint = verify_checkpoint(&note, &ledger.verifier_key).expect("a signed checkpoint");
    assert_eq!(checkpoint.origin, ORIGIN);
    assert_eq!(answer.tree_size(), checkpoint.size);
    (note, checkpoint)
}

/// Registers `count` organs under the root authority, `threads` submitters at once; returns
/// the acknowledgements.
fn register_many(ledger: &Ledger, run: &str, count: usize, threads: usize) -> Vec<Value> {
    let authority = ledger.server.authority_key();
    let acks = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (client, authority, acks) = (ledger.client.clone(), &authority, &acks);
            scope.spawn(move || {
                for n in (t..count).step_by(threads) {
                    let org = format!("{run}.{n}");
                    let envelope = sign(&register(&org, "organ", "320700", &key(&org)), authority);
                    let ack = client.accept(&envelope);
                    acks.lock().unwrap().push(ack);
                }
            });
        }
    });
    let mut acks = acks.into_inner().unwrap();
    acks.sort_by_key(|ack| ack["seq"].as_u64());
    acks
}

fn hash_of(text: &str) -> Hash {
    Hash::from_base64(text).unwrap()
}

#[test]
fn a_statement_is_acknowledged_once_and_then_answered_as_already_logged() {
    let ledger = ledger();
    let envelope = sign(
        &register("js.lyg.fgw", "organ", "320700", &key("fgw")),
        &ledger.server.authority_key(),
    );
    let created = ledger.client.submit(&envelope);
    assert_eq!(created.status, 201);
    assert_eq!(created.header("content-type"), Some("application/json"));
    assert_eq!(created.header("location"), Some("/v1/entries/1"));
    let ack = created.json();
    let members: BTreeSet<&str> = ack
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        members,
        BTreeSet::from(["seq", "id", "leaf_hash", "accepted_at", "checkpoint"])
    );
    assert_eq!(ack["seq"], 1);
    assert_eq!(ack["id"], statement_id(&envelope));
    let accepted_at = ack["accepted_at"].as_str().unwrap();
    assert!(
        accepted_at.len() == 24 && accepted_at.ends_with('Z') && accepted_at.as_bytes()[19] == b'.',
        "three fraction digits: {accepted_at}"
    );
    // The checkpoint in the answer is signed and covers the entry.
    let covering =
        verify_checkpoint(ack["checkpoint"].as_str().unwrap(), &ledger.verifier_key).unwrap();
    assert!(covering.size >= 2);
    // The leaf hash is the hash of the entry's leaf data, which holds this envelope.
    let entry = ledger.client.get("/v1/entries/1");
    assert_eq!(entry.status, 200);
    assert_eq!(ack["leaf_hash"], leaf_hash_hex(&entry.body));
    assert_eq!(
        entry.header("x-pactlog-leaf-hash"),
        ack["leaf_hash"].as_str()
    );
    let parsed = entry.json();
    assert_eq!(parsed["seq"], 1);
    assert_eq!(parsed["accepted_at"], accepted_at);
    assert_eq!(
        parsed["envelope"],
        serde_json::from_slice::<Value>(&envelope).unwrap()
    );

    // Check 6: the same statement again is 200 with the same members.
    let again = ledger.client.submit(&envelope);
    assert_eq!(again.status, 200, "{}", again.text());
    let again = again.json();
    for member in ["seq", "id", "leaf_hash", "accepted_at"] {
        assert_eq!(again[member], ack[member], "{member}");
    }
    verify_checkpoint(again["checkpoint"].as_str().unwrap(), &ledger.verifier_key).unwrap();
    assert_eq!(checkpoint(&ledger).1.size, 2, "nothing was appended");
}

/// The envelope of `statement` signed by `key`, as a JSON value to tamper with.
fn envelope_value(statement: &Value, key: &ed25519_dalek::SigningKey) -> Value {
    serde_json::from_slice(&sign(statement, key)).unwrap()
}

#[test]
fn every_rejection_code_of_spec_4_2_over_http() {
    let ledger = ledger();
    let authority = ledger.server.authority_key();
    let organ_key = key("organ");
    ledger.client.accept(&sign(
        &register("js.lyg.organ", "organ", "320700", &organ_key),
        &authority,
    ));
    ledger.client.accept(&sign(
        &register("dup.org", "organ", "320700", &key("dup")),
        &authority,
    ));
    let stranger = key("stranger");

    let non_canonical = envelope_value(
        &register("nc.org", "organ", "320700", &key("nc")),
        &authority,
    );
    let pretty_statement = serde_json::to_string_pretty(&non_canonical["statement"]).unwrap();
    let not_canonical = format!(
        "{{\"statement\":{pretty_statement},\"signer\":{},\"signature\":{}}}",
        non_canonical["signer"], non_canonical["signature"]
    );
    let mut bad_signature = envelope_value(
        &register("bs.org", "organ", "320700", &key("bs")),
        &authority,
    );
    bad_signature["signature"] = envelope_value(
        &register("other.org", "organ", "320700", &key("other")),
        &authority,
    )["signature"]
        .clone();
    let mut wrong_log_statement = register("wl.org", "organ", "320700", &key("wl"));
    wrong_log_statement["log"] = json!("another.example/log");
    let mut skewed = register("skew.org", "organ", "320700", &key("skew"));
    let an_hour_ago =
        pactlog_statement::time::Timestamp::from_unix_millis(now().unix_millis() - 3_600_000)
            .unwrap();
    skewed["time"] = json!(an_hour_ago.to_string());
    let mut personal = register("pd.org", "organ", "320700", &key("pd"));
    personal["body"]["name"] = json!("南新村党支部 联系电话 13812345678");
    let mut bad_kind = register("sc.org", "organ", "320700", &key("sc"));
    bad_kind["body"]["kind"] = json!("castle");
    let genesis = statement(
        "log.genesis",
        ROOT,
        json!({
            "origin": ORIGIN,
            "checkpoint_key": ledger.verifier_key,
            "max_skew_s": 300,
            "authority": {
                "org": ROOT,
                "name": "第二个创世",
                "region": "000000",
                "keys": [public(&authority)],
            }
        }),
    );
    let mut duplicate = register("dup.org", "organ", "320700", &key("dup2"));
    duplicate["body"]["name"] = json!("另一个名称");

    let cases: Vec<(&str, Vec<u8>, u16, Option<&str>)> = vec![
        ("too_large", vec![b' '; 64_001], 413, None),
        ("malformed", b"[1, 2, 3]".to_vec(), 400, None),
        ("not_canonical", not_canonical.into_bytes(), 400, None),
        (
            "bad_signature",
            serde_json::to_vec(&bad_signature).unwrap(),
            400,
            None,
        ),
        (
            "wrong_log",
            sign(&wrong_log_statement, &authority),
            400,
            None,
        ),
        (
            "schema",
            sign(&bad_kind, &authority),
            400,
            Some("/body/kind"),
        ),
        (
            "personal_data",
            sign(&personal, &authority),
            400,
            Some("/body/name"),
        ),
        ("clock_skew", sign(&skewed, &authority), 400, None),
        (
            "unknown_author",
            sign(
                &register("ua.org", "organ", "320700", &key("ua")).tap_author("nobody.registered"),
                &stranger,
            ),
            403,
            None,
        ),
        (
            "key_not_active",
            sign(
                &register("kna.org", "organ", "320700", &key("kna")),
                &stranger,
            ),
            403,
            None,
        ),
        (
            "unknown_reference",
            sign(
                &statement(
                    "key.added",
                    ROOT,
                    json!({"org": "no.such.org", "key": public(&key("ur"))}),
                ),
                &authority,
            ),
            422,
            None,
        ),
        (
            "not_authorized",
            sign(
                &register("na.org", "organ", "320700", &key("na")).tap_author("js.lyg.organ"),
                &organ_key,
            ),
            403,
            None,
        ),
        ("duplicate_id", sign(&duplicate, &authority), 409, None),
        ("invalid_transition", sign(&genesis, &authority), 409, None),
    ];
    assert_eq!(cases.len(), 14, "one case per code of SPEC §4.2");
    for (code, body, status, pointer) in &cases {
        let answer = ledger.client.submit(body);
        let problem = answer.assert_problem(*status, code);
        if let Some(pointer) = pointer {
            assert_eq!(problem["pointer"], *pointer, "{code}");
        }
    }
    // Nothing rejected was logged.
    assert_eq!(checkpoint(&ledger).1.size, 3);
    let metrics = ledger.client.get("/metrics").text();
    for (code, ..) in &cases {
        assert!(
            metrics.contains(&format!("pactlog_rejections_total{{code=\"{code}\"}} 1")),
            "{code} counted once"
        );
    }
}

trait TapAuthor {
    fn tap_author(self, author: &str) -> Self;
}

impl TapAuthor for Value {
    fn tap_author(mut self, author: &str) -> Self {
        self["author"] = json!(author);
        self
    }
}

#[test]
fn the_size_limit_comes_first_and_only_json_is_accepted() {
    let ledger = ledger();
    let authority = ledger.server.authority_key();
    let address = ledger.server.address;

    // Check 1 before the content type: a huge text/plain body is too_large.
    let huge = vec![b'x'; 200_000];
    let answer = raw_request(
        address,
        &format!(
            "POST /v1/statements HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            huge.len()
        ),
        &huge,
    );
    answer.assert_problem(413, "too_large");

    // A chunked body (no Content-Length) is counted as it arrives.
    let mut chunked = Vec::new();
    for _ in 0..20 {
        chunked.extend_from_slice(format!("{:x}\r\n", 4000).as_bytes());
        chunked.extend_from_slice(&[b'{'; 4000]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let answer = raw_request(
        address,
        "POST /v1/statements HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        &chunked,
    );
    answer.assert_problem(413, "too_large");

    // Exactly 64 000 bytes is not too large (it is malformed: not JSON).
    let answer = ledger.client.submit(&vec![b'x'; 64_000]);
    answer.assert_problem(400, "malformed");

    // Another content type is bad_request, before any other check.
    let envelope = sign(
        &register("ct.org", "organ", "320700", &key("ct")),
        &authority,
    );
    let answer = raw_request(
        address,
        &format!(
            "POST /v1/statements HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            envelope.len()
        ),
        &envelope,
    );
    answer.assert_problem(400, "bad_request");

    // No content type at all is read as JSON.
    let answer = raw_request(
        address,
        &format!(
            "POST /v1/statements HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            envelope.len()
        ),
        &envelope,
    );
    assert_eq!(answer.status, 201, "{}", answer.text());

    // application/json with parameters is JSON.
    let envelope = sign(
        &register("ct2.org", "organ", "320700", &key("ct2")),
        &authority,
    );
    let answer = raw_request(
        address,
        &format!(
            "POST /v1/statements HTTP/1.1\r\nHost: test\r\nContent-Type: Application/JSON; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            envelope.len()
        ),
        &envelope,
    );
    assert_eq!(answer.status, 201, "{}", answer.text());
}

#[test]
fn entries_are_served_as_leaf_data() {
    let ledger = ledger();
    let acks = register_many(&ledger, "entries", 5, 1);
    let size = checkpoint(&ledger).1.size;
    assert_eq!(size, 6);

    let all = ledger.client.get("/v1/entries");
    assert_eq!(all.status, 200);
    assert_eq!(all.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(all.tree_size(), 6);
    let text = all.text();
    assert!(text.ends_with('\n'));
    let lines: Vec<&str> = text.strip_suffix('\n').unwrap().split('\n').collect();
    assert_eq!(lines.len(), 6);
    for (seq, line) in lines.iter().enumerate() {
        let one = ledger.client.get(&format!("/v1/entries/{seq}"));
        assert_eq!(one.status, 200);
        assert_eq!(one.header("content-type"), Some("application/json"));
        assert_eq!(one.body, line.as_bytes(), "entry {seq} byte for byte");
        let entry = Entry::parse_leaf(line.as_bytes()).expect("a valid, signed entry");
        assert_eq!(entry.seq, seq as u64);
    }
    for ack in &acks {
        let id = ack["id"].as_str().unwrap();
        let by_id = ledger.client.get(&format!("/v1/statements/{id}"));
        assert_eq!(by_id.status, 200);
        assert_eq!(by_id.json()["seq"], ack["seq"]);
        assert_eq!(
            leaf_hash_hex(&by_id.body),
            ack["leaf_hash"].as_str().unwrap()
        );
    }

    let page = ledger.client.get("/v1/entries?start=2&limit=3").text();
    assert_eq!(
        page,
        lines[2..5]
            .iter()
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );
    let past_end = ledger.client.get("/v1/entries?start=6");
    assert_eq!(past_end.status, 200);
    assert!(past_end.body.is_empty());
    let capped = ledger.client.get("/v1/entries?limit=100000");
    assert_eq!(capped.status, 200);
    assert_eq!(capped.text(), text);
    assert!(ledger.client.get("/v1/entries?limit=0").body.is_empty());
    for bad in [
        "start=-1",
        "start=x",
        "limit=1.5",
        "limit=",
        "start=1&start=2",
    ] {
        ledger
            .client
            .get(&format!("/v1/entries?{bad}"))
            .assert_problem(400, "bad_request");
    }
    for missing in [
        "/v1/entries/6",
        "/v1/entries/abc",
        "/v1/entries/18446744073709551616",
        "/v1/statements/0000000000000000000000000000000000000000000000000000000000000000",
        "/v1/statements/not-an-id",
    ] {
        ledger.client.get(missing).assert_problem(404, "not_found");
    }
}

#[test]
fn inclusion_and_consistency_proofs_verify_against_signed_checkpoints() {
    let ledger = ledger();
    let (_, first) = checkpoint(&ledger);
    assert_eq!(first.size, 1);
    let mut checkpoints = vec![first];
    for n in 0..6 {
        register_many(&ledger, &format!("proofs{n}"), 1, 1);
        checkpoints.push(checkpoint(&ledger).1);
    }
    let latest = checkpoints.last().unwrap().clone();
    assert_eq!(latest.size, 7);
    let leaves: Vec<Vec<u8>> = ledger
        .client
        .get("/v1/entries")
        .text()
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect();

    for (seq, leaf) in leaves.iter().enumerate() {
        // Against the latest (default size) and against every older checkpoint covering it.
        for checkpoint in checkpoints.iter().filter(|c| c.size > seq as u64) {
            let path = if checkpoint.size == latest.size {
                format!("/v1/proofs/inclusion?seq={seq}")
            } else {
                format!("/v1/proofs/inclusion?seq={seq}&size={}", checkpoint.size)
            };
            let answer = ledger.client.get(&path);
            assert_eq!(answer.status, 200, "{path}");
            let proof = answer.json();
            assert_eq!(proof["leaf_index"], seq);
            assert_eq!(proof["tree_size"], checkpoint.size);
            let hashes: Vec<Hash> = proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| hash_of(h.as_str().unwrap()))
                .collect();
            verify_inclusion(
                &leaf_hash(leaf),
                seq as u64,
                checkpoint.size,
                &hashes,
                &checkpoint.root,
            )
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
    for older in &checkpoints {
        for newer in checkpoints.iter().filter(|c| c.size >= older.size) {
            let answer = ledger.client.get(&format!(
                "/v1/proofs/consistency?from={}&to={}",
                older.size, newer.size
            ));
            assert_eq!(answer.status, 200);
            let proof = answer.json();
            assert_eq!(proof["from"], older.size);
            assert_eq!(proof["to"], newer.size);
            let hashes: Vec<Hash> = proof["hashes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| hash_of(h.as_str().unwrap()))
                .collect();
            verify_consistency(older.size, newer.size, &hashes, &older.root, &newer.root).unwrap();
        }
    }
    for bad in [
        "/v1/proofs/inclusion",
        "/v1/proofs/inclusion?seq=7",
        "/v1/proofs/inclusion?seq=3&size=3",
        "/v1/proofs/inclusion?seq=0&size=8",
        "/v1/proofs/inclusion?seq=0&size=0",
        "/v1/proofs/inclusion?seq=x",
        "/v1/proofs/consistency?from=0&to=3",
        "/v1/proofs/consistency?from=4&to=3",
        "/v1/proofs/consistency?from=1&to=8",
        "/v1/proofs/consistency?from=1",
        "/v1/proofs/consistency",
    ] {
        ledger.client.get(bad).assert_problem(400, "bad_request");
    }
}

/// RFC 9162 MTH, written out here so the tiles are checked by code the server does not run.
fn merkle_root(leaf_hashes: &[Hash]) -> Hash {
    match leaf_hashes.len() {
        0 => panic!("no empty trees in a log"),
        1 => leaf_hashes[0],
        n => {
            let split = n.next_power_of_two() / 2;
            node_hash(
                &merkle_root(&leaf_hashes[..split]),
                &merkle_root(&leaf_hashes[split..]),
            )
        }
    }
}

fn tile_hashes(bytes: &[u8]) -> Vec<Hash> {
    assert_eq!(bytes.len() % 32, 0);
    bytes
        .chunks(32)
        .map(|c| Hash::try_from(c).unwrap())
        .collect()
}

#[test]
fn tiles_hash_up_to_the_checkpoint_root() {
    let ledger = ledger();
    // 1 genesis + 299: one full level-0 tile and a partial one of 44.
    register_many(&ledger, "tiles", 299, 6);
    let (note, checkpoint) = checkpoint(&ledger);
    assert_eq!(checkpoint.size, 300);

    let tiles_checkpoint = ledger.client.get("/checkpoint");
    assert_eq!(tiles_checkpoint.status, 200);
    assert_eq!(
        tiles_checkpoint.text(),
        note,
        "/checkpoint is /v1/checkpoint"
    );
    let cache = tiles_checkpoint.header("cache-control").unwrap();
    let max_age: u64 = cache
        .split("max-age=")
        .nth(1)
        .and_then(|s| s.split(',').next())
        .unwrap()
        .parse()
        .unwrap();
    assert!(max_age <= 5, "cached a few seconds at most: {cache}");

    let full = ledger.client.get("/tile/0/000");
    assert_eq!(full.status, 200);
    assert_eq!(
        full.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        full.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let partial = ledger.client.get("/tile/0/001.p/44");
    assert_eq!(partial.status, 200);
    let mut leaf_hashes = tile_hashes(&full.body);
    assert_eq!(leaf_hashes.len(), 256);
    leaf_hashes.extend(tile_hashes(&partial.body));
    assert_eq!(leaf_hashes.len(), 300);
    assert_eq!(
        merkle_root(&leaf_hashes),
        checkpoint.root,
        "tiles hash to the root"
    );

    let level1 = ledger.client.get("/tile/1/000.p/1");
    assert_eq!(level1.status, 200);
    assert_eq!(
        tile_hashes(&level1.body),
        vec![merkle_root(&leaf_hashes[..256])]
    );

    // Entry bundles hold the leaf data of /v1/entries, and hash to the tile's hashes.
    let mut bundled = Vec::new();
    for path in ["/tile/entries/000", "/tile/entries/001.p/44"] {
        let bundle = ledger.client.get(path);
        assert_eq!(bundle.status, 200, "{path}");
        assert_eq!(
            bundle.header("content-type"),
            Some("application/octet-stream")
        );
        bundled.extend(
            parse_entry_bundle(&bundle.body)
                .unwrap()
                .into_iter()
                .map(<[u8]>::to_vec),
        );
    }
    let entries: Vec<Vec<u8>> = ledger
        .client
        .get("/v1/entries?limit=1000")
        .text()
        .lines()
        .map(|l| l.as_bytes().to_vec())
        .collect();
    assert_eq!(bundled.len(), entries.len());
    assert!(
        bundled == entries,
        "entry bundles hold the leaf data of /v1/entries"
    );
    let bundled_hashes: Vec<Hash> = bundled.iter().map(|leaf| leaf_hash(leaf)).collect();
    assert_eq!(bundled_hashes, leaf_hashes);

    // Partial tiles of every earlier size are served; tiles beyond the tree, empty or
    // malformed ones are not.
    let older = ledger.client.get("/tile/0/001.p/5");
    assert_eq!(older.status, 200);
    assert_eq!(tile_hashes(&older.body), leaf_hashes[256..261].to_vec());
    assert_eq!(ledger.client.get("/tile/0/000.p/7").status, 200);
    assert_eq!(ledger.client.get("/tile/entries/001.p/3").status, 200);
    for missing in [
        "/tile/0/001",
        "/tile/0/001.p/45",
        "/tile/0/002.p/1",
        "/tile/1/000",
        "/tile/2/000.p/1",
        "/tile/entries/001",
        "/tile/entries/001.p/45",
        "/tile/0/001.p/0",
        "/tile/0/1",
        "/tile/64/000",
        "/tile/0/x000/001",
        "/tile/entries",
    ] {
        ledger.client.get(missing).assert_problem(404, "not_found");
    }
}

#[test]
fn receipts_verify_offline() {
    let ledger = ledger();
    let acks = register_many(&ledger, "receipts", 4, 2);
    for ack in &acks {
        let id = ack["id"].as_str().unwrap();
        let answer = ledger.client.get(&format!("/v1/receipts/{id}"));
        assert_eq!(answer.status, 200);
        assert!(answer
            .header("content-type")
            .unwrap()
            .starts_with("text/plain"));
        let text = answer.text();
        assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra "));
        let verified = verify_receipt(&text, &ledger.verifier_key).expect("a valid receipt");
        assert_eq!(verified.index, ack["seq"].as_u64().unwrap());
        // The extra line is the base64 of the leaf data; its envelope's signature verifies.
        let extra = text.lines().nth(1).unwrap().strip_prefix("extra ").unwrap();
        assert_eq!(BASE64.decode(extra).unwrap(), verified.leaf_data);
        let entry = Entry::parse_leaf(&verified.leaf_data).expect("signed entry");
        assert_eq!(entry.seq, verified.index);
        assert_eq!(entry.envelope.id().to_string(), id);
        assert_eq!(
            leaf_hash_hex(&verified.leaf_data),
            ack["leaf_hash"].as_str().unwrap()
        );
    }
    ledger
        .client
        .get("/v1/receipts/1111111111111111111111111111111111111111111111111111111111111111")
        .assert_problem(404, "not_found");
}

#[test]
fn the_sse_stream_catches_up_then_follows() {
    let ledger = ledger();
    register_many(&ledger, "sse", 2, 1);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent
        .get(ledger.server.url("/v1/entries/stream?from=1"))
        .call()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let (sender, receiver) = std::sync::mpsc::channel::<(u64, String)>();
    std::thread::spawn(move || {
        let reader = BufReader::new(response.into_body().into_reader());
        let mut id = None;
        for line in reader.lines() {
            let Ok(line) = line else { return };
            if let Some(value) = line.strip_prefix("id: ").or(line.strip_prefix("id:")) {
                id = value.trim().parse().ok();
            } else if let Some(data) = line.strip_prefix("data: ").or(line.strip_prefix("data:")) {
                if sender.send((id.unwrap(), data.to_string())).is_err() {
                    return;
                }
            }
        }
    });
    let next = || {
        receiver
            .recv_timeout(Duration::from_secs(10))
            .expect("an event")
    };
    let entries: Vec<String> = ledger
        .client
        .get("/v1/entries")
        .text()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(next(), (1, entries[1].clone()));
    assert_eq!(next(), (2, entries[2].clone()));
    // A new entry arrives as soon as it is acknowledged.
    let started = Instant::now();
    let ack = register_many(&ledger, "sse-new", 1, 1).remove(0);
    let (seq, data) = next();
    assert_eq!(seq, 3);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        leaf_hash_hex(data.as_bytes()),
        ack["leaf_hash"].as_str().unwrap()
    );
    let metrics = ledger.client.get("/metrics").text();
    assert!(metrics.contains("pactlog_sse_streams 1"), "{metrics}");
    ledger
        .client
        .get("/v1/entries/stream?from=abc")
        .assert_problem(400, "bad_request");
}

/// Every route of SPEC §7 and §8 (but the dashboard) as the OpenAPI document writes it.
const ROUTES: [(&str, &str); 24] = [
    ("post", "/v1/statements"),
    ("get", "/v1/checkpoint"),
    ("get", "/v1/entries"),
    ("get", "/v1/entries/stream"),
    ("get", "/v1/entries/{seq}"),
    ("get", "/v1/statements/{id}"),
    ("get", "/v1/proofs/inclusion"),
    ("get", "/v1/proofs/consistency"),
    ("get", "/v1/receipts/{id}"),
    ("get", "/v1/orgs"),
    ("get", "/v1/orgs/{id}"),
    ("get", "/v1/agreements"),
    ("get", "/v1/agreements/{id}"),
    ("get", "/v1/obligations"),
    ("get", "/v1/results"),
    ("get", "/v1/needs"),
    ("get", "/v1/stats"),
    ("get", "/metrics"),
    ("get", "/healthz"),
    ("get", "/v1/openapi.json"),
    ("get", "/v1/schemas/{type}"),
    ("get", "/checkpoint"),
    ("get", "/tile/{level}/{index}"),
    ("get", "/tile/entries/{index}"),
];

#[test]
fn the_openapi_document_lists_every_route() {
    let ledger = ledger();
    let answer = ledger.client.get("/v1/openapi.json");
    assert_eq!(answer.status, 200);
    let document = answer.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().unwrap();
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .unwrap()
                .keys()
                .filter(|k| ["get", "post", "put", "delete", "patch"].contains(&k.as_str()))
                .map(move |method| (method.clone(), path.clone()))
        })
        .collect();
    let expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);
    for (method, path) in ROUTES {
        let operation = &paths[path][method];
        assert!(
            operation["responses"]["200"].is_object() || operation["responses"]["201"].is_object()
        );
    }
}

#[test]
fn schemas_are_served_for_every_statement_type() {
    let ledger = ledger();
    for statement_type in StatementType::ALL {
        let answer = ledger
            .client
            .get(&format!("/v1/schemas/{}", statement_type.as_str()));
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.header("content-type"),
            Some("application/schema+json")
        );
        assert_eq!(
            answer.text(),
            pactlog_statement::schema::body_schema_file(*statement_type)
        );
        assert_eq!(
            answer.json()["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
    ledger
        .client
        .get("/v1/schemas/agreement.invented")
        .assert_problem(404, "not_found");
}

#[test]
fn metrics_count_submissions_rejections_and_requests() {
    let ledger = ledger();
    register_many(&ledger, "metrics", 2, 1);
    ledger
        .client
        .submit(b"{}")
        .assert_problem(400, "bad_signature");
    ledger.client.get("/v1/checkpoint");
    // The projections fold within a second (SPEC §6); the gauge follows.
    assert!(eventually(Duration::from_secs(2), || {
        ledger
            .client
            .get("/metrics")
            .text()
            .contains("pactlog_projection_entries 3")
    }));
    let answer = ledger.client.get("/metrics");
    assert_eq!(answer.status, 200);
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("text/plain"));
    let text = answer.text();
    for line in [
        "pactlog_log_entries 3",
        "pactlog_projection_entries 3",
        "pactlog_submissions_total{outcome=\"created\"} 2",
        "pactlog_submissions_total{outcome=\"rejected\"} 1",
        "pactlog_rejections_total{code=\"bad_signature\"} 1",
        "pactlog_rejections_total{code=\"schema\"} 0",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
    // Two entries were committed since the server started, in one or two group commits.
    let commits: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("pactlog_group_commits "))
        .unwrap_or_else(|| panic!("pactlog_group_commits in:\n{text}"))
        .parse()
        .unwrap();
    assert!((1..=2).contains(&commits), "{commits} group commits");
    assert!(text.contains(
        "pactlog_http_request_duration_seconds_count{method=\"POST\",route=\"/v1/statements\",status=\"201\"} 2"
    ));
    assert!(text.contains(
        "pactlog_http_request_duration_seconds_bucket{method=\"GET\",route=\"/v1/checkpoint\",status=\"200\",le=\"0.005\"}"
    ));
}

#[test]
fn unknown_routes_and_bad_parameters_are_problems() {
    let ledger = ledger();
    for path in [
        "/nope",
        "/",
        "/v1",
        "/v1/orgs/no.such.org",
        "/v1/agreements/no-such-agreement",
    ] {
        ledger.client.get(path).assert_problem(404, "not_found");
    }
    // A path with another method is not a route either.
    ledger
        .client
        .post("/v1/checkpoint", b"{}")
        .assert_problem(404, "not_found");
    ledger
        .client
        .get("/v1/statements")
        .assert_problem(404, "not_found");
    for query in [
        "/v1/agreements?state=bogus",
        "/v1/agreements?as_of=2025-13-01",
        "/v1/agreements?limit=0",
        "/v1/orgs?cursor=garbage",
        "/v1/orgs?kind=castle",
        "/v1/orgs?region=32",
        "/v1/obligations?status=late",
        "/v1/results?confirmation=maybe",
        "/v1/needs?status=lost",
        "/v1/stats?period=2025-H3",
        "/v1/orgs/root.authority?as_of=yesterday",
    ] {
        ledger.client.get(query).assert_problem(400, "bad_request");
    }
    let health = ledger.client.get("/healthz");
    assert_eq!(health.status, 200);
    assert_eq!(health.json()["status"], "ok");
}

/// Statements that make an agreement in force with a confirmed result, a need and its
/// claim: enough for every projection route to have something to say.
fn build_agreement(server: &ServerProcess, client: &Client) -> Vec<Value> {
    let authority = server.authority_key();
    let (fgw, nanxin, bank) = (key("fgw"), key("nanxin"), key("bank"));
    let mut acks = vec![
        client.accept(&sign(
            &register("js.lyg.fgw", "organ", "320700", &fgw),
            &authority,
        )),
        client.accept(&sign(
            &register("js.lyg.v.nanxin", "village", "320706", &nanxin),
            &authority,
        )),
        client.accept(&sign(
            &register("js.lyg.bank", "organ", "320700", &bank),
            &authority,
        )),
    ];
    let mut proposal_body =
        pactlog_statement::schema::example_body(StatementType::AgreementProposed);
    proposal_body["term"] = json!({"start": "2020-01-01", "end": "2099-12-31"});
    for obligation in proposal_body["obligations"].as_array_mut().unwrap() {
        if obligation.get("due").is_some() {
            obligation["due"] = json!("2099-06-30");
        }
    }
    let proposal = client.accept(&sign(
        &statement("agreement.proposed", "js.lyg.fgw", proposal_body),
        &fgw,
    ));
    let terms = proposal["id"].as_str().unwrap().to_string();
    acks.push(proposal);
    acks.push(client.accept(&sign(
        &statement(
            "agreement.signed",
            "js.lyg.v.nanxin",
            json!({"agreement": "lyg-2025-fgw-nanxin", "version": 1, "terms": terms}),
        ),
        &nanxin,
    )));
    acks.push(client.accept(&sign(
        &statement(
            "result.reported",
            "js.lyg.fgw",
            json!({
                "result": "lyg-r1",
                "agreement": "lyg-2025-fgw-nanxin",
                "obligation": "visits",
                "date": today().to_string(),
                "category": "party_building",
                "summary": "走访农户12户",
                "metrics": {"visits": 12},
                "evidence": [],
            }),
        ),
        &fgw,
    )));
    acks.push(client.accept(&sign(
        &statement(
            "result.confirmed",
            "js.lyg.v.nanxin",
            json!({"result": "lyg-r1"}),
        ),
        &nanxin,
    )));
    acks.push(client.accept(&sign(
        &statement(
            "need.posted",
            "js.lyg.v.nanxin",
            json!({
                "need": "nanxin-001",
                "title": "村文化广场路灯维修",
                "category": "livelihood",
                "description": "广场路灯损坏",
                "agreement": "lyg-2025-fgw-nanxin",
            }),
        ),
        &nanxin,
    )));
    acks.push(client.accept(&sign(
        &statement("need.claimed", "js.lyg.bank", json!({"need": "nanxin-001"})),
        &bank,
    )));
    acks
}

/// The projection routes, each answered with its tree size in the body and the header.
fn projection_answers(client: &Client) -> Vec<(String, Vec<u8>)> {
    let as_of = today().to_string();
    let paths = [
        "/v1/orgs".to_string(),
        "/v1/orgs?kind=village".to_string(),
        "/v1/orgs?region=320706&limit=1".to_string(),
        format!("/v1/orgs/js.lyg.fgw?as_of={as_of}"),
        format!("/v1/agreements?as_of={as_of}"),
        format!("/v1/agreements?state=active&party=js.lyg.v.nanxin&as_of={as_of}"),
        format!("/v1/agreements/lyg-2025-fgw-nanxin?as_of={as_of}"),
        format!("/v1/obligations?as_of={as_of}"),
        format!("/v1/obligations?status=met&as_of={as_of}"),
        "/v1/results".to_string(),
        "/v1/results?confirmation=confirmed".to_string(),
        "/v1/needs".to_string(),
        "/v1/needs?status=claimed".to_string(),
        format!("/v1/stats?as_of={as_of}"),
        format!("/v1/stats?region=320700&as_of={as_of}"),
    ];
    paths
        .into_iter()
        .map(|path| {
            let answer = client.get(&path);
            assert_eq!(answer.status, 200, "{path}: {}", answer.text());
            assert_eq!(answer.header("content-type"), Some("application/json"));
            assert_eq!(
                answer.json()["tree_size"].as_u64(),
                Some(answer.tree_size()),
                "{path}"
            );
            (path, answer.body)
        })
        .collect()
}

#[test]
fn projections_follow_the_log_and_survive_a_restart() {
    let root = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_new(root.path());
    let client = Client::new(&server);
    let acks = build_agreement(&server, &client);
    let size = acks.last().unwrap()["seq"].as_u64().unwrap() + 1;
    // SPEC §6: an acknowledged entry is reflected within one second.
    let reflected = eventually(Duration::from_secs(1), || {
        client.get("/v1/needs").tree_size() == size
    });
    assert!(
        reflected,
        "projections reflect entry {} within 1 s",
        size - 1
    );

    let agreements = client
        .get(&format!("/v1/agreements?as_of={}", today()))
        .json();
    assert_eq!(agreements["next"], Value::Null);
    let items = agreements["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["state"], "active", "{}", items[0]);
    let page = client.get("/v1/orgs?limit=2").json();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let cursor = page["next"].as_str().expect("a next page");
    let rest = client
        .get(&format!("/v1/orgs?limit=2&cursor={cursor}"))
        .json();
    assert_eq!(rest["items"].as_array().unwrap().len(), 2);
    assert_eq!(rest["next"], Value::Null);
    // as_of defaults to today in UTC+8.
    assert_eq!(
        client.get("/v1/stats").body,
        client.get(&format!("/v1/stats?as_of={}", today())).body
    );
    // SPEC §6: D is compared with the term; it does not hide what the log holds. Signed
    // today, with a term from 2020 to 2099:
    for (as_of, state) in [("2019-12-31", "pending_start"), ("2100-01-01", "expired")] {
        let detail = client
            .get(&format!("/v1/agreements/lyg-2025-fgw-nanxin?as_of={as_of}"))
            .json();
        assert_eq!(detail["state"], state, "as of {as_of}: {detail}");
        assert_eq!(detail["results"].as_array().unwrap().len(), 1);
    }

    let before = projection_answers(&client);
    assert!(server.stop().success());
    let server = ServerProcess::restart(root.path());
    let after = projection_answers(&Client::new(&server));
    assert_eq!(before.len(), after.len());
    for ((path, before), (_, after)) in before.iter().zip(&after) {
        assert_eq!(
            String::from_utf8_lossy(before),
            String::from_utf8_lossy(after),
            "{path} after a restart"
        );
    }
}

#[test]
fn sigterm_finishes_submissions_in_flight_and_loses_none() {
    let root = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_new(root.path());
    let authority = server.authority_key();
    let address = server.address;
    let stop = Arc::new(AtomicBool::new(false));
    let acknowledged = Arc::new(Mutex::new(Vec::<Value>::new()));
    let submitters: Vec<_> = (0..4)
        .map(|t| {
            let (stop, acknowledged, authority) = (
                Arc::clone(&stop),
                Arc::clone(&acknowledged),
                authority.clone(),
            );
            std::thread::spawn(move || {
                let client = Client::for_address(address);
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) && n < 2000 {
                    let org = format!("term.{t}.{n}");
                    let envelope = sign(&register(&org, "organ", "320700", &key(&org)), &authority);
                    n += 1;
                    match client.try_post("/v1/statements", &envelope) {
                        Ok(answer) if answer.status == 201 => {
                            acknowledged.lock().unwrap().push(answer.json())
                        }
                        // Refused connections and closed sockets once the server stops.
                        Ok(answer) => assert_eq!(answer.status, 503, "{}", answer.text()),
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    assert!(eventually(Duration::from_secs(10), || {
        acknowledged.lock().unwrap().len() >= 20
    }));
    let mut server = server;
    server.terminate();
    let status = server.wait();
    stop.store(true, Ordering::SeqCst);
    for submitter in submitters {
        submitter.join().unwrap();
    }
    assert!(
        status.success(),
        "exit status {status:?}: {}",
        server.stderr()
    );
    assert!(server.stderr().contains("shutdown: SIGTERM"));
    drop(server);

    let acknowledged = acknowledged.lock().unwrap().clone();
    let server = ServerProcess::restart(root.path());
    let client = Client::new(&server);
    let size = client.get("/v1/checkpoint").tree_size();
    assert!(size > acknowledged.len() as u64);
    for ack in &acknowledged {
        let seq = ack["seq"].as_u64().unwrap();
        let entry = client.get(&format!("/v1/entries/{seq}"));
        assert_eq!(entry.status, 200, "acknowledged entry {seq} is in the log");
        assert_eq!(
            leaf_hash_hex(&entry.body),
            ack["leaf_hash"].as_str().unwrap()
        );
        let id = ack["id"].as_str().unwrap();
        assert_eq!(
            client.get(&format!("/v1/statements/{id}")).json()["seq"],
            seq
        );
    }
}
