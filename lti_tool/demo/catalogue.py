"""What the demo holds: three organisations, their course, its activities, and who can launch.

The same person, Alex Morgan, studies at the university, trains as a foundation doctor at the
trust and works at the employer, each with an account of their own: linking the accounts on
"Your record" shows one learner followed across institutions. The trust's foundation school
director is a programme lead: every launch of theirs lands on the foundation school's programme
view. Adding a kind of user is adding a person here.
"""

from __future__ import annotations

from dataclasses import dataclass

from xapi.lrs.formats import whole_number

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER_ROLES = (LIS + "membership#Learner", LIS + "institution/person#Student")
INSTRUCTOR_ROLES = (LIS + "membership#Instructor", LIS + "institution/person#Faculty")
MENTOR_ROLES = (LIS + "membership#Mentor",)


@dataclass(frozen=True)
class Person:
    """Someone who can open leadpath from a demo organisation."""

    key: str
    sub: str
    given_name: str
    family_name: str
    role: str  # what the demo page calls them: learner, tutor, supervisor
    roles: tuple[str, ...]
    title: str = ""
    programme: str | None = None  # the programme their launches carry (custom programme=)

    @property
    def name(self) -> str:
        """Return the full name as the platform sends it."""
        return " ".join(p for p in (self.title, self.given_name, self.family_name) if p)

    @property
    def email(self) -> str:
        """Return an address that cannot reach anyone."""
        return f"{self.given_name}.{self.family_name}@demo.leadpath.invalid".lower()


@dataclass(frozen=True)
class Activity:
    """A leadpath activity in the demo course (what its custom parameters ask for)."""

    key: str
    title: str
    assessment: str


@dataclass(frozen=True)
class DemoPlatform:
    """A demo organisation: its LTI registration, its course and its people."""

    key: str
    name: str
    description: str
    issuer_path: str
    client_id: str
    deployment_id: str
    course_id: str
    course_label: str
    course_title: str
    career_phase: str
    people: tuple[Person, ...]

    def person(self, key: str) -> Person | None:
        """Return the person with this key: one of its people, or a member of a demo cohort."""
        found = next((p for p in self.people if p.key == key), None)
        return found or cohort_person(self, key)


DEMO_PROGRAMME = "riverside-foundation"
DEMO_PROGRAMME_TITLE = "Riverside Foundation School"

ACTIVITIES = (
    Activity("self", "Leadership self-assessment", "self"),
    Activity("360", "360 feedback", "360"),
    Activity("validation", "Supervisor validation", "validation"),
)

