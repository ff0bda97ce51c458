#![no_main]
// Any input, as a bootstrapping configuration and as a bootstrapping key set (of a plan on a
// toy chain that bootstraps 4 slots of N = 2^10): a typed error or an object, never a panic.
use ckks::boot::{BootstrapConfig, BootstrapKeys, BootstrapPlan};
use ckks::{Context, Security};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn setup() -> &'static (Context, BootstrapPlan) {
    static S: OnceLock<(Context, BootstrapPlan)> = OnceLock::new();
    S.get_or_init(|| {
        let config =
            BootstrapConfig { slots: Some(4), cts_levels: 1, stc_levels: 1, ..Default::default() };
        let ctx = config
            .parameters(10, 1, 60, 40, Security::InsecureToyParameters)
            .and_then(|l| l.build())
            .expect("valid toy parameters");
        let plan = BootstrapPlan::new(ctx.chain(), &config).expect("a plan on its chain");
        (ctx, plan)
    })
}

fuzz_target!(|data: &[u8]| {
    let (ctx, plan) = setup();
    let _ = BootstrapPlan::from_bytes(ctx, data);
    let _ = BootstrapKeys::from_bytes(ctx, plan, data);
});
