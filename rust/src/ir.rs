//! The intermediate representation: a DAG of affine maps and piecewise-linear ops.
//!
//! Node 0 is the flattened input (length `n_inputs`). Every other node reads earlier
//! nodes only, so the node list is already in execution order. The last node is the
//! output (the logits). Shapes and indices are validated when a node is added, so the
//! algorithms never index out of bounds.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis};

use crate::error::{CoreError, Result};
use crate::linalg::{check_finite, matmul_tall, par_matmul, Csr};

/// The weight of an affine node.
///
/// Every product with a weight goes through the `apply*` / `compose` methods below, so the
/// dense/sparse choice is made here once; each method keeps the kernel its callers were
/// tuned with (ndarray's `dot` for thin operands, the blocked faer GEMM for local maps).
#[derive(Debug, Clone)]
pub enum Weight {
    /// Dense `n_out x n_in` matrix.
    Dense(Array2<f64>),
    /// Sparse `n_out x n_in` matrix (convolutions, pooling).
    Sparse(Csr),
}

impl Weight {
    /// `(n_out, n_in)`.
    pub fn shape(&self) -> (usize, usize) {
        match self {
            Weight::Dense(w) => (w.nrows(), w.ncols()),
            Weight::Sparse(c) => (c.n_rows, c.n_cols),
        }
    }

    /// Whether the weight is stored dense.
    pub fn is_dense(&self) -> bool {
        matches!(self, Weight::Dense(_))
    }

    /// Checks that every entry is finite (a sparse weight was checked when it was built);
    /// `what` names the weight in the error.
    pub fn check_finite(&self, what: &str) -> Result<()> {
        match self {
            Weight::Dense(w) => check_finite(w.iter(), what),
            Weight::Sparse(_) => Ok(()),
        }
    }

    /// The weight as a dense `n_out x n_in` matrix.
    pub fn to_dense(&self) -> Array2<f64> {
        match self {
            Weight::Dense(w) => w.clone(),
            Weight::Sparse(c) => c.to_dense(),
        }
    }

    /// `W v` for a vector `v` `(n_in,)`.
    pub fn apply(&self, v: ArrayView1<f64>) -> Array1<f64> {
        match self {
            Weight::Dense(w) => w.dot(&v),
            Weight::Sparse(c) => c.matvec(v),
        }
    }

    /// `W^T g` for a vector `g` `(n_out,)` (the reverse-mode step).
    pub fn apply_t(&self, g: ArrayView1<f64>) -> Array1<f64> {
        match self {
            Weight::Dense(w) => w.t().dot(&g),
            Weight::Sparse(c) => c.matvec_t(g),
        }
    }

    /// `x W^T` for a batch of points `x` `(n, n_in)`: one output row per point.
    pub fn apply_rows(&self, x: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Weight::Dense(w) => x.dot(&w.t()),
            Weight::Sparse(c) => c.apply_batch(x),
        }
    }

    /// `W m` for a thin matrix `m` `(n_in, k)` (a value and a derivative, say).
    pub fn apply_cols(&self, m: ArrayView2<f64>) -> Array2<f64> {
        match self {
            Weight::Dense(w) => w.dot(&m),
            Weight::Sparse(c) => c.matmul_dense(m, None),
        }
    }

    /// `W J` for the local map `J` `(n_in, d)` of the weight's input (`None`: the identity,
    /// so `W` itself), rows split across rayon tasks. Rows of `J` outside `support` (when
    /// given) are known to be zero and are left out of the product.
    pub fn compose(&self, j: Option<&Array2<f64>>, support: Option<&[usize]>) -> Array2<f64> {
        let Some(j) = j else {
            return self.to_dense();
        };
        match self {
            Weight::Dense(w) => match support {
                Some([]) => Array2::zeros((w.nrows(), j.ncols())),
                Some(sup) if sup.len() < j.nrows() => {
                    let ws = w.select(Axis(1), sup);
                    let js = j.select(Axis(0), sup);
                    par_matmul(ws.view(), js.view())
                }
                _ => par_matmul(w.view(), j.view()),
            },
            Weight::Sparse(c) => {
                let nonzero = support.map(|sup| {
                    let mut nz = vec![false; j.nrows()];
                    sup.iter().for_each(|&i| nz[i] = true);
                    nz
                });
                c.matmul_dense(j.view(), nonzero.as_deref())
            }
        }
    }

    /// The weight prepared for products `X W^T` with many stacked rows of `X`.
    pub fn transposed(&self) -> WeightT<'_> {
        match self {
            Weight::Dense(w) => WeightT::Dense(w.t().as_standard_layout().into_owned()),
            Weight::Sparse(c) => WeightT::Sparse(c),
        }
    }
}

/// A weight prepared for products `X W^T` with a tall `X` (stacked maps of many polygons):
/// a dense weight is stored transposed (row `i` is column `i` of `W`, contiguous), a sparse
/// one is used as it is. Dense products split the rows of `X` across rayon tasks.
#[derive(Debug, Clone)]
pub enum WeightT<'a> {
    /// `W^T`, `n_in x n_out`, row-major.
    Dense(Array2<f64>),
    /// `W` itself.
    Sparse(&'a Csr),
}

impl WeightT<'_> {
    /// `n_out`.
    pub fn n_out(&self) -> usize {
        match self {
            WeightT::Dense(wt) => wt.ncols(),
            WeightT::Sparse(c) => c.n_rows,
        }
    }

    /// `W^T` of a dense weight.
    pub fn dense(&self) -> Option<&Array2<f64>> {
        match self {
            WeightT::Dense(wt) => Some(wt),
            WeightT::Sparse(_) => None,
        }
    }

    /// `x W^T` for `x` `(n, n_in)`.
    pub fn apply(&self, x: ArrayView2<f64>) -> Array2<f64> {
        match self {
            WeightT::Dense(wt) => matmul_tall(x, wt.view()),
            WeightT::Sparse(c) => c.apply_batch(x),
        }
    }

    /// [`WeightT::apply`], leaving the columns of `x` that are zero in every row (units
    /// inactive on every polygon) out of a dense product when they are at least a tenth.
    pub fn apply_live(&self, x: ArrayView2<f64>) -> Array2<f64> {
        let WeightT::Dense(wt) = self else {
            return self.apply(x);
        };
        let mut nz = vec![false; x.ncols()];
        for row in x.rows() {
            for (f, &v) in nz.iter_mut().zip(row) {
                *f |= v != 0.0;
            }
        }
        let cols: Vec<usize> = (0..nz.len()).filter(|&c| nz[c]).collect();
        if cols.len() * 10 < nz.len() * 9 {
            let xs = x.select(Axis(1), &cols);
            matmul_tall(xs.view(), wt.select(Axis(0), &cols).view())
        } else {
            matmul_tall(x, wt.view())
        }
    }

    /// `x W^T` where `x` `(n, |cols|)` holds the columns `cols` of an `(n, n_in)` matrix
    /// that is zero elsewhere.
    pub fn apply_cols(&self, x: ArrayView2<f64>, cols: &[usize]) -> Array2<f64> {
        match self {
            WeightT::Dense(wt) => matmul_tall(x, wt.select(Axis(0), cols).view()),
            WeightT::Sparse(c) => {
                let mut full = Array2::<f64>::zeros((x.nrows(), c.n_cols));
                for (j, &col) in cols.iter().enumerate() {
                    full.column_mut(col).assign(&x.column(j));
                }
                c.apply_batch(full.view())
            }
        }
    }
}

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
