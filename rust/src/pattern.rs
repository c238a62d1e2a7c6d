//! Activation-pattern keys: a 128-bit hash per packed pattern, and unique counting.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};
use rayon::prelude::*;

/// xxh3-128 of one packed pattern row, as `(high, low)` 64-bit halves.
pub fn key_of(bits: ArrayView1<u64>) -> (u64, u64) {
    let bytes: Vec<u8> = bits.iter().flat_map(|w| w.to_le_bytes()).collect();
    let h = xxhash_rust::xxh3::xxh3_128(&bytes);
    ((h >> 64) as u64, h as u64)
}

/// Keys of every row of `bits` (n x words), as an `(n, 2)` array of (high, low) halves.
pub fn keys(bits: ArrayView2<u64>) -> Array2<u64> {
    let pairs: Vec<(u64, u64)> = bits
        .axis_iter(Axis(0))
        .into_par_iter()
        .map(key_of)
        .collect();
    let mut out = Array2::<u64>::zeros((pairs.len(), 2));
    for (i, (h, l)) in pairs.into_iter().enumerate() {
        out[[i, 0]] = h;
        out[[i, 1]] = l;
    }
    out
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
    let key = |i: usize| ((keys[[i, 0]] as u128) << 64) | keys[[i, 1]] as u128;
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
