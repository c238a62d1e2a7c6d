"""Polytope geometry: `Polytope`, facets, inspheres, vertices, angles, sampling, class
maxima, HiGHS fallbacks."""
