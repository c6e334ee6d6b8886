"""GOV.UK Notify through notifications-python-client: the Notifier port.

The client signs each request with a JWT (HS256, `iss` the key's service id, `iat` now) made from
the API key's secret part; a key is `{key name}-{service id}-{secret}`. Its errors become
NotifyFailed with Notify's status and message only: the key never appears in them."""

from notifications_python_client.errors import APIError, TokenError
from notifications_python_client.notifications import NotificationsAPIClient

from chalicelib.domain.reminders import NotifyFailed

NOTIFY_BASE_URL = "https://api.notifications.service.gov.uk"
TIMEOUT_SECONDS = 10


class NotifyClient:
    def __init__(self, base_url: str = NOTIFY_BASE_URL):
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"NotifyClient({self.base_url!r})"

    def _client(self, api_key: str) -> NotificationsAPIClient:
        try:
            return NotificationsAPIClient(api_key, base_url=self.base_url, timeout=TIMEOUT_SECONDS)
        except (AssertionError, IndexError, ValueError):
            raise NotifyFailed("The Notify API key is not in Notify's format.") from None

    def send_email(
        self, api_key: str, email: str, template_id: str, personalisation: dict, reference: str, unsubscribe_url: str | None
    ) -> str:
        client = self._client(api_key)
        try:
            response = client.send_email_notification(
                email_address=email,
                template_id=template_id,
                personalisation=personalisation,
                reference=reference,
                one_click_unsubscribe_url=unsubscribe_url,
            )
        except APIError as e:
            raise NotifyFailed(f"Notify answered {e.status_code}: {_safe(e.message)}") from None
        except TokenError as e:
            raise NotifyFailed(f"Notify token error: {e.message}") from None
        return response["id"]

    def sent_with_reference(self, api_key: str, reference: str) -> str | None:
        client = self._client(api_key)
        try:
            found = client.get_all_notifications(reference=reference, template_type="email")
        except APIError as e:
            raise NotifyFailed(f"Notify answered {e.status_code}: {_safe(e.message)}") from None
        notifications = found.get("notifications") or []
        return notifications[0]["id"] if notifications else None


def _safe(message) -> str:
    """Notify's errors: a list of {"error", "message"} or a text; truncated, for logs."""
    if isinstance(message, list):
        message = "; ".join(f"{m.get('error')}: {m.get('message')}" for m in message if isinstance(m, dict))
    return str(message)[:300]
