"""Polytope geometry: `Polytope`, facets, inspheres, vertices, angles, sampling, class
maxima (the algorithms themselves are in the Rust core)."""
