use pyo3::prelude::*;
/// Registers the scheme classes.
pub fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
