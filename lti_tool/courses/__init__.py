"""The instructor's course view: the roster from the platform (NRPS) merged with attempts.

`nrps` fetches a course's members from the platform's Names and Role Provisioning Service,
`roster` keeps them and refreshes them when older than `LEADPATH_ROSTER_MAX_AGE_MINUTES`,
`overview` turns the roster and the course's attempts into the figures the page, its CSV and
`leadpath report course` show.
"""
