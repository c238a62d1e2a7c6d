"""Analyses built on regions: decision boundaries, region categories, surrounding
regions, attacks."""
