"""Demo data: the municipalities, the Kuntatutor series, the Vantaa webinar and a past event with feedback."""

import random
import unicodedata
from datetime import date, datetime, time, timedelta, timezone

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.i18n import HELSINKI, LANGUAGES
from app.models import (
    ContactPerson,
    Event,
    FeedbackAnswer,
    FeedbackForm,
    FeedbackQuestion,
    FeedbackResponse,
    ProgrammeItem,
    Registration,
    Series,
    Speaker,
)
from app.models.types import utcnow
from app.services.municipalities import load_municipalities
from app.services.organizers import create_organizer, find_organizer
from app.services.tokens import issue_manage_token

WEDNESDAY = 2

SERIES_SLUG = "kuntatutor"
VANTAA_WEBINAR_SLUG = "kunnan-digituki-kuntoon-yhteistyolla"
ESPOO_WEBINAR_SLUG = "digituki-osaksi-kunnan-palveluja-espoon-malli"
DEMO_ORGANIZER_EMAIL = "admin@example.org"
DEMO_ORGANIZER_PASSWORD = "kuntatutor-demo"

UUSIMAA_COUNCIL = "Uudenmaan liitto"
VANTAA = "Vantaan kaupunki"
ESPOO = "Espoon kaupunki"

SERIES = {
    "name_fi": "Kuntatutor",
    "name_sv": "Kuntatutor",
    "name_en": "Kuntatutor",
    "description_fi": (
        "Kuntatutor on Uudenmaan liiton digituen kehittämisohjelman webinaarisarja. Kunnat, jotka ovat "
        "tehneet digitukea pitkään – kuten Helsinki, Espoo, Vantaa ja Järvenpää – esittelevät "
        "käytäntöjään Uudenmaan 26 kunnalle ja toimivat tutoreina kunnille, jotka vasta aloittavat. "
        "Tavoitteena on tavoittaa jokainen maakunnan kunta."
    ),
    "description_sv": (
        "Kuntatutor är Nylands förbunds webbinarieserie inom programmet för digitalt stöd. Kommuner som "
        "länge har erbjudit digitalt stöd – såsom Helsingfors, Esbo, Vanda och Träskända – presenterar "
        "sina metoder för Nylands 26 kommuner och fungerar som handledare för kommuner som just har "
        "börjat. Målet är att nå varje kommun i landskapet."
    ),
    "description_en": (
        "Kuntatutor is the webinar series of the Helsinki-Uusimaa Regional Council's digital-support "
        "programme. Municipalities with long experience of digital support – such as Helsinki, Espoo, "
        "Vantaa and Järvenpää – present their practices to the 26 municipalities of Uusimaa and act as "
        "tutors for municipalities that are just starting. The aim is to reach every municipality in "
        "the region."
    ),
}

