//! End-to-end tests of the command line: the whole flow of a small ledger (keys, signing,
//! `init`, a 结对共建 story through `submit`, `entries`, `log verify`, checkpoints) and every
//! way each command refuses (SPEC §2, §4.2, §5).

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use common::{
    arg, assert_same_snapshot, date_utc8, hex, init_ledger, jcs, leaf_hash, merkle_root,
    now_rfc3339, run, sha256, snapshot, unix_now_s, Outcome, EXIT_ERROR, EXIT_REJECTED,
};
use ed25519_dalek::{Signature, VerifyingKey};
use serde_json::{json, Value};

const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";

/// A key pair made by `pactlog key generate`.
struct Key {
    signing: PathBuf,
    public: String,
}

fn generate_key(dir: &Path) -> Key {
    let outcome = run(["key", "generate", "--out", arg(dir)]);
    let public = outcome.ok().trim().to_string();
    Key {
        signing: dir.join("signing.key"),
        public,
    }
}

/// A statement of this log, timed now.
fn statement(kind: &str, author: &str, body: Value) -> Value {
    json!({
        "log": ORIGIN,
        "type": kind,
        "author": author,
        "time": now_rfc3339(),
        "body": body,
    })
}

/// The statement id (SPEC §2): hex SHA-256 of the canonical bytes.
fn statement_id(statement: &Value) -> String {
    hex(&sha256(jcs(statement).as_bytes()))
}

/// Writes `statement` pretty-printed to `dir/name.statement.json`, signs it with `pactlog sign`
/// and writes the envelope to `dir/name.envelope.json`.
fn sign(dir: &Path, name: &str, key: &Path, statement: &Value) -> PathBuf {
    let statement_file = dir.join(format!("{name}.statement.json"));
    fs::write(
        &statement_file,
        serde_json::to_string_pretty(statement).expect("json"),
    )
    .expect("write statement");
    let signed = run(["sign", "--key", arg(key), arg(&statement_file)]);
    let envelope = dir.join(format!("{name}.envelope.json"));
    fs::write(&envelope, signed.ok()).expect("write envelope");
    envelope
}

/// The rejection code and pointer a command printed (`rejected: <code>`, `pointer: <p>`).
fn rejection(outcome: &Outcome) -> (String, Option<String>) {
    let code = outcome
        .stderr
        .lines()
        .find_map(|line| line.strip_prefix("rejected: "))
        .unwrap_or_else(|| panic!("no `rejected:` line in\n{}", outcome.stderr))
        .to_string();
    let pointer = outcome
        .stderr
        .lines()
        .find_map(|line| line.trim_start().strip_prefix("pointer: "))
        .map(str::to_string);
    (code, pointer)
}

/// Asserts a refusal with exit code 1, the code and (for `schema`/`personal_data`) pointer.
fn assert_rejected(outcome: &Outcome, code: &str, pointer: Option<&str>, what: &str) {
    outcome.fails_with(EXIT_REJECTED);
    let (found, found_pointer) = rejection(outcome);
    assert_eq!(found, code, "{what}: code\n{}", outcome.stderr);
    assert_eq!(
        found_pointer.as_deref(),
        pointer,
        "{what}: pointer\n{}",
        outcome.stderr
    );
    // Every rejection also says it in English and Chinese (SPEC §4.2).
    assert!(
        outcome.stderr.lines().count() >= 3
            && outcome
                .stderr
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: message in English and Chinese\n{}",
        outcome.stderr
    );
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).expect("stat").permissions().mode() & 0o777
}

#[test]
fn key_generate_writes_an_owner_only_private_key_and_never_overwrites() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("keys").join("fgw");
    let key = generate_key(&dir);
    assert_eq!(mode(&key.signing), 0o600, "signing.key is mode 0600");
    let public_file = fs::read_to_string(dir.join("public.key")).expect("public.key");
    assert_eq!(public_file.trim(), key.public, "printed key = public.key");
    let public = STANDARD.decode(&key.public).expect("base64 public key");
    assert_eq!(
        (key.public.len(), public.len()),
        (44, 32),
        "SPEC §1 key form"
    );
    let seed = STANDARD
        .decode(
            fs::read_to_string(&key.signing)
                .expect("signing.key")
                .trim(),
        )
        .expect("base64 seed");
    let seed: [u8; 32] = seed.try_into().expect("32-byte seed");
    assert_eq!(
        ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes()
            .as_slice(),
        public.as_slice(),
        "public.key belongs to signing.key"
    );

    let before = snapshot(&dir);
    run(["key", "generate", "--out", arg(&dir)])
        .stderr_has("refusing to overwrite")
        .fails_with(EXIT_ERROR);
    assert_same_snapshot(&before, &snapshot(&dir), "a second generate");

    let other = generate_key(&tmp.path().join("other"));
    assert_ne!(other.public, key.public, "each key is fresh");
}

