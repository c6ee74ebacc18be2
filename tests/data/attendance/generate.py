"""Writes the sample attendance reports of the tests, each in its platform's layout, encoding and separator.

Run `python tests/data/attendance/generate.py` after changing it; the files are committed. The same
webinar in every file: the host, seven participants (names with ä, ö and å, an external guest, a
dial-in number with no email, a person who joined twice, someone who left after eight minutes).
"""

from pathlib import Path

HERE = Path(__file__).parent
TITLE = "Kunnan digituki kuntoon yhteistyöllä"


def write_utf16_tab(name: str, lines: list[list[str]]) -> None:
    """As Teams writes its reports: UTF-16 little-endian with a byte order mark, tab-separated, CRLF."""
    text = "\r\n".join("\t".join(cells) for cells in lines) + "\r\n"
    (HERE / name).write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))


def write_csv(name: str, lines: list[str], encoding: str) -> None:
    """Lines already separated and quoted as the exporter does, CRLF line ends."""
    (HERE / name).write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


def teams() -> None:
    """Microsoft Teams meeting attendance report as downloaded today (Finnish date format of the downloader)."""
    write_utf16_tab("teams.csv", [
        ["1. Summary"],
        ["Meeting title", TITLE],
        ["Attended participants", "8"],
        ["Start time", "12.11.2024 8.58.12"],
        ["End time", "12.11.2024 11.04.40"],
        ["Meeting duration", "2h 6m 28s"],
        ["Average attendance time", "1h 26m 3s"],
        [],
        ["2. Participants"],
        ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"],
        ["Päivi Järvinen", "12.11.2024 8.58.12", "12.11.2024 11.04.40", "2h 6m 28s",
         "paivi.jarvinen@uudenmaanliitto.fi", "paivi.jarvinen@uudenmaanliitto.fi", "Organizer"],
        ["Aino Äijälä", "12.11.2024 9.01.03", "12.11.2024 10.59.15", "1h 58m 12s",
         "aino.aijala@vantaa.fi", "aino.aijala@vantaa.fi", "Attendee"],
        # A guest account of the organizer's tenant: no email, the address hidden in the participant id.
        ["Björn Åkerlund (External)", "12.11.2024 9.02.40", "12.11.2024 10.33.45", "1h 31m 5s",
         "", "bjorn.akerlund_espoo.fi#EXT#@uudenmaanliitto.onmicrosoft.com", "Attendee"],
        # Joined twice (see section 3); Teams sums the time here.
        ["Sanna Öhman", "12.11.2024 9.00.30", "12.11.2024 11.01.10", "1h 49m 40s",
         "sanna.ohman@hel.fi", "sanna.ohman@hel.fi", "Attendee"],
        # A dial-in caller: the row ends after the duration.
        ["+358 9 8765 4321", "12.11.2024 9.05.00", "12.11.2024 9.57.40", "52m 40s"],
        ["Johanna Söderström (External)", "12.11.2024 9.03.00", "12.11.2024 10.43.00", "1h 40m",
         "johanna.soderstrom@porvoo.fi", "johanna.soderstrom@porvoo.fi", "Attendee"],
        ["Linnea Grönqvist (Unverified)", "12.11.2024 9.10.00", "12.11.2024 9.18.30", "8m 30s",
         "Linnea.Gronqvist@Raseborg.fi", "", "Attendee"],
        ["Matti Meikäläinen (External)", "12.11.2024 9.15.00", "12.11.2024 10.35.00", "1h 20m",
         "matti.meikalainen@sipoo.fi", "matti.meikalainen@sipoo.fi", "Attendee"],
        [],
        ["3. In-Meeting Activities"],
        ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"],
        ["Päivi Järvinen", "12.11.2024 8.58.12", "12.11.2024 11.04.40", "2h 6m 28s",
         "paivi.jarvinen@uudenmaanliitto.fi", "Organizer"],
        ["Aino Äijälä", "12.11.2024 9.01.03", "12.11.2024 10.59.15", "1h 58m 12s", "aino.aijala@vantaa.fi",
         "Attendee"],
        ["Björn Åkerlund (External)", "12.11.2024 9.02.40", "12.11.2024 10.33.45", "1h 31m 5s", "", "Attendee"],
        ["Sanna Öhman", "12.11.2024 9.00.30", "12.11.2024 9.47.40", "47m 10s", "sanna.ohman@hel.fi", "Attendee"],
        ["Sanna Öhman", "12.11.2024 9.58.40", "12.11.2024 11.01.10", "1h 2m 30s", "sanna.ohman@hel.fi",
         "Attendee"],
        ["+358 9 8765 4321", "12.11.2024 9.05.00", "12.11.2024 9.57.40", "52m 40s"],
        ["Johanna Söderström (External)", "12.11.2024 9.03.00", "12.11.2024 10.43.00", "1h 40m",
         "johanna.soderstrom@porvoo.fi", "Attendee"],
        ["Linnea Grönqvist (Unverified)", "12.11.2024 9.10.00", "12.11.2024 9.18.30", "8m 30s",
         "Linnea.Gronqvist@Raseborg.fi", "Attendee"],
        ["Matti Meikäläinen (External)", "12.11.2024 9.15.00", "12.11.2024 10.35.00", "1h 20m",
         "matti.meikalainen@sipoo.fi", "Attendee"],
    ])


