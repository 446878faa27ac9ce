//! Helpers of the end-to-end HTTP tests: the real `pactlog serve` on a free loopback port,
//! a plain HTTP client, and statements signed with the keys `pactlog init` wrote.

#![allow(dead_code)] // Each test binary uses a different subset.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ed25519_dalek::SigningKey;
use pactlog_sequencer::keyfile::read_key;
use pactlog_statement::envelope::Envelope;
use pactlog_statement::signature::encode_public_key;
use pactlog_statement::time::{Date, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// The origin of every test ledger.
pub const ORIGIN: &str = "test.example/http";
/// The root authority `pactlog serve --origin` creates (`pactlog init`'s default).
pub const ROOT: &str = "root.authority";
/// Longest a test waits for the server to start or stop.
const PROCESS_TIMEOUT: Duration = Duration::from_secs(30);

/// A `pactlog serve` process on a loopback port; SIGTERMed (and waited for) on drop.
pub struct ServerProcess {
    child: Option<Child>,
    pub address: SocketAddr,
    pub dir: PathBuf,
    stderr_path: PathBuf,
}

impl ServerProcess {
    /// Starts `pactlog serve --origin ORIGIN` on a new data directory inside `root`.
    pub fn start_new(root: &Path) -> ServerProcess {
        ServerProcess::spawn(root, &["--origin", ORIGIN])
    }

    /// Starts `pactlog serve` on the existing data directory inside `root`.
    pub fn restart(root: &Path) -> ServerProcess {
        ServerProcess::spawn(root, &[])
    }

    fn spawn(root: &Path, extra: &[&str]) -> ServerProcess {
        let dir = root.join("data");
        let stderr_path = root.join(format!(
            "stderr-{}.txt",
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let stderr = std::fs::File::create(&stderr_path).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_pactlog"))
            .arg("serve")
            .arg("--dir")
            .arg(&dir)
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(stderr))
            .spawn()
            .expect("pactlog serve starts");
        let stdout = child.stdout.take().unwrap();
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let line = receiver.recv_timeout(PROCESS_TIMEOUT).unwrap_or_default();
        let Some(address) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            panic!(
                "pactlog serve printed {line:?}; stderr: {}",
                std::fs::read_to_string(&stderr_path).unwrap_or_default()
            );
        };
        ServerProcess {
            address: address.parse().expect("a socket address"),
            child: Some(child),
            dir,
            stderr_path,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGTERM, then waits for the exit.
    pub fn stop(mut self) -> ExitStatus {
        self.terminate();
        self.wait()
    }

    /// Waits for the process to exit (killing it after [`PROCESS_TIMEOUT`]).
    pub fn wait(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("not yet waited for");
        let deadline = Instant::now() + PROCESS_TIMEOUT;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("pactlog serve did not exit within {PROCESS_TIMEOUT:?} after SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr_path).unwrap_or_default()
    }

    /// The root authority's key, written by `pactlog init`.
    pub fn authority_key(&self) -> SigningKey {
        read_key(&self.dir.join("keys").join("authority.key")).unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + PROCESS_TIMEOUT;
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// One HTTP answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("UTF-8 body")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// The tree size header, which every log and projection answer carries.
    pub fn tree_size(&self) -> u64 {
        self.header("x-pactlog-tree-size")
            .expect("X-Pactlog-Tree-Size")
            .parse()
            .unwrap()
    }

    /// Asserts an RFC 9457 problem with every member SPEC §4.2 asks for.
    pub fn assert_problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(
            self.status,
            status,
            "expected {status} {code}, got {}: {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "{code}"
        );
        let problem = self.json();
        assert_eq!(problem["type"], format!("urn:pactlog:problem:{code}"));
        assert_eq!(problem["code"], code);
        assert_eq!(problem["status"], status);
        for member in ["title", "detail", "message_zh"] {
            assert!(
                problem[member].as_str().is_some_and(|s| !s.is_empty()),
                "{code}: member {member} in {problem}"
            );
        }
        if matches!(code, "schema" | "personal_data") {
            assert!(
                problem["pointer"].as_str().is_some(),
                "{code} has a pointer: {problem}"
            );
        } else {
            assert!(problem.get("pointer").is_none(), "{code}: {problem}");
        }
        if status == 503 {
            assert!(self.header("retry-after").is_some());
        }
        problem
    }
}

/// A plain HTTP/1.1 client (ureq): status codes are answers, not errors.
#[derive(Clone)]
pub struct Client {
    agent: ureq::Agent,
    base: String,
}

impl Client {
    pub fn new(server: &ServerProcess) -> Client {
        Client::for_address(server.address)
    }

    pub fn for_address(address: SocketAddr) -> Client {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            agent,
            base: format!("http://{address}"),
        }
    }

    fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
        let mut response = response.expect("an HTTP answer");
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(100 << 20)
            .read_to_vec()
            .unwrap();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Answer {
        Client::answer(self.agent.get(format!("{}{path}", self.base)).call())
    }

    pub fn try_post(&self, path: &str, body: &[u8]) -> Result<Answer, ureq::Error> {
        let response = self
            .agent
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(body)?;
        Ok(Client::answer(Ok(response)))
    }

    pub fn post(&self, path: &str, body: &[u8]) -> Answer {
        self.try_post(path, body).expect("an HTTP answer")
    }

    pub fn submit(&self, envelope: &[u8]) -> Answer {
        self.post("/v1/statements", envelope)
    }

    /// Submits and expects 201; returns the answer's JSON.
    pub fn accept(&self, envelope: &[u8]) -> Value {
        let answer = self.submit(envelope);
        assert_eq!(
            answer.status,
            201,
            "expected 201, got {}",
            String::from_utf8_lossy(&answer.body)
        );
        answer.json()
    }
}

/// Sends raw bytes (a whole request, `Connection: close`) and reads the whole answer: for
/// what a client library will not send (no content type, chunked oversize bodies).
pub fn raw_request(address: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (and stop reading) before the whole body is sent.
    let _ = stream.write_all(body);
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    parse_answer(&bytes)
}

fn parse_answer(bytes: &[u8]) -> Answer {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no HTTP head in {:?}", String::from_utf8_lossy(bytes)));
    let head = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let rest = &bytes[split + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_vec()
    };
    Answer {
        status,
        headers,
        body,
    }
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    while let Some(line_end) = rest.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16).unwrap();
        if size == 0 {
            break;
        }
        body.extend_from_slice(&rest[line_end + 2..line_end + 2 + size]);
        rest = &rest[line_end + 2 + size + 2..];
    }
    body
}

/// Now, in whole seconds (statement times carry no fraction here).
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    Timestamp::from_unix_millis(ms - ms % 1000).unwrap()
}

