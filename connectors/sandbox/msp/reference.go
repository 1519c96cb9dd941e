package msp

// Names of reference values the generator and the edge cases rely on.
const (
	TypeCustomer   = "Customer"
	TypeProspect   = "Prospect"
	TypeVendor     = "Vendor"
	TypePartner    = "Partner"
	StatusActive   = "Active"
	StatusInactive = "Inactive"
	StatusNotAppr  = "Not Approved"

	CfgServer      = "Managed Server"
	CfgWorkstation = "Managed Workstation"
	CfgLaptop      = "Managed Laptop"
	CfgFirewall    = "Firewall"
	CfgSwitch      = "Network Switch"
	CfgAccessPoint = "Wireless Access Point"
	CfgPrinter     = "Printer"
	CfgUPS         = "UPS"
	CfgNAS         = "NAS"
	CfgPersonal    = "Personal Device" // not synced
	CfgScanner     = "ConnectSecure"   // written by a security scanner; not synced

	CfgStatusActive   = "Active"
	CfgStatusInactive = "Inactive" // not synced
	CfgStatusRetired  = "Retired"  // not synced
	CfgStatusInStock  = "In Stock"
)

// deviceKind describes one kind of configuration: its type, name pattern
// and the hardware it is made of.
type deviceKind struct {
	Type    string
	Tag     string // name part: DC, FS, WS, LT, FW, SW, AP, PRN, UPS, NAS
	Makes   []brand
	OS      []string
	Network bool // gets a static IP low in the subnet
}

// brand is a manufacturer with the models of one device kind, how its
// serial numbers look and the OUIs of its MAC addresses.
type brand struct {
	Name   string
	Models []string
	Serial string // pattern: A = letter, 9 = digit, X = letter or digit, H = hex digit; other runes literal; "" = the MAC's hex digits
	OUIs   []string
	OS     []string // operating systems this brand runs; nil = the kind's
}

