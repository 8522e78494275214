from django.urls import path

from apps.accounts import views

app_name = "accounts"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.logout, name="logout"),
]
