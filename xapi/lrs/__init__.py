"""The embedded xAPI 1.0.3 Learning Record Store.

Storage (no web framework): `store_statements`, `query_statements`, `get_statement`,
credentials (`create_credential`, `Authenticator`), documents. HTTP: `init_app(app, engine,
home_page)` serves the xAPI resources under `/xapi/`.
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
from xapi.lrs.query import StatementQuery, get_statement, query_statements
from xapi.lrs.store import store_statements

__all__ = [
    "SCOPES",
    "Authenticator",
    "LrsBase",
    "Principal",
    "StatementQuery",
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
