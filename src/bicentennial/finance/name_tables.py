"""Data tables for Mexican-aware name matching: particles, abbreviations, nicknames, legal forms.

Kept as data, apart from the code, so an analyst can extend them without touching the matcher.
Everything is written folded (upper case, no accents, Ñ as N), the form ``names.fold`` produces.
"""

from __future__ import annotations

# Particles join the surname or given name that follows ("DE LA ROSA", "MARIA DE LA LUZ"): Mexican
# civil registries write them, lists and customers often drop or change them. AL/EL/VAN/VON/DA/DOS/DI/DU
# play the same role in the foreign names the SDN list also carries.
PARTICLES = frozenset(
    {
        "DE",
        "DEL",
        "LA",
        "LAS",
        "LOS",
        "Y",
        "E",
        "VDA",
        "VIUDA",
        "AL",
        "EL",
        "VAN",
        "VON",
        "DA",
        "DOS",
        "DAS",
        "DI",
        "DU",
    }
)

# Generational suffixes (GONZALEZ PIZANA JR., Rogelio): not part of the name a form asks for.
SUFFIXES = frozenset({"JR", "SR", "JUNIOR", "II", "III", "IV"})

# Words a company name carries that say nothing about which company it is.
COMPANY_STOPWORDS = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "EL", "Y", "E", "THE", "OF", "AND", "FOR", "AL", "EN"})
GENERIC_COMPANY_WORDS = frozenset(
    {
        "ADMINISTRADORA", "AGENCIA", "ASOCIADOS", "BANCO", "CASA", "CENTRO", "COMERCIAL", "COMERCIALIZADORA",
        "COMPANIA", "COMPANY", "CONSTRUCTORA", "CONSULTORES", "CORPORACION", "CORPORATIVO", "DESARROLLOS",
        "DISTRIBUIDORA", "EMPRESA", "ENTERPRISES", "EXPORTADORA", "FARMACIA", "GROUP", "GRUPO", "HOLDING",
        "HOLDINGS", "IMPORTADORA", "INDUSTRIAS", "INMOBILIARIA", "INTERNACIONAL", "INTERNATIONAL", "INVERSIONES",
        "INVESTMENT", "MEXICO", "NACIONAL", "OPERADORA", "PROMOTORA", "SERVICIOS", "SERVICES", "SOCIEDAD",
        "TRADING", "TRANSPORTES", "MEXICANA",
    }
)  # fmt: skip
# Words that mark a name as a company when the caller did not say what it is.
COMPANY_MARKERS = GENERIC_COMPANY_WORDS | {"LTD", "LLC", "INC", "GMBH", "LTDA", "LIMITED", "CORP", "BANK"}

# Legal forms, longest first; written with dots as registries print them, matched with or without
# dots and spaces. Forms marked ambiguous (also ordinary words) are only stripped when written with a
# dot, after a comma, or when the caller says the name is a company.
LEGAL_FORMS = (
    "S.A.P.I. DE C.V.", "S.A.B. DE C.V.", "S. DE R.L. DE C.V.", "S.A. DE C.V.", "S.C. DE R.L.", "S. DE R.L.",
    "S. EN C.", "S.A.S.", "S.R.L.", "S.A.", "S.C.", "A.C.", "S.P.R. DE R.L.", "LLC", "L.L.C.", "INC.", "LTD.",
    "LTDA.", "CORP.", "CO.", "GMBH", "LIMITED", "PLC",
)  # fmt: skip
AMBIGUOUS_FORMS = frozenset({"SA", "SC", "AC", "CO", "INC", "LTD", "CORP", "LTDA"})

# Abbreviations Mexican paperwork uses for given names (MA. DE LOURDES, FCO. JAVIER, J. GPE.).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "MA": ("MARIA",), "FCO": ("FRANCISCO",), "FCA": ("FRANCISCA",), "GPE": ("GUADALUPE",),
    "JOS": ("JOSE",), "GMO": ("GUILLERMO",), "ALEJ": ("ALEJANDRO",), "FDO": ("FERNANDO",),
    "FEDCO": ("FEDERICO",), "STA": ("SANTA",), "STO": ("SANTO",), "MIG": ("MIGUEL",),
}  # fmt: skip

