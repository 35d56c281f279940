"""One figure, one value (#13): every figure of the notebook's key figures and of the customer summary
sheet (客户汇总) is the same everywhere it appears — the notebook page (its context, the key figures it
renders and its sections), the customer and sales lists, the aging, profitability and value reports,
the risk dashboard and the alerts list, their .xlsx exports, the home page and the notebook workbook
(all customers, and one customer's through the notebook's own link) — and equals the figure worked out
by hand for the hand-built portfolio (tests/notebook/conftest.py).

Each case is one figure of one customer: it reads the figure from every place that shows it (the
response's context where the page has the objects, the rendered table cells or the rendered page
where it only renders, the cells of the .xlsx), then compares them all with the hand-worked value:
money to the fen, percentages to the precision each place shows them (0.1 % on a page, the ratio to
0.0001 in a workbook), days to 0.1.
"""

import datetime
import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from costing.tables import ProfitabilityTable
from custnotes.money import currency_sign
from custnotes.registry import registry
from custnotes.summary import summary_rows
from custnotes.workbook import SUMMARY_TITLE
from customers.tables import CustomerTable
from risk.tables import DebtorTable, RiskAlertTable
from transactions.choices import AgingBucket, SaleStatus
from transactions.tables import AgingTable, SaleTable
from valuation.services import valuation_run
from valuation.tables import CustomerValuationTable

from .conftest import EXPECTED, build_portfolio, expected_row

pytestmark = pytest.mark.django_db

D = Decimal
CENT = D("0.01")
NAMES = ("alpha", "beta", "formula")
DASH = "—"
ABSENT = object()  # a place that does not show this customer (a list of some customers only)
LISTED = object()  # a place that lists every customer: not finding one there fails
EN = {c.key: c.header_en for c in registry.summary_columns(exported_only=True)}
KINDS = {c.key: c.kind for c in registry.summary_columns()}


# --- reading what a page renders ------------------------------------------------------------------

VOID_TAGS = frozenset(("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"))


