"""Importers for the Outcomes pillar: one official file in, observations out (no database)."""

from bicentennial.outcomes.importers.base import ImportFormatError, Observation, Parsed
from bicentennial.outcomes.importers.detect import FORMATS, detect_format, parse_file

__all__ = ["FORMATS", "ImportFormatError", "Observation", "Parsed", "detect_format", "parse_file"]
