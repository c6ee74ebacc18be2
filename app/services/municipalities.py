"""The municipalities of Uusimaa, kept in step with the one list the service has of them."""

import csv
from pathlib import Path

from sqlalchemy import select

from app.extensions import cache, db
from app.models import Municipality

# The single source of the list; nothing else in the code names the municipalities.
MUNICIPALITIES_CSV = Path(__file__).resolve().parent.parent / "data" / "uusimaa-municipalities.csv"


def parse_bilingual(value: str) -> bool:
    """Read the CSV's bilingual column, refusing anything but true or false."""
    flag = value.strip().lower()
    if flag not in {"true", "false"}:
        raise ValueError(f"bilingual must be true or false, not {value!r}")
    return flag == "true"


def read_municipalities(path: Path = MUNICIPALITIES_CSV) -> list[dict]:
    """The rows of the municipality list: code, Finnish and Swedish names and the bilingual flag."""
    # utf-8-sig: the list may be saved from Excel, which starts the file with a BOM.
    with path.open(encoding="utf-8-sig", newline="") as csv_file:
        return [
            {
                "code": row["code"].strip(),
                "name_fi": row["name_fi"].strip(),
                "name_sv": row["name_sv"].strip(),
                "bilingual": parse_bilingual(row["bilingual"]),
            }
            for row in csv.DictReader(csv_file)
        ]


@cache.memoize()
def municipality_names(language: str) -> list[tuple[str, str]]:
    """(code, name) of every municipality in Finnish, or in Swedish for "sv"; cached, as the list changes only with a deploy."""
    name = Municipality.name_sv if language == "sv" else Municipality.name_fi
    return [tuple(row) for row in db.session.execute(select(Municipality.code, name))]


def load_municipalities(path: Path = MUNICIPALITIES_CSV) -> int:
    """Insert or update every municipality of the list (the caller commits); returns how many were new."""
    existing = {m.code: m for m in db.session.execute(select(Municipality)).scalars()}
    added = 0
    for row in read_municipalities(path):
        municipality = existing.get(row["code"])
        if municipality is None:
            db.session.add(Municipality(**row))
            added += 1
            continue
        municipality.name_fi = row["name_fi"]
        municipality.name_sv = row["name_sv"]
        municipality.bilingual = row["bilingual"]
    db.session.flush()
    cache.delete_memoized(municipality_names)
    return added
