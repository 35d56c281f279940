"""The registry composes the sections in template order: each app declares what it follows, and a
contribution's order counts within its section only."""

import pytest

from custnotes.registry import NavItem, NotebookSection, Registry, registry


def section(key, order, **extra):
    return NotebookSection(key=key, title=key, template="", context=dict, order=order, **extra)


def test_sections_follow_each_other_and_orders_count_within_a_section():
    r = Registry()
    base, later = r.section("base"), r.section("later", after="base")
    later.add_section(section("later-first", 1))
    base.add_section(section("base-big-number", 900))  # a big number stays inside its section
    base.add_section(section("base-small", 5))
    r.section("last", after="later").add_section(section("after-all", 0))
    assert [s.key for s in r.ordered(r.notebook_sections)] == [
        "base-small",
        "base-big-number",
        "later-first",
        "after-all",
    ]
    assert [r.rank(label) for label in ("base", "later", "last")] == [0, 1, 2]


def test_first_and_last_stand_outside_the_sections():
    r = Registry()
    base, later = r.section("base"), r.section("later", after="base")
    base.add_nav(NavItem(label="Reports", url_name="reports", order=60, place="last"))
    later.add_nav(NavItem(label="Sales", url_name="sales", order=1))
    base.add_nav(NavItem(label="Customers", url_name="customers", order=10))
    base.add_nav(NavItem(label="Home", url_name="home", order=99, place="first"))
    assert [i.url_name for i in r.ordered(r.nav_items)] == ["home", "customers", "sales", "reports"]


def test_a_section_must_follow_one_already_declared():
    with pytest.raises(ValueError):
        Registry().section("costing", after="transactions")


def test_the_apps_declare_the_templates_order():
    assert [registry.rank(app) for app in ("customers", "transactions", "costing", "valuation", "risk")] == [
        0,
        1,
        2,
        3,
        4,
    ]
    sheets = [s.key for s in registry.ordered(registry.import_sheets)]
    assert sheets == ["customers", "sales", "payments", "costs"]
    assert [s.key for s in registry.ordered(registry.notebook_sections)][-1] == "notes"  # the notes close it