var (
	kindServer = deviceKind{Type: CfgServer, Tag: "SRV", Network: true,
		Makes: []brand{
			{"Dell", []string{"PowerEdge R740", "PowerEdge R750", "PowerEdge R650", "PowerEdge T440", "PowerEdge T550"}, "9XXXX99", []string{"B0:83:FE", "F8:BC:12"}, nil},
			{"HPE", []string{"ProLiant DL380 Gen10", "ProLiant DL360 Gen10 Plus", "ProLiant ML350 Gen10"}, "MXQ999AAXX", []string{"94:40:C9", "98:F2:B3"}, nil},
			{"Lenovo", []string{"ThinkSystem SR650", "ThinkSystem ST250"}, "J30AAAAA", []string{"08:94:EF"}, nil},
		},
		OS: []string{"Windows Server 2022 Standard", "Windows Server 2022 Standard", "Windows Server 2019 Standard", "Windows Server 2016 Standard", "Ubuntu 22.04.4 LTS", "VMware ESXi 7.0 Update 3"}}
	kindWorkstation = deviceKind{Type: CfgWorkstation, Tag: "WS",
		Makes: []brand{
			{"Dell", []string{"OptiPlex 7090", "OptiPlex 7010", "OptiPlex 5000", "Precision 3660"}, "9XXXX99", []string{"B0:83:FE", "F8:BC:12", "D8:9E:F3"}, nil},
			{"HP", []string{"EliteDesk 800 G6", "EliteDesk 800 G8", "ProDesk 400 G7", "Z2 Tower G9"}, "CZC9999AXX", []string{"3C:52:82", "EC:8E:B5"}, nil},
			{"Lenovo", []string{"ThinkCentre M70q", "ThinkCentre M90s", "ThinkStation P360"}, "MJ0AAAAA", []string{"54:EE:75", "98:FA:9B"}, nil},
		},
		OS: []string{"Windows 11 Pro", "Windows 11 Pro", "Windows 10 Pro", "Windows 11 Enterprise"}}
	kindLaptop = deviceKind{Type: CfgLaptop, Tag: "LT",
		Makes: []brand{
			{"Dell", []string{"Latitude 5440", "Latitude 7420", "Latitude 5520", "XPS 13 9315"}, "9XXXX99", []string{"B0:83:FE", "D8:9E:F3"}, nil},
			{"HP", []string{"EliteBook 840 G8", "EliteBook 850 G7", "ProBook 450 G9"}, "5CG9999AXX", []string{"3C:52:82", "EC:8E:B5"}, nil},
			{"Lenovo", []string{"ThinkPad T14 Gen 3", "ThinkPad X1 Carbon Gen 10", "ThinkPad E15 Gen 4"}, "PF3AAAAA", []string{"54:EE:75", "98:FA:9B"}, nil},
			{"Apple", []string{"MacBook Pro 14-inch (M3, 2023)", "MacBook Air 13-inch (M2, 2022)"}, "XXXXXXXXXX", []string{"F0:18:98", "A4:83:E7"}, []string{"macOS Sonoma 14.5", "macOS Ventura 13.6"}},
		},
		OS: []string{"Windows 11 Pro", "Windows 11 Pro", "Windows 10 Pro", "Windows 11 Enterprise"}}
	kindFirewall = deviceKind{Type: CfgFirewall, Tag: "FW", Network: true,
		Makes: []brand{
			{"Fortinet", []string{"FortiGate 60F", "FortiGate 100F", "FortiGate 40F"}, "FGT60FTK99999999", []string{"00:09:0F", "04:D5:90"}, []string{"FortiOS 7.2.8", "FortiOS 7.4.4"}},
			{"SonicWall", []string{"TZ370", "TZ470", "NSa 2700"}, "2CB8EDHHHHHH", []string{"00:17:C5", "2C:B8:ED"}, []string{"SonicOS 7.0.1"}},
			{"WatchGuard", []string{"Firebox T40", "Firebox M290"}, "80BD9999AAAA9", []string{"00:90:7F"}, []string{"Fireware 12.10"}},
			{"Cisco Meraki", []string{"MX68", "MX75"}, "Q2AA-XXXX-XXXX", []string{"0C:8D:DB", "E0:55:3D"}, []string{"MX 18.211"}},
		}}
	kindSwitch = deviceKind{Type: CfgSwitch, Tag: "SW", Network: true,
		Makes: []brand{
			{"Cisco", []string{"Catalyst 9200L-24P-4G", "CBS350-24P-4G", "Catalyst 1000-48P"}, "FOC9999A9AA", []string{"F4:CF:E2", "00:1B:54"}, nil},
			{"Ubiquiti", []string{"USW-Pro-24-PoE", "USW-24-PoE", "USW-Lite-16-PoE"}, "", []string{"74:83:C2", "F4:92:BF"}, nil},
			{"Aruba", []string{"2930F-24G-PoE+", "CX 6100 24G"}, "SG99AAA999", []string{"20:4C:03"}, nil},
			{"Netgear", []string{"GS728TP", "M4250-26G4F-PoE+"}, "5XX999AA99999", []string{"A0:40:A0"}, nil},
		}}
	kindAP = deviceKind{Type: CfgAccessPoint, Tag: "AP", Network: true,
		Makes: []brand{
			{"Ubiquiti", []string{"U6-Pro", "U6-LR", "UAP-AC-Pro", "U6-Lite"}, "", []string{"74:83:C2", "F4:92:BF", "24:5A:4C"}, nil},
			{"Aruba", []string{"AP-515", "AP-505"}, "CNA9A9999A", []string{"20:4C:03"}, nil},
			{"Cisco Meraki", []string{"MR36", "MR46"}, "Q3AA-XXXX-XXXX", []string{"0C:8D:DB"}, nil},
			{"Fortinet", []string{"FortiAP 231F", "FortiAP 431F"}, "FP231FTF99999999", []string{"04:D5:90"}, nil},
		}}
	kindPrinter = deviceKind{Type: CfgPrinter, Tag: "PRN", Network: true,
		Makes: []brand{
			{"HP", []string{"LaserJet Pro M404dn", "Color LaserJet Pro MFP M479fdw", "LaserJet Enterprise M507dn"}, "PHB9A99999", []string{"3C:52:82", "A0:D3:C1"}, nil},
			{"Brother", []string{"HL-L6200DW", "MFC-L8900CDW"}, "U6399A9A999999", []string{"30:05:5C"}, nil},
			{"Canon", []string{"imageRUNNER ADVANCE DX C3826i", "imageCLASS MF445dw"}, "XAA99999", []string{"00:1E:8F"}, nil},
			{"Xerox", []string{"VersaLink C405", "AltaLink C8130"}, "XA9999999", []string{"9C:93:4E"}, nil},
		}}
	kindUPS = deviceKind{Type: CfgUPS, Tag: "UPS", Network: true,
		Makes: []brand{
			{"APC", []string{"Smart-UPS 1500 SMT1500RM2U", "Smart-UPS X 3000", "Back-UPS Pro 1500"}, "AS9999999999", []string{"00:C0:B7", "28:29:86"}, nil},
			{"Eaton", []string{"5PX 1500", "9PX 3000"}, "G999A99999", []string{"00:20:85"}, nil},
		}}
	kindNAS = deviceKind{Type: CfgNAS, Tag: "NAS", Network: true,
		Makes: []brand{
			{"Synology", []string{"DS920+", "RS1221+", "DS1522+"}, "2080AAA999999", []string{"00:11:32", "90:09:D0"}, []string{"DSM 7.2"}},
			{"QNAP", []string{"TS-453D", "TS-873A"}, "Q999A99999", []string{"24:5E:BE"}, []string{"QTS 5.1"}},
		}}
	kindPersonal = deviceKind{Type: CfgPersonal, Tag: "BYOD",
		Makes: []brand{
			{"Apple", []string{"iPhone 14", "iPhone 15 Pro", "iPad Air (5th generation)"}, "XXXXXXXXXX", []string{"F0:18:98", "A4:83:E7"}, []string{"iOS 17.5"}},
			{"Samsung", []string{"Galaxy S23", "Galaxy Tab S8"}, "R5AA99AAAAA", []string{"8C:79:F5"}, []string{"Android 14"}},
		}}
)

