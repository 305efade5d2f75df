//! The CPU-heavy work of `distributed_compute`, in steps small enough that
//! progress can be reported and cancellation can land between them: a
//! segmented prime sieve and singular values by one-sided Jacobi rotations.

/// Numbers sieved per step (one segment).
pub const SEGMENT: u64 = 1 << 20;
/// Largest sieve limit accepted.
pub const MAX_LIMIT: u64 = 2_000_000_000;
/// Largest matrix side accepted.
pub const MAX_SIDE: usize = 400;

/// The primes up to `sqrt(limit)`, which sieve every segment.
pub fn base_primes(limit: u64) -> Vec<u64> {
    let root = (limit as f64).sqrt() as usize + 1;
    let mut composite = vec![false; root + 1];
    let mut primes = Vec::new();
    for n in 2..=root {
        if !composite[n] {
            primes.push(n as u64);
            for multiple in (n * n..=root).step_by(n) {
                composite[multiple] = true;
            }
        }
    }
    primes
}

/// The primes in `[low, high)`: how many, and the largest.
pub fn sieve_segment(low: u64, high: u64, base: &[u64]) -> (u64, Option<u64>) {
    let low = low.max(2);
    if high <= low {
        return (0, None);
    }
    let mut composite = vec![false; (high - low) as usize];
    for &p in base {
        if p * p >= high {
            break;
        }
        let first = (low.div_ceil(p) * p).max(p * p);
        for multiple in (first..high).step_by(p as usize) {
            composite[(multiple - low) as usize] = true;
        }
    }
    let mut count = 0;
    let mut largest = None;
    for (offset, is_composite) in composite.iter().enumerate() {
        if !is_composite {
            count += 1;
            largest = Some(low + offset as u64);
        }
    }
    (count, largest)
}

/// A matrix kept by columns, being orthogonalised.
pub struct Jacobi {
    columns: Vec<Vec<f64>>,
}

impl Jacobi {
    /// From rows (every row the same length, at most [`MAX_SIDE`]).
    pub fn from_rows(rows: &[Vec<f64>]) -> Result<Self, String> {
        let width = rows.first().map_or(0, Vec::len);
        if rows.is_empty() || width == 0 {
            return Err("the matrix is empty".into());
        }
        if rows.len() > MAX_SIDE || width > MAX_SIDE {
            return Err(format!("the matrix is larger than {MAX_SIDE}×{MAX_SIDE}"));
        }
        if rows.iter().any(|r| r.len() != width) {
            return Err("the rows differ in length".into());
        }
        if rows.iter().flatten().any(|x| !x.is_finite()) {
            return Err("the matrix holds a value that is not a finite number".into());
        }
        Ok(Self { columns: (0..width).map(|c| rows.iter().map(|r| r[c]).collect()).collect() })
    }

    /// A `side`×`side` matrix of pseudo-random values from `seed`.
    pub fn random(side: usize, seed: u64) -> Result<Self, String> {
        if side == 0 || side > MAX_SIDE {
            return Err(format!("the side is 1 to {MAX_SIDE}"));
        }
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        Ok(Self { columns: (0..side).map(|_| (0..side).map(|_| next()).collect()).collect() })
    }

    /// The matrix's side (columns).
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// One sweep of rotations over every pair of columns; the number of
    /// rotations made (none: converged).
    pub fn sweep(&mut self) -> usize {
        let mut rotations = 0;
        let n = self.columns.len();
        for i in 0..n {
            for j in i + 1..n {
                let (left, right) = self.columns.split_at_mut(j);
                let (a, b) = (&mut left[i], &mut right[0]);
                let alpha: f64 = a.iter().map(|x| x * x).sum();
                let beta: f64 = b.iter().map(|x| x * x).sum();
                let gamma: f64 = a.iter().zip(b.iter()).map(|(x, y)| x * y).sum();
                if gamma.abs() <= 1e-12 * (alpha * beta).sqrt() || gamma == 0.0 {
                    continue;
                }
                let zeta = (beta - alpha) / (2.0 * gamma);
                let t = zeta.signum() / (zeta.abs() + (1.0 + zeta * zeta).sqrt());
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = c * t;
                for (x, y) in a.iter_mut().zip(b.iter_mut()) {
                    let (xa, yb) = (*x, *y);
                    *x = c * xa - s * yb;
                    *y = s * xa + c * yb;
                }
                rotations += 1;
            }
        }
        rotations
    }

    /// The singular values, largest first (the columns' norms once
    /// orthogonal).
    pub fn singular_values(&self) -> Vec<f64> {
        let mut values: Vec<f64> = self.columns.iter().map(|c| c.iter().map(|x| x * x).sum::<f64>().sqrt()).collect();
        values.sort_by(|a, b| b.total_cmp(a));
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sieve_counts_primes() {
        let base = base_primes(100);
        assert_eq!(sieve_segment(0, 101, &base), (25, Some(97)));
        let base = base_primes(1_000_000);
        let total: u64 = (0..1_000_000u64).step_by(100_000).map(|low| sieve_segment(low, low + 100_000, &base).0).sum();
        assert_eq!(total, 78_498, "π(10⁶)");
    }

    #[test]
    fn singular_values_of_a_known_matrix() {
        let mut m = Jacobi::from_rows(&[vec![3.0, 0.0], vec![4.0, 5.0]]).unwrap();
        while m.sweep() > 0 {}
        let values = m.singular_values();
        assert!((values[0] - 45f64.sqrt()).abs() < 1e-9 && (values[1] - 5f64.sqrt()).abs() < 1e-9, "{values:?}");
        assert!(Jacobi::from_rows(&[vec![1.0], vec![1.0, 2.0]]).is_err());
        assert!(Jacobi::random(MAX_SIDE + 1, 1).is_err());
    }
}
