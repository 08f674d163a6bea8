//! Which residents of a batch have anything to draw or do this week, as
//! bit masks, and the work lists made from them. The response pass visits
//! only the listed residents (about two in five); the rest are skipped.
//!
//! Must not: decide anything about a resident. It reads their open needs,
//! whether they volunteer and whether an offer reached them, nothing else.

use crate::model::residents::PARTICIPATING;

/// 64-bit words that hold a bit for each resident of a batch of up to
/// `BATCH` residents.
pub const fn words(batch: usize) -> usize {
    batch.div_ceil(64)
}

/// What tells whether the residents of a batch are busy.
pub struct Batch<'a> {
    /// Their open needs the agency knows of, `domains` per resident.
    pub reported: &'a [u8],
    /// Their hidden open needs, `domains` per resident.
    pub hidden: &'a [u8],
    /// Service domains.
    pub domains: usize,
    /// Their [`crate::model::Residents::traits`], one per resident.
    pub traits: &'a [u8],
    /// Whether an offer to volunteer reached them this week, one per resident.
    pub offered: &'a [bool],
}

/// Sets bit `j` of `in_need` (bit `j % 64` of word `j / 64`) for each
/// resident `j` of `batch` with open needs, and of `acting` for each who
/// volunteers or has an offer. Both masks must start all 0 and hold at
/// least `words(batch.traits.len())` words.
///
/// Residents go 16 at a time through 128-bit vector compares where the
/// processor is x86-64 and there are four domains (the usual count); the
/// rest one at a time, with the same result.
pub fn mark(batch: &Batch<'_>, in_need: &mut [u64], acting: &mut [u64]) {
    let Batch {
        reported,
        hidden,
        domains,
        traits,
        offered,
    } = *batch;
    let len = traits.len();
    debug_assert!(reported.len() == len * domains && hidden.len() == len * domains);
    debug_assert!(offered.len() == len);
    let done = mark_sixteen_at_a_time(batch, in_need, acting);
    for j in done..len {
        let slots = j * domains..(j + 1) * domains;
        let needs = reported[slots.clone()]
            .iter()
            .chain(&hidden[slots])
            .any(|&count| count != 0);
        let acts = traits[j] & PARTICIPATING != 0 || offered[j];
        in_need[j / 64] |= u64::from(needs) << (j % 64);
        acting[j / 64] |= u64::from(acts) << (j % 64);
    }
}

/// [`mark`] for the residents of whole groups of 16 from the start of the
/// batch, where that can go 16 at a time; returns how many it marked.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn mark_sixteen_at_a_time(batch: &Batch<'_>, in_need: &mut [u64], acting: &mut [u64]) -> usize {
    let Batch {
        reported,
        hidden,
        domains,
        traits,
        offered,
    } = *batch;
    if domains != 4 {
        return 0;
    }
    let mut j = 0;
    while j + 16 <= traits.len() {
        let (needs, acts) = sse2::sixteen(
            &reported[j * 4..][..64],
            &hidden[j * 4..][..64],
            &traits[j..][..16],
            &offered[j..][..16],
        );
        // 16 residents starting at a multiple of 16 fit in one word.
        in_need[j / 64] |= u64::from(needs) << (j % 64);
        acting[j / 64] |= u64::from(acts) << (j % 64);
        j += 16;
    }
    j
}

/// Elsewhere every resident is marked one at a time.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn mark_sixteen_at_a_time(_: &Batch<'_>, _: &mut [u64], _: &mut [u64]) -> usize {
    0
}

