"""Experiments: datasets, the model zoo, training, the toy study, the demo and the paper's study."""
