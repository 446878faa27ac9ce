//! What the end-to-end tests share: running the real `pactlog` binary, a ledger made by
//! `pactlog init`, the hashes of SPEC §5, the on-disk record layout of the store (crate doc of
//! `crates/store/src/lib.rs`), snapshots of a data directory, and a seeded random source.
//!
//! Each test binary uses a different part of this module.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

/// Exit status of a refused statement, envelope or checkpoint (`src/cmd/mod.rs`).
pub const EXIT_REJECTED: i32 = 1;
/// Exit status of any other failure, such as a data directory that does not open.
pub const EXIT_ERROR: i32 = 2;

/// Longest a single command may take before the test calls it hung. Generous: a debug build
/// on a loaded machine replays a few thousand entries in a couple of seconds.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);

/// The `pactlog` binary of this build.
pub fn pactlog() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pactlog"))
}

/// What a finished command did.
#[derive(Debug)]
pub struct Outcome {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// The exit code (`None` if a signal ended the process).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Asserts exit status 0 and returns stdout.
    pub fn ok(&self) -> &str {
        assert!(
            self.status.success(),
            "pactlog {:?} failed with {}\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.status,
            self.stdout,
            self.stderr
        );
        &self.stdout
    }

    /// Asserts the exit code and returns stderr.
    pub fn fails_with(&self, code: i32) -> &str {
        assert_eq!(
            self.code(),
            Some(code),
            "pactlog {:?}: expected exit code {code}, got {}\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.status,
            self.stdout,
            self.stderr
        );
        &self.stderr
    }

    /// Asserts that stderr contains `needle`.
    pub fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "pactlog {:?}: stderr does not mention {needle:?}\nstderr:\n{}",
            self.args,
            self.stderr
        );
        self
    }
}

/// Runs `pactlog args…` to completion (at most [`COMMAND_TIMEOUT`]; a hung command fails the
/// test instead of hanging it).
pub fn run<I, S>(args: I) -> Outcome
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    run_within(args, COMMAND_TIMEOUT).unwrap_or_else(|args| {
        panic!("pactlog {args:?} did not finish within {COMMAND_TIMEOUT:?}; killed it")
    })
}

/// Runs `pactlog args…`; `Err(args)` if it had not finished after `timeout` (it is killed).
pub fn run_within<I, S>(args: I, timeout: Duration) -> Result<Outcome, Vec<String>>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    let mut child = pactlog()
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn pactlog");
    let stdout = drain(child.stdout.take().expect("piped stdout"));
    let stderr = drain(child.stderr.take().expect("piped stderr"));
    let lossy = |bytes: Vec<u8>| String::from_utf8_lossy(&bytes).into_owned();
    let (done_tx, done_rx) = mpsc::channel();
    let pid = child.id();
    let waiter = std::thread::spawn(move || {
        let status = child.wait();
        let _ = done_tx.send(());
        status
    });
    if done_rx.recv_timeout(timeout).is_err() {
        // The waiter owns the child; end it by its pid (this process started it).
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        let _ = waiter.join();
        return Err(args);
    }
    let status = waiter
        .join()
        .expect("waiter thread")
        .expect("wait for pactlog");
    Ok(Outcome {
        args,
        status,
        // Everything pactlog prints is UTF-8 (entries are JSON text); anything else is a bug.
        stdout: String::from_utf8(stdout.join().expect("stdout reader"))
            .expect("pactlog's stdout is UTF-8"),
        stderr: lossy(stderr.join().expect("stderr reader")),
    })
}

/// Reads a pipe to its end on another thread, so a chatty child never blocks on a full pipe.
pub fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// Kills a child this test started (SIGKILL on Unix) and reaps it.
pub fn kill_and_wait(child: &mut Child) -> ExitStatus {
    let _ = child.kill();
    child.wait().expect("wait for killed child")
}

