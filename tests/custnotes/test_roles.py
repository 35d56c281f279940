from django.contrib.auth.models import Group, Permission

from custnotes import roles


def perms_of(name):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=name).permissions.all()}


def test_the_four_roles_exist_with_their_permissions(db):
    assert set(Group.objects.values_list("name", flat=True)) >= set(roles.ROLES)
    sales, finance, manager = perms_of("Sales"), perms_of("Finance"), perms_of("Manager")
    assert "customers.change_customer" in sales
    assert "customers.view_all_customers" not in sales
    assert "customers.change_credit_terms" not in sales
    assert {"customers.view_all_customers", "customers.change_credit_terms"} <= finance
    assert "customers.view_all_customers" in manager
    assert "customers.change_customer" not in manager
    assert perms_of("Admin") == {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.all()}


def test_sync_roles_is_idempotent_and_restores_removed_permissions(db):
    group = Group.objects.get(name="Finance")
    group.permissions.clear()
    roles.sync_roles()
    roles.sync_roles()
    assert "customers.change_credit_terms" in perms_of("Finance")
    assert Group.objects.filter(name="Finance").count() == 1
