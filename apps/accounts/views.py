from __future__ import annotations

from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts import services
from apps.accounts.forms import InstructorSignupForm, JoinForm
from apps.accounts.models import User
from apps.core.http import HtmxRequest
from apps.delegations.services import simulation_join

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_address(request: HttpRequest) -> str:
    """The client's address for rate limits: uvicorn puts the peer in REMOTE_ADDR, or behind
    the compose proxy (`--proxy-headers`) the address nginx saw (deploy/nginx.conf)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def join(request: HtmxRequest) -> HttpResponse:
    """A student joins with the code and a display name; no e-mail, no password."""
    if request.method == "POST":
        form = JoinForm(request.POST)
        if form.is_valid():
            current = request.user if isinstance(request.user, User) else None
            try:
                user, membership = simulation_join(
                    code=form.cleaned_data["code"],
                    display_name=form.cleaned_data["display_name"],
                    user=current,
                    address=client_address(request),
                )
            except ValidationError as error:
                field = "display_name" if getattr(error, "code", None) == "name" else "code"
                form.add_error(field, error)
            else:
                if current is None:
                    login(request, user, backend=BACKEND)
                url = membership.simulation.get_absolute_url()
                # An htmx post would swap the whole next page into the form: navigate.
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = JoinForm(initial={"code": request.GET.get("code", "")})
    status = 422 if form.errors else 200
    template = "accounts/partials/join_form.html" if request.htmx else "accounts/join.html"
    return render(request, template, {"join_form": form}, status=status)


def signup(request: HttpRequest) -> HttpResponse:
    form = InstructorSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = services.instructor_signup(user=form.save())
        login(request, user, backend=BACKEND)
        return redirect("delegations:dashboard")
    return render(request, "accounts/signup.html", {"form": form})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


logout = auth_views.LogoutView.as_view()
