use ckks::eval::{CkksEvaluator, PlaintextEvaluator};
use ckks::ModulusChain;
use linalg::*;

fn close(a: &PlainMatrix, b: &PlainMatrix) -> f64 {
    a.zip_with(b, |x, y| x - y).norm() / b.norm().max(1.0)
}

#[test]
fn smoke() {
    let e = PlaintextEvaluator::new(ModulusChain::analysis(9, 8, 40).unwrap()); // 256 slots
    let la = LinAlg::new(&e);
    for (f, g, h, mh) in [(13, 7, 9, 8), (20, 17, 33, 16), (16, 16, 16, 16), (5, 3, 40, 4)] {
        let unit = la.unit(mh).unwrap();
        let a = PlainMatrix::from_fn(f, g, |i, j| ((i * 7 + j * 3) % 11) as f64 / 10.0 - 0.5);
        let b = PlainMatrix::from_fn(g, h, |i, j| ((i * 5 + j * 2) % 13) as f64 / 12.0 - 0.5);
        let top = e.max_level();
        let at = la.encrypt_matrix(&a.transpose(), unit, top).unwrap();
        let eb = la.encrypt_matrix(&b, unit, top - 1).unwrap();
        let c = la.matmul_row_major(&at, &eb, 0.5).unwrap();
        let got = decode_matrix(&c, |v| Ok(v.real())).unwrap();
        let want = a.matmul(&b).scale(0.5);
        assert!(close(&got, &want) < 1e-12, "row-major {f}x{g}x{h}: {}", close(&got, &want));
        assert_eq!(la.level(&c), top - 3);
        let ea = la.encrypt_matrix(&a, unit, top - 1).unwrap();
        let bt = la.encrypt_matrix(&b.transpose(), unit, top).unwrap();
        let c = la.matmul_col_major(&ea, &bt, 0.5).unwrap();
        let got = decode_matrix(&c, |v| Ok(v.real())).unwrap();
        assert!(close(&got, &want) < 1e-12, "col-major {f}x{g}x{h}: {}", close(&got, &want));
        // vectors
        let v: Vec<f64> = (0..f).map(|i| i as f64 / 7.0 - 1.0).collect();
        let u: Vec<f64> = (0..g).map(|i| i as f64 / 5.0 - 0.5).collect();
        let ea = la.encrypt_matrix(&a, unit, top).unwrap();
        let ev = la.encrypt_row(&v, unit, top).unwrap();
        let eu = la.encrypt_col(&u, unit, top).unwrap();
        let r = decode_col(&la.row_times_matrix(&ev, &ea).unwrap(), |x| Ok(x.real())).unwrap();
        let w = a.vec_mul(&v);
        assert!(r.iter().zip(&w).all(|(x, y)| (x - y).abs() < 1e-12));
        let r = decode_row(&la.matrix_times_col(&ea, &eu, 3.0).unwrap(), |x| Ok(x.real())).unwrap();
        let w = a.mul_vec(&u);
        assert!(r.iter().zip(&w).all(|(x, y)| (x - 3.0 * y).abs() < 1e-12));
        if g <= mh && mh <= unit.width() {
            let cm = la.row_times_matrix_mixed(&ev, &ea).unwrap();
            let r = decode_col(&cm, |x| Ok(x.real())).unwrap();
            let w = a.vec_mul(&v);
            assert!(r.iter().zip(&w).all(|(x, y)| (x - y).abs() < 1e-12));
            // feed it back: A (A^T v) needs a col of length g
            let back = la
                .matrix_times_col_mixed(&la.align_to_level(&ea, top - 1).unwrap(), &cm, 1.0)
                .unwrap();
            let r = decode_row(&back, |x| Ok(x.real())).unwrap();
            let w2 = a.mul_vec(&w);
            assert!(r.iter().zip(&w2).all(|(x, y)| (x - y).abs() < 1e-9), "{r:?} {w2:?}");
        }
    }
}