PLATFORMS = (
    DemoPlatform(
        key="university",
        name="University of Northbridge",
        description="A university medical school: students assess themselves in year 4.",
        issuer_path="/demo",
        client_id="leadpath-demo",
        deployment_id="demo-deployment",
        course_id="demo-course",
        course_label="LEAD101",
        course_title="Leadership in Practice (demo course)",
        career_phase="medical-student",
        people=(
            Person("learner", "demo-learner", "Alex", "Morgan", "learner", LEARNER_ROLES),
            Person(
                "instructor",
                "demo-instructor",
                "Sam",
                "Patel",
                "instructor",
                INSTRUCTOR_ROLES,
                "Dr",
            ),
            Person("mentor", "demo-mentor", "Priya", "Shah", "supervisor", MENTOR_ROLES, "Dr"),
        ),
    ),
    DemoPlatform(
        key="trust",
        name="Riverside Hospitals NHS Trust",
        description="The trust of the Riverside Foundation School: foundation doctors in F1.",
        issuer_path="/demo/trust",
        client_id="leadpath-demo-trust",
        deployment_id="demo-trust",
        course_id="f1-2026",
        course_label="F1",
        course_title="Foundation Programme F1, 2026 to 2027",
        career_phase="f1",
        people=(
            Person("learner", "trust-alex", "Alex", "Morgan", "learner", LEARNER_ROLES, "Dr"),
            Person(
                "instructor",
                "trust-evans",
                "Ruth",
                "Evans",
                "foundation programme director",
                INSTRUCTOR_ROLES,
                "Dr",
            ),
            Person(
                "mentor",
                "trust-okafor",
                "Tom",
                "Okafor",
                "educational supervisor",
                MENTOR_ROLES,
                "Dr",
            ),
            Person(
                "lead",
                "trust-hughes",
                "Mei",
                "Hughes",
                "foundation school director (programme lead: any activity opens the programme)",
                INSTRUCTOR_ROLES,
                "Dr",
                programme=DEMO_PROGRAMME,
            ),
        ),
    ),
    DemoPlatform(
        key="employer",
        name="Meridian Community Health",
        description="An employer: qualified staff keep up their leadership as CPD.",
        issuer_path="/demo/employer",
        client_id="leadpath-demo-employer",
        deployment_id="demo-employer",
        course_id="cpd-2026",
        course_label="CPD",
        course_title="Leadership CPD programme 2026",
        career_phase="cpd",
        people=(
            Person("learner", "meridian-alex", "Alex", "Morgan", "learner", LEARNER_ROLES, "Dr"),
            Person("instructor", "meridian-walsh", "Chris", "Walsh", "CPD lead", INSTRUCTOR_ROLES),
            Person("mentor", "meridian-lee", "Jamie", "Lee", "line manager", MENTOR_ROLES),
        ),
    ),
)


GIVEN_NAMES = (
    "Aisha",
    "Ben",
    "Chloe",
    "Daniel",
    "Efua",
    "Finn",
    "Grace",
    "Hamza",
    "Isla",
    "Jack",
    "Kiran",
    "Lucy",
    "Mohammed",
    "Niamh",
    "Oliver",
    "Priya",
    "Rhys",
    "Sofia",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Yusuf",
    "Zara",
    "Amelia",
    "Callum",
    "Deepa",
    "Ewan",
    "Fatima",
    "Gareth",
)
FAMILY_NAMES = (
    "Adeyemi",
    "Brown",
    "Chen",
    "Davies",
    "Evans",
    "Fernandes",
    "Gallagher",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "MacDonald",
    "Nowak",
    "O'Brien",
    "Patel",
    "Quinn",
    "Roberts",
    "Singh",
    "Thomas",
    "Usman",
    "Walker",
    "Xu",
    "Young",
    "Zielinski",
    "Ahmed",
    "Campbell",
)


def cohort_person(platform: DemoPlatform, key: str) -> Person | None:
    """Return the cohort learner a key names ("cohort.<run>.<n>"), as this platform knows them.

    `leadpath demo seed` launches these people; each has an account of their own at every
    organisation they passed through, named the same way.
    """
    parts = key.split(".")
    if (
        len(parts) != 3
        or parts[0] != "cohort"
        or not parts[1].isalnum()
        or whole_number(parts[2]) is None
    ):
        return None
    n = int(parts[2])
    given = GIVEN_NAMES[n % len(GIVEN_NAMES)]
    family = FAMILY_NAMES[(n * 7 + n // len(GIVEN_NAMES)) % len(FAMILY_NAMES)]
    title = "" if platform.key == "university" else "Dr"
    sub = f"{platform.key}-{parts[1]}-{n}"
    return Person(key, sub, given, family, "learner", LEARNER_ROLES, title)


def platform(key: str) -> DemoPlatform | None:
    """Return the demo organisation with this key."""
    return next((p for p in PLATFORMS if p.key == key), None)


def platform_by_client(client_id: str) -> DemoPlatform | None:
    """Return the demo organisation registered with this client id."""
    return next((p for p in PLATFORMS if p.client_id == client_id), None)


def activity(key: str) -> Activity | None:
    """Return the demo activity with this key."""
    return next((a for a in ACTIVITIES if a.key == key), None)