/// A ledger made by `pactlog init`.
#[derive(Debug, Clone)]
pub struct Ledger {
    pub dir: PathBuf,
    pub origin: String,
    /// The checkpoint verifier key string `init` prints for auditors to pin (SPEC §5).
    pub verifier_key: String,
    /// The root authority's private key file, written by `init`.
    pub authority_key: PathBuf,
    pub authority_public_key: String,
    pub authority_org: String,
    pub init_stdout: String,
}

/// Runs `pactlog init --origin origin --dir dir` and reads what it printed.
pub fn init_ledger(dir: &Path, origin: &str) -> Ledger {
    let outcome = run([
        "init".as_ref(),
        "--origin".as_ref(),
        origin.as_ref(),
        "--dir".as_ref(),
        dir.as_os_str(),
    ]);
    let stdout = outcome.ok().to_string();
    let authority_line = stdout
        .lines()
        .find_map(|line| line.strip_prefix("root authority key: "))
        .expect("init prints the root authority key");
    // "<path> (<base64 public key>)"
    let (path, public) = authority_line
        .rsplit_once(" (")
        .expect("key path then public key");
    let public = public.strip_suffix(')').expect("closing parenthesis");
    let verifier_key = stdout
        .lines()
        .skip_while(|line| !line.starts_with("checkpoint verifier key"))
        .nth(1)
        .expect("init prints the verifier key on the line after its label")
        .to_string();
    assert!(
        verifier_key.starts_with(&format!("{origin}+")),
        "verifier key {verifier_key:?} is named after the origin"
    );
    Ledger {
        dir: dir.to_path_buf(),
        origin: origin.to_string(),
        verifier_key,
        authority_key: PathBuf::from(path),
        authority_public_key: public.to_string(),
        authority_org: "root.authority".to_string(),
        init_stdout: stdout,
    }
}

/// The path as a command-line argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("test paths are UTF-8")
}

// ---------------------------------------------------------------------------------------------
// SPEC §5 hashes and the JCS form

/// `SHA-256(0x00 || leaf data)`.
pub fn leaf_hash(leaf: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(leaf);
    hasher.finalize().into()
}

fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The RFC 9162 Merkle tree hash of `leaves` (non-empty).
pub fn merkle_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    assert!(!leaves.is_empty(), "there is no tree of size 0");
    if leaves.len() == 1 {
        return leaves[0];
    }
    // The largest power of two smaller than the size.
    let mut split = 1;
    while split * 2 < leaves.len() {
        split *= 2;
    }
    node_hash(
        &merkle_root(&leaves[..split]),
        &merkle_root(&leaves[split..]),
    )
}

pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 8785 (JCS) text of a JSON value whose numbers are integers and whose member names are
/// ASCII (so UTF-16 order is byte order), as every pactlog statement and entry is. Written
/// out here rather than trusting `serde_json`'s map order, which a feature can change.
pub fn jcs(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_jcs(value, &mut out);
    out
}

fn write_jcs(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => {
            out.push_str(&serde_json::to_string(value).expect("scalar"));
        }
        Value::Number(n) => {
            assert!(
                n.is_i64() || n.is_u64(),
                "pactlog numbers are integers: {n}"
            );
            out.push_str(&n.to_string());
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_jcs(item, out);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut names: Vec<&String> = members.keys().collect();
            assert!(names.iter().all(|n| n.is_ascii()), "ASCII member names");
            names.sort();
            out.push('{');
            for (i, name) in names.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(name).expect("name"));
                out.push(':');
                write_jcs(&members[name], out);
            }
            out.push('}');
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Times (SPEC §1)

/// Seconds since the Unix epoch, now.
pub fn unix_now_s() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs() as i64
}

