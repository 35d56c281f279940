"""The registry through which each section of the template plugs into the pages that show them all.

Each app declares its section and what it follows (`registry.section("costing", after="transactions")`)
and registers, from its AppConfig.ready(), what it contributes through it: its entries in the
navigation, its section of the customer notebook, its summary columns, sheets, demo data, periodic
jobs. A contribution's `order` counts within its section only; the composing code (the navigation,
the notebook page, the workbook, the import, `load_demo`) iterates in template order — the sections
in the order they follow each other, then each section's own order — so adding a section touches
only that section's app.
"""

import dataclasses
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

logger = logging.getLogger(__name__)

PLACES = {"first": 0, "": 1, "last": 2}


@dataclass(frozen=True, kw_only=True)
class NavItem:
    """A link in the main navigation. `permission` hides it from users who lack that permission."""

    label: Any
    url_name: str
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)
    permission: str | None = None
    icon: str = ""
    badge: Callable[..., int] | None = None  # badge(user) -> a count shown beside the label
    group: Any = None  # items of one group share a dropdown labelled with the group

    @property
    def namespace(self) -> str:
        return self.url_name.partition(":")[0]


@dataclass(frozen=True, kw_only=True)
class NotebookSection:
    """One section of the customer notebook page.

    `context` is called as context(customer=..., user=..., as_of=..., params=request.GET) and returns
    the template's context; it must cost a fixed number of queries whatever the customer's history.
    """

    key: str
    title: Any
    template: str
    context: Callable[..., dict]
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)
    permission: str | None = None


@dataclass(frozen=True, kw_only=True)
class DashboardPanel:
    """A panel of the home dashboard: context(user=..., customers=<queryset in scope>, as_of=...).
    `width` is a Bootstrap column class. A fixed number of queries, whatever the portfolio."""

    key: str
    title: Any
    template: str
    context: Callable[..., dict]
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)
    permission: str | None = None
    width: str = "col-lg-6"


@dataclass(frozen=True, kw_only=True)
class DemoLoader:
    """Fills demo data for one section; loaders run in `order` (template order)."""

    name: str
    load: Callable[..., None]
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)


@dataclass(frozen=True, kw_only=True)
class ScoringStep:
    """Runs after the valuation run ranked the portfolio (one run scores value and risk):
    run(run, customer_ids=None) writes the section's snapshots for the run's as-of date, for every
    customer or only those given (re-scoring one customer)."""

    name: str
    run: Callable[..., None]
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)


@dataclass(frozen=True, kw_only=True)
class ChangeListener:
    """Told which customers a write touched (a sale, payment, cost, credit change or import), inside
    the writer's transaction: handle(customer_ids) must be cheap (the scores are re-computed later,
    in the background; see valuation.services.rescore_request).

    What each listener adds to every write, in a fixed number of queries whatever the number of
    customers touched (measured on PostgreSQL): valuation's re-score request 3; costing's running
    T12M figures 9 (the customers' ids, the upsert that locks their figures, one grouped query per
    P&L source, the upsert of the new figures) per 2,000 customers (costing.services.FIGURES_CHUNK)."""

    name: str
    handle: Callable[[Iterable[int]], None]
    section: str = ""  # set by the section that contributes it


@dataclass(frozen=True)
class FiguresDrift:
    """What a check of stored running figures found: how many records differ from their source (or
    are missing or out of date), and a few of them described in words."""

    count: int
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class RunningFigures:
    """Figures a section stores for speed and keeps in step with their source in every write
    (`manage.py check_figures` compares them with it; --fix recomputes them).

    check() -> FiguresDrift; rebuild() recomputes all of them and returns how many records it
    wrote. after_seed: seed_demo writes the source in bulk, past the write services, so it rebuilds
    these afterwards."""

    name: str
    title: str
    check: Callable[[], FiguresDrift]
    rebuild: Callable[[], int]
    after_seed: bool = False
    order: int = 0
    section: str = ""  # set by the section that contributes it


@dataclass(frozen=True, kw_only=True)
class SaleCheck:
    """What a later section says before sales are recorded, typed or imported: prepare(customer_ids=...)
    reads what it needs for those customers at once (and takes new_customers={key: (name, limit)}, customers
    not written yet); check(prepared, customer_id=..., amount=...) -> [(message, blocking)] about
    selling `amount` more to the customer (for a batch, the sum of what it adds for that customer)."""

    name: str
    prepare: Callable[..., Any]
    check: Callable[..., list]


