//! Argon2id password hashing with the parameters kept in each stored hash (PHC string format).

use crate::crypto::random_bytes;
use crate::error::{Result, SecurityError};
use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, CustomizedPasswordHasher, Params, PasswordVerifier, Version};

/// Argon2id cost parameters.
///
/// | Name | Default | Purpose | Range |
/// |---|---|---|---|
/// | `memory_kib` | 19456 (19 MiB) | memory per hash, the main cost against GPUs | >= 8 x `parallelism` |
/// | `iterations` | 2 | passes over the memory | >= 1 |
/// | `parallelism` | 1 | lanes | 1 ..= 255 |
///
/// The default is OWASP's minimum for Argon2id. Raising any value makes
/// [`PasswordParams::is_weaker_than`] true for older hashes, and a successful login rehashes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordParams {
    /// Memory in KiB.
    pub memory_kib: u32,
    /// Number of passes.
    pub iterations: u32,
    /// Number of lanes.
    pub parallelism: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self::OWASP_MINIMUM
    }
}

impl PasswordParams {
    /// OWASP's minimum for Argon2id: m = 19 MiB, t = 2, p = 1.
    pub const OWASP_MINIMUM: Self = Self { memory_kib: 19_456, iterations: 2, parallelism: 1 };

    /// A cheap profile for tests and development only (m = 64 KiB, t = 1): never for production.
    pub const INSECURE_FAST: Self = Self { memory_kib: 64, iterations: 1, parallelism: 1 };

    /// Whether hashes made with `self` are cheaper than `target` in any dimension.
    pub fn is_weaker_than(&self, target: &Self) -> bool {
        self.memory_kib < target.memory_kib
            || self.iterations < target.iterations
            || self.parallelism < target.parallelism
    }

    fn to_argon2(self) -> Result<Params> {
        Params::new(self.memory_kib, self.iterations, self.parallelism, None).map_err(|e| {
            SecurityError::Core(forecast_core::Error::InvalidParam {
                name: "password params",
                value: format!("{self:?}: {e}"),
                expected: "memory_kib >= 8 x parallelism, iterations >= 1, 1 <= parallelism <= 255",
            })
        })
    }
}

/// A stored password hash: the PHC string (`$argon2id$v=19$m=..,t=..,p=..$salt$hash`) and its parameters.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredHash {
    /// The PHC string.
    pub phc: String,
    /// The parameters it was made with.
    pub params: PasswordParams,
}

impl std::fmt::Debug for StoredHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredHash").field("params", &self.params).finish_non_exhaustive()
    }
}

/// Hash `password` with Argon2id, a fresh 16-byte salt from the OS and `params`.
///
/// # Errors
/// Invalid parameters, or the OS random source failing.
pub fn hash_password(password: &str, params: PasswordParams) -> Result<StoredHash> {
    let salt = random_bytes::<16>()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.to_argon2()?);
    let hash = argon
        .hash_password_with_params(password.as_bytes(), &salt, params.to_argon2()?)
        .map_err(|e| SecurityError::backend("argon2", e))?;
    Ok(StoredHash { phc: hash.to_string(), params })
}

/// Whether `password` matches the PHC string `phc`, using the parameters stored in it.
///
/// # Errors
/// A malformed PHC string (a wrong password is `Ok(false)`).
pub fn verify_password(password: &str, phc: &str) -> Result<bool> {
    let parsed = PasswordHash::new(phc).map_err(|e| SecurityError::backend("argon2 (phc string)", e))?;
    match Argon2::default().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(SecurityError::backend("argon2", e)),
    }
}

/// The parameters recorded in a PHC string.
///
/// # Errors
/// A malformed PHC string.
pub fn params_of(phc: &str) -> Result<PasswordParams> {
    let parsed = PasswordHash::new(phc).map_err(|e| SecurityError::backend("argon2 (phc string)", e))?;
    let p = Params::try_from(&parsed).map_err(|e| SecurityError::backend("argon2 (phc params)", e))?;
    Ok(PasswordParams { memory_kib: p.m_cost(), iterations: p.t_cost(), parallelism: p.p_cost() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_parameters_in_the_string() {
        let h = hash_password("correct horse battery", PasswordParams::INSECURE_FAST).unwrap();
        assert!(h.phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{}", h.phc);
        assert_eq!(params_of(&h.phc).unwrap(), PasswordParams::INSECURE_FAST);
        assert!(verify_password("correct horse battery", &h.phc).unwrap());
        assert!(!verify_password("correct horse batterY", &h.phc).unwrap());
        assert!(verify_password("x", "not a phc string").is_err());
        // Same password, fresh salt, different string.
        assert_ne!(h.phc, hash_password("correct horse battery", PasswordParams::INSECURE_FAST).unwrap().phc);
    }

    #[test]
    fn owasp_default_parameters_hash_and_verify() {
        let params = PasswordParams::default();
        assert_eq!((params.memory_kib, params.iterations, params.parallelism), (19_456, 2, 1));
        let h = hash_password("a long enough passphrase", params).unwrap();
        assert!(h.phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", h.phc);
        assert!(verify_password("a long enough passphrase", &h.phc).unwrap());
    }

    #[test]
    fn weaker_means_cheaper_in_any_dimension() {
        let base = PasswordParams::OWASP_MINIMUM;
        assert!(!base.is_weaker_than(&base));
        assert!(PasswordParams::INSECURE_FAST.is_weaker_than(&base));
        assert!(base.is_weaker_than(&PasswordParams { iterations: 3, ..base }));
        assert!(!PasswordParams { memory_kib: 65_536, ..base }.is_weaker_than(&base));
        assert!(hash_password("x", PasswordParams { memory_kib: 1, iterations: 0, parallelism: 1 }).is_err());
    }
}
