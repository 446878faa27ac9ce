//! C2SP `tlog-tiles` coordinates, hash tiles and entry bundles (SPEC §8).
//!
//! Written here rather than taken from `tlog_tiles::Tile`: that type speaks Go sumdb's paths
//! (`tile/<H>/<L>/<N>`, `tile/<H>/data/<N>`, any height), while C2SP fixes the height at 8 and
//! drops it from the path (`tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`), bounds `L` to
//! 0–63 and `W` to 1–255, and forbids leading zeros in both. The hash values come from the
//! stored-hash layout (`tlog_tiles::stored_hash_index`) through [`HashReader`], so tiles can
//! be served from a [`crate::Tree`] or straight from a store.

use std::fmt;
use std::str::FromStr;

use crate::decimal::parse_decimal;
use crate::hash::HASH_LEN;
use crate::tree::{stored_hash_index, HashReadError, HashReader};

/// Tree levels per tile (C2SP fixes 8).
pub const TILE_HEIGHT: u32 = 8;

/// Hashes in a full tile, and entries in a full entry bundle: `2^TILE_HEIGHT`.
pub const TILE_WIDTH: u16 = 1 << TILE_HEIGHT;

/// Highest tile level a path may name (C2SP: 0–63).
pub const TILE_LEVEL_MAX: u8 = 63;

/// Longest tile path we parse. `u64::MAX` needs 7 three-digit groups, so the longest valid
/// path is `tile/entries/x018/x446/x744/x073/x709/x551/615.p/255` (52 bytes); anything longer
/// is refused before any work.
const TILE_PATH_LEN_MAX: usize = 64;

/// Largest entry an entry bundle can hold: its length prefix is a big-endian `u16`.
pub const ENTRY_LEN_MAX: usize = u16::MAX as usize;

/// Which kind of resource a [`Tile`] names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileKind {
    /// Hash tile at tile level `level` (tree level `8 × level`).
    Hash {
        /// Tile level, 0–63.
        level: u8,
    },
    /// Entry bundle (the leaf data behind level-0 hash tiles).
    Entries,
}

/// A C2SP tile or entry bundle: kind, index `N` within its level, and width `W` (1–256; 256
/// is a full tile, anything less a partial one, `.p/<W>` in the path).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tile {
    kind: TileKind,
    index: u64,
    width: u16,
}

