"""Geometry: polytopes and domains."""
