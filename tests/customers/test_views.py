"""Customer pages for each role: list, notebook, create, edit, delete, archive, notes."""

from decimal import Decimal

import pytest
from django.urls import reverse

from customers.models import Customer, Note
from tests.conftest import make_user
from tests.customers.factories import CustomerFactory, IndustryFactory, NoteFactory, TagFactory

pytestmark = pytest.mark.django_db


def valid_data(team, owner, **overrides):
    data = {
        "name": "新客户甲",
        "company": "甲公司",
        "contact_person": "王芳",
        "phone": "021-6123 4567",
        "email": "wang@example.cn",
        "address": "上海市",
        "customer_type": "prospect",
        "team": team.pk,
        "owner": owner.pk,
        "credit_limit": "50000.00",
        "payment_terms_days": "45",
        "growth_rating": "4",
    }
    data.update(overrides)
    return data


# --- list ---------------------------------------------------------------------------------------


def test_list_requires_sign_in(client):
    response = client.get(reverse("customers:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_sales_sees_only_their_teams_customers(client_for, sales_user, east_customer, south_customer):
    response = client_for(sales_user).get(reverse("customers:list"))
    assert response.status_code == 200
    names = [row.record.name for row in response.context["table"].rows]
    assert names == ["East Co"]


@pytest.mark.parametrize("role_fixture", ["finance_user", "manager_user", "admin_user_role"])
def test_finance_manager_admin_see_every_customer(request, client_for, role_fixture, east_customer, south_customer):
    user = request.getfixturevalue(role_fixture)
    response = client_for(user).get(reverse("customers:list"))
    names = sorted(row.record.name for row in response.context["table"].rows)
    assert names == ["East Co", "South Co"]


def test_user_without_role_is_refused(client_for, db, east_customer):
    nobody = make_user("nobody")
    assert client_for(nobody).get(reverse("customers:list")).status_code == 403


def test_list_filters_by_search_type_team_and_tag(client_for, finance_user, team_east, team_south):
    vip = TagFactory(name="VIP")
    a = CustomerFactory(name="Alpha Trading", team=team_east, customer_type="existing", phone="13900000001")
    a.tags.add(vip)
    CustomerFactory(name="Beta Foods", team=team_south, customer_type="prospect")
    client = client_for(finance_user)

    def names(**params):
        response = client.get(reverse("customers:list"), params)
        return sorted(row.record.name for row in response.context["table"].rows)

    assert names(q="alpha") == ["Alpha Trading"]
    assert names(q="13900000001") == ["Alpha Trading"]
    assert names(customer_type="prospect") == ["Beta Foods"]
    assert names(team=team_south.pk) == ["Beta Foods"]
    assert names(tags=vip.pk) == ["Alpha Trading"]


def test_archived_customers_leave_the_list_unless_asked_for(client_for, finance_user, team_east):
    CustomerFactory(name="Active", team=team_east)
    CustomerFactory(name="Old", team=team_east, is_archived=True)
    client = client_for(finance_user)

    def names(**params):
        return sorted(r.record.name for r in client.get(reverse("customers:list"), params).context["table"].rows)

    assert names() == ["Active"]
    assert names(archived="true") == ["Old"]
    assert names(archived="all") == ["Active", "Old"]


def test_list_query_count_does_not_grow_with_rows(client_for, finance_user, team_east, count_queries):
    industry = IndustryFactory()
    tag = TagFactory()

    def make(n):
        for _ in range(n):
            c = CustomerFactory(team=team_east, industry=industry, owner=finance_user)
            c.tags.add(tag)

    client = client_for(finance_user)
    url = reverse("customers:list")
    make(3)
    client.get(url)  # warm the session
    three = count_queries(lambda: client.get(url))
    make(27)
    assert count_queries(lambda: client.get(url)) == three
    assert count_queries(lambda: client.get(url, {"page": 2})) == three
    assert len(client.get(url).context["table"].page.object_list) == 25


def test_list_shows_money_with_sign_and_separators(client_for, finance_user, team_east):
    CustomerFactory(name="Big", team=team_east, credit_limit=Decimal("1234567.5"))
    response = client_for(finance_user).get(reverse("customers:list"))
    assert "¥1,234,567.50" in response.content.decode()


def test_list_exports_the_filtered_rows_to_xlsx(client_for, finance_user, team_east):
    from io import BytesIO

    from openpyxl import load_workbook

    CustomerFactory(name="=HYPERLINK(1)", team=team_east, credit_limit=Decimal("1000.10"))
    CustomerFactory(name="Other", team=team_east)
    response = client_for(finance_user).get(reverse("customers:list"), {"q": "HYPERLINK", "export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))[1:]  # under the title row
    headers = rows[0]
    assert len(rows) == 2
    record = dict(zip(headers, rows[1], strict=True))
    assert record["客户名称"] == "=HYPERLINK(1)"  # text, not a formula
    assert sheet.cell(row=3, column=headers.index("客户名称") + 1).data_type == "s"
    assert record["信用额度"] == Decimal("1000.10") or record["信用额度"] == 1000.1


# --- notebook -----------------------------------------------------------------------------------


def test_notebook_shows_information_and_notes(client_for, sales_user, east_customer):
    NoteFactory(customer=east_customer, author=sales_user, text="拜访客户，计划下月下单")
    response = client_for(sales_user).get(reverse("customers:detail", args=[east_customer.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "East Co" in body
    assert "拜访客户，计划下月下单" in body
    assert "¥100,000.00" in body
    assert "基本信息" in body


def test_sales_gets_404_for_another_teams_customer(client_for, sales_user, south_customer):
    client = client_for(sales_user)
    for name in ("detail", "update", "delete"):
        assert client.get(reverse(f"customers:{name}", args=[south_customer.pk])).status_code == 404
    assert client.post(reverse("customers:note-create", args=[south_customer.pk]), {"text": "x"}).status_code == 404
    assert client.post(reverse("customers:archive", args=[south_customer.pk]), {"archived": "1"}).status_code == 404
    assert not Note.objects.exists()


def test_notebook_query_count_does_not_grow_with_notes(client_for, sales_user, east_customer, count_queries):
    client = client_for(sales_user)
    url = reverse("customers:detail", args=[east_customer.pk])
    NoteFactory.create_batch(3, customer=east_customer, author=sales_user)
    client.get(url)
    three = count_queries(lambda: client.get(url))
    NoteFactory.create_batch(30, customer=east_customer, author=sales_user)
    assert count_queries(lambda: client.get(url)) == three


def test_adding_a_note(client_for, manager_user, east_customer):
    client = client_for(manager_user)
    response = client.post(reverse("customers:note-create", args=[east_customer.pk]), {"text": "  回访完成  "})
    assert response.status_code == 302
    note = Note.objects.get()
    assert (note.text, note.author, note.customer) == ("回访完成", manager_user, east_customer)


def test_an_empty_note_is_refused_with_a_message(client_for, sales_user, east_customer):
    response = client_for(sales_user).post(
        reverse("customers:note-create", args=[east_customer.pk]), {"text": "   "}, follow=True
    )
    assert not Note.objects.exists()
    assert "笔记不能为空" in response.content.decode() or "这个字段是必填项" in response.content.decode()


# --- create -------------------------------------------------------------------------------------


def test_sales_creates_a_customer_in_their_team(client_for, sales_user, team_east):
    response = client_for(sales_user).post(reverse("customers:create"), valid_data(team_east, sales_user))
    assert response.status_code == 302
    customer = Customer.objects.get(name="新客户甲")
    assert customer.team == team_east
    # Sales may not set credit terms: the disabled fields keep their defaults whatever is posted.
    assert customer.credit_limit == Decimal("0")
    assert customer.payment_terms_days == 30


def test_sales_cannot_create_into_another_team(client_for, sales_user, team_south, other_sales_user):
    response = client_for(sales_user).post(reverse("customers:create"), valid_data(team_south, other_sales_user))
    assert response.status_code == 200
    assert "team" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_finance_sets_credit_terms(client_for, finance_user, team_east, sales_user):
    response = client_for(finance_user).post(reverse("customers:create"), valid_data(team_east, sales_user))
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.credit_limit == Decimal("50000.00")
    assert customer.payment_terms_days == 45


def test_manager_cannot_create(client_for, manager_user, team_east, sales_user):
    client = client_for(manager_user)
    assert client.get(reverse("customers:create")).status_code == 403
    assert client.post(reverse("customers:create"), valid_data(team_east, sales_user)).status_code == 403
    assert not Customer.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "有效的 Email 地址"),
        ("phone", "call me", "请输入有效的电话号码"),
        ("phone", "12", "请输入有效的电话号码"),
        ("credit_limit", "-1", "信用额度不能为负数"),
        ("payment_terms_days", "366", "账期必须在 0 到 365 天之间"),
        ("payment_terms_days", "-5", "0"),
        ("growth_rating", "9", "9"),
        ("name", "", "这个字段是必填项"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    client_for, finance_user, team_east, sales_user, field, value, message
):
    response = client_for(finance_user).post(
        reverse("customers:create"), valid_data(team_east, sales_user, **{field: value})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    assert message in " ".join(errors[field])
    assert not Customer.objects.exists()


def test_name_is_unique_within_a_company_ignoring_case(client_for, finance_user, team_east, sales_user):
    CustomerFactory(name="Acme", company="Acme Group", team=team_east)
    response = client_for(finance_user).post(
        reverse("customers:create"), valid_data(team_east, sales_user, name="ACME", company="acme group")
    )
    assert response.status_code == 200
    assert "该公司下已有同名客户" in response.content.decode()
    assert Customer.objects.count() == 1
    # The same name in another company is a different customer.
    response = client_for(finance_user).post(
        reverse("customers:create"), valid_data(team_east, sales_user, name="Acme", company="Other Group")
    )
    assert response.status_code == 302


def test_owner_must_belong_to_the_team(client_for, finance_user, team_east, other_sales_user):
    response = client_for(finance_user).post(reverse("customers:create"), valid_data(team_east, other_sales_user))
    assert response.status_code == 200
    assert "负责人必须是该客户所属团队的成员" in response.content.decode()


def test_industry_template_adds_its_fields(client_for, finance_user, team_east, sales_user):
    retail = IndustryFactory(name="零售测试", template="retail")
    client = client_for(finance_user)
    form_page = client.get(reverse("customers:create"), {"industry": retail.pk})
    assert "门店数量" in form_page.content.decode()
    response = client.post(
        reverse("customers:create"),
        valid_data(team_east, sales_user, industry=retail.pk, extra__store_count="12", extra__main_channel="线上"),
    )
    assert response.status_code == 302
    customer = Customer.objects.get()
    assert customer.extra == {"store_count": 12, "main_channel": "线上"}
    assert "门店数量" in client.get(customer.get_absolute_url()).content.decode()


# --- edit ---------------------------------------------------------------------------------------


def test_sales_edits_their_customer_but_not_credit_terms(client_for, sales_user, east_customer, team_east):
    data = valid_data(team_east, sales_user, name="East Co Renamed", credit_limit="999999", payment_terms_days="90")
    response = client_for(sales_user).post(reverse("customers:update", args=[east_customer.pk]), data)
    assert response.status_code == 302
    east_customer.refresh_from_db()
    assert east_customer.name == "East Co Renamed"
    assert east_customer.credit_limit == Decimal("100000.00")
    assert east_customer.payment_terms_days == 30


def test_finance_changes_credit_terms(client_for, finance_user, east_customer, team_east, sales_user):
    data = valid_data(team_east, sales_user, name="East Co", credit_limit="250000", payment_terms_days="60")
    response = client_for(finance_user).post(reverse("customers:update", args=[east_customer.pk]), data)
    assert response.status_code == 302
    east_customer.refresh_from_db()
    assert (east_customer.credit_limit, east_customer.payment_terms_days) == (Decimal("250000.00"), 60)


def test_manager_reads_but_cannot_edit(client_for, manager_user, east_customer, team_east, sales_user):
    client = client_for(manager_user)
    assert client.get(reverse("customers:detail", args=[east_customer.pk])).status_code == 200
    url = reverse("customers:update", args=[east_customer.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, valid_data(team_east, sales_user, name="X")).status_code == 403
    east_customer.refresh_from_db()
    assert east_customer.name == "East Co"


def test_edit_page_query_count_is_constant(client_for, finance_user, east_customer, team_east, count_queries):
    client = client_for(finance_user)
    url = reverse("customers:update", args=[east_customer.pk])
    client.get(url)
    few = count_queries(lambda: client.get(url))
    for i in range(30):
        CustomerFactory(team=team_east, name=f"more {i}")
        make_user(f"member{i}", teams=[team_east])
    assert count_queries(lambda: client.get(url)) == few


# --- delete and archive -------------------------------------------------------------------------


def test_sales_deletes_their_customer_with_notes(client_for, sales_user, east_customer):
    NoteFactory(customer=east_customer)
    client = client_for(sales_user)
    assert client.get(reverse("customers:delete", args=[east_customer.pk])).status_code == 200
    response = client.post(reverse("customers:delete", args=[east_customer.pk]))
    assert response.status_code == 302
    assert not Customer.objects.exists()
    assert not Note.objects.exists()


@pytest.mark.parametrize("role_fixture", ["finance_user", "manager_user"])
def test_finance_and_manager_cannot_delete(request, client_for, role_fixture, east_customer):
    client = client_for(request.getfixturevalue(role_fixture))
    assert client.post(reverse("customers:delete", args=[east_customer.pk])).status_code == 403
    assert Customer.objects.filter(pk=east_customer.pk).exists()


def test_archive_and_restore(client_for, sales_user, east_customer):
    client = client_for(sales_user)
    client.post(reverse("customers:archive", args=[east_customer.pk]), {"archived": "1"})
    east_customer.refresh_from_db()
    assert east_customer.is_archived
    client.post(reverse("customers:archive", args=[east_customer.pk]), {"archived": "0"})
    east_customer.refresh_from_db()
    assert not east_customer.is_archived


def test_create_and_delete_pages_query_count_is_constant(
    client_for, sales_user, east_customer, team_east, count_queries
):
    client = client_for(sales_user)
    create_url = reverse("customers:create")
    delete_url = reverse("customers:delete", args=[east_customer.pk])
    client.get(create_url)
    create_few, delete_few = (
        count_queries(lambda: client.get(create_url)),
        count_queries(lambda: client.get(delete_url)),
    )
    for i in range(30):
        CustomerFactory(team=team_east, name=f"more {i}")
        NoteFactory(customer=east_customer)
        make_user(f"member{i}", teams=[team_east])
    assert count_queries(lambda: client.get(create_url)) == create_few
    assert count_queries(lambda: client.get(delete_url)) == delete_few
