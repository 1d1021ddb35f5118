"""What the QQCatalyst simulator serves and draws from: its entities, their status values, lines of
business, and the names, places and things the generated agencies are made of.

Entity names and fields follow /work/qq/CONTRACT.md (the shared contract of issue 17); the status
lists here are the valid values dbt's `qqcatalyst_statuses` seed holds, one per entity and field.
Every name, carrier and address is invented; phone numbers use the 555-01xx lines reserved for
fiction, and e-mail domains the reserved example.* names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """One endpoint: its path segment, the RAW table the loader lands it in and its id field."""

    name: str  # path segment: v1/<name>/LastModifiedCreated (windowed) or v1/<name> (reference)
    table: str
    id_field: str
    windowed: bool


ENTITIES: tuple[Entity, ...] = (
    Entity("Contacts", "contacts", "EntityID", True),
    Entity("Policies", "policies", "PolicyId", True),
    Entity("Quotes", "quotes", "QuoteId", True),
    Entity("Claims", "claims", "ClaimId", True),
    Entity("Applications", "applications", "ApplicationId", True),
    Entity("Renewals", "renewals", "RenewalId", True),
    Entity("Terminations", "terminations", "TerminationId", True),
    Entity("BillingRecords", "billing_records", "BillingRecordId", True),
    Entity("CommissionRules", "commission_rules", "CommissionRuleId", True),
    Entity("Commissions", "commissions", "CommissionId", True),
    Entity("Fees", "fees", "FeeId", True),
    Entity("Documents", "documents", "DocumentId", True),
    Entity("AcordForms", "acord_forms", "AcordFormId", True),
    Entity("Carriers", "carriers", "CarrierId", False),
    Entity("Locations", "locations", "LocationId", False),
    Entity("Departments", "departments", "DepartmentId", False),
    Entity("Employees", "employees", "EmployeeId", False),
    Entity("Agency", "agencies", "AgencyId", False),
)
BY_NAME = {entity.name: entity for entity in ENTITIES}
BY_TABLE = {entity.table: entity for entity in ENTITIES}
WINDOWED = tuple(entity.name for entity in ENTITIES if entity.windowed)
REFERENCE = tuple(entity.name for entity in ENTITIES if not entity.windowed)

# The valid values of every field the `status` rule checks: {table: {field: values}}.
STATUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "contacts": {"Status": ("A", "I", "D")},
    "employees": {"Status": ("A", "I")},
    "policies": {"Status": ("Active", "Pending", "Cancelled", "Expired", "NonRenewed", "Renewed")},
    "quotes": {"Status": ("Open", "Sold", "Lost", "Expired")},
    "applications": {"Status": ("Submitted", "Approved", "Declined", "Withdrawn")},
    "claims": {"Status": ("Open", "Closed", "Denied", "Reopened")},
    "renewals": {"Status": ("Pending", "Renewed", "NonRenewed", "Lapsed")},
    "terminations": {
        "Status": ("Pending", "Processed", "Rescinded"),
        "TerminationType": ("Cancellation", "NonRenewal", "Rewrite"),
    },
    "billing_records": {"Status": ("Open", "Paid", "Overdue", "Void")},
    "commissions": {
        "Status": ("Pending", "Paid", "Reversed"),
        "CommissionType": ("NewBusiness", "Renewal"),
    },
    "fees": {"FeeType": ("Policy", "Broker", "Inspection", "Installment", "Late")},
    "acord_forms": {"Status": ("Draft", "Completed", "Sent")},
}

# The 50 states, DC and the territories the `state` rule accepts (dbt seeds the same list).
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY "
    "NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR GU VI AS MP".split()
)


@dataclass(frozen=True)
class Line:
    """A line of business: how its policies are shaped and priced."""

    name: str
    lob_id: int
    policy_type: str  # Personal or Commercial
    terms: tuple[int, ...]  # possible terms in months
    premium: tuple[int, int]  # annual premium range, dollars
    coverages: tuple[tuple[str, str, int, int], ...]  # code, description, limit, deductible
    drivers: bool = False  # auto lines carry drivers and vehicles
    equipment: bool = False  # commercial property and general liability carry equipment
    acord: tuple[str, ...] = ()  # the ACORD application forms an application of this line needs


LINES: dict[str, Line] = {
    line.name: line
    for line in (
        Line(
            "Personal Auto",
            1,
            "Personal",
            (6, 6, 12),
            (700, 3200),
            (
                ("BI", "Bodily injury liability", 100_000, 0),
                ("PD", "Property damage liability", 50_000, 0),
                ("COLL", "Collision", 0, 500),
                ("COMP", "Comprehensive", 0, 250),
                ("UM", "Uninsured motorist", 100_000, 0),
            ),
            drivers=True,
            acord=("90",),
        ),
        Line(
            "Homeowners",
            2,
            "Personal",
            (12,),
            (900, 4200),
            (
                ("DWELL", "Dwelling", 450_000, 1_000),
                ("PERS", "Personal property", 150_000, 1_000),
                ("LIAB", "Personal liability", 300_000, 0),
                ("MEDPAY", "Medical payments to others", 5_000, 0),
            ),
            acord=("80",),
        ),
        Line("Umbrella", 3, "Personal", (12,), (250, 900), (("UMB", "Personal umbrella", 1_000_000, 0),)),
        Line(
            "Commercial Auto",
            4,
            "Commercial",
            (12,),
            (2_500, 18_000),
            (
                ("CSL", "Combined single limit", 1_000_000, 0),
                ("COLL", "Collision", 0, 1_000),
                ("COMP", "Comprehensive", 0, 500),
                ("HIRED", "Hired and non-owned auto", 1_000_000, 0),
            ),
            drivers=True,
            acord=("125", "127"),
        ),
        Line(
            "General Liability",
            5,
            "Commercial",
            (12,),
            (1_200, 12_000),
            (
                ("GL-OCC", "Each occurrence", 1_000_000, 0),
                ("GL-AGG", "General aggregate", 2_000_000, 0),
                ("PRODCO", "Products and completed operations", 2_000_000, 0),
            ),
            equipment=True,
            acord=("125", "126"),
        ),
        Line(
            "Workers Comp",
            6,
            "Commercial",
            (12,),
            (1_800, 25_000),
            (
                ("WC-STAT", "Statutory workers compensation", 0, 0),
                ("WC-EL", "Employers liability", 500_000, 0),
            ),
            acord=("125", "130"),
        ),
        Line(
            "Commercial Property",
            7,
            "Commercial",
            (12,),
            (1_500, 20_000),
            (
                ("BLDG", "Building", 1_500_000, 5_000),
                ("BPP", "Business personal property", 400_000, 2_500),
                ("BI-EXP", "Business income and extra expense", 250_000, 0),
            ),
            equipment=True,
            acord=("125", "140"),
        ),
    )
}
PERSONAL_LINES = tuple(name for name, line in LINES.items() if line.policy_type == "Personal")
COMMERCIAL_LINES = tuple(name for name, line in LINES.items() if line.policy_type == "Commercial")

ACORD_FORMS: dict[str, tuple[str, str]] = {  # form number -> (edition, name)
    "25": ("2016-03", "Certificate of Liability Insurance"),
    "80": ("2013-09", "Homeowner Application"),
    "90": ("2013-01", "Personal Auto Application"),
    "125": ("2016-03", "Commercial Insurance Application"),
    "126": ("2016-09", "Commercial General Liability Section"),
    "127": ("2015-12", "Business Auto Section"),
    "130": ("2013-09", "Workers Compensation Application"),
    "140": ("2014-12", "Property Section"),
}

# Carriers: name, the underwriting company, lines written. Each agency appoints with a dozen.
CARRIERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Granite State Mutual",
        "Granite State Mutual Insurance Company",
        ("Personal Auto", "Homeowners", "Umbrella"),
    ),
    ("Bay Colony Insurance", "Bay Colony Property & Casualty Co.", ("Personal Auto", "Homeowners")),
    ("Lighthouse Casualty", "Lighthouse Casualty Company", ("Commercial Auto", "General Liability")),
    ("Front Range Casualty", "Front Range Casualty Insurance Co.", ("Personal Auto", "Commercial Auto")),
    ("Keystone Indemnity", "Keystone Indemnity Company", ("Workers Comp", "General Liability")),
    ("Pioneer Mutual", "Pioneer Mutual Fire Insurance Company", ("Homeowners", "Commercial Property")),
    ("Evergreen Assurance", "Evergreen Assurance Corporation", ("Commercial Property", "General Liability")),
    (
        "Old Harbor Fire & Marine",
        "Old Harbor Fire & Marine Insurance Co.",
        ("Commercial Property", "Umbrella"),
    ),
    ("Summit Peak Insurance", "Summit Peak Insurance Company", ("Personal Auto", "Homeowners", "Umbrella")),
    ("Cornerstone Specialty", "Cornerstone Specialty Insurance Co.", ("General Liability", "Workers Comp")),
    ("Northwind Mutual", "Northwind Mutual Insurance Company", ("Personal Auto", "Homeowners")),
    ("Prairie Farm Bureau", "Prairie Farm Bureau Insurance Co.", ("Homeowners", "Commercial Auto")),
    ("Atlas Commercial", "Atlas Commercial Insurance Company", ("Commercial Auto", "Workers Comp")),
    ("Blue Spruce Insurance", "Blue Spruce Property & Casualty Co.", ("Personal Auto", "Umbrella")),
    (
        "Meridian National",
        "Meridian National Insurance Company",
        ("General Liability", "Commercial Property"),
    ),
    ("Tidewater Indemnity", "Tidewater Indemnity Company", ("Workers Comp", "Commercial Auto")),
    ("Copper State Casualty", "Copper State Casualty Company", ("Homeowners", "General Liability")),
    (
        "Harvest Mutual",
        "Harvest Mutual Insurance Company",
        ("Personal Auto", "Homeowners", "Commercial Property"),
    ),
)
CARRIER_DOMICILES = ("NH", "MA", "RI", "CO", "PA", "OH", "WA", "ME", "CO", "TX", "MN", "IA", "IL", "CO",
                     "NY", "VA", "AZ", "NE")  # fmt: skip
MGAS = ("Coastal Underwriting Managers", "Rocky Mountain MGA", "Specialty Risk Underwriters")

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
    "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Carlos", "Karen",
    "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra", "Mark", "Ashley", "Steven", "Emily",
    "Paul", "Donna", "Andrew", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "Priya", "Melissa",
    "Wei", "Fatima", "Diego", "Aisha", "Tomas", "Ingrid",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
    "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
    "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
    "Sullivan", "Murphy", "Kowalski", "Patel", "Chen", "Okafor",
)  # fmt: skip
BUSINESS_WORDS = (
    "Harborview", "Granite", "Riverside", "Maple", "Summit", "Pinecrest", "Lakeshore", "Redstone", "Cedar",
    "Northgate", "Bluebird", "Ironwood", "Silverline", "Meadowbrook", "Copperleaf", "Stonebridge",
)  # fmt: skip
BUSINESS_KINDS = (
    ("Bakery", "LLC"), ("Landscaping", "Inc."), ("Auto Repair", "LLC"), ("Dental Group", "PC"),
    ("Construction", "Inc."), ("Coffee Roasters", "LLC"), ("Plumbing & Heating", "Co."), ("Brewing", "LLC"),
    ("Veterinary Clinic", "PLLC"), ("Property Management", "LLC"), ("Electric", "Inc."), ("Movers", "LLC"),
)  # fmt: skip
VENDOR_NAMES = ("Collision Center", "Glass & Windshield", "Restoration Services", "Appraisal Group")
STREETS = (
    "Main St", "Oak Ave", "Elm St", "Washington St", "Maple Ave", "Cedar Ln", "Park Rd", "Lake St",
    "Hill Rd", "Pleasant St", "Highland Ave", "Church St", "Union St", "Prospect St", "Spring St",
    "Water St", "Broadway", "Mill Rd", "Center St", "Forest Ave",
)  # fmt: skip

# city, state, ZIP codes, area code. A few places of each agency have ZIP codes with a leading zero
# (New England, New Jersey), the ones a spreadsheet turns into four digits.
PLACES: dict[str, tuple[tuple[str, str, tuple[str, ...], str], ...]] = {
    "harbor": (
        ("Boston", "MA", ("02108", "02110", "02114", "02116", "02118", "02127"), "617"),
        ("Cambridge", "MA", ("02138", "02139", "02140"), "617"),
        ("Salem", "MA", ("01970",), "978"),
        ("Quincy", "MA", ("02169", "02170"), "617"),
        ("Newton", "MA", ("02458", "02459", "02460"), "617"),
        ("Worcester", "MA", ("01602", "01605", "01608"), "508"),
        ("Portsmouth", "NH", ("03801",), "603"),
        ("Providence", "RI", ("02903", "02906", "02908"), "401"),
        ("Portland", "ME", ("04101", "04102"), "207"),
        ("Hartford", "CT", ("06103", "06105"), "860"),
    ),
    "summit": (
        ("Denver", "CO", ("80202", "80205", "80206", "80210", "80211"), "303"),
        ("Boulder", "CO", ("80302", "80304"), "303"),
        ("Colorado Springs", "CO", ("80903", "80905", "80907"), "719"),
        ("Fort Collins", "CO", ("80521", "80524"), "970"),
        ("Aurora", "CO", ("80010", "80012"), "720"),
        ("Cheyenne", "WY", ("82001",), "307"),
        ("Santa Fe", "NM", ("87501",), "505"),
        ("Salt Lake City", "UT", ("84101", "84105"), "801"),
        ("Newark", "NJ", ("07102", "07104"), "973"),
        ("Burlington", "VT", ("05401",), "802"),
    ),
}

VEHICLES = (
    ("Toyota", "Camry"), ("Toyota", "RAV4"), ("Honda", "Civic"), ("Honda", "CR-V"), ("Ford", "F-150"),
    ("Ford", "Transit"), ("Subaru", "Outback"), ("Chevrolet", "Silverado"), ("Tesla", "Model 3"),
    ("Jeep", "Wrangler"), ("Hyundai", "Tucson"), ("Ram", "ProMaster"), ("Nissan", "Rogue"),
)  # fmt: skip
EQUIPMENT = (
    "Commercial oven", "Forklift", "Point-of-sale terminals", "Espresso machine", "Compact excavator",
    "Server rack", "Walk-in cooler", "Dental chair", "Air compressor", "Diagnostic scanner",
)  # fmt: skip
CLAIM_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "Personal Auto": (
        "Rear-ended at a stop light",
        "Hail damage to the hood",
        "Windshield cracked",
        "Parking lot collision",
    ),
    "Homeowners": (
        "Water damage from a burst pipe",
        "Wind damage to the roof",
        "Kitchen fire",
        "Theft of a bicycle",
    ),
    "Umbrella": ("Liability claim above the auto limits",),
    "Commercial Auto": (
        "Delivery van backed into a post",
        "Company truck side-swiped",
        "Cargo van vandalised",
    ),
    "General Liability": (
        "Customer slipped on a wet floor",
        "Damage at a client's premises",
        "Product complaint",
    ),
    "Workers Comp": ("Employee strained their back lifting", "Cut hand on equipment", "Fall from a ladder"),
    "Commercial Property": (
        "Burst sprinkler pipe",
        "Break-in and stolen equipment",
        "Storm damage to signage",
    ),
}
CANCELLATION_REASONS = (
    "Non-payment of premium",
    "Insured's request",
    "Underwriting reasons",
    "Sold the vehicle",
    "Sold the property",
    "Business closed",
)
NONRENEWAL_REASONS = ("Loss history", "Carrier exited the line", "Insured moved out of state")
REWRITE_REASON = "Rewritten with another carrier"
DEPARTMENTS = (
    "Personal Lines",
    "Commercial Lines",
    "Claims",
    "Billing & Accounting",
    "Sales",
    "Customer Service",
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