VANTAA_WEBINAR = {
    "title_fi": "Kunnan digituki kuntoon yhteistyöllä",
    "title_sv": "Kommunens digitala stöd i skick genom samarbete",
    "title_en": "Getting municipal digital support right through cooperation",
    "description_fi": """\
Vantaa on rakentanut digitukea yhdessä kaupungin palvelujen, kirjastojen, järjestöjen ja
tietohallinnon kanssa. Tässä webinaarissa vantaalaiset asiantuntijat kertovat, mikä on toiminut
ja mitä he tekisivät nyt toisin.

**Webinaarissa kuulet**

- miten kaupungin digitukiverkosto on koottu ja miten sitä johdetaan
- miten pilviagenttipalvelu tuo etätuen asukkaan kotiin
- mitä Digiarki-hankkeessa opittiin
- miten palvelupolut ja asukaspalvelut ohjaavat asukkaan oikean tuen luo
- mikä on tietohallinnon rooli digituessa

Lopuksi paneeli keskustelee digituesta koronapandemian aikana. Webinaari on tarkoitettu kaikille
Uudenmaan kuntien digituesta kiinnostuneille – myös niille, jotka vasta suunnittelevat digitukea.
Voit lähettää kysymyksiä puhujille ilmoittautumisen yhteydessä.
""",
    "description_sv": """\
Vanda har byggt upp sitt digitala stöd tillsammans med stadens tjänster, bibliotek,
organisationer och IT-förvaltningen. I webbinariet berättar experter från Vanda vad som har
fungerat och vad de skulle göra annorlunda i dag.

**I webbinariet får du höra**

- hur stadens nätverk för digitalt stöd har byggts upp och hur det leds
- hur molnagenttjänsten ger distansstöd hem till invånaren
- vad man lärde sig i projektet Digiarki
- hur servicestigar och invånarservicen leder invånaren till rätt stöd
- vilken roll IT-förvaltningen har i det digitala stödet

Till sist diskuterar en panel det digitala stödet under coronapandemin. Webbinariet är öppet för
alla i Nylands kommuner som är intresserade av digitalt stöd – också för dem som först planerar
det. Du kan skicka frågor till talarna när du anmäler dig.
""",
    "description_en": """\
Vantaa has built its digital support together with the city's services, libraries,
associations and IT administration. In this webinar, experts from Vantaa tell what has worked
and what they would do differently today.

**In the webinar you will hear**

- how the city's digital-support network was put together and how it is led
- how the cloud-agent service brings remote support into residents' homes
- what was learned in the Digiarki project
- how service paths and resident services guide residents to the right support
- what role the IT administration plays in digital support

Finally, a panel discusses digital support during the pandemic. The webinar is open to everyone
in the municipalities of Uusimaa who is interested in digital support – also to those only
planning it. You can send questions to the speakers when you register.
""",
    "capacity": 150,
    "waitlist_enabled": True,
    "join_url": "https://teams.example.org/l/meetup-join/kuntatutor-vantaa-digituki",
}

# (Helsinki time, kind, (fi, sv, en), [(name, title, organization), ...])
VANTAA_PROGRAMME = [
    (
        "09:00",
        "talk",
        ("Tervetuloa", "Välkommen", "Welcome"),
        [
            ("Liisa Korhonen", "projektipäällikkö", UUSIMAA_COUNCIL),
            ("Hanna Salo", "palvelujohtaja", VANTAA),
        ],
    ),
    (
        "09:10",
        "talk",
        (
            "Kaupungin digitukiverkosto: digituki yhteistyönä",
            "Stadens nätverk för digitalt stöd: digitalt stöd i samarbete",
            "The city's digital-support network: digital support through cooperation",
        ),
        [("Sanna Laaksonen", "digituen koordinaattori", VANTAA)],
    ),
    (
        "09:35",
        "talk",
        (
            "Pilviagenttipalvelu: etätukea asukkaan kotiin",
            "Molnagenttjänsten: distansstöd hem till invånaren",
            "The cloud-agent service: remote support in residents' homes",
        ),
        [("Jari Niemi", "palvelupäällikkö", VANTAA)],
    ),
    (
        "10:00",
        "talk",
        (
            "Digiarki-hanke: digituki osaksi arkea",
            "Projektet Digiarki: digitalt stöd som en del av vardagen",
            "The Digiarki project: digital support as part of everyday life",
        ),
        [("Katja Lehtonen", "projektipäällikkö", VANTAA)],
    ),
    ("10:20", "break", ("Tauko", "Paus", "Break"), []),
    (
        "10:30",
        "talk",
        (
            "Palvelupolut: asukas oikean tuen luo",
            "Servicestigar: invånaren till rätt stöd",
            "Service paths: guiding residents to the right support",
        ),
        [("Timo Järvinen", "kehittämispäällikkö", VANTAA)],
    ),
    (
        "10:50",
        "talk",
        (
            "Asukaspalvelut digituen etulinjassa",
            "Invånarservicen i frontlinjen för digitalt stöd",
            "Resident services on the front line of digital support",
        ),
        [("Päivi Koskinen", "asukaspalvelupäällikkö", VANTAA)],
    ),
    (
        "11:10",
        "talk",
        (
            "Tietohallinnon rooli digituessa",
            "IT-förvaltningens roll i det digitala stödet",
            "The IT administration's role in digital support",
        ),
        [("Markus Heikkinen", "tietohallintopäällikkö", VANTAA)],
    ),
    (
        "11:25",
        "panel",
        (
            "Paneeli: Digituki koronapandemian aikana",
            "Panel: Digitalt stöd under coronapandemin",
            "Panel: Digital support during the pandemic",
        ),
        [
            ("Sanna Laaksonen", "digituen koordinaattori", VANTAA),
            ("Jari Niemi", "palvelupäällikkö", VANTAA),
            ("Anu Rantanen", "kirjastopalvelupäällikkö", "Vantaan kaupunginkirjasto"),
            ("Olli Karjalainen", "toiminnanjohtaja", "Digikaverit ry"),
        ],
    ),
    (
        "11:50",
        "talk",
        ("Loppusanat", "Avslutning", "Closing words"),
        [("Liisa Korhonen", "projektipäällikkö", UUSIMAA_COUNCIL)],
    ),
]

