//! Bootstrapping material through files, as a server receives it: the client generates the
//! bootstrapping keys, writes the configuration and the key set ([`ckks::boot::serial`]), and
//! the server builds its bootstrapper from the two files alone and refreshes a ciphertext.
//!
//! `cargo run --release -p ckks --example bootstrap_files [-- slots [circuit_levels]]`
//! (default 256 slots, 10 circuit levels, N = 2^16, 128-bit; `full` for all slots;
//! `BOOT_LOG_N` below 16 for a quick look at insecure toy parameters; `BOOT_DIR` for where the
//! files go, default the system's temporary directory). Key generation at N = 2^16 takes tens
//! of seconds and several GiB of memory. Prints the sizes, then one line:
//! `bootstrap_files slots=<n> N=2^<log N> config_bytes=<b> key_file_bytes=<b>
//! key_memory_bytes=<b> write_seconds=<s> read_seconds=<s> max_error_bits=<bits>`.
use ckks::boot::{BootstrapConfig, BootstrapKeys, BootstrapPlan, Bootstrapper};
use ckks::eval::{CkksEvaluator, HomomorphicEvaluator};
use ckks::{EvaluationKeys, Evaluator, Prng, SecretKey, Security};
use std::sync::Arc;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    ckks::alloc::keep_freed_memory();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let slots = match args.first().map(String::as_str) {
        None => Some(256),
        Some("full") => None,
        Some(s) => Some(s.parse()?),
    };
    let circuit_levels: usize = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(10);
    let log_n: u32 = std::env::var("BOOT_LOG_N").ok().and_then(|v| v.parse().ok()).unwrap_or(16);
    let dir = std::env::var_os("BOOT_DIR").map_or_else(std::env::temp_dir, Into::into);
    let security =
        if log_n >= 16 { Security::HeStandard128 } else { Security::InsecureToyParameters };
    let gib = |b: u64| b as f64 / (1u64 << 30) as f64;

    // Client: parameters, plan, keys; the two files.
    let config = BootstrapConfig::with_slots(slots);
    let ctx = config.parameters(log_n, circuit_levels, 60, 40, security)?.build()?;
    let plan = BootstrapPlan::new(ctx.chain(), &config)?;
    println!("{}", ctx.summary());
    let mut prng = Prng::from_os_entropy();
    let sk = Arc::new(SecretKey::generate(&ctx, &mut prng));
    let t = Instant::now();
    let keys = BootstrapKeys::generate(&sk, &plan, &mut prng)?;
    println!("key generation: {:.1} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let config_path = dir.join(format!("bootstrap-{}.config", std::process::id()));
    let keys_path = dir.join(format!("bootstrap-{}.keys", std::process::id()));
    std::fs::write(&config_path, config.to_bytes(&ctx))?;
    let key_bytes = keys.to_bytes(&plan)?;
    drop(keys);
    std::fs::write(&keys_path, &key_bytes)?;
    let key_file = key_bytes.len() as u64;
    drop(key_bytes);
    let write_s = t.elapsed().as_secs_f64();

    // Server: the two files and the parameters, nothing else.
    let t = Instant::now();
    let config_bytes = std::fs::read(&config_path)?;
    let key_bytes = std::fs::read(&keys_path)?;
    std::fs::remove_file(&config_path)?;
    std::fs::remove_file(&keys_path)?;
    let bt = Bootstrapper::from_bytes(&ctx, &config_bytes, &key_bytes)?;
    drop(key_bytes);
    let read_s = t.elapsed().as_secs_f64();
    let memory = bt.key_bytes() as u64;
    println!(
        "configuration {} bytes; key file {key_file} bytes ({:.2} GiB), {memory} bytes of \
         residues in memory ({:.2} GiB): {:.3} of it (seeded compression); bound {} bytes",
        config_bytes.len(),
        gib(key_file),
        gib(memory),
        key_file as f64 / memory as f64,
        BootstrapKeys::max_serialized_len(&ctx, bt.plan()),
    );

    // Client encrypts, server bootstraps, client decrypts.
    let n = bt.plan().slots();
    let level_after = bt.plan().output_level();
    let eval = Evaluator::new(&ctx, EvaluationKeys::default())?;
    let he =
        HomomorphicEvaluator::with_secret_key(eval, sk.clone())?.with_bootstrapper(Arc::new(bt))?;
    let values: Vec<f64> =
        (0..n).map(|_| (prng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0).collect();
    let xs: Vec<f64> = (0..he.slots()).map(|i| values[i % n]).collect();
    let out = he.bootstrap(&he.encrypt(&xs, 0)?)?;
    assert_eq!(out.level(), level_after);
    let got = ctx.decode(&sk.decrypt(&out)?)?;
    let err = got.iter().zip(&xs).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    println!(
        "bootstrap_files slots={n} N=2^{log_n} config_bytes={} key_file_bytes={key_file} \
         key_memory_bytes={memory} write_seconds={write_s:.2} read_seconds={read_s:.2} \
         max_error_bits={:.2}",
        config_bytes.len(),
        -err.log2()
    );
    Ok(())
}
