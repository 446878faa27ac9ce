//! Envelopes: one signed statement as it arrives (SPEC §2), and checks 1–5 of SPEC §4.2.
//!
//! Parsing never re-encodes the statement: the bytes that were signed are the bytes that are
//! checked, hashed into the statement id and logged.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use ed25519_dalek::SigningKey;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::canonical::{check_canonical_statement, to_canonical_vec};
use crate::ids::StatementId;
use crate::personal_data::find_personal_data;
use crate::rejection::{Code, Rejection};
use crate::signature::{
    encode_public_key_bytes, encode_signature, parse_signature, parse_signer, parse_signer_bytes,
    sign_statement, verify_statement, SignatureError,
};
use crate::statement::{parse_statement, Statement};

/// Largest HTTP request body of one envelope (SPEC §1, check 1). Chosen so that an entry's
/// leaf data — the envelope plus seq and `accepted_at` — fits the 65 535-byte length prefix
/// of a tlog-tiles entry bundle.
pub const ENVELOPE_BYTES_MAX: usize = 64_000;

impl StatementId {
    /// The id of a statement: SHA-256 of its canonical bytes (SPEC §2).
    pub fn of_statement(canonical_statement: &[u8]) -> Self {
        StatementId::from_bytes(Sha256::digest(canonical_statement).into())
    }
}

/// Whether parsing an envelope verifies its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Always, for anything received.
    Verify,
    /// Not again, for an entry read back from a trusted, checksummed log (see
    /// [`Envelope::parse_with`]).
    AlreadyVerified,
}

/// An envelope whose statement is canonical and whose signature verified (checks 1–4).
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The canonical statement bytes exactly as received and signed.
    statement: Box<str>,
    /// The signer's public key bytes (a valid point: the signature verified).
    signer: [u8; 32],
    signature: ed25519_dalek::Signature,
    id: StatementId,
    /// The statement's top-level `log` member if it is a string, read by the canonical
    /// check, for check 5.
    log: Option<Box<str>>,
}

impl fmt::Debug for Envelope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Envelope")
            .field("id", &self.id)
            .field("signer", &self.signer_base64())
            .field("statement", &self.statement)
            .finish()
    }
}

impl Envelope {
    /// Runs checks 1–4 of SPEC §4.2 on a request body, in order; the first failure answers.
    pub fn parse(body: &[u8]) -> Result<Envelope, Rejection> {
        Envelope::parse_with(body, SignatureCheck::Verify)
    }