# (name, title, organization, email, phone); the first is the Reply-To of the event's mail.
VANTAA_CONTACTS = [
    (
        "Sanna Laaksonen",
        "digituen koordinaattori",
        VANTAA,
        "sanna.laaksonen@example.org",
        "+358 40 000 1234",
    ),
    (
        "Liisa Korhonen",
        "projektipäällikkö",
        UUSIMAA_COUNCIL,
        "liisa.korhonen@example.org",
        "+358 50 000 5678",
    ),
]

ESPOO_WEBINAR = {
    "title_fi": "Digituki osaksi kunnan palveluja – Espoon malli",
    "title_sv": "Digitalt stöd som en del av kommunens tjänster – Esbomodellen",
    "title_en": "Making digital support part of municipal services – the Espoo model",
    "description_fi": (
        "Espoo kertoo, miten digituki on tuotu osaksi kirjastojen, asukaspisteiden ja järjestöjen "
        "arkea ja miten vapaaehtoiset on koulutettu digitukijoiksi."
    ),
    "description_sv": (
        "Esbo berättar hur det digitala stödet har blivit en del av vardagen i bibliotek, "
        "invånarservicepunkter och organisationer och hur frivilliga har utbildats till digistödjare."
    ),
    "description_en": (
        "Espoo tells how digital support became part of everyday work in libraries, resident service "
        "points and associations, and how volunteers were trained as digital supporters."
    ),
    "capacity": 100,
    "waitlist_enabled": True,
    "join_url": "https://teams.example.org/l/meetup-join/kuntatutor-espoo-digituki",
    "recording_url": "https://video.example.org/kuntatutor/espoon-malli",
}

ESPOO_PROGRAMME = [
    (
        "09:00",
        "talk",
        ("Tervetuloa", "Välkommen", "Welcome"),
        [("Liisa Korhonen", "projektipäällikkö", UUSIMAA_COUNCIL)],
    ),
    (
        "09:10",
        "talk",
        (
            "Espoon digituen palvelumalli",
            "Esbos servicemodell för digitalt stöd",
            "Espoo's service model for digital support",
        ),
        [("Riikka Salminen", "digituen palvelupäällikkö", ESPOO)],
    ),
    (
        "09:40",
        "talk",
        (
            "Digituki kirjastoissa ja asukaspisteissä",
            "Digitalt stöd i bibliotek och invånarservicepunkter",
            "Digital support in libraries and resident service points",
        ),
        [("Ville Hämäläinen", "kirjastotoimenjohtaja", "Espoon kaupunginkirjasto")],
    ),
    ("10:05", "break", ("Tauko", "Paus", "Break"), []),
    (
        "10:15",
        "talk",
        (
            "Vapaaehtoiset ja järjestöt digitukijoina",
            "Frivilliga och organisationer som digistödjare",
            "Volunteers and associations as digital supporters",
        ),
        [("Elina Toivonen", "järjestöyhteistyön koordinaattori", ESPOO)],
    ),
    (
        "10:40",
        "panel",
        (
            "Paneeli: Miten digituki aloitetaan pienessä kunnassa?",
            "Panel: Hur kommer man i gång med digitalt stöd i en liten kommun?",
            "Panel: How does a small municipality get digital support started?",
        ),
        [
            ("Riikka Salminen", "digituen palvelupäällikkö", ESPOO),
            ("Elina Toivonen", "järjestöyhteistyön koordinaattori", ESPOO),
            ("Liisa Korhonen", "projektipäällikkö", UUSIMAA_COUNCIL),
        ],
    ),
    (
        "11:15",
        "talk",
        ("Loppusanat", "Avslutning", "Closing words"),
        [("Riikka Salminen", "digituen palvelupäällikkö", ESPOO)],
    ),
]