/// Why a tile, a tile path or an entry bundle was refused.
#[derive(Debug, thiserror::Error)]
pub enum TileError {
    /// Not a C2SP tile path.
    #[error("malformed tile path {path:?}: {reason}")]
    BadPath {
        /// The path, cut to a bounded length.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// Level above 63 or width outside 1–256.
    #[error("tile level {level} or width {width} out of range")]
    OutOfRange {
        /// Tile level.
        level: u8,
        /// Width.
        width: u16,
    },
    /// The tile is not published by any tree of at most this size.
    #[error("tile {tile} does not exist for tree size {size}")]
    NotAvailable {
        /// The tile.
        tile: Tile,
        /// The tree size served.
        size: u64,
    },
    /// An entry index not below the tree size.
    #[error("entry {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Entry index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// An entry longer than an entry bundle can hold.
    #[error("entry {position} is {len} bytes, an entry bundle holds at most 65535")]
    EntryTooLong {
        /// Position within the bundle.
        position: usize,
        /// Length.
        len: usize,
    },
    /// A bundle of 0 or more than 256 entries.
    #[error("an entry bundle holds 1 to 256 entries, got {count}")]
    BundleCount {
        /// Entries given.
        count: usize,
    },
    /// Entry bundle bytes that do not parse.
    #[error("malformed entry bundle: {0}")]
    MalformedBundle(&'static str),
    /// The hash reader failed.
    #[error(transparent)]
    Read(#[from] HashReadError),
}

/// Number of complete nodes at tile level `level` (tree level `8 × level`) in a tree of `size`
/// leaves: `floor(size / 256^level)`.
fn nodes_at_level(size: u64, level: u8) -> u64 {
    size.checked_shr(TILE_HEIGHT * u32::from(level))
        .unwrap_or(0)
}

impl Tile {
    /// A hash tile.
    ///
    /// # Errors
    /// [`TileError::OutOfRange`] unless `level ≤ 63` and `1 ≤ width ≤ 256`.
    pub fn hash(level: u8, index: u64, width: u16) -> Result<Self, TileError> {
        if level > TILE_LEVEL_MAX || width == 0 || width > TILE_WIDTH {
            return Err(TileError::OutOfRange { level, width });
        }
        Ok(Self {
            kind: TileKind::Hash { level },
            index,
            width,
        })
    }

    /// An entry bundle.
    ///
    /// # Errors
    /// [`TileError::OutOfRange`] unless `1 ≤ width ≤ 256`.
    pub fn entries(index: u64, width: u16) -> Result<Self, TileError> {
        if width == 0 || width > TILE_WIDTH {
            return Err(TileError::OutOfRange { level: 0, width });
        }
        Ok(Self {
            kind: TileKind::Entries,
            index,
            width,
        })
    }

    /// The entry bundle holding entry `index` as published for a tree of `size` leaves: bundle
    /// `index / 256`, full if the tree fills it, else partial with the entries it has.
    ///
    /// # Errors
    /// [`TileError::IndexOutOfRange`] unless `index < size`.
    pub fn entry_bundle_for(index: u64, size: u64) -> Result<Self, TileError> {
        if index >= size {
            return Err(TileError::IndexOutOfRange { index, size });
        }
        let bundle = index / u64::from(TILE_WIDTH);
        let start = bundle * u64::from(TILE_WIDTH);
        let width = (size - start).min(u64::from(TILE_WIDTH));
        Ok(Self {
            kind: TileKind::Entries,
            index: bundle,
            // `width` is at most 256 by the `min` above.
            width: u16::try_from(width).unwrap_or(TILE_WIDTH),
        })
    }

    /// Kind (hash tile and level, or entry bundle).
    pub fn kind(&self) -> TileKind {
        self.kind
    }

    /// Index `N` within the level.
    pub fn index(&self) -> u64 {
        self.index
    }

    /// Width `W` (256 for a full tile).
    pub fn width(&self) -> u16 {
        self.width
    }

    /// Whether the tile is partial (`W < 256`).
    pub fn is_partial(&self) -> bool {
        self.width < TILE_WIDTH
    }

    /// The tile level; entry bundles sit at level 0.
    fn level(&self) -> u8 {
        match self.kind {
            TileKind::Hash { level } => level,
            TileKind::Entries => 0,
        }
    }

    /// Number of nodes at this tile's level up to and including its last one.
    fn end(&self) -> Option<u64> {
        self.index
            .checked_mul(u64::from(TILE_WIDTH))?
            .checked_add(u64::from(self.width))
    }

    /// Whether a tree of exactly `size` leaves publishes this tile: a full tile it covers, or
    /// its rightmost partial tile, whose width is `floor(size / 256^L) mod 256` (C2SP).
    pub fn exists_at(&self, size: u64) -> bool {
        let nodes = nodes_at_level(size, self.level());
        match self.end() {
            None => false,
            // The rightmost partial tile ends exactly at the last complete node.
            Some(end) if self.is_partial() => end == nodes,
            Some(end) => end <= nodes,
        }
    }

    /// Whether some tree of at most `size` leaves publishes this tile. SPEC §8 serves partial
    /// tiles "for every size up to the latest checkpoint's", so a client holding an older
    /// checkpoint can still read its tiles: this is the check a server makes, with `size` the
    /// latest checkpoint's.
    pub fn available_at(&self, size: u64) -> bool {
        self.end()
            .is_some_and(|end| end <= nodes_at_level(size, self.level()))
    }

    /// The path: `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, `N` in 3-digit groups
    /// (`x001/x234/067`).
    pub fn path(&self) -> String {
        self.to_string()
    }

    /// Parses a C2SP tile path (no leading `/`).
    ///
    /// # Errors
    /// [`TileError::BadPath`].
    pub fn parse_path(path: &str) -> Result<Self, TileError> {
        let bad = |reason| TileError::BadPath {
            path: path.chars().take(TILE_PATH_LEN_MAX).collect(),
            reason,
        };
        if path.len() > TILE_PATH_LEN_MAX {
            return Err(bad("too long"));
        }
        let rest = path
            .strip_prefix("tile/")
            .ok_or_else(|| bad("does not start with tile/"))?;
        let (level, rest) = rest
            .split_once('/')
            .ok_or_else(|| bad("no index after the level"))?;
        let kind = if level == "entries" {
            TileKind::Entries
        } else {
            let level = parse_decimal(level)
                .and_then(|l| u8::try_from(l).ok())
                .filter(|&l| l <= TILE_LEVEL_MAX)
                .ok_or_else(|| bad("level is not a decimal 0-63 without leading zeros"))?;
            TileKind::Hash { level }
        };
        let (groups, width) = match rest.split_once(".p/") {
            None => (rest, TILE_WIDTH),
            Some((groups, width)) => {
                let width = parse_decimal(width)
                    .and_then(|w| u16::try_from(w).ok())
                    .filter(|&w| (1..TILE_WIDTH).contains(&w))
                    .ok_or_else(|| bad("width is not a decimal 1-255 without leading zeros"))?;
                (groups, width)
            }
        };
        let index = parse_index(groups).ok_or_else(|| bad("index is not in x001/x234/067 form"))?;
        Ok(Self { kind, index, width })
    }
}

/// `N` from `x001/x234/067`: 3-digit groups, all but the last prefixed with `x`, no leading
/// all-zero group (so each `N` has one spelling).
fn parse_index(text: &str) -> Option<u64> {
    let groups: Vec<&str> = text.split('/').collect();
    let (last, init) = groups.split_last()?;
    let mut index: u64 = 0;
    for (position, group) in init.iter().enumerate() {
        let digits = group.strip_prefix('x')?;
        let value = three_digits(digits)?;
        if position == 0 && value == 0 {
            return None;
        }
        index = index.checked_mul(1000)?.checked_add(value)?;
    }
    index.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(text: &str) -> Option<u64> {
    if text.len() == 3 && text.bytes().all(|c| c.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

impl fmt::Display for Tile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TileKind::Hash { level } => write!(f, "tile/{level}/")?,
            TileKind::Entries => f.write_str("tile/entries/")?,
        }
        let mut groups = Vec::new();
        let mut n = self.index;
        loop {
            groups.push(n % 1000);
            n /= 1000;
            if n == 0 {
                break;
            }
        }
        for (i, group) in groups.iter().rev().enumerate() {
            if i + 1 < groups.len() {
                write!(f, "x{group:03}/")?;
            } else {
                write!(f, "{group:03}")?;
            }
        }
        if self.is_partial() {
            write!(f, ".p/{}", self.width)?;
        }
        Ok(())
    }
}

impl FromStr for Tile {
    type Err = TileError;

    fn from_str(path: &str) -> Result<Self, Self::Err> {
        Self::parse_path(path)
    }
}

/// Every hash tile a tree of exactly `size` leaves publishes (full and partial, all levels),
/// by level then index. `O(size / 256)`: meant for tests and small trees.
pub fn hash_tiles_at(size: u64) -> Vec<Tile> {
    let mut tiles = Vec::new();
    for level in 0..=TILE_LEVEL_MAX {
        let nodes = nodes_at_level(size, level);
        if nodes == 0 {
            break;
        }
        tiles.extend(tiles_of_level(nodes, TileKind::Hash { level }));
    }
    tiles
}

/// Every entry bundle a tree of exactly `size` leaves publishes. `O(size / 256)`.
pub fn entry_bundles_at(size: u64) -> Vec<Tile> {
    tiles_of_level(size, TileKind::Entries).collect()
}

fn tiles_of_level(nodes: u64, kind: TileKind) -> impl Iterator<Item = Tile> {
    let full = nodes / u64::from(TILE_WIDTH);
    let partial = nodes % u64::from(TILE_WIDTH);
    let full_tiles = (0..full).map(move |index| Tile {
        kind,
        index,
        width: TILE_WIDTH,
    });
    let partial_tile = (partial > 0).then(|| Tile {
        kind,
        index: full,
        // `partial` < 256.
        width: u16::try_from(partial).unwrap_or(TILE_WIDTH),
    });
    full_tiles.chain(partial_tile)
}

/// The bytes of hash tile `tile` — its `W` hashes concatenated, 32 bytes each — read from a
/// store of the tree of `size` leaves.
///
/// The tile must be available at `size` ([`Tile::available_at`]): a full tile the tree
/// covers, or a partial tile of some size up to `size` (SPEC §8). Its bytes never change once
/// it is available: a partial tile is a prefix of the full tile it grows into.
///
/// # Errors
/// [`TileError::NotAvailable`] (also for an entry bundle), or the reader's failure.
pub fn read_hash_tile<R: HashReader + ?Sized>(
    reader: &R,
    size: u64,
    tile: &Tile,
) -> Result<Vec<u8>, TileError> {
    let not_available = || TileError::NotAvailable { tile: *tile, size };
    let TileKind::Hash { level } = tile.kind else {
        return Err(not_available());
    };
    if !tile.available_at(size) {
        return Err(not_available());
    }
    // Available implies `8 × level < 64` (some node exists there) and no overflow below.
    let tree_level = u8::try_from(TILE_HEIGHT * u32::from(level)).map_err(|_| not_available())?;
    let first = tile.index * u64::from(TILE_WIDTH);
    let indexes: Vec<u64> = (0..u64::from(tile.width))
        .map(|i| stored_hash_index(tree_level, first + i))
        .collect();
    let hashes = reader.read_hashes(&indexes)?;
    if hashes.len() != indexes.len() {
        return Err(HashReadError::WrongCount {
            want: indexes.len(),
            got: hashes.len(),
        }
        .into());
    }
    let mut bytes = Vec::with_capacity(hashes.len() * HASH_LEN);
    for hash in &hashes {
        bytes.extend_from_slice(hash.as_bytes());
    }
    Ok(bytes)
}

/// An entry bundle: each entry's leaf data behind a big-endian `u16` length.
///
/// # Errors
/// [`TileError::BundleCount`] unless there are 1–256 entries, [`TileError::EntryTooLong`] for
/// an entry over 65 535 bytes (SPEC §1 keeps every pactlog entry under that).
pub fn entry_bundle<I, D>(entries: I) -> Result<Vec<u8>, TileError>
where
    I: IntoIterator<Item = D>,
    D: AsRef<[u8]>,
{
    let mut bytes = Vec::new();
    let mut count = 0usize;
    for (position, entry) in entries.into_iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLong {
            position,
            len: entry.len(),
        })?;
        bytes.extend_from_slice(&len.to_be_bytes());
        bytes.extend_from_slice(entry);
        count += 1;
        if count > usize::from(TILE_WIDTH) {
            return Err(TileError::BundleCount { count });
        }
    }
    if count == 0 {
        return Err(TileError::BundleCount { count });
    }
    Ok(bytes)
}

/// Splits entry bundle bytes back into the entries' leaf data.
///
/// # Errors
/// [`TileError::MalformedBundle`] when a length runs past the end, or
/// [`TileError::BundleCount`] unless there are 1–256 entries.
pub fn parse_entry_bundle(bytes: &[u8]) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_first_chunk::<2>()
            .ok_or(TileError::MalformedBundle("truncated length prefix"))?;
        let len = usize::from(u16::from_be_bytes(*len));
        if tail.len() < len {
            return Err(TileError::MalformedBundle("entry runs past the end"));
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        if entries.len() > usize::from(TILE_WIDTH) {
            return Err(TileError::BundleCount {
                count: entries.len(),
            });
        }
        rest = tail;
    }
    if entries.is_empty() {
        return Err(TileError::BundleCount { count: 0 });
    }
    Ok(entries)
}
