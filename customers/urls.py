from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("pick/", views.CustomerPickView.as_view(), name="pick"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerUpdateView.as_view(), name="update"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="delete"),
    path("<int:pk>/archive/", views.CustomerArchiveView.as_view(), name="archive"),
    path("<int:pk>/notes/", views.NoteCreateView.as_view(), name="note-create"),
]
