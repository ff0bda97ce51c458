//! The model state across a bootstrap: pack `(w, v)` into one complex column vector, bootstrap
//! its tiles, unpack (see the module docs of [`super`]).

use crate::error::{CircuitError, ConfigFault, Result};
use crate::protocol::SplitModel;
use ckks::eval::CkksEvaluator;
use ckks::scheme::rules;
use linalg::{ColVector, LinAlg, Tiled};
use rayon::prelude::*;

/// The model state `(w, v)` as column vectors, as a resumed round reads it.
pub type State<V> = (ColVector<V>, ColVector<V>);

/// The refresh between two rounds: the round's last `eta` and the state bound `sigma`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Crossing {
    /// `eta` of the round's last iteration: `v = (1 - eta) w_k + eta w_{k-1}`.
    pub eta: f64,
    /// `sigma` ([`super::EpochConfig::state_bound`]).
    pub sigma: u32,
}

impl Crossing {
    /// `v = (1 - eta) w_k + eta w_{k-1}` on plain vectors: what crosses beside `w = w_k`.
    pub fn plain_v(&self, last: &[f64], previous: &[f64]) -> Vec<f64> {
        last.iter().zip(previous).map(|(a, b)| (1.0 - self.eta) * a + self.eta * b).collect()
    }

    /// `(w, v)` as column vectors at the bootstrap's output level, from the round's
    /// `(w_k, w_{k-1})`: [`pack`], a bootstrap of each tile, [`unpack`].
    ///
    /// # Errors
    /// [`ckks::CkksError::BootstrapUnavailable`] (through the toolkit's error) without a
    /// bootstrapper, [`ckks::CkksError::BootstrapRange`] under the plaintext evaluator for a
    /// state beyond `sigma`; as [`pack`].
    pub fn cross<E: CkksEvaluator>(
        &self,
        la: &LinAlg<'_, E>,
        last: &SplitModel<E::Value>,
        previous: &SplitModel<E::Value>,
    ) -> Result<State<E::Value>> {
        let e = la.evaluator();
        let x = pack(la, last, previous, self.eta, self.sigma)?;
        let tiles =
            x.tiles().par_iter().map(|t| e.bootstrap(t)).collect::<ckks::Result<Vec<_>>>()?;
        unpack(la, &x.with_tiles(tiles), self.sigma)
    }
}

/// One term of the packing: `c` times a model part, as a column vector at `level`, exactly at
/// its nominal scale (one level below `level + 1`).
fn term<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    part: &SplitModel<E::Value>,
    c: f64,
    level: usize,
) -> Result<Vec<ColVector<E::Value>>> {
    let e = la.evaluator();
    let mut out = Vec::new();
    if let Some(row) = &part.row {
        out.push(la.row_to_col(&la.align_to_level(row, level + 1)?, c)?);
    }
    if let Some(col) = &part.col {
        let col = la.align_to_level(col, level + 1)?;
        let tiles = col
            .tiles()
            .par_iter()
            .map(|t| {
                let scale = rules::const_scale(e.chain(), &e.meta(t));
                e.rescale(&e.mul_const_at_scale(t, c, scale)?)
            })
            .collect::<ckks::Result<Vec<_>>>()?;
        out.push(col.with_tiles(tiles));
    }
    Ok(out)
}

/// The lowest level of a model's parts.
fn lowest<E: CkksEvaluator>(la: &LinAlg<'_, E>, part: &SplitModel<E::Value>) -> Option<usize> {
    let row = part.row.as_ref().map(|r| la.level(r));
    let col = part.col.as_ref().map(|c| la.level(c));
    row.into_iter().chain(col).min()
}

/// `X = (w + i v) / sigma` as one column vector, one level below the lowest part, where
/// `w = w_k` and `v = (1 - eta) w_k + eta w_{k-1}`: every part is multiplied once by a
/// constant (folded into the conversion's mask for a row part) and the imaginary part is
/// turned by [`CkksEvaluator::mul_i`].
///
/// The encrypted `w` and `v` are real only up to their noise: each slot carries an imaginary
/// part of the size of its error, which `i v` would turn into an error of the real part (and
/// `w`'s into one of `v`), repeated like the values, so no bootstrap averages it away. With
/// `R` and `I` the sums that should be `w / 2 sigma` and `v / 2 sigma`, `X = Y + conj(Y')`
/// for `Y = R + i I` and `Y' = R - i I` is `(R + conj R) + i (I + conj I)`: the real parts
/// only, for one conjugation at the packing's level (where it is cheapest).
///
/// # Errors
/// [`CircuitError::InvalidConfig`] for a model with no part, or a part at level 0; the
/// toolkit's errors.
pub fn pack<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    last: &SplitModel<E::Value>,
    previous: &SplitModel<E::Value>,
    eta: f64,
    sigma: u32,
) -> Result<ColVector<E::Value>> {
    let e = la.evaluator();
    let low = match (lowest(la, last), lowest(la, previous)) {
        (Some(a), Some(b)) => a.min(b),
        _ => return Err(CircuitError::InvalidConfig(ConfigFault::EmptyModel)),
    };
    let level = low.checked_sub(1).ok_or(ckks::CkksError::LevelExhausted)?;
    // Halved: the real parts are taken as sums with the conjugates.
    let s = 2.0 * f64::from(sigma);
    let sum = |terms: Vec<ColVector<E::Value>>| -> Result<ColVector<E::Value>> {
        let mut it = terms.into_iter();
        let first = it.next().ok_or(CircuitError::InvalidConfig(ConfigFault::EmptyModel))?;
        it.try_fold(first, |acc, t| Ok(la.add(&acc, &t)?))
    };
    let re = sum(term(la, last, 1.0 / s, level)?)?;
    let mut im_terms = term(la, last, (1.0 - eta) / s, level)?;
    im_terms.extend(term(la, previous, eta / s, level)?);
    let im = sum(im_terms)?;
    let tiles = re
        .tiles()
        .par_iter()
        .zip(im.tiles())
        .map(|(r, i)| {
            let turned = e.mul_i(i)?;
            let y = e.add(r, &turned)?;
            let y_conj = e.conjugate(&e.sub(r, &turned)?)?;
            e.add(&y, &y_conj)
        })
        .collect::<ckks::Result<Vec<_>>>()?;
    Ok(re.with_tiles(tiles))
}

