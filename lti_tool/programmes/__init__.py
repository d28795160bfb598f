"""Training programmes (a foundation school, a specialty programme) and their leads' view.

A programme is a set of platforms, deployments and courses (`scope`); its leads (`ProgrammeLead`,
granted by `leadpath programme grant`, on /admin/programmes, or by a launch with the custom
parameter `programme=`) see its trainees on `/programme`. Records made outside the scope (say,
at medical school) are shown only for trainees who agreed (`HistoryConsent`), which they may
withdraw on `/identity`; each change is recorded as a statement.
"""


def init_app(app) -> None:
    """Register the programme lead's pages, the admin page and the grant on launch."""
    from lti_tool.lti.views import on_launch
    from lti_tool.programmes import admin_views, consent, launch, views

    app.register_blueprint(views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(consent.bp)
    on_launch(app, launch.grant_on_launch)
