//! `pactlog init`, `submit`, `log verify`, `entries` and `checkpoint`: the ledger on the
//! embedded store.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use clap::Args;
use pactlog_merkle::checkpoint::CheckpointVerifier;
use pactlog_merkle::{leaf_hash, Tree};
use pactlog_sequencer::{Clock, InitOptions, Ledger, SubmitError, SystemClock};
use pactlog_state::Replayer;
use pactlog_store::Store;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The log's origin (SPEC §5), e.g. `pairings.example.gov.cn/jiangsu`.
    #[arg(long)]
    origin: String,
    /// The data directory to create.
    #[arg(long)]
    dir: PathBuf,
    /// Largest allowed difference between a statement's time and the log's clock, in
    /// seconds (SPEC §3); fixed for the life of the log.
    #[arg(long, default_value_t = 300)]
    max_skew_s: u64,
    /// Org id of the root authority the genesis creates.
    #[arg(long, default_value = "root.authority")]
    authority_org: String,
    /// Name of the root authority.
    #[arg(long, default_value = "中共中央和国家机关工作委员会")]
    authority_name: String,
    /// Region of the root authority (six digits; `000000` is the nation).
    #[arg(long, default_value = "000000")]
    authority_region: String,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The data directory.
    #[arg(long)]
    dir: PathBuf,
    /// Envelope files, submitted in order.
    #[arg(required = true)]
    envelopes: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct EntriesArgs {
    /// The data directory.
    #[arg(long)]
    dir: PathBuf,
    /// First seq to print.
    #[arg(long, default_value_t = 0)]
    from: u64,
}

pub fn run_init(args: InitArgs) -> anyhow::Result<ExitCode> {
    let report = Ledger::init(
        &args.dir,
        &InitOptions {
            origin: args.origin,
            max_skew_s: args.max_skew_s,
            authority_org: args.authority_org,
            authority_name: args.authority_name,
            authority_region: args.authority_region,
        },
        &SystemClock,
    )
    .with_context(|| format!("initializing a ledger in {}", args.dir.display()))?;
    println!("created ledger in {}", args.dir.display());
    println!("genesis statement: {}", report.genesis_id);
    println!(
        "root authority key: {} ({})",
        report.authority_key_file.display(),
        report.authority_public_key
    );
    println!("checkpoint key: {}", report.checkpoint_key_file.display());
    println!("checkpoint verifier key (pin this / 审计方请固定此公钥):");
    println!("{}", report.verifier_key);
    Ok(ExitCode::SUCCESS)
}

pub fn run_submit(args: SubmitArgs) -> anyhow::Result<ExitCode> {
    let (ledger, report) = Ledger::open(&args.dir, Arc::new(SystemClock))
        .with_context(|| format!("opening {}", args.dir.display()))?;
    report_recovery(&report.recovery);
    let mut rejected = 0;
    for path in &args.envelopes {
        let body = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        match ledger.submit(&body) {
            Ok(ack) => println!(
                "{}: {} seq {} id {}",
                path.display(),
                if ack.created {
                    "accepted"
                } else {
                    "already logged"
                },
                ack.seq,
                ack.id
            ),
            Err(SubmitError::Rejected(rejection)) => {
                rejected += 1;
                eprintln!("{}:", path.display());
                super::print_rejection(&rejection);
            }
            Err(other) => bail!("{}: {other}", path.display()),
        }
    }
    ledger.shutdown();
    Ok(if rejected == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_REJECTED)
    })
}

/// Replays the whole log through the state machine — every signature, every rule — and
/// checks the tree against the latest checkpoint, signed by the key the genesis pins.
pub fn run_log_verify(dir: &Path) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let store = open_store(dir)?;
    let mut replayer = Replayer::new();
    let mut tree = Tree::new();
    let mut bytes = 0u64;
    for seq in 0..store.len() {
        let leaf = store.read(seq)?;
        if let Err(error) = replayer.apply_leaf(&leaf) {
            eprintln!("log verification FAILED / 账本验证失败: {error}");
            return Ok(ExitCode::from(super::EXIT_REJECTED));
        }
        bytes += leaf.len() as u64;
        tree.append(leaf_hash(&leaf));
    }
    let Some(state) = replayer.state() else {
        bail!("{} holds no genesis", dir.display());
    };
    let note = store
        .latest_checkpoint()
        .context("the log has no checkpoint")?;
    let note = String::from_utf8(note).context("the checkpoint is not UTF-8")?;
    let verifier = CheckpointVerifier::parse(&state.genesis.checkpoint_key)?;
    let checkpoint = match verifier.verify(&note) {
        Ok(checkpoint) => checkpoint,
        Err(error) => {
            eprintln!("log verification FAILED / 账本验证失败: checkpoint: {error}");
            return Ok(ExitCode::from(super::EXIT_REJECTED));
        }
    };
    let root_ok = checkpoint.size <= tree.size()
        && tree.root_at(checkpoint.size).ok() == Some(checkpoint.root);
    if !root_ok {
        eprintln!(
            "log verification FAILED / 账本验证失败: the entries do not hash to the checkpoint's root (size {})",
            checkpoint.size
        );
        return Ok(ExitCode::from(super::EXIT_REJECTED));
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "ok: {} entries replayed, every signature and rule checked",
        tree.size()
    );
    println!(
        "checkpoint size {} root {} verified with {}",
        checkpoint.size,
        checkpoint.root.to_base64(),
        state.genesis.checkpoint_key
    );
    println!("state digest {}", hex::encode(state.digest()));
    println!(
        "{:.0} entries/s, {:.1} MB in {:.2} s",
        tree.size() as f64 / seconds.max(1e-9),
        bytes as f64 / 1e6,
        seconds
    );
    Ok(ExitCode::SUCCESS)
}

