//! The input box `lo <= x <= hi` of a network: validated once, then used to check points.

use ndarray::{Array1, ArrayView1};

use crate::error::{CoreError, Result};

/// A validated box: equal lengths, no NaN, `lo <= hi` (entries may be infinite).
#[derive(Debug, Clone, PartialEq)]
pub struct InputBox {
    pub lo: Array1<f64>,
    pub hi: Array1<f64>,
}

impl InputBox {
    /// Validates `lo` and `hi`.
    pub fn new(lo: Array1<f64>, hi: Array1<f64>) -> Result<Self> {
        if lo.len() != hi.len() {
            return Err(CoreError::Shape(format!(
                "box bounds lo ({},) and hi ({},) differ in length",
                lo.len(),
                hi.len()
            )));
        }
        for (name, side) in [("lo", &lo), ("hi", &hi)] {
            if let Some(i) = side.iter().position(|v| v.is_nan()) {
                return Err(CoreError::Value(format!("box bound {name}[{i}] is NaN")));
            }
        }
        if let Some(i) = (0..lo.len()).find(|&i| lo[i] > hi[i]) {
            return Err(CoreError::Value(format!(
                "box bound lo[{i}] = {} exceeds hi[{i}] = {}",
                lo[i], hi[i]
            )));
        }
        Ok(InputBox { lo, hi })
    }

    /// The unbounded box of dimension `d`.
    pub fn unbounded(d: usize) -> Self {
        InputBox {
            lo: Array1::from_elem(d, f64::NEG_INFINITY),
            hi: Array1::from_elem(d, f64::INFINITY),
        }
    }

    /// Dimension of the box.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// Checks that the point `x` (called `name` in messages) lies in the box; `hint` is
    /// appended to the message when it does not.
    pub fn check(&self, x: ArrayView1<f64>, name: &str, hint: &str) -> Result<()> {
        if x.len() != self.dim() {
            return Err(CoreError::Shape(format!(
                "{name} has length {}, the input box has {}",
                x.len(),
                self.dim()
            )));
        }
        let outside = |i: &usize| !(x[*i] >= self.lo[*i] && x[*i] <= self.hi[*i]);
        let mut bad = (0..x.len()).filter(outside);
        if let Some(i) = bad.next() {
            let count = 1 + bad.count();
            return Err(CoreError::Value(format!(
                "{name} lies outside the input box at index {i}: {name}[{i}] = {}, bounds [{}, {}] \
                 ({count} entries outside){hint}",
                x[i], self.lo[i], self.hi[i]
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn refuses_bad_boxes() {
        assert!(matches!(
            InputBox::new(array![0.0], array![1.0, 2.0]),
            Err(CoreError::Shape(_))
        ));
        assert!(matches!(
            InputBox::new(array![f64::NAN], array![1.0]),
            Err(CoreError::Value(_))
        ));
        assert!(matches!(
            InputBox::new(array![2.0], array![1.0]),
            Err(CoreError::Value(_))
        ));
    }

    #[test]
    fn checks_points() {
        let b = InputBox::new(array![-1.0, f64::NEG_INFINITY], array![1.0, 0.0]).unwrap();
        assert!(b.check(array![1.0, -1e300].view(), "x", "").is_ok());
        let err = b.check(array![0.0, 0.5].view(), "x", "").unwrap_err();
        assert_eq!(
            err,
            CoreError::Value(
                "x lies outside the input box at index 1: x[1] = 0.5, bounds [-inf, 0] \
                 (1 entries outside)"
                    .into()
            )
        );
        assert!(b.check(array![f64::NAN, 0.0].view(), "x", "").is_err());
        assert!(matches!(
            b.check(array![0.0].view(), "x", ""),
            Err(CoreError::Shape(_))
        ));
        assert!(InputBox::unbounded(3)
            .check(array![1e308, -1e308, 0.0].view(), "x", "")
            .is_ok());
    }
}
