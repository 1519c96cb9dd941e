package msp

// Vocabulary for the generator. These tables are read-only.

// Company names are prefix + industry (+ suffix).
var namePrefixes = []string{
	"Harbor", "Northwind", "Summit", "Cedar Ridge", "Bluewater", "Pinecrest", "Riverbend", "Oakmont",
	"Silver Lake", "Granite", "Lakeshore", "Redwood", "Maple Grove", "Ironwood", "Westfield", "Brightview",
	"Stonebridge", "Clearwater", "Evergreen", "Highland", "Willow Creek", "Bayside", "Crescent", "Fairview",
	"Golden Gate", "Hillcrest", "Keystone", "Meridian", "Pacific Crest", "Prairie", "Sterling", "Timberline",
	"Union Square", "Valley", "Windward", "Aspen", "Beacon", "Canyon", "Coastal", "Eastgate",
	"Foxhill", "Glacier", "Heritage", "Juniper", "Kingsley", "Liberty", "Magnolia", "Northgate",
	"Orchard", "Parkside", "Quarry", "Ridgeway", "Seaside", "Trident", "Upland", "Vista",
	"Whitestone", "Yarrow", "Alder", "Birchwood", "Copperfield", "Driftwood", "Elmhurst", "Falcon",
}

var nameIndustries = []string{
	"Dental Group", "Logistics", "Family Law", "Veterinary Clinic", "Accounting Partners", "Manufacturing",
	"Orthodontics", "Property Management", "Insurance Agency", "Physical Therapy", "Architects", "Engineering",
	"Credit Union", "Realty", "Construction", "Pediatrics", "Eye Care", "Wealth Advisors",
	"Medical Associates", "Foods", "Distribution", "Chiropractic", "Title & Escrow", "Landscaping",
	"Auto Group", "Plumbing & Heating", "Senior Living", "Montessori School", "Brewing Company", "Marine Supply",
	"Dermatology", "Legal Services", "Surveying", "Printing", "Pharmacy", "Tax Services",
	"Animal Hospital", "Fitness", "Electrical Contractors", "Hospitality Group",
}

var nameSuffixes = []string{"", "", "", "LLC", "Inc.", "Ltd", "Co.", "PLLC", "LLP", "Corp."}

var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
	"William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Christopher", "Karen",
	"Charles", "Lisa", "Daniel", "Nancy", "Matthew", "Betty", "Anthony", "Sandra", "Mark", "Margaret",
	"Donald", "Ashley", "Steven", "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy", "Stephanie",
	"Ronald", "Rebecca", "Jason", "Sharon", "Edward", "Laura", "Jeffrey", "Cynthia", "Ryan", "Amy",
	"Jacob", "Kathleen", "Gary", "Angela", "Nicholas", "Shirley", "Eric", "Brenda", "Jonathan", "Emma",
	"Priya", "Wei", "Carlos", "Sofia", "Aiden", "Chloe", "Omar", "Fatima", "Liam", "Olivia",
	"Noah", "Ava", "Ethan", "Mia", "Lucas", "Isabella", "Mateo", "Hannah", "Raj", "Mei",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
	"Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin",
	"Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson",
	"Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Roberts",
	"Patel", "Chen", "Kim", "Singh", "O'Brien", "MacDonald", "Tremblay", "Gagnon", "Evans", "Hughes",
	"Murphy", "Kelly", "Cooper", "Reed", "Bailey", "Bell", "Morgan", "Cook", "Price", "Bennett",
	"Wood", "Barnes", "Ross", "Henderson", "Coleman", "Jenkins", "Perry", "Powell", "Long", "Fischer",
}

var contactTitles = []string{
	"Office Manager", "Owner", "CFO", "Controller", "IT Coordinator", "Practice Manager", "Receptionist",
	"Operations Manager", "Bookkeeper", "Managing Partner", "HR Manager", "Executive Assistant",
	"Warehouse Supervisor", "Paralegal", "Dental Hygienist", "Project Manager", "President", "Sales Manager",
}

// A city with its region and how its postal codes and phone numbers look.
type city struct {
	Name, Region, Country string
	Zip                   string // prefix; the rest is generated per country
	Area                  string // phone area code
}

var usCities = []city{
	{"Seattle", "WA", "United States", "981", "206"}, {"Portland", "OR", "United States", "972", "503"},
	{"Boise", "ID", "United States", "837", "208"}, {"Denver", "CO", "United States", "802", "303"},
	{"Phoenix", "AZ", "United States", "850", "602"}, {"Austin", "TX", "United States", "787", "512"},
	{"Dallas", "TX", "United States", "752", "214"}, {"Houston", "TX", "United States", "770", "713"},
	{"Chicago", "IL", "United States", "606", "312"}, {"Naperville", "IL", "United States", "605", "630"},
	{"Minneapolis", "MN", "United States", "554", "612"}, {"Madison", "WI", "United States", "537", "608"},
	{"Columbus", "OH", "United States", "432", "614"}, {"Indianapolis", "IN", "United States", "462", "317"},
	{"Nashville", "TN", "United States", "372", "615"}, {"Atlanta", "GA", "United States", "303", "404"},
	{"Charlotte", "NC", "United States", "282", "704"}, {"Raleigh", "NC", "United States", "276", "919"},
	{"Tampa", "FL", "United States", "336", "813"}, {"Orlando", "FL", "United States", "328", "407"},
	{"Richmond", "VA", "United States", "232", "804"}, {"Baltimore", "MD", "United States", "212", "410"},
	{"Philadelphia", "PA", "United States", "191", "215"}, {"Pittsburgh", "PA", "United States", "152", "412"},
	{"Hartford", "CT", "United States", "061", "860"}, {"Boston", "MA", "United States", "021", "617"},
	{"Portland", "ME", "United States", "041", "207"}, {"Albany", "NY", "United States", "122", "518"},
	{"Sacramento", "CA", "United States", "958", "916"}, {"San Diego", "CA", "United States", "921", "619"},
	{"Salt Lake City", "UT", "United States", "841", "801"}, {"Kansas City", "MO", "United States", "641", "816"},
}

