"""A large, realistic, reproducible demo company for performance work (`manage.py seed_demo`).

Everything is drawn with numpy from one seed (same seed, same counts, same day → the same rows) and
written set-based: COPY on PostgreSQL, executemany on SQLite, never through the per-row services,
which would take hours at 2 M sales. The services' rules are therefore honoured here by
construction; this is what the generated books satisfy (tests/custnotes/test_seed_demo.py checks each
of them against the sections' own selectors and formulas):

Time
    Sales, receipts, refunds and costs fall on the local days [today − 730, today − 1], sales and
    receipts in office hours (09:00–18:00 in settings.TIME_ZONE), so nothing lies in the future
    at whatever time of day the command runs. A day's weight is the product of a month factor
    (seasonality: a low February around the Spring Festival, peaks in June and November–December),
    a weekday factor (weekends quiet) and a slow upward trend.
Customers
    Heavy-tailed purchase counts: each customer has a rate drawn from a log-normal (σ 1.6) and an
    active window (first purchase anywhere from before the span to a week ago; a quarter stop
    buying); the requested number of sales is shared among the customers by one multinomial draw in
    proportion to rate × window length, so a few customers have thousands of sales and most a
    handful. About 8 % are prospects with no sale. Industries are the seeded Industry rows; each
    customer belongs to one team and is owned by one of that team's Sales users. Customer type is
    the rule's (transactions.calculations.customer_type_for, asked once per customer with its first
    and last non-void sale dates, which decide it). Names are unique per company (the model's
    constraint).
Sales
    due date = the sale's local date + the customer's payment terms
    (transactions.calculations.default_due_date); cost of goods a share of the amount (unknown on
    about 8 %); a few ¥0 lines (free samples). About 1.5 % are void: voided by a Finance user within
    days of the sale, with a reason, and they carry no allocation.
Receipts and allocations
    Each customer pays by habit (prompt / slow / in trouble, as in transactions/demo.py): every
    non-void sale gets a date it would be paid on (within terms, or late by the habit's days); some
    are never paid (disputed), and a customer in trouble may stop paying altogether. The requested
    receipts are shared among customers in proportion to the sales they have paid (largest
    remainder, exact total); each receipt is allocated by hand to the run of consecutive paid
    invoices since the customer's previous receipt and dated on the last one's pay date, so that
    fewer receipts than sales still pay most invoices (customers pay statements). Extra receipts
    beyond one per paid invoice are instalments of the invoice they end on (equal parts, a month
    apart); a share of receipts, by habit, pays only 20–80 % of the batch's last invoice (partial
    payment: the rest stays open and, for old invoices, overdue). Hence Σ allocations of a sale ≤
    its amount and Σ allocations of a receipt ≤ its amount; every allocation is positive and
    applied on the receipt's date, which is never before its sale (applied_on = the later of the
    two, as the services store it).
Fees and settlement
    fee = transactions.calculations.payment_fee(amount, method's fee rate, fixed fee) and
    settles_on = settlement_date(received day, method's settlement days), both asked of the
    section's own functions; each customer has a usual payment method.
Credit and refunds
    About 1 % of the payments are refunds: their receipt was overpaid by the refunded amount, which
    is never allocated, and the refund (kind refund, no fee, settles the same day, refund_of the
    receipt) is paid back no later than the customer's next sale, so no sale ever met that credit
    (the services apply a customer's credit to each new sale). Some receipts after a customer's last
    sale are overpaid and keep their surplus as credit: nothing later could have consumed it.
Costs and campaigns
    Cost entries use the seeded CostCategory rows: marketing (40 %, every prospect's costs) recorded
    by Finance, service costs from the first sale on recorded by the owner or Finance. A few
    campaigns target a few hundred customers each and split their total by
    costing.calculations.split_largest_remainder, equally or by each target's revenue in the
    campaign period (weights stored), so the shares add up to the total exactly.
Users
    Admin (superuser), Manager, two Finance users and Sales users per team, all with one password
    (--password, default "custnotes-demo"), hashed once.

custnotes/ imports none of the sections (tests/custnotes/test_layers.py): the models are reached by
app label and the sections' formulas by their dotted paths, at run time.

Memory stays flat: the per-customer plan (a few arrays of N) is drawn first, then customers are
generated and written in chunks of about CHUNK_SALES sales, twice over (a first pass counts each
customer's paid invoices, the second regenerates the same chunk from its own seed and writes it).
"""

import datetime
import itertools
import zoneinfo
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property

import numpy as np
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

DEMO_PASSWORD = "custnotes-demo"  # noqa: S105 - the documented demo password, never in production
SPAN_DAYS = 730
CHUNK_SALES = 50_000  # sales generated and written at a time (memory), fixed: part of reproducibility
REFUND_SHARE = 0.01
PROSPECT_SHARE = 0.08
VOID_SHARE = 0.015
FREE_SHARE = 0.003
NO_COST_SHARE = 0.08

# The sections' formulas, by dotted path (see the docstring).
RULES = {
    "payment_fee": "transactions.calculations.payment_fee",
    "settlement_date": "transactions.calculations.settlement_date",
    "default_due_date": "transactions.calculations.default_due_date",
    "customer_type_for": "transactions.calculations.customer_type_for",
    "split": "costing.calculations.split_largest_remainder",
}

# Paying habits: share of customers, receipts per paid invoice (relative), chance an invoice is paid
# late, days late (low, high), chance it is never paid, chance a receipt pays only part of its last
# invoice, chance the customer stopped paying at some day of the last 200.
HABITS = (
    (0.74, 1.00, 0.04, (1, 10), 0.003, 0.03, 0.0),  # prompt
    (0.16, 0.95, 0.40, (5, 40), 0.02, 0.12, 0.0),  # slow
    (0.10, 0.80, 0.60, (30, 120), 0.12, 0.25, 0.5),  # in trouble
)
MONTH_FACTOR = (0.95, 0.55, 0.90, 1.00, 1.00, 1.20, 0.95, 0.90, 1.00, 1.05, 1.30, 1.35)
WEEKDAY_FACTOR = (1.0, 1.0, 1.0, 1.0, 1.05, 0.35, 0.2)
TERMS = ((0, 0.08), (15, 0.12), (30, 0.40), (45, 0.15), (60, 0.15), (90, 0.10))
INDUSTRY_WEIGHT = {"制造业": 4, "零售": 3, "批发": 3, "信息技术": 2, "物流": 2, "专业服务": 2, "餐饮": 2}