def teams_2021() -> None:
    """The 2021 Teams layout: a Meeting Summary block, then one row per join (US date format of the downloader)."""
    write_utf16_tab("teams_2021.csv", [
        ["Meeting Summary"],
        ["Total Number of Participants", "8"],
        ["Meeting Title", TITLE],
        ["Meeting Start Time", "3/10/2021, 8:58:12 AM"],
        ["Meeting End Time", "3/10/2021, 11:04:40 AM"],
        ["Meeting Id", "19:meeting_NjY0ZTFlZDgtODk3Yi00@thread.v2"],
        [],
        ["Full Name", "Join Time", "Leave Time", "Duration", "Email", "Role", "Participant ID (UPN)"],
        ["Päivi Järvinen", "3/10/2021, 8:58:12 AM", "3/10/2021, 11:04:40 AM", "2h 6m",
         "paivi.jarvinen@uudenmaanliitto.fi", "Organizer", "paivi.jarvinen@uudenmaanliitto.fi"],
        ["Aino Äijälä", "3/10/2021, 9:01:03 AM", "3/10/2021, 10:59:15 AM", "1h 58m", "aino.aijala@vantaa.fi",
         "Attendee", "aino.aijala@vantaa.fi"],
        ["Björn Åkerlund (External)", "3/10/2021, 9:02:40 AM", "3/10/2021, 10:33:45 AM", "1h 31m",
         "bjorn.akerlund@espoo.fi", "Attendee", ""],
        ["Sanna Öhman", "3/10/2021, 9:00:30 AM", "3/10/2021, 9:47:40 AM", "47m 10s", "sanna.ohman@hel.fi",
         "Attendee", "sanna.ohman@hel.fi"],
        ["+358 9 8765 4321", "3/10/2021, 9:05:00 AM", "3/10/2021, 9:57:40 AM", "52m 40s", "", "Attendee", ""],
        ["Johanna Söderström (External)", "3/10/2021, 9:03:00 AM", "3/10/2021, 10:43:00 AM", "1h 40m",
         "johanna.soderstrom@porvoo.fi", "Attendee", ""],
        ["Sanna Öhman", "3/10/2021, 9:58:40 AM", "3/10/2021, 11:01:10 AM", "1h 2m 30s", "sanna.ohman@hel.fi",
         "Attendee", "sanna.ohman@hel.fi"],
        ["Linnea Grönqvist", "3/10/2021, 9:10:00 AM", "3/10/2021, 9:18:30 AM", "8m 30s",
         "Linnea.Gronqvist@Raseborg.fi", "Attendee", ""],
        ["Matti Meikäläinen (External)", "3/10/2021, 9:15:00 AM", "3/10/2021, 10:35:00 AM", "1h 20m",
         "matti.meikalainen@sipoo.fi", "Attendee", ""],
    ])


