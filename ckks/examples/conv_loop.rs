use ckks::math::primes::largest_ntt_prime;
use ckks::math::rns::BaseConverter;
use ckks::math::Modulus;
use std::time::Instant;
fn main() {
    let n = 1usize << 15;
    let mut ps = Vec::new();
    for b in [60u32, 50, 50, 50, 50, 50, 50, 50, 50, 50, 60, 60, 60, 60, 60, 60, 50, 50, 50, 50] {
        ps.push(largest_ntt_prime(b, 2 * n as u64, &ps).unwrap());
    }
    let m: Vec<Modulus> = ps.iter().map(|&p| Modulus::new(p)).collect();
    let conv = BaseConverter::new(&m[..5], &m[5..]);
    let input: Vec<u64> = (0..5 * n).map(|i| (i as u64 * 0x9e3779b97f4a7c15) % ps[i / n]).collect();
    let mut out = vec![0u64; 15 * n];
    let mut best = f64::MAX;
    for _ in 0..20 {
        let t = Instant::now();
        conv.convert(&input, &mut out, n);
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "5 -> 15 primes, N = 2^15: {:.2} ms, {:.2} ns per MAC",
        best * 1e3,
        best * 1e9 / (75.0 * n as f64)
    );
}