ESPOO_CONTACTS = [
    (
        "Riikka Salminen",
        "digituen palvelupäällikkö",
        ESPOO,
        "riikka.salminen@example.org",
        "+358 40 000 4321",
    ),
]

# (first name, last name, municipality code or None, other organization, job title, language, attended)
ESPOO_REGISTRANTS = [
    ("Aino", "Virtanen", "091", None, "digituen asiantuntija", "fi", "yes"),
    ("Mikael", "Lindholm", "091", None, "projektkoordinator", "sv", "yes"),
    ("Eveliina", "Mäkelä", "049", None, "digituen ohjaaja", "fi", "yes"),
    ("Tuomas", "Hakala", "092", None, "palveluneuvoja", "fi", "no"),
    ("Johanna", "Nyström", "235", None, "kommunsekreterare", "sv", "yes"),
    ("Heikki", "Laine", "257", None, "tietohallintopäällikkö", "fi", "yes"),
    ("Marja", "Kallio", "444", None, "kirjastonhoitaja", "fi", "yes"),
    ("Anna", "Holmberg", "638", None, "utvecklingskoordinator", "sv", "yes"),
    ("Sofia", "Grönroos", "710", None, "bibliotekarie", "sv", "no"),
    ("Pekka", "Heinonen", "106", None, "asiakaspalvelupäällikkö", "fi", "yes"),
    ("Laura", "Saarinen", "186", None, "hyvinvointikoordinaattori", "fi", "yes"),
    ("Janne", "Ojala", "245", None, "IT-tukihenkilö", "fi", "no"),
    ("Minna", "Lehtinen", "858", None, "palvelusihteeri", "fi", "yes"),
    ("Kari", "Räsänen", "543", None, "kehittämispäällikkö", "fi", "yes"),
    ("Emma", "Wikström", "753", None, "digitaliseringskoordinator", "sv", "yes"),
    ("Sami", "Turunen", "927", None, "vapaa-aikasihteeri", "fi", "no"),
    ("Helena", "Berg", "434", None, "bibliotekschef", "sv", "yes"),
    ("Noora", "Kinnunen", "049", None, "asukasneuvoja", "fi", "yes"),
    ("Daniel", "Forsman", "091", None, "service designer", "en", "yes"),
    ("Riitta", "Aaltonen", None, "Digituki Uusimaa ry", "toiminnanjohtaja", "fi", "no"),
]
FEEDBACK_RESPONDENTS = 12

