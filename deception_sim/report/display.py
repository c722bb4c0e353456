"""The figure type that the package's figure functions return: it shows itself in Jupyter.

A plain ``matplotlib.figure.Figure`` made without pyplot shows as
``<Figure size ...>`` in a notebook unless ``%matplotlib inline`` has
registered a formatter for it. :class:`DisplayFigure` is such a figure with a
``_repr_png_``, so a notebook shows the picture either way, in the package's
style (:mod:`deception_sim.report.style`). matplotlib is imported here at
module level: import this module only where a figure is drawn.

>>> from deception_sim.report.style import new_figure
>>> figure = new_figure("column")
>>> _ = figure.add_subplot().plot([0, 1], [0, 1])
>>> figure._repr_png_()[:8]
b'\\x89PNG\\r\\n\\x1a\\n'
"""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .style import SAVE_METADATA, styled


class DisplayFigure(Figure):
    """A ``Figure`` that Jupyter shows as a PNG (and that needs no pyplot)."""

    def _repr_png_(self) -> bytes:
        if not isinstance(self.canvas, FigureCanvasAgg):
            FigureCanvasAgg(self)
        buffer = io.BytesIO()
        with styled():
            self.savefig(buffer, format="png", metadata=SAVE_METADATA[".png"])
        return buffer.getvalue()
