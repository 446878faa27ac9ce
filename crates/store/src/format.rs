//! The on-disk encodings, as pure functions over byte slices (no I/O here, so every rule of
//! the format can be unit-tested and property-tested without touching a disk).
//!
//! All integers are little-endian. The layouts are drawn in the crate-level documentation.

use std::fmt;

/// First bytes of every record. `0xFF` never occurs in UTF-8, so a leaf (JCS JSON text) can
/// never contain the magic; the recovery scan that looks for a valid record after a damaged
/// one therefore has no false positives on real data.
pub const RECORD_MAGIC: [u8; 4] = [0xFF, b'P', b'L', b'R'];

/// Version of the record layout. A reader refuses records of any other version rather than
/// guess at their layout.
pub const RECORD_VERSION: u16 = 1;

/// Bytes of the fixed record header: magic 4, version 2, reserved 2, payload length 4,
/// seq 8, id 32, CRC32C 4.
pub const RECORD_HEADER_LEN: usize = 56;

/// Largest payload (leaf data) of one record: SPEC §1 "Size" bounds every entry's leaf data
/// by the 65 535-byte limit of a tlog-tiles entry bundle (a big-endian uint16 length), so a
/// longer record cannot be published and must not be stored.
pub const RECORD_PAYLOAD_LEN_MAX: usize = 65_535;

/// Largest record on disk, header included.
pub const RECORD_LEN_MAX: usize = RECORD_HEADER_LEN + RECORD_PAYLOAD_LEN_MAX;

const RECORD_OFFSET_VERSION: usize = 4;
const RECORD_OFFSET_RESERVED: usize = 6;
const RECORD_OFFSET_PAYLOAD_LEN: usize = 8;
const RECORD_OFFSET_SEQ: usize = 12;
const RECORD_OFFSET_ID: usize = 20;
const RECORD_OFFSET_CHECKSUM: usize = 52;

/// First bytes of a small file (the checkpoint and each meta file).
pub const SMALL_FILE_MAGIC: [u8; 4] = [0xFF, b'P', b'L', b'F'];

/// Version of the small-file frame.
pub const SMALL_FILE_VERSION: u16 = 1;

/// Bytes of the small-file header: magic 4, version 2, reserved 2, payload length 4, CRC32C 4.
pub const SMALL_FILE_HEADER_LEN: usize = 16;

/// Name of the format marker file at the root of a data directory.
pub const FORMAT_FILE_NAME: &str = "FORMAT";

/// The directory layout and file formats this build writes and reads. `open` refuses a
/// directory whose marker names a newer version: an old binary must not append to (and so
/// silently corrupt) a log laid out by a newer one.
pub const FORMAT_VERSION: u64 = 2;

/// The marker is one short text line; anything longer is not a marker we wrote.
pub const FORMAT_FILE_LEN_MAX: u64 = 64;

const FORMAT_PREFIX: &str = "pactlog-store format ";

/// Digits in a segment file name: enough for every u64, zero-padded so that the names sort
/// in seq order in a plain `ls`.
const SEGMENT_NAME_DIGITS: usize = 20;

/// Extension of segment files.
pub const SEGMENT_EXTENSION: &str = ".seg";

/// A record as found in a buffer, borrowing its payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordView<'a> {
    pub seq: u64,
    pub id: [u8; 32],
    pub payload: &'a [u8],
    /// Bytes of the whole record on disk (header and payload).
    pub len: usize,
}

/// Why bytes are not a valid record. Every variant names what was found, so the operator
/// reading a `Corrupt` error or a torn-tail report sees the concrete fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Defect {
    ShortHeader { have: usize },
    BadMagic { found: [u8; 4] },
    BadVersion { found: u16 },
    ReservedNotZero { found: u16 },
    PayloadTooLong { len: u32 },
    ShortPayload { need: usize, have: usize },
    BadChecksum { stored: u32, computed: u32 },
}

impl fmt::Display for Defect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Defect::ShortHeader { have } => write!(
                f,
                "incomplete record header ({have} of {RECORD_HEADER_LEN} bytes before end of file)"
            ),
            Defect::BadMagic { found } => write!(
                f,
                "no record magic (found bytes {found:02x?}, expected {RECORD_MAGIC:02x?})"
            ),
            Defect::BadVersion { found } => write!(
                f,
                "record version {found} is not the supported version {RECORD_VERSION}"
            ),
            Defect::ReservedNotZero { found } => {
                write!(f, "reserved header field is {found:#06x}, expected 0")
            }
            Defect::PayloadTooLong { len } => write!(
                f,
                "record claims a payload of {len} bytes, more than the limit {RECORD_PAYLOAD_LEN_MAX}"
            ),
            Defect::ShortPayload { need, have } => write!(
                f,
                "incomplete record payload ({have} of {need} bytes before end of file)"
            ),
            Defect::BadChecksum { stored, computed } => write!(
                f,
                "record checksum mismatch (stored CRC32C {stored:#010x}, computed {computed:#010x})"
            ),
        }
    }
}

