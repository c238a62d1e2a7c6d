"""Topology of the complex in low dimension: faces of every dimension, homology, persistence,
and the dual graph of the regions.

- :mod:`.faces`: :func:`face_poset`, every face of a complex's regions ∩ domain (d <= 4), with
  incidences; :func:`face_poset_of_polytopes` for polytopes given directly.
- :mod:`.homology`: Betti numbers over GF(2) of subcomplexes (decision regions, the decision
  boundary, sublevel sets of a margin) and persistence of lower-star filtrations (a logit, a
  margin, a neuron's pre-activation).
- :mod:`.dual`: the dual graph of the regions with facet volumes, and its summary statistics.
"""

from .cells import FLAT_TOL, TIE_TOL, VERTEX_TOL
from .dual import DualSummary, dual_graph, dual_summary, facet_volumes
from .faces import MAX_DIM, FacePoset, NotFaceToFaceError, face_poset, face_poset_of_polytopes
from .homology import (
    MAX_CHAINS,
    Persistence,
    betti_numbers,
    decision_boundary,
    decision_boundary_betti,
    decision_region_betti,
    logit_persistence,
    lower_star_persistence,
    margin_persistence,
    margin_sublevel_betti,
    margin_values,
    maximal_chains,
    neuron_persistence,
    neuron_values,
    vertex_logits,
)

__all__ = [
    "DualSummary",
    "FLAT_TOL",
    "FacePoset",
    "MAX_CHAINS",
    "MAX_DIM",
    "NotFaceToFaceError",
    "Persistence",
    "TIE_TOL",
    "VERTEX_TOL",
    "betti_numbers",
    "decision_boundary",
    "decision_boundary_betti",
    "decision_region_betti",
    "dual_graph",
    "dual_summary",
    "face_poset",
    "face_poset_of_polytopes",
    "facet_volumes",
    "logit_persistence",
    "lower_star_persistence",
    "margin_persistence",
    "margin_sublevel_betti",
    "margin_values",
    "maximal_chains",
    "neuron_persistence",
    "neuron_values",
    "vertex_logits",
]
