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
    ("Tiina", "Koskinen", "091", None, "asiakkuuspäällikkö", "fi", "yes"),
    ("Jukka", "Salo", "091", None, "digituen koordinaattori", "fi", "yes"),
    ("Camilla", "Lindqvist", "091", None, "specialplanerare", "sv", "yes"),
    ("Satu", "Ahonen", "049", None, "kirjastovirkailija", "fi", "yes"),
    ("Fredrik", "Sjöberg", "049", None, "utvecklingschef", "sv", "yes"),
    ("Outi", "Rantanen", "049", None, "palveluohjaaja", "fi", "yes"),
    ("Päivi", "Järvinen", "092", None, "digitukikoordinaattori", "fi", "yes"),
    ("Ville", "Nieminen", "092", None, "kirjastonhoitaja", "fi", "yes"),
    ("Anu", "Leppänen", "092", None, "asiakaspalvelusihteeri", "fi", "yes"),
    ("Maria", "Ekholm", "092", None, "servicerådgivare", "sv", "yes"),
    ("Kristian", "Åkerlund", "638", None, "biblioteksfunktionär", "sv", "yes"),
    ("Hanna", "Virta", "638", None, "kehittämiskoordinaattori", "fi", "yes"),
    ("Linnea", "Söderström", "638", None, "projektledare", "sv", "yes"),
    ("Petri", "Lehto", "257", None, "asiakaspalveluneuvoja", "fi", "yes"),
    ("Ulla", "Östman", "257", None, "informatör", "sv", "yes"),
    ("Eeva", "Pöyhönen", "858", None, "kirjastotoimenjohtaja", "fi", "yes"),
    ("Antti", "Kärkkäinen", "858", None, "tietohallintoasiantuntija", "fi", "yes"),
    ("Henrik", "Forsström", "710", None, "IT-samordnare", "sv", "yes"),
    ("Malin", "Björklund", "710", None, "bibliotekarie", "sv", "yes"),
    ("Ida", "Granqvist", "710", None, "servicesekreterare", "sv", "yes"),
    ("Olli", "Väisänen", "106", None, "palvelupäällikkö", "fi", "yes"),
    ("Katja", "Heikkilä", "186", None, "kirjastonhoitaja", "fi", "yes"),
    ("Jari", "Määttä", "245", None, "digituen ohjaaja", "fi", "yes"),
    ("Elisa", "Mattila", "505", None, "hyvinvointisuunnittelija", "fi", "yes"),
    ("Markku", "Hyvönen", "224", None, "sivistysjohtaja", "fi", "yes"),
    ("Anneli", "Laaksonen", "018", None, "vapaa-aikaohjaaja", "fi", "yes"),
    ("Björn", "Stenroos", "149", None, "kommundirektörens assistent", "sv", "yes"),
    ("Susanna", "Koivisto", "927", None, "asukaspalveluvastaava", "fi", "yes"),
    ("Leena", "Peltonen", "611", None, "kirjastovirkailija", "fi", "yes"),
    ("Teemu", "Kettunen", "616", None, "IT-tukihenkilö", "fi", "no"),
    ("Sari", "Mustonen", "504", None, "kunnansihteeri", "fi", "yes"),
    ("Karin", "Holmström", "407", None, "kanslist", "sv", "yes"),
]
# How many of the attendees answered the survey, and how many answers came through its public link.
FEEDBACK_RESPONDENTS = 38
PUBLIC_LINK_RESPONSES = 4

