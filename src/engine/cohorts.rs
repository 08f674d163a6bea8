//! Open needs by age, per neighbourhood and domain. The agency serves the
//! oldest reported needs first and waits `lag` ticks before acting; ages are
//! what waits are measured from.

use std::collections::VecDeque;

/// Ages above this are counted as this age.
pub const MAX_AGE: usize = 255;

/// Counts of open needs by age: index 0 arose this tick.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cohorts {
    by_age: VecDeque<u64>,
}

impl Cohorts {
    /// Ages every cohort by one tick and adds this tick's new needs.
    pub fn push_new(&mut self, count: u64) {
        self.by_age.push_front(count);
        if self.by_age.len() > MAX_AGE + 1 {
            let oldest = self.by_age.pop_back().unwrap_or(0);
            if let Some(last) = self.by_age.back_mut() {
                *last += oldest;
            }
        }
    }

    pub fn total(&self) -> u64 {
        self.by_age.iter().sum()
    }

    /// Needs at least `lag` ticks old.
    pub fn eligible(&self, lag: u32) -> u64 {
        self.by_age.iter().skip(lag as usize).sum()
    }

    /// Removes `count` needs, oldest first, adding each one's age to `waits`
    /// when given.
    pub fn take_oldest(&mut self, mut count: u64, mut waits: Option<&mut [u64]>) {
        for age in (0..self.by_age.len()).rev() {
            if count == 0 {
                break;
            }
            let taken = count.min(self.by_age[age]);
            self.by_age[age] -= taken;
            count -= taken;
            if let Some(w) = waits.as_deref_mut() {
                w[age.min(MAX_AGE)] += taken;
            }
        }
        while self.by_age.back() == Some(&0) {
            self.by_age.pop_back();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_oldest_first_and_records_waits() {
        let mut c = Cohorts::default();
        c.push_new(3); // will be age 2
        c.push_new(0);
        c.push_new(4); // age 0
        assert_eq!(c.total(), 7);
        assert_eq!(c.eligible(1), 3);
        let mut waits = vec![0; MAX_AGE + 1];
        c.take_oldest(5, Some(&mut waits));
        assert_eq!(&waits[..3], &[2, 0, 3]);
        assert_eq!(c.total(), 2);
    }
}
