//! Activation patterns: the one bit packing of the crate ([`Bits`]), a 128-bit key per
//! packed pattern, and unique counting.

use std::ops::Range;

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

/// Bits per word of a packed pattern.
const WORD: usize = u64::BITS as usize;

/// Number of u64 words holding `n_bits` pattern bits (at least one, so every pattern has a
/// key).
pub fn n_words(n_bits: usize) -> usize {
    n_bits.div_ceil(WORD).max(1)
}

/// A packed activation pattern: bit `k` is bit `k % 64` of word `k / 64`. Bits are numbered
/// in execution order: one per ReLU unit (set when active), then for each max-pool window
/// one per entry (set at the window's argmax). Implemented for word slices, so a
/// `Vec<u64>`, an `Array1<u64>` or a row of an `Array2<u64>` (as a slice) is a pattern.
pub trait Bits {
    /// Sets bit `k`.
    fn set_bit(&mut self, k: usize);
    /// Whether bit `k` is set.
    fn bit(&self, k: usize) -> bool;
    /// Number of set bits in `range`.
    fn count_ones_in(&self, range: Range<usize>) -> usize;
}

impl Bits for [u64] {
    #[inline]
    fn set_bit(&mut self, k: usize) {
        self[k / WORD] |= 1u64 << (k % WORD);
    }

    #[inline]
    fn bit(&self, k: usize) -> bool {
        self[k / WORD] >> (k % WORD) & 1 == 1
    }

    fn count_ones_in(&self, range: Range<usize>) -> usize {
        let mut n = 0;
        let mut b = range.start;
        while b < range.end {
            let (w, off) = (b / WORD, b % WORD);
            let len = (WORD - off).min(range.end - b);
            let mask = if len == WORD {
                u64::MAX
            } else {
                ((1u64 << len) - 1) << off
            };
            n += (self[w] & mask).count_ones() as usize;
            b += len;
        }
        n
    }
}

/// xxh3-128 of one packed pattern row, as `(high, low)` 64-bit halves.
pub fn key_of(bits: ArrayView1<u64>) -> (u64, u64) {
    let bytes: Vec<u8> = bits.iter().flat_map(|w| w.to_le_bytes()).collect();
    key_halves(xxhash_rust::xxh3::xxh3_128(&bytes))
}

/// The `(high, low)` 64-bit halves of a 128-bit key.
pub fn key_halves(key: u128) -> (u64, u64) {
    ((key >> 64) as u64, key as u64)
}

/// The 128-bit key of its `(high, low)` halves.
pub fn key_u128((high, low): (u64, u64)) -> u128 {
    (u128::from(high) << 64) | u128::from(low)
}

/// Keys as an `(n, 2)` array of (high, low) halves.
pub fn key_array(keys: &[(u64, u64)]) -> Array2<u64> {
    Array2::from_shape_fn(
        (keys.len(), 2),
        |(i, j)| {
            if j == 0 {
                keys[i].0
            } else {
                keys[i].1
            }
        },
    )
}

/// Keys of every row of `bits` (n x words), as an `(n, 2)` array of (high, low) halves.
pub fn keys(bits: ArrayView2<u64>) -> Array2<u64> {
    let pairs: Vec<(u64, u64)> = bits
        .axis_iter(Axis(0))
        .into_par_iter()
        .map(key_of)
        .collect();
    key_array(&pairs)
}

/// Unique keys: for each point the index of its key among the unique ones (in order of
/// first appearance), and how many points share each unique key.
pub struct Unique {
    pub inverse: Array1<i64>,
    pub counts: Array1<i64>,
    /// Index of the first point holding each unique key.
    pub first: Array1<i64>,
}

/// Groups the rows of `keys` (n x 2) by equality.
pub fn unique(keys: ArrayView2<u64>) -> Unique {
    let n = keys.nrows();
    let key = |i: usize| key_u128((keys[[i, 0]], keys[[i, 1]]));
    let mut order: Vec<usize> = (0..n).collect();
    order.par_sort_unstable_by_key(|&i| (key(i), i));
    // For each sorted run, the first point (smallest index) represents the run.
    let mut rep = vec![0usize; n];
    let mut firsts = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && key(order[end]) == key(order[start]) {
            end += 1;
        }
        for &p in &order[start..end] {
            rep[p] = order[start];
        }
        firsts.push(order[start]);
        start = end;
    }
    firsts.sort_unstable();
    let mut label = vec![usize::MAX; n];
    for (u, &f) in firsts.iter().enumerate() {
        label[f] = u;
    }
    let mut counts = Array1::<i64>::zeros(firsts.len());
    let inverse = Array1::from_iter((0..n).map(|p| {
        let u = label[rep[p]];
        counts[u] += 1;
        u as i64
    }));
    Unique {
        inverse,
        counts,
        first: Array1::from_iter(firsts.iter().map(|&f| f as i64)),
    }
}

#[cfg(test)]
mod tests {
    use super::{key_array, key_halves, key_of, key_u128, n_words, Bits};
    use ndarray::ArrayView1;

    #[test]
    fn count_ones_in_matches_a_bit_by_bit_count() {
        let bits = [0xF0F0_1234_8000_0001u64, u64::MAX, 0x5555_5555_5555_5555];
        for from in [0, 1, 5, 63, 64, 65, 100, 128] {
            for to in from..=192 {
                let naive = (from..to).filter(|&b| bits.bit(b)).count();
                assert_eq!(bits.count_ones_in(from..to), naive, "{from}..{to}");
            }
        }
    }

    #[test]
    fn set_bit_sets_exactly_one_bit_where_bit_reads_it() {
        for k in [0, 1, 63, 64, 65, 127, 128, 191] {
            let mut bits = vec![0u64; n_words(192)];
            bits.set_bit(k);
            assert_eq!(bits.iter().map(|w| w.count_ones()).sum::<u32>(), 1);
            assert!(bits.bit(k));
            assert_eq!(bits[k / 64], 1u64 << (k % 64), "bit {k}");
        }
        assert_eq!((n_words(0), n_words(64), n_words(65)), (1, 1, 2));
    }

    #[test]
    fn key_halves_and_u128_are_inverse_and_high_first() {
        let k = key_of(ArrayView1::from(&[5u64, 7]));
        assert_eq!(key_halves(key_u128(k)), k);
        let x = 0x0123_4567_89AB_CDEF_FEDC_BA98_7654_3210u128;
        assert_eq!(
            key_halves(x),
            (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210)
        );
        assert_eq!(key_u128(key_halves(x)), x);
        let arr = key_array(&[key_halves(x), (1, 2)]);
        assert_eq!(
            arr.row(0).to_vec(),
            [0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210]
        );
        assert_eq!(arr.row(1).to_vec(), [1, 2]);
    }
}