# The demo survey is the default one (app/services/feedback_forms.py DEFAULT_QUESTIONS) with two
# questions its organizers added: (kind, (fi, sv, en), options as (fi, sv, en)).
ESPOO_EXTRA_QUESTIONS = [
    (
        "single_choice",
        ("Mistä kuulit webinaarista?", "Var hörde du om webbinariet?", "Where did you hear about the webinar?"),
        [
            ("Uudenmaan liiton uutiskirjeestä", "Nylands förbunds nyhetsbrev", "The Council's newsletter"),
            ("Kollegalta", "Av en kollega", "From a colleague"),
            ("Oman kunnan intranetistä", "Kommunens intranät", "My municipality's intranet"),
            ("Muualta", "Någon annanstans", "Elsewhere"),
        ],
    ),
    (
        "multiple_choice",
        (
            "Mitä aiot tehdä webinaarin jälkeen?",
            "Vad tänker du göra efter webbinariet?",
            "What will you do after the webinar?",
        ),
        [
            ("Jaan materiaalit kollegoilleni", "Delar materialet med mina kolleger", "Share the materials with colleagues"),
            ("Otan yhteyttä esittäjiin", "Kontaktar föreläsarna", "Contact the speakers"),
            ("Kokeilen esiteltyä käytäntöä", "Prövar ett av arbetssätten", "Try one of the practices"),
            ("Osallistun seuraavaan webinaariin", "Deltar i nästa webbinarium", "Attend the next webinar"),
        ],
    ),
]

# What respondents wrote, by language, for the default survey's three free-text questions in order:
# what was most useful, which practice they will try, which topics they would like next.
FEEDBACK_TEXTS = {
    "fi": (
        [
            "Kirjastojen digituen käytännön esimerkit – saimme monta ideaa omaan kirjastoomme.",
            "Vapaaehtoisten kouluttaminen digitukijoiksi oli minulle uutta ja todella kiinnostavaa.",
            "Paneelikeskustelu pienen kunnan näkökulmasta oli paras osuus.",
            "Espoon palvelumallin kuvaus: kuka tekee mitäkin ja miten tukea johdetaan.",
            "Kuulla, että isommissakin kunnissa on aloitettu pienestä.",
            "Konkreettiset luvut asiakasmääristä ja siitä, mitä asioita digituessa kysytään eniten.",
            "Järjestöyhteistyön mallit ja sopimuspohjat.",
            "Se, miten digituki on kirjattu osaksi palvelulupausta.",
            "Hyvä kokonaisuus, aikataulu piti ja puhujat olivat selkeitä.",
            "Esimerkit siitä, miten ikääntyneet tavoitetaan asukaspisteissä.",
        ],
        [
            "Digitukipäivystys kirjastossa kerran viikossa.",
            "Vapaaehtoisten digitukijoiden koulutus yhdessä eläkeläisjärjestön kanssa.",
            "Aloitamme asiakaspalvelun ja kirjaston yhteisen digituen kartoituksen.",
            "Ajanvaraus digitukeen, niin asiakkaan ei tarvitse jonottaa.",
            "Digituen tilastointi samalla lomakkeella kuin Espoossa.",
            "Yhteinen digitukiverkosto naapurikuntien kanssa.",
            "Lyhyet digituen ohjevideot kunnan verkkosivuille.",
        ],
        [
            "Tietoturva, huijausviestit",
            "Saavutettavuus, selkokieli",
            "Digituen mittarit ja vaikuttavuus",
            "Tietoturva, digituen mittarit ja vaikuttavuus",
            "Etätuki, vapaaehtoisten jaksaminen",
            "Huijausviestit",
            "Saavutettavuus",
            "Tekoäly asiakaspalvelussa, tietoturva",
        ],
    ),
    "sv": (
        [
            "Exemplen från biblioteken – vi fick många idéer för vårt eget bibliotek.",
            "Hur frivilliga utbildas till digistödjare.",
            "Paneldebatten om små kommuner var mest givande.",
            "Det var bra att höra hur Esbo organiserar stödet på båda språken.",
            "Konkreta siffror om hur många som får hjälp och med vad.",
        ],
        [
            "Digistöd på biblioteket en gång i veckan.",
            "Ett gemensamt nätverk för digitalt stöd med grannkommunerna.",
            "Tidsbokning till digistödet.",
            "Att samarbeta med pensionärsföreningen om frivilliga digistödjare.",
        ],
        [
            "Informationssäkerhet, bedrägeriförsök",
            "Tillgänglighet, lättläst språk",
            "Digitalt stöd på svenska i tvåspråkiga kommuner",
            "Mätare och effekt",
            "Informationssäkerhet",
        ],
    ),
    "en": (
        ["Hearing how Espoo trains its volunteers."],
        ["A weekly digital-support drop-in at the library."],
        ["Accessibility, information security"],
    ),
}
