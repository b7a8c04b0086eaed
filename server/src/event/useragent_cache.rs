//! A small bounded cache of User-Agent parse results. Parsing runs a few
//! dozen regexes; a site's events come from comparatively few distinct
//! User-Agents, so results are kept per string. The cache is sharded to
//! keep lock hold times short under concurrent requests, each shard evicts
//! its least recently used entry when full, and very long strings (which are
//! unlikely to repeat) are parsed without being cached.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{LazyLock, Mutex};

use super::useragent::{parse_user_agent, Client};

const SHARDS: usize = 8;
const PER_SHARD: usize = 128;
/// Longest User-Agent that is cached; real browsers' are 100–300 bytes.
const MAX_KEY: usize = 512;

#[derive(Default)]
struct Shard {
    entries: HashMap<Box<str>, (Client, u64)>,
    clock: u64,
}

struct Cache {
    hasher: RandomState,
    shards: [Mutex<Shard>; SHARDS],
}

static CACHE: LazyLock<Cache> = LazyLock::new(|| Cache { hasher: RandomState::new(), shards: Default::default() });

/// Returns [`parse_user_agent`]'s result for `ua`, from the cache when possible.
pub fn parse(ua: &str) -> Client {
    if ua.len() > MAX_KEY {
        return parse_user_agent(ua);
    }
    let cache = &*CACHE;
    let shard = &cache.shards[cache.hasher.hash_one(ua) as usize % SHARDS];
    {
        let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
        shard.clock += 1;
        let now = shard.clock;
        if let Some((client, used)) = shard.entries.get_mut(ua) {
            *used = now;
            return client.clone();
        }
    }
    // Parse outside the lock; two threads may both parse a new agent, which is harmless.
    let client = parse_user_agent(ua);
    let mut shard = shard.lock().unwrap_or_else(|e| e.into_inner());
    if shard.entries.len() >= PER_SHARD {
        let oldest = shard.entries.iter().min_by_key(|(_, (_, used))| *used).map(|(k, _)| k.clone());
        if let Some(oldest) = oldest {
            shard.entries.remove(&oldest);
        }
    }
    let now = shard.clock;
    shard.entries.insert(ua.into(), (client.clone(), now));
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_what_the_parser_returns_and_stays_bounded() {
        let chrome =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36";
        assert_eq!(parse(chrome), parse_user_agent(chrome));
        assert_eq!(parse(chrome), parse_user_agent(chrome), "from the cache");
        for i in 0..SHARDS * PER_SHARD * 2 {
            let ua = format!("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/{i}.0");
            assert_eq!(parse(&ua), parse_user_agent(&ua));
        }
        let cached: usize = CACHE.shards.iter().map(|s| s.lock().unwrap().entries.len()).sum();
        assert!(cached <= SHARDS * PER_SHARD, "{cached}");
        assert_eq!(parse(&"x".repeat(MAX_KEY + 1)), Client::default());
    }
}
