//! In-process ingest — verify + rules + append + group-committed fsync + checkpoint — in
//! statements per second, beside the machine's own `verify_strict` rate on the same
//! statements with every core busy, measured in the same run. Also the replay rate of
//! `pactlog log verify` (every signature and rule, one thread) beside single-threaded
//! `verify_strict`.
//!
//! Run: `cargo bench --bench ingest` (optionally `-- N R`: R interleaved rounds of N statements,
//! default 5 of 20000; `PRODUCERS=n` overrides the producer threads, default cores + 1).
//! Figures go to `benches/README.md`.

/// The allocator of the `pactlog` binary, so the in-process side runs as the server does.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::sync::Arc;
use std::time::Instant;

use pactlog_sequencer::load::LoadGenerator;
use pactlog_sequencer::{InitOptions, Ledger, SystemClock};
use pactlog_state::replay::Prepared;
use pactlog_state::Replayer;
use pactlog_statement::signature::{signed_message, SignerKey};
use pactlog_statement::time::Timestamp;
use pactlog_store::Store;

struct Statement {
    envelope: Vec<u8>,
    message: Vec<u8>,
    key: ed25519_dalek::VerifyingKey,
    signer: SignerKey,
    signature: ed25519_dalek::Signature,
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Which signature check a bare-verification run makes.
#[derive(Clone, Copy)]
enum Check {
    /// ed25519-dalek's `verify_strict`: the bound ingest is held to.
    Dalek,
    /// pactlog's own strict check (`SignerKey::verify_strict`, same verdicts, no
    /// decompression of R): what ingest actually runs, so ingest beside it is the cost of
    /// everything but the signature.
    Pactlog,
}

/// Bare signature checks over all statements on `threads` threads.
fn verify_rate(statements: &[Statement], threads: usize, check: Check) -> f64 {
    let started = Instant::now();
    std::thread::scope(|scope| {
        for chunk in statements.chunks(statements.len().div_ceil(threads)) {
            scope.spawn(move || {
                for s in chunk {
                    let ok = match check {
                        Check::Dalek => s.key.verify_strict(&s.message, &s.signature).is_ok(),
                        Check::Pactlog => {
                            s.signer.verify_strict(&[&s.message], &s.signature).is_ok()
                        }
                    };
                    assert!(ok);
                }
            });
        }
    });
    statements.len() as f64 / started.elapsed().as_secs_f64()
}

/// What one ingest run measured.
struct Ingest {
    rate: f64,
    commits: usize,
    /// User + system CPU of this process / (wall time × cores).
    cpu_busy: f64,
    /// Kernel share of that CPU.
    kernel_share: f64,
    /// The writer thread's share of that CPU, and its CPU per statement.
    writer_share: f64,
    writer_us: f64,
    /// Share of the machine's CPU time the hypervisor gave to others meanwhile (steal).
    steal: f64,
}

/// Submits every statement through `ledger` from `producers` threads, each verifying and
/// queueing without waiting for earlier acknowledgements (as a server with many
/// connections does), then waiting for all of them. Rate = statements / time until the last
/// acknowledgement.
fn ingest(ledger: &Ledger, statements: &[Statement], producers: usize) -> Ingest {
    let view = ledger.view();
    let cpu_before = process_cpu_seconds();
    let sys_before = process_sys_seconds();
    let writer_before = thread_cpu_seconds("pactlog-sequenc");
    let steal_before = machine_steal();
    let started = Instant::now();
    let checkpoints: Vec<Vec<Arc<str>>> = std::thread::scope(|scope| {
        let producers: Vec<_> = statements
            .chunks(statements.len().div_ceil(producers))
            .map(|chunk| {
                let view = &view;
                scope.spawn(move || {
                    let receivers: Vec<_> = chunk
                        .iter()
                        .map(|s| {
                            let submission = view.prepare(&s.envelope).expect("valid");
                            ledger.enqueue_wait(submission).expect("queued")
                        })
                        .collect();
                    receivers
                        .into_iter()
                        .map(|receiver| {
                            let ack = receiver.blocking_recv().expect("answer").expect("accepted");
                            assert!(ack.created);
                            ack.checkpoint
                        })
                        .collect()
                })
            })
            .collect();
        producers
            .into_iter()
            .map(|p| p.join().expect("producer"))
            .collect()
    });
    let wall = started.elapsed().as_secs_f64();
    let steal = machine_steal().share_since(&steal_before);
    let writer = thread_cpu_seconds("pactlog-sequenc") - writer_before;
    let cpu = process_cpu_seconds() - cpu_before;
    let sys = process_sys_seconds() - sys_before;
    // Each batch publishes one checkpoint note, shared by the acknowledgements of the batch.
    let commits: std::collections::HashSet<*const u8> = checkpoints
        .iter()
        .flatten()
        .map(|note| note.as_ptr())
        .collect();
    Ingest {
        rate: statements.len() as f64 / wall,
        commits: commits.len(),
        cpu_busy: cpu / (wall * cores() as f64),
        kernel_share: sys / cpu.max(1e-9),
        writer_share: writer / cpu.max(1e-9),
        writer_us: 1e6 * writer / statements.len() as f64,
        steal,
    }
}

/// The machine's total and stolen CPU ticks from `/proc/stat` (Linux; the 8th value of the
/// `cpu` line is steal): on a shared virtual machine, time the hypervisor ran someone else.
struct Ticks {
    total: f64,
    steal: f64,
}

impl Ticks {
    fn share_since(&self, before: &Ticks) -> f64 {
        (self.steal - before.steal) / (self.total - before.total).max(1.0)
    }
}

fn machine_steal() -> Ticks {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<f64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    Ticks {
        total: values.iter().sum(),
        steal: values.get(7).copied().unwrap_or(0.0),
    }
}

/// User and system CPU seconds recorded in a `/proc/…/stat` file (Linux): fields 14 and 15,
/// counted after the parenthesized command name, in clock ticks (CLK_TCK is 100 on Linux).
fn cpu_seconds(stat_path: &std::path::Path) -> (f64, f64) {
    let stat = std::fs::read_to_string(stat_path).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let seconds = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
            / 100.0
    };
    (seconds(11), seconds(12))
}

