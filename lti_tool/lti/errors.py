"""Launch failures: a named check, a sentence for the user, and what the LMS admin should change."""

from __future__ import annotations

from lti_tool.errors import UserFacingError


class LaunchError(UserFacingError):
    """A launch or login refused by one named check."""

    title = "This launch could not be accepted"

    def __init__(self, code: str, detail: str, hint: str | None = None, status: int = 400):
        super().__init__(detail, hint=hint, code=code, status=status)


ADMIN_CHECK_REGISTRATION = (
    "In the LMS, check the tool registration's client id, keyset URL and deployment id "
    "match what leadpath has (`leadpath platform list`)."
)


def platform_pending(issuer: str, client_id: str) -> LaunchError:
    """Return the refusal of a launch from a registration that is not approved yet."""
    return LaunchError(
        "platform_pending",
        f"The registration of {issuer} (client id {client_id}) waits for approval by "
        "leadpath's administrator.",
        f"Run `leadpath platform approve --issuer {issuer} --client-id {client_id}`, then "
        "open the activity again.",
        status=403,
    )
