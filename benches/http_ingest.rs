//! Ingest over HTTP beside in-process ingest, measured side by side in one run.
//!
//! - **HTTP**: a real `pactlog serve` (this profile's build of the binary) on a loopback
//!   port; `C` clients, each with its own keep-alive connection, POST their share of the
//!   statements to `/v1/statements` one at a time, the next once the previous is answered
//!   `201`. The clients are tasks on one thread's event loop, as `wrk` and `oha` drive their
//!   connections, each a lean HTTP/1.1 writer and `httparse` reader ([`EventedClient`])
//!   rather than a general client library: they share the two cores with the server, ureq
//!   spent 160–220 µs of CPU per request, and a thread per client preempted the server once
//!   per answer.
//! - **In-process**: a separate fresh ledger opened in this process; `C` threads each call
//!   `Ledger::submit` (checks 1–5 and 7–8 on the calling thread, then the writer; blocks
//!   until acknowledged) in a loop — for `C = 1` one synchronous submitter.
//!
//! Both sides get the same kind of statement (an `org.registered` signed by the root
//! authority, `LoadGenerator`), fresh ids for every measurement, signed before the clock
//! starts; rate = statements / time from the start to the last acknowledgement. Each round
//! measures 1, 8 and 64 clients on both sides, alternating which side goes first; the ratio
//! HTTP / in-process is printed per round and as the median over rounds, with the CPU time
//! (user + system, from `/proc/PID/stat`) each side used per statement: the server process
//! and the HTTP clients (this process) for HTTP, this process for in-process. The clients
//! share the machine's cores with the server, as any loopback measurement does; the CPU
//! columns say how much of the gap is theirs.
//!
//! Run: `cargo bench --bench http_ingest` (optionally `-- ROUNDS`, default 3).
//!
//! The same program also builds the ledger `benches/http.sh` measures read latency on:
//! `cargo bench --bench http_ingest -- --populate DIR [AGREEMENTS]` (default 500 agreements,
//! about 9 entries each).

#[path = "../tests/http_common/mod.rs"]
mod http_common;

/// The allocator of the `pactlog` binary, so the in-process side runs as the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;
use http_common::ServerProcess;
use pactlog_sequencer::keyfile::read_key;
use pactlog_sequencer::load::LoadGenerator;
use pactlog_sequencer::{InitOptions, Ledger, SystemClock};
use pactlog_statement::envelope::Envelope;
use pactlog_statement::signature::encode_public_key;
use pactlog_statement::time::{Date, Timestamp};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

/// Client counts measured (the issue asks for 1, 8 and 64).
const CLIENTS: [usize; 3] = [1, 8, 64];
/// Statements per measurement, by client count: about a second of each side on the
/// development machine, in [`SLICES`] slices of a whole number of statements per client.
const STATEMENTS: [usize; 3] = [1500, 6720, 19200];
/// The client counts of this run, with their statement counts: all of [`CLIENTS`], or those
/// the environment variable `CLIENTS` lists (comma-separated), e.g. `CLIENTS=64` while
/// profiling the server under one load.
fn measurements() -> Vec<(usize, usize)> {
    let all = CLIENTS.into_iter().zip(STATEMENTS);
    match std::env::var("CLIENTS") {
        Ok(list) => {
            let wanted: Vec<usize> = list
                .split(',')
                .map(|n| n.trim().parse().expect("CLIENTS: comma-separated numbers"))
                .collect();
            let chosen: Vec<_> = all.filter(|(c, _)| wanted.contains(c)).collect();
            assert!(!chosen.is_empty(), "CLIENTS must name some of {CLIENTS:?}");
            chosen
        }
        Err(_) => all.collect(),
    }
}

/// Slices each measurement is cut into, the two sides taking turns slice by slice.
const SLICES: usize = 6;
/// Rounds when none is given.
const ROUNDS_DEFAULT: usize = 3;
/// `max_skew_s` of the bench ledgers: statements are signed before the run starts.
const MAX_SKEW_S: u64 = 3600;
/// Threads that submit while populating a ledger for the read benchmark.
const POPULATE_THREADS: usize = 8;
/// Agreements of the read benchmark's ledger when none is given.
const AGREEMENTS_DEFAULT: usize = 500;