/// `(w, v)` from a bootstrapped `X = (w + i v) / sigma`: `w = (sigma/2)(X + conj X)` and
/// `v = (sigma/2) i (conj X - X)`, with one conjugation and no level.
///
/// # Errors
/// [`CircuitError::InvalidConfig`] for an odd `sigma` or one below 2; a missing conjugation
/// key.
pub fn unpack<E: CkksEvaluator>(
    la: &LinAlg<'_, E>,
    x: &ColVector<E::Value>,
    sigma: u32,
) -> Result<State<E::Value>> {
    if sigma < 2 || !sigma.is_multiple_of(2) {
        return Err(CircuitError::InvalidConfig(ConfigFault::StateBound { bound: sigma }));
    }
    let e = la.evaluator();
    let half = i64::from(sigma / 2);
    let scaled = |v: ckks::Result<E::Value>| -> ckks::Result<E::Value> {
        let v = v?;
        if half == 1 {
            Ok(v)
        } else {
            e.mul_integer(&v, half)
        }
    };
    let pairs = x
        .tiles()
        .par_iter()
        .map(|t| {
            let c = e.conjugate(t)?;
            let w = scaled(e.add(t, &c))?;
            let v = scaled(e.mul_i(&e.sub(&c, t)?))?;
            Ok((w, v))
        })
        .collect::<ckks::Result<Vec<_>>>()?;
    let (w, v): (Vec<_>, Vec<_>) = pairs.into_iter().unzip();
    Ok((x.with_tiles(w), x.with_tiles(v)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ckks::eval::{PlaintextEvaluator, SlotVector};
    use ckks::ModulusChain;

    /// The packing of a state whose slots carry imaginary noise, unpacked without a bootstrap
    /// in between (the plaintext bootstrap is the identity): `w` and `v` come back as the real
    /// parts alone. (Without the conjugation in [`pack`], `w` would come back as `w - Im v`.)
    #[test]
    fn only_the_real_parts_of_the_state_cross() {
        let e = PlaintextEvaluator::new(ModulusChain::analysis(6, 4, 40).unwrap());
        let la = LinAlg::new(&e);
        let unit = la.unit(4).unwrap();
        let d = 10;
        let vector = |f: fn(usize) -> f64| (0..d).map(f).collect::<Vec<f64>>();
        let (w, prev) = (vector(|j| 0.3 - 0.05 * j as f64), vector(|j| 0.1 * (j as f64).sin()));
        let junk = vector(|j| 1e-3 * (1.0 + j as f64));
        let noisy = |x: &[f64]| -> SplitModel<_> {
            let re = la.encrypt_col(x, unit, 3).unwrap();
            let im = la.encrypt_col(&junk, unit, 3).unwrap();
            let tiles = re
                .tiles()
                .iter()
                .zip(im.tiles())
                .map(|(r, i)| e.add(r, &e.mul_i(i).unwrap()).unwrap())
                .collect();
            SplitModel { row: None, col: Some(re.with_tiles(tiles)) }
        };
        let (eta, sigma) = (-0.7, 4);
        let x = pack(&la, &noisy(&w), &noisy(&prev), eta, sigma).unwrap();
        let (w2, v2) = unpack(&la, &x, sigma).unwrap();
        let v = Crossing { eta, sigma }.plain_v(&w, &prev);
        let read = |c: &ColVector<SlotVector>| {
            linalg::decode_col(c, |s: &SlotVector| Ok(s.real())).unwrap()
        };
        for (got, want) in [(read(&w2), &w), (read(&v2), &v)] {
            for j in 0..d {
                assert!(
                    (got[j] - want[j]).abs() < 1e-12,
                    "slot {j}: {} against {}",
                    got[j],
                    want[j]
                );
            }
        }
    }
}