# (kind, (fi, sv, en), options as (fi, sv, en) or None, required)
ESPOO_QUESTIONS = [
    (
        "rating",
        (
            "Kuinka hyödyllinen webinaari oli työsi kannalta?",
            "Hur nyttigt var webbinariet för ditt arbete?",
            "How useful was the webinar for your work?",
        ),
        None,
        True,
    ),
    (
        "nps",
        (
            "Kuinka todennäköisesti suosittelisit Kuntatutor-webinaareja kollegallesi?",
            "Hur sannolikt är det att du skulle rekommendera Kuntatutor-webbinarierna till en kollega?",
            "How likely are you to recommend Kuntatutor webinars to a colleague?",
        ),
        None,
        True,
    ),
    (
        "programme_rating",
        ("Arvioi ohjelman osiot.", "Bedöm programpunkterna.", "Rate the parts of the programme."),
        None,
        False,
    ),
    (
        "single_choice",
        (
            "Mistä kuulit webinaarista?",
            "Var hörde du om webbinariet?",
            "Where did you hear about the webinar?",
        ),
        [
            ("Uudenmaan liiton uutiskirjeestä", "Nylands förbunds nyhetsbrev", "The Council's newsletter"),
            ("Kollegalta", "Av en kollega", "From a colleague"),
            ("Oman kunnan intranetistä", "Kommunens intranät", "My municipality's intranet"),
            ("Muualta", "Någon annanstans", "Elsewhere"),
        ],
        False,
    ),
    (
        "multiple_choice",
        (
            "Mistä aiheista haluaisit seuraavan webinaarin?",
            "Vilka ämnen vill du att nästa webbinarium tar upp?",
            "Which topics would you like the next webinar to cover?",
        ),
        [
            ("Digituen palvelumallit", "Servicemodeller för digitalt stöd", "Digital-support service models"),
            ("Vapaaehtoiset digitukena", "Frivilliga som digitalt stöd", "Volunteers in digital support"),
            ("Saavutettavuus", "Tillgänglighet", "Accessibility"),
            ("Tietoturva", "Informationssäkerhet", "Information security"),
            ("Mittarit ja vaikuttavuus", "Mätare och effekt", "Measuring impact"),
        ],
        False,
    ),
    (
        "text",
        (
            "Mitä muuta haluat sanoa järjestäjille?",
            "Vad vill du annars säga till arrangörerna?",
            "Anything else you would like to tell the organizers?",
        ),
        None,
        False,
    ),
]

FEEDBACK_COMMENTS = [
    "Hyvä kokonaisuus, erityisesti kirjastojen digituesta sai paljon ideoita meille.",
    "Esitykset olisi hyvä saada jälkikäteen jaettavaksi.",
    "Mycket nyttigt, tack! Gärna fler exempel från mindre kommuner.",
    "Paneelikeskustelu oli paras osuus – lisää tällaista.",
    "Aikataulu piti hyvin. Kysymyksille olisi voinut varata enemmän aikaa.",
    "Great to hear how Espoo trains its volunteers.",
]


def upcoming_webinar_day(today: date) -> date:
    """The first Wednesday at least two weeks after the given day."""
    day = today + timedelta(days=14)
    return day + timedelta(days=(WEDNESDAY - day.weekday()) % 7)


def past_webinar_day(today: date) -> date:
    """The Wednesday about two months before the given day."""
    day = today - timedelta(days=60)
    return day - timedelta(days=(day.weekday() - WEDNESDAY) % 7)


def helsinki_time(day: date, clock: str) -> datetime:
    """A wall-clock time in Helsinki on the day, as the UTC moment the database stores."""
    hours, minutes = (int(part) for part in clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=HELSINKI).astimezone(timezone.utc)


def seed_demo(now: datetime | None = None) -> str:
    """Load the demo data that is missing, leave what exists as it is, commit, and say what was done."""
    now = now or utcnow()
    today = now.astimezone(HELSINKI).date()
    municipalities_added = load_municipalities()
    series, series_created = ensure_series()
    events_created = sum([ensure_vantaa_webinar(series, today, now), ensure_espoo_webinar(series, today)])
    parts = [
        f"{municipalities_added} new municipalities",
        "series kuntatutor created" if series_created else "series kuntatutor exists",
        f"{events_created} of 2 demo events created",
    ]
    if current_app.config["DEMO_ORGANIZER"]:
        created = ensure_demo_organizer()
        parts.append(f"organizer {DEMO_ORGANIZER_EMAIL} {'created' if created else 'exists'}")
    db.session.commit()
    return "Demo data: " + ", ".join(parts) + "."