    /// Checks 1–4, verifying the signature or not. Skipping it is only for envelopes read
    /// back from a log this process trusts for integrity — the store checksums every
    /// record and the signed checkpoint binds every byte — where the signature was verified
    /// when the entry was accepted: projections and restarts fold the log without paying for
    /// a second verification. Auditors (`pactlog log verify`) always verify.
    pub fn parse_with(body: &[u8], check: SignatureCheck) -> Result<Envelope, Rejection> {
        // Check 1.
        if body.len() > ENVELOPE_BYTES_MAX {
            return Err(Rejection::new(
                Code::TooLarge,
                format!(
                    "envelope is {} bytes; the limit is {ENVELOPE_BYTES_MAX}",
                    body.len()
                ),
                format!(
                    "信封为 {} 字节，上限为 {ENVELOPE_BYTES_MAX} 字节",
                    body.len()
                ),
            ));
        }
        // Fast path for the common case of an envelope sent in canonical form (as `pactlog
        // sign` prints it): one pass checks checks 2–3 and finds the members. Any other
        // shape takes the general path below, which gives the same verdicts.
        if let Some(fast) = canonical_envelope(body) {
            let (statement, signer, signature) = fast;
            return Envelope::finish(statement, signer, signature, check);
        }
        // Check 2: UTF-8, one JSON object.
        let text = std::str::from_utf8(body).map_err(|e| {
            Rejection::new(
                Code::Malformed,
                format!("body is not UTF-8 (byte {})", e.valid_up_to()),
                format!("请求体不是 UTF-8（第 {} 字节）", e.valid_up_to()),
            )
        })?;
        let members: Members<'_> = serde_json::from_str(text).map_err(|e| {
            Rejection::new(
                Code::Malformed,
                format!("body is not a JSON object: {e}"),
                format!("请求体不是 JSON 对象：{e}"),
            )
        })?;
        // Check 3: duplicate keys anywhere, canonical statement bytes, integer numbers.
        let mut seen = HashSet::with_capacity(members.0.len());
        let mut log = None;
        for (key, value) in &members.0 {
            if !seen.insert(key.as_ref()) {
                return Err(not_canonical(
                    format!("duplicate envelope member \"{key}\""),
                    format!("信封成员 \"{key}\" 重复"),
                ));
            }
            if key == "statement" {
                log = check_canonical_statement(value.get().as_bytes()).map_err(|e| {
                    not_canonical(
                        format!(
                            "statement bytes are not RFC 8785 canonical at byte {}: {}",
                            e.offset,
                            e.reason.describe_en()
                        ),
                        format!(
                            "statement 在第 {} 字节处不是 RFC 8785 规范形式：{}",
                            e.offset,
                            e.reason.describe_zh()
                        ),
                    )
                })?;
            } else if has_duplicate_keys(value.get()) {
                return Err(not_canonical(
                    format!("duplicate key inside envelope member \"{key}\""),
                    format!("信封成员 \"{key}\" 内有重复的键"),
                ));
            }
        }
        // Check 4: exactly the three members, key and signature encodings, signature valid.
        let (statement, signer, signature) = members.exactly_three()?;
        if !statement.get().starts_with('{') {
            return Err(bad_signature(
                "envelope member \"statement\" is not a JSON object",
                "信封成员 statement 不是 JSON 对象",
            ));
        }
        Envelope::finish((statement.get(), log), &signer, &signature, check)
    }

    /// The rest of check 4 once the members are known: encodings and the signature.
    fn finish(
        (statement, log): StatementWithLog<'_>,
        signer: &str,
        signature: &str,
        check: SignatureCheck,
    ) -> Result<Envelope, Rejection> {
        let (signer, signature) = match check {
            SignatureCheck::Verify => {
                let key = parse_signer(signer).map_err(signature_rejection)?;
                let signature = parse_signature(signature).map_err(signature_rejection)?;
                verify_statement(&key, statement.as_bytes(), &signature)
                    .map_err(signature_rejection)?;
                (key.verifying_key().to_bytes(), signature)
            }
            // The key's encoding is checked, not the point: the signature that proved it a
            // valid key is not checked again either.
            SignatureCheck::AlreadyVerified => (
                parse_signer_bytes(signer).map_err(signature_rejection)?,
                parse_signature(signature).map_err(signature_rejection)?,
            ),
        };
        Ok(Envelope {
            id: StatementId::of_statement(statement.as_bytes()),
            log: log.map(|log| log.as_ref().into()),
            statement: statement.into(),
            signer,
            signature,
        })
    }

    /// Signs a statement. The statement is canonicalized first, so any JSON value with the
    /// statement's members may be given; what is signed is its RFC 8785 form.
    pub fn sign(statement: &serde_json::Value, key: &SigningKey) -> Result<Envelope, Rejection> {
        let canonical = to_canonical_vec(statement).map_err(|e| {
            Rejection::new(
                Code::Malformed,
                format!("statement cannot be canonicalized: {e}"),
                format!("声明无法规范化：{e}"),
            )
        })?;
        let log = check_canonical_statement(&canonical).map_err(|e| {
            not_canonical(
                format!(
                    "statement cannot be made canonical: {}",
                    e.reason.describe_en()
                ),
                format!("声明无法成为规范形式：{}", e.reason.describe_zh()),
            )
        })?;
        let log: Option<Box<str>> = log.map(|log| log.as_ref().into());
        let text = String::from_utf8(canonical).map_err(|_| {
            Rejection::new(Code::Malformed, "statement is not UTF-8", "声明不是 UTF-8")
        })?;
        let signature = sign_statement(key, text.as_bytes());
        Ok(Envelope {
            id: StatementId::of_statement(text.as_bytes()),
            log,
            statement: text.into_boxed_str(),
            signer: key.verifying_key().to_bytes(),
            signature,
        })
    }

    /// Check 5: the statement is bound to this log (`statement.log` equals `origin`).
    ///
    /// A statement without a string `log` member is left to check 7 (`schema`), which names
    /// the member; only a `log` that names another log is `wrong_log`.
    pub fn check_log(&self, origin: &str) -> Result<(), Rejection> {
        match self.log.as_deref() {
            Some(log) if log != origin => Err(Rejection::new(
                Code::WrongLog,
                format!("statement is for log \"{log}\"; this log is \"{origin}\""),
                format!("声明属于账本 \"{log}\"，本账本是 \"{origin}\""),
            )),
            _ => Ok(()),
        }
    }

    /// Checks 7 and 8 of SPEC §4.2: the statement's members and body match §4.1 (`schema`,
    /// with a pointer), and its text carries no personal data (`personal_data`).
    pub fn statement(&self) -> Result<Statement, Rejection> {
        let statement = parse_statement(self.statement.as_bytes())?;
        for (pointer, text) in statement.text_fields() {
            if let Some(kind) = find_personal_data(text) {
                return Err(Rejection::personal_data(
                    pointer.clone(),
                    format!(
                        "{pointer} contains a {}; statements are public",
                        kind.describe_en()
                    ),
                    format!("{pointer} 含有{}，声明是公开的", kind.describe_zh()),
                ));
            }
        }
        Ok(statement)
    }

    pub fn id(&self) -> StatementId {
        self.id
    }

    /// The canonical statement bytes, exactly as signed.
    pub fn statement_bytes(&self) -> &[u8] {
        self.statement.as_bytes()
    }

    pub fn statement_text(&self) -> &str {
        &self.statement
    }

    /// The signer's public key bytes.
    pub fn signer(&self) -> &[u8; 32] {
        &self.signer
    }

    pub fn signer_base64(&self) -> String {
        encode_public_key_bytes(&self.signer)
    }

    pub fn signature_base64(&self) -> String {
        encode_signature(&self.signature)
    }

    /// The envelope in canonical form: members sorted, the statement embedded as its exact
    /// bytes. This is the form stored inside leaf data and printed by `pactlog sign`.
    pub fn to_canonical_json(&self) -> String {
        let mut out = String::with_capacity(self.statement.len() + 200);
        self.write_canonical(&mut out);
        out
    }

    /// Appends the canonical envelope to `out`. Base64 needs no JSON escaping, and the
    /// statement is already canonical, so this is plain concatenation in key order.
    pub fn write_canonical(&self, out: &mut String) {
        out.push_str("{\"signature\":\"");
        out.push_str(&self.signature_base64());
        out.push_str("\",\"signer\":\"");
        out.push_str(&self.signer_base64());
        out.push_str("\",\"statement\":");
        out.push_str(&self.statement);
        out.push('}');
    }
}

