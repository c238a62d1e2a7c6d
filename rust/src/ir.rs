//! The intermediate representation: a DAG of affine maps and piecewise-linear ops.
//!
//! Node 0 is the flattened input (length `n_inputs`). Every other node reads earlier
//! nodes only, so the node list is already in execution order. The last node is the
//! output (the logits). Shapes and indices are validated when a node is added, so the
//! algorithms never index out of bounds.

use ndarray::Array1;

use crate::error::{CoreError, Result};
use crate::linalg::check_finite;
pub use crate::weight::{Weight, WeightT};

/// One operation of the network.
#[derive(Debug, Clone)]
pub enum Op {
    /// The network input.
    Input,
    /// `y = W x + c`.
    Affine {
        input: usize,
        weight: Weight,
        bias: Array1<f64>,
    },
    /// Elementwise sum of several nodes of equal size (residual connections).
    Add { inputs: Vec<usize> },
    /// `y_i = x_i` where `x_i > 0`, `slope[i] * x_i` elsewhere (ReLU: all slopes 0;
    /// LeakyReLU: one value repeated; PReLU: per channel, repeated over its positions).
    /// `slope` has one entry per unit.
    Relu { input: usize, slope: Vec<f64> },
    /// `y_w = max_{j in window w} x_j`; windows given as input indices.
    MaxPool {
        input: usize,
        windows: Vec<Vec<usize>>,
    },
}

/// A node: its operation, its output size and, for piecewise-linear ops, its layer index.
#[derive(Debug, Clone)]
pub struct Node {
    pub op: Op,
    pub size: usize,
    /// Index among the piecewise-linear nodes (0-based), `None` for linear nodes.
    pub layer: Option<usize>,
}

impl Node {
    /// Number of pattern bits of the node: one per ReLU unit, one per max-pool window entry.
    pub fn n_pattern_bits(&self) -> usize {
        match &self.op {
            Op::Relu { .. } => self.size,
            Op::MaxPool { windows, .. } => windows.iter().map(Vec::len).sum(),
            _ => 0,
        }
    }
}

/// A piecewise-linear network in execution order.
#[derive(Debug, Clone)]
pub struct Network {
    pub nodes: Vec<Node>,
    /// Number of piecewise-linear layers.
    pub n_layers: usize,
}

impl Network {
    /// A network with only its input node of length `n_inputs`.
    pub fn new(n_inputs: usize) -> Result<Self> {
        if n_inputs == 0 {
            return Err(CoreError::Shape(
                "network input must have at least one entry".into(),
            ));
        }
        Ok(Network {
            nodes: vec![Node {
                op: Op::Input,
                size: n_inputs,
                layer: None,
            }],
            n_layers: 0,
        })
    }

    pub fn n_inputs(&self) -> usize {
        self.nodes[0].size
    }

    pub fn n_outputs(&self) -> usize {
        self.nodes.last().map_or(0, |n| n.size)
    }

    fn check_input(&self, input: usize, what: &str) -> Result<usize> {
        self.nodes.get(input).map(|n| n.size).ok_or_else(|| {
            CoreError::Value(format!(
                "{what} node {} reads node {input}, which does not exist yet",
                self.nodes.len()
            ))
        })
    }

    fn push(&mut self, op: Op, size: usize, piecewise: bool) -> usize {
        let layer = if piecewise {
            self.n_layers += 1;
            Some(self.n_layers - 1)
        } else {
            None
        };
        self.nodes.push(Node { op, size, layer });
        self.nodes.len() - 1
    }

    /// Adds `y = W x + c` reading node `input`; returns the new node's index.
    pub fn add_affine(&mut self, input: usize, weight: Weight, bias: Array1<f64>) -> Result<usize> {
        let n_in = self.check_input(input, "affine")?;
        let (rows, cols) = weight.shape();
        if cols != n_in {
            return Err(CoreError::Shape(format!(
                "affine node {}: weight has {cols} columns but its input node {input} has size {n_in}",
                self.nodes.len()
            )));
        }
        if bias.len() != rows {
            return Err(CoreError::Shape(format!(
                "affine node {}: bias has length {} but weight has {rows} rows",
                self.nodes.len(),
                bias.len()
            )));
        }
        weight.check_finite(&format!("affine node {} weight", self.nodes.len()))?;
        check_finite(
            bias.iter(),
            &format!("affine node {} bias", self.nodes.len()),
        )?;
        Ok(self.push(
            Op::Affine {
                input,
                weight,
                bias,
            },
            rows,
            false,
        ))
    }

