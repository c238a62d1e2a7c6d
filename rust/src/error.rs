//! One error type for the core; the Python layer maps it onto the package's exceptions.

use std::fmt;

/// What went wrong, with enough context to name the offending node, shape or value.
#[derive(Debug, Clone, PartialEq)]
pub enum CoreError {
    /// An argument has the wrong shape (e.g. a weight matrix that does not match its input).
    Shape(String),
    /// A value is out of range or not finite (e.g. a NaN weight, an index past the end).
    Value(String),
    /// The point lies on the boundary between regions and the caller asked not to choose a side.
    OnBoundary(Vec<BoundaryUnit>),
}

/// A unit (neuron, or max-pool window) whose decision is undetermined at the queried point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BoundaryUnit {
    /// Index of the piecewise-linear layer (0-based, in execution order).
    pub layer: usize,
    /// Index of the neuron (ReLU) or window (max-pool) within that layer.
    pub unit: usize,
    /// Pre-activation (ReLU) or gap between the two largest window entries (max-pool).
    pub value: f64,
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CoreError::Shape(m) => write!(f, "shape error: {m}"),
            CoreError::Value(m) => write!(f, "value error: {m}"),
            CoreError::OnBoundary(units) => {
                write!(f, "point lies on {} region boundar", units.len())?;
                write!(f, "{}", if units.len() == 1 { "y" } else { "ies" })
            }
        }
    }
}

impl std::error::Error for CoreError {}

pub type Result<T> = std::result::Result<T, CoreError>;

/// A [`CoreError::Shape`] unless `a == b`; `what` names the two sizes that must agree
/// (e.g. `"shapes of starts and ends"`), the message shows both.
pub fn ensure_same<T: PartialEq + fmt::Debug>(what: &str, a: T, b: T) -> Result<()> {
    if a == b {
        Ok(())
    } else {
        Err(CoreError::Shape(format!("{what} differ: {a:?} and {b:?}")))
    }
}
