from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Instructors sign up with a password; students join with a code and a display name.

    A student has an unusable password and a generated username: their session cookie is
    their key (it survives a browser restart on the same device).
    """

    display_name = models.CharField(max_length=60, blank=True)
    is_instructor = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.username