# Hypocoristics (nicknames) as given-name equivalents; several readings where usage is ambiguous.
# A value of two words (CHEMA = JOSE MARIA) stands for two given names.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "PEPE": ("JOSE",), "CHEPE": ("JOSE",), "PACO": ("FRANCISCO",), "PANCHO": ("FRANCISCO",),
    "LUPE": ("GUADALUPE",), "LUPITA": ("GUADALUPE",), "CHUY": ("JESUS",), "CHUEY": ("JESUS",),
    "CHUCHO": ("JESUS",), "MEMO": ("GUILLERMO",), "LALO": ("EDUARDO",), "NACHO": ("IGNACIO",),
    "BETO": ("ALBERTO", "ROBERTO", "HUMBERTO"), "TONO": ("ANTONIO",), "TONY": ("ANTONIO",),
    "CHEMA": ("JOSE MARIA",), "QUIQUE": ("ENRIQUE",), "RAFA": ("RAFAEL",), "CHAYO": ("ROSARIO",),
    "CONCHA": ("CONCEPCION",), "CONCHITA": ("CONCEPCION",), "LENCHO": ("LORENZO",), "PONCHO": ("ALFONSO",),
    "CHUCHA": ("JESUS",), "GOYO": ("GREGORIO",), "NENA": ("MAGDALENA", "ELENA"), "CHELO": ("CONSUELO",),
    "LOLA": ("DOLORES",), "LOLITA": ("DOLORES",), "PILI": ("PILAR",), "CHAVA": ("SALVADOR",),
    "CHAVO": ("SALVADOR",), "CHALO": ("GONZALO",), "CHENTE": ("VICENTE",), "PEDRITO": ("PEDRO",),
    "JUANCHO": ("JUAN",), "NANDO": ("FERNANDO", "HERNANDO"), "FITO": ("ADOLFO", "RODOLFO"),
    "TACHO": ("ANASTASIO",), "CHON": ("ENCARNACION", "ASUNCION"), "MANOLO": ("MANUEL",), "MEMA": ("GUILLERMINA",),
    "TERE": ("TERESA",), "PATY": ("PATRICIA",), "PATI": ("PATRICIA",), "VICKY": ("VICTORIA",),
    "GERA": ("GERARDO",), "LICHA": ("ALICIA",), "NATI": ("NATIVIDAD",), "CHARO": ("ROSARIO",),
    "MAYO": ("ISMAEL",), "ALEX": ("ALEJANDRO",), "MIKE": ("MIGUEL",), "TOMY": ("TOMAS",), "BENNY": ("BENJAMIN",),
}  # fmt: skip

# Compound given names read as one given name when a natural-order name has no comma.
COMPOUND_GIVEN = frozenset(
    {
        "JOSE DE JESUS", "MARIA DE JESUS", "MARIA DE LA LUZ", "MARIA DE LOURDES", "MARIA DE LOS ANGELES",
        "MARIA DEL CARMEN", "MARIA DEL ROSARIO", "MARIA DEL SOCORRO", "MARIA DE LA PAZ", "JUAN DE DIOS",
        "JUAN DE LA CRUZ", "MARIA DEL REFUGIO", "MARIA DE LA CONCEPCION", "MARIA DEL PILAR", "JOSE DE LA CRUZ",
    }
)  # fmt: skip

# The most frequent given names and surnames in Mexico (civil registry and INE rankings): a match that
# rests on these alone is weak evidence.
COMMON_GIVEN = (
    "JOSE", "JUAN", "MARIA", "LUIS", "CARLOS", "JESUS", "ANTONIO", "FRANCISCO", "MIGUEL", "ALEJANDRO",
    "GUADALUPE", "MANUEL", "PEDRO", "JORGE", "RICARDO", "FERNANDO", "ROBERTO", "DANIEL", "EDUARDO", "JAVIER",
    "RAFAEL", "MARTIN", "RAUL", "DAVID", "ANGEL", "SERGIO", "ARTURO", "ALBERTO", "ENRIQUE", "GERARDO",
    "VICTOR", "MARIO", "HECTOR", "OSCAR", "PABLO", "ANA", "ROSA", "PATRICIA", "LETICIA", "ELIZABETH",
    "GABRIELA", "VERONICA", "ALEJANDRA", "ADRIANA", "MARTHA", "SILVIA", "LAURA", "TERESA", "CLAUDIA", "ISABEL",
)  # fmt: skip
COMMON_SURNAMES = (
    "HERNANDEZ", "GARCIA", "MARTINEZ", "LOPEZ", "GONZALEZ", "RODRIGUEZ", "PEREZ", "SANCHEZ", "RAMIREZ",
    "CRUZ", "FLORES", "GOMEZ", "MORALES", "VAZQUEZ", "REYES", "JIMENEZ", "TORRES", "DIAZ", "GUTIERREZ", "RUIZ",
    "MENDOZA", "AGUILAR", "ORTIZ", "MORENO", "CASTILLO", "ROMERO", "ALVAREZ", "MENDEZ", "CHAVEZ", "RIVERA",
    "JUAREZ", "RAMOS", "DOMINGUEZ", "HERRERA", "MEDINA", "CASTRO", "VARGAS", "GUZMAN", "VELAZQUEZ", "MUNOZ",
    "ROJAS", "CONTRERAS", "SALAZAR", "LUNA", "ORTEGA", "SANTIAGO", "GUERRERO", "ESTRADA", "BAUTISTA", "CORTES",
)  # fmt: skip
COMMON_NAMES = frozenset(COMMON_GIVEN) | frozenset(COMMON_SURNAMES)
