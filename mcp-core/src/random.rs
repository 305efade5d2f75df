//! Random values straight from the operating system (`getrandom`): session
//! ids, nonces, keys, stream and task ids. None is drawn per request of the
//! common path, so a system call each costs nothing that shows, and no
//! random-number generator (and its dependencies) is built.

/// `N` random bytes. Panics only when the operating system cannot give any,
/// where no id could be made safely.
pub(crate) fn bytes<const N: usize>() -> [u8; N] {
    let mut buffer = [0; N];
    getrandom::fill(&mut buffer).expect("the operating system's random source failed");
    buffer
}

/// A random `u32`.
pub(crate) fn u32() -> u32 {
    u32::from_ne_bytes(bytes())
}

/// A random `u64`.
pub(crate) fn u64() -> u64 {
    u64::from_ne_bytes(bytes())
}

/// A random `u128`.
pub(crate) fn u128() -> u128 {
    u128::from_ne_bytes(bytes())
}

#[cfg(test)]
mod tests {
    #[test]
    fn draws_differ() {
        assert_ne!(super::u128(), super::u128());
        assert_ne!(super::bytes::<32>(), [0; 32]);
    }
}