#[test]
fn sign_canonicalizes_a_pretty_printed_statement() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let key = generate_key(&tmp.path().join("k"));
    // Members out of order, indentation, an escaped CJK character, a space before a colon:
    // none of it survives canonicalization (RFC 8785).
    let text = format!(
        "{{\n    \"type\" : \"org.registered\",\n    \"time\": \"{}\",\n    \"log\": \"{ORIGIN}\",\n    \
         \"author\": \"js.lyg\",\n    \"body\": {{\n        \"region\": \"320706\",\n        \
         \"name\": \"\\u5357辛村党支部\",\n        \"org\": \"js.lyg.v.nanxin\",\n        \
         \"kind\": \"village\",\n        \"keys\": [ \"{}\" ]\n    }}\n}}\n",
        now_rfc3339(),
        key.public
    );
    let file = tmp.path().join("statement.json");
    fs::write(&file, &text).expect("write statement");
    let statement: Value = serde_json::from_str(&text).expect("the statement is JSON");

    let signed = run(["sign", "--key", arg(&key.signing), arg(&file)]);
    let out = signed.ok();
    assert!(out.ends_with('\n') && out.lines().count() == 1, "one line");
    let envelope_text = out.trim_end();
    let envelope: Value = serde_json::from_str(envelope_text).expect("envelope JSON");
    assert_eq!(envelope["statement"], statement, "the same statement");
    assert_eq!(envelope["signer"], json!(key.public));
    let canonical = jcs(&statement);
    assert!(
        canonical.contains("\"name\":\"南辛村党支部\""),
        "{canonical}"
    );
    assert!(
        envelope_text.contains(&format!("\"statement\":{canonical}")),
        "the envelope carries the statement's canonical bytes:\n{envelope_text}"
    );
    assert_eq!(
        envelope_text,
        jcs(&envelope),
        "the envelope is canonical too"
    );

    // The signature is Ed25519 over the domain and the canonical bytes (SPEC §2).
    let signer = VerifyingKey::from_bytes(
        &STANDARD
            .decode(&key.public)
            .expect("b64")
            .try_into()
            .expect("32"),
    )
    .expect("public key");
    let signature = STANDARD
        .decode(envelope["signature"].as_str().expect("signature"))
        .expect("b64 signature");
    let signature = Signature::from_slice(&signature).expect("64 bytes");
    let mut message = b"pactlog/v1/statement\n".to_vec();
    message.extend_from_slice(canonical.as_bytes());
    signer
        .verify_strict(&message, &signature)
        .expect("the signature verifies over the canonical bytes");

    let envelope_file = tmp.path().join("envelope.json");
    fs::write(&envelope_file, out).expect("write envelope");
    let verified = run(["verify", arg(&envelope_file)]);
    assert_eq!(
        verified.ok().trim(),
        format!(
            "ok: statement {} signed by {}",
            statement_id(&statement),
            key.public
        )
    );
}

#[test]
fn sign_refuses_what_cannot_be_signed() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let key = generate_key(&tmp.path().join("k"));
    let write = |name: &str, text: &str| {
        let path = tmp.path().join(name);
        fs::write(&path, text).expect("write");
        path
    };
    let fraction = write(
        "fraction.json",
        &statement(
            "result.confirmed",
            "js.lyg",
            json!({"result": "r-1", "x": 1.5}),
        )
        .to_string(),
    );
    assert_rejected(
        &run(["sign", "--key", arg(&key.signing), arg(&fraction)]),
        "not_canonical",
        None,
        "a fraction",
    );
    let not_json = write("broken.json", "{\"log\": ");
    run(["sign", "--key", arg(&key.signing), arg(&not_json)])
        .stderr_has("is not JSON")
        .fails_with(EXIT_ERROR);
    let good = write(
        "good.json",
        &statement("result.confirmed", "js.lyg", json!({"result": "r-1"})).to_string(),
    );
    let missing = tmp.path().join("no-such.key");
    run(["sign", "--key", arg(&missing), arg(&good)]).fails_with(EXIT_ERROR);
    let garbage = write("garbage.key", "not a key\n");
    run(["sign", "--key", arg(&garbage), arg(&good)])
        .stderr_has("is not base64")
        .fails_with(EXIT_ERROR);
    let short = write("short.key", &format!("{}\n", STANDARD.encode([7u8; 16])));
    run(["sign", "--key", arg(&short), arg(&good)])
        .stderr_has("32-byte Ed25519 seed")
        .fails_with(EXIT_ERROR);
}

/// An envelope `pactlog verify` must refuse, with the code and pointer it must print.
struct Refusal {
    what: &'static str,
    envelope: String,
    /// `--origin`, if given.
    origin: Option<&'static str>,
    code: &'static str,
    pointer: Option<&'static str>,
}

