//! Least-squares polynomial approximations of the logistic function
//! `sigma(x) = 1 / (1 + e^-x)` on an interval `[-R, R]`.
//!
//! The fit minimises `int_{-R}^{R} (sigma(x) - p(x))^2 dx` over polynomials of odd degree `d`
//! (uniform weight, the criterion of HELR). Since `sigma(x) - 1/2` is odd, the optimum is
//! `1/2` plus odd powers only; the normal equations are solved in the scaled variable
//! `t = x / R` (Gram entries `1 / (j + k + 1)`) with the right-hand sides integrated by
//! composite Simpson's rule, then mapped back to powers of `x`.

/// The logistic function.
pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// A polynomial `p(x) = sum_k c_k x^k` approximating the logistic function on `[-R, R]`.
#[derive(Clone, Debug, PartialEq)]
pub struct SigmoidPoly {
    /// `R`.
    pub interval: f64,
    /// `c_0 .. c_d` (even ones beyond `c_0` are zero).
    pub coeffs: Vec<f64>,
}

impl SigmoidPoly {
    /// The least-squares fit of odd degree `degree` (1 to 15) on `[-interval, interval]`.
    ///
    /// # Panics
    /// If `degree` is even, zero or above 15, or `interval` is not positive.
    pub fn fit(degree: usize, interval: f64) -> Self {
        assert!(degree % 2 == 1 && degree <= 15, "odd degree from 1 to 15");
        assert!(interval > 0.0 && interval.is_finite());
        let odd: Vec<usize> = (1..=degree).step_by(2).collect();
        // Normal equations in t = x / R, averaged over [-1, 1]:
        // sum_k c_k <t^j, t^k> = <sigma(R t) - 1/2, t^j>, <f, g> = (1/2) int f g dt.
        let dim = odd.len();
        let mut a = vec![vec![0.0; dim + 1]; dim];
        for (r, &j) in odd.iter().enumerate() {
            for (c, &k) in odd.iter().enumerate() {
                a[r][c] = 1.0 / (j + k + 1) as f64;
            }
            a[r][dim] = simpson(|t| (sigmoid(interval * t) - 0.5) * t.powi(j as i32), 200_000);
        }
        let sol = solve(a);
        let mut coeffs = vec![0.0; degree + 1];
        coeffs[0] = 0.5;
        for (&k, c) in odd.iter().zip(sol) {
            coeffs[k] = c / interval.powi(k as i32);
        }
        Self { interval, coeffs }
    }

    /// HELR's degree-3 fit on `[-8, 8]`, as computed here (about
    /// `0.5 + 0.15012 x - 0.001593 x^3`).
    pub fn default_degree3() -> Self {
        Self::fit(3, 8.0)
    }

    /// The degree.
    pub fn degree(&self) -> usize {
        self.coeffs.len() - 1
    }

    /// `p(x)`.
    pub fn eval(&self, x: f64) -> f64 {
        self.coeffs.iter().rev().fold(0.0, |acc, &c| acc * x + c)
    }

    /// The largest `|sigma(x) - p(x)|` on a fine grid of the interval.
    pub fn max_error(&self) -> f64 {
        (0..=10_000)
            .map(|i| {
                let x = self.interval * (i as f64 / 5_000.0 - 1.0);
                (sigmoid(x) - self.eval(x)).abs()
            })
            .fold(0.0, f64::max)
    }
}

/// `(1/2) int_{-1}^{1} f(t) dt` by composite Simpson's rule with `intervals` (even) intervals.
fn simpson(f: impl Fn(f64) -> f64, intervals: usize) -> f64 {
    let h = 2.0 / intervals as f64;
    let mut s = f(-1.0) + f(1.0);
    for i in 1..intervals {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        s += w * f(-1.0 + i as f64 * h);
    }
    s * h / 3.0 / 2.0
}

/// Solves the augmented system `a` (`dim x (dim + 1)`) by Gaussian elimination with partial
/// pivoting.
fn solve(mut a: Vec<Vec<f64>>) -> Vec<f64> {
    let dim = a.len();
    for col in 0..dim {
        let pivot = (col..dim)
            .max_by(|&x, &y| a[x][col].abs().total_cmp(&a[y][col].abs()))
            .expect("non-empty");
        a.swap(col, pivot);
        let pivot_row = a[col].clone();
        for (row, r) in a.iter_mut().enumerate() {
            if row != col {
                let f = r[col] / pivot_row[col];
                for (x, p) in r[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
            }
        }
    }
    (0..dim).map(|i| a[i][dim] / a[i][i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_published_degree_3_fits() {
        let p = SigmoidPoly::fit(3, 8.0);
        assert!((p.coeffs[1] - 0.15012).abs() < 5e-5, "{:?}", p.coeffs);
        assert!((p.coeffs[3] + 0.001593).abs() < 5e-6, "{:?}", p.coeffs);
        let q = SigmoidPoly::fit(3, 16.0);
        assert!((q.coeffs[1] - 0.0843).abs() < 5e-4, "{:?}", q.coeffs);
        assert!((q.coeffs[3] + 0.0002).abs() < 5e-5, "{:?}", q.coeffs);
    }

    #[test]
    fn higher_degrees_fit_better_and_are_odd_around_one_half() {
        let errs: Vec<f64> =
            [3, 5, 7].iter().map(|&d| SigmoidPoly::fit(d, 8.0).max_error()).collect();
        assert!(errs[0] > errs[1] && errs[1] > errs[2], "{errs:?}");
        // Measured: 0.114, 0.061, 0.032 (the worst point is the interval's edge).
        assert!(errs[0] < 0.12 && errs[2] < 0.04, "{errs:?}");
        let p = SigmoidPoly::fit(7, 8.0);
        for x in [0.3, 2.0, 7.5] {
            assert!((p.eval(x) + p.eval(-x) - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn the_fit_is_a_least_squares_optimum() {
        // Perturbing any coefficient increases the integrated squared error.
        let p = SigmoidPoly::fit(5, 8.0);
        let cost =
            |q: &SigmoidPoly| simpson(|t| (sigmoid(8.0 * t) - q.eval(8.0 * t)).powi(2), 20_000);
        let base = cost(&p);
        for k in [1, 3, 5] {
            for d in [-1e-6, 1e-6] {
                let mut q = p.clone();
                q.coeffs[k] += d / 8f64.powi(k as i32);
                assert!(cost(&q) > base);
            }
        }
    }
}
