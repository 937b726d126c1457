"""Countries and some cities outside the UK, so that "I'm in Brussels" reads as being abroad.

Plain data, not policy: a pack rates countries for travel in its ``ask.countries`` section.
Names that are also common words or people's names ("us", "chad", "jordan") are left out.
"""

from __future__ import annotations

COUNTRIES = (
    "afghanistan albania algeria andorra angola argentina armenia australia austria azerbaijan "
    "bahamas bahrain bangladesh barbados belarus belgium belize benin bhutan bolivia bosnia "
    "botswana brazil brunei bulgaria burundi cambodia cameroon canada chile china colombia "
    "congo croatia cuba cyprus czechia denmark djibouti dominica ecuador egypt eritrea estonia "
    "eswatini ethiopia fiji finland france gabon gambia germany ghana greece grenada guatemala "
    "guinea guyana haiti honduras hungary iceland india indonesia iran iraq ireland israel "
    "italy jamaica japan kazakhstan kenya kiribati kosovo kuwait kyrgyzstan laos latvia lebanon "
    "lesotho liberia libya liechtenstein lithuania luxembourg madagascar malawi malaysia "
    "maldives mali malta mauritania mauritius mexico micronesia moldova monaco mongolia "
    "montenegro morocco mozambique myanmar namibia nauru nepal netherlands holland nicaragua "
    "nigeria norway oman pakistan palau palestine panama paraguay peru philippines poland "
    "portugal qatar romania russia rwanda samoa senegal serbia seychelles singapore slovakia "
    "slovenia somalia spain sudan suriname sweden switzerland syria taiwan tajikistan tanzania "
    "thailand togo tonga tunisia turkey turkmenistan tuvalu uganda ukraine uruguay uzbekistan "
    "vanuatu venezuela vietnam yemen zambia zimbabwe"
)

#: multi-word country names and common short forms, to the name used in answers
OTHER_NAMES = {
    "united states": "United States", "usa": "United States", "the states": "United States",
    "america": "United States", "united arab emirates": "United Arab Emirates",
    "uae": "United Arab Emirates", "south africa": "South Africa", "south korea": "South Korea",
    "north korea": "North Korea", "new zealand": "New Zealand", "saudi arabia": "Saudi Arabia",
    "sri lanka": "Sri Lanka", "costa rica": "Costa Rica", "czech republic": "Czechia",
    "the netherlands": "Netherlands", "ivory coast": "Ivory Coast", "hong kong": "Hong Kong",
    "faroe islands": "Faroe Islands", "faroes": "Faroe Islands",
}  # fmt: skip

