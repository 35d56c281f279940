"""The ledger section of the notebook: statement with running balance, open items, aging."""

from . import selectors


def ledger_context(*, customer, user, as_of, params=None):
    ledger = selectors.customer_ledger(customer=customer, as_of=as_of)
    return {
        "customer": customer,
        "as_of": as_of,
        **ledger,
        "can_add_sale": user.has_perm("transactions.add_sale"),
        "can_add_payment": user.has_perm("transactions.add_payment"),
    }
