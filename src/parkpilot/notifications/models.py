from django.db import models
from django.utils.translation import gettext_lazy as _

from parkpilot.stored_text import shown
from parkpilot.tenancy.models import Park, User
from parkpilot.tenancy.policy import Policy


class Notification(models.Model):
    """One message to one person, shown under the bell; senders (email, SMS) may copy it out."""

    tenancy_policy = Policy(park_path="park", user_path="recipient")

    park = models.ForeignKey(Park, on_delete=models.CASCADE)
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("kind"), max_length=60)  # e.g. "services.urged", "carbon.alert"
    # Title and body are stored texts (parkpilot.stored_text), shown in the reader's language.
    title = models.CharField(_("title"), max_length=1000)
    body = models.TextField(_("message"), blank=True, max_length=2000)
    link = models.CharField(_("link"), max_length=500, blank=True)  # a path inside the platform
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self):
        return shown(self.title)