/// Today in UTC+8 (the date an entry accepted now gets, or an earlier one).
pub fn today() -> Date {
    now().date_cst()
}

/// A deterministic key for test orgs.
pub fn key(name: &str) -> SigningKey {
    SigningKey::from_bytes(&Sha256::digest(format!("pactlog http test key {name}")).into())
}

pub fn public(key: &SigningKey) -> String {
    encode_public_key(&key.verifying_key())
}

/// A statement of this log, made now.
pub fn statement(statement_type: &str, author: &str, body: Value) -> Value {
    json!({
        "log": ORIGIN,
        "type": statement_type,
        "author": author,
        "time": now().to_string(),
        "body": body,
    })
}

/// The envelope's canonical JSON bytes.
pub fn sign(statement: &Value, key: &SigningKey) -> Vec<u8> {
    Envelope::sign(statement, key)
        .expect("a signable statement")
        .to_canonical_json()
        .into_bytes()
}

/// `org.registered` of `org` (kind, region) by the root authority, with `key` as its key.
pub fn register(org: &str, kind: &str, region: &str, key: &SigningKey) -> Value {
    statement(
        "org.registered",
        ROOT,
        json!({
            "org": org,
            "name": format!("测试党支部 {org}"),
            "kind": kind,
            "region": region,
            "keys": [public(key)],
        }),
    )
}

/// Statement id: hex SHA-256 of the canonical statement bytes, computed here from scratch.
pub fn statement_id(envelope: &[u8]) -> String {
    let value: Value = serde_json::from_slice(envelope).unwrap();
    let canonical = serde_json_canonicalizer::to_vec(&value["statement"]).unwrap();
    hex(&Sha256::digest(canonical))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Leaf hash (hex): SHA-256(0x00 || leaf data).
pub fn leaf_hash_hex(leaf: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update([0u8]);
    hasher.update(leaf);
    hex(&hasher.finalize())
}

/// Polls `f` until it is true or `timeout` passes.
pub fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