fn init(dir: &Path, origin: &str) {
    Ledger::init(
        dir,
        &InitOptions {
            origin: origin.into(),
            max_skew_s: MAX_SKEW_S,
            authority_org: "bench.root".into(),
            authority_name: "基准测试根机关".into(),
            authority_region: "000000".into(),
        },
        &SystemClock,
    )
    .expect("init");
}

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    Timestamp::from_unix_millis(ms - ms % 1000).expect("time")
}

/// Signed envelopes (canonical bytes) for the ledger in `dir`, one batch per round and
/// client count, each with its own run name so no org id repeats.
fn statements(dir: &Path, rounds: usize) -> Vec<Vec<Vec<Vec<u8>>>> {
    let (ledger, _) = Ledger::open(dir, Arc::new(SystemClock)).expect("open");
    let time = now();
    let batches = (0..rounds)
        .map(|round| {
            measurements()
                .into_iter()
                .map(|(clients, count)| {
                    let generator =
                        LoadGenerator::new(dir, &ledger.view(), &format!("r{round}c{clients}"))
                            .expect("generator");
                    (0..count as u64)
                        .map(|n| {
                            generator
                                .envelope(n, time)
                                .expect("envelope")
                                .to_canonical_json()
                                .into_bytes()
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    ledger.shutdown();
    batches
}

/// CPU time (user + system, every thread) a process has used so far, in seconds, from
/// `/proc/PID/stat` (in clock ticks, usually 10 ms: fine for runs of a second or more).
fn cpu_seconds(pid: u32, ticks_per_s: f64) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The fields after the command name (which may hold spaces) in parentheses; utime and
    // stime are fields 14 and 15 of the whole line.
    let fields: Vec<&str> = stat[stat.rfind(')').expect("comm") + 2..]
        .split(' ')
        .collect();
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    ticks / ticks_per_s
}

fn clock_ticks_per_s() -> f64 {
    let output = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .expect("getconf CLK_TCK");
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .expect("a number of ticks")
}

/// What one side did over some slices: statements, the time they took, the CPU time the
/// server and this process (the clients, or the in-process ledger) used meanwhile, and the
/// group commits.
#[derive(Default)]
struct Measured {
    statements: usize,
    seconds: f64,
    server_cpu_s: f64,
    own_cpu_s: f64,
    commits: u64,
}

impl Measured {
    fn rate(&self) -> f64 {
        self.statements as f64 / self.seconds
    }

    /// Microseconds of `cpu_s` per statement.
    fn per_statement_us(&self, cpu_s: f64) -> f64 {
        cpu_s * 1e6 / self.statements as f64
    }

    fn per_commit(&self) -> f64 {
        self.statements as f64 / self.commits.max(1) as f64
    }

    /// Runs `f` (which returns the seconds it took over `count` statements) and adds it, with
    /// the CPU time the server and this process used meanwhile.
    fn add(
        &mut self,
        count: usize,
        server: u32,
        ticks: f64,
        commits: impl Fn() -> u64,
        f: impl FnOnce() -> f64,
    ) {
        let own = std::process::id();
        let (server_before, own_before) = (cpu_seconds(server, ticks), cpu_seconds(own, ticks));
        let commits_before = commits();
        self.seconds += f();
        self.statements += count;
        self.server_cpu_s += cpu_seconds(server, ticks) - server_before;
        self.own_cpu_s += cpu_seconds(own, ticks) - own_before;
        self.commits += commits() - commits_before;
    }
}

/// `pactlog_group_commits` from the server's `/metrics`.
fn server_group_commits(address: SocketAddr) -> u64 {
    let (status, body) = LeanClient::connect(address).request("GET", "/metrics", b"");
    assert_eq!(status, 200);
    String::from_utf8_lossy(&body)
        .lines()
        .find_map(|line| line.strip_prefix("pactlog_group_commits "))
        .and_then(|value| value.trim().parse().ok())
        .expect("pactlog_group_commits in /metrics")
}

/// A keep-alive HTTP/1.1 connection that sends a POST as one write and reads the answer
/// with `httparse`: what a load generator such as `wrk` or `oha` does, so that the
/// measurement is of the server, not of the client library.
struct LeanClient {
    stream: std::net::TcpStream,
    head: String,
    buf: Vec<u8>,
}

impl LeanClient {
    fn connect(address: SocketAddr) -> LeanClient {
        let stream = std::net::TcpStream::connect(address).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        LeanClient {
            stream,
            head: format!("Host: {address}\r\n"),
            buf: Vec::with_capacity(8192),
        }
    }

    /// Sends one request and returns the answer's status and body.
    fn request(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        use std::io::{Read, Write};
        let mut request = format!(
            "{method} {path} HTTP/1.1\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.head,
            body.len()
        )
        .into_bytes();
        request.extend_from_slice(body);
        self.stream.write_all(&request).expect("send");
        self.buf.clear();
        let mut chunk = [0u8; 8192];
        loop {
            if let Some((status, head_len, body_len)) = parse_answer(&self.buf) {
                while self.buf.len() < head_len + body_len {
                    let n = self.stream.read(&mut chunk).expect("read");
                    assert!(n > 0, "connection closed mid-answer");
                    self.buf.extend_from_slice(&chunk[..n]);
                }
                return (status, self.buf[head_len..head_len + body_len].to_vec());
            }
            let n = self.stream.read(&mut chunk).expect("read");
            assert!(n > 0, "connection closed before the answer");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// HTTP ingest: each client POSTs its next statement once the previous is answered 201.
///
/// The clients are tasks on one thread's event loop (a tokio current-thread runtime), each
/// with its own keep-alive connection, as `wrk` and `oha` drive their connections: one
/// wake-up serves every answer that arrived together, where a thread per client would be
/// woken (and would preempt the server on the two shared cores) once per answer.
fn http_seconds(address: SocketAddr, statements: &[Vec<u8>], clients: usize) -> f64 {
    assert_eq!(statements.len() % clients, 0);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .expect("a client runtime");
    runtime.block_on(async {
        // Connect before the clock starts: in-process ingest has no connection to open.
        let mut connections = Vec::with_capacity(clients);
        for _ in 0..clients {
            let mut client = EventedClient::connect(address).await;
            let (status, _) = client.request("GET", "/healthz", b"").await;
            assert_eq!(status, 200);
            connections.push(client);
        }
        let started = Instant::now();
        let tasks: Vec<_> = connections
            .into_iter()
            .zip(statements.chunks(statements.len() / clients))
            .map(|(mut client, chunk)| {
                let chunk = chunk.to_vec();
                tokio::spawn(async move {
                    for statement in &chunk {
                        let (status, body) =
                            client.request("POST", "/v1/statements", statement).await;
                        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&body));
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("client task");
        }
        started.elapsed().as_secs_f64()
    })
}

/// [`LeanClient`] on the event loop: a POST as one write, the answer read with `httparse`.
struct EventedClient {
    stream: tokio::net::TcpStream,
    head: String,
    request: Vec<u8>,
    buf: Vec<u8>,
}

impl EventedClient {
    async fn connect(address: SocketAddr) -> EventedClient {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        EventedClient {
            stream,
            head: format!("Host: {address}\r\n"),
            request: Vec::with_capacity(8192),
            buf: Vec::with_capacity(8192),
        }
    }

    /// Sends one request and returns the answer's status and body.
    async fn request(&mut self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        use std::io::Write;
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        self.request.clear();
        write!(
            self.request,
            "{method} {path} HTTP/1.1\r\n{}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.head,
            body.len()
        )
        .expect("a request head");
        self.request.extend_from_slice(body);
        self.stream.write_all(&self.request).await.expect("send");
        self.buf.clear();
        loop {
            if let Some((status, head_len, body_len)) = parse_answer(&self.buf) {
                while self.buf.len() < head_len + body_len {
                    read_more(&mut self.stream, &mut self.buf).await;
                }
                return (status, self.buf[head_len..head_len + body_len].to_vec());
            }
            read_more(&mut self.stream, &mut self.buf).await;
        }

        async fn read_more(stream: &mut tokio::net::TcpStream, buf: &mut Vec<u8>) {
            buf.reserve(8192);
            let n = stream.read_buf(buf).await.expect("read");
            assert!(n > 0, "connection closed before the whole answer");
        }
    }
}

/// The status, head length and body length of an answer whose head is complete in `buf`.
fn parse_answer(buf: &[u8]) -> Option<(u16, usize, usize)> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    match response.parse(buf).expect("an HTTP/1.1 answer") {
        httparse::Status::Complete(head_len) => {
            let body_len = response
                .headers
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                .map(|h| {
                    std::str::from_utf8(h.value)
                        .expect("utf-8")
                        .parse()
                        .expect("length")
                })
                .expect("answers carry a content-length");
            Some((response.code.expect("status"), head_len, body_len))
        }
        httparse::Status::Partial => None,
    }
}

/// In-process ingest: `clients` threads, started together, each call `Ledger::submit` on its
/// share of the statements and wait for each acknowledgement; returns the seconds they took.
fn inprocess_seconds(ledger: &Ledger, statements: &[Vec<u8>], clients: usize) -> f64 {
    assert_eq!(statements.len() % clients, 0);
    let barrier = Barrier::new(clients + 1);
    std::thread::scope(|scope| {
        let threads: Vec<_> = statements
            .chunks(statements.len() / clients)
            .map(|chunk| {
                let barrier = &barrier;
                scope.spawn(move || {
                    barrier.wait();
                    for statement in chunk {
                        let ack = ledger.submit(statement).expect("accepted");
                        assert!(ack.created);
                    }
                })
            })
            .collect();
        barrier.wait();
        let started = Instant::now();
        for thread in threads {
            thread.join().expect("client thread");
        }
        started.elapsed().as_secs_f64()
    })
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn compare(rounds: usize) {
    let temp = tempfile::tempdir().expect("tempdir");
    let http_root = temp.path().join("http");
    let http_dir = http_root.join("data");
    let inprocess_dir = temp.path().join("in-process");
    std::fs::create_dir_all(&http_root).expect("mkdir");
    init(&http_dir, "bench.pactlog.example/http");
    init(&inprocess_dir, "bench.pactlog.example/in-process");
    let http_batches = statements(&http_dir, rounds);
    let inprocess_batches = statements(&inprocess_dir, rounds);
    println!(
        "statements: org.registered by the root authority, {} bytes; {} cores; {rounds} rounds",
        http_batches[0][0][0].len(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    let server = ServerProcess::restart(&http_root);
    let (ledger, _) = Ledger::open(&inprocess_dir, Arc::new(SystemClock)).expect("open");
    let ticks = clock_ticks_per_s();
    let mut rows: Vec<Vec<(Measured, Measured)>> =
        (0..measurements().len()).map(|_| Vec::new()).collect();
    println!(
        "round clients statements   http/s  in-process/s  ratio   CPU µs/statement: \
         server  http clients  in-process   per commit: http  in-process"
    );
    for round in 0..rounds {
        for (i, (clients, _)) in measurements().into_iter().enumerate() {
            let (http_batch, inprocess_batch) =
                (&http_batches[round][i], &inprocess_batches[round][i]);
            let count = http_batch.len();
            // The sides take turns, slice by slice, so that a drift of the machine's speed
            // (the disk's `fdatasync` latency moves from second to second) falls on both.
            let (mut http, mut inprocess) = (Measured::default(), Measured::default());
            let slice_len = count / SLICES;
            assert_eq!(slice_len * SLICES, count, "whole slices");
            for (slice, (http_slice, inprocess_slice)) in http_batch
                .chunks(slice_len)
                .zip(inprocess_batch.chunks(slice_len))
                .enumerate()
            {
                let mut http_turn = || {
                    http.add(
                        slice_len,
                        server.pid(),
                        ticks,
                        || server_group_commits(server.address),
                        || http_seconds(server.address, http_slice, clients),
                    )
                };
                let mut inprocess_turn = || {
                    inprocess.add(
                        slice_len,
                        server.pid(),
                        ticks,
                        || ledger.view().group_commits(),
                        || inprocess_seconds(&ledger, inprocess_slice, clients),
                    )
                };
                if (round + slice) % 2 == 0 {
                    http_turn();
                    inprocess_turn();
                } else {
                    inprocess_turn();
                    http_turn();
                }
            }
            println!(
                "{round:>5} {clients:>7} {count:>10} {:>8.0} {:>13.0} {:>6.2} {:>25.0} {:>13.0} {:>11.0} {:>13.1} {:>6.1}",
                http.rate(),
                inprocess.rate(),
                http.rate() / inprocess.rate(),
                http.per_statement_us(http.server_cpu_s),
                http.per_statement_us(http.own_cpu_s),
                inprocess.per_statement_us(inprocess.own_cpu_s),
                http.per_commit(),
                inprocess.per_commit(),
            );
            rows[i].push((http, inprocess));
        }
    }
    ledger.shutdown();
    let stopped = server.stop();
    assert!(stopped.success(), "pactlog serve stops cleanly");
    println!("median over {rounds} rounds:");
    println!(
        "clients   http/s  in-process/s  ratio (target ≥ 0.70)   CPU µs/statement: \
         server  http clients  in-process   per commit: http  in-process"
    );
    for (i, (clients, _)) in measurements().into_iter().enumerate() {
        let column = |f: &dyn Fn(&(Measured, Measured)) -> f64| {
            median(&mut rows[i].iter().map(f).collect::<Vec<_>>())
        };
        println!(
            "{clients:>7} {:>8.0} {:>13.0} {:>6.2} {:>42.0} {:>13.0} {:>11.0} {:>18.1} {:>11.1}",
            column(&|(h, _)| h.rate()),
            column(&|(_, p)| p.rate()),
            column(&|(h, p)| h.rate() / p.rate()),
            column(&|(h, _)| h.per_statement_us(h.server_cpu_s)),
            column(&|(h, _)| h.per_statement_us(h.own_cpu_s)),
            column(&|(_, p)| p.per_statement_us(p.own_cpu_s)),
            column(&|(h, _)| h.per_commit()),
            column(&|(_, p)| p.per_commit()),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The read benchmark's ledger (`benches/http.sh`)

/// A deterministic key for a populated org.
fn org_key(org: &str) -> SigningKey {
    SigningKey::from_bytes(&Sha256::digest(format!("pactlog bench http org {org}")).into())
}

/// Cities the populated organs are spread over: Jiangsu's thirteen, and Anhui's 滁州 for
/// every seventh pairing (a cross-province alliance needs parties in two provinces).
const CITIES: [&str; 13] = [
    "320100", "320200", "320300", "320400", "320500", "320600", "320700", "320800", "320900",
    "321000", "321100", "321200", "321300",
];

struct Populator {
    ledger: Ledger,
    origin: String,
    root: SigningKey,
    today: Date,
}

impl Populator {
    fn envelope(
        &self,
        author: &str,
        key: &SigningKey,
        statement_type: &str,
        body: Value,
    ) -> Envelope {
        let statement = json!({
            "log": self.origin,
            "type": statement_type,
            "author": author,
            "time": now().to_string(),
            "body": body,
        });
        Envelope::sign(&statement, key).expect("signs")
    }

    fn date(&self, days: i64) -> String {
        self.today.add_days(days).to_string()
    }

    /// Submits a phase of independent statements from several threads.
    fn submit(&self, envelopes: &[Envelope]) {
        let chunk = envelopes.len().div_ceil(POPULATE_THREADS).max(1);
        std::thread::scope(|scope| {
            for part in envelopes.chunks(chunk) {
                scope.spawn(move || {
                    for envelope in part {
                        let ack = self
                            .ledger
                            .submit(envelope.to_canonical_json().as_bytes())
                            .unwrap_or_else(|e| panic!("{e}: {:?}", envelope.to_canonical_json()));
                        assert!(ack.created);
                    }
                });
            }
        });
    }
}

/// One populated agreement's parties.
struct Pairing {
    agreement: String,
    organ: String,
    village: String,
    enterprise: Option<String>,
}

impl Pairing {
    fn parties(&self) -> Vec<&str> {
        let mut parties = vec![self.organ.as_str(), self.village.as_str()];
        parties.extend(self.enterprise.as_deref());
        parties
    }
}

/// Builds a ledger in `dir` with `agreements` agreements in force: pairings of an organ
/// branch and a village, every fifth a three-party agreement with an enterprise, every
/// seventh village in Anhui; each with two results (confirmed, and every third one
/// disputed), needs claimed for every fourth, an evaluation for every tenth.
fn populate(dir: &Path, agreements: usize) {
    init(dir, "bench.pactlog.example/read");
    let (ledger, _) = Ledger::open(dir, Arc::new(SystemClock)).expect("open");
    let p = Populator {
        origin: ledger.view().origin().to_string(),
        root: read_key(&dir.join("keys").join("authority.key")).expect("authority key"),
        ledger,
        today: now().date_cst(),
    };
    let pairings: Vec<Pairing> = (0..agreements)
        .map(|i| Pairing {
            agreement: format!("bench.a.{i}"),
            organ: format!("bench.organ.{i}"),
            village: format!("bench.village.{i}"),
            enterprise: (i % 5 == 0).then(|| format!("bench.enterprise.{i}")),
        })
        .collect();

    let register = |org: &str, kind: &str, region: String, ownership: Option<&str>| {
        let mut body = json!({
            "org": org,
            "name": format!("基准测试党组织 {org}"),
            "kind": kind,
            "region": region,
            "keys": [encode_public_key(&org_key(org).verifying_key())],
        });
        if let Some(ownership) = ownership {
            body["ownership"] = json!(ownership);
        }
        p.envelope("bench.root", &p.root, "org.registered", body)
    };
    let mut phase = Vec::new();
    for (i, pairing) in pairings.iter().enumerate() {
        let city = CITIES[i % CITIES.len()];
        phase.push(register(&pairing.organ, "organ", city.to_string(), None));
        let village_city = if i % 7 == 3 { "341100" } else { city };
        let county = format!("{}{:02}", &village_city[..4], 1 + i % 9);
        phase.push(register(&pairing.village, "village", county.clone(), None));
        if let Some(enterprise) = &pairing.enterprise {
            phase.push(register(enterprise, "enterprise", county, Some("private")));
        }
    }
    p.submit(&phase);

    let proposals: Vec<Envelope> = pairings
        .iter()
        .map(|pairing| {
            let parties = pairing.parties();
            let kind = if parties.len() == 3 {
                "tripartite"
            } else {
                "pairing"
            };
            p.envelope(
                &pairing.organ,
                &org_key(&pairing.organ),
                "agreement.proposed",
                json!({
                    "agreement": pairing.agreement,
                    "version": 1,
                    "kind": kind,
                    "title": "机关党支部与村党组织结对共建协议",
                    "parties": parties,
                    "term": {"start": p.date(-30), "end": p.date(335)},
                    "categories": ["party_building", "livelihood"],
                    "goals": ["共建党建示范点1个", "村集体年增收10万元"],
                    "meetings": {"every": "quarter"},
                    "obligations": [
                        {"id": "visits", "owner": pairing.organ, "category": "party_building",
                         "title": "每季度走访调研不少于2次",
                         "measure": {"metric": "visits", "target": 8}, "due": p.date(180)},
                        {"id": "theme-day", "owner": pairing.village, "category": "party_building",
                         "title": "每季度联合开展主题党日活动", "due": p.date(90)},
                    ],
                }),
            )
        })
        .collect();
    p.submit(&proposals);

    let mut phase = Vec::new();
    for (pairing, proposal) in pairings.iter().zip(&proposals) {
        for party in &pairing.parties()[1..] {
            phase.push(p.envelope(
                party,
                &org_key(party),
                "agreement.signed",
                json!({"agreement": pairing.agreement, "version": 1,
                       "terms": proposal.id().to_string()}),
            ));
        }
    }
    p.submit(&phase);

    let mut reports = Vec::new();
    let mut reviews = Vec::new();
    for (i, pairing) in pairings.iter().enumerate() {
        for (n, visits) in [(1, 3), (2, 2)] {
            let result = format!("bench.r.{i}.{n}");
            reports.push(p.envelope(
                &pairing.organ,
                &org_key(&pairing.organ),
                "result.reported",
                json!({
                    "result": result,
                    "agreement": pairing.agreement,
                    "obligation": "visits",
                    "date": p.date(0),
                    "category": "party_building",
                    "summary": "走访农户，收集意见建议，协调解决问题。",
                    "metrics": {"visits": visits, "suggestions": 2, "problems_solved": 1},
                    "evidence": [{"sha256": "5e".repeat(32), "media_type": "image/jpeg"}],
                }),
            ));
            let key = org_key(&pairing.village);
            reviews.push(if n == 2 && i % 3 == 0 {
                p.envelope(
                    &pairing.village,
                    &key,
                    "result.disputed",
                    json!({"result": result, "reason": "走访人次与签到记录不符"}),
                )
            } else {
                p.envelope(
                    &pairing.village,
                    &key,
                    "result.confirmed",
                    json!({"result": result}),
                )
            });
        }
    }
    p.submit(&reports);
    p.submit(&reviews);

    let mut posts = Vec::new();
    let mut claims = Vec::new();
    for (i, pairing) in pairings.iter().enumerate() {
        if i % 4 == 0 {
            let need = format!("bench.n.{i}");
            posts.push(p.envelope(
                &pairing.village,
                &org_key(&pairing.village),
                "need.posted",
                json!({"need": need, "title": "村卫生室需要义诊志愿服务", "category": "livelihood",
                       "description": "希望结对单位组织义诊志愿服务。",
                       "agreement": pairing.agreement}),
            ));
            claims.push(p.envelope(
                &pairing.organ,
                &org_key(&pairing.organ),
                "need.claimed",
                json!({"need": need}),
            ));
        }
        if i % 10 == 0 {
            posts.push(p.envelope(
                "bench.root",
                &p.root,
                "evaluation.recorded",
                json!({"subject": {"agreement": pairing.agreement},
                       "period": p.today.year().to_string(), "grade": "good", "score": 86,
                       "comment": "走访调研扎实。"}),
            ));
        }
    }
    p.submit(&posts);
    p.submit(&claims);

    let entries = p.ledger.view().published().size;
    p.ledger.shutdown();
    println!(
        "populated {}: {agreements} agreements, {entries} entries",
        dir.display()
    );
    println!("agreement bench.a.1");
}

fn main() {
    // `cargo bench` passes `--bench`; anything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    match args.first().map(String::as_str) {
        Some("--populate") => {
            let dir = args.get(1).expect("--populate DIR [AGREEMENTS]");
            let agreements = args.get(2).map_or(AGREEMENTS_DEFAULT, |n| {
                n.parse().expect("a number of agreements")
            });
            populate(Path::new(dir), agreements);
        }
        rounds => compare(rounds.map_or(ROUNDS_DEFAULT, |n| n.parse().expect("rounds"))),
    }
}
