use ckks::boot::{BootstrapConfig, BootstrapPlan};
use ckks::Security;
fn main() -> ckks::Result<()> {
    for slots in [None, Some(256)] {
        let config = BootstrapConfig::with_slots(slots);
        let lit = config.parameters(16, 9, 60, 40, Security::HeStandard128)?;
        let chain = ckks::ModulusChain::from_literal(&lit)?;
        let plan = BootstrapPlan::new(&chain, &config)?;
        println!("dnum {} special {:?}\n{}", lit.dnum, lit.special_prime_bits, plan.summary());
        let (c, s) = plan.transforms();
        for t in c.iter().chain(s) {
            println!(
                "level {} babies {:?} giants {:?}",
                t.level,
                t.babies,
                t.giants.iter().map(|g| g.step).collect::<Vec<_>>()
            );
        }
    }
    Ok(())
}
