//! `RateLimiter`: GCRA (the generic cell rate algorithm) with a quota per key, bounded memory and
//! sharded locks.
//!
//! Each key keeps one number, its theoretical arrival time (TAT). With emission interval
//! `T = period / limit` and tolerance `tau = (burst - 1) * T`, a request at `now` is allowed when
//! `max(TAT, now) - now <= tau`, and then `TAT = max(TAT, now) + T`. A key whose TAT is in the past
//! is indistinguishable from a new key, so evicting it loses nothing: that bounds memory.

use crate::error::{Result, SecurityError};
use forecast_core::Clock;
use forecast_core::tenant::{ApiRate, TenantDirectory, TenantId, TenantStatus};
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How many requests a key may make: `limit` per `period`, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Requests per period.
    pub limit: u32,
    /// The period.
    pub period: Duration,
    /// Requests allowed back to back after a quiet spell (defaults to `limit`).
    pub burst: u32,
}

impl Quota {
    /// `limit` requests per `period`, all of them allowed in one burst.
    ///
    /// # Errors
    /// A zero limit, or a period shorter than `limit` nanoseconds.
    pub fn new(limit: u32, period: Duration) -> Result<Self> {
        let quota = Self { limit, period, burst: limit };
        quota.emission_ns()?;
        Ok(quota)
    }

    /// `limit` requests per minute (the default quota is 1000).
    ///
    /// # Errors
    /// A zero limit.
    pub fn per_minute(limit: u32) -> Result<Self> {
        Self::new(limit, Duration::from_secs(60))
    }

    /// `limit` requests per second.
    ///
    /// # Errors
    /// A zero limit.
    pub fn per_second(limit: u32) -> Result<Self> {
        Self::new(limit, Duration::from_secs(1))
    }

    /// Allow at most `burst` requests back to back.
    ///
    /// # Errors
    /// A zero burst.
    pub fn burst(mut self, burst: u32) -> Result<Self> {
        if burst == 0 {
            return Err(invalid("burst", burst.to_string(), ">= 1"));
        }
        self.burst = burst;
        Ok(self)
    }

    fn emission_ns(&self) -> Result<u64> {
        if self.limit == 0 {
            return Err(invalid("limit", "0".into(), ">= 1 request per period"));
        }
        let period = u64::try_from(self.period.as_nanos()).unwrap_or(u64::MAX);
        let t = period / u64::from(self.limit);
        if t == 0 {
            return Err(invalid("period", format!("{:?}", self.period), "at least `limit` nanoseconds"));
        }
        Ok(t)
    }

    /// The quota of a plan's API rate.
    ///
    /// # Errors
    /// A zero rate or burst, or a period shorter than one nanosecond per request.
    pub fn from_api_rate(rate: ApiRate) -> Result<Self> {
        Self::new(rate.requests, rate.period)?.burst(rate.burst)
    }

    fn cell(&self) -> Cell {
        // Validated on construction; a hand-built zero quota admits nothing rather than panicking.
        let emission = self.emission_ns().unwrap_or(u64::MAX);
        Cell { emission, tolerance: emission.saturating_mul(u64::from(self.burst.max(1)) - 1) }
    }
}

fn invalid(name: &'static str, value: String, expected: &'static str) -> SecurityError {
    forecast_core::Error::InvalidParam { name, value, expected }.into()
}

/// What a key identifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// A user.
    User,
    /// A tenant.
    Tenant,
    /// An API key.
    ApiKey,
}

/// A hashed key, made by [`RateLimiter::key`]; cheap to copy, so hot paths hash a name once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RateKey {
    hash: u64,
    kind: KeyKind,
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// Whether the request may proceed.
    pub allowed: bool,
    /// Requests still allowed right now after this one.
    pub remaining: u32,
    /// When denied, how long until a request would be allowed (zero when allowed).
    pub retry_after: Duration,
}

/// Settings of a [`RateLimiter`].
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `user`, `tenant`, `api_key` | 1000 / min | quota of a key of that kind without its own | valid [`Quota`] |
/// | `max_keys` | 100 000 | keys tracked at once; idle keys are evicted first | >= `shards` |
/// | `shards` | 64 | independent locks (rounded up to a power of two) | >= 1 |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimiterConfig {
    /// Default quota of user keys.
    pub user: Quota,
    /// Default quota of tenant keys.
    pub tenant: Quota,
    /// Default quota of API keys.
    pub api_key: Quota,
    /// Most keys tracked.
    pub max_keys: usize,
    /// Lock shards.
    pub shards: usize,
}

impl Default for RateLimiterConfig {
    fn default() -> Self {
        let q = Quota { limit: 1000, period: Duration::from_secs(60), burst: 1000 };
        Self { user: q, tenant: q, api_key: q, max_keys: 100_000, shards: 64 }
    }
}