fn u16_at(buf: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([buf[at], buf[at + 1]])
}

fn u32_at(buf: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&buf[at..at + 4]);
    u32::from_le_bytes(bytes)
}

fn u64_at(buf: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(bytes)
}

/// CRC32C over the header fields before the checksum, then the payload: one flipped bit
/// anywhere in the record, header or payload, is caught.
fn record_checksum(header_before_checksum: &[u8], payload: &[u8]) -> u32 {
    debug_assert_eq!(header_before_checksum.len(), RECORD_OFFSET_CHECKSUM);
    crc32c::crc32c_append(crc32c::crc32c(header_before_checksum), payload)
}

/// Appends one encoded record to `out`.
///
/// Panics if the payload exceeds [`RECORD_PAYLOAD_LEN_MAX`]: callers validate input first,
/// so a longer payload here is a bug in this crate, not bad input.
pub(crate) fn encode_record(out: &mut Vec<u8>, seq: u64, id: &[u8; 32], payload: &[u8]) {
    assert!(payload.len() <= RECORD_PAYLOAD_LEN_MAX);
    let start = out.len();
    out.reserve(RECORD_HEADER_LEN + payload.len());
    out.extend_from_slice(&RECORD_MAGIC);
    out.extend_from_slice(&RECORD_VERSION.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    // Fits: asserted above to be at most 65 535.
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(id);
    let checksum = record_checksum(&out[start..], payload);
    out.extend_from_slice(&checksum.to_le_bytes());
    out.extend_from_slice(payload);
    debug_assert_eq!(out.len() - start, RECORD_HEADER_LEN + payload.len());
}

/// Decodes the record that starts at `buf[0]`, verifying magic, version, reserved field,
/// length limit and checksum. `buf` may extend past the record.
pub(crate) fn decode_record(buf: &[u8]) -> Result<RecordView<'_>, Defect> {
    if buf.len() < RECORD_HEADER_LEN {
        // A short prefix that is not even the magic is garbage rather than a torn header;
        // both are defects, the distinction only sharpens the message.
        let magic_len = buf.len().min(RECORD_MAGIC.len());
        if buf[..magic_len] != RECORD_MAGIC[..magic_len] {
            let mut found = [0u8; 4];
            found[..magic_len].copy_from_slice(&buf[..magic_len]);
            return Err(Defect::BadMagic { found });
        }
        return Err(Defect::ShortHeader { have: buf.len() });
    }
    let header = &buf[..RECORD_HEADER_LEN];
    if header[..4] != RECORD_MAGIC {
        let mut found = [0u8; 4];
        found.copy_from_slice(&header[..4]);
        return Err(Defect::BadMagic { found });
    }
    let version = u16_at(header, RECORD_OFFSET_VERSION);
    if version != RECORD_VERSION {
        return Err(Defect::BadVersion { found: version });
    }
    let reserved = u16_at(header, RECORD_OFFSET_RESERVED);
    if reserved != 0 {
        return Err(Defect::ReservedNotZero { found: reserved });
    }
    let payload_len = u32_at(header, RECORD_OFFSET_PAYLOAD_LEN);
    if payload_len as usize > RECORD_PAYLOAD_LEN_MAX {
        return Err(Defect::PayloadTooLong { len: payload_len });
    }
    let len = RECORD_HEADER_LEN + payload_len as usize;
    if buf.len() < len {
        return Err(Defect::ShortPayload {
            need: payload_len as usize,
            have: buf.len() - RECORD_HEADER_LEN,
        });
    }
    let payload = &buf[RECORD_HEADER_LEN..len];
    let stored = u32_at(header, RECORD_OFFSET_CHECKSUM);
    let computed = record_checksum(&header[..RECORD_OFFSET_CHECKSUM], payload);
    if stored != computed {
        return Err(Defect::BadChecksum { stored, computed });
    }
    let mut id = [0u8; 32];
    id.copy_from_slice(&header[RECORD_OFFSET_ID..RECORD_OFFSET_ID + 32]);
    Ok(RecordView {
        seq: u64_at(header, RECORD_OFFSET_SEQ),
        id,
        payload,
        len,
    })
}

