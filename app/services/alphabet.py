"""The order of the Finnish and Swedish alphabets, which end in Z, Å, Ä, Ö, for sorting names and answers."""

from sqlalchemy import func

# Å, Ä and Ö come after Z. By code point Ä comes before Å, and some collations (en_US) mix them
# among the A's; spelt as letters after z they sort right in Python and on any database.
NORDIC_LAST_LETTERS = (("å", "zz1"), ("ä", "zz2"), ("ö", "zz3"))
SPELT_AFTER_Z = str.maketrans(dict(NORDIC_LAST_LETTERS))


def nordic_order(text: str) -> str:
    """A sort key for text in Python in the order of the Finnish and Swedish alphabets, letter case aside."""
    return text.casefold().translate(SPELT_AFTER_Z)


def alphabetical(column):
    """A sort key for a column in SQL in the order of the Finnish and Swedish alphabets, letter case aside."""
    key = func.lower(column)
    for letter, spelt in NORDIC_LAST_LETTERS:
        key = func.replace(key, letter, spelt)
    return key