#[test]
fn verify_accepts_a_good_envelope_and_names_each_rejection() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let authority = generate_key(&tmp.path().join("authority"));
    let branch = generate_key(&tmp.path().join("branch"));
    let registration = |name: &str| {
        statement(
            "org.registered",
            "js.lyg",
            json!({
                "org": "js.lyg.fgw",
                "name": name,
                "kind": "organ",
                "region": "320700",
                "keys": [branch.public],
            }),
        )
    };
    let good_statement = registration("连云港市发展和改革委员会机关党支部");
    let good = sign(tmp.path(), "good", &authority.signing, &good_statement);
    let good_text = fs::read_to_string(&good)
        .expect("envelope")
        .trim()
        .to_string();
    let expected_ok = format!(
        "ok: statement {} signed by {}",
        statement_id(&good_statement),
        authority.public
    );
    assert_eq!(run(["verify", arg(&good)]).ok().trim(), expected_ok);
    assert_eq!(
        run(["verify", "--origin", ORIGIN, arg(&good)]).ok().trim(),
        expected_ok
    );
    // The envelope around the statement need not be canonical (SPEC §2).
    let pretty = tmp.path().join("pretty.json");
    let envelope: Value = serde_json::from_str(&good_text).expect("envelope");
    let statement_bytes = jcs(&envelope["statement"]);
    fs::write(
        &pretty,
        format!(
            "{{\n  \"signature\": {},\n  \"statement\": {statement_bytes},\n  \"signer\": {}\n}}\n",
            envelope["signature"], envelope["signer"]
        ),
    )
    .expect("write");
    assert_eq!(run(["verify", arg(&pretty)]).ok().trim(), expected_ok);

    // Hand-made damage to the good envelope.
    let signature = envelope["signature"].as_str().expect("signature");
    let flipped: String = signature
        .char_indices()
        .map(|(i, c)| match (i, c) {
            (10, 'A') => 'B',
            (10, _) => 'A',
            (_, c) => c,
        })
        .collect();
    assert_ne!(flipped, signature);
    let refusal = |what, envelope, code, pointer| Refusal {
        what,
        envelope,
        origin: None,
        code,
        pointer,
    };
    // SPEC §4.2 check 1: at most 64 000 bytes, whitespace around the statement included.
    let padded = |len: usize| format!("{good_text}{}", " ".repeat(len - good_text.len()));
    let limit = tmp.path().join("limit.json");
    fs::write(&limit, padded(64_000)).expect("write");
    assert_eq!(run(["verify", arg(&limit)]).ok().trim(), expected_ok);
    let mut cases = vec![
        refusal("one byte too large", padded(64_001), "too_large", None),
        refusal(
            "malformed JSON",
            good_text[..good_text.len() / 2].to_string(),
            "malformed",
            None,
        ),
        refusal("not an object", "[1, 2]".to_string(), "malformed", None),
        refusal(
            "whitespace inside the statement",
            good_text.replacen("\"statement\":{\"", "\"statement\":{ \"", 1),
            "not_canonical",
            None,
        ),
        refusal(
            "a duplicate member",
            good_text.replacen('{', &format!("{{\"signer\":\"{}\",", branch.public), 1),
            "not_canonical",
            None,
        ),
        refusal(
            "a flipped signature character",
            good_text.replace(signature, &flipped),
            "bad_signature",
            None,
        ),
        refusal(
            "another signer",
            good_text.replace(&authority.public, &branch.public),
            "bad_signature",
            None,
        ),
        refusal(
            "a missing signature",
            jcs(&json!({"statement": envelope["statement"], "signer": envelope["signer"]})),
            "bad_signature",
            None,
        ),
        Refusal {
            origin: Some("pairings.example.gov.cn/zhejiang"),
            ..refusal("another log", good_text.clone(), "wrong_log", None)
        },
    ];
    // Well signed, but the statement breaks §4.1 or the personal-data rule.
    let mut bad_body = good_statement.clone();
    bad_body["body"]["color"] = json!("red");
    let mut bad_kind = good_statement.clone();
    bad_kind["body"]["kind"] = json!("alien");
    let mut missing = good_statement.clone();
    missing["body"]
        .as_object_mut()
        .expect("body")
        .remove("region");
    let signed_text = |name: &str, statement: &Value| {
        fs::read_to_string(sign(tmp.path(), name, &authority.signing, statement)).expect("envelope")
    };
    cases.extend([
        refusal(
            "an unknown body member",
            signed_text("unknown-member", &bad_body),
            "schema",
            Some("/body/color"),
        ),
        refusal(
            "an unknown org kind",
            signed_text("bad-kind", &bad_kind),
            "schema",
            Some("/body/kind"),
        ),
        refusal(
            "a missing body member",
            signed_text("missing", &missing),
            "schema",
            Some("/body"),
        ),
        refusal(
            "a mobile number in a name",
            signed_text("mobile", &registration("南辛村联络员13812345678")),
            "personal_data",
            Some("/body/name"),
        ),
        refusal(
            "a mobile number with prefix and hyphens",
            signed_text("spaced-mobile", &registration("联系电话 +86 138-1234-5678")),
            "personal_data",
            Some("/body/name"),
        ),
    ]);
    for (i, case) in cases.into_iter().enumerate() {
        let file = tmp.path().join(format!("case-{i}.json"));
        fs::write(&file, &case.envelope).expect("write case");
        let mut args = vec!["verify"];
        if let Some(origin) = case.origin {
            args.extend(["--origin", origin]);
        }
        args.push(arg(&file));
        let outcome = run(&args);
        assert!(
            outcome.stdout.is_empty(),
            "{}: nothing on stdout",
            case.what
        );
        assert_rejected(&outcome, case.code, case.pointer, case.what);
    }

    run(["verify", arg(&tmp.path().join("absent.json"))]).fails_with(EXIT_ERROR);
}