def sale_problems(*, customer_id: int, amount, prepared: dict | None = None) -> list[tuple[str, bool]]:
    """Every registered section's (message, blocking) about one sale; `prepared` holds each check's
    prepare() for a batch (prepared here for this customer alone when not given)."""
    prepared = prepared if prepared is not None else prepare_sale_checks(customer_ids=[customer_id])
    return [
        problem
        for check in registry.sale_checks
        for problem in check.check(prepared[check.name], customer_id=customer_id, amount=amount)
    ]


def prepare_sale_checks(*, customer_ids, new_customers: dict | None = None) -> dict:
    """Each check's prepare() for these customers; `new_customers` {key: (name, credit limit)} are
    customers about to be written (an import's new rows), checked as having nothing open yet."""
    return {
        check.name: check.prepare(customer_ids=customer_ids, new_customers=new_customers or {})
        for check in registry.sale_checks
    }


@dataclass(frozen=True, kw_only=True)
class SummaryColumn:
    """A column of the customer summary (workbook sheet 客户汇总 and the notebook's key figures).
    kind: text | int | money | ratio | days."""

    key: str
    header_zh: str
    header_en: str
    order: int
    kind: str = "text"
    export: bool = True  # False: for the pages only (not a column of the 客户汇总 sheet)


@dataclass(frozen=True, kw_only=True)
class SummaryProvider:
    """Computes some summary columns for many customers at once, set-based:
    compute(customers=[Customer, ...], as_of=date) -> {customer id: {column key: value}}."""

    name: str
    columns: tuple[SummaryColumn, ...]
    compute: Callable[..., dict]
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)


@dataclass(frozen=True, kw_only=True)
class SheetSpec:
    """A section's sheet of the notebook workbook: rows(customers=[...], as_of=date) yields rows
    matching `headers` (bilingual)."""

    name: str
    title: str
    headers: tuple[str, ...]
    rows: Callable[..., Any]
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)


@dataclass(frozen=True, kw_only=True)
class ReportEntry:
    """A report of the reports area."""

    title: Any
    description: Any
    url_name: str
    order: int  # within the section (see Registry.section)
    section: str = ""  # set by the section that contributes it
    place: str = ""  # "first" or "last": before or after every section (Home; the notes)
    permission: str | None = None
    icon: str = ""


@dataclass(frozen=True, kw_only=True)
class CustomerSource:
    """How the base (exports, the home page, the health check) reaches the customers without importing
    their app: in_scope(user=..., **options) is the customers app's scoped selector, everyone() all
    customers (jobs and commands with no user), get(user=..., pk=...) one customer in scope."""

    in_scope: Callable[..., Any]
    everyone: Callable[[], Any]
    get: Callable[..., Any] | None = None  # get(user=..., pk=...): one customer in scope, or 404


@dataclass(frozen=True, kw_only=True)
class Schedule:
    """A periodic job created in django-celery-beat when missing (then editable in the admin)."""

    name: str
    task: str
    crontab: dict = field(default_factory=dict)
    description: str = ""


