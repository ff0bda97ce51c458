//! Tells the tests which SIMD paths the build machine can run, so that a kernel test the CPU
//! cannot execute is reported as *ignored* by the test harness (with the reason) instead of
//! passing without checking anything. Library code never looks at these flags: it detects the
//! CPU at run time (`ckks::math::simd`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-check-cfg=cfg(ckks_cpu_avx2)");
    println!("cargo:rustc-check-cfg=cfg(ckks_cpu_ifma)");
    let native = std::env::var("HOST").ok() == std::env::var("TARGET").ok();
    #[cfg(target_arch = "x86_64")]
    if native {
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            println!("cargo:rustc-cfg=ckks_cpu_avx2");
        }
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512ifma")
        {
            println!("cargo:rustc-cfg=ckks_cpu_ifma");
        }
    }
    let _ = native;
}