    /// Adds the elementwise sum of `inputs` (all of one size).
    pub fn add_sum(&mut self, inputs: Vec<usize>) -> Result<usize> {
        if inputs.len() < 2 {
            return Err(CoreError::Value(
                "an add node needs at least two inputs".into(),
            ));
        }
        let sizes: Vec<usize> = inputs
            .iter()
            .map(|&i| self.check_input(i, "add"))
            .collect::<Result<_>>()?;
        if sizes.iter().any(|&s| s != sizes[0]) {
            return Err(CoreError::Shape(format!(
                "add node inputs have different sizes {sizes:?}"
            )));
        }
        Ok(self.push(Op::Add { inputs }, sizes[0], false))
    }

    /// Adds a (leaky) ReLU reading node `input`, with one negative slope for every unit.
    pub fn add_relu(&mut self, input: usize, slope: f64) -> Result<usize> {
        let size = self.check_input(input, "relu")?;
        self.add_relu_slopes(input, vec![slope; size])
    }

    /// Adds a ReLU reading node `input` whose unit `i` has negative slope `slopes[i]`
    /// (PReLU); `slopes` has the input's size.
    pub fn add_relu_slopes(&mut self, input: usize, slopes: Vec<f64>) -> Result<usize> {
        let size = self.check_input(input, "relu")?;
        if slopes.len() != size {
            return Err(CoreError::Shape(format!(
                "relu has {} slopes, input node {input} has size {size}",
                slopes.len()
            )));
        }
        if let Some((i, s)) = slopes
            .iter()
            .enumerate()
            .find(|(_, s)| !s.is_finite() || **s == 1.0)
        {
            return Err(CoreError::Value(format!(
                "relu negative slope {i} must be finite and differ from 1, got {s}"
            )));
        }
        let slope = slopes;
        Ok(self.push(Op::Relu { input, slope }, size, true))
    }

    /// Adds a max over each window of input indices.
    pub fn add_maxpool(&mut self, input: usize, windows: Vec<Vec<usize>>) -> Result<usize> {
        let size = self.check_input(input, "maxpool")?;
        for (w, win) in windows.iter().enumerate() {
            if win.is_empty() {
                return Err(CoreError::Value(format!("maxpool window {w} is empty")));
            }
            if let Some(&j) = win.iter().find(|&&j| j >= size) {
                return Err(CoreError::Value(format!(
                    "maxpool window {w} reads index {j}, input node {input} has size {size}"
                )));
            }
        }
        let n = windows.len();
        Ok(self.push(Op::MaxPool { input, windows }, n, true))
    }

    /// For each node, the index of the last node that reads it (itself if none).
    pub fn last_use(&self) -> Vec<usize> {
        let mut last: Vec<usize> = (0..self.nodes.len()).collect();
        for (k, node) in self.nodes.iter().enumerate() {
            for i in node.op.inputs() {
                last[i] = last[i].max(k);
            }
        }
        last
    }

    /// Number of pattern bits per point: one per ReLU neuron, one per max-pool window entry.
    pub fn n_pattern_bits(&self) -> usize {
        self.nodes.iter().map(Node::n_pattern_bits).sum()
    }

    /// Number of hidden neurons (ReLU units plus max-pool outputs).
    pub fn n_neurons(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| n.layer.is_some())
            .map(|n| n.size)
            .sum()
    }
}

/// The value of node `i` in a sweep over the nodes that drops values after their last
/// reader: it must still be live.
#[inline]
pub fn live<T>(values: &[Option<T>], i: usize) -> &T {
    values[i]
        .as_ref()
        .expect("node value dropped before its last use")
}

impl Op {
    /// Indices of the nodes this op reads.
    pub fn inputs(&self) -> Vec<usize> {
        match self {
            Op::Input => vec![],
            Op::Affine { input, .. } | Op::Relu { input, .. } | Op::MaxPool { input, .. } => {
                vec![*input]
            }
            Op::Add { inputs } => inputs.clone(),
        }
    }
}