def find_by_slug(model, slug: str):
    """The series or event with this slug, if any."""
    return db.session.execute(select(model).where(model.slug == slug)).scalar_one_or_none()


def ensure_series() -> tuple[Series, bool]:
    """The Kuntatutor series, created if missing; an existing one keeps the organizers' edits."""
    series = find_by_slug(Series, SERIES_SLUG)
    if series is not None:
        return series, False
    series = Series(slug=SERIES_SLUG, **SERIES)
    db.session.add(series)
    db.session.flush()
    return series, True


def ensure_vantaa_webinar(series: Series, today: date, now: datetime) -> bool:
    """Create the upcoming Vantaa webinar unless it exists; an existing one keeps its dates."""
    if find_by_slug(Event, VANTAA_WEBINAR_SLUG) is not None:
        return False
    day = upcoming_webinar_day(today)
    event = Event(
        slug=VANTAA_WEBINAR_SLUG,
        series=series,
        host_municipality_code="092",
        status="published",
        starts_at=helsinki_time(day, "09:00"),
        ends_at=helsinki_time(day, "12:00"),
        registration_opens_at=now.replace(second=0, microsecond=0),
        registration_closes_at=helsinki_time(day - timedelta(days=1), "16:00"),
        **VANTAA_WEBINAR,
    )
    add_programme(event, day, VANTAA_PROGRAMME)
    add_contacts(event, VANTAA_CONTACTS)
    db.session.add(event)
    db.session.flush()
    return True


def ensure_espoo_webinar(series: Series, today: date) -> bool:
    """Create the past Espoo webinar with its registrations and feedback unless it exists."""
    if find_by_slug(Event, ESPOO_WEBINAR_SLUG) is not None:
        return False
    day = past_webinar_day(today)
    event = Event(
        slug=ESPOO_WEBINAR_SLUG,
        series=series,
        host_municipality_code="049",
        status="published",
        starts_at=helsinki_time(day, "09:00"),
        ends_at=helsinki_time(day, "11:30"),
        registration_opens_at=helsinki_time(day - timedelta(days=35), "09:00"),
        registration_closes_at=helsinki_time(day - timedelta(days=1), "16:00"),
        **ESPOO_WEBINAR,
    )
    add_programme(event, day, ESPOO_PROGRAMME)
    add_contacts(event, ESPOO_CONTACTS)
    db.session.add(event)
    db.session.flush()
    # A fixed seed keeps the demo's registrations and answers the same on every machine.
    rng = random.Random(ESPOO_WEBINAR_SLUG)
    registrations = add_past_registrations(event, rng)
    add_feedback(event, registrations, rng)
    return True


def add_programme(event: Event, day: date, programme: list) -> None:
    """Give the event its programme items and their speakers, in order."""
    for position, (clock, kind, (title_fi, title_sv, title_en), speakers) in enumerate(programme):
        event.programme.append(
            ProgrammeItem(
                position=position,
                starts_at=helsinki_time(day, clock),
                kind=kind,
                title_fi=title_fi,
                title_sv=title_sv,
                title_en=title_en,
                speakers=[
                    Speaker(position=index, name=name, title=title, organization=organization)
                    for index, (name, title, organization) in enumerate(speakers)
                ],
            )
        )


def add_contacts(event: Event, contacts: list) -> None:
    """Give the event its contact persons, in order."""
    for position, (name, title, organization, email, phone) in enumerate(contacts):
        event.contacts.append(
            ContactPerson(
                position=position, name=name, title=title, organization=organization, email=email, phone=phone
            )
        )


def demo_email(first_name: str, last_name: str) -> str:
    """A made-up address at example.org, with ä, ö and å written as a, o and a."""
    ascii_name = unicodedata.normalize("NFKD", f"{first_name}.{last_name}").encode("ascii", "ignore").decode()
    return f"{ascii_name.lower()}@example.org"


