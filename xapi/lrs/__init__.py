"""The embedded xAPI 1.0.3 Learning Record Store: a conformant store that knows nothing of leadpath.

Storage (no web framework): `store_statements`, `query_statements`, `get_statement`,
credentials (`create_credential`, `Authenticator`), documents. HTTP: `http.init_app(app, engine,
home_page, persons=...)` serves the xAPI resources under `/xapi/`.

May import only its own modules (nothing else of `xapi`, nothing of `lti_tool` or `framework`);
what it must know of the deployment, such as which accounts are one person, is injected.
"""

from xapi.lrs.credentials import (
    SCOPES,
    Authenticator,
    Principal,
    authority_for,
    create_credential,
    list_credentials,
    parse_scopes,
    revoke_credential,
)
from xapi.lrs.errors import XapiError
from xapi.lrs.models import LrsBase
from xapi.lrs.persons import NoLinks, PersonResolver, StatementReads
from xapi.lrs.query import StatementQuery, get_statement, query_statements
from xapi.lrs.store import store_statements

__all__ = [
    "SCOPES",
    "Authenticator",
    "LrsBase",
    "NoLinks",
    "PersonResolver",
    "Principal",
    "StatementQuery",
    "StatementReads",
    "XapiError",
    "authority_for",
    "create_credential",
    "get_statement",
    "list_credentials",
    "parse_scopes",
    "query_statements",
    "revoke_credential",
    "store_statements",
]
