"""The demo's content: the Kuntatutor series, its two webinars, registrants and survey, as people would write them."""

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