class Node:
    """An element of a rendered page: tag, attributes, children (elements and strings)."""

    def __init__(self, tag, attrs):
        self.tag, self.attrs, self.children = tag, dict(attrs), []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def elements(self) -> list["Node"]:
        return [c for c in self.children if isinstance(c, Node)]

    def walk(self):
        yield self
        for child in self.elements():
            yield from child.walk()

    def find(self, *, tag=None, id=None, cls=None) -> list["Node"]:
        return [
            n
            for n in self.walk()
            if (tag is None or n.tag == tag)
            and (id is None or n.attrs.get("id") == id)
            and (cls is None or cls in n.classes)
        ]

    def one(self, **kwargs) -> "Node":
        (found,) = self.find(**kwargs)
        return found

    def text(self) -> str:
        parts = []

        def collect(node):
            for child in node.children:
                if isinstance(child, str):
                    parts.append(child)
                else:
                    collect(child)

        collect(self)
        return " ".join("".join(parts).split())

    def own_text(self) -> str:
        """The element's own strings, not its children's (a heading without its badge)."""
        return " ".join("".join(c for c in self.children if isinstance(c, str)).split())


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("document", [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(content: bytes) -> Node:
    builder = _TreeBuilder()
    builder.feed(content.decode())
    builder.close()
    return builder.root


def boxes(root: Node) -> dict[str, str]:
    """The figure boxes of a part of a page: {label: the text of the element after the label}."""
    found = {}
    for node in root.walk():
        elements = node.elements()
        for i, child in enumerate(elements):
            if "figure-label" in child.classes:
                found[child.text()] = elements[i + 1].text() if i + 1 < len(elements) else ""
    return found


def row_pairs(root: Node) -> dict[str, str]:
    """The rows of a two-column table (a heading cell, a figure cell): {heading: figure}."""
    pairs = {}
    for tr in root.find(tag="tr"):
        heads = [e for e in tr.elements() if e.tag == "th"]
        cells = [e for e in tr.elements() if e.tag == "td"]
        if len(heads) == 1 and cells:
            pairs[heads[0].text()] = cells[0].text()
    return pairs


def definitions(root: Node) -> dict[str, str]:
    """A definition list: {term: the definition's own text (without its notes)}."""
    found = {}
    for node in root.walk():
        elements = node.elements()
        for i, child in enumerate(elements):
            if child.tag == "dt" and i + 1 < len(elements):
                found[child.text()] = elements[i + 1].own_text() or elements[i + 1].text()
    return found


def cell_text(value) -> str:
    """What a rendered table cell reads (its HTML as text)."""
    return " ".join(unescape(strip_tags(str(value))).split())


def money(text: str):
    """¥1,400.00 / -¥10.00 -> Decimal; — or nothing -> None."""
    text = text.strip()
    if text in ("", DASH):
        return None
    return D(text.replace(currency_sign(), "").replace(",", ""))


def percent(text: str):
    """66.7 % -> Decimal("0.667") (the precision the page shows); — -> None."""
    text = text.strip()
    if text in ("", DASH):
        return None
    return D(text.removesuffix("%").strip()).scaleb(-2)


def days(text: str):
    text = text.strip()
    return None if text in ("", DASH) else D(text)


def plain(text):
    """Text as a page or a sheet gives it; no value (None, "", —) reads as ""."""
    return "" if text is None or str(text).strip() in ("", DASH) else str(text).strip()


STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def stamped(node: Node) -> str:
    """The date and time (to the minute) a part of a page says something was done at."""
    return STAMP.search(node.text()).group(0)


def xlsx_ratio(value):
    """A ratio cell of a workbook, to the 0.0001 it is stored with."""
    return None if value is None else D(repr(value)).quantize(D("0.0001"))


def cited_amount(texts, template: str):
    """The amount a wording like "%(amount)s over 90 days past due" gives in any of `texts`; 0 when
    none cites it (an alert or reason names only the buckets with money in them)."""
    before, after = template.split("%(amount)s")
    pattern = re.compile(re.escape(before) + r"(-?" + re.escape(currency_sign()) + r"[\d,]+\.\d{2})" + re.escape(after))
    for text in texts:
        if found := pattern.search(text):
            return money(found.group(1))
    return D("0.00")


MONEY = re.compile(r"-?" + re.escape(currency_sign()) + r"[\d,]+\.\d{2}")


def noted_amount(root: Node):
    """The amount of the "cost unknown" note in a part of a page (shown only when there is some)."""
    notes = root.find(cls="cost-unknown")
    if not notes:
        return D("0.00")
    (note,) = notes
    return money(MONEY.search(note.text()).group(0))


# --- the places ------------------------------------------------------------------------------------


def xlsx_book(response):
    assert response.status_code == 200, response
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(BytesIO(content))


def export_rows(response, table_class, *, totals=False) -> list[dict]:
    """The rows of a list or report export, {column name: cell value}: the title row, the header row,
    the rows, then (for a table with totals) the totals row, which is left out."""
    sheet = xlsx_book(response).active
    table = table_class([], totals=None) if totals else table_class([])
    names = {str(column.header): column.name for column in table.columns.iterall()}
    header, *rows = list(sheet.iter_rows(min_row=2, values_only=True))
    if totals:
        rows = rows[:-1]
    return [{names.get(str(h), str(h)): v for h, v in zip(header, row, strict=True)} for row in rows]


def sheet_rows(sheet) -> list[dict]:
    """The rows of a workbook sheet, {English header: value}."""
    headers = [str(c.value).split(" / ")[-1] for c in sheet[1]]
    return [dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


def shown_rows(table) -> list:
    """The rows a page shows of a table (its current page)."""
    return list(table.paginated_rows) if getattr(table, "page", None) else list(table.rows)


def shown_cell(row, column: str) -> str:
    assert row.table.columns[column].visible, f"the page does not show {column}"
    return cell_text(row.get_cell(column))


class Places:
    """Every place a figure appears in, read lazily (each page or file fetched once per test)."""

    def __init__(self, client, portfolio):
        self.client, self.portfolio = client, portfolio
        self._fetched = {}

    def fetch(self, url, **params):
        key = (url, tuple(sorted(params.items())))
        if key not in self._fetched:
            response = self.client.get(url, params)
            assert response.status_code == 200, (url, params, response.status_code)
            self._fetched[key] = response
        return self._fetched[key]

    def customer(self, name):
        return getattr(self.portfolio, name)

    def pk(self, name):
        return self.customer(name).pk

    # the customer summary itself
    def summary(self, name) -> dict:
        if "summary" not in self._fetched:
            rows = summary_rows(customers=self.portfolio.customers, as_of=self.portfolio.as_of)
            self._fetched["summary"] = dict(zip(NAMES, rows, strict=True))
        return self._fetched["summary"][name]

    # the notebook page
    def notebook(self, name):
        return self.fetch(reverse("customers:detail", args=[self.pk(name)]))

    def notebook_html(self, name) -> Node:
        key = ("html", name)
        if key not in self._fetched:
            self._fetched[key] = parse_html(self.notebook(name).content)
        return self._fetched[key]

    def figures(self, name) -> dict:
        return self.notebook(name).context["figures"]

    def key_figures(self, name) -> dict[str, str]:
        return boxes(self.notebook_html(name).one(cls="key-figures"))

    def verdict_box(self, name) -> Node:
        return self.notebook_html(name).one(id="verdict")

    def header(self, name) -> list[str]:
        """The notebook's heading line: company · type · team · owner."""
        heading = self.notebook_html(name).one(tag="h1")
        line = next(e for e in heading_parent(self.notebook_html(name), heading).elements() if e.tag == "div")
        return line.text().split(" · ")

    def section(self, name, key) -> dict:
        return {section.key: context for section, context in self.notebook(name).context["sections"]}[key]

    def section_html(self, name, key) -> Node:
        return self.notebook_html(name).one(tag="section", id=key)

    # the notebook workbook
    def workbook_summary(self, name) -> dict:
        rows = sheet_rows(self.workbook()[SUMMARY_TITLE])
        return {row["Customer ID"]: row for row in rows}[expected_row(self.portfolio, name)["customer_id"]]

    def workbook(self):
        key = "workbook"
        if key not in self._fetched:
            self._fetched[key] = xlsx_book(self.fetch(reverse("workbook")))
        return self._fetched[key]

    def own_workbook_summary(self, name) -> dict:
        """The summary row of the workbook the notebook page links to (that customer, that day)."""
        key = ("own workbook", name)
        if key not in self._fetched:
            (link,) = [
                a.attrs["href"]
                for a in self.notebook_html(name).find(tag="a")
                if a.attrs.get("href", "").startswith(reverse("workbook") + "?")
            ]
            response = self.client.get(link)
            self._fetched[key] = sheet_rows(xlsx_book(response)[SUMMARY_TITLE])
        (row,) = self._fetched[key]
        assert row["Customer ID"] == expected_row(self.portfolio, name)["customer_id"]
        return row

    def workbook_sheet(self, title, name, *, many=False):
        """The customer's row of a section's sheet (`many`: its rows, perhaps none)."""
        customer_id = expected_row(self.portfolio, name)["customer_id"]
        rows = [r for r in sheet_rows(self.workbook()[title]) if r["Customer ID"] == customer_id]
        if many:
            return rows
        (row,) = rows
        return row

    # lists and reports: the page's table (context) and the export
    def table(self, url_name, context_key="table", **params):
        return self.fetch(reverse(url_name), **params).context[context_key]

    def export(self, url_name, table_class, *, totals=False, **params):
        key = ("export", url_name, tuple(sorted(params.items())))
        if key not in self._fetched:
            response = self.fetch(reverse(url_name), **{"export": "xlsx", **params})
            self._fetched[key] = export_rows(response, table_class, totals=totals)
        return self._fetched[key]

    def export_row(self, url_name, table_class, name, *, column="customer", totals=False, **params):
        rows = [
            r
            for r in self.export(url_name, table_class, totals=totals, **params)
            if r[column] == EXPECTED[name]["name"]
        ]
        assert len(rows) <= 1
        return rows[0] if rows else ABSENT

    def table_row(self, url_name, name, customer_of, context_key="table"):
        """The row a page shows for the customer (`customer_of(record)` -> its pk)."""
        rows = [r for r in shown_rows(self.table(url_name, context_key)) if customer_of(r.record) == self.pk(name)]
        assert len(rows) <= 1
        return rows[0] if rows else ABSENT

    def debtors_export(self) -> list[dict]:
        key = ("debtors", "export")
        if key not in self._fetched:
            response = self.fetch(reverse("risk:dashboard"), export="debtors")
            self._fetched[key] = export_rows(response, DebtorTable)
        return self._fetched[key]

    def home_panel(self, key):
        panels = {panel.key: context for panel, context in self.fetch(reverse("home")).context["panels"]}
        return panels[key]


def heading_parent(root: Node, child: Node) -> Node:
    for node in root.walk():
        if child in node.elements():
            return node
    raise LookupError(child.tag)


@pytest.fixture
def places(client_for, finance_user, portfolio):
    """The places, as Finance sees them (every customer, every report)."""
    return Places(client_for(finance_user), portfolio)


# --- where each figure appears -------------------------------------------------------------------
# place(places, name) -> the value there (ABSENT: that place does not list the customer)


def pk_of(record):
    return record["pk"] if isinstance(record, dict) and "pk" in record else getattr(record, "pk", None)


def aging_pk(record):
    return record["customer_id"]


def customer_pk(record):
    return record.customer_id


def cell(url_name, column, customer_of, parse=plain, context_key="table", absent=LISTED):
    """The figure in a page's table cell, as the page renders it; `absent` for a customer not listed."""

    def place(p, name):
        row = p.table_row(url_name, name, customer_of, context_key)
        if row is ABSENT:
            assert absent is not LISTED, f"{url_name} does not list {name}"
            return absent
        return parse(shown_cell(row, column))

    return place


def exported(url_name, table_class, column, *, by="customer", totals=False, absent=LISTED, convert=None, **params):
    def place(p, name):
        row = p.export_row(url_name, table_class, name, column=by, totals=totals, **params)
        if row is ABSENT:
            assert absent is not LISTED, f"the {url_name} export does not list {name}"
            return absent
        return convert(row[column]) if convert else row[column]

    return place


def common(key):
    """The summary row, the notebook's context, both workbooks (all customers; the notebook's link)."""
    places = {
        "summary_rows()": lambda p, n: p.summary(n)[key],
        "notebook context figures": lambda p, n: p.figures(n)[key],
    }
    if key in EN:
        cell_value = xlsx_ratio if KINDS[key] == "ratio" else (lambda value: value)
        places["workbook 客户汇总 (all customers)"] = lambda p, n: cell_value(p.workbook_summary(n)[EN[key]])
        places["workbook 客户汇总 (the notebook's link)"] = lambda p, n: cell_value(p.own_workbook_summary(n)[EN[key]])
    return places


def key_figure(label, parse):
    return lambda p, n: parse(p.key_figures(n)[_(label)])


def box(section, label, parse):
    return lambda p, n: parse(boxes(p.section_html(n, section))[_(label)])


def row_of(section, label, parse):
    return lambda p, n: parse(row_pairs(p.section_html(n, section))[_(label)])


def ledger_aging_html(bucket):
    """The ledger section's aging table: the bucket's column (by its heading)."""

    def place(p, name):
        table = p.section_html(name, "ledger").find(tag="table")[0]
        heads = [th.text() for th in table.find(tag="th")]
        values = [td.text() for td in table.find(tag="td")]
        return money(dict(zip(heads, values, strict=True))[bucket])

    return place


def open_items_sum(keep):
    def place(p, name):
        rows = p.section(name, "ledger")["open_rows"]
        return sum((r["open_amount"] for r in rows if keep(r)), D("0.00"))

    return place


def sales_list_sum(keep):
    """The sales list page: what its rows for the customer show open (those `keep(status text)` keeps)."""

    def place(p, name):
        rows = [r for r in shown_rows(p.table("transactions:sales")) if r.record.customer_id == p.pk(name)]
        return sum((money(shown_cell(r, "open_amount")) for r in rows if keep(shown_cell(r, "status"))), D("0.00"))

    return place


def sales_export_sum(keep):
    def place(p, name):
        rows = [r for r in p.export("transactions:sales", SaleTable) if r["customer"] == EXPECTED[name]["name"]]
        return sum((D(str(r["open_amount"])) for r in rows if keep(r["status"])), D("0.00"))

    return place


def every_sale(status):
    return True


def overdue_sale(status):
    return status == str(SaleStatus.OVERDUE.label)


def alert_texts(p, name, where):
    if where == "notebook":
        return [text for _alert, text in p.section(name, "risk")["alerts"]]
    if where == "page":
        rows = [r for r in shown_rows(p.table("risk:alerts")) if r.record.customer_id == p.pk(name)]
        return [shown_cell(r, "what") for r in rows]
    if where == "export":
        return [r["what"] for r in p.export("risk:alerts", RiskAlertTable) if r["customer"] == EXPECTED[name]["name"]]
    return [r["What"] for r in p.workbook_sheet("风险预警 Risk alerts", name, many=True)]


ALERT_WORDING = {  # the overdue alert cites each of these buckets with its own amount (risk.texts)
    "over_90": "%(amount)s over 90 days past due",
    "d61_90": "%(amount)s 61–90 days past due",
    "d31_60": "%(amount)s 31–60 days past due",
}


def alert_amount(bucket, where):
    return lambda p, n: cited_amount(alert_texts(p, n, where), _(ALERT_WORDING[bucket]))


def reasons(p, name):
    return p.section(name, "risk")["reasons"]


def cited_late_share(p, name):
    before, after = _("%(share)s of the last 12 months' invoices paid late").split("%(share)s")
    pattern = re.compile(re.escape(before) + r"([\d.]+ %)" + re.escape(after))
    for text in reasons(p, name):
        if found := pattern.search(text):
            return percent(found.group(1))
    return ABSENT  # cited only when it raises the risk


def value_snapshot(attribute):
    return lambda p, n: getattr(p.section(n, "value")["current"], attribute)


def home_top(listing, attribute):
    def place(p, name):
        (row,) = [v for v in p.home_panel("top")[listing] if v.customer_id == p.pk(name)]
        return getattr(row, attribute)

    return place


def industry_revenue(p, name):
    """The dashboard's industries: the T12M revenue of the customer's industry, where the customer is
    its only customer (Alpha, in 低竞争)."""
    customer = p.customer(name)
    rows = [
        r for r in p.fetch(reverse("risk:dashboard")).context["industries"] if r.industry_id == customer.industry_id
    ]
    if not rows or rows[0].customers != 1:
        return ABSENT
    return rows[0].t12m_revenue


def by_pk(url_name, column, parse=plain, customer_of=pk_of):
    return cell(url_name, column, customer_of, parse)


def customer_list_export(column):
    def place(p, name):
        (row,) = [r for r in p.export("customers:list", CustomerTable) if r["id"] == p.pk(name)]
        return row[column]

    return place


VALUATION = ("valuation:report", CustomerValuationTable)
PROFITABILITY = ("costing:profitability", ProfitabilityTable)
AGING = ("transactions:aging", AgingTable)


def debtors_cell(column, parse):
    return cell("risk:dashboard", column, customer_pk, parse, context_key="debtor_table", absent=ABSENT)


def debtors_export(column, convert=None):
    """The dashboard's "Top overdue debtors" export (?export=debtors); ABSENT for a customer not among them."""

    def place(p, name):
        rows = [r for r in p.debtors_export() if r["customer"] == EXPECTED[name]["name"]]
        if not rows:
            return ABSENT
        return convert(rows[0][column]) if convert else rows[0][column]

    return place


def statement_balance(p, name):
    """The ledger statement's last running balance (nothing of the portfolio is customer credit, so
    it is what is open)."""
    lines = p.section(name, "ledger")["lines"]
    return lines[-1].balance if lines else D("0.00")


def valuation_sheet(column, convert=None):
    def place(p, name):
        row = p.workbook_sheet("价值 Valuation", name)
        return convert(row[column]) if convert else row[column]

    return place


def customer_id_by_name(p, name):
    """The workbook's 客户 sheet: the ID of the row with the customer's name."""
    (row,) = [r for r in sheet_rows(p.workbook()["客户 Customers"]) if r["Name"] == EXPECTED[name]["name"]]
    return row["Customer ID"]


def customers_sheet(column):
    return lambda p, n: p.workbook_sheet("客户 Customers", n)[column]


def pnl(attribute):
    return lambda p, n: getattr(p.section(n, "costs")["pnl"], attribute)


def verdict_text(p, name):
    return p.verdict_box(name).elements()[1].text()


WORST_LEVEL_CLASSES = {"alert-danger": "high", "alert-warning": "medium", "alert-success": "low"}


def verdict_colour(p, name):
    (level,) = [WORST_LEVEL_CLASSES[c] for c in p.verdict_box(name).classes if c in WORST_LEVEL_CLASSES]
    return level


def profitability(column, parse=money):
    return {
        "profitability report (page)": by_pk("costing:profitability", column, parse),
        "profitability report (.xlsx)": exported(*PROFITABILITY, column, by="name", totals=True),
    }


def valuation(column, parse=money, *, page=True, convert=None):
    found = {"value report (.xlsx)": exported(*VALUATION, column, convert=convert)}
    if page:
        found["value report (page)"] = cell("valuation:report", column, customer_pk, parse)
    return found


def aging(column):
    # the report lists the customers with money open: a customer it leaves out owes nothing
    zero = D("0.00")
    return {
        "aging report (page)": cell("transactions:aging", column, aging_pk, money, absent=zero),
        "aging report (.xlsx)": exported(*AGING, column, by="customer__name", totals=True, absent=zero),
    }


def bucket_places(bucket):
    label = str(AgingBucket(bucket).label)
    found = {
        "ledger section aging (context)": lambda p, n: {
            key: amount for key, _label, amount in p.section(n, "ledger")["aging"]
        }[bucket],
        "ledger section aging table (HTML)": ledger_aging_html(label),
        "ledger section open items by bucket": open_items_sum(lambda r: r["bucket"] == bucket),
        **aging(bucket),
    }
    if bucket in ALERT_WORDING:
        found.update(
            {
                "risk dashboard debtors (page, snapshot)": debtors_cell(bucket, money),
                "risk dashboard debtors (.xlsx, snapshot)": debtors_export(bucket),
                "notebook risk section alert text": alert_amount(bucket, "notebook"),
                "alerts list text (page)": alert_amount(bucket, "page"),
                "alerts list text (.xlsx)": alert_amount(bucket, "export"),
                "workbook 风险预警 alert text": alert_amount(bucket, "workbook"),
            }
        )
    if bucket == "over_90":
        found["notebook risk section reasons"] = lambda p, n: cited_amount(
            reasons(p, n), _("%(amount)s over 90 days past due")
        )
    return found


FIGURES = {  # figure: (kind, {place: how to read it there}); the summary row and workbooks come with every one
    "customer_id": ("text", {"workbook 客户 sheet": customer_id_by_name}),
    "name": (
        "text",
        {
            "notebook heading": lambda p, n: p.notebook_html(n).one(tag="h1").own_text(),
            "customer list (page)": by_pk("customers:list", "name"),
            "customer list (.xlsx)": customer_list_export("name"),
            "profitability report (page)": by_pk("costing:profitability", "name"),
            "value report (page)": cell("valuation:report", "customer", customer_pk),
            "workbook 客户 sheet": customers_sheet("Name"),
        },
    ),
    "type": (
        "text",
        {
            "notebook heading line": lambda p, n: p.header(n)[1],
            "notebook information section": lambda p, n: definitions(p.section_html(n, "info"))[_("customer type")],
            "customer list (page)": by_pk("customers:list", "customer_type"),
            "customer list (.xlsx)": customer_list_export("customer_type"),
            **profitability("customer_type", plain),
            "workbook 客户 sheet": customers_sheet("Type"),
        },
    ),
    "team": (
        "text",
        {
            "notebook heading line": lambda p, n: p.header(n)[2],
            "notebook information section": lambda p, n: definitions(p.section_html(n, "info"))[_("team")],
            "customer list (page)": by_pk("customers:list", "team"),
            "customer list (.xlsx)": customer_list_export("team"),
            **profitability("team", plain),
            # the aging report lists only the customers with money open (see test_who_the_reports_list)
            "aging report (page)": cell("transactions:aging", "customer__team__name", aging_pk, absent=ABSENT),
            "aging report (.xlsx)": exported(
                *AGING, "customer__team__name", by="customer__name", totals=True, absent=ABSENT
            ),
            **valuation("team", plain),
            "workbook 客户 sheet": customers_sheet("Team"),
        },
    ),
    "industry": (
        "text",
        {
            "notebook information section": lambda p, n: definitions(p.section_html(n, "info"))[_("industry")],
            "customer list (page)": by_pk("customers:list", "industry"),
            "customer list (.xlsx)": customer_list_export("industry"),
            **profitability("industry", plain),
            "workbook 客户 sheet": customers_sheet("Industry"),
        },
    ),
    "t12m_purchases": (
        "int",
        {
            "notebook value section (context, snapshot)": value_snapshot("t12m_purchases"),
            "notebook value section (HTML, snapshot)": box("value", "T12M purchases", int),
            **valuation("t12m_purchases", page=False),
            "workbook 价值 sheet": valuation_sheet("T12M purchases"),
        },
    ),
    "open_total": (
        "money",
        {
            "notebook key figures (HTML)": key_figure("open receivables", money),
            "ledger section (context)": lambda p, n: p.section(n, "ledger")["open_total"],
            "ledger section box (HTML)": box("ledger", "open receivables", money),
            "ledger section aging table total (HTML)": ledger_aging_html(_("Total")),
            "ledger section open items": open_items_sum(lambda r: True),
            # nothing of the portfolio is customer credit: the statement's balance is what is open
            "ledger section statement balance": statement_balance,
            "sales list open amounts (page)": sales_list_sum(every_sale),
            "sales list open amounts (.xlsx)": sales_export_sum(every_sale),
            **aging("open_total"),
            "risk dashboard debtors (page, snapshot)": debtors_cell("open_total", money),
            "risk dashboard debtors (.xlsx, snapshot)": debtors_export("open_total"),
        },
    ),
    **{bucket: ("money", bucket_places(bucket)) for bucket in AgingBucket.values},
    "overdue": (
        "money",
        {
            "notebook key figures (HTML)": key_figure("overdue", money),
            "ledger section (context)": lambda p, n: p.section(n, "ledger")["overdue_total"],
            "ledger section box (HTML)": box("ledger", "overdue", money),
            "ledger section open items past due": open_items_sum(lambda r: r["days_past_due"] > 0),
            "sales list overdue sales (page)": sales_list_sum(overdue_sale),
            "sales list overdue sales (.xlsx)": sales_export_sum(overdue_sale),
        },
    ),
    "dso": (
        "days",
        {
            "notebook key figures (HTML)": key_figure("DSO (days)", days),
            "ledger section (context)": lambda p, n: p.section(n, "ledger")["dso"],
            "ledger section box (HTML)": box("ledger", "DSO (days)", days),
            "risk dashboard debtors (page, snapshot)": debtors_cell("dso", days),
            "risk dashboard debtors (.xlsx, snapshot)": debtors_export("dso"),
        },
    ),
    "late_share": (
        "ratio",
        {
            "ledger section (context)": lambda p, n: p.section(n, "ledger")["late_share"],
            "ledger section box (HTML)": box("ledger", "paid late (T12M)", percent),
            "risk dashboard debtors (page, snapshot)": debtors_cell("late_share", percent),
            "risk dashboard debtors (.xlsx, snapshot)": debtors_export("late_share", xlsx_ratio),
            "notebook risk section reasons": cited_late_share,
        },
    ),
    "days_to_pay": (
        "days",
        {
            "ledger section (context)": lambda p, n: p.section(n, "ledger")["days_to_pay"],
            "ledger section box (HTML)": lambda p, n: days(
                boxes(p.section_html(n, "ledger"))[_("days to pay / days late (T12M)")].split(" / ")[0]
            ),
        },
    ),
    "days_late": (
        "days",
        {
            "ledger section (context)": lambda p, n: p.section(n, "ledger")["days_late"],
            "ledger section box (HTML)": lambda p, n: days(
                boxes(p.section_html(n, "ledger"))[_("days to pay / days late (T12M)")].split(" / ")[1]
            ),
        },
    ),
    "t12m_revenue": (
        "money",
        {
            "notebook key figures (HTML)": key_figure("current value (T12M revenue)", money),
            "costs section (context)": pnl("revenue"),
            "costs section P&L (HTML)": row_of("costs", "revenue", money),
            **profitability("revenue"),
            "notebook value section (context, snapshot)": value_snapshot("current_value"),
            "notebook value section (HTML, snapshot)": box("value", "current value", money),
            **valuation("current_value"),
            "workbook 价值 sheet": valuation_sheet("Current value"),
            "home: top customers by value (snapshot)": home_top("by_value", "current_value"),
            "risk dashboard: the industry's T12M revenue": industry_revenue,
        },
    ),
    "t12m_gross_margin": (
        "money",
        {
            "costs section (context)": pnl("gross_margin"),
            "costs section P&L (HTML)": row_of("costs", "gross margin", money),
            **profitability("gross_margin"),
        },
    ),
    "t12m_cost_unknown_revenue": (
        "money",
        {
            "notebook key figures note (HTML)": lambda p, n: noted_amount(p.notebook_html(n).one(cls="key-figures")),
            "costs section (context)": pnl("cost_unknown_revenue"),
            "costs section P&L note (HTML)": lambda p, n: noted_amount(p.section_html(n, "costs")),
            **profitability("cost_unknown_revenue"),
        },
    ),
    "t12m_payment_fees": (
        "money",
        {
            "costs section (context)": pnl("payment_fees"),
            "costs section P&L (HTML)": lambda p, n: money(
                row_pairs(p.section_html(n, "costs"))["− " + _("payment fees")]
            ),
            **profitability("payment_fees"),
        },
    ),
    "t12m_marketing_cost": (
        "money",
        {
            "costs section (context)": pnl("marketing_cost"),
            "costs section P&L (HTML)": lambda p, n: money(
                row_pairs(p.section_html(n, "costs"))["− " + _("marketing cost")]
            ),
            **profitability("marketing_cost"),
        },
    ),
    "t12m_service_cost": (
        "money",
        {
            "costs section (context)": pnl("service_cost"),
            "costs section P&L (HTML)": lambda p, n: money(
                row_pairs(p.section_html(n, "costs"))["− " + _("service cost")]
            ),
            **profitability("service_cost"),
        },
    ),
    "t12m_contribution_profit": (
        "money",
        {
            "notebook key figures (HTML)": key_figure("T12M contribution profit", money),
            "costs section (context)": pnl("contribution_profit"),
            "costs section P&L (HTML)": row_of("costs", "contribution profit", money),
            **profitability("contribution_profit"),
            "notebook value section (context, snapshot)": value_snapshot("t12m_contribution"),
            "notebook value section (HTML, snapshot)": row_of("value", "T12M contribution profit", money),
            **valuation("t12m_contribution", page=False),
            "workbook 价值 sheet": valuation_sheet("T12M contribution profit"),
            "home: top customers by profit (snapshot)": home_top("by_profit", "t12m_contribution"),
        },
    ),
    "p_alive": (
        "ratio",
        {
            "notebook key figures (HTML)": key_figure("P(alive)", percent),
            "notebook value section (context)": value_snapshot("p_alive"),
            "notebook value section (HTML)": box("value", "P(alive)", percent),
            **valuation("p_alive", percent, convert=xlsx_ratio),
            "workbook 价值 sheet": valuation_sheet("P(alive)", xlsx_ratio),
        },
    ),
    "predicted_value": (
        "money",
        {
            "notebook value section (context)": value_snapshot("predicted_value"),
            "notebook value section (HTML)": row_of("value", "predicted 12-month value", money),
            **valuation("predicted_value"),
            "workbook 价值 sheet": valuation_sheet("Predicted 12-month value"),
        },
    ),
    "potential_value": (
        "money",
        {
            "notebook key figures (HTML)": key_figure("potential value", money),
            "notebook value section (context)": value_snapshot("potential_value"),
            "notebook value section (HTML)": box("value", "potential value", money),
            **valuation("potential_value"),
            "workbook 价值 sheet": valuation_sheet("Potential value"),
        },
    ),
    "tier": (
        "text",
        {
            "notebook verdict (its head)": lambda p, n: verdict_text(p, n).split(" · ")[0],
            "notebook value section (context)": value_snapshot("tier"),
            "notebook value section (HTML)": box("value", "tier", plain),
            **valuation("tier", plain),
            "workbook 价值 sheet": valuation_sheet("Tier"),
            "home: top customers (snapshot)": home_top("by_value", "tier"),
        },
    ),
    "segment": (
        "text",
        {
            "notebook key figures (HTML)": key_figure("segment", plain),
            "notebook value section (context)": lambda p, n: p.section(n, "value")["current"].get_segment_display(),
            "notebook value section (HTML)": box("value", "segment", plain),
            **valuation("segment", plain),
            "workbook 价值 sheet": valuation_sheet("Segment"),
        },
    ),
    # the date of the run the notebook's snapshot is from, beside the verdict and in the value section
    "scored_as_of": (
        "date",
        {
            "notebook verdict box (HTML)": lambda p, n: DATE.search(p.notebook_html(n).one(id="scored-as-of").text())[
                0
            ],
            "notebook value section (HTML)": lambda p, n: DATE.search(
                p.section_html(n, "value").one(id="value-scored").text()
            )[0],
            "notebook value section (context)": lambda p, n: p.section(n, "value")["current"].as_of.isoformat(),
        },
    ),
    # when the snapshot the notebook shows was scored: beside the verdict and in the value section
    "scored_at": (
        "datetime",
        {
            "notebook verdict box (HTML)": lambda p, n: stamped(p.notebook_html(n).one(id="scored-at")),
            "notebook value section (HTML)": lambda p, n: stamped(p.section_html(n, "value").one(id="value-scored")),
            "notebook value section (context)": value_snapshot("scored_at"),
        },
    ),
    "credit_risk": (
        "text",
        {
            "notebook risk section (context)": lambda p, n: p.section(n, "risk")["levels"]["credit"][1],
            "notebook risk section (HTML)": box("risk", "credit risk", plain),
            "risk dashboard debtors (page)": debtors_cell("level", plain),
            "risk dashboard debtors (.xlsx)": debtors_export("level"),
        },
    ),
    "verdict": ("text", {"notebook verdict (HTML)": verdict_text}),
    "worst_level": (
        "text",
        {
            "notebook verdict colour (HTML)": verdict_colour,
            "notebook risk section assessment": lambda p, n: p.section(n, "risk")["assessment"].worst_level,
        },
    ),
}


def normalised(kind, value):
    if kind == "money":
        return None if value is None else D(str(value)).quantize(CENT)
    if kind == "days":
        return None if value is None else D(str(value)).quantize(D("0.1"))
    if kind == "ratio":
        return None if value is None else D(str(value))
    if kind == "int":
        return int(value)
    if kind == "date":
        return value if isinstance(value, str) else value.isoformat()
    if kind == "datetime":  # as the pages show it: local time, to the minute
        return value if isinstance(value, str) else timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return plain(value)


def at_the_precision_of(kind, expected, shown):
    """The hand-worked figure as a place shows it: a ratio to the places it is shown with."""
    expected = normalised(kind, expected)
    if kind == "ratio" and expected is not None and isinstance(shown, Decimal):
        return expected.quantize(D(1).scaleb(shown.as_tuple().exponent))
    return expected


# A figure that disagrees between two places: (customer, figure) -> what disagrees (xfail, strict).
DISAGREEMENTS: dict[tuple[str, str], str] = {}


def cases() -> list:
    return [
        pytest.param(
            name,
            figure,
            id=f"{name}-{figure}",
            marks=[pytest.mark.xfail(strict=True, reason=DISAGREEMENTS[name, figure])]
            if (name, figure) in DISAGREEMENTS
            else [],
        )
        for name in NAMES
        for figure in FIGURES
    ]


def test_every_figure_covers_the_summary_and_the_key_figures():
    """Every column of the summary (the 客户汇总 sheet's and the pages' own) has its places here."""
    assert set(FIGURES) == {c.key for c in registry.summary_columns()}


@pytest.mark.parametrize(("name", "figure"), cases())
def test_the_figure_is_the_same_everywhere(places, portfolio, name, figure):
    kind, where = FIGURES[figure]
    readers = {**common(figure), **where}
    shown = {place: read(places, name) for place, read in readers.items()}
    shown = {place: normalised(kind, value) for place, value in shown.items() if value is not ABSENT}
    if figure == "scored_at":  # a moment, not worked out by hand: the run of the as-of day scored it
        expected = shown["summary_rows()"]
        assert expected.startswith(portfolio.as_of.isoformat())
    elif figure == "scored_as_of":  # the portfolio is scored as of its own day
        expected = portfolio.as_of.isoformat()
    else:
        expected = expected_row(portfolio, name)[figure]
    assert shown == {place: at_the_precision_of(kind, expected, value) for place, value in shown.items()}
    assert len(shown) >= 3  # the summary, the notebook and at least one more place


def test_who_the_reports_list(places):
    """The places that leave a customer out mean something by it: the dashboard's debtors are the
    customers with money more than 30 days past due (Alpha and Beta), the aging report those with
    money open (Alpha and Beta: "=1+1" owes nothing)."""
    debtors = {row.record.customer.name for row in shown_rows(places.table("risk:dashboard", "debtor_table"))}
    assert debtors == {"Alpha", "Beta"}
    owing = {row["customer__name"] for row in places.table("transactions:aging").data}
    assert owing == {"Alpha", "Beta"}


# --- snapshots beside live figures: the run's date --------------------------------------------------


@pytest.fixture
def scored_earlier(team_east, sales_user, finance_user):
    """The portfolio scored three days ago and not since: today's pages show that run's tier, segment
    and verdict beside today's live figures."""
    built = build_portfolio(team_east, sales_user, finance_user)
    run_day = built.as_of - datetime.timedelta(days=3)
    valuation_run(as_of=run_day)
    return built, run_day


def test_the_sections_and_reports_of_snapshots_say_the_runs_date(client_for, finance_user, scored_earlier):
    """The value and risk sections, the value report and the risk dashboard name the run's day."""
    portfolio, run_day = scored_earlier
    client = client_for(finance_user)
    day = run_day.isoformat()
    page = parse_html(client.get(reverse("customers:detail", args=[portfolio.alpha.pk])).content)
    assert day in page.one(tag="section", id="value").text()
    assert day in page.one(tag="section", id="risk").text()
    assert day in parse_html(client.get(reverse("valuation:report")).content).one(tag="h1").text()
    assert day in parse_html(client.get(reverse("risk:dashboard")).content).one(tag="h1").text()


def test_the_key_figures_say_the_date_of_the_run_they_show(client_for, finance_user, scored_earlier):
    portfolio, run_day = scored_earlier
    response = client_for(finance_user).get(reverse("customers:detail", args=[portfolio.alpha.pk]))
    assert response.context["figures"]["tier"] == "C"  # the run's snapshot is what the key figures show
    assert response.context["as_of"] == portfolio.as_of  # beside the live figures of today
    box = parse_html(response.content).one(id="verdict")
    assert run_day.isoformat() in box.text()


def test_the_debtors_export_says_the_date_of_the_run(client_for, finance_user, scored_earlier):
    _portfolio, run_day = scored_earlier
    response = client_for(finance_user).get(reverse("risk:dashboard"), {"export": "debtors"})
    title = xlsx_book(response).active["A1"].value
    assert run_day.isoformat() in title, title
