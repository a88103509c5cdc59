"""The annotation mask of an x3p file, as x3ptools and FiX3P store it.

This is not part of ISO 5436-2 itself: ``bindata/mask.png`` is an RGB image as wide as SizeX
and as high as SizeY (image row i = Y index i), and ``Record3/Mask`` names its background
colour and the colour of each annotation (e.g. "left groove", "firing pin"). A surface holds
the mask as integer labels: 0 for the background, then 1, 2, … in the order of the colours in
``meta["mask_colours"]`` (background first), so the labels survive a write and a read.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np

from bicentennial.core.errors import InvalidInput

if TYPE_CHECKING:
    from bicentennial.ballistics.x3p_xml import Header

MASK_LINK = "bindata/mask.png"
DEFAULT_COLOURS = ("#cd7f32", "#1f376c", "#629d4b", "#800080", "#ffff00", "#66ffff", "#ff0000", "#0000ff")
MSG_MASK_UNREADABLE = "bindata/mask.png is not a readable PNG image; mask ignored"
MSG_MASK_SIZE = "bindata/mask.png is {w}×{h} pixels but the surface is {nx}×{ny} points; mask ignored"
MSG_MASK_LABELS = "mask labels must be integers from 0 to {top}, found {low}..{high}"
MSG_MASK_SHAPE = "mask shape {mask} differs from the heights' shape {heights}"


def _code(colour: str) -> int:
    return int(colour.lstrip("#")[:6], 16)


def _find(archive: zipfile.ZipFile, base: str) -> str | None:
    names = {n.lower(): n for n in archive.namelist()}
    return names.get(f"{base}{MASK_LINK}".lower())


def _decode_png(content: bytes) -> np.ndarray | None:
    try:
        from PIL import Image

        with Image.open(io.BytesIO(content)) as image:
            rgb = np.asarray(image.convert("RGB"), dtype=np.int64)
    except Exception:  # any decoder failure means "no usable mask"; the caller reports it
        return None
    return rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]


def decode_mask(
    archive: zipfile.ZipFile, base: str, header: Header, report: Callable[[str], None]
) -> tuple[np.ndarray | None, dict[str, str]]:
    """Integer labels from ``mask.png`` and the meta entries that name their colours."""
    meta: dict[str, str] = {}
    if header.mask_annotations:
        meta["mask_annotations"] = "; ".join(f"{c}={label}" for c, label in header.mask_annotations)
    member = _find(archive, base)
    if member is None:
        return None, meta
    codes = _decode_png(archive.read(member))
    if codes is None:
        report(MSG_MASK_UNREADABLE)
        return None, meta
    if codes.shape != (header.ny, header.nx):
        report(MSG_MASK_SIZE.format(w=codes.shape[1], h=codes.shape[0], nx=header.nx, ny=header.ny))
        return None, meta
    palette = [header.mask_background or DEFAULT_COLOURS[0]]
    palette += [c for c, _ in header.mask_annotations if c]
    palette = list(dict.fromkeys(palette))
    known = {_code(c) for c in palette}
    palette += [f"#{code:06x}" for code in np.unique(codes).tolist() if code not in known]
    lookup = np.array([_code(c) for c in palette])
    order = np.argsort(lookup)
    labels = order[np.searchsorted(lookup[order], codes)].astype(np.int32)
    meta["mask_colours"] = " ".join(palette)
    return labels, meta


def encode_mask(
    mask: np.ndarray, shape: tuple[int, ...], meta: Mapping[str, str]
) -> tuple[bytes, tuple[str, list[tuple[str, str]]]]:
    """``mask.png`` bytes and the (background, annotations) that ``main.xml`` lists for it."""
    labels = np.asarray(mask)
    if labels.shape != shape:
        raise InvalidInput(MSG_MASK_SHAPE.format(mask=labels.shape, heights=shape))
    palette = meta.get("mask_colours", "").split() or list(DEFAULT_COLOURS)
    top = len(palette) - 1
    high, low = int(labels.max()), int(labels.min())
    if labels.dtype.kind not in "biu" or low < 0 or high > top:
        raise InvalidInput(MSG_MASK_LABELS.format(top=top, low=low, high=high))
    codes = np.array([_code(c) for c in palette], dtype=np.int64)[labels.astype(np.int64)]
    rgb = np.stack([(codes >> 16) & 255, (codes >> 8) & 255, codes & 255], axis=-1).astype(np.uint8)
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    notes = meta.get("mask_annotations")
    if notes:
        pairs = [tuple(item.split("=", 1)) for item in notes.split("; ")]
        annotations = [(p[0], p[1] if len(p) > 1 else "") for p in pairs]
    else:
        annotations = [(colour, str(i)) for i, colour in enumerate(palette[1 : high + 1], start=1)]
    return buffer.getvalue(), (palette[0], annotations)
