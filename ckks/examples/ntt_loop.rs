use ckks::math::primes::largest_ntt_prime;
use ckks::math::simd::Path;
use ckks::math::{Modulus, NttTable};
use std::time::Instant;
fn best(mut f: impl FnMut()) -> f64 {
    let mut b = f64::MAX;
    for _ in 0..15 {
        let t0 = Instant::now();
        for _ in 0..40 {
            f()
        }
        b = b.min(t0.elapsed().as_secs_f64() / 40.0 * 1e6);
    }
    b
}
fn main() {
    for log_n in [14u32, 15, 16] {
        for bits in [50u32, 60] {
            let n = 1usize << log_n;
            let q = largest_ntt_prime(bits, 2 * n as u64, &[]).unwrap();
            let t = NttTable::with_path(Modulus::new(q), n, Path::Avx2);
            let plan = tfhe_ntt::prime64::Plan::try_new(n, q).unwrap();
            let mut a: Vec<u64> = (0..n as u64).map(|i| (i * 7919) % q).collect();
            let of = best(|| t.forward(&mut a));
            let tf = best(|| plan.fwd(&mut a));
            let oi = best(|| t.inverse(&mut a));
            let ti = best(|| plan.inv(&mut a));
            println!("n{log_n} q{bits} {}: fwd {of:.0} vs {tf:.0} ({:.2}x)  inv {oi:.0} vs {ti:.0} ({:.2}x)", t.kernel_name(), of/tf, oi/ti);
        }
    }
}
