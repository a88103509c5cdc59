"""Manifests as customs, regulators and distributors keep them: CSV or XLSX, English or Spanish headers.

Columns are recognised by header (``name``/``nombre``, ``cas``, ``smiles``, ``hs_code``/
``fraccion_arancelaria``, ``quantity``/``cantidad`` ...) through :mod:`bicentennial.core.tables`,
which streams the rows.
"""

from __future__ import annotations

from pathlib import Path

from bicentennial.core.tables import Table, TableRow, chunks, open_table, squeeze

__all__ = ["HEADERS", "IDENTIFYING", "Manifest", "ManifestRow", "canonical_header", "chunks", "open_manifest"]

# Canonical field -> accepted headers (folded, with spaces/underscores/dots removed).
HEADERS: dict[str, tuple[str, ...]] = {
    "name": (
        "name",
        "nombre",
        "chemical",
        "chemicalname",
        "substance",
        "sustancia",
        "producto",
        "product",
        "description",
        "descripcion",
        "goods",
        "mercancia",
        "nombrequimico",
    ),
    "cas": ("cas", "casno", "casnumber", "casrn", "numerocas", "nocas", "cas#"),
    "smiles": ("smiles",),
    "inchi": ("inchi",),
    "inchikey": ("inchikey",),
    "molfile": ("molfile", "mol", "molblock"),
    "hs_code": ("hscode", "hs", "tariffcode", "fraccionarancelaria", "fraccion", "htscode", "hts"),
    "quantity": ("quantity", "qty", "cantidad", "amount"),
    "unit": ("unit", "units", "unidad", "unidades", "uom", "unidaddemedida"),
    "concentration": ("concentration", "concentracion", "purity", "pureza"),
    "importer": ("importer", "importador", "consignee", "consignatario", "buyer", "comprador"),
    "exporter": ("exporter", "exportador", "shipper", "remitente", "seller", "vendedor"),
    "date": ("date", "fecha", "shipmentdate", "fechaembarque"),
    "origin": ("origin", "origen", "paisorigen", "countryoforigin", "exportingcountry"),
    "destination": ("destination", "destino", "paisdestino", "importingcountry"),
    "transit": ("transit", "transito", "transitcountries", "paisestransito", "via"),
    "reference": ("reference", "referencia", "ref", "id", "lineid", "partida"),
}
IDENTIFYING = ("name", "cas", "smiles", "inchi", "inchikey", "molfile")
_LOOKUP = {squeeze(alias): canonical for canonical, aliases in HEADERS.items() for alias in aliases}
ManifestRow = TableRow
Manifest = Table


def canonical_header(header: str) -> str | None:
    return _LOOKUP.get(squeeze(header))


def open_manifest(path: Path, *, display_name: str | None = None) -> Manifest:
    """Open a CSV or XLSX manifest; raises :class:`InvalidInput` naming the file when it cannot be read."""
    return open_table(
        path, HEADERS, required_any=IDENTIFYING, what="identifies the chemical", display_name=display_name
    )
