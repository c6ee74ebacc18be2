"""Long lists shown a page at a time: which page to show, where its rows stand among all, and the search narrowing them."""

from math import ceil

from sqlalchemy import ColumnElement, or_


class Paged:
    """What a page of a long list tells about its place; the dataclass using it has `total`, `page` and `page_size`."""

    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """How many pages the matching rows fill; at least one."""
        return max(1, ceil(self.total / self.page_size))

    @property
    def first_number(self) -> int:
        """The position of the page's first row among all matching ones, counting from 1."""
        return (self.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_number(self) -> int:
        """The position of the page's last row among all matching ones."""
        return min(self.page * self.page_size, self.total)


def page_within(page: int, total: int, page_size: int) -> int:
    """The asked page, moved within the pages there are (the first when there are none)."""
    return min(max(page, 1), max(1, ceil(total / page_size)))


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds the term anywhere, its own % and _ taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def found_in(search: str, columns) -> ColumnElement[bool] | None:
    """The condition that the search text, its spaces evened out, is in one of the columns; None for no search."""
    term = " ".join(search.split())
    if not term:
        return None
    pattern = like_pattern(term)
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))


def filters_in_force(filters, names: tuple[str, ...]) -> dict:
    """The named filters that are set, for the audit log; a search only as set, since its text may name a person."""
    used = {name: getattr(filters, name) for name in names if getattr(filters, name)}
    if filters.search.strip():
        used["search"] = True
    return used
