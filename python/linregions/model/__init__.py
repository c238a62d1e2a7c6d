"""The network model: the IR, `Network` (sole owner of the Rust extension), `Region`,
walk and slice results."""