var allKinds = []*deviceKind{&kindServer, &kindWorkstation, &kindLaptop, &kindFirewall, &kindSwitch, &kindAP, &kindPrinter, &kindUPS, &kindNAS, &kindPersonal}

// reference builds the shared vocabulary.
func reference() Reference {
	ref := Reference{
		CompanyTypes:          []string{TypeCustomer, TypeProspect, TypeVendor, TypePartner},
		CompanyStatuses:       []string{StatusActive, StatusInactive, StatusNotAppr},
		ConfigurationTypes:    []string{CfgServer, CfgWorkstation, CfgLaptop, CfgFirewall, CfgSwitch, CfgAccessPoint, CfgPrinter, CfgUPS, CfgNAS, CfgPersonal, CfgScanner},
		ConfigurationStatuses: []string{CfgStatusActive, CfgStatusInactive, CfgStatusRetired, CfgStatusInStock},
		ContactTypes:          []string{"Primary Contact", "Billing", "Technical", "End User", "Decision Maker"},
		OperatingSystems: []string{
			"Windows Server 2022 Standard", "Windows Server 2019 Standard", "Windows Server 2016 Standard",
			"Windows 11 Pro", "Windows 11 Enterprise", "Windows 10 Pro", "macOS Sonoma 14.5", "Ubuntu 22.04.4 LTS",
			"VMware ESXi 7.0 Update 3", "FortiOS 7.2.8", "FortiOS 7.4.4", "SonicOS 7.0.1", "Fireware 12.10", "MX 18.211",
			"DSM 7.2", "QTS 5.1", "macOS Ventura 13.6",
			"iOS 17.5", "Android 14",
		},
		Countries: []Country{
			{Name: "United States", Code: "US", Regions: regionsOf(usCities)},
			{Name: "Canada", Code: "CA", Regions: regionsOf(caCities)},
			{Name: "United Kingdom", Code: "GB", Regions: regionsOf(ukCities)},
		},
		Boards: []Board{
			{
				Name:     "Help Desk",
				Statuses: []string{"New", "In Progress", "Waiting on Customer", "Scheduled", "Resolved", "Closed"},
				Types:    []string{"Incident", "Service Request", "Problem"},
				Subtypes: []string{"Hardware", "Software", "Network", "Email", "Printing", "Account"},
				Items:    []string{"Workstation", "Server", "Printer", "Firewall", "Mailbox", "User Account"},
			},
			{
				Name:     "Alerts",
				Statuses: []string{"New", "Acknowledged", "Closed"},
				Types:    []string{"Monitoring", "Vulnerability"},
				Subtypes: []string{"Backup", "Disk", "Patch", "Security"},
				Items:    []string{"Agent", "Scan Finding"},
			},
			{
				Name:     "Projects",
				Statuses: []string{"New", "Scheduled", "In Progress", "Completed"},
				Types:    []string{"Onboarding", "Upgrade", "Migration"},
				Subtypes: []string{"Network", "Server", "Cloud"},
				Items:    []string{"Phase 1", "Phase 2"},
			},
		},
		Priorities: []string{"Priority 1 - Emergency Response", "Priority 2 - Quick Response", "Priority 3 - Normal Response", "Priority 4 - Schedule Maintenance"},
		Sources:    []string{"Phone", "Email", "Portal", "Walk-in", "RMM Alert", "ConnectSecure"},
		Members:    append([]Member(nil), technicians...),

		SyncedCompanyTypes:          []string{TypeCustomer, TypePartner},
		SyncedCompanyStatuses:       []string{StatusActive},
		SyncedConfigurationTypes:    []string{CfgServer, CfgWorkstation, CfgLaptop, CfgFirewall, CfgSwitch, CfgAccessPoint, CfgPrinter, CfgUPS, CfgNAS},
		SyncedConfigurationStatuses: []string{CfgStatusActive, CfgStatusInStock},
	}
	seen := map[string]int{}
	for _, k := range allKinds {
		for _, m := range k.Makes {
			i, ok := seen[m.Name]
			if !ok {
				i = len(ref.Manufacturers)
				seen[m.Name] = i
				ref.Manufacturers = append(ref.Manufacturers, Manufacturer{Name: m.Name})
			}
			ref.Manufacturers[i].Models = append(ref.Manufacturers[i].Models, m.Models...)
		}
	}
	return ref
}

