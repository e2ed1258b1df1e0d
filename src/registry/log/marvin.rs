//! Marvin32, the keyed hash Windows uses to protect new-format log entries
//! (`HvLE` Hash-1 and Hash-2), written from the algorithm's description.
//!
//! The state is two 32-bit words taken from the 64-bit seed (low word,
//! high word). Each little-endian 32-bit word of the data is added to the
//! low word and mixed; the last 0 to 3 bytes are closed with a 0x80 byte
//! into one more word, which is added and mixed, and one more mix follows.
//! The 64-bit result is the high word above the low word.
//!
//! Confirmed: the known answers published with the algorithm's reference
//! implementation for seed 0x004FB61A001BDBCC (tested below), and every
//! Hash-1 and Hash-2 of the new-format logs in the corpus
//! (`yarp/NewDirtyHive1`, written by Windows) with the seed
//! [`LOG_ENTRY_SEED`] (`tests/registry_logs.rs`).

/// The seed of log entry hashes. The format specification lists it as the
/// bytes `82 EF 4D 88 7A 4E 55 C5`, which is this number written from its
/// most significant byte: the corpus logs hash correctly only so.
pub const LOG_ENTRY_SEED: u64 = 0x82EF_4D88_7A4E_55C5;

/// One mixing step of the two state words.
fn mix(low: &mut u32, high: &mut u32) {
    *high ^= *low;
    *low = low.rotate_left(20).wrapping_add(*high);
    *high = high.rotate_left(9) ^ *low;
    *low = low.rotate_left(27).wrapping_add(*high);
    *high = high.rotate_left(19);
}

/// The Marvin32 hash of `data` with `seed`, as the 64-bit number stored in
/// a log entry (little-endian on disk).
pub fn marvin32(seed: u64, data: &[u8]) -> u64 {
    let mut low = seed as u32;
    let mut high = (seed >> 32) as u32;
    let mut words = data.chunks_exact(4);
    for word in &mut words {
        low = low.wrapping_add(u32::from_le_bytes([word[0], word[1], word[2], word[3]]));
        mix(&mut low, &mut high);
    }
    let rest = words.remainder();
    let mut last = 0x80u32 << (8 * rest.len());
    for (position, &byte) in rest.iter().enumerate() {
        last |= u32::from(byte) << (8 * position);
    }
    low = low.wrapping_add(last);
    mix(&mut low, &mut high);
    mix(&mut low, &mut high);
    (u64::from(high) << 32) | u64::from(low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers_of_the_reference_implementation() {
        let seed = 0x004F_B61A_001B_DBCC;
        assert_eq!(marvin32(seed, &[]), 0x30ED_35C1_00CD_3C7D);
        assert_eq!(marvin32(seed, &[0xAF]), 0x48E7_3FC7_7D75_DDC1);
        assert_eq!(marvin32(seed, &[0xE7, 0x0F]), 0xB5F6_E1FC_485D_BFF8);
    }

    #[test]
    fn every_tail_length_is_closed_differently() {
        // The closing word depends on the tail's length and bytes: data
        // that differs only there must hash differently.
        let hashes: Vec<u64> = (0..8)
            .map(|len| marvin32(LOG_ENTRY_SEED, &[0u8; 8][..len]))
            .collect();
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_ne!(
            marvin32(LOG_ENTRY_SEED, b"abc"),
            marvin32(LOG_ENTRY_SEED, b"abd")
        );
        assert_ne!(marvin32(1, b"abc"), marvin32(2, b"abc"), "the seed counts");
    }

    #[test]
    fn a_tail_byte_of_0x80_is_not_the_closing_byte() {
        assert_ne!(
            marvin32(LOG_ENTRY_SEED, &[]),
            marvin32(LOG_ENTRY_SEED, &[0x80])
        );
        assert_ne!(
            marvin32(LOG_ENTRY_SEED, &[1, 2, 3]),
            marvin32(LOG_ENTRY_SEED, &[1, 2, 3, 0x80])
        );
    }
}
