"""xAPI for leadpath: its statements, its xAPI Profile, the outbox and forwarder, the embedded LRS.

`statements` builds leadpath's statements (tincan's model, as plain dicts); `profile` is the
leadpath xAPI Profile and checks statements against it; `outbox` queues statements in the
transaction of the change they record and forwards them to every LRS, on `queue`, the
durable-queue core it shares with leadpath's grade sender; `lrs` is the embedded Learning
Record Store; `reader` reads statements back from the embedded LRS or any LRS with the xAPI
statements query; `summary` puts a statement in a few words for people; `jsonio` reads and
writes JSON.

May import `framework`, never `lti_tool`; `xapi.lrs` and `xapi.queue` import nothing else of
`xapi` either.
"""
