//! pactlog's strict Ed25519 verification (`SignerKey::verify_strict`, which skips decompressing
//! R) accepts exactly what ed25519-dalek's `VerifyingKey::verify_strict` accepts: on random
//! signatures, on every way of damaging them, and on the adversarial shapes the speccheck
//! cases are made of (small-order and mixed-order keys and R, non-canonical S and R).

use curve25519_dalek::constants::{ED25519_BASEPOINT_POINT, EIGHT_TORSION};
use curve25519_dalek::{EdwardsPoint, Scalar};
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use pactlog_statement::signature::verify_raw;
use proptest::prelude::*;
use sha2::{Digest, Sha512};

/// The order of the basepoint, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn dalek(pk: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> bool {
    VerifyingKey::from_bytes(pk).is_ok_and(|key| {
        key.verify_strict(msg, &ed25519_dalek::Signature::from_bytes(sig))
            .is_ok()
    })
}

fn ours(pk: &[u8; 32], msg: &[u8], sig: &[u8; 64]) -> bool {
    verify_raw(pk, msg, sig).is_ok()
}

fn assert_same(pk: &[u8; 32], msg: &[u8], sig: &[u8; 64], what: &str) -> bool {
    let verdict = dalek(pk, msg, sig);
    assert_eq!(ours(pk, msg, sig), verdict, "{what}: verdicts differ");
    verdict
}

/// k = SHA-512(R ‖ A ‖ M) mod L, as both sides compute it.
fn challenge(r: &[u8; 32], pk: &[u8; 32], msg: &[u8]) -> Scalar {
    let hash = Sha512::new()
        .chain_update(r)
        .chain_update(pk)
        .chain_update(msg)
        .finalize();
    Scalar::from_bytes_mod_order_wide(&hash.into())
}

fn signature(r: &[u8; 32], s: &[u8; 32]) -> [u8; 64] {
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(r);
    sig[32..].copy_from_slice(s);
    sig
}

/// Adds two 256-bit little-endian numbers (no reduction): S + L is a non-canonical S.
fn add(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = a[i] as u16 + b[i] as u16 + carry;
        out[i] = sum as u8;
        carry = sum >> 8;
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Valid signatures, and each one damaged: a flipped bit anywhere in R, S, the message or
    /// the key, S + L, and R or A moved by a torsion point.
    #[test]
    fn same_verdicts_on_random_and_damaged_signatures(
        seed in any::<[u8; 32]>(),
        msg in proptest::collection::vec(any::<u8>(), 0..200),
        bit in 0usize..(64 * 8),
        key_bit in 0usize..(32 * 8),
        torsion in 1usize..8,
    ) {
        let key = SigningKey::from_bytes(&seed);
        let pk = key.verifying_key().to_bytes();
        let sig = key.sign(&msg).to_bytes();
        prop_assert!(assert_same(&pk, &msg, &sig, "valid"));

        let mut flipped = sig;
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert_same(&pk, &msg, &flipped, "signature bit flipped");

        let mut other_key = pk;
        other_key[key_bit / 8] ^= 1 << (key_bit % 8);
        assert_same(&other_key, &msg, &sig, "key bit flipped");

        let mut other_msg = msg.clone();
        other_msg.push(0);
        assert_same(&pk, &other_msg, &sig, "message changed");

        let (r, s) = (sig[..32].try_into().unwrap(), sig[32..].try_into().unwrap());
        assert_same(&pk, &msg, &signature(r, &add(s, &L)), "S + L");

        // R moved by a torsion point: a mixed-order R that the equation does not give.
        let r_point = curve25519_dalek::edwards::CompressedEdwardsY(*r).decompress().unwrap();
        let mixed_r = (r_point + EIGHT_TORSION[torsion]).compress().to_bytes();
        assert_same(&pk, &msg, &signature(&mixed_r, s), "R + torsion");

        // A mixed-order key (a·B + T) with a signature that satisfies the cofactorless
        // equation for it: R = r·B + … chosen so that [s]B − [k]A = R exactly.
        let a = Scalar::from_bytes_mod_order(seed);
        let t = EIGHT_TORSION[torsion];
        let mixed_a = (ED25519_BASEPOINT_POINT * a + t).compress().to_bytes();
        let nonce = Scalar::from_bytes_mod_order(Sha512::digest(&msg)[..32].try_into().unwrap());
        // Try R = [nonce]B + T' for each torsion T' until k makes the equation hold.
        for t2 in EIGHT_TORSION {
            let r = (ED25519_BASEPOINT_POINT * nonce + t2).compress().to_bytes();
            let k = challenge(&r, &mixed_a, &msg);
            let s = (nonce + k * a).to_bytes();
            assert_same(&mixed_a, &msg, &signature(&r, &s), "mixed-order A and R");
        }
    }
}

/// Every small-order point as R (canonical and non-canonical encodings), with S from 0 to a
/// few, under ordinary and small-order keys: both sides refuse them all.
#[test]
fn small_order_r_is_refused_alike() {
    let key = SigningKey::from_bytes(&[9; 32]);
    let pk = key.verifying_key().to_bytes();
    let mut encodings: Vec<[u8; 32]> = EIGHT_TORSION
        .iter()
        .map(|p| p.compress().to_bytes())
        .collect();
    // Non-canonical encodings: y + p where that still fits, and the sign bit set on x = 0.
    for point in EIGHT_TORSION {
        let mut bytes = point.compress().to_bytes();
        bytes[31] |= 0x80;
        encodings.push(bytes);
    }
    encodings.push({
        // y = 1 + p  (p = 2^255 − 19): 0xee, 0xff…, 0x7f
        let mut b = [0xffu8; 32];
        b[0] = 0xee;
        b[31] = 0x7f;
        b
    });
    let small_keys: Vec<[u8; 32]> = EIGHT_TORSION
        .iter()
        .map(|p| p.compress().to_bytes())
        .collect();
    for r in &encodings {
        for s in 0u8..4 {
            let mut s_bytes = [0u8; 32];
            s_bytes[0] = s;
            let sig = signature(r, &s_bytes);
            assert!(!assert_same(&pk, b"m", &sig, "small-order R"));
            for small in &small_keys {
                assert!(!assert_same(small, b"m", &sig, "small-order R and A"));
            }
        }
    }
}

/// The case the shortcut must not get wrong: a small-order R that *does* satisfy the
/// cofactorless equation under a mixed-order key. `verify_strict` refuses it for R's order;
/// pactlog must refuse it too, though it never decompresses R.
#[test]
fn a_small_order_r_satisfying_the_equation_is_refused() {
    let a = Scalar::from_bytes_mod_order([5; 32]);
    let mut found = 0;
    for (i, t) in EIGHT_TORSION.iter().enumerate().skip(1) {
        let pk = (ED25519_BASEPOINT_POINT * a + t).compress().to_bytes();
        for n in 0u32..64 {
            let msg = n.to_le_bytes();
            for r_point in EIGHT_TORSION {
                let r = r_point.compress().to_bytes();
                let k = challenge(&r, &pk, &msg);
                // [s]B − [k](aB + T) = −[k]T when s = k·a: small order; equal to R when
                // −[k]T is the torsion point we guessed.
                let s = k * a;
                let expected: EdwardsPoint = -(t * k);
                if expected.compress().to_bytes() != r {
                    continue;
                }
                found += 1;
                let sig = signature(&r, &s.to_bytes());
                assert!(
                    !assert_same(&pk, &msg, &sig, &format!("torsion {i}, message {n}")),
                    "a small-order R must be refused"
                );
            }
        }
    }
    assert!(found > 0, "the search found signatures of this shape");
}
