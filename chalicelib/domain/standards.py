"""The points a question may cite: the Service Standard's and the Technology Code of Practice's,
numbered and titled as GOV.UK numbers and titles them, and the Declaration's own principles.

One table for every framework: a reference's number is checked against its title here, so a
renumbered point cannot pass for another one.
"""

# https://www.gov.uk/service-manual/service-standard
SERVICE_STANDARD = {
    1: "understand users and their needs",
    2: "solve a whole problem for users",
    3: "provide a joined up experience across all channels",
    4: "make the service simple to use",
    5: "make sure everyone can use the service",
    6: "have a multidisciplinary team",
    7: "use agile ways of working",
    8: "iterate and improve frequently",
    9: "create a secure service which protects users' privacy",
    10: "define what success looks like and publish performance data",
    11: "choose the right tools and technology",
    12: "make new source code open",
    13: "use and contribute to open standards, common components and patterns",
    14: "operate a reliable service",
}

# https://www.gov.uk/guidance/the-technology-code-of-practice
TECHNOLOGY_CODE_OF_PRACTICE = {
    1: "define user needs",
    2: "make things accessible and inclusive",
    3: "be open and use open source",
    4: "make use of open standards",
    5: "use cloud first",
    6: "make things secure",
    7: "make privacy integral",
    8: "share, reuse and collaborate",
    9: "integrate and adapt technology",
    10: "make better use of data",
    11: "define your purchasing strategy",
    12: "make your technology sustainable",
    13: "meet the Service Standard",
}

# https://localdigital.gov.uk/what-is-the-declaration/ : the Declaration's five principles, in its
# order. The short names are the tracker's own, the same as the framework's principle titles.
LOCAL_DIGITAL_DECLARATION = {
    1: "User-centred services",
    2: "Fix our plumbing",
    3: "Safe data sharing",
    4: "Digital leadership",
    5: "Open culture",
}

STANDARDS = {
    "service-standard": SERVICE_STANDARD,
    "tcop": TECHNOLOGY_CODE_OF_PRACTICE,
    "ldd": LOCAL_DIGITAL_DECLARATION,
}


def point_title(standard: str, point: int) -> str:
    """The title of `point` of `standard`; ValueError for a standard or point that does not exist."""
    if standard not in STANDARDS:
        raise ValueError(f"unknown standard {standard!r}; the standards are {', '.join(STANDARDS)}")
    titles = STANDARDS[standard]
    if point not in titles:
        raise ValueError(f"{standard} has no point {point!r}; its points are 1 to {len(titles)}")
    return titles[point]
