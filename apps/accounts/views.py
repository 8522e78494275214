from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django_htmx.http import HttpResponseClientRedirect

from apps.accounts import services
from apps.accounts.forms import InstructorSignupForm, JoinForm
from apps.accounts.models import User
from apps.core import ratelimit
from apps.core.errors import UNPROCESSABLE, status_for
from apps.core.http import HtmxRequest
from apps.delegations.services import simulation_join

BACKEND = "django.contrib.auth.backends.ModelBackend"


def client_address(request: HttpRequest) -> str:
    """The client's address for rate limits: uvicorn puts the peer in REMOTE_ADDR, or behind
    the compose proxy (`--proxy-headers`) the address nginx saw (deploy/nginx.conf)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def join(request: HtmxRequest) -> HttpResponse:
    """A student joins with the code and a display name; no e-mail, no password."""
    status = 200
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
                # Which field the refusal is about: by its code, never by its words.
                field = "display_name" if getattr(error, "code", None) == "name" else "code"
                form.add_error(field, error)
                status = status_for(error)
            else:
                if current is None:
                    login(request, user, backend=BACKEND)
                url = membership.simulation.get_absolute_url()
                # An htmx post would swap the whole next page into the form: navigate.
                return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    else:
        form = JoinForm(initial={"code": request.GET.get("code", "")})
    if form.errors and status == 200:
        status = UNPROCESSABLE  # the form's own refusal
    template = "accounts/partials/join_form.html" if request.htmx else "accounts/join.html"
    return render(request, template, {"join_form": form}, status=status)


SIGNUP_CLOSED = gettext_lazy(
    "Instructor sign-up is closed on this server: ask its administrator for an account."
)
SIGNUP_LIMITED = gettext_lazy("Too many sign-up attempts from here: wait a while, then try again.")


def signup(request: HttpRequest) -> HttpResponse:
    """Instructor sign-up, unless PLENARY_INSTRUCTOR_SIGNUP turns it off; attempts are limited
    per client address (each one can create an account that may create simulations)."""
    if not settings.PLENARY_INSTRUCTOR_SIGNUP:
        return render(request, "accounts/signup.html", {"closed": SIGNUP_CLOSED}, status=403)
    form = InstructorSignupForm(request.POST or None)
    if request.method == "POST":
        key = f"signup:address:{client_address(request)}"
        limit = settings.SIGNUP_ATTEMPTS_PER_ADDRESS
        if not ratelimit.hit(key, limit=limit, window_s=settings.SIGNUP_WINDOW_SECONDS):
            form = InstructorSignupForm(request.POST)
            form.add_error(None, SIGNUP_LIMITED)
            return render(request, "accounts/signup.html", {"form": form}, status=429)
        if form.is_valid():
            with transaction.atomic():
                user = services.instructor_signup(user=form.save())
            login(request, user, backend=BACKEND)
            return redirect("delegations:dashboard")
    status = 422 if form.errors else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


logout = auth_views.LogoutView.as_view()