/// What `submit` printed for one envelope: (created, seq, id).
fn submitted(outcome: &Outcome, envelope: &Path) -> (bool, u64, String) {
    let prefix = format!("{}: ", envelope.display());
    let line = outcome
        .stdout
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no line for {prefix}in\n{}", outcome.stdout));
    let words: Vec<&str> = line.split(' ').collect();
    match words.as_slice() {
        ["accepted", "seq", seq, "id", id] => (true, seq.parse().expect("seq"), id.to_string()),
        ["already", "logged", "seq", seq, "id", id] => {
            (false, seq.parse().expect("seq"), id.to_string())
        }
        _ => panic!("unexpected submit line {line:?}"),
    }
}

/// Submits one envelope that must be accepted at `seq`; returns its statement id.
fn submit_one(data: &Path, envelope: &Path, seq: u64) -> String {
    let outcome = run(["submit", "--dir", arg(data), arg(envelope)]);
    outcome.ok();
    let (created, got, id) = submitted(&outcome, envelope);
    assert!(
        created,
        "{}: accepted, not already logged",
        envelope.display()
    );
    assert_eq!(got, seq, "{}: seq", envelope.display());
    id
}

#[test]
fn a_pairing_story_from_init_to_a_confirmed_result() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let work = tmp.path();
    let data = work.join("data");
    let ledger = init_ledger(&data, ORIGIN);
    assert!(ledger.init_stdout.contains("created ledger in"));
    let genesis_id = ledger
        .init_stdout
        .lines()
        .find_map(|line| line.strip_prefix("genesis statement: "))
        .expect("init prints the genesis id");
    assert_eq!(genesis_id.len(), 64);
    assert_eq!(mode(&ledger.authority_key), 0o600);
    assert_eq!(mode(&data.join("keys").join("checkpoint.key")), 0o600);
    let before = snapshot(&data);
    run(["init", "--origin", ORIGIN, "--dir", arg(&data)])
        .stderr_has("already holds a log")
        .fails_with(EXIT_ERROR);
    assert_same_snapshot(&before, &snapshot(&data), "a second init");

    let authority = ledger.authority_org.as_str();
    let fgw = generate_key(&work.join("fgw"));
    let nanxin = generate_key(&work.join("nanxin"));
    let mut envelopes = Vec::new();
    let mut step = |name: &str, key: &Path, statement: Value| {
        let envelope = sign(work, name, key, &statement);
        envelopes.push((envelope.clone(), statement.clone()));
        (envelope, statement)
    };

    // The authority registers an organ party branch and a village party branch.
    let (register_fgw, register_fgw_statement) = step(
        "register-fgw",
        &ledger.authority_key,
        statement(
            "org.registered",
            authority,
            json!({
                "org": "js.lyg.fgw",
                "name": "连云港市发展和改革委员会机关党支部",
                "kind": "organ",
                "region": "320700",
                "keys": [fgw.public],
            }),
        ),
    );
    let (register_nanxin, _) = step(
        "register-nanxin",
        &ledger.authority_key,
        statement(
            "org.registered",
            authority,
            json!({
                "org": "js.lyg.v.nanxin",
                "name": "灌南县南辛村党支部",
                "kind": "village",
                "region": "320724",
                "keys": [nanxin.public],
            }),
        ),
    );
    // The branch proposes a pairing agreement with the village; the village signs it.
    let term_start = format!("{}-01-01", &date_utc8(-1)[..4]);
    let term_end = date_utc8(730);
    let (propose, propose_statement) = step(
        "propose",
        &fgw.signing,
        statement(
            "agreement.proposed",
            "js.lyg.fgw",
            json!({
                "agreement": "lyg-fgw-nanxin",
                "version": 1,
                "kind": "pairing",
                "title": "市发改委机关党支部与南辛村党支部结对共建协议",
                "parties": ["js.lyg.fgw", "js.lyg.v.nanxin"],
                "term": {"start": term_start, "end": term_end},
                "categories": ["party_building", "livelihood"],
                "goals": ["村集体经济增收", "每季度开展一次联合主题党日"],
                "meetings": {"every": "quarter"},
                "obligations": [{
                    "id": "visits",
                    "owner": "js.lyg.fgw",
                    "category": "livelihood",
                    "title": "走访调研",
                    "measure": {"metric": "visits", "target": 8},
                    "due": term_end,
                }],
            }),
        ),
    );
    let (sign_agreement, _) = step(
        "sign",
        &nanxin.signing,
        statement(
            "agreement.signed",
            "js.lyg.v.nanxin",
            json!({
                "agreement": "lyg-fgw-nanxin",
                "version": 1,
                "terms": statement_id(&propose_statement),
            }),
        ),
    );
    // A result is reported by the branch and confirmed by the village.
    let (report, _) = step(
        "report",
        &fgw.signing,
        statement(
            "result.reported",
            "js.lyg.fgw",
            json!({
                "result": "lyg-fgw-nanxin-r1",
                "agreement": "lyg-fgw-nanxin",
                "obligation": "visits",
                "date": date_utc8(-1),
                "category": "livelihood",
                "summary": "走访农户，协调解决灌溉水渠问题",
                "metrics": {"visits": 3, "problems_solved": 1},
                "evidence": [{"sha256": hex(&sha256(b"photo")), "media_type": "image/jpeg"}],
            }),
        ),
    );
    let (confirm, confirm_statement) = step(
        "confirm",
        &nanxin.signing,
        statement(
            "result.confirmed",
            "js.lyg.v.nanxin",
            json!({"result": "lyg-fgw-nanxin-r1"}),
        ),
    );

    let register_fgw_id = submit_one(&data, &register_fgw, 1);
    assert_eq!(register_fgw_id, statement_id(&register_fgw_statement));
    submit_one(&data, &register_nanxin, 2);
    let propose_id = submit_one(&data, &propose, 3);
    assert_eq!(propose_id, statement_id(&propose_statement));
    submit_one(&data, &sign_agreement, 4);
    // Several envelopes in one submit are decided in order.
    let both = run(["submit", "--dir", arg(&data), arg(&report), arg(&confirm)]);
    both.ok();
    assert_eq!(submitted(&both, &report).1, 5);
    assert_eq!(submitted(&both, &confirm).1, 6);

    // Resubmitting is answered with the entry already logged (SPEC §4.2 check 6).
    let again = run(["submit", "--dir", arg(&data), arg(&register_fgw)]);
    again.ok();
    assert_eq!(
        submitted(&again, &register_fgw),
        (false, 1, register_fgw_id.clone())
    );

    // The id is the statement's (SPEC §2), so the same statement under another valid
    // signature is the entry already logged (check 6 comes before the key checks).
    let resigned = sign(work, "confirm-resigned", &fgw.signing, &confirm_statement);
    let resigned_outcome = run(["submit", "--dir", arg(&data), arg(&resigned)]);
    resigned_outcome.ok();
    assert_eq!(
        submitted(&resigned_outcome, &resigned),
        (false, 6, statement_id(&confirm_statement))
    );

    // Refusals: each exits 1 with its code, and nothing is appended.
    let stranger = generate_key(&work.join("stranger"));
    let rejected: Vec<(&str, &Path, Value, &str)> = vec![
        (
            "a second genesis",
            &ledger.authority_key,
            statement(
                "log.genesis",
                authority,
                json!({
                    "origin": ORIGIN,
                    "checkpoint_key": ledger.verifier_key,
                    "max_skew_s": 300,
                    "authority": {
                        "org": authority,
                        "name": "中共中央和国家机关工作委员会",
                        "region": "000000",
                        "keys": [ledger.authority_public_key],
                    },
                }),
            ),
            "invalid_transition",
        ),
        (
            "unknown author",
            &stranger.signing,
            statement(
                "result.confirmed",
                "js.lyg.v.stranger",
                json!({"result": "lyg-fgw-nanxin-r1"}),
            ),
            "unknown_author",
        ),
        (
            "duplicate org id",
            &ledger.authority_key,
            statement(
                "org.registered",
                authority,
                json!({
                    "org": "js.lyg.fgw",
                    "name": "另一个党支部",
                    "kind": "organ",
                    "region": "320700",
                    "keys": [stranger.public],
                }),
            ),
            "duplicate_id",
        ),
        (
            "signed with another org's key",
            &fgw.signing,
            statement(
                "result.disputed",
                "js.lyg.v.nanxin",
                json!({"result": "lyg-fgw-nanxin-r1", "reason": "数据有误"}),
            ),
            "key_not_active",
        ),
        (
            "an unknown agreement",
            &nanxin.signing,
            statement(
                "agreement.signed",
                "js.lyg.v.nanxin",
                json!({"agreement": "no-such-agreement", "version": 1, "terms": propose_id}),
            ),
            "unknown_reference",
        ),
        (
            "a village registering an org",
            &nanxin.signing,
            statement(
                "org.registered",
                "js.lyg.v.nanxin",
                json!({
                    "org": "js.lyg.v.nanxin.team",
                    "name": "村民小组",
                    "kind": "social",
                    "region": "320724",
                    "keys": [stranger.public],
                }),
            ),
            "not_authorized",
        ),
        (
            "a second signature",
            &nanxin.signing,
            {
                // A time after the first signature's (within the skew), so another id.
                let mut again = statement(
                    "agreement.signed",
                    "js.lyg.v.nanxin",
                    json!({"agreement": "lyg-fgw-nanxin", "version": 1, "terms": propose_id}),
                );
                again["time"] = json!(common::rfc3339(unix_now_s() + 1));
                again
            },
            "invalid_transition",
        ),
        (
            "a time an hour ago",
            &nanxin.signing,
            {
                let mut late = statement(
                    "result.disputed",
                    "js.lyg.v.nanxin",
                    json!({"result": "lyg-fgw-nanxin-r1", "reason": "重复上报"}),
                );
                late["time"] = json!(common::rfc3339(unix_now_s() - 3600));
                late
            },
            "clock_skew",
        ),
        (
            "another log",
            &nanxin.signing,
            {
                let mut other = statement(
                    "result.disputed",
                    "js.lyg.v.nanxin",
                    json!({"result": "lyg-fgw-nanxin-r1", "reason": "重复上报"}),
                );
                other["log"] = json!("pairings.example.gov.cn/zhejiang");
                other
            },
            "wrong_log",
        ),
    ];
    for (i, (what, key, statement, code)) in rejected.into_iter().enumerate() {
        let envelope = sign(work, &format!("rejected-{i}"), key, &statement);
        let outcome = run(["submit", "--dir", arg(&data), arg(&envelope)]);
        assert!(outcome.stdout.is_empty(), "{what}: nothing accepted");
        outcome.stderr_has(&format!("{}:", envelope.display()));
        assert_rejected(&outcome, code, None, what);
    }
    let personal = sign(
        work,
        "personal",
        &fgw.signing,
        &statement(
            "result.disputed",
            "js.lyg.fgw",
            json!({"result": "lyg-fgw-nanxin-r1", "reason": "请联系13812345678"}),
        ),
    );
    assert_rejected(
        &run(["submit", "--dir", arg(&data), arg(&personal)]),
        "personal_data",
        Some("/body/reason"),
        "personal data",
    );
    // The village has confirmed the result, so it cannot dispute it too (SPEC §4).
    let dispute = sign(
        work,
        "dispute",
        &nanxin.signing,
        &statement(
            "result.disputed",
            "js.lyg.v.nanxin",
            json!({"result": "lyg-fgw-nanxin-r1", "reason": "数据有误"}),
        ),
    );
    let (report_again, _) = step(
        "report-again",
        &fgw.signing,
        statement(
            "result.reported",
            "js.lyg.fgw",
            json!({
                "result": "lyg-fgw-nanxin-r2",
                "agreement": "lyg-fgw-nanxin",
                "date": date_utc8(-1),
                "category": "party_building",
                "summary": "联合开展主题党日活动",
                "metrics": {"meetings": 1, "x-members": 35},
                "evidence": [],
            }),
        ),
    );
    // Refused envelopes do not stop the ones after them, but the exit code says so.
    let mixed = run([
        "submit",
        "--dir",
        arg(&data),
        arg(&personal),
        arg(&dispute),
        arg(&report_again),
    ]);
    mixed.fails_with(EXIT_REJECTED);
    let codes: Vec<&str> = mixed
        .stderr
        .lines()
        .filter_map(|line| line.strip_prefix("rejected: "))
        .collect();
    assert_eq!(
        codes,
        ["personal_data", "invalid_transition"],
        "{}",
        mixed.stderr
    );
    assert_eq!(mixed.stdout.lines().count(), 1, "{}", mixed.stdout);
    assert_eq!(
        submitted(&mixed, &report_again),
        (true, 7, statement_id(&envelopes[6].1))
    );

    // `entries`: one NDJSON line per entry, each exactly its canonical leaf data.
    let listing = run(["entries", "--dir", arg(&data)]).ok().to_string();
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 8, "genesis and seven statements:\n{listing}");
    assert!(listing.ends_with('\n'));
    let mut accepted_at_before = String::new();
    for (seq, line) in lines.iter().enumerate() {
        let entry: Value = serde_json::from_str(line).expect("entry JSON");
        assert_eq!(jcs(&entry), *line, "entry {seq} is canonical leaf data");
        assert_eq!(entry["seq"], json!(seq));
        let members: Vec<&String> = entry.as_object().expect("object").keys().collect();
        assert_eq!(members, ["accepted_at", "envelope", "seq"]);
        let accepted_at = entry["accepted_at"].as_str().expect("accepted_at");
        assert_eq!(accepted_at.len(), "2025-03-01T10:00:01.123Z".len());
        assert!(accepted_at.ends_with('Z') && accepted_at.as_bytes()[19] == b'.');
        assert!(
            accepted_at >= accepted_at_before.as_str(),
            "accepted_at never decreases"
        );
        accepted_at_before = accepted_at.to_string();
        if seq == 0 {
            assert_eq!(entry["envelope"]["statement"]["type"], json!("log.genesis"));
            assert_eq!(statement_id(&entry["envelope"]["statement"]), genesis_id);
            assert_eq!(
                entry["envelope"]["statement"]["body"]["checkpoint_key"],
                json!(ledger.verifier_key)
            );
        } else {
            let (file, statement) = &envelopes[seq - 1];
            let submitted: Value =
                serde_json::from_str(&fs::read_to_string(file).expect("envelope")).expect("json");
            assert_eq!(entry["envelope"], submitted, "entry {seq} is {file:?}");
            assert_eq!(entry["envelope"]["statement"], *statement);
        }
    }
    let from = run(["entries", "--dir", arg(&data), "--from", "6"]);
    assert_eq!(from.ok(), format!("{}\n{}\n", lines[6], lines[7]));
    assert_eq!(
        run(["entries", "--dir", arg(&data), "--from", "8"]).ok(),
        ""
    );

    let verified = run(["log", "verify", "--dir", arg(&data)]);
    let out = verified.ok();
    assert!(
        out.contains("ok: 8 entries replayed, every signature and rule checked"),
        "{out}"
    );
    assert!(out.contains(&ledger.verifier_key), "{out}");

    // The checkpoint covers the entries and verifies with the key `init` printed.
    let note = run(["checkpoint", "--dir", arg(&data)]).ok().to_string();
    let hashes: Vec<[u8; 32]> = lines.iter().map(|l| leaf_hash(l.as_bytes())).collect();
    let root = STANDARD.encode(merkle_root(&hashes));
    assert!(
        note.starts_with(&format!("{ORIGIN}\n8\n{root}\n\n— {ORIGIN} ")),
        "{note}"
    );
    assert!(
        out.contains(&format!("checkpoint size 8 root {root}")),
        "{out}"
    );
    let checkpoint = work.join("checkpoint.txt");
    fs::write(&checkpoint, &note).expect("write checkpoint");
    let ok = run([
        "checkpoint",
        "verify",
        "--key",
        &ledger.verifier_key,
        arg(&checkpoint),
    ]);
    assert_eq!(ok.ok().trim(), format!("ok: {ORIGIN} size 8 root {root}"));

    // Refused: another log's key (same origin, other key; other origin), a tampered note.
    let other_same = init_ledger(&work.join("other"), ORIGIN);
    let other_origin = init_ledger(&work.join("zhejiang"), "pairings.example.gov.cn/zhejiang");
    let tampered_size = work.join("tampered-size.txt");
    fs::write(&tampered_size, note.replacen("\n8\n", "\n9\n", 1)).expect("write");
    let tampered_root = work.join("tampered-root.txt");
    let other_root = STANDARD.encode(merkle_root(&hashes[..7]));
    fs::write(&tampered_root, note.replacen(&root, &other_root, 1)).expect("write");
    let unsigned = work.join("unsigned.txt");
    fs::write(&unsigned, format!("{ORIGIN}\n8\n{root}\n")).expect("write");
    for (what, key, file) in [
        ("another log's key", &other_same.verifier_key, &checkpoint),
        (
            "another origin's key",
            &other_origin.verifier_key,
            &checkpoint,
        ),
        ("a tampered size", &ledger.verifier_key, &tampered_size),
        ("a tampered root", &ledger.verifier_key, &tampered_root),
        ("no signature", &ledger.verifier_key, &unsigned),
    ] {
        let outcome = run(["checkpoint", "verify", "--key", key, arg(file)]);
        assert!(outcome.stdout.is_empty(), "{what}");
        outcome
            .stderr_has("rejected: checkpoint")
            .stderr_has("检查点验证失败")
            .fails_with(EXIT_REJECTED);
    }
    run(["checkpoint"])
        .stderr_has("give --dir DATA")
        .fails_with(EXIT_ERROR);
    run([
        "checkpoint",
        "verify",
        "--key",
        &ledger.verifier_key,
        arg(&work.join("absent.txt")),
    ])
    .fails_with(EXIT_ERROR);

    // SPEC §4.2 check 1 holds for `submit` too.
    let oversized = work.join("oversized.json");
    let mut bytes = fs::read(&register_fgw).expect("envelope");
    bytes.resize(64_001, b' ');
    fs::write(&oversized, bytes).expect("write");
    assert_rejected(
        &run(["submit", "--dir", arg(&data), arg(&oversized)]),
        "too_large",
        None,
        "a 64 001-byte envelope",
    );

    // Another log refuses this log's statements (SPEC §4.2 check 5).
    assert_rejected(
        &run([
            "submit",
            "--dir",
            arg(&other_origin.dir),
            arg(&register_fgw),
        ]),
        "wrong_log",
        None,
        "a statement of another log",
    );
    // A directory that is no ledger.
    run([
        "submit",
        "--dir",
        arg(&work.join("fgw")),
        arg(&register_fgw),
    ])
    .stderr_has("is not a pactlog store")
    .fails_with(EXIT_ERROR);
    run(["log", "verify", "--dir", arg(&work.join("nowhere"))]).fails_with(EXIT_ERROR);
}

