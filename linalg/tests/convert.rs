//! Layout conversions (row vector <-> column vector) under the plaintext evaluator, for units of
//! several aspect ratios and lengths that are and are not multiples of the unit.

use ckks::eval::PlaintextEvaluator;
use ckks::ModulusChain;
use linalg::*;

#[test]
fn conversions() {
    let e = PlaintextEvaluator::new(ModulusChain::analysis(9, 8, 40).unwrap()); // 256 slots
    let la = LinAlg::new(&e);
    for (len, mh) in [(5, 8), (40, 8), (300, 16), (33, 64), (100, 4)] {
        let unit = la.unit(mh).unwrap();
        let v: Vec<f64> = (0..len).map(|i| i as f64 / 7.0 - 1.0).collect();
        let rv = la.encrypt_row(&v, unit, 8).unwrap();
        let cv = la.row_to_col(&rv, 2.0).unwrap();
        assert_eq!(la.level(&cv), 7);
        let got = decode_col(&cv, |x| Ok(x.real())).unwrap();
        assert_eq!(got.len(), len, "{len} {mh}");
        assert!(got.iter().zip(&v).all(|(g, w)| (g - 2.0 * w).abs() < 1e-12), "{len} {mh}");
        let back = la.col_to_row(&cv, 0.5).unwrap();
        assert_eq!(la.level(&back), 5);
        let got = decode_row(&back, |x| Ok(x.real())).unwrap();
        assert_eq!(got.len(), len, "{len} {mh}");
        assert!(got.iter().zip(&v).all(|(g, w)| (g - w).abs() < 1e-12), "{len} {mh}");
        // the row-vector layout is exact: every column of a tile is a copy
        let again = la.row_to_col(&back, 1.0).unwrap();
        let got = decode_col(&again, |x| Ok(x.real())).unwrap();
        assert_eq!(got.len(), len, "{len} {mh}");
        assert!(got.iter().zip(&v).all(|(g, w)| (g - w).abs() < 1e-12), "{len} {mh}");
    }
}