ZOOM_PEOPLE = [
    # Name (Original Name), email, join, leave, minutes, guest
    ("Päivi Järvinen", "paivi.jarvinen@uudenmaanliitto.fi", "08:55:03 AM", "11:03:41 AM", "129", "No"),
    ("Aino Äijälä", "aino.aijala@vantaa.fi", "09:01:03 AM", "10:59:15 AM", "119", "Yes"),
    ("Björn Åkerlund (Björn)", "bjorn.akerlund@espoo.fi", "09:02:40 AM", "10:33:45 AM", "92", "Yes"),
    ("Sanna Öhman", "sanna.ohman@hel.fi", "09:00:30 AM", "09:47:40 AM", "48", "Yes"),
    ("+358 9 8765 4321", "", "09:05:00 AM", "09:57:40 AM", "53", "Yes"),
    ("Johanna Söderström", "johanna.soderstrom@porvoo.fi", "09:03:00 AM", "10:43:00 AM", "100", "Yes"),
    ("Sanna Öhman", "sanna.ohman@hel.fi", "09:58:40 AM", "11:01:10 AM", "63", "Yes"),
    ("Linnea Grönqvist", "Linnea.Gronqvist@Raseborg.fi", "09:10:00 AM", "09:18:30 AM", "9", "Yes"),
    ("Matti Meikäläinen", "matti.meikalainen@sipoo.fi", "09:15:00 AM", "10:35:00 AM", "80", "Yes"),
]


def zoom_meeting() -> None:
    """Zoom meeting participants report: the meeting block, a blank line, one row per join; UTF-8 with BOM."""
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,",
        f'84512345678,{TITLE},11/12/2024 08:55:03 AM,11/12/2024 11:03:41 AM,webinaarit@uudenmaanliitto.fi,129,9,',
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,",
    ]
    lines += [f"{name},{email},11/12/2024 {join},11/12/2024 {leave},{minutes},{guest},"
              for name, email, join, leave, minutes, guest in ZOOM_PEOPLE]
    write_csv("zoom_meeting.csv", lines, "utf-8-sig")


def zoom_meeting_lowercase() -> None:
    """A newer Zoom export: headers in lower case, `Email` for `User Email`, no meeting block."""
    lines = ["Name (original name),Email,Join time,Leave time,Duration (minutes),Guest,In waiting room"]
    lines += [f"{name},{email},2024-11-12 {join},2024-11-12 {leave},{minutes},{guest},No"
              for name, email, join, leave, minutes, guest in ZOOM_PEOPLE]
    write_csv("zoom_meeting_lowercase.csv", lines, "utf-8-sig")


def zoom_webinar() -> None:
    """Zoom webinar attendee report: report, host, panelist and attendee blocks; a registrant who never joined."""
    attendee_header = ("Attended,User Name (Original Name),First Name,Last Name,Email,City,Country/Region,Phone,"
                       "Organization,Job Title,Registration Time,Approval Status,Join Time,Leave Time,"
                       "Time in Session (minutes),Is Guest,Country/Region Name")

    def attendee(attended, user, first, last, email, organization, join, leave, minutes):
        times = (f'"Nov 12, 2024 {join}","Nov 12, 2024 {leave}",{minutes}' if attended == "Yes" else "--,--,--")
        return (f'{attended},"{user}","{first}","{last}","{email}",,Finland,,"{organization}",,'
                f'"Nov 1, 2024 10:12:44",approved,{times},{"Yes" if attended == "Yes" else "--"},Finland')

    lines = [
        "Attendee Report,",
        'Report Generated:,"Nov 12, 2024 11:30 AM"',
        "Topic,Webinar ID,Actual Start Time,Actual Duration (minutes),# Registered,# Cancelled Registrations,"
        "Unique Viewers,Total Users,Max Concurrent Views,",
        f'"{TITLE}",\'845 1234 5678,"Nov 12, 2024 08:55 AM",129,9,0,7,9,7,',
        "Host Details,",
        "Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,"
        "Country/Region Name,",
        'Yes,"Uudenmaan liitto","webinaarit@uudenmaanliitto.fi","Nov 12, 2024 08:50 AM","Nov 12, 2024 11:04 AM",'
        "134,No,Finland,",
        "Panelist Details,",
        "Attended,User Name (Original Name),Email,Join Time,Leave Time,Time in Session (minutes),Is Guest,"
        "Country/Region Name,",
        'Yes,"Päivi Järvinen","paivi.jarvinen@uudenmaanliitto.fi","Nov 12, 2024 08:55 AM","Nov 12, 2024 11:03 AM",'
        "129,No,Finland,",
        "Attendee Details,",
        attendee_header,
        attendee("Yes", "Aino Äijälä", "Aino", "Äijälä", "aino.aijala@vantaa.fi", "Vantaan kaupunki",
                 "09:01 AM", "10:59 AM", 119),
        attendee("Yes", "Björn Åkerlund", "Björn", "Åkerlund", "bjorn.akerlund@espoo.fi", "Esbo stad",
                 "09:02 AM", "10:33 AM", 92),
        attendee("Yes", "Sanna Öhman", "Sanna", "Öhman", "sanna.ohman@hel.fi", "Helsingin kaupunki",
                 "09:00 AM", "09:47 AM", 48),
        attendee("Yes", "Sanna Öhman", "Sanna", "Öhman", "sanna.ohman@hel.fi", "Helsingin kaupunki",
                 "09:58 AM", "11:01 AM", 63),
        attendee("Yes", "+358 9 8765 4321", "", "", "", "", "09:05 AM", "09:57 AM", 53),
        attendee("Yes", "Johanna Söderström", "Johanna", "Söderström", "johanna.soderstrom@porvoo.fi",
                 "Borgå stad", "09:03 AM", "10:43 AM", 100),
        attendee("Yes", "Linnea Grönqvist", "Linnea", "Grönqvist", "Linnea.Gronqvist@Raseborg.fi", "Raseborgs stad",
                 "09:10 AM", "09:18 AM", 8),
        attendee("Yes", "Matti Meikäläinen", "Matti", "Meikäläinen", "matti.meikalainen@sipoo.fi", "Sipoon kunta",
                 "09:15 AM", "10:35 AM", 80),
        # Registered on Zoom, never joined.
        attendee("No", "", "Pekka", "Mäkinen", "pekka.makinen@kerava.fi", "Keravan kaupunki", "", "", ""),
    ]
    write_csv("zoom_webinar.csv", lines, "utf-8-sig")


