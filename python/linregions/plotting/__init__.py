"""Pictures of the analyses, drawn with matplotlib's object API.

One convention for every function here: ``plot_x(data, ..., ax=None, path=None) -> Figure``.
A single-panel plot draws into ``ax`` when one is given (its figure is returned) and into a new
figure otherwise; a multi-panel plot takes ``fig=None`` instead of ``ax``. With ``path`` the
figure is also written (format by suffix). Nothing here touches pyplot's global state or switches
the matplotlib backend, so the plots work headless and inside notebooks alike; matplotlib is
imported only when a plot is drawn.
"""

from .angles import plot_angles
from .class_maxima import plot_class_maxima
from .complex import plot_complex, plot_complex_histograms
from .slices import plot_slices
from .surroundings import plot_surroundings
from .topology import plot_barcode, plot_persistence_diagram

__all__ = [
    "plot_angles",
    "plot_barcode",
    "plot_class_maxima",
    "plot_complex",
    "plot_complex_histograms",
    "plot_persistence_diagram",
    "plot_slices",
    "plot_surroundings",
]
