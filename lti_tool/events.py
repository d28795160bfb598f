"""What happened in a request, announced for whoever listens (metrics do).

Blinker signals (Flask's own mechanism), sent with the app as sender:

- `launch_accepted`: a launch was recorded; `message_type` is its LTI message type.
- `launch_refused`: a login or launch failed a named check; `check` is its code.

A sender does not know who listens, so the launch code carries no metrics code.
"""

from blinker import Namespace

_signals = Namespace()
launch_accepted = _signals.signal("leadpath.launch-accepted")
launch_refused = _signals.signal("leadpath.launch-refused")