TEAMS = [
    ("华东销售组", "上海、江苏、浙江的客户"),
    ("华南销售组", "广东、福建的客户"),
    ("华北销售组", "北京、天津、河北的客户"),
    ("西南销售组", "四川、重庆、云南的客户"),
    ("华中销售组", "湖北、湖南、河南的客户"),
    ("东北销售组", "辽宁、吉林、黑龙江的客户"),
    ("西北销售组", "陕西、甘肃、新疆的客户"),
    ("大客户部", "年采购额百万以上的重点客户"),
]
CITIES = [
    "上海", "杭州", "苏州", "南京", "宁波", "无锡", "广州", "深圳", "东莞", "佛山", "厦门", "福州",
    "北京", "天津", "石家庄", "成都", "重庆", "昆明", "武汉", "长沙", "郑州", "沈阳", "长春", "哈尔滨",
    "西安", "兰州", "乌鲁木齐", "合肥", "济南", "青岛", "大连", "南昌", "贵阳", "南宁",
]  # fmt: skip
SYLLABLES = "华鑫瑞泰恒信达安盛通宏远嘉诚博元海天中兴东方金源新和永祥隆顺汇丰合力明创利德正开"
TRADES = {
    "零售": ["百货", "商贸", "超市", "连锁"],
    "批发": ["贸易", "供应链", "进出口", "商行"],
    "餐饮": ["餐饮", "食品", "餐饮管理", "茶业"],
    "制造业": ["机械", "电子", "精密制造", "材料"],
    "建筑": ["建设", "建工", "装饰工程", "路桥"],
    "能源": ["能源", "电力", "新能源", "燃气"],
    "金融": ["金融服务", "融资租赁", "保险代理", "投资"],
    "信息技术": ["信息技术", "软件", "网络科技", "数据"],
    "医疗健康": ["医疗器械", "健康管理", "医药", "生物科技"],
    "教育": ["教育科技", "培训", "教育咨询", "文化传播"],
    "物流": ["物流", "运输", "仓储", "快运"],
    "专业服务": ["咨询", "人力资源", "会计服务", "设计"],
    "房地产": ["置业", "物业服务", "地产", "房产经纪"],
    "农业": ["农业", "农产品", "水产", "种业"],
}
SURNAMES = "陈林黄吴刘杨徐孙马朱胡郭何高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
GIVEN = "伟芳娜敏静磊洋勇艳杰涛明超霞平刚军丽强鹏华辉斌健"
PRODUCTS = [
    "办公设备采购", "年度维保服务", "软件许可", "原材料供货", "物流配送服务",
    "定制加工", "咨询服务", "耗材补货", "安装调试", "技术培训",
]  # fmt: skip
VOID_REASONS = ["客户取消订单", "开票信息有误，重新开具", "重复录入", "退货"]
NOTES = [
    "电话回访：对上季度交付满意，计划下月追加订单。",
    "拜访客户采购经理，了解明年预算，约定两周后报价。",
    "客户反映上次发货延迟两天，已协调物流部门改进。",
    "财务确认：上月货款已到账，无逾期。",
    "客户询问账期能否延长，需财务评估。",
    "参加客户年会，结识新任采购总监。",
    "售后工程师上门维修一次，客户满意。",
    "催收：两张发票已逾期，客户承诺月底前付款。",
]
TAGS = ["重点客户", "出口", "政府采购", "长期合作", "新开发"]
NAME_SCRAMBLE = 104_729  # a prime coprime with the name space: a fixed bijection of it
CAMPAIGNS = ["春季行业展会", "华南线上广告投放", "618 促销", "秋季客户答谢会", "双十一线上推广", "年终客户礼品"]


class SeedError(ValueError):
    """The counts asked for cannot make a consistent set (e.g. payments but no invoice to pay)."""


@dataclass(frozen=True)
class SeedCounts:
    """What was asked for: how many customers, sales, payments (receipts and refunds) and costs."""

    customers: int
    sales: int
    payments: int
    costs: int
    seed: int = 1


def _rule(name: str) -> Callable:
    return import_string(RULES[name])


def _model(label: str):
    return apps.get_model(label)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer parts of `total` in proportion to `weights`, adding up to `total` exactly."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    leftover = int(total - parts.sum())
    if leftover:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:leftover]] += 1
    return parts


