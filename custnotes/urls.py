from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from custnotes import views
from custnotes.forms import LoginForm

admin.site.site_header = "custnotes"
admin.site.site_title = "custnotes"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # Pages link their icon; this answers the browsers (and the admin's pages) that ask the root.
    path("favicon.ico", views.favicon),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("reports/", views.ReportsView.as_view(), name="reports"),
    path("imports/", views.ImportView.as_view(), name="import"),
    path("imports/template.xlsx", views.ImportTemplateView.as_view(), name="import-template"),
    path("imports/<int:pk>/", views.ImportJobView.as_view(), name="import-job"),
    path("workbook/", views.WorkbookView.as_view(), name="workbook"),
    path("workbook/jobs/<int:pk>/", views.WorkbookJobView.as_view(), name="workbook-job"),
    path("workbook/jobs/<int:pk>/download/", views.WorkbookDownloadView.as_view(), name="workbook-download"),
    path("backups/", views.BackupListView.as_view(), name="backups"),
    path("backups/<str:name>/download/", views.BackupDownloadView.as_view(), name="backup-download"),
    path("admin/", admin.site.urls),
    path("customers/", include("customers.urls")),
    path("transactions/", include("transactions.urls")),
    path("costing/", include("costing.urls")),
    path("valuation/", include("valuation.urls")),
    path("risk/", include("risk.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
