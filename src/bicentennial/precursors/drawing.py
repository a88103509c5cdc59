"""SVG depictions of structures for the screening pages.

RDKit's SVG writer starts with an XML declaration, which is invalid inside an HTML document, so it
is cut off; the drawing keeps RDKit's own stereo and charge annotations so that a reviewer sees the
same parent the engine matched.
"""

from __future__ import annotations

from rdkit import Chem
from rdkit.Chem.Draw import rdMolDraw2D

MIN_SIDE = 16
MAX_SIDE = 4096


def render_svg(mol: Chem.Mol, *, width: int = 320, height: int = 240) -> str:
    """Draw ``mol`` as an inline ``<svg>`` element; sizes are clamped to a sane pixel range."""
    width = min(max(int(width), MIN_SIDE), MAX_SIDE)
    height = min(max(int(height), MIN_SIDE), MAX_SIDE)
    drawer = rdMolDraw2D.MolDraw2DSVG(width, height)
    rdMolDraw2D.PrepareAndDrawMolecule(drawer, Chem.Mol(mol))
    drawer.FinishDrawing()
    svg: str = drawer.GetDrawingText()
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