fn not_canonical(detail: String, detail_zh: String) -> Rejection {
    Rejection::new(Code::NotCanonical, detail, detail_zh)
}

fn bad_signature(detail: &str, detail_zh: &str) -> Rejection {
    Rejection::new(Code::BadSignature, detail, detail_zh)
}

fn signature_rejection(e: SignatureError) -> Rejection {
    Rejection::new(Code::BadSignature, e.to_string(), e.describe_zh())
}

/// The top-level members of an envelope in order, duplicates kept so check 3 can see them.
struct Members<'a>(Vec<(Cow<'a, str>, &'a RawValue)>);

impl<'a> Members<'a> {
    /// Check 4's member rule: exactly `statement`, `signer` and `signature`, the last two
    /// strings.
    fn exactly_three(&self) -> Result<(&'a RawValue, String, String), Rejection> {
        let find = |name: &str| self.0.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        if let Some((extra, _)) = self
            .0
            .iter()
            .find(|(k, _)| !matches!(k.as_ref(), "statement" | "signer" | "signature"))
        {
            return Err(bad_signature(
                &format!("unexpected envelope member \"{extra}\" (allowed: statement, signer, signature)"),
                &format!("信封有多余成员 \"{extra}\"（只允许 statement、signer、signature）"),
            ));
        }
        let (Some(statement), Some(signer), Some(signature)) =
            (find("statement"), find("signer"), find("signature"))
        else {
            return Err(bad_signature(
                "envelope must have the members statement, signer and signature",
                "信封必须包含 statement、signer、signature 三个成员",
            ));
        };
        let string = |raw: &RawValue, name: &str| {
            serde_json::from_str::<String>(raw.get()).map_err(|_| {
                bad_signature(
                    &format!("envelope member \"{name}\" is not a string"),
                    &format!("信封成员 {name} 不是字符串"),
                )
            })
        };
        Ok((
            statement,
            string(signer, "signer")?,
            string(signature, "signature")?,
        ))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MembersVisitor<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Members<'a>, M::Error> {
                let mut members = Vec::with_capacity(3);
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let value: &'de RawValue = map.next_value()?;
                    members.push((key, value));
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor(std::marker::PhantomData))
    }
}