#[derive(Debug, Clone, Copy)]
struct Cell {
    emission: u64,
    tolerance: u64,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    tat: u64,
    cell: Cell,
}

/// Keys are already uniform hashes: use them as they are.
#[derive(Debug, Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[derive(Debug, Default)]
struct Shard {
    slots: HashMap<u64, Slot, BuildHasherDefault<PassThrough>>,
    /// Latest clock reading seen, so time never runs backwards inside a shard.
    last_now: u64,
}

/// A shard on its own cache line, so threads on different shards do not share one.
#[derive(Debug, Default)]
#[repr(align(64))]
struct Padded(Mutex<Shard>);

/// A thread-safe GCRA rate limiter with per-key quotas (see the module docs).
#[derive(Debug)]
pub struct RateLimiter {
    shards: Box<[Padded]>,
    shard_mask: u64,
    per_shard_cap: usize,
    config: RateLimiterConfig,
    overrides: RwLock<HashMap<u64, Cell>>,
    clock: Arc<dyn Clock>,
    /// The clock at construction, as (seconds, nanoseconds) since the Unix epoch.
    epoch: (i64, u32),
    hasher: RandomState,
    /// Where tenants' plan rates and statuses come from, and how long a reading is trusted.
    tenants: Option<(Arc<dyn TenantDirectory>, Duration)>,
    /// Per tenant key: when its plan was last read (ns on the limiter's clock) and whether it was active.
    plan_readings: RwLock<HashMap<u64, (u64, bool)>>,
}

impl RateLimiter {
    /// A limiter reading time from `clock`.
    ///
    /// # Errors
    /// An invalid default quota.
    pub fn new(config: RateLimiterConfig, clock: Arc<dyn Clock>) -> Result<Self> {
        for q in [config.user, config.tenant, config.api_key] {
            q.emission_ns()?;
        }
        let n = config.shards.clamp(1, 1 << 16).next_power_of_two();
        let per_shard_cap = config.max_keys.div_ceil(n).max(1);
        let start = clock.now();
        let epoch = (start.timestamp(), start.timestamp_subsec_nanos());
        Ok(Self {
            shards: (0..n).map(|_| Padded::default()).collect(),
            shard_mask: n as u64 - 1,
            per_shard_cap,
            config,
            overrides: RwLock::new(HashMap::new()),
            clock,
            epoch,
            hasher: RandomState::new(),
            tenants: None,
            plan_readings: RwLock::new(HashMap::new()),
        })
    }

    /// Feed tenants' plan rates into their keys: [`RateLimiter::check_tenant`] reads the
    /// tenant's [`ApiRate`] (and status) from `directory`, again after `refresh` has passed, so a
    /// plan change applies within `refresh`. A tenant that is not active, or whose plan cannot
    /// be read, is refused.
    pub fn with_tenants(mut self, directory: Arc<dyn TenantDirectory>, refresh: Duration) -> Self {
        self.tenants = Some((directory, refresh));
        self
    }

    /// Decide one request of `tenant` under its plan's API rate (see
    /// [`RateLimiter::with_tenants`]; without a directory, the tenant default applies).
    pub fn check_tenant(&self, tenant: &TenantId) -> RateDecision {
        let key = self.key(KeyKind::Tenant, tenant.as_str());
        if let Some((directory, refresh)) = &self.tenants {
            let now = self.now_ns();
            let refresh = u64::try_from(refresh.as_nanos()).unwrap_or(u64::MAX);
            let reading = self.plan_readings.read().unwrap_or_else(|e| e.into_inner()).get(&key.hash).copied();
            let active = match reading {
                Some((at, active)) if now.saturating_sub(at) < refresh => active,
                _ => {
                    let active = self.read_plan(directory.as_ref(), tenant, key);
                    self.plan_readings.write().unwrap_or_else(|e| e.into_inner()).insert(key.hash, (now, active));
                    active
                }
            };
            if !active {
                return RateDecision { allowed: false, remaining: 0, retry_after: Duration::from_nanos(refresh) };
            }
        }
        self.check(key)
    }

    /// Read `tenant`'s status and plan rate into `key`'s quota; whether the tenant may be served.
    fn read_plan(&self, directory: &dyn TenantDirectory, tenant: &TenantId, key: RateKey) -> bool {
        if !matches!(directory.status(tenant), Ok(Some(TenantStatus::Active))) {
            return false;
        }
        match directory.api_rate(tenant).map(|r| r.map(Quota::from_api_rate)) {
            Ok(Some(Ok(quota))) => self.set_quota(key, quota),
            Ok(None) => self.clear_quota(key),
            Ok(Some(Err(_))) | Err(_) => return false,
        }
        true
    }

    /// The key for `name` of `kind`. Hashing uses a per-limiter random seed, so clients cannot
    /// aim collisions at one shard.
    pub fn key(&self, kind: KeyKind, name: &str) -> RateKey {
        RateKey { hash: self.hasher.hash_one((kind as u8, name)), kind }
    }

