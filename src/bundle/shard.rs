//! `--shard K/N`: which bundles of a batch one of N processes takes.
//!
//! A bundle belongs to share `crc32(key) mod N` (numbered from 1 on the
//! command line), where the key is its name within the input it was found
//! in. CRC-32 is fixed by its standard, unlike std's randomly seeded
//! hasher, so every process on every machine, and every run, agrees on
//! which share holds a bundle: the N shares are disjoint and together hold
//! every bundle, whatever order or path the inputs are given in.

use std::fmt;
use std::path::{Component, Path};
use std::str::FromStr;

/// The K-th of N shares (1 <= K <= N).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u32,
    count: u32,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a shard: {why} (expected K/N with 1 <= K <= N, e.g. 2/8)")]
pub struct ShardParseError {
    text: String,
    why: &'static str,
}

impl Shard {
    /// The K-th of N shares; `None` unless 1 <= K <= N.
    pub fn new(index: u32, count: u32) -> Option<Shard> {
        (1..=count)
            .contains(&index)
            .then_some(Shard { index, count })
    }

    /// Parses `K/N`.
    pub fn parse(text: &str) -> Result<Shard, ShardParseError> {
        let error = |why| ShardParseError {
            text: text.to_string(),
            why,
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(|| error("no '/'"))?;
        let k: u32 = k.trim().parse().map_err(|_| error("K is not a number"))?;
        let n: u32 = n.trim().parse().map_err(|_| error("N is not a number"))?;
        if n == 0 {
            return Err(error("N must be at least 1"));
        }
        Shard::new(k, n).ok_or_else(|| error("K must be between 1 and N"))
    }

    /// Whether the bundle with this key (see [`shard_key`]) is in this share.
    pub fn holds(&self, key: &str) -> bool {
        crc32fast::hash(key.as_bytes()) % self.count == self.index - 1
    }
}

impl FromStr for Shard {
    type Err = ShardParseError;
    fn from_str(text: &str) -> Result<Shard, ShardParseError> {
        Shard::parse(text)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// The name a bundle is sharded by: its path relative to the input it was
/// found in (`case17.zip`, `2024/case3`), or, for an input that is itself
/// one bundle, the input's last component. Where the batch is mounted on
/// each machine (`/mnt/incoming` or `./incoming`) therefore does not
/// matter. Components are joined with `/` on every platform.
pub fn shard_key(input: &Path, bundle: &Path) -> String {
    let relative = match bundle.strip_prefix(input) {
        Ok(rest) if rest.as_os_str().is_empty() => last_component(input),
        Ok(rest) => Some(rest),
        Err(_) => None,
    };
    let path = relative.unwrap_or(bundle);
    let parts: Vec<String> = path
        .components()
        .filter_map(|component| match component {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        // `/` or `.`: nothing to tell bundles apart by but the path itself.
        bundle.to_string_lossy().into_owned()
    } else {
        parts.join("/")
    }
}

/// The last normal component (`incoming` of `/mnt/incoming/`).
fn last_component(path: &Path) -> Option<&Path> {
    path.components()
        .rev()
        .find_map(|component| match component {
            Component::Normal(part) => Some(Path::new(part)),
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_k_of_n_and_refuses_the_rest() {
        assert_eq!(Shard::parse("2/8"), Ok(Shard { index: 2, count: 8 }));
        assert_eq!(Shard::parse(" 1 / 1 ").unwrap().to_string(), "1/1");
        for bad in ["0/3", "4/3", "1/0", "3", "a/3", "1/b", "-1/3", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_key_is_in_exactly_one_share() {
        for n in 1..=7 {
            for i in 0..500 {
                let key = format!("case{i}.zip");
                let holders = (1..=n)
                    .filter(|&k| Shard::new(k, n).unwrap().holds(&key))
                    .count();
                assert_eq!(holders, 1, "{key} in {n} shares");
            }
        }
    }

    #[test]
    fn shares_are_fixed_by_crc32() {
        // CRC-32 of "case1.zip" is fixed by the standard, so this never moves.
        let crc = crc32fast::hash(b"case1.zip");
        let share = crc % 4 + 1;
        assert!(Shard::new(share, 4).unwrap().holds("case1.zip"));
        // The standard check value of CRC-32.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn shares_are_roughly_even() {
        let counts: Vec<usize> = (1..=4)
            .map(|k| {
                let shard = Shard::new(k, 4).unwrap();
                (0..2000)
                    .filter(|i| shard.holds(&format!("batch/case{i}.zip")))
                    .count()
            })
            .collect();
        assert!(
            counts.iter().all(|&c| (350..650).contains(&c)),
            "{counts:?}"
        );
    }

    #[test]
    fn keys_do_not_depend_on_where_the_batch_lies() {
        assert_eq!(
            shard_key(
                Path::new("/mnt/incoming"),
                Path::new("/mnt/incoming/case17.zip")
            ),
            "case17.zip"
        );
        assert_eq!(
            shard_key(Path::new("incoming/"), Path::new("incoming/2024/case3")),
            "2024/case3"
        );
        assert_eq!(
            shard_key(Path::new("/data/one.zip"), Path::new("/data/one.zip")),
            "one.zip"
        );
        assert_eq!(shard_key(Path::new("."), Path::new(".")), ".");
    }
}