/// The first position at or after `from` where a complete, checksum-valid record starts,
/// with its seq. Used only after a damaged record, to tell a torn end of file (nothing
/// valid follows) from damage inside the log (something valid follows).
pub(crate) fn find_valid_record(buf: &[u8], from: usize) -> Option<(usize, u64)> {
    let mut at = from;
    while at < buf.len() {
        let next = buf[at..].iter().position(|&b| b == RECORD_MAGIC[0])?;
        at += next;
        if let Ok(view) = decode_record(&buf[at..]) {
            return Some((at, view.seq));
        }
        at += 1;
    }
    None
}

/// Frames a small file's payload: header with length and CRC32C, then the payload.
///
/// Panics if the payload does not fit a u32 length; callers bound it far below that.
pub(crate) fn encode_small_file(payload: &[u8]) -> Vec<u8> {
    let payload_len = u32::try_from(payload.len()).expect("small file payloads are bounded");
    let mut out = Vec::with_capacity(SMALL_FILE_HEADER_LEN + payload.len());
    out.extend_from_slice(&SMALL_FILE_MAGIC);
    out.extend_from_slice(&SMALL_FILE_VERSION.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&payload_len.to_le_bytes());
    let checksum = crc32c::crc32c_append(crc32c::crc32c(&out), payload);
    out.extend_from_slice(&checksum.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Decodes a whole small file, verifying magic, version, exact length and checksum.
/// Returns the reason as text when the bytes are not a valid frame.
pub(crate) fn decode_small_file(buf: &[u8]) -> Result<&[u8], String> {
    if buf.len() < SMALL_FILE_HEADER_LEN {
        return Err(format!(
            "file has {} bytes, shorter than the {SMALL_FILE_HEADER_LEN}-byte header",
            buf.len()
        ));
    }
    check_frame_start(buf, SMALL_FILE_MAGIC, SMALL_FILE_VERSION, "small-file")?;
    let payload_len = u32_at(buf, 8) as usize;
    if buf.len() - SMALL_FILE_HEADER_LEN != payload_len {
        return Err(format!(
            "header says {payload_len} payload bytes but the file holds {}",
            buf.len() - SMALL_FILE_HEADER_LEN
        ));
    }
    let payload = &buf[SMALL_FILE_HEADER_LEN..];
    let stored = u32_at(buf, 12);
    let computed = crc32c::crc32c_append(crc32c::crc32c(&buf[..12]), payload);
    if stored != computed {
        return Err(format!(
            "checksum mismatch (stored CRC32C {stored:#010x}, computed {computed:#010x})"
        ));
    }
    Ok(payload)
}

/// First bytes of a checkpoint slot (`0xFF "PLC"`).
pub const CHECKPOINT_SLOT_MAGIC: [u8; 4] = [0xFF, b'P', b'L', b'C'];

/// Version of the checkpoint slot layout.
pub const CHECKPOINT_SLOT_VERSION: u16 = 1;

/// Bytes of a checkpoint slot's header: magic 4, version 2, reserved 2, generation 8,
/// payload length 4, CRC32C 4.
pub const CHECKPOINT_SLOT_HEADER_LEN: usize = 24;

/// Bytes of one slot: a header and the largest note, rounded up to whole 4 KiB pages so the
/// two slots never share a page or a disk sector, and a torn write of one cannot touch the
/// other.
pub const CHECKPOINT_SLOT_LEN: usize =
    (CHECKPOINT_SLOT_HEADER_LEN + crate::CHECKPOINT_LEN_MAX).div_ceil(4096) * 4096;

/// What one checkpoint slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot<'a> {
    /// Never written: the header is all zeros.
    Empty,
    /// A note written as generation `generation` (counting writes from 1).
    Written { generation: u64, note: &'a [u8] },
}

/// Encodes a checkpoint slot holding `note` as write number `generation`. The unused rest of
/// the slot is not written.
pub(crate) fn encode_checkpoint_slot(generation: u64, note: &[u8]) -> Vec<u8> {
    assert!(note.len() <= crate::CHECKPOINT_LEN_MAX);
    let mut out = Vec::with_capacity(CHECKPOINT_SLOT_HEADER_LEN + note.len());
    out.extend_from_slice(&CHECKPOINT_SLOT_MAGIC);
    out.extend_from_slice(&CHECKPOINT_SLOT_VERSION.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&generation.to_le_bytes());
    // Fits: asserted above to be at most 16 KiB.
    out.extend_from_slice(&(note.len() as u32).to_le_bytes());
    let checksum = crc32c::crc32c_append(crc32c::crc32c(&out), note);
    out.extend_from_slice(&checksum.to_le_bytes());
    out.extend_from_slice(note);
    out
}

/// Decodes one whole slot ([`CHECKPOINT_SLOT_LEN`] bytes), verifying magic, version, length
/// and checksum. Returns the reason as text when the slot is neither empty nor valid.
pub(crate) fn decode_checkpoint_slot(slot: &[u8]) -> Result<Slot<'_>, String> {
    assert_eq!(slot.len(), CHECKPOINT_SLOT_LEN);
    let header = &slot[..CHECKPOINT_SLOT_HEADER_LEN];
    if header.iter().all(|&b| b == 0) {
        return Ok(Slot::Empty);
    }
    check_frame_start(
        header,
        CHECKPOINT_SLOT_MAGIC,
        CHECKPOINT_SLOT_VERSION,
        "checkpoint-slot",
    )?;
    let generation = u64_at(header, 8);
    if generation == 0 {
        return Err("generation 0 is never written".to_string());
    }
    let note_len = u32_at(header, 16) as usize;
    if note_len > crate::CHECKPOINT_LEN_MAX {
        return Err(format!(
            "slot claims a note of {note_len} bytes, more than the limit {}",
            crate::CHECKPOINT_LEN_MAX
        ));
    }
    let note = &slot[CHECKPOINT_SLOT_HEADER_LEN..CHECKPOINT_SLOT_HEADER_LEN + note_len];
    let stored = u32_at(header, 20);
    let computed = crc32c::crc32c_append(crc32c::crc32c(&header[..20]), note);
    if stored != computed {
        return Err(format!(
            "checksum mismatch (stored CRC32C {stored:#010x}, computed {computed:#010x})"
        ));
    }
    Ok(Slot::Written { generation, note })
}

/// Checks the first eight bytes shared by the small-file and checkpoint-slot frames: magic,
/// version, a zero reserved field. `what` names the frame in the reason.
fn check_frame_start(buf: &[u8], magic: [u8; 4], version: u16, what: &str) -> Result<(), String> {
    if buf[..4] != magic {
        return Err(format!(
            "no {what} magic (found {:02x?}, expected {magic:02x?})",
            &buf[..4]
        ));
    }
    let found = u16_at(buf, 4);
    if found != version {
        return Err(format!(
            "{what} version {found} is not the supported version {version}"
        ));
    }
    let reserved = u16_at(buf, 6);
    if reserved != 0 {
        return Err(format!(
            "reserved header field is {reserved:#06x}, expected 0"
        ));
    }
    Ok(())
}

/// The text of the format marker file.
pub(crate) fn encode_format_marker() -> String {
    format!("{FORMAT_PREFIX}{FORMAT_VERSION}\n")
}

/// The version named by a format marker, or why the bytes are not a marker.
pub(crate) fn parse_format_marker(bytes: &[u8]) -> Result<u64, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "marker is not UTF-8 text".to_string())?;
    let version = text
        .strip_prefix(FORMAT_PREFIX)
        .and_then(|rest| rest.strip_suffix('\n'))
        .ok_or_else(|| format!("marker is not of the form {FORMAT_PREFIX:?}<version>\\n"))?;
    if version.is_empty() || !version.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "marker version {version:?} is not a decimal number"
        ));
    }
    let version: u64 = version
        .parse()
        .map_err(|_| format!("marker version {version:?} is out of range"))?;
    if version == 0 {
        return Err("marker version 0 was never written by any pactlog".to_string());
    }
    Ok(version)
}