var caCities = []city{
	{"Toronto", "ON", "Canada", "M5V", "416"}, {"Mississauga", "ON", "Canada", "L5B", "905"},
	{"Ottawa", "ON", "Canada", "K1P", "613"}, {"Vancouver", "BC", "Canada", "V6B", "604"},
	{"Calgary", "AB", "Canada", "T2P", "403"}, {"Edmonton", "AB", "Canada", "T5J", "780"},
	{"Winnipeg", "MB", "Canada", "R3C", "204"}, {"Halifax", "NS", "Canada", "B3J", "902"},
	{"Montreal", "QC", "Canada", "H3B", "514"}, {"Kelowna", "BC", "Canada", "V1Y", "250"},
}

var ukCities = []city{
	{"Leeds", "West Yorkshire", "United Kingdom", "LS1", "0113"}, {"Manchester", "Greater Manchester", "United Kingdom", "M1", "0161"},
	{"Bristol", "Bristol", "United Kingdom", "BS1", "0117"}, {"Birmingham", "West Midlands", "United Kingdom", "B1", "0121"},
	{"Reading", "Berkshire", "United Kingdom", "RG1", "0118"}, {"Nottingham", "Nottinghamshire", "United Kingdom", "NG1", "0115"},
	{"Glasgow", "Glasgow City", "United Kingdom", "G1", "0141"}, {"Cardiff", "Cardiff", "United Kingdom", "CF10", "029"},
	{"Sheffield", "South Yorkshire", "United Kingdom", "S1", "0114"}, {"Cambridge", "Cambridgeshire", "United Kingdom", "CB2", "01223"},
}

var streetNames = []string{
	"Main", "Oak", "Harbor", "Commerce", "Market", "Park", "Lake", "Hill", "Washington", "Jefferson",
	"Elm", "Pine", "Maple", "Cedar", "River", "Industrial", "Technology", "Corporate", "Church", "Mill",
	"King", "Queen", "Victoria", "Station", "High", "Bridge", "Front", "Spring", "Union", "Franklin",
}

var usStreetTypes = []string{"St", "Ave", "Blvd", "Rd", "Dr", "Way", "Pkwy", "Ln", "Ct"}
var ukStreetTypes = []string{"Street", "Road", "Lane", "Way", "Row", "Place"}

var secondarySiteNames = []string{"Warehouse", "Downtown Office", "North Clinic", "Branch Office", "Distribution Center", "Satellite Office", "Annex"}

var ticketSummaries = []string{
	"Printer offline in reception", "Cannot connect to VPN from home", "Outlook keeps asking for password",
	"New hire setup for Monday", "Laptop running very slow", "Shared drive not mapping after reboot",
	"Wi-Fi drops in the conference room", "Phone system voicemail not working", "Request new monitor for accounting",
	"Scanner to email failing", "Password reset for QuickBooks", "Server disk space warning on C:",
	"Backup job failed overnight", "Teams audio cutting out", "Add user to distribution list",
	"Replace failing UPS battery", "Firewall firmware update", "Suspicious email reported by staff",
	"Offboarding: disable account and forward mail", "Install Adobe Acrobat on workstation",
	"Blue screen on front desk PC", "MFA enrollment help", "Website SSL certificate expiring",
	"Move workstation to new desk", "Cannot print double-sided", "Internet outage at branch office",
}

var ticketNoteTexts = []string{
	"Called the user and scheduled a remote session.", "Remoted in and restarted the print spooler; test page printed.",
	"Escalated to tier 2 for further review.", "Waiting on the customer to confirm the fix.",
	"Replaced the toner cartridge and cleared the queue.", "Updated the driver to the latest vendor version.",
	"Verified with the user that the issue is resolved.", "Vendor case opened; awaiting a callback.",
	"Rebooted the device after hours to apply updates.", "Reset the password and sent it by secure message.",
}

var technicians = []Member{
	{Identifier: "jwalker", Name: "Jordan Walker"}, {Identifier: "mchen", Name: "Mei Chen"},
	{Identifier: "dpatel", Name: "Dev Patel"}, {Identifier: "sgarcia", Name: "Sofia Garcia"},
	{Identifier: "tobrien", Name: "Tom O'Brien"}, {Identifier: "akim", Name: "Alex Kim"},
}