/// (year, month, day) of a count of days since 1970-01-01 (H. Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// RFC 3339 UTC time of a Unix time in seconds, without a fraction (`2025-03-01T10:00:00Z`).
pub fn rfc3339(unix_s: i64) -> String {
    let (y, m, d) = civil_from_days(unix_s.div_euclid(86_400));
    let secs = unix_s.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// The statement `time` of now.
pub fn now_rfc3339() -> String {
    rfc3339(unix_now_s())
}

/// The China Standard Time (UTC+8) calendar date `days` days from today (SPEC §1 dates).
pub fn date_utc8(days: i64) -> String {
    let (y, m, d) = civil_from_days((unix_now_s() + 8 * 3600).div_euclid(86_400) + days);
    format!("{y:04}-{m:02}-{d:02}")
}

// ---------------------------------------------------------------------------------------------
// The store's files (crate doc of crates/store/src/lib.rs)

/// Bytes of a record header: magic 4, version 2, reserved 2, payload length 4, seq 8, id 32,
/// CRC32C 4.
pub const RECORD_HEADER_LEN: usize = 56;
/// Offset of the seq field in a record header.
pub const RECORD_OFFSET_SEQ: usize = 12;
/// Offset of the CRC32C field in a record header.
pub const RECORD_OFFSET_CHECKSUM: usize = 52;

/// Where one record sits in a segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordSpan {
    pub offset: usize,
    /// Header and payload.
    pub len: usize,
    pub seq: u64,
}

/// The records of a segment file, read from their headers (the file must be well formed).
pub fn records(segment: &[u8]) -> Vec<RecordSpan> {
    let mut spans = Vec::new();
    let mut at = 0;
    while at < segment.len() {
        assert_eq!(
            &segment[at..at + 4],
            b"\xffPLR",
            "record magic at byte offset {at}"
        );
        let payload_len = u32::from_le_bytes(segment[at + 8..at + 12].try_into().expect("4"));
        let seq = u64::from_le_bytes(
            segment[at + RECORD_OFFSET_SEQ..at + RECORD_OFFSET_SEQ + 8]
                .try_into()
                .expect("8"),
        );
        let len = RECORD_HEADER_LEN + payload_len as usize;
        spans.push(RecordSpan {
            offset: at,
            len,
            seq,
        });
        at += len;
    }
    assert_eq!(at, segment.len(), "the last record ends at end of file");
    spans
}

/// The segment files of a data directory, in seq order.
pub fn segments(data: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(data.join("log"))
        .expect("list log/")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "seg"))
        .collect();
    found.sort();
    found
}

/// The saved torn tails in `log/`.
pub fn torn_files(data: &Path) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(data.join("log"))
        .expect("list log/")
        .map(|entry| entry.expect("dir entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(OsStr::to_str)
                .is_some_and(|name| name.starts_with("torn-") && name.ends_with(".bin"))
        })
        .collect();
    found.sort();
    found
}

/// Every file and directory under `dir` with its bytes (directories map to `None`).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(at) = pending.pop() {
        for entry in fs::read_dir(&at).expect("list directory") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                out.insert(path.clone(), None);
                pending.push(path);
            } else {
                out.insert(path.clone(), Some(fs::read(&path).expect("read file")));
            }
        }
    }
    out
}

/// Asserts two snapshots are equal, naming the first difference.
pub fn assert_same_snapshot(
    before: &BTreeMap<PathBuf, Option<Vec<u8>>>,
    after: &BTreeMap<PathBuf, Option<Vec<u8>>>,
    what: &str,
) {
    let paths: std::collections::BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    for path in paths {
        match (before.get(path), after.get(path)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), Some(_)) => panic!("{what}: {} changed", path.display()),
            (Some(_), None) => panic!("{what}: {} disappeared", path.display()),
            (None, _) => panic!("{what}: {} appeared", path.display()),
        }
    }
}

/// Copies a directory tree (a pristine ledger, to damage a copy per case).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("create copy");
    for entry in fs::read_dir(from).expect("list directory") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// Marsaglia's xorshift64*: small, seeded, reproducible — enough for test schedules.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        // Zero is the one state xorshift never leaves.
        XorShift(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0), up to a negligible bias.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// A seed from the environment variable `name` (to replay a run) or from the clock.
pub fn seed_from_env(name: &str) -> u64 {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a u64")),
        Err(_) => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_nanos() as u64,
    }
}