#[test]
fn init_writes_its_settings_into_the_genesis() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("jiangsu");
    let outcome = run([
        "init",
        "--origin",
        ORIGIN,
        "--dir",
        arg(&data),
        "--max-skew-s",
        "7200",
        "--authority-org",
        "js.zzb",
        "--authority-name",
        "中共江苏省委组织部",
        "--authority-region",
        "320000",
    ]);
    let printed = outcome.ok();
    let listing = run(["entries", "--dir", arg(&data)]).ok().to_string();
    let genesis: Value = serde_json::from_str(listing.trim_end()).expect("one entry");
    let genesis_statement = &genesis["envelope"]["statement"];
    assert_eq!(genesis_statement["author"], json!("js.zzb"));
    assert_eq!(
        genesis_statement["body"]["authority"]["name"],
        json!("中共江苏省委组织部")
    );
    assert_eq!(
        genesis_statement["body"]["authority"]["region"],
        json!("320000")
    );
    assert_eq!(genesis_statement["body"]["max_skew_s"], json!(7200));
    // SPEC §3: the genesis is accepted at its own time (`time` may omit the fraction).
    let time = genesis_statement["time"].as_str().expect("time");
    let time_millis = if time.len() == "2025-03-01T10:00:00Z".len() {
        time.replace('Z', ".000Z")
    } else {
        time.to_string()
    };
    assert_eq!(genesis["accepted_at"], json!(time_millis));
    let authority_key = genesis_statement["body"]["authority"]["keys"][0]
        .as_str()
        .expect("key");
    assert!(printed.contains(&format!("({authority_key})")), "{printed}");

    // An hour of skew is within this log's 7200 s.
    let key = generate_key(&tmp.path().join("branch"));
    let mut late = statement(
        "org.registered",
        "js.zzb",
        json!({
            "org": "js.nj.jgdw",
            "name": "南京市机关党工委",
            "kind": "authority",
            "region": "320100",
            "keys": [key.public],
        }),
    );
    late["time"] = json!(common::rfc3339(unix_now_s() - 3600));
    let envelope = sign(
        tmp.path(),
        "late",
        &data.join("keys").join("authority.key"),
        &late,
    );
    submit_one(&data, &envelope, 1);
    run(["log", "verify", "--dir", arg(&data)]).ok();
}