/// A statement's canonical text and its `log` member, as the canonical scan found it.
type StatementWithLog<'a> = (&'a str, Option<Cow<'a, str>>);

/// The statement (with its `log`), signer and signature of an envelope that is itself in
/// canonical form with exactly the three members and plain strings, or `None` for anything
/// else (the general path then decides).
fn canonical_envelope(body: &[u8]) -> Option<(StatementWithLog<'_>, &str, &str)> {
    let scan = crate::canonical::scan(body, 1).ok()?;
    let text = std::str::from_utf8(body).ok()?;
    let [(k1, signature), (k2, signer), (k3, statement)] = scan.members.as_slice() else {
        return None;
    };
    if (k1.as_ref(), k2.as_ref(), k3.as_ref()) != ("signature", "signer", "statement") {
        return None;
    }
    let plain_string = |range: &std::ops::Range<usize>| {
        let value = text.get(range.clone())?;
        let inner = value.strip_prefix('"')?.strip_suffix('"')?;
        (!inner.contains('\\')).then_some(inner)
    };
    let statement_text = text.get(statement.clone())?;
    if !statement_text.starts_with('{') {
        return None;
    }
    Some((
        (statement_text, scan.log),
        plain_string(signer)?,
        plain_string(signature)?,
    ))
}

/// Whether a (syntactically valid) JSON text has a duplicate key in any object.
fn has_duplicate_keys(json: &str) -> bool {
    let mut deserializer = serde_json::Deserializer::from_str(json);
    NoDuplicates.deserialize(&mut deserializer).is_err()
}

/// Walks a JSON value and fails on the first object with a repeated key.
#[derive(Clone, Copy)]
struct NoDuplicates;

impl<'de> DeserializeSeed<'de> for NoDuplicates {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NoDuplicates {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        let mut keys = HashSet::new();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            if !keys.insert(key) {
                return Err(de::Error::custom("duplicate key"));
            }
            map.next_value_seed(self)?;
        }
        Ok(())
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while seq.next_element_seed(self)?.is_some() {}
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::canonical::check_canonical;

