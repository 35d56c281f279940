"""Demo company: users in each role, three teams, about fifty believable customers with notes.

Deterministic (a fixed seed), so screenshots and walk-throughs look the same on every machine.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from custnotes import roles

from .choices import CustomerType
from .models import Customer, Industry, Note, Tag, Team

DEMO_PASSWORD = "custnotes-demo"  # noqa: S105 - documented demo password, never in production

USERS = [
    # username, first name, last name, role, teams, staff
    # Chinese names go whole into first_name: get_full_name() would otherwise put the family name last.
    ("admin", "系统管理员", "", roles.ADMIN, [], True),
    ("manager", "周经理", "", roles.MANAGER, [], False),
    ("finance", "李会计", "", roles.FINANCE, [], False),
    ("sales1", "张伟", "", roles.SALES, ["华东销售组"], False),
    ("sales2", "赵敏", "", roles.SALES, ["华南销售组"], False),
    ("sales3", "王磊", "", roles.SALES, ["大客户部"], False),
]
TEAMS = [
    ("华东销售组", "上海、江苏、浙江的客户"),
    ("华南销售组", "广东、福建的客户"),
    ("大客户部", "年采购额百万以上的重点客户"),
]
TAGS = ["重点客户", "出口", "政府采购", "长期合作", "新开发"]

COMPANIES = [
    ("上海申达贸易有限公司", "零售"),
    ("杭州西子百货有限公司", "零售"),
    ("苏州工业园精密机械有限公司", "制造业"),
    ("南京金陵建设集团", "建筑"),
    ("宁波港联物流有限公司", "物流"),
    ("无锡太湖电子科技有限公司", "制造业"),
    ("上海浦江餐饮管理有限公司", "餐饮"),
    ("嘉兴南湖纺织有限公司", "制造业"),
    ("温州瓯江鞋业有限公司", "制造业"),
    ("常州龙城医疗器械有限公司", "医疗健康"),
    ("上海云帆信息技术有限公司", "信息技术"),
    ("绍兴黄酒文化传播有限公司", "批发"),
    ("合肥科大教育咨询有限公司", "教育"),
    ("扬州运河文旅发展有限公司", "专业服务"),
    ("南通江海能源有限公司", "能源"),
    ("广州珠江电器有限公司", "制造业"),
    ("深圳前海金融服务有限公司", "金融"),
    ("东莞松山湖智能装备有限公司", "制造业"),
    ("佛山顺德家具有限公司", "制造业"),
    ("厦门鹭岛进出口有限公司", "批发"),
    ("福州榕城餐饮连锁有限公司", "餐饮"),
    ("珠海横琴科技有限公司", "信息技术"),
    ("汕头潮汕食品有限公司", "批发"),
    ("中山火炬物流有限公司", "物流"),
    ("惠州大亚湾石化有限公司", "能源"),
    ("广州天河健康管理有限公司", "医疗健康"),
    ("深圳南山软件有限公司", "信息技术"),
    ("泉州晋江运动用品有限公司", "零售"),
    ("江门侨乡农业发展有限公司", "农业"),
    ("湛江港湾水产有限公司", "农业"),
    ("北京华夏银行业务部", "金融"),
    ("中国东方航空物流有限公司", "物流"),
    ("江苏电力物资有限公司", "能源"),
    ("华润万家超市有限公司", "零售"),
    ("中建八局第三建设有限公司", "建筑"),
    ("万科物业服务有限公司", "房地产"),
    ("招商局集团物流板块", "物流"),
    ("美的集团采购中心", "制造业"),
    ("平安保险集团采购部", "金融"),
    ("腾讯云计算有限公司", "信息技术"),
    ("碧桂园服务控股有限公司", "房地产"),
    ("顺丰速运有限公司", "物流"),
    ("海天味业有限公司", "批发"),
    ("复星医药有限公司", "医疗健康"),
    ("新东方教育科技集团", "教育"),
    ("德勤华永会计师事务所", "专业服务"),
    ("上海农商银行", "金融"),
    ("格力电器采购部", "制造业"),
    ("永辉超市股份有限公司", "零售"),
    ("安踏体育用品有限公司", "零售"),
]
CONTACTS = ["陈", "林", "黄", "吴", "刘", "杨", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "罗"]
GIVEN = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "霞", "平"]
CITIES = {
    "华东销售组": ["上海市浦东新区", "杭州市西湖区", "苏州市工业园区", "南京市鼓楼区", "宁波市鄞州区"],
    "华南销售组": ["广州市天河区", "深圳市南山区", "东莞市松山湖", "厦门市思明区", "福州市鼓楼区"],
    "大客户部": ["北京市朝阳区", "上海市黄浦区", "深圳市福田区", "广州市越秀区"],
}
NOTES = [
    "电话回访：对上季度交付满意，计划下月追加订单。",
    "拜访客户采购经理，了解明年预算，约定两周后报价。",
    "客户反映上次发货延迟两天，已协调物流部门改进。",
    "财务确认：上月货款已到账，无逾期。",
    "客户询问账期能否从30天延长到45天，需财务评估。",
    "参加客户年会，结识新任采购总监。",
    "售后工程师上门维修一次，客户满意。",
]


def load(*, stdout=None):
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    User = get_user_model()
    # The install's default team (where imports without a team go) becomes the first demo team.
    default = Team.objects.filter(is_default=True).first()
    teams = {}
    for name, desc in TEAMS:
        if default is not None and not teams:
            default.name, default.description = name, desc
            default.save(update_fields=["name", "description"])
            teams[name] = default
        else:
            teams[name] = Team.objects.create(name=name, description=desc)
    users = {}
    for username, first, last, role, team_names, staff in USERS:
        user = User.objects.create_user(
            username=username,
            password=DEMO_PASSWORD,
            first_name=first,
            last_name=last,
            email=f"{username}@example.com",
            is_staff=staff,
            is_superuser=username == "admin",
        )
        user.groups.add(Group.objects.get(name=role))
        for team_name in team_names:
            teams[team_name].members.add(user)
        users[username] = user
    tags = [Tag.objects.create(name=name) for name in TAGS]
    industries = {industry.name: industry for industry in Industry.objects.all()}

    owners = {"华东销售组": users["sales1"], "华南销售组": users["sales2"], "大客户部": users["sales3"]}
    today = timezone.localdate()
    team_names = list(teams)
    for index, (company, industry_name) in enumerate(COMPANIES):
        team_name = team_names[0] if index < 15 else team_names[1] if index < 30 else team_names[2]
        contact = rng.choice(CONTACTS) + rng.choice(GIVEN)
        big = team_name == "大客户部"
        customer = Customer.objects.create(
            name=company.replace("有限公司", "").replace("股份", "") or company,
            company=company,
            contact_person=contact,
            phone=f"1{rng.choice('3589')}{rng.randrange(10**8, 10**9)}",
            email=f"contact{index + 1}@example.cn",
            address=rng.choice(CITIES[team_name]) + f"{rng.randrange(1, 999)}号",
            industry=industries.get(industry_name),
            customer_type=rng.choice(
                [CustomerType.PROSPECT, CustomerType.NEW, CustomerType.EXISTING, CustomerType.EXISTING]
            ),
            team=teams[team_name],
            owner=owners[team_name],
            credit_limit=Decimal(rng.choice([50, 100, 200, 300, 500] if big else [10, 20, 50, 80])) * 10000,
            payment_terms_days=rng.choice([30, 45, 60, 90] if big else [0, 15, 30, 30, 45]),
            growth_rating=rng.randint(1, 5),
            last_reviewed_on=today - datetime.timedelta(days=rng.randrange(5, 200)),
        )
        customer.tags.set(rng.sample(tags, rng.randint(0, 2)))
        for _ in range(rng.randint(0, 3)):
            Note.objects.create(customer=customer, author=owners[team_name], text=rng.choice(NOTES))
    if stdout:
        stdout.write(f"demo: {len(users)} users, {len(teams)} teams, {len(COMPANIES)} customers")
