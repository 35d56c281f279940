"""The roles (Django groups) and the permissions each holds: the one place that says who may do what.

Object scope (which customers a user sees) is in custnotes.permissions; this module says which
actions each role may take at all. Data migrations call sync_roles() so that the groups exist with
these permissions on every database; a later app that adds models adds its codenames here and a
migration that calls sync_roles() again.
"""

SALES = "Sales"
FINANCE = "Finance"
MANAGER = "Manager"
ADMIN = "Admin"
ROLES = (SALES, FINANCE, MANAGER, ADMIN)

# Reading the reference data every role needs.
_COMMON = [
    "customers.view_customer",
    "customers.view_note",
    "customers.add_note",
    "customers.view_industry",
    "customers.view_team",
    "customers.view_tag",
]

_SECTIONS_READ = [
    "transactions.view_sale",
    "transactions.view_payment",
    "transactions.view_paymentmethod",
    "costing.view_costentry",
    "costing.view_costcategory",
    "costing.view_campaign",
    "valuation.view_customervaluation",
    "valuation.view_valuationrun",
    "risk.view_riskalert",
    "risk.change_riskalert",  # acknowledge
    "risk.view_creditassessment",
    "risk.view_creditproposal",
]
# Marketing costs and campaigns: Finance, Manager, Admin. Service costs: also Sales.
_MARKETING = [
    "costing.add_costentry",
    "costing.add_marketing_cost",
    "costing.add_campaign",
    "costing.change_campaign",
]

ROLE_PERMISSIONS: dict[str, list[str] | str] = {
    # Sales: their teams' customers only (scope), which they create, edit, archive and delete; they
    # record sales (and delete their own mistakes within a day) but not money received.
    SALES: [
        *_COMMON,
        *_SECTIONS_READ,
        "customers.add_customer",
        "customers.change_customer",
        "customers.delete_customer",
        "transactions.add_sale",
        "transactions.delete_sale",
        "costing.add_costentry",
        "custnotes.add_importjob",
    ],
    # Finance: every customer; credit limits and payment terms are theirs.
    FINANCE: [
        *_COMMON,
        "customers.view_all_customers",
        "customers.add_customer",
        "customers.change_customer",
        "customers.change_credit_terms",
        *_SECTIONS_READ,
        "transactions.add_sale",
        "transactions.void_sale",
        "transactions.add_payment",
        "transactions.add_refund",
        "transactions.add_paymentmethod",
        "transactions.change_paymentmethod",
        *_MARKETING,
        "costing.delete_costentry",
        "costing.delete_campaign",
        "valuation.run_valuation",
        "risk.decide_creditproposal",
        "risk.change_risk_settings",
        "custnotes.add_importjob",
    ],
    # Manager: sees everything, changes little (notes; industry outlook).
    MANAGER: [
        *_COMMON,
        *_SECTIONS_READ,
        *_MARKETING,
        "customers.view_all_customers",
        "customers.change_industry",
        "valuation.run_valuation",
        "valuation.check_model",
    ],
    # Admin: everything.
    ADMIN: "__all__",
}


def sync_roles(apps=None, *, create_missing_permissions: bool = True) -> None:
    """Create the role groups and set each one's permissions to exactly ROLE_PERMISSIONS.

    `apps` is the historical app registry inside a migration, or None for the live one.
    """
    if apps is None:
        from django.apps import apps as live_apps

        apps = live_apps
    if create_missing_permissions:
        # Permissions are normally created after all migrations ran (post_migrate); a data
        # migration that assigns them has to create them first.
        from django.contrib.auth.management import create_permissions

        for app_config in apps.get_app_configs():
            app_config.models_module = True
            create_permissions(app_config, apps=apps, verbosity=0)
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if perms == "__all__":
            group.permissions.set(Permission.objects.all())
            continue
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            perm = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if perm is not None:  # a model of a later migration: its own migration syncs again
                wanted.append(perm)
        group.permissions.set(wanted)
