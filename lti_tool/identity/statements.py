"""The statements of identity links: the launch context they carry, and queuing them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lti_tool.identity import linking
from lti_tool.models import LaunchSession
from lti_tool.recording import DEFAULT_FRAMEWORK, launch_context, queue, queue_reissues
from xapi import statements as xs


def identity_context(session: Session, launch: LaunchSession) -> xs.LaunchContext:
    """Return the statement context of an identity change made in a launch."""
    from lti_tool.assess.framework_versions import current_version

    version = current_version(session, DEFAULT_FRAMEWORK)
    return launch_context(
        launch,
        framework_id=version.framework_id,
        framework_version=version.version,
        framework_title=version.title,
    )


def queue_link_statements(
    session: Session, launch: LaunchSession, moved: list[linking.Moved]
) -> None:
    """Queue one `linked-identity` statement per identity that joined the launch's learner."""
    if not moved:
        return
    context = identity_context(session, launch)
    names = linking.platform_names(session, {m.platform_user.issuer for m in moved})
    statements = [
        xs.build_identity_linked(
            context,
            xs.IdentityLink(
                linked_issuer=m.platform_user.issuer,
                linked_subject=m.platform_user.sub,
                linked_platform_name=names[m.platform_user.issuer],
                former_learner_id=m.former_learner_id,
            ),
        )
        for m in moved
    ]
    queue(session, launch, statements, learner_id=launch.platform_user.learner_id)
    for former in dict.fromkeys(m.former_learner_id for m in moved):
        queue_reissues(session, former, launch.platform_user.learner_id)
