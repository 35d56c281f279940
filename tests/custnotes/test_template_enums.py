"""Templates compare with the models' enums (job.Status.DONE, payment.Kind.RECEIPT, ...): the enum
members resolve in templates and are not called (Django's Choices are do_not_call_in_templates)."""

import pytest
from django.template.loader import render_to_string

from custnotes.models import ExportJob, ImportJob
from transactions.choices import PaymentKind
from transactions.models import Payment
from valuation.choices import RunStatus
from valuation.models import ValuationRun

pytestmark = pytest.mark.django_db


def test_a_running_valuation_run_polls_and_a_failed_one_says_so(rf):
    running = render_to_string("valuation/includes/run_status.html", {"run": ValuationRun(status=RunStatus.RUNNING)})
    assert "hx-get" in running
    failed = render_to_string("valuation/includes/run_status.html", {"run": ValuationRun(status=RunStatus.FAILED)})
    assert "hx-get" not in failed


def test_only_a_receipt_offers_a_refund(admin_user):
    def actions(kind):
        payment = Payment(pk=1, kind=kind, amount=10)
        payment.unallocated = 10
        return render_to_string(
            "transactions/includes/payment_actions.html",
            {"record": payment, "perms": {"transactions": {"add_refund": True}}},
        )

    assert "/refund" in actions(PaymentKind.RECEIPT) or "退款" in actions(PaymentKind.RECEIPT)
    assert actions(PaymentKind.REFUND).strip() == ""


def test_an_import_job_page_follows_its_status():
    def page(status, **extra):
        return render_to_string("imports/job_status.html", {"job": ImportJob(pk=1, status=status, **extra)})

    assert 'value="confirm"' in page(ImportJob.Status.WARNED, warnings=[["交易 Sales", 2, "金额 / Amount", "x"]])
    assert "alert-success" in page(ImportJob.Status.DONE)
    assert "alert-danger" in page(ImportJob.Status.FAILED, message="boom")


def test_an_export_job_polls_until_done():
    assert "hx-get" in render_to_string(
        "includes/export_job_status.html", {"job": ExportJob(pk=1, status=ExportJob.Status.RUNNING)}
    )
    assert "hx-get" not in render_to_string(
        "includes/export_job_status.html", {"job": ExportJob(pk=1, status=ExportJob.Status.FAILED)}
    )
