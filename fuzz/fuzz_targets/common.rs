// Shared by the fuzz targets: a tiny context (N = 16, two levels) to read objects against.
use ckks::{Context, ParametersLiteral, Security};
use std::sync::OnceLock;

pub fn ctx() -> &'static Context {
    static CTX: OnceLock<Context> = OnceLock::new();
    CTX.get_or_init(|| {
        ParametersLiteral::with_levels(4, 2, 30, 25, 30, 3)
            .security(Security::InsecureToyParameters)
            .build()
            .expect("valid tiny parameters")
    })
}
