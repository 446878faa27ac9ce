//! The sequencer on disk: any sequence of submissions gives the same verdicts and the same
//! state digest when replayed twice from the log and once more after a restart from disk,
//! and a log reopened after a clean stop continues where it stopped.

use std::path::Path;
use std::sync::Arc;

use pactlog_sequencer::load::LoadGenerator;
use pactlog_sequencer::{InitOptions, Ledger, ManualClock, SubmitError};
use pactlog_state::Replayer;
use pactlog_statement::rejection::Code;
use pactlog_statement::time::Timestamp;
use pactlog_store::Store;
use proptest::prelude::*;

/// 2025-03-01T00:00:00Z.
const START_MS: i64 = 1_740_787_200_000;

fn init(dir: &Path, clock: &ManualClock) {
    Ledger::init(
        dir,
        &InitOptions {
            origin: "test.pactlog.example/restart".into(),
            max_skew_s: 300,
            authority_org: "test.root".into(),
            authority_name: "测试根机关".into(),
            authority_region: "320000".into(),
        },
        clock,
    )
    .expect("init");
}

/// The state digest of the log on disk, replayed with every signature checked.
fn replayed_digest(dir: &Path) -> [u8; 32] {
    let (store, _) = Store::open(dir).expect("store");
    let mut replayer = Replayer::new();
    for seq in 0..store.len() {
        replayer
            .apply_leaf(&store.read(seq).expect("read"))
            .expect("every logged entry replays");
    }
    replayer.state().expect("genesis").digest()
}

/// What one submission asks for.
#[derive(Debug, Clone)]
enum Step {
    /// A new org (valid).
    New(u64),
    /// The same statement again (check 6).
    Again(u64),
    /// A statement timed outside the skew window (`clock_skew`).
    Stale(u64),
    /// The clock moves on.
    Tick(i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0u64..40).prop_map(Step::New),
        2 => (0u64..40).prop_map(Step::Again),
        1 => (0u64..40).prop_map(Step::Stale),
        1 => (1i64..400_000).prop_map(Step::Tick),
    ]
}

/// Runs the steps against the ledger in `dir`, returning each verdict as text.
fn run(dir: &Path, clock: &Arc<ManualClock>, steps: &[Step]) -> Vec<String> {
    let (ledger, _) = Ledger::open(dir, clock.clone()).expect("open");
    let generator = LoadGenerator::new(dir, &ledger.view(), "p").expect("generator");
    let mut verdicts = Vec::new();
    for step in steps {
        let now = clock.now_ms();
        let (n, time) = match step {
            Step::Tick(ms) => {
                clock.advance(*ms);
                continue;
            }
            Step::New(n) | Step::Again(n) => (*n, now - now % 1000),
            Step::Stale(n) => (*n + 1000, now - 301_000 - now % 1000),
        };
        let time = Timestamp::from_unix_millis(time).expect("time");
        let envelope = generator.envelope(n, time).expect("envelope");
        let verdict = match ledger.submit(envelope.to_canonical_json().as_bytes()) {
            Ok(ack) if ack.created => format!("new {}", ack.seq),
            Ok(ack) => format!("again {}", ack.seq),
            Err(SubmitError::Rejected(r)) => format!("rejected {}", r.code),
            Err(other) => panic!("{other}"),
        };
        verdicts.push(verdict);
    }
    ledger.shutdown();
    verdicts
}

trait Now {
    fn now_ms(&self) -> i64;
}

impl Now for ManualClock {
    fn now_ms(&self) -> i64 {
        use pactlog_sequencer::Clock;
        self.now_unix_millis()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn replays_and_restarts_agree(steps in prop::collection::vec(step(), 1..40)) {
        let temp = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(START_MS));
        let (a, b) = (temp.path().join("a"), temp.path().join("b"));
        init(&a, &clock);
        // Ledger b starts as a byte copy of a: same genesis and keys.
        copy_dir(&a, &b);
        let first = run(&a, &clock, &steps);
        // Only stale statements (clock_skew) and the same org at another time (duplicate_id)
        // are refused.
        let allowed = [Code::ClockSkew, Code::DuplicateId].map(|c| format!("rejected {c}"));
        prop_assert!(
            first.iter().all(|v| !v.starts_with("rejected") || allowed.contains(v)),
            "unexpected rejection: {:?}",
            first
        );
        let digest = replayed_digest(&a);
        prop_assert_eq!(replayed_digest(&a), digest, "a second replay differs");

        // The same steps on the copy, with a restart from disk half-way.
        let clock_b = Arc::new(ManualClock::new(START_MS));
        let half = steps.len() / 2;
        let mut second = run(&b, &clock_b, &steps[..half]);
        second.extend(run(&b, &clock_b, &steps[half..]));
        prop_assert_eq!(&first, &second, "verdicts differ across a restart");
        prop_assert_eq!(replayed_digest(&b), digest, "the state differs across a restart");
        let (sa, _) = Store::open(&a).expect("a");
        let (sb, _) = Store::open(&b).expect("b");
        prop_assert_eq!(sa.read_range(0, 1000).expect("a"), sb.read_range(0, 1000).expect("b"));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

#[test]
fn reopening_continues_the_log_and_its_checkpoints() {
    let temp = tempfile::tempdir().expect("tempdir");
    let dir = temp.path().join("data");
    let clock = Arc::new(ManualClock::new(START_MS));
    init(&dir, &clock);
    let steps: Vec<Step> = (0..10).map(Step::New).collect();
    let first = run(&dir, &clock, &steps);
    assert_eq!(first.last().map(String::as_str), Some("new 10"));
    let before = replayed_digest(&dir);
    let again: Vec<Step> = (0..10)
        .map(Step::Again)
        .chain((10..15).map(Step::New))
        .collect();
    let second = run(&dir, &clock, &again);
    assert_eq!(
        second[0], "again 1",
        "a statement logged before the restart is found"
    );
    assert_eq!(second.last().map(String::as_str), Some("new 15"));
    assert_ne!(replayed_digest(&dir), before);
    let (ledger, report) = Ledger::open(&dir, clock).expect("reopen");
    assert_eq!(report.entries, 16);
    assert_eq!(
        report.checkpoint_size, 16,
        "the last batch was checkpointed before the stop"
    );
    assert_eq!(ledger.view().published().size, 16);
}
