"""Structured fields out of OFAC's free-text Remarks.

The legacy SDN CSV keeps everything but the name, type and programme in one Remarks field:
"DOB 15 Dec 1967; POB Chihuahua, Mexico; nationality Mexico; R.F.C. AIMM-671215-387 (Mexico);
C.U.R.P. AIMM67125HCHRRG06 (Mexico) issued 1968; a.k.a. 'EL CHAPO'; Linked To: LOS ZETAS." Parts are
separated by "; ", an "alt. " prefix marks a second value of the same kind, identifiers read
"LABEL [#] VALUE (Country) [issued …] [expires …]", and quoted a.k.a.s are OFAC's *weak* aliases
(nicknames it publishes as leads, not as names). Parts this module does not recognise are kept, as
written, in ``other`` so no information is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bicentennial.finance.identifiers import Identifier, make_identifier
from bicentennial.finance.partial_dates import PartialDate, parse_partial_date

# Label as OFAC writes it -> identifier kind. Longest labels are tried first.
IDENTIFIER_LABELS = {
    "C.U.R.P.": "curp", "CURP": "curp", "R.F.C.": "rfc", "RFC": "rfc", "C.U.I.P.": "cuip",
    "Passport": "passport", "Diplomatic Passport": "passport", "Passport Booklet": "passport",
    "Stateless Person Passport": "passport", "British National Overseas Passport": "passport",
    "Travel Document Number": "passport", "Cedula No.": "cedula", "National ID No.": "national_id",
    "Personal ID Card": "national_id", "Identification Number": "national_id", "D.N.I.": "national_id",
    "Numero de Identidad": "national_id", "Kenyan ID No.": "national_id", "C.U.I.": "national_id",
    "Turkish Identification Number": "national_id", "Citizen's Card Number": "national_id",
    "Tazkira National ID Card": "national_id", "Moroccan Personal ID No.": "national_id",
    "CNP (Personal Numerical Code)": "national_id", "National Foreign ID Number": "national_id",
    "LE Number": "national_id", "Residency Number": "residency", "Immigration No.": "residency",
    "Credencial electoral": "electoral_id", "I.F.E.": "electoral_id", "Electoral Registry No.": "electoral_id",
    "Cartilla de Servicio Militar Nacional": "military_id", "Driver's License No.": "drivers_license",
    "SSN": "ssn", "NIT": "tax_id", "RUC": "tax_id", "Tax ID No.": "tax_id", "RIF": "tax_id",
    "C.U.I.T.": "tax_id", "V.A.T. Number": "tax_id", "C.I.F.": "tax_id", "RTN": "tax_id", "US FEIN": "tax_id",
    "Fiscal Code": "tax_id", "RSIN": "tax_id", "N.I.E.": "national_id",
    "Unified Social Credit Code (USCC)": "registration", "United Social Credit Code Certificate (USCCC)":
    "registration", "Folio Mercantil No.": "registration", "Registration Number": "registration",
    "Registration ID": "registration", "Commercial Registry Number": "registration",
    "Matricula Mercantil No": "registration", "Company Number": "registration",
    "UK Company Number": "registration", "Business Registration Number": "registration",
    "Business Registration Document": "registration", "C.R. No.": "registration",
    "Chamber of Commerce Number": "registration", "Trade License No.": "registration",
    "Certificate of Incorporation Number": "registration", "Public Registration Number": "registration",
    "Government Gazette Number": "registration", "Enterprise Number": "registration",
    "Legal Entity Number": "registration", "Branch Unit Number": "registration",
    "D-U-N-S Number": "duns", "Vessel Registration Identification": "imo", "MMSI": "mmsi",
    "SWIFT/BIC": "swift", "Aircraft Manufacturer's Serial Number (MSN)": "aircraft_serial",
    "Aircraft Tail Number": "aircraft_tail", "Birth Certificate Number": "birth_certificate",
}  # fmt: skip
_LABELS = sorted(IDENTIFIER_LABELS, key=len, reverse=True)
_IDENT_REST = re.compile(r"^[\s#:]*(?P<value>.*?)(?:\s*\((?P<country>[^()]*)\))?(?P<note>\s+(?:issued|expires)\b.*)?$")
_AKA = re.compile(r"^a\.k\.a\.?\s*'(?P<name>.*)'$", re.IGNORECASE)
_SIMPLE = {
    "dob": "DOB", "pob": "POB", "nationality": "nationality", "citizen": "citizen", "gender": "Gender",
    "linked": "Linked To:", "website": "Website", "email": "Email Address",
    "phone": "Phone Number", "telephone": "Telephone", "fax": "Fax",
}  # fmt: skip
_ABBREVIATION_END = re.compile(r"(?:^|[\s.,])[A-Za-z]\.$")

DOB_UNREAD = "date of birth {text!r} could not be read"


@dataclass(frozen=True)
class Remarks:
    """What a Remarks field says. ``nationalities`` holds nationality and citizen values alike:
    both are the same supporting evidence for a screener; ``citizenships`` keeps the latter apart."""

    dobs: tuple[PartialDate, ...] = ()
    pobs: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    weak_aliases: tuple[str, ...] = ()
    linked_to: tuple[str, ...] = ()
    other: tuple[str, ...] = ()
    citizenships: tuple[str, ...] = ()
    gender: str | None = None
    websites: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def split_parts(text: str) -> list[str]:
    """The "; "-separated parts, without the closing full stop OFAC adds to the whole field.

    The stop is kept when it ends an abbreviation ("PETROLEOS DE VENEZUELA, S.A.").
    """
    cleaned = text.strip()
    if cleaned in ("", "-0-"):
        return []
    if cleaned.endswith(".") and not _ABBREVIATION_END.search(cleaned):
        cleaned = cleaned[:-1]
    return [part.strip() for part in cleaned.split(";") if part.strip()]


def _identifier(part: str) -> Identifier | None:
    label = next(
        (lab for lab in _LABELS if part.startswith(lab) and part[len(lab) : len(lab) + 1] in (" ", "#", ":")), None
    )
    if label is None:
        return None
    match = _IDENT_REST.match(part[len(label) :])
    if match is None or not match["value"]:
        return None
    return make_identifier(
        IDENTIFIER_LABELS[label],
        match["value"],
        (match["country"] or "").strip(),
        label=label,
        note=(match["note"] or "").strip(),
    )


def _simple(part: str) -> tuple[str, str] | None:
    for key, label in _SIMPLE.items():
        if part.startswith(label + " ") or (label.endswith(":") and part.startswith(label)):
            return key, part[len(label) :].strip(" :")
    return None


class _Collector:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {key: [] for key in (*_SIMPLE, "aka", "other", "problems")}
        self.dobs: list[PartialDate] = []
        self.identifiers: list[Identifier] = []

    def add(self, part: str) -> None:
        body = part[5:].strip() if part.startswith("alt. ") else part
        aka = _AKA.match(body)
        if aka:
            self.fields["aka"].append(aka["name"].strip())
            return
        simple = _simple(body)
        if simple is None:
            found = _identifier(body)
            if found is not None:
                self.identifiers.append(found)
            else:
                self.fields["other"].append(part)
            return
        key, value = simple
        if key == "dob":
            dob = parse_partial_date(value)
            if dob is None:
                self.fields["problems"].append(DOB_UNREAD.format(text=value))
            else:
                self.dobs.append(dob)
        self.fields[key].append(value)

    def result(self) -> Remarks:
        f = {key: tuple(dict.fromkeys(values)) for key, values in self.fields.items()}
        return Remarks(
            dobs=tuple(self.dobs),
            pobs=f["pob"],
            nationalities=tuple(dict.fromkeys(f["nationality"] + f["citizen"])),
            identifiers=tuple(dict.fromkeys(self.identifiers)),
            weak_aliases=f["aka"],
            linked_to=f["linked"],
            other=f["other"],
            citizenships=f["citizen"],
            gender=f["gender"][0] if f["gender"] else None,
            websites=f["website"],
            emails=f["email"],
            phones=f["phone"] + f["telephone"] + f["fax"],
            problems=f["problems"],
        )


def parse_remarks(text: str) -> Remarks:
    """Parse one Remarks field (with its sdn_comments overflow already appended); never raises."""
    collector = _Collector()
    for part in split_parts(text):
        collector.add(part)
    return collector.result()