class Registry:
    def __init__(self):
        self.nav_items: list[NavItem] = []
        self.notebook_sections: list[NotebookSection] = []
        self.dashboard_panels: list[DashboardPanel] = []
        self.demo_loaders: list[DemoLoader] = []
        self.schedules: list[Schedule] = []
        self.scoring_steps: list[ScoringStep] = []
        self.change_listeners: list[ChangeListener] = []
        self.running_figures: list[RunningFigures] = []
        self.sale_checks: list[SaleCheck] = []
        self.summary_providers: list[SummaryProvider] = []
        self.sheets: list[SheetSpec] = []
        self.reports: list[ReportEntry] = []
        self.import_sheets: list = []  # custnotes.importing.ImportSheet
        self.customers: CustomerSource | None = None
        self._after: dict[str, str | None] = {}  # section -> the section it follows

    def section(self, label: str, *, after: str | None = None) -> "SectionContributions":
        """Declare a section of the template and what it follows; returns what it registers through."""
        if after is not None and after not in self._after:
            raise ValueError(f"section {label} follows {after}, which is not declared (INSTALLED_APPS order)")
        self._after[label] = after
        return SectionContributions(self, label)

    def rank(self, label: str) -> int:
        """How many sections come before this one (0 for the first, and for an undeclared one)."""
        steps, seen = 0, {label}
        while (label := self._after.get(label)) is not None and label not in seen:
            steps, seen = steps + 1, seen | {label}
        return steps

    def sort_key(self, item) -> tuple:
        """Template order: place (first / the sections / last), the section's rank, its own order."""
        return PLACES.get(getattr(item, "place", ""), 1), self.rank(getattr(item, "section", "")), item.order

    def ordered(self, items) -> list:
        return sorted(items, key=self.sort_key)

    @staticmethod
    def _add(items: list, item, key: str):
        # ready() may run more than once in tests; registering the same thing twice replaces it.
        items[:] = [i for i in items if getattr(i, key) != getattr(item, key)]
        items.append(item)

    def set_customers(self, source: CustomerSource):
        self.customers = source

    def add_nav(self, item: NavItem):
        self._add(self.nav_items, item, "url_name")

    def add_section(self, section: NotebookSection):
        self._add(self.notebook_sections, section, "key")

    def add_panel(self, panel: DashboardPanel):
        self._add(self.dashboard_panels, panel, "key")

    def panels_for(self, user) -> list[DashboardPanel]:
        return self.ordered(p for p in self.dashboard_panels if not p.permission or user.has_perm(p.permission))

    def add_demo(self, loader: DemoLoader):
        self._add(self.demo_loaders, loader, "name")

    def add_schedule(self, schedule: Schedule):
        self._add(self.schedules, schedule, "name")

    def add_scoring_step(self, step: ScoringStep):
        self._add(self.scoring_steps, step, "name")

    def add_change_listener(self, listener: ChangeListener):
        self._add(self.change_listeners, listener, "name")

    def add_running_figures(self, figures: RunningFigures):
        self._add(self.running_figures, figures, "name")

    def customers_changed(self, customer_ids: Iterable[int]) -> None:
        """Every write service calls this with the customers it touched, after its writes and inside
        its transaction: the sections that keep figures derived from them (the running figures, the
        scores) hear of it and may read what was just written."""
        ids = sorted({int(pk) for pk in customer_ids if pk is not None})
        if ids:
            for listener in self.change_listeners:
                listener.handle(ids)

    def add_sale_check(self, check: SaleCheck):
        self._add(self.sale_checks, check, "name")

    def add_summary(self, provider: SummaryProvider):
        self._add(self.summary_providers, provider, "name")

    def add_sheet(self, sheet: SheetSpec):
        self._add(self.sheets, sheet, "name")

    def add_import_sheet(self, sheet):
        self._add(self.import_sheets, sheet, "key")

    def add_report(self, report: ReportEntry):
        self._add(self.reports, report, "url_name")

    def summary_columns(self, *, exported_only: bool = False) -> list[SummaryColumn]:
        """Every provider's columns, in template order: the providers' sections, then each column's order."""
        return [
            column
            for provider in self.ordered(self.summary_providers)
            for column in sorted(provider.columns, key=lambda c: c.order)
            if column.export or not exported_only
        ]

    def reports_for(self, user) -> list[ReportEntry]:
        return self.ordered(r for r in self.reports if not r.permission or user.has_perm(r.permission))

    def nav_for(self, user) -> list[NavItem]:
        return self.ordered(i for i in self.nav_items if not i.permission or user.has_perm(i.permission))

    def nav_menu_for(self, user) -> list[tuple[Any, list[NavItem]]]:
        """The navigation as (group label or None, items): grouped items share one dropdown,
        placed where the group's first item stands."""
        menu: list[tuple[Any, list[NavItem]]] = []
        positions: dict[str, int] = {}
        for item in self.nav_for(user):
            if item.group is None:
                menu.append((None, [item]))
                continue
            key = str(item.group)
            if key not in positions:
                positions[key] = len(menu)
                menu.append((item.group, []))
            menu[positions[key]][1].append(item)
        return menu

    def sections_for(self, user) -> list[NotebookSection]:
        return self.ordered(s for s in self.notebook_sections if not s.permission or user.has_perm(s.permission))

    def section_contexts(self, *, user, **kwargs) -> list[tuple[NotebookSection, dict | None]]:
        """Each section the user may see with its context; None for a section whose context failed
        (logged with its traceback), so that one broken section shows an error box in the notebook
        instead of taking the whole page down."""
        composed = []
        for section in self.sections_for(user):
            try:
                context = section.context(user=user, **kwargs)
            except Exception:
                logger.exception("notebook section %s failed", section.key)
                context = None
            composed.append((section, context))
        return composed


class SectionContributions:
    """What one section registers through: each add_*() of the registry, with the contribution marked
    as this section's (so that its order counts within the section)."""

    def __init__(self, registry: Registry, label: str):
        self.registry, self.label = registry, label

    def __getattr__(self, name: str):
        if not name.startswith("add_"):
            raise AttributeError(name)
        add = getattr(self.registry, name)

        def add_as_this_sections(item):
            marked = any(f.name == "section" for f in dataclasses.fields(item))
            return add(dataclasses.replace(item, section=self.label) if marked else item)

        return add_as_this_sections


registry = Registry()