/// Opens the store of a data directory, reporting any torn tail the store cut on the way
/// (the cut bytes are saved, and the operator must hear about it).
fn open_store(dir: &Path) -> anyhow::Result<Store> {
    let (store, recovery) =
        Store::open(dir).with_context(|| format!("opening {}", dir.display()))?;
    report_recovery(&recovery);
    Ok(store)
}

pub fn run_entries(args: EntriesArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.dir)?;
    let size = checkpoint_size(&store)?;
    if store.len() < size {
        bail!(
            "{} holds {} entries but its latest checkpoint covers {size}: acknowledged data is lost / 已确认的记录丢失",
            args.dir.display(),
            store.len()
        );
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut seq = args.from;
    while seq < size {
        let limit = usize::try_from((size - seq).min(1000)).unwrap_or(1000);
        let leaves = store.read_range(seq, limit)?;
        if leaves.is_empty() {
            bail!("entry {seq} cannot be read");
        }
        for leaf in leaves {
            out.write_all(&leaf)?;
            out.write_all(b"\n")?;
            seq += 1;
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn run_checkpoint_show(dir: &Path) -> anyhow::Result<ExitCode> {
    let store = open_store(dir)?;
    let note = store
        .latest_checkpoint()
        .context("the log has no checkpoint")?;
    std::io::stdout().write_all(&note)?;
    Ok(ExitCode::SUCCESS)
}

/// The size of the latest checkpoint: entries beyond it are not acknowledged and not shown.
fn checkpoint_size(store: &Store) -> anyhow::Result<u64> {
    let note = store
        .latest_checkpoint()
        .context("the log has no checkpoint")?;
    let text = String::from_utf8(note).context("the checkpoint is not UTF-8")?;
    let body_len = text.find("\n\n").map_or(text.len(), |i| i + 1);
    let body = pactlog_merkle::checkpoint::Checkpoint::parse_body(&text[..body_len])?;
    Ok(body.size)
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The data directory (created by `pactlog init`).
    #[arg(long)]
    dir: PathBuf,
    /// How many statements to submit in all.
    #[arg(long, default_value_t = 1000)]
    count: u64,
    /// Concurrent submitters.
    #[arg(long, default_value_t = 8)]
    threads: u64,
    /// A name that keeps the org ids of this run apart from earlier runs.
    #[arg(long)]
    run: String,
}

/// Submits generated statements from several threads and prints `ack <seq> <leaf hash>`
/// for each as soon as it is acknowledged — what the crash test checks after a SIGKILL.
pub fn run_load(args: LoadArgs) -> anyhow::Result<ExitCode> {
    let (ledger, report) = Ledger::open(&args.dir, Arc::new(SystemClock))
        .with_context(|| format!("opening {}", args.dir.display()))?;
    report_recovery(&report.recovery);
    let generator =
        pactlog_sequencer::load::LoadGenerator::new(&args.dir, &ledger.view(), &args.run)?;
    let started = Instant::now();
    let threads = args.threads.max(1);
    let failures = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for t in 0..threads {
            let (ledger, generator, failures) = (&ledger, &generator, &failures);
            scope.spawn(move || {
                let mut n = t;
                while n < args.count {
                    let now = SystemClock.now_unix_millis();
                    let time =
                        pactlog_statement::time::Timestamp::from_unix_millis(now - now % 1000);
                    let outcome = time
                        .ok_or_else(|| anyhow::anyhow!("clock out of range"))
                        .and_then(|time| Ok(generator.envelope(n, time)?))
                        .and_then(|envelope| {
                            ledger
                                .submit(envelope.to_canonical_json().as_bytes())
                                .map_err(anyhow::Error::from)
                        });
                    match outcome {
                        Ok(ack) => println!("ack {} {}", ack.seq, ack.leaf_hash.to_hex()),
                        Err(error) => {
                            failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            eprintln!("statement {n}: {error}");
                        }
                    }
                    n += threads;
                }
            });
        }
    });
    ledger.shutdown();
    let failures = failures.into_inner();
    eprintln!(
        "load: {} statements in {:.2} s ({:.0}/s), {failures} failed",
        args.count,
        started.elapsed().as_secs_f64(),
        args.count as f64 / started.elapsed().as_secs_f64().max(1e-9)
    );
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_REJECTED)
    })
}

/// Tells the operator what the store repaired or upgraded on opening: a torn, unacknowledged
/// tail (where it was and where the cut bytes were saved), a checkpoint write a crash
/// interrupted, an upgrade of the directory's format.
pub fn report_recovery(recovery: &pactlog_store::Recovery) {
    if let Some(torn) = &recovery.truncated_tail {
        eprintln!("recovered: {torn}");
        eprintln!(
            "已恢复：截去了未确认的残缺尾部（{} 字节），原字节保存在 {}",
            torn.bytes_cut,
            torn.saved_to.display()
        );
    }
    if let Some(slot) = &recovery.damaged_checkpoint_slot {
        eprintln!("recovered: {slot}");
        eprintln!(
            "已恢复：{} 中偏移 {} 处的检查点槽位损坏（多为写入时崩溃），已使用另一槽位中的检查点",
            slot.file.display(),
            slot.offset
        );
    }
    if let Some(version) = recovery.upgraded_from {
        eprintln!(
            "upgraded the data directory from store format {version} to {} / 数据目录已从存储格式 {version} 升级到 {}",
            pactlog_store::FORMAT_VERSION,
            pactlog_store::FORMAT_VERSION
        );
    }
}
