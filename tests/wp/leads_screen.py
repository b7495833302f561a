"""The Leads screen as the owner reads it: its rows, column by column, parsed from the HTML
WordPress's list table prints (`<tr>` in `#the-list`, one `column-<name>` cell each)."""

from __future__ import annotations

from html.parser import HTMLParser

import requests

from tests.wordpress import WordPress

Row = dict[str, str]


class _ListTable(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[Row] = []
        self._in_list = False
        self._row: Row | None = None
        self._column: str | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "tbody" and found.get("id") == "the-list":
            self._in_list = True
        elif self._in_list and tag == "tr" and "no-items" not in found.get("class", ""):
            self._row = {}
        elif self._row is not None and tag in ("td", "th"):
            columns = [c[7:] for c in found.get("class", "").split() if c.startswith("column-")]
            self._column = columns[0] if columns else "cb"
            self._row[self._column] = ""
        if self._row is not None and self._column is not None and tag in ("br", "div", "p"):
            self._row[self._column] += " "

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_list = False
        elif tag == "tr" and self._row is not None:
            self.rows.append({k: " ".join(v.split()) for k, v in self._row.items()})
            self._row = None
        elif tag in ("td", "th"):
            self._column = None

    def handle_data(self, data: str) -> None:
        if self._row is not None and self._column is not None:
            self._row[self._column] += data


def leads_screen(admin: requests.Session, wp: WordPress, **query: str) -> list[Row]:
    """The rows the Leads screen shows for these arguments (s, igsync_status, orderby, …)."""
    return parse_rows(leads_html(admin, wp, **query))


def leads_html(admin: requests.Session, wp: WordPress, **query: str) -> str:
    answer = admin.get(
        f"{wp.url}/wp-admin/admin.php", params={"page": "igsync-leads", **query}, timeout=30
    )
    assert answer.status_code == 200, answer.text[:300]
    return answer.text


def parse_rows(page: str) -> list[Row]:
    table = _ListTable()
    table.feed(page)
    return table.rows


def handles(rows: list[Row]) -> list[str]:
    """The Instagram column's handles, in the order shown (row actions left out)."""
    return [row["username"].split()[0] for row in rows]