def add_past_registrations(event: Event, rng: random.Random) -> list[Registration]:
    """Sign up the demo registrants in the weeks before the event, with their attendance known."""
    consent_version = current_app.config["PRIVACY_NOTICE_VERSION"]
    registrations = []
    for index, registrant in enumerate(ESPOO_REGISTRANTS):
        first, last, code, organization, job_title, language, attended = registrant
        signed_up_at = event.starts_at - timedelta(days=rng.randint(2, 30), minutes=rng.randint(0, 600))
        registration = Registration(
            event=event,
            email=demo_email(first, last),
            first_name=first,
            last_name=last,
            municipality_code=code,
            organization=organization,
            job_title=job_title,
            language=language,
            privacy_notice_version=consent_version,
            privacy_consented_at=signed_up_at,
            future_events_consent=index % 3 != 0,
            status="confirmed",
            attended=attended,
            created_at=signed_up_at,
            confirmed_at=signed_up_at,
        )
        # Derived from the app's secret like every real one, so the manage pages work in the demo.
        issue_manage_token(registration)
        db.session.add(registration)
        registrations.append(registration)
    db.session.flush()
    return registrations


def add_feedback(event: Event, registrations: list[Registration], rng: random.Random) -> None:
    """Add the event's survey with a question of every kind and answers from attendees."""
    form = FeedbackForm(event=event, opens_at=event.ends_at, closes_at=event.ends_at + timedelta(days=14))
    for position, (kind, (text_fi, text_sv, text_en), options, required) in enumerate(ESPOO_QUESTIONS):
        form.questions.append(
            FeedbackQuestion(
                position=position,
                kind=kind,
                text_fi=text_fi,
                text_sv=text_sv,
                text_en=text_en,
                options=[dict(zip(LANGUAGES, option)) for option in options] if options else None,
                required=required,
            )
        )
    db.session.add(form)
    db.session.flush()
    rated_items = [item for item in event.programme if item.kind != "break"]
    attendees = [registration for registration in registrations if registration.attended == "yes"]
    for number, registration in enumerate(attendees[:FEEDBACK_RESPONDENTS]):
        answered_at = event.ends_at + timedelta(hours=rng.randint(1, 72))
        response = FeedbackResponse(
            form=form,
            registration=registration,
            municipality_code=registration.municipality_code,
            created_at=answered_at,
            updated_at=answered_at,
        )
        for question in form.questions:
            response.answers.extend(demo_answers(question, rated_items, number, rng))
        db.session.add(response)
    db.session.flush()


def demo_answers(
    question: FeedbackQuestion, rated_items: list[ProgrammeItem], number: int, rng: random.Random
) -> list[FeedbackAnswer]:
    """One respondent's plausible answers to a question; every other respondent leaves a comment."""
    if question.kind == "rating":
        return [FeedbackAnswer(question=question, value_int=rng.choice([3, 4, 4, 5, 5]))]
    if question.kind == "nps":
        return [FeedbackAnswer(question=question, value_int=rng.choice([6, 7, 8, 8, 9, 9, 10, 10]))]
    if question.kind == "programme_rating":
        return [
            FeedbackAnswer(question=question, programme_item=item, value_int=rng.choice([3, 4, 4, 5, 5]))
            for item in rated_items
        ]
    if question.kind == "single_choice":
        return [FeedbackAnswer(question=question, choices=[rng.randrange(len(question.options))])]
    if question.kind == "multiple_choice":
        picked = rng.sample(range(len(question.options)), k=rng.randint(1, 3))
        return [FeedbackAnswer(question=question, choices=sorted(picked))]
    if number % 2 == 0:
        comment = FEEDBACK_COMMENTS[number // 2 % len(FEEDBACK_COMMENTS)]
        return [FeedbackAnswer(question=question, value_text=comment)]
    return []


def ensure_demo_organizer() -> bool:
    """Create the development admin with the published demo password unless it exists."""
    if find_organizer(DEMO_ORGANIZER_EMAIL) is not None:
        return False
    create_organizer(DEMO_ORGANIZER_EMAIL, "Kuntatutor-ylläpitäjä", DEMO_ORGANIZER_PASSWORD, role="admin")
    return True
