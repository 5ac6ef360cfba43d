//! The journal's index of its segment files, with their total size kept as it changes: a roll
//! refused at the byte bound (every append, while a flood keeps the journal full) reads the
//! total without walking thousands of entries.

use std::collections::BTreeMap;
use std::ops::RangeBounds;

/// Every segment file the exporter may read: number → size in bytes.
#[derive(Debug, Default)]
pub(super) struct SegmentFiles {
    sizes: BTreeMap<u64, u64>,
    total: u64,
}

impl From<BTreeMap<u64, u64>> for SegmentFiles {
    fn from(sizes: BTreeMap<u64, u64>) -> Self {
        let total = sizes.values().sum();
        SegmentFiles { sizes, total }
    }
}

impl SegmentFiles {
    /// Adds segment `number` of `size` bytes (replacing its size if it was there).
    pub fn insert(&mut self, number: u64, size: u64) {
        if let Some(old) = self.sizes.insert(number, size) {
            self.total -= old;
        }
        self.total += size;
    }

    /// Removes segment `number`, if it was there.
    pub fn remove(&mut self, number: u64) {
        if let Some(old) = self.sizes.remove(&number) {
            self.total -= old;
        }
    }

    /// The sum of the sizes.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Whether segment `number` is there.
    pub fn contains(&self, number: u64) -> bool {
        self.sizes.contains_key(&number)
    }

    /// The numbers within `range`, in order.
    pub fn numbers(&self, range: impl RangeBounds<u64>) -> impl Iterator<Item = u64> + '_ {
        self.sizes.range(range).map(|(n, _)| *n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_follows_inserts_replacements_and_removals() {
        let mut f = SegmentFiles::from(BTreeMap::from([(1, 100), (2, 50)]));
        assert_eq!(f.total(), 150);
        f.insert(3, 25);
        f.insert(2, 10); // a size replaced
        assert_eq!(f.total(), 135);
        f.remove(1);
        f.remove(9); // not there: nothing changes
        assert_eq!(f.total(), 35);
        assert_eq!(f.numbers(..).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(f.numbers(3..).collect::<Vec<_>>(), [3]);
        assert!(f.contains(2) && !f.contains(1));
    }
}