func regionsOf(cs []city) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range cs {
		if !seen[c.Region] {
			seen[c.Region] = true
			out = append(out, c.Region)
		}
	}
	return out
}

// regionNames maps the region codes the generator uses to their full names.
var regionNames = map[string]string{
	"WA": "Washington", "OR": "Oregon", "ID": "Idaho", "CO": "Colorado", "AZ": "Arizona", "TX": "Texas", "IL": "Illinois",
	"MN": "Minnesota", "WI": "Wisconsin", "OH": "Ohio", "IN": "Indiana", "TN": "Tennessee", "GA": "Georgia",
	"NC": "North Carolina", "FL": "Florida", "VA": "Virginia", "MD": "Maryland", "PA": "Pennsylvania",
	"CT": "Connecticut", "MA": "Massachusetts", "ME": "Maine", "NY": "New York", "CA": "California", "UT": "Utah",
	"MO": "Missouri", "ON": "Ontario", "BC": "British Columbia", "AB": "Alberta", "MB": "Manitoba",
	"NS": "Nova Scotia", "QC": "Quebec",
}

// RegionName is the full name of a region code ("NC" -> "North Carolina");
// an unknown code is returned as it is. Both sandboxes name regions this way.
func RegionName(code string) string {
	if n, ok := regionNames[code]; ok {
		return n
	}
	return code
}