#: cities abroad that officials travel to, to their country
CITIES = {
    "brussels": "Belgium", "paris": "France", "strasbourg": "France", "geneva": "Switzerland",
    "davos": "Switzerland", "berlin": "Germany", "bonn": "Germany", "munich": "Germany",
    "frankfurt": "Germany", "dublin": "Ireland", "cork": "Ireland", "copenhagen": "Denmark",
    "oslo": "Norway", "bergen": "Norway", "stockholm": "Sweden", "helsinki": "Finland",
    "reykjavik": "Iceland", "amsterdam": "Netherlands", "the hague": "Netherlands",
    "luxembourg": "Luxembourg", "madrid": "Spain", "barcelona": "Spain", "lisbon": "Portugal",
    "rome": "Italy", "milan": "Italy", "vienna": "Austria", "prague": "Czechia",
    "warsaw": "Poland", "budapest": "Hungary", "athens": "Greece", "kyiv": "Ukraine",
    "kiev": "Ukraine", "washington": "United States", "new york": "United States",
    "boston": "United States", "chicago": "United States", "san francisco": "United States",
    "los angeles": "United States", "houston": "United States", "ottawa": "Canada",
    "toronto": "Canada", "montreal": "Canada", "vancouver": "Canada", "halifax": "Canada",
    "beijing": "China", "shanghai": "China", "tokyo": "Japan", "osaka": "Japan",
    "seoul": "South Korea", "singapore": "Singapore", "delhi": "India", "new delhi": "India",
    "mumbai": "India", "bangalore": "India", "dubai": "United Arab Emirates",
    "abu dhabi": "United Arab Emirates", "doha": "Qatar", "riyadh": "Saudi Arabia",
    "baku": "Azerbaijan", "sharm el sheikh": "Egypt", "cairo": "Egypt", "nairobi": "Kenya",
    "lagos": "Nigeria", "johannesburg": "South Africa", "cape town": "South Africa",
    "sydney": "Australia", "melbourne": "Australia", "canberra": "Australia",
    "wellington": "New Zealand", "auckland": "New Zealand", "sao paulo": "Brazil",
    "rio": "Brazil", "belem": "Brazil", "buenos aires": "Argentina", "mexico city": "Mexico",
    "tallinn": "Estonia", "riga": "Latvia", "vilnius": "Lithuania", "torshavn": "Faroe Islands",
    "lyon": "France", "marseille": "France", "hamburg": "Germany", "cologne": "Germany",
    "zurich": "Switzerland", "basel": "Switzerland", "antwerp": "Belgium",
    "rotterdam": "Netherlands",
    "gothenburg": "Sweden", "malmo": "Sweden", "aarhus": "Denmark", "trondheim": "Norway",
    "stavanger": "Norway", "tromso": "Norway", "nuuk": "Greenland", "quebec": "Canada",
    "calgary": "Canada", "philadelphia": "United States", "atlanta": "United States",
    "seattle": "United States", "miami": "United States", "dallas": "United States",
    "denver": "United States", "pittsburgh": "United States", "kolkata": "India",
    "chennai": "India", "hyderabad": "India", "shenzhen": "China", "guangzhou": "China",
    "taipei": "Taiwan", "hanoi": "Vietnam", "bangkok": "Thailand", "jakarta": "Indonesia",
    "kuala lumpur": "Malaysia", "manila": "Philippines", "brisbane": "Australia",
    "santiago": "Chile", "lima": "Peru", "bogota": "Colombia",
    "accra": "Ghana", "abuja": "Nigeria", "addis ababa": "Ethiopia", "kigali": "Rwanda",
    "lilongwe": "Malawi", "lusaka": "Zambia", "kampala": "Uganda", "valletta": "Malta",
    "nicosia": "Cyprus", "belgrade": "Serbia", "bucharest": "Romania",
    "zagreb": "Croatia", "ljubljana": "Slovenia", "bratislava": "Slovakia", "krakow": "Poland",
    "gdansk": "Poland", "tbilisi": "Georgia", "istanbul": "Turkey", "ankara": "Turkey",
    "tel aviv": "Israel", "amman": "Jordan", "beirut": "Lebanon", "muscat": "Oman",
}  # fmt: skip


#: what people and things from abroad are called ("the Norwegian ambassador", "a Japanese
#: delegation"): a question naming one is about somewhere else, if not about being there
NATIONALITIES = (
    "afghan albanian algerian american angolan argentine argentinian armenian australian "
    "austrian azerbaijani bangladeshi belgian bolivian bosnian brazilian bulgarian cambodian "
    "cameroonian canadian chilean chinese colombian congolese croatian cuban cypriot czech danish "
    "dutch ecuadorian egyptian emirati eritrean estonian ethiopian faroese fijian filipino finnish "
    "flemish french georgian german ghanaian greek greenlandic hungarian icelandic indian "
    "indonesian iranian iraqi irish israeli italian ivorian jamaican japanese jordanian kazakh "
    "kenyan korean kosovan kuwaiti latvian lebanese libyan lithuanian luxembourgish malawian "
    "malaysian maltese mexican moldovan mongolian moroccan mozambican namibian nepalese nigerian "
    "norwegian omani pakistani palestinian peruvian polish portuguese qatari romanian russian "
    "rwandan saudi senegalese serbian singaporean slovak slovenian somali spanish sudanese "
    "swedish swiss syrian taiwanese tanzanian thai tunisian turkish ugandan ukrainian uruguayan "
    "uzbek venezuelan vietnamese yemeni zambian zimbabwean taoiseach"
)


def foreign_names() -> list[str]:
    """Every phrase that names somewhere abroad or its people (lower case).

    >>> names = foreign_names()
    >>> "norwegian" in names and "brussels" in names and "scottish" not in names
    True
    """
    return [*place_names(), *NATIONALITIES.split()]


def place_names() -> dict[str, str]:
    """Every place phrase (lower case) to the country it is in.

    >>> names = place_names()
    >>> names["brussels"], names["south korea"], names["norway"]
    ('Belgium', 'South Korea', 'Norway')
    """
    found = {name: name.title() for name in COUNTRIES.split()}
    found.update(OTHER_NAMES)
    found.update(CITIES)
    return found