def _group_starts(keys: np.ndarray) -> np.ndarray:
    """For a sorted key array: the index where each element's group (run of equal keys) starts."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, keys[1:] != keys[:-1]]
    starts = np.flatnonzero(new)
    return starts[np.cumsum(new) - 1]


class Calendar:
    """Local days of the span as ordinals, their UTC midnights and their text, for the writers."""

    def __init__(self, today: datetime.date):
        self.today = today.toordinal()
        self.first = self.today - SPAN_DAYS
        self.last = self.today - 1
        self.base = self.first - 800  # created_at of old customers; due dates up to a year ahead
        end = self.today + 800
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        days = [datetime.date.fromordinal(o) for o in range(self.base, end)]
        self.text = np.array([d.isoformat() for d in days])
        epoch = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
        self.midnight = np.array(
            [int((datetime.datetime.combine(d, datetime.time(), zone) - epoch).total_seconds()) for d in days],
            dtype=np.int64,
        )
        weights = np.array(
            [MONTH_FACTOR[d.month - 1] * WEEKDAY_FACTOR[d.weekday()] for d in days[self.first - self.base :]][
                :SPAN_DAYS
            ]
        )
        weights *= np.linspace(0.85, 1.15, SPAN_DAYS)  # a business that grows
        self.cumulative = np.r_[0.0, np.cumsum(weights)]  # over offsets 0..SPAN_DAYS-1 from self.first

    def draw_days(self, rng, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """One seasonal day (ordinal) in [start, end] (ordinals in the span) per element."""
        lo = self.cumulative[start - self.first]
        hi = self.cumulative[end - self.first + 1]
        target = lo + rng.random(len(start)) * (hi - lo)
        offset = np.searchsorted(self.cumulative, target, side="right") - 1
        return self.first + np.clip(offset, start - self.first, end - self.first)

    def moment(self, days: np.ndarray, seconds: np.ndarray) -> np.ndarray:
        """UTC epoch seconds of local (day, second of the day)."""
        return self.midnight[days - self.base] + seconds

    def dates(self, days: np.ndarray) -> list:
        return self.text[days - self.base].tolist()


class Writer:
    """Writes rows of one table set-based: COPY on PostgreSQL, executemany elsewhere. Values are
    plain: ints (money in fen, as MoneyField stores it), strings, None, bools, epoch seconds for
    datetimes (columns named in `moments`)."""

    def __init__(self):
        self.postgres = connection.vendor == "postgresql"
        self.rows_written: dict[str, int] = {}

    @staticmethod
    def check_columns(model, names: list[str]) -> None:
        """Refuse to write a table with a column this module does not fill: a field added later (a
        running figure, say) would otherwise keep its default and silently disagree with its source."""
        wanted = {
            field.column
            for field in model._meta.concrete_fields
            if not field.generated and not (model._meta.auto_created and field.primary_key)
        }
        if missing := sorted(wanted - set(names)):
            raise SeedError(
                _("seed_demo does not fill %(columns)s of %(table)s: teach custnotes/seeding.py that field.")
                % {"columns": ", ".join(missing), "table": model._meta.db_table}
            )

    def moments(self, seconds: np.ndarray) -> list:
        text = np.datetime_as_string(np.asarray(seconds, dtype="datetime64[s]"), unit="s")
        if self.postgres:
            return np.strings.add(text, "+00").tolist()
        return np.strings.replace(text, "T", " ").tolist()  # how Django's SQLite backend stores UTC

    def write(self, model, columns: dict[str, Sequence], *, moments: Iterable[str] = ()) -> None:
        names = list(columns)
        values = []
        for name in names:
            column = columns[name]
            if name in moments:
                column = self.moments(column)
            elif isinstance(column, np.ndarray):
                column = column.tolist()
            values.append(column)
        if not values or not len(values[0]):
            return
        table = model._meta.db_table
        self.check_columns(model, names)
        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        rows = zip(*values, strict=True)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(names))
                # names come from the models' own columns, never from input
                sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({marks})"  # noqa: S608
                cursor.executemany(sql, rows)
        self.rows_written[table] = self.rows_written.get(table, 0) + len(values[0])


def _next_id(model) -> int:
    latest = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (latest or 0) + 1


@dataclass
class People:
    """The seeded users and teams, by role."""

    team_ids: list[int]
    sales_by_team: list[list[int]]
    finance: list[int]
    manager: int
    admin: int


def _people(*, n_customers: int, password: str) -> People:
    """Users in every role and the teams (through the customers section's team_create, as Admin). A
    user whose username exists already is reused and given the role."""
    from custnotes import roles

    User, Group, Team = get_user_model(), _model("auth.Group"), _model("customers.Team")
    team_create = import_string("customers.services.team_create")
    n_teams = int(np.clip(3 + n_customers // 20_000, 3, len(TEAMS)))
    per_team = int(np.clip(1 + n_customers // (n_teams * 3_000), 1, 6))
    hashed = make_password(password)  # once: one demo password for every seeded user
    groups = {role: Group.objects.get(name=role) for role in roles.ROLES}

    def user(username, first_name, role, *, team=None, staff=False):
        found = User.objects.filter(username=username).first()
        if found is None:
            found = User.objects.create(
                username=username,
                password=hashed,
                first_name=first_name,
                email=f"{username}@example.com",
                is_staff=staff,
                is_superuser=role == roles.ADMIN,
            )
        found.groups.add(groups[role])
        if team is not None:
            team.members.add(found)
        return found

    admin = user("admin", "系统管理员", roles.ADMIN, staff=True)
    default = Team.objects.filter(is_default=True).first()
    teams = []
    for index, (name, description) in enumerate(TEAMS[:n_teams]):
        team = Team.objects.filter(name=name).first()
        if team is None and index == 0 and default is not None and not default.customers.exists():
            default.name, default.description = name, description  # the install's default team, renamed
            default.save(update_fields=["name", "description"])  # as the small demo does
            team = default
        teams.append(team or team_create(name=name, user=admin))
    sales, number = [], 0
    for team in teams:
        members = []
        for _member in range(per_team):
            number += 1
            seller = user(f"sales{number}", SURNAMES[number % len(SURNAMES)] + "销售", roles.SALES, team=team)
            members.append(seller.pk)
        sales.append(members)
    return People(
        team_ids=[team.pk for team in teams],
        sales_by_team=sales,
        finance=[user("finance1", "李会计", roles.FINANCE).pk, user("finance2", "王会计", roles.FINANCE).pk],
        manager=user("manager", "周经理", roles.MANAGER).pk,
        admin=admin.pk,
    )


class Seeder:
    """Draws the plan of every customer, then generates and writes the books chunk by chunk."""

    def __init__(self, counts: SeedCounts, *, password: str = DEMO_PASSWORD, stdout=None):
        self.counts = counts
        self.password = password
        self.stdout = stdout
        self.today = timezone.localdate()
        self.cal = Calendar(self.today)
        self.writer = Writer()
        self.fee = _rule("payment_fee")

    def log(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(message)

    def rng(self, *stream: int) -> np.random.Generator:
        return np.random.default_rng([self.counts.seed, *stream])

    # --- reference data ---------------------------------------------------------------------------

    @cached_property
    def industries(self) -> list[tuple[int, str]]:
        return list(_model("customers.Industry").objects.order_by("pk").values_list("pk", "name"))

    @cached_property
    def methods(self) -> list[tuple[int, Decimal, Decimal, int]]:
        rows = _model("transactions.PaymentMethod").objects.filter(is_active=True).order_by("pk")
        return list(rows.values_list("pk", "fee_rate", "fixed_fee", "settlement_days"))

    @cached_property
    def categories(self) -> dict[str, list[int]]:
        rows = _model("costing.CostCategory").objects.filter(is_active=True).order_by("pk")
        found = {"marketing": [], "service": []}
        for pk, family in rows.values_list("pk", "family"):
            found.setdefault(family, []).append(pk)
        return found

    # --- the plan: one row per customer -----------------------------------------------------------

    def plan(self) -> None:
        n, cal = self.counts.customers, self.cal
        rng = self.rng(0)
        self.people = _people(n_customers=n, password=self.password)
        teams = len(self.people.team_ids)
        self.team = rng.integers(0, teams, n)
        owners = np.empty(n, dtype=np.int64)
        for t in range(teams):  # an owner from the customer's team
            members = np.array(self.people.sales_by_team[t])
            where = np.flatnonzero(self.team == t)
            owners[where] = members[rng.integers(0, len(members), len(where))]
        self.owner = owners
        weights = np.array([INDUSTRY_WEIGHT.get(name, 1) for _pk, name in self.industries], dtype=float)
        self.industry = rng.choice(len(self.industries), n, p=weights / weights.sum())
        terms, shares = zip(*TERMS, strict=True)
        self.terms = rng.choice(np.array(terms), n, p=np.array(shares))
        habit_share = np.array([h[0] for h in HABITS])
        self.habit = rng.choice(len(HABITS), n, p=habit_share / habit_share.sum())
        self.growth = rng.choice(5, n, p=[0.1, 0.2, 0.4, 0.2, 0.1]) + 1
        self.method = rng.choice(len(self.methods), n) if self.methods else np.zeros(n, dtype=np.int64)
        rate = rng.lognormal(0.0, 1.6, n)
        prospect = rng.random(n) < PROSPECT_SHARE
        self.start = np.clip(rng.integers(cal.first - 400, cal.last - 6, n, endpoint=True), cal.first, cal.last)
        churn = rng.random(n) < 0.25
        length = cal.last - self.start
        self.end = np.where(churn, self.start + (length * rng.random(n)).astype(np.int64), cal.last)
        # every customer but the prospects buys at least once; the rest by rate × window length
        buyers = ~prospect if self.counts.sales >= (~prospect).sum() else np.arange(n) < self.counts.sales
        expected = np.where(buyers, rate * (self.end - self.start + 1), 0.0)
        rest = self.counts.sales - int(buyers.sum())
        self.sales = buyers.astype(np.int64)
        if rest > 0:
            self.sales += rng.multinomial(rest, expected / expected.sum())
        self.typical = rng.lognormal(np.log(8_000_00), 1.0, n)  # fen, the customer's usual order
        stop = np.where(
            rng.random(n) < np.array([h[6] for h in HABITS])[self.habit], cal.last - rng.integers(0, 200, n), cal.today
        )
        self.stop = stop
        cost_weight = (1.0 + self.sales) ** 0.6
        self.costs = (
            rng.multinomial(self.counts.costs, cost_weight / cost_weight.sum())
            if self.counts.costs
            else np.zeros(n, dtype=np.int64)
        )
        # a credit limit of about one to two months' billing on top of the terms, in ¥10,000 steps
        monthly = self.sales * self.typical / np.maximum((self.end - self.start + 1) / 30, 1)
        limit = monthly * (self.terms / 30 + 1) * rng.uniform(0.8, 2.5, n)
        self.credit_limit = (np.maximum(np.round(limit / 1_000_000), 1) * 1_000_000).astype(np.int64)
        self.credit_limit[self.sales == 0] = 0
        self.reviewed = np.where(rng.random(n) < 0.6, cal.last - rng.integers(0, 300, n), -1)
        # chunks: runs of customers holding about CHUNK_SALES sales
        ends = np.cumsum(self.sales + self.costs // 4 + 1)
        cuts = np.unique(np.searchsorted(ends, np.arange(CHUNK_SALES, ends[-1] if n else 0, CHUNK_SALES)) + 1)
        bounds = [0, *cuts[cuts < n].tolist(), n]
        self.chunks = [(a, b) for a, b in itertools.pairwise(bounds) if b > a]

    # --- sales of one chunk (pass 1 and 2 draw the same) ------------------------------------------

    def chunk_sales(self, chunk: int, lo: int, hi: int) -> dict[str, np.ndarray]:
        rng, cal = self.rng(1, chunk), self.cal
        counts = self.sales[lo:hi]
        cust = np.repeat(np.arange(lo, hi), counts)
        m = len(cust)
        day = cal.draw_days(rng, self.start[cust], self.end[cust])
        second = rng.integers(9 * 3600, 18 * 3600, m)
        order = np.lexsort((second, day, cust))
        day, second = day[order], second[order]
        amount = np.maximum(np.round(self.typical[cust] * rng.gamma(4.0, 0.25, m)), 100_00).astype(np.int64)
        free = rng.random(m) < FREE_SHARE
        amount[free] = 0
        void = (rng.random(m) < VOID_SHARE) & ~free
        cost = np.round(amount * rng.uniform(0.5, 0.85, m)).astype(np.int64)
        cost_known = rng.random(m) >= NO_COST_SHARE
        habit = self.habit[cust]
        terms = self.terms[cust]
        late = rng.random(m) < np.array([h[2] for h in HABITS])[habit]
        lows = np.array([h[3][0] for h in HABITS])[habit]
        highs = np.array([h[3][1] for h in HABITS])[habit]
        delay = np.where(
            late, terms + rng.integers(lows, highs + 1), np.floor(rng.random(m) * (terms + 1)).astype(np.int64)
        )
        pay_day = day + delay
        never = rng.random(m) < np.array([h[4] for h in HABITS])[habit]
        paid = ~void & ~never & (amount > 0) & (pay_day <= cal.last) & (pay_day < self.stop[cust])
        return {
            "cust": cust,
            "day": day,
            "second": second,
            "amount": amount,
            "void": void,
            "cost": cost,
            "cost_known": cost_known,
            "pay_day": pay_day,
            "paid": paid,
            "product": rng.integers(0, len(PRODUCTS), m),
            "by_finance": rng.random(m) < 0.3,
            "void_delay": rng.integers(3600, 5 * 86400, m),
            "void_reason": rng.integers(0, len(VOID_REASONS), m),
            "void_by": rng.integers(0, len(self.people.finance), m),
        }

    def count_paid(self) -> None:
        """Pass 1: how many invoices each customer pays, hence how many receipts each gets."""
        n = self.counts.customers
        paid = np.zeros(n, dtype=np.int64)
        for chunk, (lo, hi) in enumerate(self.chunks):
            sales = self.chunk_sales(chunk, lo, hi)
            paid += np.bincount(sales["cust"][sales["paid"]], minlength=n)
        refunds = round(self.counts.payments * REFUND_SHARE)
        receipts = self.counts.payments - refunds
        if receipts and not self.methods:
            raise SeedError(_("There is no active payment method."))
        if receipts and not paid.sum():
            raise SeedError(_("No invoice is old enough to be paid: ask for more sales or fewer payments."))
        if receipts > 3 * paid.sum():
            raise SeedError(_("At most %(count)s receipts fit these sales.") % {"count": 3 * paid.sum()})
        weight = paid * np.array([h[1] for h in HABITS])[self.habit]
        self.receipts = _largest_remainder(receipts, weight)
        for _round in range(50):  # at most three receipts per paid invoice: move the excess elsewhere
            excess = np.maximum(self.receipts - 3 * paid, 0)
            if not excess.any():
                break
            self.receipts -= excess
            room = np.maximum(3 * paid - self.receipts, 0)
            self.receipts += _largest_remainder(int(excess.sum()), room * weight.clip(min=1e-9))
        per_chunk = np.array([self.receipts[lo:hi].sum() for lo, hi in self.chunks], dtype=float)
        self.refunds = _largest_remainder(min(refunds, int(per_chunk.sum())), per_chunk)
        self.refund_shortfall = refunds - int(self.refunds.sum())

    # --- writing ----------------------------------------------------------------------------------

    def run(self) -> dict[str, int]:
        with transaction.atomic():
            self.plan()
            self.count_paid()
            if self.refund_shortfall:
                raise SeedError(_("Refunds need receipts: ask for more payments."))
            self.ids = {
                label: _next_id(_model(label))
                for label in (
                    "customers.Customer",
                    "customers.Note",
                    "transactions.Sale",
                    "transactions.Payment",
                    "transactions.Allocation",
                    "costing.CostEntry",
                    "costing.Campaign",
                    "costing.CampaignAllocation",
                )
            }
            self.customer_base = self.ids["customers.Customer"]  # customer i gets id customer_base + i
            self.campaign_plan()
            for chunk, (lo, hi) in enumerate(self.chunks):
                self.write_chunk(chunk, lo, hi)
                self.log(f"seed_demo: customers {hi:,} of {self.counts.customers:,}")
            self.write_campaigns()
            self.reset_sequences()
        return dict(self.writer.rows_written)

    def take_ids(self, label: str, count: int) -> np.ndarray:
        first = self.ids[label]
        self.ids[label] = first + count
        return np.arange(first, first + count, dtype=np.int64)

    def write_chunk(self, chunk: int, lo: int, hi: int) -> None:
        sales = self.chunk_sales(chunk, lo, hi)
        rng = self.rng(2, chunk)
        customer_ids = self.take_ids("customers.Customer", hi - lo)
        sale_ids = self.take_ids("transactions.Sale", len(sales["cust"]))
        self.write_customers(rng, lo, hi, customer_ids, sales)
        paid = self.write_payments(rng, chunk, lo, hi, sales, sale_ids)
        self.write_sales(sales, sale_ids, paid)
        self.write_costs(rng, lo, hi)
        self.collect_campaign_revenue(sales)

    def write_customers(self, rng, lo: int, hi: int, ids: np.ndarray, sales) -> None:
        cal, k = self.cal, hi - lo
        type_for = _rule("customer_type_for")
        today = self.today
        live = ~sales["void"]
        cust, day = sales["cust"][live], sales["day"][live]
        first = np.full(k, -1, dtype=np.int64)
        last = np.full(k, -1, dtype=np.int64)
        if len(cust):
            starts = np.r_[True, cust[1:] != cust[:-1]]
            ends = np.r_[cust[1:] != cust[:-1], True]
            first[cust[starts] - lo] = day[starts]  # sales are sorted by customer and day
            last[cust[ends] - lo] = day[ends]
        types = [
            type_for(
                "prospect",
                [datetime.date.fromordinal(int(f)), datetime.date.fromordinal(int(la))] if f >= 0 else [],
                today,
            )
            for f, la in zip(first.tolist(), last.tolist(), strict=True)
        ]
        industry = self.industry[lo:hi]
        names = self.company_names(lo, hi, industry)
        since = np.where(first >= 0, np.minimum(first, self.start[lo:hi]), self.start[lo:hi])
        created = since - rng.integers(1, 120, k)
        created_moment = cal.moment(created, rng.integers(9 * 3600, 18 * 3600, k))
        surname = rng.integers(0, len(SURNAMES), k)
        given = rng.integers(0, len(GIVEN), k)
        reviewed = self.reviewed[lo:hi]
        self.writer.write(
            _model("customers.Customer"),
            {
                "id": ids,
                "name": [company.removesuffix("有限公司") for company in names],
                "company": names,
                "contact_person": [SURNAMES[s] + GIVEN[g] for s, g in zip(surname, given, strict=True)],
                "phone": [f"1{p}" for p in rng.integers(3_000_000_000, 9_999_999_999, k).tolist()],
                "email": [f"contact{pk}@example.cn" for pk in ids.tolist()],
                "address": [
                    f"{CITIES[c]}市{n}号" for c, n in zip(self.city, rng.integers(1, 999, k).tolist(), strict=True)
                ],
                "industry_id": [self.industries[i][0] for i in industry.tolist()],
                "customer_type": types,
                "team_id": [self.people.team_ids[t] for t in self.team[lo:hi].tolist()],
                "owner_id": self.owner[lo:hi],
                "credit_limit": self.credit_limit[lo:hi],
                "payment_terms_days": self.terms[lo:hi],
                "growth_rating": self.growth[lo:hi],
                "extra": ["{}"] * k,
                "external_id": [None] * k,
                "is_archived": [False] * k,
                "last_reviewed_on": [cal.text[r - cal.base] if r >= 0 else None for r in reviewed.tolist()],
                "created_at": created_moment,
                "updated_at": created_moment,
            },
            moments=("created_at", "updated_at"),
        )
        # tags and notes of some customers
        Tag = _model("customers.Tag")
        if not hasattr(self, "tag_ids"):
            self.tag_ids = [Tag.objects.get_or_create(name=name)[0].pk for name in TAGS]
        tagged = np.flatnonzero(rng.random(k) < 0.15)
        tag_pairs = {(int(ids[i]), self.tag_ids[t]) for i in tagged for t in rng.choice(len(TAGS), 2).tolist()}
        through = _model("customers.Customer").tags.through
        pairs = sorted(tag_pairs)
        self.writer.write(through, {"customer_id": [c for c, _t in pairs], "tag_id": [t for _c, t in pairs]})
        noted = np.repeat(np.arange(k), np.where(rng.random(k) < 0.3, rng.integers(1, 4, k), 0))
        note_day = np.minimum(np.maximum(created[noted] + rng.integers(1, 400, len(noted)), cal.first), cal.last)
        self.writer.write(
            _model("customers.Note"),
            {
                "id": self.take_ids("customers.Note", len(noted)),
                "customer_id": ids[noted],
                "author_id": self.owner[lo:hi][noted],
                "text": [NOTES[i] for i in rng.integers(0, len(NOTES), len(noted)).tolist()],
                "created_at": cal.moment(note_day, rng.integers(9 * 3600, 18 * 3600, len(noted))),
            },
            moments=("created_at",),
        )

    def company_names(self, lo: int, hi: int, industry: np.ndarray) -> list[str]:
        """Unique company names: city + two syllables + trade (of the industry) + 有限公司. The
        customer's index, scrambled by a fixed bijection, spells (city, syllables, trade), so distinct
        customers get distinct names; past the combinations a branch number tells them apart."""
        cities, syllables = len(CITIES), len(SYLLABLES)
        space = cities * syllables * syllables * 4
        index = np.arange(lo, hi, dtype=np.int64)
        code = (index % space) * NAME_SCRAMBLE % space
        branch = index // space
        city, code = code % cities, code // cities
        first, code = code % syllables, code // syllables
        second, trade = code % syllables, code // syllables
        self.city = city.tolist()
        names = []
        for c, f, s, t, b, i in zip(
            self.city, first.tolist(), second.tolist(), trade.tolist(), branch.tolist(), industry.tolist(), strict=True
        ):
            trade_word = TRADES.get(self.industries[i][1], ["实业", "商贸", "科技", "服务"])[t]
            suffix = f"第{b + 1}分公司" if b else ""
            names.append(f"{CITIES[c]}{SYLLABLES[f]}{SYLLABLES[s]}{trade_word}有限公司{suffix}")
        return names

    def write_sales(self, sales, ids: np.ndarray, paid: np.ndarray) -> None:
        """The sales, with their running paid amount (paid_to_date: Σ of their allocations, as the
        services keep it; the open amount is the database's generated column)."""
        cal, m, void = self.cal, len(ids), sales["void"]
        due_date = _rule("default_due_date")
        due_cache: dict[tuple[int, int], str] = {}
        due = []
        for day, terms in zip(sales["day"].tolist(), self.terms[sales["cust"]].tolist(), strict=True):
            text = due_cache.get((day, terms))
            if text is None:
                text = due_cache[(day, terms)] = due_date(datetime.date.fromordinal(day), terms).isoformat()
            due.append(text)
        occurred = cal.moment(sales["day"], sales["second"])
        finance = np.array(self.people.finance)
        void_list = void.tolist()
        voided_at = self.writer.moments(occurred + sales["void_delay"])
        self.writer.write(
            _model("transactions.Sale"),
            {
                "id": ids,
                "customer_id": sales["cust"] + self.customer_base,
                "occurred_at": occurred,
                "product": [PRODUCTS[i] for i in sales["product"].tolist()],
                "amount": sales["amount"],
                "cost_of_goods": [
                    c if known else None
                    for c, known in zip(sales["cost"].tolist(), sales["cost_known"].tolist(), strict=True)
                ],
                "due_date": due,
                "external_id": [None] * m,
                "is_void": void,
                "void_reason": [
                    VOID_REASONS[r] if v else "" for r, v in zip(sales["void_reason"].tolist(), void_list, strict=True)
                ],
                "voided_at": [t if v else None for t, v in zip(voided_at, void_list, strict=True)],
                "voided_by_id": [
                    f if v else None for f, v in zip(finance[sales["void_by"]].tolist(), void_list, strict=True)
                ],
                "created_by_id": np.where(sales["by_finance"], finance[0], self.owner[sales["cust"]]),
                "created_at": occurred + 60,
                "paid_to_date": paid,
            },
            moments=("occurred_at", "created_at"),
        )

    def write_payments(self, rng, chunk: int, lo: int, hi: int, sales, sale_ids: np.ndarray) -> np.ndarray:
        """Receipts (each allocated by hand to its batch of invoices, with their running allocated
        and refunded sums), their allocations, refunds. Returns each sale's paid amount (Σ of its
        allocations)."""
        cal = self.cal
        k = hi - lo
        paid_idx = np.flatnonzero(sales["paid"])
        pcust = sales["cust"][paid_idx] - lo
        wanted = self.receipts[lo:hi]
        n_paid = np.bincount(pcust, minlength=k)
        p_of, n_of = wanted[pcust], n_paid[pcust]
        active = p_of > 0
        paid_idx, pcust, p_of, n_of = paid_idx[active], pcust[active], p_of[active], n_of[active]
        # which paid invoices end a receipt's batch ("cuts"): p of the customer's n, the last always
        key = rng.random(len(paid_idx))
        is_last = np.r_[pcust[1:] != pcust[:-1], True] if len(pcust) else np.zeros(0, dtype=bool)
        key[is_last] = -1.0
        order = np.lexsort((key, pcust))
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order)) - _group_starts(pcust[order])
        mult = (rank < p_of).astype(np.int64)
        # more receipts than paid invoices: the extra ones are instalments of invoices of the customer
        group_start = _group_starts(pcust)
        over = np.flatnonzero((p_of > n_of) & is_last)
        extra = p_of[over] - n_of[over]
        owner_start = np.repeat(group_start[over], extra)
        owner_n = np.repeat(n_of[over], extra)
        np.add.at(mult, owner_start + np.floor(rng.random(len(owner_start)) * owner_n).astype(np.int64), 1)
        is_cut = mult > 0
        batch = np.cumsum(is_cut) - is_cut  # the cut (receipt group) each paid invoice belongs to
        cut_at = np.flatnonzero(is_cut)
        cut_sale = paid_idx[cut_at]
        group_size = mult[cut_at]
        n_groups = len(cut_at)
        # the receipts: group g has group_size[g] of them, a month apart (or closer, to stay in the span)
        group_of = np.repeat(np.arange(n_groups), group_size)
        first_receipt = np.r_[0, np.cumsum(group_size)[:-1]] if n_groups else np.zeros(0, dtype=np.int64)
        part = np.arange(len(group_of)) - first_receipt[group_of]
        n_receipts = len(group_of)
        group_day = sales["pay_day"][cut_sale]
        gap = np.minimum(30, (cal.last - group_day) // np.maximum(group_size, 1))
        r_day = group_day[group_of] + part * gap[group_of]
        r_second = rng.integers(9 * 3600, 18 * 3600, n_receipts)
        same_day = r_day == sales["day"][cut_sale][group_of]
        r_second = np.where(
            same_day, np.minimum(np.maximum(r_second, sales["second"][cut_sale][group_of] + 60), 86_399), r_second
        )
        r_cust = sales["cust"][cut_sale][group_of] - lo
        # allocations: the batch's other invoices in full on the group's first receipt; the cut invoice
        # in instalments over the group's receipts, or short-paid when the group has one receipt
        amount = sales["amount"]
        short_chance = np.array([h[5] for h in HABITS])[self.habit[lo:hi]]
        short = (group_size == 1) & (rng.random(n_groups) < short_chance[r_cust[first_receipt]])
        share = rng.uniform(0.2, 0.8, n_groups)
        cut_amount = amount[cut_sale]
        size_r = group_size[group_of]
        instalment = (cut_amount[group_of] * (part + 1)) // size_r - (cut_amount[group_of] * part) // size_r
        short_r = short[group_of]
        instalment = np.where(
            short_r, np.maximum(np.round(cut_amount[group_of] * share[group_of]).astype(np.int64), 1), instalment
        )
        others = ~is_cut
        alloc_receipt = np.r_[first_receipt[batch[others]], np.arange(n_receipts)].astype(np.int64)
        alloc_sale = np.r_[paid_idx[others], cut_sale[group_of]].astype(np.int64)
        alloc_amount = np.r_[amount[paid_idx[others]], instalment].astype(np.int64)
        r_amount = np.zeros(n_receipts, dtype=np.int64)
        np.add.at(r_amount, alloc_receipt, alloc_amount)
        r_allocated = r_amount.copy()  # the receipts' running figures, as the services keep them
        # surplus: refunded (the chunk's share of the refunds), or kept as credit after the last sale
        r_moment = cal.moment(r_day, r_second)
        sale_moment = cal.moment(sales["day"], sales["second"])
        big = np.int64(1) << np.int64(40)
        sale_key = sales["cust"].astype(np.int64) * big + (sale_moment - cal.midnight[0])
        receipt_key = (r_cust + lo).astype(np.int64) * big + (r_moment - cal.midnight[0])
        nxt = np.searchsorted(sale_key, receipt_key, side="right")
        has_next = nxt < len(sale_key)
        has_next[has_next] &= sales["cust"][nxt[has_next]] == r_cust[has_next] + lo
        next_moment = np.where(has_next, sale_moment[np.minimum(nxt, len(sale_key) - 1)], np.iinfo(np.int64).max)
        n_refunds = int(self.refunds[chunk])
        refunded = rng.choice(n_receipts, n_refunds, replace=False) if n_refunds else np.zeros(0, dtype=np.int64)
        surplus = np.zeros(n_receipts, dtype=np.int64)
        surplus[refunded] = rng.integers(50_00, 2_000_00, n_refunds)
        credit = ~has_next & (rng.random(n_receipts) < 0.3)
        credit[refunded] = False
        surplus[credit] = rng.integers(100_00, 5_000_00, int(credit.sum()))
        r_amount += surplus
        r_refunded = np.zeros(n_receipts, dtype=np.int64)
        r_refunded[refunded] = surplus[refunded]
        # the receipt rows
        methods = self.methods
        method = np.where(
            rng.random(n_receipts) < 0.8, self.method[lo:hi][r_cust], rng.integers(0, len(methods), n_receipts)
        )
        fee_rule, settle_rule = self.fee, _rule("settlement_date")
        rates = [(rate, fixed) for _pk, rate, fixed, _days in methods]
        cent = Decimal("0.01")
        fees = [
            int(fee_rule(Decimal(a) * cent, *rates[m]) * 100)
            for a, m in zip(r_amount.tolist(), method.tolist(), strict=True)
        ]
        settle_cache: dict[tuple[int, int], str] = {}
        settles = []
        for day, m in zip(r_day.tolist(), method.tolist(), strict=True):
            text = settle_cache.get((day, m))
            if text is None:
                text = settle_cache[(day, m)] = settle_rule(datetime.date.fromordinal(day), methods[m][3]).isoformat()
            settles.append(text)
        payment_ids = self.take_ids("transactions.Payment", n_receipts + n_refunds)
        receipt_ids = payment_ids[:n_receipts]
        method_pk = np.array([pk for pk, *_rest in methods], dtype=np.int64)
        finance = np.array(self.people.finance)
        # refunds: a few days after the receipt, never after the customer's next sale, in the span
        last_moment = cal.moment(np.array([cal.last]), np.array([86_399]))[0]
        f_moment = r_moment[refunded] + rng.integers(3600, 10 * 86400, n_refunds)
        f_moment = np.maximum(
            np.minimum(np.minimum(f_moment, next_moment[refunded] - 1), last_moment), r_moment[refunded]
        )
        f_day = np.searchsorted(cal.midnight, f_moment, side="right") - 1 + cal.base
        receipt_refs = [f"SEED-{pk}" for pk in receipt_ids.tolist()]
        self.writer.write(
            _model("transactions.Payment"),
            {
                "id": payment_ids,
                "customer_id": np.r_[r_cust, r_cust[refunded]] + lo + self.customer_base,
                "kind": ["receipt"] * n_receipts + ["refund"] * n_refunds,
                "received_at": np.r_[r_moment, f_moment],
                "amount": np.r_[r_amount, surplus[refunded]],
                "method_id": method_pk[np.r_[method, method[refunded]]],
                "reference": receipt_refs + [f"RF-{receipt_refs[i]}" for i in refunded.tolist()],
                "fee": fees + [0] * n_refunds,
                "settles_on": settles + cal.dates(f_day),
                "refund_of_id": [None] * n_receipts + receipt_ids[refunded].tolist(),
                "external_id": [None] * (n_receipts + n_refunds),
                "note": [""] * (n_receipts + n_refunds),
                "created_by_id": finance[rng.integers(0, len(finance), n_receipts + n_refunds)],
                "created_at": np.r_[r_moment, f_moment] + 120,
                # Σ allocations and Σ refunds of each receipt (a refund's own are 0); what is left of
                # it is the database's generated column
                "allocated_to_date": np.r_[r_allocated, np.zeros(n_refunds, dtype=np.int64)],
                "refunded_to_date": np.r_[r_refunded, np.zeros(n_refunds, dtype=np.int64)],
            },
            moments=("received_at", "created_at"),
        )
        keep = alloc_amount > 0
        alloc_receipt, alloc_sale, alloc_amount = alloc_receipt[keep], alloc_sale[keep], alloc_amount[keep]
        applied = np.maximum(r_day[alloc_receipt], sales["day"][alloc_sale])
        self.writer.write(
            _model("transactions.Allocation"),
            {
                "id": self.take_ids("transactions.Allocation", len(alloc_sale)),
                "payment_id": receipt_ids[alloc_receipt],
                "sale_id": sale_ids[alloc_sale],
                "amount": alloc_amount,
                "applied_on": cal.dates(applied),
            },
        )
        paid = np.zeros(len(sale_ids), dtype=np.int64)
        np.add.at(paid, alloc_sale, alloc_amount)
        return paid

    def write_costs(self, rng, lo: int, hi: int) -> None:
        cal = self.cal
        cust = np.repeat(np.arange(lo, hi), self.costs[lo:hi])
        n = len(cust)
        if not n:
            return
        marketing, service = self.categories.get("marketing") or [], self.categories.get("service") or []
        if not marketing and not service:
            raise SeedError(_("There is no active cost category."))
        is_marketing = (self.sales[cust] == 0) | (rng.random(n) < 0.4) if service else np.ones(n, dtype=bool)
        if not marketing:
            is_marketing[:] = False
        category = np.where(
            is_marketing,
            np.array(marketing or service)[rng.integers(0, len(marketing or service), n)],
            np.array(service or marketing)[rng.integers(0, len(service or marketing), n)],
        )
        start = np.where(is_marketing, np.maximum(self.start[cust] - 90, cal.first), self.start[cust])
        day = start + np.floor(rng.random(n) * (cal.last - start + 1)).astype(np.int64)
        amount = np.clip(np.round(rng.lognormal(np.log(2_000_00), 1.0, n)), 50_00, 200_000_00).astype(np.int64)
        finance = np.array(self.people.finance)
        by_owner = ~is_marketing & (rng.random(n) < 0.6)
        self.writer.write(
            _model("costing.CostEntry"),
            {
                "id": self.take_ids("costing.CostEntry", n),
                "customer_id": cust + self.customer_base,
                "category_id": category,
                "amount": amount,
                "date": cal.dates(day),
                "external_id": [None] * n,
                "note": [""] * n,
                "created_by_id": np.where(by_owner, self.owner[cust], finance[rng.integers(0, len(finance), n)]),
                "created_at": cal.moment(day, rng.integers(9 * 3600, 18 * 3600, n)),
            },
            moments=("created_at",),
        )

    # --- campaigns ----------------------------------------------------------------------------------

    def campaign_plan(self) -> None:
        rng, cal, n = self.rng(3), self.cal, self.counts.customers
        marketing = self.categories.get("marketing") or []
        count = 0 if not marketing or not n else 3 if n < 2_000 else len(CAMPAIGNS)
        self.campaigns = []
        for index in range(count):
            length = int(rng.integers(14, 61))
            starts = int(rng.integers(cal.first, cal.last - length))
            targets = np.sort(rng.choice(n, min(n, int(rng.integers(20, 400))), replace=False))
            self.campaigns.append(
                {
                    "name": CAMPAIGNS[index],
                    "starts": starts,
                    "ends": starts + length,
                    "targets": targets,
                    "rule": "revenue" if index % 2 == 0 else "equal",
                    "total": int(rng.integers(20_000, 300_000)) * 100,
                    "category": marketing[int(rng.integers(0, len(marketing)))],
                    "revenue": np.zeros(len(targets), dtype=np.int64),
                }
            )

    def collect_campaign_revenue(self, sales) -> None:
        """Each target's revenue (non-void sales) in its campaign's period, the weights of a revenue split."""
        for campaign in self.campaigns:
            mask = ~sales["void"] & (sales["day"] >= campaign["starts"]) & (sales["day"] <= campaign["ends"])
            position = np.searchsorted(campaign["targets"], sales["cust"][mask])
            position = np.minimum(position, len(campaign["targets"]) - 1)
            hit = campaign["targets"][position] == sales["cust"][mask]
            np.add.at(campaign["revenue"], position[hit], sales["amount"][mask][hit])

    def write_campaigns(self) -> None:
        if not self.campaigns:
            return
        cal, split = self.cal, _rule("split")
        cent = Decimal("0.01")
        ids = self.take_ids("costing.Campaign", len(self.campaigns))
        Campaign = _model("costing.Campaign")
        self.writer.write(
            Campaign,
            {
                "id": ids,
                "name": [c["name"] for c in self.campaigns],
                "starts_on": cal.dates(np.array([c["starts"] for c in self.campaigns])),
                "ends_on": cal.dates(np.array([c["ends"] for c in self.campaigns])),
                "total_cost": [c["total"] for c in self.campaigns],
                "category_id": [c["category"] for c in self.campaigns],
                "allocation_rule": [c["rule"] for c in self.campaigns],
                "note": [""] * len(ids),
                "created_by_id": [self.people.finance[0]] * len(ids),
                "created_at": cal.moment(np.array([c["starts"] for c in self.campaigns]), np.full(len(ids), 9 * 3600)),
            },
            moments=("created_at",),
        )
        campaign_col, customer_col, amount_col, weight_col = [], [], [], []
        for pk, campaign in zip(ids.tolist(), self.campaigns, strict=True):
            revenue = campaign["rule"] == "revenue"
            weights = (
                [Decimal(int(w)) * cent for w in campaign["revenue"]]
                if revenue
                else [Decimal(1)] * len(campaign["targets"])
            )
            shares = split(Decimal(campaign["total"]) * cent, weights)
            for target, share, weight in zip(campaign["targets"].tolist(), shares, weights, strict=True):
                campaign_col.append(pk)
                customer_col.append(target + self.customer_base)
                amount_col.append(int(share * 100))
                weight_col.append(int(weight * 100) if revenue else 0)
        self.writer.write(Campaign.targets.through, {"campaign_id": campaign_col, "customer_id": customer_col})
        self.writer.write(
            _model("costing.CampaignAllocation"),
            {
                "id": self.take_ids("costing.CampaignAllocation", len(campaign_col)),
                "campaign_id": campaign_col,
                "customer_id": customer_col,
                "amount": amount_col,
                "weight": weight_col,
            },
        )

    def reset_sequences(self) -> None:
        """Ids were given explicitly: move PostgreSQL's sequences past them, so the ORM's inserts work."""
        labels = [
            "customers.Customer",
            "customers.Note",
            "customers.Tag",
            "transactions.Sale",
            "transactions.Payment",
            "transactions.Allocation",
            "costing.CostEntry",
            "costing.Campaign",
            "costing.CampaignAllocation",
        ]
        models = [_model(label) for label in labels]
        models += [_model("customers.Customer").tags.through, _model("costing.Campaign").targets.through]
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(statement)


def seed(counts: SeedCounts, *, password: str = DEMO_PASSWORD, stdout=None) -> dict[str, int]:
    """Generate and write the set; returns the rows written per table."""
    return Seeder(counts, password=password, stdout=stdout).run()