/// User + system CPU seconds of this process so far.
fn process_cpu_seconds() -> f64 {
    let (user, sys) = cpu_seconds("/proc/self/stat".as_ref());
    user + sys
}

/// System CPU seconds of this process so far.
fn process_sys_seconds() -> f64 {
    cpu_seconds("/proc/self/stat".as_ref()).1
}

/// User + system CPU seconds of this process's threads named `name` (Linux truncates
/// thread names to 15 bytes).
fn thread_cpu_seconds(name: &str) -> f64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .filter_map(Result::ok)
        .filter(|task| {
            std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.trim() == name)
        })
        .map(|task| {
            let (user, sys) = cpu_seconds(&task.path().join("stat"));
            user + sys
        })
        .sum()
}

fn replay_rate(dir: &std::path::Path) -> (u64, f64) {
    let (store, _) = Store::open(dir).expect("store");
    let started = Instant::now();
    let mut replayer = Replayer::new();
    for seq in 0..store.len() {
        replayer
            .apply_leaf(&store.read(seq).expect("read"))
            .expect("replays");
    }
    (
        store.len(),
        store.len() as f64 / started.elapsed().as_secs_f64(),
    )
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let mut numbers = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse::<usize>().ok());
    let count = numbers.next().unwrap_or(20_000);
    let rounds = numbers.next().unwrap_or(5).max(1);
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("data");
    Ledger::init(
        &dir,
        &InitOptions {
            origin: "bench.pactlog.example/ingest".into(),
            max_skew_s: 3600,
            authority_org: "bench.root".into(),
            authority_name: "基准测试根机关".into(),
            authority_region: "000000".into(),
        },
        &SystemClock,
    )
    .expect("init");
    let (ledger, _) = Ledger::open(&dir, Arc::new(SystemClock)).expect("open");
    let statements: Vec<Statement> = {
        let generator = LoadGenerator::new(&dir, &ledger.view(), "bench").expect("generator");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs() as i64;
        let time = Timestamp::from_unix_millis(now * 1000).expect("time");
        (0..(count * rounds) as u64)
            .map(|n| {
                let envelope = generator.envelope(n, time).expect("envelope");
                let signature: [u8; 64] = base64_decode(&envelope.signature_base64());
                let key = ed25519_dalek::VerifyingKey::from_bytes(envelope.signer())
                    .expect("a signed envelope's key is a point");
                Statement {
                    message: signed_message(envelope.statement_bytes()),
                    key,
                    signer: SignerKey::new(key),
                    signature: ed25519_dalek::Signature::from_bytes(&signature),
                    envelope: envelope.to_canonical_json().into_bytes(),
                }
            })
            .collect()
    };
    let cores = cores();
    // One producer more than cores, so no core idles while another waits on the queue.
    let producers = std::env::var("PRODUCERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(cores + 1);
    println!(
        "{rounds} rounds of {count} statements (org.registered, ~{} bytes each), {cores} cores, \
         {producers} producer threads",
        statements[0].envelope.len()
    );
    println!(
        "round  verify_strict/s  pactlog check/s  ingest/s  ratio  vs own check  commits  per commit  CPU busy  kernel  steal  writer (µs/statement)"
    );
    let (mut ratios, mut own_ratios) = (Vec::new(), Vec::new());
    let (mut bounds, mut rates) = (Vec::new(), Vec::new());
    for (round, chunk) in statements.chunks(count).enumerate() {
        // Alternate which goes first, so a drift of the machine's speed does not favour one.
        let (bound, own, run) = if round % 2 == 0 {
            let bound = verify_rate(chunk, cores, Check::Dalek);
            let own = verify_rate(chunk, cores, Check::Pactlog);
            (bound, own, ingest(&ledger, chunk, producers))
        } else {
            let run = ingest(&ledger, chunk, producers);
            let own = verify_rate(chunk, cores, Check::Pactlog);
            (verify_rate(chunk, cores, Check::Dalek), own, run)
        };
        println!(
            "{round:>5} {bound:>16.0} {own:>16.0} {:>9.0} {:>6.2} {:>13.2} {:>8} {:>11.1} {:>8.0}% {:>6.0}% {:>5.0}% {:>6.0}% ({:.1})",
            run.rate,
            run.rate / bound,
            run.rate / own,
            run.commits,
            count as f64 / run.commits as f64,
            100.0 * run.cpu_busy,
            100.0 * run.kernel_share,
            100.0 * run.steal,
            100.0 * run.writer_share,
            run.writer_us,
        );
        ratios.push(run.rate / bound);
        own_ratios.push(run.rate / own);
        bounds.push(bound);
        rates.push(run.rate);
    }
    println!(
        "median: verify_strict on {cores} cores {:.0}/s, ingest (verify + rules + append + fsync + checkpoint) {:.0}/s, \
         ratio {:.2} (range {:.2}–{:.2}); beside pactlog's own signature check {:.2}",
        median(bounds),
        median(rates),
        median(ratios.clone()),
        ratios.iter().copied().fold(f64::INFINITY, f64::min),
        ratios.iter().copied().fold(0.0, f64::max),
        median(own_ratios),
    );
    ledger.shutdown();

    let sample = &statements[..count];
    let single = verify_rate(sample, 1, Check::Dalek);
    let origin = "bench.pactlog.example/ingest";
    let started = Instant::now();
    for s in sample {
        let prepared = Prepared::new(&s.envelope, origin).expect("valid");
        assert!(prepared.statement.is_ok());
    }
    let prepare = sample.len() as f64 / started.elapsed().as_secs_f64();
    println!(
        "prepare (checks 1-5, 7-8), 1 thread: {prepare:.0}/s; verify_strict 1 thread: {single:.0}/s; ratio {:.2}",
        prepare / single
    );
    let (entries, replay) = replay_rate(&dir);
    println!(
        "replay (pactlog log verify path, 1 thread, {entries} entries): {replay:.0}/s; verify_strict 1 thread: {single:.0}/s; ratio {:.2}",
        replay / single
    );
}

fn base64_decode<const N: usize>(text: &str) -> [u8; N] {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
        .try_into()
        .expect("length")
}