    /// Give `key` its own quota (e.g. a tenant's plan), replacing the kind's default.
    pub fn set_quota(&self, key: RateKey, quota: Quota) {
        let cell = quota.cell();
        self.overrides.write().unwrap_or_else(|e| e.into_inner()).insert(key.hash, cell);
        if let Some(slot) = self.shard(key).slots.get_mut(&key.hash) {
            slot.cell = cell;
        }
    }

    /// Return `key` to its kind's default quota.
    pub fn clear_quota(&self, key: RateKey) {
        self.overrides.write().unwrap_or_else(|e| e.into_inner()).remove(&key.hash);
        let cell = self.default_cell(key.kind);
        if let Some(slot) = self.shard(key).slots.get_mut(&key.hash) {
            slot.cell = cell;
        }
    }

    /// Decide one request of `key`, counting it when allowed. Allocation-free for known keys.
    pub fn check(&self, key: RateKey) -> RateDecision {
        let reading = self.now_ns();
        let mut shard = self.shard(key);
        let now = reading.max(shard.last_now);
        shard.last_now = now;
        if let Some(slot) = shard.slots.get_mut(&key.hash) {
            return gcra(slot, now);
        }
        self.admit_new(&mut shard, key, now)
    }

    /// First request of a key not tracked: make room if the shard is full, then decide.
    fn admit_new(&self, shard: &mut Shard, key: RateKey, now: u64) -> RateDecision {
        if shard.slots.len() >= self.per_shard_cap {
            shard.slots.retain(|_, s| s.tat > now);
        }
        if shard.slots.len() >= self.per_shard_cap {
            // Full of active keys: refuse newcomers rather than forget a key's debt.
            let wait = shard.slots.values().map(|s| s.tat - now).min().unwrap_or(0);
            return RateDecision { allowed: false, remaining: 0, retry_after: Duration::from_nanos(wait) };
        }
        let slot = shard.slots.entry(key.hash).or_insert(Slot { tat: 0, cell: self.cell_for(key) });
        gcra(slot, now)
    }

    /// Drop every idle key (one whose state equals a new key's); returns how many.
    pub fn evict_idle(&self) -> usize {
        let reading = self.now_ns();
        let mut evicted = 0;
        for shard in self.shards.iter() {
            let mut shard = shard.0.lock().unwrap_or_else(|e| e.into_inner());
            let now = reading.max(shard.last_now);
            let before = shard.slots.len();
            shard.slots.retain(|_, s| s.tat > now);
            evicted += before - shard.slots.len();
        }
        evicted
    }

    /// Number of keys tracked.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.0.lock().unwrap_or_else(|e| e.into_inner()).slots.len()).sum()
    }

    /// Whether no key is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, key: RateKey) -> std::sync::MutexGuard<'_, Shard> {
        // Bits 32.. pick the shard; the map inside uses the low bits for buckets.
        let i = ((key.hash >> 32) & self.shard_mask) as usize;
        self.shards[i].0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn default_cell(&self, kind: KeyKind) -> Cell {
        match kind {
            KeyKind::User => self.config.user,
            KeyKind::Tenant => self.config.tenant,
            KeyKind::ApiKey => self.config.api_key,
        }
        .cell()
    }

    fn cell_for(&self, key: RateKey) -> Cell {
        let overrides = self.overrides.read().unwrap_or_else(|e| e.into_inner());
        overrides.get(&key.hash).copied().unwrap_or_else(|| self.default_cell(key.kind))
    }

    /// Nanoseconds since the limiter was made; earlier readings count as 0. Plain integer
    /// arithmetic on the clock's seconds and nanoseconds: this runs on every decision.
    fn now_ns(&self) -> u64 {
        let t = self.clock.now();
        let secs = t.timestamp().saturating_sub(self.epoch.0);
        let nanos = i64::from(t.timestamp_subsec_nanos()) - i64::from(self.epoch.1);
        u64::try_from(secs.saturating_mul(1_000_000_000).saturating_add(nanos)).unwrap_or(0)
    }
}

/// The GCRA step of one request at `now`: allow and advance the TAT, or deny with the wait.
fn gcra(slot: &mut Slot, now: u64) -> RateDecision {
    let Cell { emission, tolerance } = slot.cell;
    let tat = slot.tat.max(now);
    let ahead = tat - now;
    if ahead > tolerance {
        return RateDecision { allowed: false, remaining: 0, retry_after: Duration::from_nanos(ahead - tolerance) };
    }
    slot.tat = tat.saturating_add(emission);
    let remaining = (tolerance - ahead) / emission;
    RateDecision { allowed: true, remaining: u32::try_from(remaining).unwrap_or(u32::MAX), retry_after: Duration::ZERO }
}