#[test]
fn a_refused_init_leaves_nothing_in_the_way() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (i, bad) in [
        ["--authority-region", "32"],
        ["--authority-org", "Root"],
        ["--max-skew-s", "0"],
    ]
    .into_iter()
    .enumerate()
    {
        let data = tmp.path().join(format!("ledger-{i}"));
        let mut args = vec!["init", "--origin", ORIGIN, "--dir", arg(&data)];
        args.extend(bad);
        run(&args).fails_with(EXIT_ERROR);
        let retry = run(["init", "--origin", ORIGIN, "--dir", arg(&data)]);
        assert_eq!(
            retry.code(),
            Some(0),
            "init with {bad:?} refused, then a corrected init: {}",
            retry.stderr
        );
    }
    let data = tmp.path().join("bad-origin");
    run(["init", "--origin", "Bad Origin", "--dir", arg(&data)]).fails_with(EXIT_ERROR);
    run(["init", "--origin", ORIGIN, "--dir", arg(&data)]).ok();
}

/// Generation of each slot of `DATA/checkpoints` (0 for a never-written slot).
fn slot_generations(file: &[u8]) -> [u64; 2] {
    let slot = pactlog_store::CHECKPOINT_SLOT_LEN;
    [0, 1].map(|i| {
        let at = i * slot + 8;
        u64::from_le_bytes(file[at..at + 8].try_into().expect("8 bytes"))
    })
}

