package autotask

import (
	"slices"
	"strconv"
	"strings"
)

// pickValue is one entry of a picklist as entityInformation/fields gives it.
type pickValue struct {
	Value          string `json:"value"`
	Label          string `json:"label"`
	IsDefaultValue bool   `json:"isDefaultValue"`
	SortOrder      int    `json:"sortOrder"`
	ParentValue    string `json:"parentValue"`
	IsActive       bool   `json:"isActive"`
	IsSystem       bool   `json:"isSystem"`
}

func pv(id int, label string) pickValue {
	return pickValue{Value: strconv.Itoa(id), Label: label, IsActive: true, IsSystem: true}
}

// Queue ids look like a tenant's (large numbers); the other ids follow the
// system picklists of a new Autotask database where they are known.
const (
	queueHelpDesk = 29683481
	queueAlerts   = 29683482
	queueProjects = 29683483
	queueClient   = 8
)

// staticPicklists are the fixed picklists, per entity and field. The
// configuration item types are the ConfigurationItemTypes records
// (dynamic, see Sandbox.picklist).
func staticPicklists() map[string]map[string][]pickValue {
	countries := []pickValue{pv(237, "United States"), pv(39, "Canada"), pv(236, "United Kingdom")}
	countries[0].IsDefaultValue = true
	companyType := []pickValue{pv(1, "Customer"), pv(2, "Lead"), pv(3, "Prospect"), pv(4, "Dead"), pv(6, "Cancellation"), pv(7, "Vendor"), pv(8, "Partner")}
	classification := []pickValue{pv(100, "Managed Services"), pv(101, "Break/Fix"), pv(102, "Project Only")}
	classification[0].IsSystem, classification[1].IsSystem, classification[2].IsSystem = false, false, false
	status := []pickValue{pv(1, "New"), pv(5, "Complete"), pv(7, "Waiting Customer"), pv(8, "In Progress"), pv(10, "Dispatched"), pv(11, "Acknowledged"), pv(12, "Waiting Vendor")}
	status[0].IsDefaultValue = true
	priority := []pickValue{pv(4, "Critical"), pv(1, "High"), pv(2, "Medium"), pv(3, "Low")}
	priority[2].IsDefaultValue = true
	queue := []pickValue{pv(queueClient, "Client Portal"), pv(queueHelpDesk, "Help Desk"), pv(queueAlerts, "Monitoring Alert"), pv(queueProjects, "Projects")}
	ticketType := []pickValue{pv(1, "Service Request"), pv(2, "Incident"), pv(3, "Problem"), pv(4, "Change Request"), pv(5, "Alert")}
	source := []pickValue{pv(2, "Phone"), pv(4, "Email"), pv(-1, "Client Portal"), pv(6, "In Person / Onsite"), pv(8, "Monitoring Alert"), pv(9, "Insourced Scanner")}
	issueType := []pickValue{pv(1, "Hardware"), pv(2, "Software"), pv(3, "Network"), pv(4, "Email"), pv(5, "Printing"), pv(6, "Account"), pv(7, "Backup"), pv(8, "Security")}
	noteType := []pickValue{pv(1, "Task Summary"), pv(2, "Task Detail"), pv(3, "Task Notes"), pv(13, "Resolution"), pv(18, "Internal Notes")}
	publish := []pickValue{pv(1, "All Autotask Users"), pv(2, "Internal Project Team"), pv(3, "Internal Only")}
	category := []pickValue{pv(1, "Standard")}
	category[0].IsDefaultValue = true
	lists := map[string]map[string][]pickValue{
		"Companies": {"companyType": companyType, "classification": classification, "countryID": countries,
			"territoryID": {pv(1, "East"), pv(2, "West")}, "marketSegmentID": {pv(1, "SMB"), pv(2, "Mid-Market")}},
		"CompanyLocations":   {"countryID": countries},
		"Contacts":           {"countryID": countries},
		"ConfigurationItems": {"configurationItemCategoryID": category},
		"Products":           {"productCategory": {pv(1, "Hardware"), pv(2, "Software"), pv(3, "Services")}},
		"Tickets":            {"status": status, "priority": priority, "queueID": queue, "ticketType": ticketType, "source": source, "issueType": issueType},
		"TicketNotes":        {"noteType": noteType, "publish": publish},
	}
	for _, byField := range lists {
		for _, vs := range byField {
			for i := range vs {
				vs[i].SortOrder = i
			}
		}
	}
	return lists
}

// picklist returns the values of an entity's picklist field.
func (sb *Sandbox) picklist(e *entity, fieldName string) []pickValue {
	if e.name == "ConfigurationItems" && strings.EqualFold(fieldName, "configurationItemType") {
		var out []pickValue
		for i, r := range sb.table("ConfigurationItemTypes").All() {
			name, _ := r.Data["name"].(string)
			active, _ := r.Data["isActive"].(bool)
			out = append(out, pickValue{Value: strconv.FormatInt(r.ID, 10), Label: name, IsActive: active, SortOrder: i})
		}
		return out
	}
	return sb.picks[e.name][fieldName]
}

// pickID returns the id of the picklist value with this label (case-insensitive).
func (sb *Sandbox) pickID(entityName, fieldName, label string) (int64, bool) {
	vs := sb.picklist(sb.ents[entityName], fieldName)
	i := slices.IndexFunc(vs, func(v pickValue) bool { return strings.EqualFold(v.Label, label) })
	if i < 0 {
		return 0, false
	}
	n, _ := strconv.ParseInt(vs[i].Value, 10, 64)
	return n, true
}

// validPick reports whether id is an active value of the picklist.
func (sb *Sandbox) validPick(e *entity, fieldName string, id int64) bool {
	v := strconv.FormatInt(id, 10)
	return slices.ContainsFunc(sb.picklist(e, fieldName), func(p pickValue) bool { return p.Value == v && p.IsActive })
}
