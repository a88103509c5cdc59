"""Sanctions and national lists, read into one model the screener matches against.

The readers live in :mod:`~bicentennial.finance.lists_ofac` (OFAC SDN legacy CSV),
:mod:`~bicentennial.finance.lists_ftm` (FollowTheMoney / OpenSanctions) and
:mod:`~bicentennial.finance.lists_csv` (national lists); the model in
:mod:`~bicentennial.finance.list_model`. Import from here.
"""

from __future__ import annotations

from bicentennial.finance.identifiers import Identifier
from bicentennial.finance.list_model import Address, Alias, ListEntity, ListFile
from bicentennial.finance.lists_csv import read_csv_list
from bicentennial.finance.lists_ftm import read_ftm
from bicentennial.finance.lists_ofac import read_ofac_sdn
from bicentennial.finance.partial_dates import PartialDate

__all__ = [
    "Address",
    "Alias",
    "Identifier",
    "ListEntity",
    "ListFile",
    "PartialDate",
    "read_csv_list",
    "read_ftm",
    "read_ofac_sdn",
]