/// A checkpoint write cut short by a crash, and a data directory of an earlier format: both
/// are repaired on open, said on stderr, and lose nothing that was acknowledged.
#[test]
fn a_torn_checkpoint_write_and_an_older_format_are_recovered_and_reported() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let data = tmp.path().join("data");
    init_ledger(&data, ORIGIN);
    let load = |run_name: &str| {
        run([
            "load",
            "--dir",
            arg(&data),
            "--count",
            "3",
            "--threads",
            "1",
            "--run",
            run_name,
        ])
    };
    load("first").ok();
    let checkpoints = data.join("checkpoints");
    let before = run(["checkpoint", "--dir", arg(&data)]).ok().to_string();

    // Tear the newest slot, as a crash in the middle of writing it would: the previous
    // checkpoint is used, the entries after it (durable, never acknowledged under the torn
    // one) are checkpointed again, and the operator is told.
    let mut file = fs::read(&checkpoints).expect("read checkpoints");
    let generations = slot_generations(&file);
    let newest = usize::from(generations[1] > generations[0]);
    let offset = newest * pactlog_store::CHECKPOINT_SLOT_LEN;
    file[offset + 30] ^= 0x01;
    fs::write(&checkpoints, &file).expect("write checkpoints");
    load("second")
        .stderr_has(&format!(
            "the checkpoint slot at byte offset {offset} of {} is damaged",
            checkpoints.display()
        ))
        .stderr_has("检查点槽位损坏")
        .ok();
    run(["log", "verify", "--dir", arg(&data)]).ok();
    let after = run(["checkpoint", "--dir", arg(&data)]).ok().to_string();
    let size = |note: &str| -> u64 { note.lines().nth(1).expect("size").parse().expect("u64") };
    assert_eq!(size(&after), size(&before) + 3);

    // Store format 1 kept the checkpoint in `DATA/checkpoint`, a small-file frame.
    let file = fs::read(&checkpoints).expect("read checkpoints");
    let generations = slot_generations(&file);
    let newest = usize::from(generations[1] > generations[0]) * pactlog_store::CHECKPOINT_SLOT_LEN;
    let len = u32::from_le_bytes(file[newest + 16..newest + 20].try_into().expect("4 bytes"));
    let note = &file[newest + 24..newest + 24 + len as usize];
    let mut frame = vec![0xFF, b'P', b'L', b'F', 1, 0, 0, 0];
    frame.extend_from_slice(&len.to_le_bytes());
    let checksum = crc32c::crc32c_append(crc32c::crc32c(&frame), note);
    frame.extend_from_slice(&checksum.to_le_bytes());
    frame.extend_from_slice(note);
    fs::write(data.join("checkpoint"), frame).expect("write format 1 checkpoint");
    fs::remove_file(&checkpoints).expect("remove checkpoints");
    fs::write(data.join("FORMAT"), "pactlog-store format 1\n").expect("write marker");
    run(["log", "verify", "--dir", arg(&data)])
        .stderr_has("upgraded the data directory from store format 1 to 2")
        .ok();
    assert!(!data.join("checkpoint").exists());
    assert_eq!(
        fs::read_to_string(data.join("FORMAT")).expect("marker"),
        "pactlog-store format 2\n"
    );
    assert_eq!(
        run(["checkpoint", "--dir", arg(&data)]).ok(),
        after,
        "the upgrade keeps the checkpoint"
    );
    load("third").ok();
}
