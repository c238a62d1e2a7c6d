"""Analyses of networks over many regions: the complex, local complexity."""