def generic() -> None:
    """Lists typed or saved by hand: Finnish Excel (semicolons, Windows-1252), Swedish and English UTF-8."""
    write_csv("generic_fi_excel.csv", [
        "Etunimi;Sukunimi;Sähköposti;Organisaatio",
        "Päivi;Järvinen;paivi.jarvinen@uudenmaanliitto.fi;Uudenmaan liitto",
        "Aino;Äijälä;aino.aijala@vantaa.fi;Vantaan kaupunki",
        "Björn;Åkerlund;bjorn.akerlund@espoo.fi;Esbo stad",
        "Sanna;Öhman;sanna.ohman@hel.fi;Helsingin kaupunki",
        "Puhelinosallistuja;+358 9 8765 4321;;",
        "Johanna;Söderström;johanna.soderstrom@porvoo.fi;Borgå stad",
        "Sanna;Öhman;SANNA.OHMAN@HEL.FI;Helsingin kaupunki",
        "Linnea;Grönqvist;Linnea.Gronqvist@Raseborg.fi;Raseborgs stad",
        "Matti;Meikäläinen;matti.meikalainen@sipoo.fi;Sipoon kunta",
        ";;;",
    ], "cp1252")
    write_csv("generic_sv.csv", [
        "Namn,E-postadress,Organisation",
        "Päivi Järvinen,paivi.jarvinen@uudenmaanliitto.fi,Nylands förbund",
        "Aino Äijälä,aino.aijala@vantaa.fi,Vanda stad",
        '"Åkerlund, Björn",bjorn.akerlund@espoo.fi,Esbo stad',
        "Sanna Öhman,sanna.ohman@hel.fi,Helsingfors stad",
        "+358 9 8765 4321,,",
        "Johanna Söderström,johanna.soderstrom@porvoo.fi,Borgå stad",
        "Linnea Grönqvist,Linnea.Gronqvist@Raseborg.fi,Raseborgs stad",
        "Matti Meikäläinen,matti.meikalainen@sipoo,Sibbo kommun",
    ], "utf-8")
    write_csv("generic_en.csv", [
        "Attendance list,,",
        "Name,Email address,Duration (minutes)",
        "Päivi Järvinen,paivi.jarvinen@uudenmaanliitto.fi,126",
        "Aino Äijälä,aino.aijala@vantaa.fi,118",
        "Björn Åkerlund,bjorn.akerlund@espoo.fi,91",
        "Sanna Öhman,sanna.ohman@hel.fi,47",
        "+358 9 8765 4321,,52",
        "Johanna Söderström,johanna.soderstrom@porvoo.fi,100",
        "Sanna Öhman,sanna.ohman@hel.fi,62",
        "Linnea Grönqvist,Linnea.Gronqvist@Raseborg.fi,8",
        "Matti Meikäläinen,matti.meikalainen@sipoo.fi,80",
    ], "utf-8-sig")


if __name__ == "__main__":
    teams()
    teams_2021()
    zoom_meeting()
    zoom_meeting_lowercase()
    zoom_webinar()
    generic()
