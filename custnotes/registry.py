"""The registry through which each section of the template plugs into the pages that show them all.

Each app registers, from its AppConfig.ready(), what it contributes: its entries in the navigation,
its section of the customer notebook, its demo data, its periodic jobs. The composing code (the
navigation, the notebook page, `load_demo`, `ensure_schedules`) iterates the registry in template
order, so adding a section touches only that section's app.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation. `permission` hides it from users who lack that permission."""

    label: Any
    url_name: str
    order: int
    permission: str | None = None
    icon: str = ""
    badge: Callable[..., int] | None = None  # badge(user) -> a count shown beside the label
    group: Any = None  # items of one group share a dropdown labelled with the group

    @property
    def namespace(self) -> str:
        return self.url_name.partition(":")[0]


@dataclass(frozen=True)
class NotebookSection:
    """One section of the customer notebook page.

    `context` is called as context(customer=..., user=..., as_of=..., params=request.GET) and returns
    the template's context; it must cost a fixed number of queries whatever the customer's history.
    """

    key: str
    title: Any
    template: str
    context: Callable[..., dict]
    order: int
    permission: str | None = None


@dataclass(frozen=True)
class DemoLoader:
    """Fills demo data for one section; loaders run in `order` (template order)."""

    name: str
    load: Callable[..., None]
    order: int


@dataclass(frozen=True)
class ScoringStep:
    """Runs after the valuation run ranked the portfolio (one run scores value and risk):
    run(run, customer_ids=None) writes the section's snapshots for the run's as-of date, for every
    customer or only those given (re-scoring one customer)."""

    name: str
    run: Callable[..., None]
    order: int


@dataclass(frozen=True)
class SaleCheck:
    """check(customer=..., amount=...) -> list of (message, blocking) before a sale is recorded."""

    name: str
    check: Callable[..., list]


@dataclass(frozen=True)
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
        self.demo_loaders: list[DemoLoader] = []
        self.schedules: list[Schedule] = []
        self.scoring_steps: list[ScoringStep] = []
        self.sale_checks: list[SaleCheck] = []

    @staticmethod
    def _add(items: list, item, key: str):
        # ready() may run more than once in tests; registering the same thing twice replaces it.
        items[:] = [i for i in items if getattr(i, key) != getattr(item, key)]
        items.append(item)

    def add_nav(self, item: NavItem):
        self._add(self.nav_items, item, "url_name")

    def add_section(self, section: NotebookSection):
        self._add(self.notebook_sections, section, "key")

    def add_demo(self, loader: DemoLoader):
        self._add(self.demo_loaders, loader, "name")

    def add_schedule(self, schedule: Schedule):
        self._add(self.schedules, schedule, "name")

    def add_scoring_step(self, step: ScoringStep):
        self._add(self.scoring_steps, step, "name")

    def add_sale_check(self, check: SaleCheck):
        self._add(self.sale_checks, check, "name")

    def nav_for(self, user) -> list[NavItem]:
        return sorted(
            (i for i in self.nav_items if not i.permission or user.has_perm(i.permission)),
            key=lambda i: i.order,
        )

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
        return sorted(
            (s for s in self.notebook_sections if not s.permission or user.has_perm(s.permission)),
            key=lambda s: s.order,
        )


registry = Registry()