/// Writes the place of each set bit of `mask`, in increasing order, to
/// the front of `list`, and returns how many there are. `list` must be
/// long enough.
pub fn list(mask: &[u64], list: &mut [u16]) -> usize {
    let mut count = 0;
    for (w, &word) in mask.iter().enumerate() {
        let mut bits = word;
        while bits != 0 {
            list[count] = (w * 64) as u16 + bits.trailing_zeros() as u16;
            count += 1;
            bits &= bits - 1;
        }
    }
    count
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use super::PARTICIPATING;
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_castsi128_ps, _mm_cmpeq_epi8, _mm_cmpeq_epi32, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_movemask_ps, _mm_or_si128, _mm_set1_epi8, _mm_setzero_si128,
    };

    /// 16 bytes of `bytes` from `at`, as a vector.
    #[inline(always)]
    fn load(bytes: &[u8], at: usize) -> __m128i {
        let sixteen = &bytes[at..at + 16];
        // SAFETY: `sixteen` is 16 readable bytes, and the load takes any
        // alignment; SSE2 is part of every x86-64 processor.
        unsafe { _mm_loadu_si128(sixteen.as_ptr().cast()) }
    }

    /// For 16 residents with four domains each (`reported` and `hidden`
    /// 64 bytes, `traits` and `offered` 16): bit `k` of the first word is
    /// set where resident `k` has open needs, of the second where they
    /// volunteer or have an offer.
    #[inline(always)]
    pub fn sixteen(reported: &[u8], hidden: &[u8], traits: &[u8], offered: &[bool]) -> (u16, u16) {
        // SAFETY: SSE2 is part of every x86-64 processor, so its
        // instructions may run anywhere this is compiled; the loads stay
        // within the slices (`load`).
        unsafe {
            let zero = _mm_setzero_si128();
            let mut needs = 0;
            for quarter in 0..4 {
                // Four residents' counts, one 32-bit lane each: a lane equal to
                // 0 has no open needs.
                let open = _mm_or_si128(load(reported, 16 * quarter), load(hidden, 16 * quarter));
                let none = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(open, zero)));
                needs |= (!none & 0b1111) << (4 * quarter);
            }
            // A `bool` is one byte, 0 or 1.
            let offered: &[u8] = std::slice::from_raw_parts(offered.as_ptr().cast(), offered.len());
            let participating = _mm_and_si128(load(traits, 0), _mm_set1_epi8(PARTICIPATING as i8));
            let busy = _mm_or_si128(participating, load(offered, 0));
            let idle = _mm_movemask_epi8(_mm_cmpeq_epi8(busy, zero));
            (needs as u16, !idle as u16)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The marks one resident at a time, as the plain definition says.
    fn plain(
        reported: &[u8],
        hidden: &[u8],
        d: usize,
        traits: &[u8],
        offered: &[bool],
    ) -> (Vec<u16>, Vec<u16>) {
        let (mut in_need, mut acting) = (vec![], vec![]);
        for j in 0..traits.len() {
            if reported[j * d..(j + 1) * d]
                .iter()
                .chain(&hidden[j * d..(j + 1) * d])
                .any(|&c| c > 0)
            {
                in_need.push(j as u16);
            }
            if traits[j] & PARTICIPATING != 0 || offered[j] {
                acting.push(j as u16);
            }
        }
        (in_need, acting)
    }

    #[test]
    fn the_lists_hold_exactly_the_busy_residents_in_order() {
        // A small generator of our own: the test must not depend on the
        // model's streams.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for d in [1, 3, 4, 8] {
            // Batch lengths that leave tails of every size after the
            // groups of 16, and the longest batch.
            for len in [0, 1, 15, 16, 17, 63, 64, 65, 200, 256] {
                let bytes = |next: &mut dyn FnMut() -> u64, n: usize| -> Vec<u8> {
                    // Mostly 0, sometimes a count in any bit of the byte.
                    (0..n)
                        .map(|_| {
                            if next().is_multiple_of(4) {
                                1 << (next() % 8)
                            } else {
                                0
                            }
                        })
                        .collect()
                };
                let reported = bytes(&mut next, len * d);
                let hidden = bytes(&mut next, len * d);
                let traits: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let offered: Vec<bool> = (0..len).map(|_| next().is_multiple_of(5)).collect();
                let (mut need_mask, mut act_mask) = ([0; 4], [0; 4]);
                let batch = Batch {
                    reported: &reported,
                    hidden: &hidden,
                    domains: d,
                    traits: &traits,
                    offered: &offered,
                };
                mark(&batch, &mut need_mask, &mut act_mask);
                let (mut in_need, mut acting) = ([0; 256], [0; 256]);
                let n = list(&need_mask[..words(len)], &mut in_need);
                let a = list(&act_mask[..words(len)], &mut acting);
                let (want_need, want_act) = plain(&reported, &hidden, d, &traits, &offered);
                assert_eq!(in_need[..n], want_need[..], "{d} domains, {len} residents");
                assert_eq!(acting[..a], want_act[..], "{d} domains, {len} residents");
            }
        }
    }
}