    const ORIGIN: &str = "pairings.example.gov.cn/jiangsu";

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[9; 32])
    }

    fn statement() -> serde_json::Value {
        serde_json::json!({
            "log": ORIGIN, "type": "key.added", "author": "js.lyg.fgw",
            "time": "2025-03-01T10:00:00Z", "body": {"org": "js.lyg.fgw", "key": "AAAA"}
        })
    }

    fn envelope_text(statement: &str, signer: &str, signature: &str) -> String {
        format!(r#"{{"statement":{statement},"signer":"{signer}","signature":"{signature}"}}"#)
    }

    fn code(body: &str) -> Option<Code> {
        Envelope::parse(body.as_bytes()).err().map(|r| r.code)
    }

    /// An entry read back from the log is not verified again, so its key is not decompressed
    /// either: only the encodings are checked.
    #[test]
    fn an_already_verified_envelope_checks_encodings_not_the_signature() {
        let envelope = Envelope::sign(&statement(), &key()).expect("sign");
        let statement = envelope.statement_bytes();
        let statement = std::str::from_utf8(statement).unwrap();
        let (signer, signature) = (envelope.signer_base64(), envelope.signature_base64());
        let read_back = |signer: &str, signature: &str| {
            Envelope::parse_with(
                envelope_text(statement, signer, signature).as_bytes(),
                SignatureCheck::AlreadyVerified,
            )
            .map_err(|r| r.code)
        };
        let parsed = read_back(&signer, &signature).expect("its own envelope");
        assert_eq!(parsed.signer(), envelope.signer());
        assert_eq!(parsed.id(), envelope.id());
        // A key of small order (y = p − 1: the point (0, −1)), which the strict check refuses
        // when verifying; accepted unverified — the check it skips is the signature's.
        let small_order = {
            use base64::Engine;
            let mut bytes = [0xff; 32];
            bytes[31] = 0x7f;
            bytes[0] = 0xec;
            base64::engine::general_purpose::STANDARD.encode(bytes)
        };
        let text = envelope_text(statement, &small_order, &signature);
        assert_eq!(code(&text), Some(Code::BadSignature));
        assert!(read_back(&small_order, &signature).is_ok());
        // Encodings are still checked.
        assert_eq!(
            read_back("AAAA", &signature).err(),
            Some(Code::BadSignature)
        );
        assert_eq!(read_back(&signer, "AAAA").err(), Some(Code::BadSignature));
    }

    #[test]
    fn signed_envelope_round_trips_through_its_canonical_form() {
        let envelope = Envelope::sign(&statement(), &key()).expect("sign");
        let text = envelope.to_canonical_json();
        let parsed = Envelope::parse(text.as_bytes()).expect("parse");
        assert_eq!(parsed, envelope);
        assert_eq!(check_canonical(text.as_bytes()), Ok(()));
        assert_eq!(parsed.check_log(ORIGIN), Ok(()));
        assert_eq!(
            parsed.check_log("other.example/log").map_err(|r| r.code),
            Err(Code::WrongLog)
        );
    }

    #[test]
    fn each_check_answers_with_its_code() {
        let envelope = Envelope::sign(&statement(), &key()).expect("sign");
        let (st, signer, sig) = (
            envelope.statement_text().to_string(),
            envelope.signer_base64(),
            envelope.signature_base64(),
        );
        assert_eq!(code(&envelope_text(&st, &signer, &sig)), None);
        let too_large = format!("{{\"x\":\"{}\"}}", "a".repeat(ENVELOPE_BYTES_MAX));
        assert_eq!(code(&too_large), Some(Code::TooLarge));
        assert_eq!(code("[1,2]"), Some(Code::Malformed));
        assert_eq!(code("{\"statement\":"), Some(Code::Malformed));
        assert_eq!(
            Envelope::parse(b"{\"a\":\"\xff\"}").err().map(|r| r.code),
            Some(Code::Malformed)
        );
        let spaced = st.replacen(':', ": ", 1);
        assert_eq!(
            code(&envelope_text(&spaced, &signer, &sig)),
            Some(Code::NotCanonical)
        );
        let dup = format!(
            r#"{{"statement":{st},"signer":"{signer}","signer":"{signer}","signature":"{sig}"}}"#
        );
        assert_eq!(code(&dup), Some(Code::NotCanonical));
        let nested_dup =
            format!(r#"{{"statement":{st},"signer":{{"a":1,"a":1}},"signature":"{sig}"}}"#);
        assert_eq!(code(&nested_dup), Some(Code::NotCanonical));
        let extra =
            format!(r#"{{"statement":{st},"signer":"{signer}","signature":"{sig}","note":1}}"#);
        assert_eq!(code(&extra), Some(Code::BadSignature));
        let missing = format!(r#"{{"statement":{st},"signer":"{signer}"}}"#);
        assert_eq!(code(&missing), Some(Code::BadSignature));
        assert_eq!(
            code(&envelope_text(&st, &signer[..43], &sig)),
            Some(Code::BadSignature)
        );
        let other = Envelope::sign(&serde_json::json!({"x": 1}), &key()).expect("sign");
        assert_eq!(
            code(&envelope_text(&st, &signer, &other.signature_base64())),
            Some(Code::BadSignature)
        );
        // The envelope around the statement need not be canonical (SPEC §2).
        let loose = format!(
            "{{ \"signature\" : \"{sig}\",\n \"signer\": \"{signer}\", \"statement\": {st} }}"
        );
        assert_eq!(code(&loose), None);
        // The canonical fast path and the general path agree on the same envelope.
        assert_eq!(
            Envelope::parse(loose.as_bytes()),
            Envelope::parse(envelope.to_canonical_json().as_bytes())
        );
        // A canonical envelope with a fourth member leaves the fast path and is refused.
        let extra =
            envelope
                .to_canonical_json()
                .replacen("{\"signature\"", "{\"note\":1,\"signature\"", 1);
        assert_eq!(code(&extra), Some(Code::BadSignature));
    }
}