/// File name of the segment whose first record has `first_seq`.
pub(crate) fn segment_file_name(first_seq: u64) -> String {
    format!(
        "{first_seq:0width$}{SEGMENT_EXTENSION}",
        width = SEGMENT_NAME_DIGITS
    )
}

/// The first seq named by a segment file name: exactly 20 digits then `.seg`.
pub(crate) fn parse_segment_file_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(SEGMENT_EXTENSION)?;
    if digits.len() != SEGMENT_NAME_DIGITS || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn one(seq: u64, id: [u8; 32], payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_record(&mut out, seq, &id, payload);
        out
    }

    #[test]
    fn header_layout_is_as_documented() {
        let bytes = one(0x0102_0304_0506_0708, [7; 32], b"abc");
        assert_eq!(bytes.len(), RECORD_HEADER_LEN + 3);
        assert_eq!(bytes[..4], RECORD_MAGIC);
        assert_eq!(bytes[4..6], [1, 0]);
        assert_eq!(bytes[6..8], [0, 0]);
        assert_eq!(bytes[8..12], [3, 0, 0, 0]);
        assert_eq!(bytes[12..20], [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(bytes[20..52], [7; 32]);
        assert_eq!(&bytes[56..], b"abc");
        let mut covered = bytes[..52].to_vec();
        covered.extend_from_slice(b"abc");
        assert_eq!(bytes[52..56], crc32c::crc32c(&covered).to_le_bytes());
    }

    #[test]
    fn every_single_byte_flip_is_detected() {
        let bytes = one(5, [9; 32], b"{\"leaf\":true}");
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x01;
            assert!(
                decode_record(&damaged).is_err(),
                "flip at {at} not detected"
            );
        }
    }

    #[test]
    fn every_truncation_is_detected() {
        let bytes = one(5, [9; 32], b"payload");
        for cut in 0..bytes.len() {
            let defect = decode_record(&bytes[..cut]).unwrap_err();
            if cut < RECORD_HEADER_LEN {
                assert_eq!(defect, Defect::ShortHeader { have: cut });
            } else {
                assert!(matches!(defect, Defect::ShortPayload { .. }), "{defect}");
            }
        }
    }

    #[test]
    fn oversized_payload_length_is_refused_before_reading_it() {
        let mut bytes = one(0, [0; 32], b"");
        bytes[8..12].copy_from_slice(&(RECORD_PAYLOAD_LEN_MAX as u32 + 1).to_le_bytes());
        assert_eq!(
            decode_record(&bytes).unwrap_err(),
            Defect::PayloadTooLong {
                len: RECORD_PAYLOAD_LEN_MAX as u32 + 1
            }
        );
    }

    #[test]
    fn zeros_are_not_a_record() {
        assert!(matches!(
            decode_record(&[0u8; 100]).unwrap_err(),
            Defect::BadMagic { .. }
        ));
        assert_eq!(find_valid_record(&[0u8; 100], 0), None);
    }

    #[test]
    fn find_valid_record_skips_garbage() {
        let mut buf = vec![0xFF, b'P', b'L', 0, 0xFF];
        buf.extend_from_slice(&one(3, [1; 32], b"x"));
        assert_eq!(find_valid_record(&buf, 0), Some((5, 3)));
        assert_eq!(find_valid_record(&buf, 6), None);
    }

    #[test]
    fn small_file_round_trip_and_damage() {
        let bytes = encode_small_file(b"origin.example\n");
        assert_eq!(decode_small_file(&bytes).unwrap(), b"origin.example\n");
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x80;
            assert!(decode_small_file(&damaged).is_err(), "flip at {at}");
        }
        for cut in 0..bytes.len() {
            assert!(decode_small_file(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode_small_file(&longer).is_err());
    }

    #[test]
    fn format_marker() {
        assert_eq!(
            parse_format_marker(encode_format_marker().as_bytes()),
            Ok(FORMAT_VERSION)
        );
        assert_eq!(parse_format_marker(b"pactlog-store format 7\n"), Ok(7));
        for bad in [
            &b""[..],
            b"pactlog-store format \n",
            b"pactlog-store format 1",
            b"pactlog-store format +1\n",
            b"pactlog-store format 0\n",
            b"pactlog-store format 99999999999999999999999\n",
            b"other 1\n",
            b"\xff\n",
        ] {
            assert!(parse_format_marker(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn segment_names() {
        assert_eq!(segment_file_name(0), "00000000000000000000.seg");
        assert_eq!(segment_file_name(u64::MAX), "18446744073709551615.seg");
        assert_eq!(
            parse_segment_file_name("00000000000000000042.seg"),
            Some(42)
        );
        assert_eq!(
            parse_segment_file_name(&segment_file_name(u64::MAX)),
            Some(u64::MAX)
        );
        for bad in [
            "42.seg",
            "0000000000000000042.seg",
            "99999999999999999999.seg",
            "0000000000000000004a.seg",
            "00000000000000000042.bin",
            "+0000000000000000042.seg",
        ] {
            assert_eq!(parse_segment_file_name(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn record_round_trip(seq: u64, id: [u8; 32], payload in proptest::collection::vec(any::<u8>(), 0..2048), trailing in proptest::collection::vec(any::<u8>(), 0..64)) {
            let mut bytes = one(seq, id, &payload);
            let len = bytes.len();
            bytes.extend_from_slice(&trailing);
            let view = decode_record(&bytes).unwrap();
            prop_assert_eq!(view, RecordView { seq, id, payload: &payload, len });
        }
    }
}
