"""Names vulture cannot see being used, because another library calls or reads them by name.

`make lint` runs vulture (settings in pyproject.toml) and fails on anything it is at least 80 %
sure is dead. Below that it also lists every Flask route, click command and SQLAlchemy column,
so a lower threshold is for reading, not for gating; the names here keep that reading short.
Add a name only with the library that uses it; delete dead code instead of listing it.
"""

# gunicorn reads its settings and server hooks from config/gunicorn.conf.py by name.
on_starting, worker_class, graceful_timeout, keepalive, accesslog, errorlog, forwarded_allow_ips
# gunicorn's BaseApplication calls load_config (lti_tool/server.py).
_.load_config
# SQLAlchemy's TypeDecorator reads impl and cache_ok and calls the two process_* hooks
# (lti_tool/models.py); a declarative base reads type_annotation_map.
_.impl, _.cache_ok, _.process_bind_param, _.process_result_value, _.type_annotation_map
# click reads a ClickException's exit_code (lti_tool/cli/__init__.py).
_.exit_code
# http.server calls do_GET and log_message on a request handler (bench/launch.py).
_.do_GET, _.log_message
# requests reads a Session's trust_env (bench/launch.py, bench/peer_pylti1p3/app.py).
_.trust_env
